#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds the bytes of one member or element inside JSON text that `JSONDecoder` has *already validated*,
/// without building a tree.
///
/// A signed SBOM or scan can be several MiB; materialising it as `JSONValue` only to re-encode it for the
/// SBOM/scan parser costs seconds (measured: 5 MiB CycloneDX, 1.7–7.8 s in release), while slicing the original
/// bytes costs one linear scan and hands those parsers exactly the bytes that were signed. Duplicate member names resolve to the first one, as
/// `JSONDecoder` does, so both readers see the same value.
enum JSONSlice {
    /// What a JSON value is, judged by its first byte.
    enum Kind: Sendable, Equatable {
        case object, array, string, number, bool, null

        /// The kind name used in error messages ("a string", "an object", …).
        var description: String {
            switch self {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number: "a number"
            case .bool: "a boolean"
            case .null: "null"
            }
        }
    }

    /// The kind of the value `text` holds (leading whitespace skipped); nil for empty text.
    static func kind(of text: ArraySlice<UInt8>) -> Kind? {
        guard let first = text.first(where: { !isWhitespace($0) }) else { return nil }
        switch first {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: return .number
        }
    }

    /// The value of the first member named `key` of the object `text`; nil when absent or `text` is not an object.
    static func member(_ key: String, of text: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let wanted = Array(key.utf8)
        var index = skipWhitespace(text, from: text.startIndex)
        guard index < text.endIndex, text[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        while true {
            index = skipWhitespace(text, from: index)
            guard index < text.endIndex, text[index] == UInt8(ascii: "\"") else { return nil }  // `}` of an empty object
            let keyEnd = endOfString(text, from: index)
            let matches = keyMatches(text[index..<keyEnd], wanted)
            index = skipWhitespace(text, from: keyEnd)
            guard index < text.endIndex, text[index] == UInt8(ascii: ":") else { return nil }
            let valueStart = skipWhitespace(text, from: index + 1)
            let valueEnd = endOfValue(text, from: valueStart)
            if matches { return text[valueStart..<valueEnd] }
            index = skipWhitespace(text, from: valueEnd)
            guard index < text.endIndex, text[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }

    /// Whether the object `text` has at least one member.
    static func hasMembers(_ text: ArraySlice<UInt8>) -> Bool {
        let open = skipWhitespace(text, from: text.startIndex)
        guard open < text.endIndex, text[open] == UInt8(ascii: "{") else { return false }
        let next = skipWhitespace(text, from: open + 1)
        return next < text.endIndex && text[next] == UInt8(ascii: "\"")
    }

    /// Element `position` of the array `text`; nil when out of range or `text` is not an array.
    static func element(_ position: Int, of text: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var index = skipWhitespace(text, from: text.startIndex)
        guard index < text.endIndex, text[index] == UInt8(ascii: "[") else { return nil }
        index = skipWhitespace(text, from: index + 1)
        guard index < text.endIndex, text[index] != UInt8(ascii: "]") else { return nil }
        var current = 0
        while true {
            let valueEnd = endOfValue(text, from: index)
            if current == position { return text[index..<valueEnd] }
            index = skipWhitespace(text, from: valueEnd)
            guard index < text.endIndex, text[index] == UInt8(ascii: ",") else { return nil }
            index = skipWhitespace(text, from: index + 1)
            current += 1
        }
    }

    /// Compares a quoted key with `wanted`; keys with escapes are unescaped by `JSONDecoder` (rare, so not fast).
    private static func keyMatches(_ quoted: ArraySlice<UInt8>, _ wanted: [UInt8]) -> Bool {
        let inner = quoted.dropFirst().dropLast()
        guard inner.contains(UInt8(ascii: "\\")) else { return inner.elementsEqual(wanted) }
        guard let key = try? JSONDecoder().decode(String.self, from: Data(quoted)) else { return false }
        return Array(key.utf8) == wanted
    }

    /// The index just past the value starting at `start` (valid JSON assumed).
    private static func endOfValue(_ text: ArraySlice<UInt8>, from start: Int) -> Int {
        guard start < text.endIndex else { return start }
        switch text[start] {
        case UInt8(ascii: "\""):
            return endOfString(text, from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < text.endIndex {
                switch text[index] {
                case UInt8(ascii: "\""):
                    index = endOfString(text, from: index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            return index
        default:
            // A number or literal runs until a structural character or whitespace.
            var index = start
            while index < text.endIndex {
                let byte = text[index]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") || isWhitespace(byte) { break }
                index += 1
            }
            return index
        }
    }

    /// The index just past the closing quote of the string whose opening quote is at `start`.
    private static func endOfString(_ text: ArraySlice<UInt8>, from start: Int) -> Int {
        var index = start + 1
        while index < text.endIndex {
            switch text[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): return index + 1
            default: index += 1
            }
        }
        return text.endIndex
    }

    private static func skipWhitespace(_ text: ArraySlice<UInt8>, from start: Int) -> Int {
        var index = start
        while index < text.endIndex, isWhitespace(text[index]) { index += 1 }
        return index
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
