import Crypto
import Domain
import Foundation
import SQLite
import Store
import Testing
import TestSupport

@testable import App

/// A minimal browser for dashboard tests: it keeps cookies, sends `Origin` on POST as browsers do, and reads the
/// CSRF token out of pages. Each request uses a fresh connection on its own thread.
final class DashboardAgent: @unchecked Sendable {  // used by one test task at a time
    let live: LiveServer
    private(set) var cookies: [String: String] = [:]
    /// The origin browsers send for pages of this server (TestClient sends `Host: localhost`).
    static let origin = "http://localhost"

    init(_ live: LiveServer) { self.live = live }

    func get(_ path: String) async throws -> TestResponse { try await send("GET", path, fields: nil, origin: nil) }

    /// POSTs a urlencoded form; `origin` nil sends no Origin header.
    func post(_ path: String, _ fields: [(String, String)], origin: String? = DashboardAgent.origin) async throws -> TestResponse {
        try await send("POST", path, fields: fields, origin: origin)
    }

    /// Signs in through the real form: GET /login for the pre-session cookie and token, then POST.
    func signIn(_ user: String, _ password: String) async throws -> TestResponse {
        let page = try await get("/login")
        let token = try #require(Self.csrf(in: page.text))
        return try await post("/login", [("csrf", token), ("username", user), ("password", password)])
    }

    /// The session's CSRF token, read from a page as a browser form would carry it.
    func csrf() async throws -> String { try #require(Self.csrf(in: try await get("/account").text)) }

    func setCookie(_ name: String, _ value: String?) { cookies[name] = value }

    private func send(_ method: String, _ path: String, fields: [(String, String)]?, origin: String?) async throws -> TestResponse {
        var headers: [(String, String)] = []
        if !cookies.isEmpty { headers.append(("Cookie", cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))) }
        var body: String?
        if let fields {
            let encoded = fields.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
            headers += [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", String(encoded.utf8.count))]
            if let origin { headers.append(("Origin", origin)) }
            body = encoded
        }
        // A generous timeout: sign-ins queue for the server's two scrypt threads behind every other suite's.
        let response = try await TestClient(port: live.port, timeout: .seconds(60)).request(method, path, headers: headers, bodyText: body)
        for header in response.headers where header.name.lowercased() == "set-cookie" {
            let pair = header.value.split(separator: ";")[0]
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            cookies[name] = header.value.contains("Max-Age=0") || value.isEmpty ? nil : value
        }
        return response
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    static func encode(_ text: String) -> String {
        text.utf8.map { byte -> String in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                String(UnicodeScalar(byte))
            default: String(format: "%%%02X", byte)
            }
        }.joined()
    }
}

extension LiveServer {
    /// Creates a user through the accounts service (as the CLI would).
    func addUser(_ name: String, role: Role, password: String = "a long enough passphrase") async throws {
        _ = try await server.accounts.createUser(name: name, role: role, password: password, actor: "test")
    }

    /// Audit entries, oldest first.
    func auditEntries() async throws -> [AuditEntry] {
        try await server.database.read { db in try AuditLog.entries(limit: 10_000, in: db) }
    }
}

/// Sign-in, sessions and sign-out over the real server. Serialized: each test signs in several times, and
/// password hashing (two threads per process) is shared with every suite running in parallel.
@Suite(.serialized) struct DashboardSessionTests {
    @Test func pagesNeedASessionAndSignInSetsAHardenedCookie() async throws {
        try await withLiveServer { live in
            let agent = DashboardAgent(live)
            let anonymous = try await agent.get("/")
            #expect(anonymous.status == 303)
            #expect(anonymous.header("Location") == "/login?next=%2F")

            let login = try await agent.get("/login")
            #expect(login.status == 200)
            #expect(login.text.contains(#"<form method="post" action="/login">"#))
            #expect(login.text.contains(#"<input id="username" name="username""#) && login.text.contains(#"name="password" type="password""#))
            #expect(login.header("Content-Security-Policy")?.contains("default-src 'self'") == true)

            let signedIn = try await agent.signIn("admin", live.adminPassword)
            #expect(signedIn.status == 303)
            #expect(signedIn.header("Location") == "/")
            let cookie = try #require(signedIn.headers.first { $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix("shipgate_session=") }?.value)
            #expect(cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Lax") && cookie.contains("; Path=/"))
            #expect(!cookie.contains("Secure"), "plain HTTP: no Secure flag")

            let overview = try await agent.get("/")
            #expect(overview.status == 200)
            #expect(overview.text.contains(#"<form method="post" action="/logout">"#) && overview.text.contains(#"<button id="logout" type="submit">"#))
            #expect(overview.header("Referrer-Policy") == "same-origin")

            // Only the SHA-256 of the id is stored.
            let id = try #require(agent.cookies["shipgate_session"])
            #expect(id.utf8.count == 43)
            let (hashed, plain) = try await live.server.database.read { db in
                (
                    try db.queryOne("SELECT COUNT(*) FROM sessions WHERE id_hash = ?", [SHA256.hexDigest(Array(id.utf8))])?.int(0),
                    try db.queryOne("SELECT COUNT(*) FROM sessions WHERE id_hash = ? OR csrf_token = ?", [id, id])?.int(0)
                )
            }
            #expect(hashed == 1 && plain == 0)
            #expect(try await live.auditActions().contains("session.start"))
        }
    }

