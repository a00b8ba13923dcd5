/// Text that SQLite's `hex()` encoded: uppercase hexadecimal of the UTF-8 bytes.
enum HexText {
    /// The text, or nil for odd lengths, non-hex digits or bytes that are not UTF-8.
    static func decode(_ hex: Substring) -> String? {
        let digits = hex.utf8
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var high: UInt8?
        for digit in digits {
            let value: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = digit - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
