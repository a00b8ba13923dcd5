@testable import Evidence

// libFuzzer target for `JSONDepthGuard`, the linear pre-check that stands between untrusted bytes and every
// recursive decoder. Beyond "no crash, no read past the input": on text the JSON decoder accepts, the guard's
// verdict must agree with the real nesting depth of the decoded value (escaped quotes and brackets inside
// strings must not fool it in either direction).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONDepthGuard(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    let maxDepth = 8
    let passed = (try? JSONDepthGuard.check(bytes, maxDepth: maxDepth)) != nil
    // The decoder refuses nesting beyond ~512 on its own; the guard's default (64) keeps us well inside that.
    guard (try? JSONDepthGuard.check(bytes)) != nil, let value = JSONValue.decode(bytes) else { return 0 }
    let depth = value.nestingDepth
    if passed != (depth <= maxDepth) {
        fatalError("guard says \(passed ? "within" : "beyond") \(maxDepth) levels, the decoded value nests \(depth)")
    }
    return 0
}

extension JSONValue {
    /// Containers on the deepest path: a scalar is 0, `[]` is 1, `[{}]` is 2.
    var nestingDepth: Int {
        switch self {
        case .array(let items): 1 + (items.map(\.nestingDepth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(\.nestingDepth).max() ?? 0)
        default: 0
        }
    }
}
