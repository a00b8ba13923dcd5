import Crypto

/// Base64 as DSSE verifiers must read it: the standard or the URL-safe alphabet, padded or not
/// (DSSE `protocol.md`), and nothing looser — no whitespace, no mixed alphabets, no stray characters.
enum Base64Lenient {
    /// The decoded bytes, or nil when `text` is not Base64 in either alphabet.
    static func decode(_ text: String) -> [UInt8]? {
        // Both decoders are strict (canonical trailing bits, padding only at the end), so trying one
        // then the other accepts exactly the union of the two spellings.
        Base64.decode(text) ?? Base64URL.decode(text)
    }
}
