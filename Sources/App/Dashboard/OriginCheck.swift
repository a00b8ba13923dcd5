import HTTPCore

/// The second CSRF defence next to the synchronizer token: a state-changing request must come from our own
/// origin. Browsers send `Origin` on every POST (pages are served with `Referrer-Policy: same-origin`, so it is
/// the real origin, not `null`); without `Origin`, a `Referer` must name our origin. A request carrying neither
/// (some proxies strip both) still needs the token.
enum OriginCheck {
    /// Whether the request's `Origin` / `Referer` name `scheme://Host` of the request itself, or the server's own
    /// listening address `alsoAccepting` (`host:port`). The loopback names `localhost`, `127.0.0.1` and `[::1]`
    /// count as one host (same port required): they reach the same server. Serving TLS, only `https` origins count;
    /// serving plain HTTP, `https` counts too, because a TLS-terminating proxy in front is then the usual setup.
    static func isSameOrigin(_ request: HTTPRequest, secure: Bool, alsoAccepting listen: String? = nil) -> Bool {
        guard let host = request.headers["Host"], let own = authority(host) else { return false }
        let expected = Set([own] + (listen.flatMap(authority).map { [$0] } ?? []))
        let schemes = secure ? ["https://"] : ["http://", "https://"]
        /// The authority after an accepted scheme, or nil.
        func named(_ url: String) -> String? {
            let lowered = url.lowercased()
            guard let scheme = schemes.first(where: { lowered.hasPrefix($0) }) else { return nil }
            return authority(String(lowered.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }))
        }
        if let origin = request.headers["Origin"] {
            // An origin has no path: anything after the authority makes it malformed.
            guard !origin.dropFirst(8).contains("/"), let name = named(origin) else { return false }
            return expected.contains(name)
        }
        if let referer = request.headers["Referer"] {
            guard let name = named(referer) else { return false }
            return expected.contains(name)
        }
        return true
    }

    /// `host:port` lowercased, with the default port made explicit and loopback names folded together;
    /// nil when it is not a plain authority (paths, user info, empty).
    static func authority(_ text: String) -> String? {
        let lowered = text.lowercased()
        guard !lowered.isEmpty, !lowered.contains("/"), !lowered.contains("@"), !lowered.contains(" ") else { return nil }
        var host = lowered
        var port = ""
        if lowered.hasPrefix("[") {
            guard let close = lowered.firstIndex(of: "]") else { return nil }
            host = String(lowered[...close])
            port = String(lowered[lowered.index(after: close)...].dropFirst())
        } else if let colon = lowered.lastIndex(of: ":") {
            host = String(lowered[..<colon])
            port = String(lowered[lowered.index(after: colon)...])
        }
        guard port.allSatisfy(\.isNumber) else { return nil }
        if ["localhost", "127.0.0.1", "[::1]"].contains(host) { host = "loopback" }
        return host + ":" + (port.isEmpty ? "default" : port)
    }
}
