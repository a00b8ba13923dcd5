/// A parsed `http://` or `https://` base URL: where to connect and what to put in `Host`.
struct HTTPClientEndpoint: Sendable, Equatable {
    let isTLS: Bool
    /// The host without brackets (a name, an IPv4 literal or an IPv6 literal), lowercased.
    let host: String
    let port: Int
    /// A path prefix every request path is appended to ("" or "/prefix", never ending in "/").
    let basePath: String

    /// `host[:port]` as the `Host` header carries it (IPv6 in brackets, default ports omitted).
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (isTLS ? 443 : 80) ? name : "\(name):\(port)"
    }

    /// `scheme://host:port`, for messages.
    var origin: String { "\(isTLS ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Parses `scheme://host[:port][/base]`; user info, queries and fragments are refused.
    init(parsing url: String) throws(HTTPClientError) {
        func invalid(_ why: String) -> HTTPClientError { HTTPClientError(.invalidRequest, "invalid server URL '\(Self.printable(url))': \(why)") }
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            isTLS = true
            rest = url.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            isTLS = false
            rest = url.dropFirst(7)
        } else {
            throw invalid("it must start with http:// or https://")
        }
        guard !url.contains("?"), !url.contains("#") else { throw invalid("a query or fragment is not allowed") }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        guard !authority.contains("@") else { throw invalid("user info is not allowed; pass credentials separately") }

        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unclosed '[' in the host") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected characters after ']'") }
                portPart = after.dropFirst()
            }
            guard hostPart.contains(":"), hostPart.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw invalid("the bracketed host is not an IPv6 address")
            }
        } else {
            let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw invalid("put an IPv6 address in brackets, e.g. http://[::1]:8080") }
            hostPart = pieces[0]
            portPart = pieces.count == 2 ? pieces[1] : nil
            guard hostPart.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." || $0 == "_" }) else {
                throw invalid("the host may hold only letters, digits, '-', '.' and '_'")
            }
        }
        guard !hostPart.isEmpty else { throw invalid("the host is empty") }
        host = hostPart.lowercased()
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portPart),
                (1...65535).contains(value)
            else { throw invalid("the port must be a number from 1 to 65535") }
            port = value
        } else {
            port = isTLS ? 443 : 80
        }
        guard path.allSatisfy(Self.isPathCharacter) else { throw invalid("the path holds characters that must be percent-encoded") }
        var base = String(path)
        while base.hasSuffix("/") { base.removeLast() }
        basePath = base
    }

    /// Printable ASCII except space: what may appear in a request-target (RFC 9112 §3.2, percent-encoding assumed).
    static func isPathCharacter(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return ascii > 0x20 && ascii < 0x7F
    }

    /// `text` with control characters replaced, so an error message cannot carry terminal escapes.
    static func printable(_ text: String) -> String {
        String(text.prefix(200).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
