import COpenSSL

/// Strict framing of a single PEM block (RFC 7468) read through OpenSSL's `PEM_read_bio`.
enum PEMBlock {
    /// Decodes `text`, which must be exactly one PEM block with nothing but whitespace around it and no
    /// RFC 1421 headers, and hands its label and DER bytes to `body`. The DER buffer is wiped after `body` returns
    /// (it may hold a private key). Reasons never echo the input.
    static func withSingleBlock<T>(
        _ text: String, maxBytes: Int, _ body: (_ label: String, _ der: UnsafeBufferPointer<UInt8>) throws(KeyError) -> T
    ) throws(KeyError) -> T {
        var bytes = Array(text.utf8)
        guard bytes.count <= maxBytes else { throw KeyError("PEM text is too large (at most \(maxBytes) bytes)") }
        // PEM_read_bio silently skips any text before "-----BEGIN "; we refuse it instead.
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }),
            bytes[first...].starts(with: "-----BEGIN ".utf8)
        else { throw KeyError("not a PEM block: the text must start with \"-----BEGIN \"") }
        defer { wipe(&bytes) }
        return try bytes.withUnsafeBufferPointer { (raw: UnsafeBufferPointer<UInt8>) throws(KeyError) -> T in
            ERR_clear_error()
            // The memory BIO is read-only and borrows `raw`, which outlives it; `maxBytes` keeps the int length in range.
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                ERR_clear_error()
                throw KeyError("could not read the PEM text")
            }
            defer { BIO_free(bio) }
            var name: UnsafeMutablePointer<CChar>?
            var header: UnsafeMutablePointer<CChar>?
            var data: UnsafeMutablePointer<UInt8>?
            var length = 0
            // PEM_read_bio(3ssl): on success name, header and data are allocated for the caller (OPENSSL_free).
            let status = PEM_read_bio(bio, &name, &header, &data, &length)
            defer {
                copenssl_free(name)
                copenssl_free(header)
                if let data { copenssl_clear_free(data, max(0, length)) }
            }
            guard status == 1, let name, let header, let data, length > 0 else {
                ERR_clear_error()
                throw KeyError("malformed PEM block")
            }
            // A non-empty header means RFC 1421 encryption ("Proc-Type: 4,ENCRYPTED"), which we never accept.
            guard header.pointee == 0 else { throw KeyError("PEM headers (such as encryption) are not supported") }
            guard isOnlyWhitespace(remainingIn: bio) else { throw KeyError("unexpected data after the PEM block") }
            return try body(String(cString: name), UnsafeBufferPointer(start: data, count: length))
        }
    }

    private static func isOnlyWhitespace(remainingIn bio: OpaquePointer) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = BIO_read(bio, &buffer, Int32(buffer.count))
            // A read-only memory BIO returns 0 (or -1 with retry flags off) once it is empty.
            guard n > 0 else { return true }
            if !buffer[..<Int(n)].allSatisfy(isWhitespace) { return false }
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Overwrites a private copy of the text before release (it may contain a private key).
    private static func wipe(_ bytes: inout [UInt8]) {
        // OPENSSL_cleanse(3ssl) is written so the compiler cannot drop the stores as dead.
        bytes.withUnsafeMutableBytes { raw in OPENSSL_cleanse(raw.baseAddress, raw.count) }
    }
}
