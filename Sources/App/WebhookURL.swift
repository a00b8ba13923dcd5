import HTTPServer

/// A receiver URL split for `HTTPClient`: https:// only, except plain http:// to a loopback host (local receivers, tests).
struct WebhookURL: Sendable {
    /// `scheme://authority`, the client's base URL.
    let base: String
    /// The path and query sent in the request line, at least "/".
    let path: String

    init(_ text: String) throws(APIError) {
        guard text.utf8.count <= 2048, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError.invalid("url must be at most 2048 printable ASCII characters without spaces")
        }
        let lowered = text.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") { scheme = "https" } else if lowered.hasPrefix("http://") { scheme = "http" } else {
            throw APIError.invalid("url must start with https://")
        }
        let rest = text.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var path = String(rest.dropFirst(authority.count))
        if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
        // Credentials in the URL would be stored and logged; a fragment is never sent.
        guard !authority.isEmpty, !authority.contains("@"), !text.contains("#") else {
            throw APIError.invalid("url needs a host, and no user:password@ or #fragment")
        }
        let host = authority.hasPrefix("[") ? String(authority.prefix { $0 != "]" }) + "]" : String(authority.prefix { $0 != ":" })
        if scheme == "http", !["127.0.0.1", "localhost", "[::1]"].contains(host.lowercased()) {
            throw APIError.invalid("url must use https:// (plain http:// is allowed only to 127.0.0.1, localhost or [::1])")
        }
        base = scheme + "://" + authority
        self.path = path
        do {
            _ = try HTTPClient(baseURL: base)
        } catch {
            throw APIError.invalid("url is not usable: \(error)")
        }
    }
}