    @Test func aWrongPasswordShowsTheFormAgainAndIsAuditedWithoutThePassword() async throws {
        try await withLiveServer { live in
            let agent = DashboardAgent(live)
            let response = try await agent.signIn("admin", "not the password at all")
            #expect(response.status == 401)
            #expect(response.text.contains("Wrong user name or password."))
            #expect(response.text.contains(#"<form method="post" action="/login">"#))
            #expect(agent.cookies["shipgate_session"] == nil)
            let failure = try #require(try await live.auditEntries().last { $0.action == "login.fail" })
            #expect(failure.subject == "user:admin")
            #expect(failure.details.contains("127.0.0.1"))
            #expect(!failure.details.contains("not the password"))
        }
    }

    @Test func signOutEndsTheSessionServerSide() async throws {
        try await withLiveServer { live in
            let agent = DashboardAgent(live)
            _ = try await agent.signIn("admin", live.adminPassword)
            let stolen = try #require(agent.cookies["shipgate_session"])
            let out = try await agent.post("/logout", [("csrf", try await agent.csrf())])
            #expect(out.status == 303)
            #expect(out.header("Location") == "/login?notice=signed-out")
            #expect(agent.cookies["shipgate_session"] == nil)

            // The old cookie, replayed, opens nothing.
            agent.setCookie("shipgate_session", stolen)
            let replay = try await agent.get("/")
            #expect(replay.status == 303)
            #expect(replay.header("Location")?.hasPrefix("/login") == true)
            #expect(try await live.auditActions().contains("session.end"))
        }
    }

    @Test func aPasswordChangeByAnyRouteEndsEverySessionOfThatUser() async throws {
        try await withLiveServer { live in
            try await live.addUser("ada", role: .approver)
            let laptop = DashboardAgent(live)
            let phone = DashboardAgent(live)
            _ = try await laptop.signIn("ada", "a long enough passphrase")
            _ = try await phone.signIn("ada", "a long enough passphrase")
            #expect(try await laptop.get("/").status == 200)
            // Changed through the accounts service, as the API and the CLI do.
            try await live.server.accounts.setPassword(name: "ada", password: "another long passphrase", actor: "admin")
            #expect(try await laptop.get("/").status == 303)
            #expect(try await phone.get("/").status == 303)

            // Changing one's own password in the dashboard signs out everywhere, too.
            let again = DashboardAgent(live)
            #expect(try await again.signIn("ada", "another long passphrase").status == 303)
            let other = DashboardAgent(live)
            _ = try await other.signIn("ada", "another long passphrase")
            let changed = try await again.post(
                "/account/password", [("csrf", try await again.csrf()), ("current", "another long passphrase"), ("password", "a third long passphrase")])
            #expect(changed.status == 303)
            #expect(changed.header("Location") == "/login?notice=password-changed")
            #expect(try await other.get("/").status == 303)
            #expect(try await DashboardAgent(live).signIn("ada", "a third long passphrase").status == 303)
        }
    }

