import HTTPCore

/// Reading `Cookie` headers and writing `Set-Cookie` values (RFC 6265).
enum Cookies {
    /// The value of cookie `name` in the request; the first one wins, as browsers send the most specific first.
    static func value(_ name: String, in headers: HTTPHeaders) -> String? {
        for header in headers.values(for: "Cookie") {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " || $0 == "\t" }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                if trimmed[..<equals] == name { return String(trimmed[trimmed.index(after: equals)...]) }
            }
        }
        return nil
    }

    /// A `Set-Cookie` value: always `HttpOnly`, `Path=/`; `Secure` when serving TLS; `maxAge` 0 deletes the cookie.
    static func header(name: String, value: String, maxAge: Int?, secure: Bool, sameSite: String = "Lax") -> String {
        var parts = ["\(name)=\(value)", "Path=/", "HttpOnly", "SameSite=\(sameSite)"]
        if let maxAge { parts.append("Max-Age=\(maxAge)") }
        if secure { parts.append("Secure") }
        return parts.joined(separator: "; ")
    }
}
