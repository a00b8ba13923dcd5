import COpenSSL

/// An OpenSSL call failed; `details` holds the error-queue entries captured right after the call.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    /// The OpenSSL function (or wrapper step) that failed, e.g. `"SSL_CTX_use_PrivateKey_file"`.
    public let operation: String
    /// One line per drained error-queue entry (`error:…:lib::reason` plus any attached data), oldest first.
    public let details: [String]

    init(operation: String, details: [String]) {
        self.operation = operation
        self.details = details
    }

    /// `"<operation> failed: <details>"`.
    public var description: String {
        details.isEmpty ? "\(operation) failed" : "\(operation) failed: \(details.joined(separator: "; "))"
    }

    /// Drains this thread's OpenSSL error queue into an error.
    ///
    /// The queue is thread-local (openssl-threads(7ssl)), so this must run in the same synchronous frame as
    /// the failing call: never put an `await` between them. `extra` lines are appended after the queue entries.
    static func drain(_ operation: String, extra: [String] = []) -> OpenSSLError {
        var details: [String] = []
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            // ERR_get_error_all(3ssl): returns 0 when the queue is empty; `data` stays owned by the queue entry.
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            // The queue holds at most ERR_NUM_ERRORS (16) entries; the bound only guards against a misbehaving provider.
            guard details.count < 32 else { continue }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            var line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if flags & ERR_TXT_STRING != 0, let data, data.pointee != 0 {
                line += " (\(String(cString: data)))"
            }
            details.append(line)
        }
        return OpenSSLError(operation: operation, details: details + extra)
    }
}