    @Test func sessionsEndAfterAnHourIdleAndTwelveHoursInAll() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_900_000_000))
        try await withLiveServer({ $0.clock = { clock.now } }) { live in
            let agent = DashboardAgent(live)
            _ = try await agent.signIn("admin", live.adminPassword)
            clock.advance(by: 59 * 60)
            #expect(try await agent.get("/").status == 200)
            clock.advance(by: 59 * 60)
            #expect(try await agent.get("/").status == 200, "activity moved the idle deadline")
            clock.advance(by: 61 * 60)
            #expect(try await agent.get("/").status == 303, "idle for more than an hour")

            let busy = DashboardAgent(live)
            _ = try await busy.signIn("admin", live.adminPassword)
            for _ in 0..<14 {
                clock.advance(by: 50 * 60)
                #expect(try await busy.get("/account").status == 200)
            }
            clock.advance(by: 50 * 60)
            #expect(try await busy.get("/account").status == 303, "past the 12-hour absolute limit")
        }
    }

    @Test func theSignInFormHasItsOwnForgeryProtection() async throws {
        try await withLiveServer { live in
            // No pre-session cookie: refused even with the right password.
            let bare = DashboardAgent(live)
            let page = try await bare.get("/login")
            let token = try #require(DashboardAgent.csrf(in: page.text))
            bare.setCookie("shipgate_login", nil)
            let noCookie = try await bare.post("/login", [("csrf", token), ("username", "admin"), ("password", live.adminPassword)])
            #expect(noCookie.status == 403)
            #expect(noCookie.header("Content-Type")?.hasPrefix("text/html") == true)

            // A token for another cookie: refused.
            let agent = DashboardAgent(live)
            _ = try await agent.get("/login")
            let wrong = try await agent.post("/login", [("csrf", token), ("username", "admin"), ("password", live.adminPassword)])
            #expect(wrong.status == 403)

            // Posted from another site: refused.
            let page2 = try await agent.get("/login")
            let crossSite = try await agent.post(
                "/login", [("csrf", try #require(DashboardAgent.csrf(in: page2.text))), ("username", "admin"), ("password", live.adminPassword)],
                origin: "https://evil.example")
            #expect(crossSite.status == 403)
            #expect(agent.cookies["shipgate_session"] == nil)
        }
    }

    @Test func fiveFailuresForAUserAreThrottledWithARetryTime() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_900_000_000))
        try await withLiveServer({ $0.clock = { clock.now } }) { live in
            let agent = DashboardAgent(live)
            for attempt in 1...5 {
                #expect(try await agent.signIn("admin", "wrong password \(attempt)").status == 401)
                clock.advance(by: 10)
            }
            // Even the right password is refused now, without checking it.
            let throttled = try await agent.signIn("admin", live.adminPassword)
            #expect(throttled.status == 429)
            #expect(throttled.text.contains("Too many"))
            let retryAfter = try #require(throttled.header("Retry-After").flatMap { Int($0) })
            #expect(retryAfter > 14 * 60 && retryAfter <= 15 * 60)
            #expect(throttled.text.contains("<time datetime="))
            #expect(agent.cookies["shipgate_session"] == nil)

            clock.advance(by: 15 * 60)
            #expect(try await agent.signIn("admin", live.adminPassword).status == 303)
            let failures = try await live.auditEntries().filter { $0.action == "login.fail" }
            #expect(failures.count == 5)
            #expect(failures.allSatisfy { !$0.details.contains("wrong password") })
        }
    }

    @Test func fiveFailuresFromOneAddressAreThrottledWhateverTheUserName() async throws {
        try await withLiveServer { live in
            let agent = DashboardAgent(live)
            for name in ["a1", "a2", "a3", "a4", "a5"] {
                #expect(try await agent.signIn(name, "some password").status == 401)
            }
            let throttled = try await agent.signIn("admin", live.adminPassword)
            #expect(throttled.status == 429)
            #expect(throttled.header("Retry-After") != nil)
        }
    }

    @Test func overTLSTheCookieIsSecureWithTheHostPrefix() async throws {
        let directory = try TemporaryDirectory("dashboard-tls")
        defer { directory.remove() }
        let pair = try SelfSignedCertificate.make(commonName: "localhost")
        try pair.certificatePEM.write(toFile: directory.file("tls.crt"), atomically: true, encoding: .utf8)
        try pair.privateKeyPEM.write(toFile: directory.file("tls.key"), atomically: true, encoding: .utf8)
        try await withLiveServer({
            $0.tlsCertificate = directory.file("tls.crt")
            $0.tlsKey = directory.file("tls.key")
        }) { live in
            let response = try await TestThread.run { () -> TestResponse in
                let client = try live.client()
                _ = try client.startTLS(TLSClientContext())
                return try client.roundTrip("GET /login HTTP/1.1\r\nHost: localhost\r\n\r\n")
            }
            #expect(response.status == 200)
            let cookie = try #require(response.header("Set-Cookie"))
            #expect(cookie.hasPrefix("__Host-shipgate_login="))
            #expect(cookie.contains("; Secure") && cookie.contains("; Path=/") && cookie.contains("; HttpOnly"))
            #expect(!cookie.contains("Domain="))

            // Signing in over TLS: the session cookie is `__Host-` and Secure, and the expected origin is https.
            let loginCookie = String(cookie.prefix { $0 != ";" })
            let csrf = try #require(DashboardAgent.csrf(in: response.text))
            let password = live.adminPassword
            let form = "csrf=\(DashboardAgent.encode(csrf))&username=admin&password=\(DashboardAgent.encode(password))"
            let signedIn = try await TestThread.run { () -> TestResponse in
                let client = try TestClient(port: live.port, timeout: .seconds(60))
                _ = try client.startTLS(TLSClientContext())
                return try client.roundTrip(
                    "POST /login HTTP/1.1\r\nHost: localhost\r\nOrigin: https://localhost\r\nCookie: \(loginCookie)\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n\r\n\(form)")
            }
            #expect(signedIn.status == 303)
            let session = try #require(signedIn.headers.first { $0.name.lowercased() == "set-cookie" && $0.value.hasPrefix("__Host-shipgate_session=") }?.value)
            #expect(session.contains("; Secure") && session.contains("; Path=/") && session.contains("; HttpOnly") && session.contains("; SameSite=Lax"))
        }
    }
}
