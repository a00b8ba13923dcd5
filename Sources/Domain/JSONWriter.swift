/// Writes JSON text straight into bytes, for fixed shapes on hot paths. Strings are escaped exactly as `JSONEncoder`
/// escapes them (quote, backslash, named and `\u00XX` control characters; slashes and all else as they are), so output
/// written here and by `JSONEncoder` with sorted keys and unescaped slashes is byte for byte the same.
public struct JSONWriter: Sendable {
    /// What was written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    /// Text written as it is (punctuation, member names with their quotes, numbers).
    public mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// `true` or `false`.
    public mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    /// A JSON string.
    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                raw("\\u00")
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// An array whose elements `element` writes, with the commas between them.
    public mutating func array<Element>(_ elements: some Sequence<Element>, _ element: (inout JSONWriter, Element) -> Void) {
        raw("[")
        for (index, item) in elements.enumerated() {
            if index > 0 { raw(",") }
            element(&self, item)
        }
        raw("]")
    }

    /// An array of strings.
    public mutating func strings(_ texts: [String]) {
        array(texts) { json, text in json.string(text) }
    }
}
