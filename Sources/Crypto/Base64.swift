/// URL-safe Base64 (RFC 4648 §5) as used in tokens and password hashes.
public enum Base64URL {
    /// Encodes with the `-_` alphabet and no `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64Codec.urlSafe.encode(bytes, padded: false)
    }

    /// Decodes `-_` Base64 with or without `=` padding; nil on any other character, bad length,
    /// misplaced padding or non-zero unused bits (so every byte string has exactly one accepted spelling per padding style).
    public static func decode(_ s: String) -> [UInt8]? {
        Base64Codec.urlSafe.decode(s)
    }
}

/// Standard Base64 (RFC 4648 §4), e.g. for DSSE envelope payloads and signatures.
public enum Base64 {
    /// Encodes with the `+/` alphabet and `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64Codec.standard.encode(bytes, padded: true)
    }

    /// Decodes `+/` Base64 with or without `=` padding; nil on whitespace, other characters, bad length,
    /// misplaced padding or non-zero unused bits.
    public static func decode(_ s: String) -> [UInt8]? {
        Base64Codec.standard.decode(s)
    }
}

/// RFC 4648 Base64 over one of its two alphabets; strict (canonical) decoding.
struct Base64Codec: Sendable {
    static let standard = Base64Codec(char62: UInt8(ascii: "+"), char63: UInt8(ascii: "/"))
    static let urlSafe = Base64Codec(char62: UInt8(ascii: "-"), char63: UInt8(ascii: "_"))

    private let alphabet: [UInt8]
    private let values: [UInt8]   // 0xFF = not in the alphabet

    private init(char62: UInt8, char63: UInt8) {
        alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8) + [char62, char63]
        var values = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { values[Int(char)] = UInt8(index) }
        self.values = values
    }

    func encode(_ bytes: some Collection<UInt8>, padded: Bool) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = b1 == nil ? nil : iterator.next()
            let group = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(alphabet[Int(group >> 18 & 0x3F)])
            out.append(alphabet[Int(group >> 12 & 0x3F)])
            if b1 != nil { out.append(alphabet[Int(group >> 6 & 0x3F)]) } else if padded { out.append(UInt8(ascii: "=")) }
            if b2 != nil { out.append(alphabet[Int(group & 0x3F)]) } else if padded { out.append(UInt8(ascii: "=")) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func decode(_ s: String) -> [UInt8]? {
        var chars = Array(s.utf8)
        // Padding, if present, must complete the final quantum: "xx==" or "xxx=", never "x===" or a lone "=".
        if chars.last == UInt8(ascii: "=") {
            guard chars.count % 4 == 0 else { return nil }
            let padding = chars.suffix(2).filter { $0 == UInt8(ascii: "=") }.count
            chars.removeLast(padding)
            guard padding <= 2, chars.count % 4 == 4 - padding else { return nil }
        }
        // A single leftover character carries only 6 bits: never a valid encoding.
        guard chars.count % 4 != 1 else { return nil }

        var out = [UInt8]()
        out.reserveCapacity(chars.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bitCount = 0
        for char in chars {
            let value = values[Int(char)]
            guard value != 0xFF else { return nil }   // also rejects '=' inside the data and whitespace
            accumulator = accumulator << 6 | UInt32(value)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bitCount)))
                accumulator &= (1 << UInt32(bitCount)) - 1
            }
        }
        // Leftover bits must be zero, or two different strings would decode to the same bytes.
        guard accumulator == 0 else { return nil }
        return out
    }
}
