import COpenSSL

/// HMAC-SHA256 (RFC 2104) through OpenSSL's one-shot `EVP_Q_mac`.
public enum HMAC {
    /// The 32-byte HMAC-SHA256 of `message` under `key` (any key length; long keys are hashed first, as RFC 2104 says).
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        let key = Array(key)
        let message = Array(message)
        return key.withUnsafeBytes { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                [UInt8](unsafeUninitializedCapacity: 32) { out, count in
                    var written = 0
                    // An empty Swift array may have a nil base address; OpenSSL wants a valid pointer even for length 0.
                    var zero: UInt8 = 0
                    let result = withUnsafeMutablePointer(to: &zero) { empty in
                        EVP_Q_mac(
                            nil, "HMAC", nil, "SHA256", nil, keyBuffer.baseAddress ?? UnsafeRawPointer(empty), keyBuffer.count,
                            messageBuffer.baseAddress ?? UnsafePointer(empty), messageBuffer.count, out.baseAddress, 32, &written)
                    }
                    // It fails only on allocation failure or a broken provider: nothing a caller could handle.
                    guard result != nil, written == 32 else { fatalError("\(OpenSSLError.drain("EVP_Q_mac(HMAC-SHA256)"))") }
                    count = 32
                }
            }
        }
    }

    /// The HMAC-SHA256 of `message` under `key` as 64 lowercase hex characters.
    public static func sha256Hex(key: some Collection<UInt8>, message: some Collection<UInt8>) -> String {
        Hex.encode(sha256(key: key, message: message))
    }
}
