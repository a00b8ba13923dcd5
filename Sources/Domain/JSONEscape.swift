/// The pieces of JSON string escapes (RFC 8259 §7) that every byte-level reader of JSON here decodes alike.
public enum JSONEscape {
    /// The byte a one-character escape stands for, given the character after the backslash (`"` `\` `/` `b` `f` `n`
    /// `r` `t`); nil for any other character, including `u`.
    @inlinable
    public static func character(_ escaped: UInt8) -> UInt8? {
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): escaped
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    /// The code unit the four hex digits (either case) of a `\uXXXX` escape starting at `start` give; nil when fewer
    /// than four bytes remain or one is not a hex digit.
    @inlinable
    public static func codeUnit<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at start: Bytes.Index) -> UInt16? {
        guard bytes.distance(from: start, to: bytes.endIndex) >= 4 else { return nil }
        var value: UInt16 = 0
        var index = start
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
            bytes.formIndex(after: &index)
        }
        return value
    }
}
