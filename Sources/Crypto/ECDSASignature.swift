/// ECDSA signature encodings: raw `r || s` (IEEE P1363, as in JWS and some DSSE signers) to ASN.1 DER
/// `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3), which OpenSSL verifies.
///
/// Built in Swift so the deprecated `ECDSA_SIG_*` low-level API is not needed.
enum ECDSASignature {
    /// The largest DER signature for a curve with `coordinateBytes`-byte scalars: two INTEGERs, each with a
    /// possible leading zero, and a SEQUENCE header (lengths stay below 128, so every header is two bytes).
    static func maximumDERCount(coordinateBytes: Int) -> Int {
        2 + 2 * (2 + coordinateBytes + 1)
    }

    /// DER for a raw `r || s` signature of exactly `2 * coordinateBytes` bytes; nil for any other length.
    static func der(fromRaw raw: [UInt8], coordinateBytes: Int) -> [UInt8]? {
        guard coordinateBytes > 0, coordinateBytes <= 66, raw.count == 2 * coordinateBytes else { return nil }
        let r = integer(raw[..<coordinateBytes])
        let s = integer(raw[coordinateBytes...])
        return [0x30] + length(r.count + s.count) + r + s
    }

    /// A minimal DER INTEGER for an unsigned big-endian magnitude (X.690 §8.3.2: no redundant leading zero
    /// octets; a single zero octet is prepended when the top bit is set so the value stays positive).
    private static func integer(_ magnitude: ArraySlice<UInt8>) -> [UInt8] {
        var content = Array(magnitude.drop { $0 == 0 })
        if content.isEmpty {
            content = [0]
        } else if content[0] & 0x80 != 0 {
            content.insert(0, at: 0)
        }
        return [0x02] + length(content.count) + content
    }

    /// A DER definite length (X.690 §8.1.3): short form below 128, otherwise long form.
    private static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        var bytes: [UInt8] = []
        var value = count
        while value > 0 {
            bytes.insert(UInt8(value & 0xFF), at: 0)
            value >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }
}
