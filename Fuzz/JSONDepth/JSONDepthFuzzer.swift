@testable import Evidence
import Foundation

// libFuzzer target for `JSONDepthGuard`, the linear pre-check that stands between untrusted bytes and every
// recursive decoder. Beyond "no crash, no read past the input": on text the JSON decoder accepts, the guard's
// verdict must agree with the real nesting depth of the decoded value (escaped quotes and brackets inside
// strings must not fool it in either direction). And `JSONValue.decode`, Shipgate's own parser, must never accept
// what `JSONDecoder` refuses, and must read what both accept the same way (numbers compared by value).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONDepthGuard(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    let maxDepth = 8
    let passed = (try? JSONDepthGuard.check(bytes, maxDepth: maxDepth)) != nil
    // The decoder refuses nesting beyond ~512 on its own; the guard's default (64) keeps us well inside that.
    if let parsed = JSONValue.decode(bytes) {
        guard let decoded = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            fatalError("the parser accepts what JSONDecoder refuses")
        }
        if !parsed.sameMeaning(as: decoded) { fatalError("the parser reads \(parsed), JSONDecoder \(decoded)") }
    }
    guard (try? JSONDepthGuard.check(bytes)) != nil, let value = JSONValue.decode(bytes) else { return 0 }
    let depth = value.nestingDepth
    if passed != (depth <= maxDepth) {
        fatalError("guard says \(passed ? "within" : "beyond") \(maxDepth) levels, the decoded value nests \(depth)")
    }
    return 0
}

extension JSONValue {
    /// Equal, with numbers compared by value (the decoder rounds some written whole numbers through a double).
    func sameMeaning(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { value.sameMeaning(as: $0) } ?? false }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.sameMeaning(as: $1) }
        default:
            if let a = numberValue, let b = other.numberValue { return a == b }
            return self == other
        }
    }

    private var numberValue: Double? {
        switch self {
        case .integer(let number): Double(number)
        case .unsigned(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    /// Containers on the deepest path: a scalar is 0, `[]` is 1, `[{}]` is 2.
    var nestingDepth: Int {
        switch self {
        case .array(let items): 1 + (items.map(\.nestingDepth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.nestingDepth).max() ?? 0)
        default: 0
        }
    }
}
