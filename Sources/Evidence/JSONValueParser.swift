import Domain

/// Reads one JSON document (RFC 8259, UTF-8) straight from its bytes into a `JSONValue`, with the meaning `JSONDecoder`
/// gives it through `JSONValue`'s `Decodable` conformance, at a fraction of the cost: that conformance learns each
/// value's kind by trying to decode it as a string, then an object, and so on, and every failed attempt throws.
///
/// As with the decoder, a leading UTF-8 byte order mark is skipped, the first of duplicate member names is kept, one
/// trailing comma in an array or object is accepted, and nesting deeper than 512 levels, unpaired surrogates, invalid
/// UTF-8, control characters inside strings and anything after the document are refused. A number is an `.integer`
/// when it writes exactly an `Int64` (also `1.0` or `1e2`), else an `.unsigned` when exactly a `UInt64`, else a finite
/// `.double`. Stricter than the decoder: the values of later duplicates, which the decoder never reads and so never
/// checks, must be valid too, and UTF-16 or UTF-32 input is refused rather than converted.
struct JSONValueParser {
    /// `JSONDecoder`'s own nesting limit.
    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The value `bytes` holds; nil when they are not exactly one JSON document.
    static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        if let parsed = bytes.withContiguousStorageIfAvailable({ parse(buffer: $0) }) { return parsed }
        return Array(bytes).withUnsafeBufferPointer { parse(buffer: $0) }
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        var parser = JSONValueParser(buffer)
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { parser.index = 3 }
        parser.skipWhitespace()
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.index == buffer.count ? value : nil
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) -> JSONValue? {
        guard let byte = current else { return nil }
        switch byte {
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { return nil }
            return object(depth: depth)
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { return nil }
            return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func object(depth: Int) -> JSONValue? {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            guard current == UInt8(ascii: "\""), let key = string() else { return nil }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { return nil }
            index += 1
            skipWhitespace()
            guard let member = value(depth: depth + 1) else { return nil }
            // The first of duplicate names is kept, as the decoder keeps it.
            if members[key] == nil { members[key] = member }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
                // One trailing comma is accepted, as the decoder accepts it.
                if current == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default:
                return nil
            }
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            guard let element = value(depth: depth + 1) else { return nil }
            elements.append(element)
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
                if current == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                }
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                return nil
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func number() -> JSONValue? {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, isDigit(first) else { return nil }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        var integral = true
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let byte = current, isDigit(byte) else { return nil }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let byte = current, isDigit(byte) else { return nil }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if integral {
            if let value = Int64(text) { return .integer(value) }
            if let value = UInt64(text) { return .unsigned(value) }
        }
        guard let double = Double(text), double.isFinite else { return nil }
        // A fraction or an exponent can still write a whole number (`1.0`, `1e2`): it stays exact as an integer.
        if !integral, let exact = Self.exactInteger(text) {
            if let value = Int64(exact) { return .integer(value) }
            if let value = UInt64(exact) { return .unsigned(value) }
        }
        return .double(double)
    }

    /// The decimal digits of the integer a well-formed number with a fraction or an exponent writes exactly, or nil
    /// when its value is not a whole number (or has more than 40 digits, far beyond 64 bits).
    static func exactInteger(_ text: String) -> String? {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0 != "e" && $0 != "E" }
        let exponentText = rest.dropFirst(mantissa.count + 1)
        var exponent = 0
        if !exponentText.isEmpty {
            // Anything past ±10,000 is as good as infinite here: such a value is not a 64-bit integer.
            let sign = exponentText.first == "-" ? -1 : 1
            for digit in exponentText.drop(while: { $0 == "+" || $0 == "-" }) {
                exponent = min(exponent * 10 + Int(digit.asciiValue! - 0x30), 10_000)
            }
            exponent *= sign
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? parts[1] : ""
        var digits = Array((parts[0] + fraction).drop { $0 == "0" })
        let shift = exponent - fraction.count
        if digits.isEmpty { return "0" }
        if shift >= 0 {
            guard digits.count + shift <= 40 else { return nil }
            digits += Array(repeating: "0", count: shift)
        } else {
            let dropped = -shift
            guard dropped < digits.count, digits.suffix(dropped).allSatisfy({ $0 == "0" }) else { return nil }
            digits.removeLast(dropped)
        }
        return (negative ? "-" : "") + String(digits)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { index += 1 }
    }

    /// The string starting at the opening quote under `index`; nil when malformed.
    private mutating func string() -> String? {
        index += 1
        let start = index
        // The common case: no escape, so the text is the bytes themselves.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return nil }
            index += 1
        }
        var text = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(validating: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                guard escape(into: &text) else { return nil }
            case 0x00..<0x20:
                return nil
            default:
                text.append(byte)
                index += 1
            }
        }
        return nil
    }

    private mutating func escape(into text: inout [UInt8]) -> Bool {
        guard let byte = current else { return false }
        index += 1
        if let character = JSONEscape.character(byte) {
            text.append(character)
            return true
        }
        switch byte {
        case UInt8(ascii: "u"):
            guard var code = hex4() else { return false }
            if (0xD800...0xDBFF).contains(code) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return false }
                index += 2
                guard let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return false }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code), let encoded = UTF8.encode(scalar) else { return false }
            text.append(contentsOf: encoded)
        default:
            return false
        }
        return true
    }

    private mutating func hex4() -> UInt32? {
        guard let unit = JSONEscape.codeUnit(bytes, at: index) else { return nil }
        index += 4
        return UInt32(unit)
    }
}
