/// A `HOST:PORT` listen address: `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`, `[::]:8080`.
public struct ListenAddress: Sendable, Equatable {
    public let host: String
    public let port: Int

    /// An address from its parts; `host` is an IPv4 or IPv6 literal without brackets.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses the address; IPv6 hosts go in brackets.
    public init(parsing text: String) throws(APIError) {
        let invalid = APIError(.badRequest, "invalid_listen", "listen address must be HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080")
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw invalid }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw invalid }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port) else { throw invalid }
        host = String(hostPart)
        self.port = port
    }
}
