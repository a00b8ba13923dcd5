import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A strict JSON reader for the text columns Shipgate writes itself with `JSONColumn.encode`, used where decisions read
/// them (provenance, image config facts, SBOM components): several times faster than Foundation's decoder on these
/// small documents. Anything that is not well-formed JSON, a wrong type for a known field, or bytes after the value
/// is an error; unknown fields are ignored, as the Codable decoder would. Numbers are only scanned, not checked:
/// none of these columns holds one.
struct ColumnJSON {
    /// A parsed value. Numbers are kept as their text: no column read through here has one.
    indirect enum Value {
        case null
        case bool(Bool)
        case number(String)
        case string(String)
        case array([Value])
        case object([String: Value])
    }

    /// Nesting allowed; the columns are two levels deep.
    static let maxDepth = 16

    private let bytes: [UInt8]
    private var index = 0

    private init(_ text: String) { bytes = Array(text.utf8) }

    /// The value in `text`, which must hold exactly one.
    static func parse(_ text: String) throws(ColumnJSONError) -> Value {
        var reader = ColumnJSON(text)
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw ColumnJSONError() }
        return value
    }

    private mutating func value(depth: Int) throws(ColumnJSONError) -> Value {
        guard depth < Self.maxDepth else { throw ColumnJSONError() }
        skipWhitespace()
        guard index < bytes.count else { throw ColumnJSONError() }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [String: Value] = [:]
            skipWhitespace()
            if try consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                skipWhitespace()
                let key = try string()
                skipWhitespace()
                guard try consume(UInt8(ascii: ":")) else { throw ColumnJSONError() }
                members[key] = try value(depth: depth + 1)
                skipWhitespace()
            } while try consume(UInt8(ascii: ","))
            guard try consume(UInt8(ascii: "}")) else { throw ColumnJSONError() }
            return .object(members)
        case UInt8(ascii: "["):
            index += 1
            var elements: [Value] = []
            skipWhitespace()
            if try consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                elements.append(try value(depth: depth + 1))
                skipWhitespace()
            } while try consume(UInt8(ascii: ","))
            guard try consume(UInt8(ascii: "]")) else { throw ColumnJSONError() }
            return .array(elements)
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(number())
        default:
            throw ColumnJSONError()
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
    }

    private mutating func consume(_ byte: UInt8) throws(ColumnJSONError) -> Bool {
        guard index < bytes.count else { throw ColumnJSONError() }
        guard bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func literal(_ word: StaticString) throws(ColumnJSONError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw ColumnJSONError() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw ColumnJSONError() }
        index += count
    }

    /// The number's text, checked only as far as its characters; no column read through here has numbers.
    private mutating func number() -> String {
        let start = index
        while index < bytes.count, "+-.eE0123456789".utf8.contains(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func string() throws(ColumnJSONError) -> String {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw ColumnJSONError() }
        index += 1
        let start = index
        // The common case, no escapes: one slice.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 { index += 1 }
        guard index < bytes.count else { throw ColumnJSONError() }
        if bytes[index] == UInt8(ascii: "\"") {
            defer { index += 1 }
            guard let text = String(validating: bytes[start..<index], as: UTF8.self) else { throw ColumnJSONError() }
            return text
        }
        var scalars = Array(bytes[start..<index])
        while true {
            guard index < bytes.count else { throw ColumnJSONError() }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: scalars, as: UTF8.self) else { throw ColumnJSONError() }
                return text
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw ColumnJSONError() }
                let escaped = bytes[index]
                index += 1
                if let character = JSONEscape.character(escaped) {
                    scalars.append(character)
                } else if escaped == UInt8(ascii: "u") {
                    scalars.append(contentsOf: try unicodeEscape())
                } else {
                    throw ColumnJSONError()
                }
            case 0..<0x20:
                throw ColumnJSONError()
            default:
                scalars.append(byte)
            }
        }
    }

    /// The UTF-8 of a `\uXXXX` escape (the `\u` already read), joining a surrogate pair.
    private mutating func unicodeEscape() throws(ColumnJSONError) -> [UInt8] {
        let first = try hex4()
        var value = UInt32(first)
        if (0xD800...0xDBFF).contains(first) {
            guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { throw ColumnJSONError() }
            index += 2
            let second = try hex4()
            guard (0xDC00...0xDFFF).contains(second) else { throw ColumnJSONError() }
            value = 0x10000 + (UInt32(first - 0xD800) << 10) + UInt32(second - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(first) {
            throw ColumnJSONError()
        }
        guard let scalar = Unicode.Scalar(value) else { throw ColumnJSONError() }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws(ColumnJSONError) -> UInt16 {
        guard let unit = JSONEscape.codeUnit(bytes, at: index) else { throw ColumnJSONError() }
        index += 4
        return unit
    }
}

/// The column did not hold what Shipgate writes there.
struct ColumnJSONError: Error {}

extension ColumnJSON.Value {
    /// The members of an object.
    func members() throws(ColumnJSONError) -> [String: ColumnJSON.Value] {
        guard case .object(let members) = self else { throw ColumnJSONError() }
        return members
    }

    /// A string; a wrong type is an error.
    func text() throws(ColumnJSONError) -> String {
        guard case .string(let text) = self else { throw ColumnJSONError() }
        return text
    }

    func flag() throws(ColumnJSONError) -> Bool {
        guard case .bool(let flag) = self else { throw ColumnJSONError() }
        return flag
    }

    /// An array of strings.
    func texts() throws(ColumnJSONError) -> [String] {
        guard case .array(let elements) = self else { throw ColumnJSONError() }
        var texts: [String] = []
        texts.reserveCapacity(elements.count)
        for element in elements { texts.append(try element.text()) }
        return texts
    }
}

extension [String: ColumnJSON.Value] {
    /// A required string field.
    func text(_ key: String) throws(ColumnJSONError) -> String {
        guard let value = self[key] else { throw ColumnJSONError() }
        return try value.text()
    }

    /// An optional string field: absent or null is nil.
    func optionalText(_ key: String) throws(ColumnJSONError) -> String? {
        guard let value = self[key] else { return nil }
        if case .null = value { return nil }
        return try value.text()
    }

    func flag(_ key: String) throws(ColumnJSONError) -> Bool {
        guard let value = self[key] else { throw ColumnJSONError() }
        return try value.flag()
    }

    func texts(_ key: String) throws(ColumnJSONError) -> [String] {
        guard let value = self[key] else { throw ColumnJSONError() }
        return try value.texts()
    }

    /// An optional instant written by `JSONColumn.encode` (`Timestamp.format`).
    func optionalInstant(_ key: String) throws(ColumnJSONError) -> Date? {
        guard let text = try optionalText(key) else { return nil }
        guard let date = Timestamp.parse(text) else { throw ColumnJSONError() }
        return date
    }
}
