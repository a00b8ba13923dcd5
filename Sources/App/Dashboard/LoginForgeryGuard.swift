import Crypto

/// CSRF protection for the sign-in form, before any session exists: `GET /login` sets a random pre-session
/// cookie, and the form carries an HMAC of it under a per-process key. A forged cross-site POST has neither
/// the cookie (SameSite=Strict, HttpOnly) nor a way to compute the token for one it planted.
struct LoginForgeryGuard: Sendable {
    private let key: [UInt8]

    init(key: [UInt8] = SecureRandom.bytes(count: 32)) { self.key = key }

    /// A new pre-session cookie value.
    func makeCookie() -> String { Base64URL.encode(SecureRandom.bytes(count: 32)) }

    /// The form token for `cookie`.
    func token(for cookie: String) -> String { Base64URL.encode(HMAC.sha256(key: key, message: Array(("login\u{0}" + cookie).utf8))) }

    /// Whether `token` belongs to `cookie` (constant time).
    func verify(cookie: String?, token: String?) -> Bool {
        guard let cookie, let token, Sessions.isWellFormed(cookie) else { return false }
        return ConstantTime.equals(Array(self.token(for: cookie).utf8), Array(token.utf8))
    }
}
