import Crypto
import Domain
import Foundation
import Testing
import TestSupport

@testable import App

/// Every dashboard route × every kind of browser credential, on one live server: no session, a forged, an idle-expired
/// and a signed-out session cookie, an API token instead of a cookie, and a live session of each role whose form
/// carries its own CSRF token from the same origin, no token, another session's token, or comes from another site.
/// Expected outcomes follow the product rules below; every refusal of a signed-in user is audited, and nothing a
/// cell sends changes a user, token, key or policy. Also: a session cookie is worth nothing on the API.
@Suite(.serialized) struct DashboardAuthorizationMatrixTests {
    /// What a dashboard route is.
    enum Kind: Sendable {
        /// A `GET` page for signed-in users of at least this role.
        case page(Role)
        /// A `POST` form action for signed-in users of at least this role, behind the origin and CSRF checks.
        case action(Role)
        /// `GET /login`.
        case signInPage
        /// `POST /login`, guarded by its own pre-session token (which no cell sends).
        case signIn
        /// `POST /logout`.
        case signOut
    }

    struct Row: Sendable {
        let method: String
        let pattern: String
        let path: String
        /// Form fields besides `csrf`; chosen so that an authorized request is refused by validation or finds nothing.
        let fields: [(String, String)]
        let kind: Kind
        /// What an authorized `GET` answers.
        var status = 200
        var operation: String { method + " " + pattern }
    }

    /// How a form is sent by a signed-in browser.
    enum Form: String, Sendable, CaseIterable {
        case noToken = "no-csrf", otherSessionsToken = "other-csrf", crossSite = "cross-site", valid = "csrf"
    }

    enum Credential: Sendable, Hashable {
        case none, forged, expired, signedOut
        /// An admin API token in `Authorization`, no cookie: the dashboard is for people in browsers.
        case bearer
        case session(Role, Form)

        var label: String {
            switch self {
            case .none: "none"
            case .forged: "forged"
            case .expired: "idle-expired"
            case .signedOut: "signed-out"
            case .bearer: "api-token"
            case .session(let role, let form): role.rawValue.prefix(5) + "/" + form.rawValue
            }
        }
    }

    enum Outcome: Equatable {
        /// A page sends the browser to sign in; a form is refused with 403 and nothing is audited (no one to name).
        case anonymous
        /// 403, audited as the signed-in user's refused access.
        case refused
        case allowed
    }

    /// `valid` last for each role: the sign-out row, which comes last, ends that role's session in its valid cell.
    static let credentials: [Credential] =
        [.none, .forged, .expired, .signedOut, .bearer]
        + [Role.viewer, .approver, .admin].flatMap { role in Form.allCases.map { Credential.session(role, $0) } }

    /// The product rules: no live session means no access; a form needs our origin and the session's own token;
    /// then the role must reach the route's minimum (viewer < approver < admin).
    static func expected(_ kind: Kind, for credential: Credential) -> Outcome {
        guard case .session(let role, let form) = credential else { return .anonymous }
        let rank: [Role: Int] = [.viewer: 0, .approver: 1, .admin: 2]
        switch kind {
        case .signInPage, .signIn: return .allowed  // their own outcomes are checked in `check`
        case .page(let minimum): return rank[role]! >= rank[minimum]! ? .allowed : .refused
        case .action(let minimum): return form == .valid && rank[role]! >= rank[minimum]! ? .allowed : .refused
        case .signOut: return form == .valid ? .allowed : .refused
        }
    }

    static let digest = "sha256:" + String(repeating: "cd", count: 32)

    static let rows: [Row] = [
        Row(method: "GET", pattern: "/login", path: "/login", fields: [], kind: .signInPage),
        Row(method: "POST", pattern: "/login", path: "/login", fields: [("username", "admin"), ("password", "correct horse battery staple")], kind: .signIn),
        Row(method: "GET", pattern: "/", path: "/", fields: [], kind: .page(.viewer)),
        Row(method: "GET", pattern: "/images/{digest}", path: "/images/\(digest)", fields: [], kind: .page(.viewer)),
        // The waiver form is the image route with `?waive=`; the handler itself demands an approver.
        Row(method: "GET", pattern: "/images/{digest}", path: "/images/\(digest)?waive=CVE-2024-0001", fields: [], kind: .page(.approver)),
        Row(method: "GET", pattern: "/deployments", path: "/deployments", fields: [], kind: .page(.viewer)),
        Row(method: "GET", pattern: "/account", path: "/account", fields: [], kind: .page(.viewer)),
        Row(method: "GET", pattern: "/users", path: "/users", fields: [], kind: .page(.admin)),
        Row(method: "GET", pattern: "/tokens", path: "/tokens", fields: [], kind: .page(.admin)),
        Row(method: "GET", pattern: "/keys", path: "/keys", fields: [], kind: .page(.admin)),
        Row(method: "GET", pattern: "/policies", path: "/policies", fields: [], kind: .page(.admin)),
        Row(method: "GET", pattern: "/policies/new", path: "/policies/new?environment=matrix", fields: [], kind: .page(.admin), status: 303),
        Row(method: "GET", pattern: "/policies/{env}", path: "/policies/production", fields: [], kind: .page(.admin)),
        Row(method: "GET", pattern: "/audit", path: "/audit", fields: [], kind: .page(.admin)),
        Row(
            method: "POST", pattern: "/images/{digest}/approvals", path: "/images/\(digest)/approvals",
            fields: [("verdict", "approve"), ("environment", "no-such-environment"), ("comment", "matrix")], kind: .action(.approver)),
        Row(
            method: "POST", pattern: "/images/{digest}/waivers", path: "/images/\(digest)/waivers",
            fields: [("vulnerability", "CVE-2024-0001"), ("days", "91"), ("justification", "matrix")], kind: .action(.approver)),
        Row(
            method: "POST", pattern: "/images/{digest}/break-glass", path: "/images/\(digest)/break-glass",
            fields: [("environment", "production"), ("justification", "short")], kind: .action(.admin)),
        Row(
            method: "POST", pattern: "/images/{digest}/break-glass/confirm", path: "/images/\(digest)/break-glass/confirm",
            fields: [("environment", "production")], kind: .action(.approver)),
        Row(
            method: "POST", pattern: "/users", path: "/users", fields: [("name", "dm-intruder"), ("role", "admin"), ("password", "short")],
            kind: .action(.admin)),
        Row(method: "POST", pattern: "/users/{name}/password", path: "/users/admin/password", fields: [("password", "short")], kind: .action(.admin)),
        Row(method: "POST", pattern: "/tokens", path: "/tokens", fields: [("name", " "), ("scope", "admin")], kind: .action(.admin)),
        Row(method: "POST", pattern: "/tokens/{id}/revoke", path: "/tokens/tok_0000000000000000/revoke", fields: [], kind: .action(.admin)),
        Row(method: "POST", pattern: "/keys", path: "/keys", fields: [("name", "intruder"), ("publicKey", "not a key")], kind: .action(.admin)),
        Row(method: "POST", pattern: "/keys/{id}/revoke", path: "/keys/\(String(repeating: "0", count: 64))/revoke", fields: [], kind: .action(.admin)),
        Row(method: "POST", pattern: "/policies", path: "/policies", fields: [("environment", "matrix"), ("document", #"{"noSuchRule":true}"#)], kind: .action(.admin)),
        // The current password is filled in per cell (see `fields(for:)`), so the new one's validation is what refuses.
        Row(method: "POST", pattern: "/account/password", path: "/account/password", fields: [("password", "short")], kind: .action(.viewer)),
        Row(method: "POST", pattern: "/logout", path: "/logout", fields: [], kind: .signOut),
    ]

    static let passwords: [Role: (name: String, password: String)] = [
        .viewer: ("dm-viewer", "viewer passphrase 1"), .approver: ("dm-approver", "approver passphrase 1"),
        .admin: ("admin", "correct horse battery staple"),
    ]

    /// The cookies and CSRF tokens of every column.
    struct Browsers {
        var cookies: [Credential: String] = [:]
        var csrf: [Role: String] = [:]
        var bearer = ""
    }

    @Test func everyDashboardRouteAnswersEveryBrowserAsTheRulesSay() async throws {
        let started = ContinuousClock.now
        let clock = ManualClock(Date())
        try await withLiveServer({ $0.clock = { clock.now } }) { live in
            try Self.checkCoverage(live)
            // A known image, so its page renders.
            let config = #"{"architecture":"amd64","os":"linux","config":{"User":"1000"}}"#
            let posted = try await live.client().request("POST", "/api/v1/images/\(Self.digest)/config", token: try await live.token([.evidenceWrite]), json: config)
            #expect(posted.status == 201, "\(posted.text)")
            let browsers = try await Self.signIn(live, clock: clock)
            try await Self.sessionCookiesOpenNoAPIRoute(live, cookie: try #require(browsers.cookies[.session(.admin, .valid)]))
            let before = try await Self.snapshot(live)

            var statuses = [[Int]](repeating: [], count: Self.rows.count)
            for (index, row) in Self.rows.enumerated() {
                for credential in Self.credentials {
                    let auditBefore = try await live.auditActions().count
                    let response = try await Self.send(row, as: credential, browsers: browsers, live: live)
                    let added = Array(try await live.auditActions().dropFirst(auditBefore))
                    statuses[index].append(response.status)
                    Self.check(response, row: row, credential: credential, audited: added)
                }
            }

            #expect(try await Self.snapshot(live) == before, "a cell changed users, tokens, keys, policies or passwords")
            Self.printSummary(statuses, elapsed: ContinuousClock.now - started)
        }
    }

    /// The table holds every dashboard route the server registers (a new page without a row fails here).
    static func checkCoverage(_ live: LiveServer) throws {
        let apiOperations = Set(AuthorizationMatrixTests.rows.map(\.operation) + ["GET /api/v1/openapi.json"])
        let dashboard = Set(live.server.routeSignatures).subtracting(apiOperations)
        let table = Set(rows.map(\.operation))
        for operation in dashboard.subtracting(table).sorted() {
            Issue.record("dashboard route \(operation) has no row in the dashboard authorization matrix")
        }
        for operation in table.subtracting(dashboard).sorted() {
            Issue.record("row \(operation) names no registered route")
        }
    }

    /// Signs in through the real form as each role, plus the sessions that must no longer work.
    static func signIn(_ live: LiveServer, clock: ManualClock) async throws -> Browsers {
        try await live.addUser("dm-viewer", role: .viewer, password: "viewer passphrase 1")
        try await live.addUser("dm-approver", role: .approver, password: "approver passphrase 1")
        var browsers = Browsers()
        func session(_ role: Role) async throws -> (cookie: String, csrf: String) {
            let agent = DashboardAgent(live)
            let (name, password) = try #require(passwords[role])
            #expect(try await agent.signIn(name, password).status == 303, "\(name) signs in")
            return (try #require(agent.cookies["shipgate_session"]), try await agent.csrf())
        }

        // Idle for more than an hour: proven to work first, else a refusal would prove nothing.
        let idle = try await session(.admin)
        #expect(try await page("/account", cookie: idle.cookie, live: live).status == 200)
        clock.advance(by: 3601)
        browsers.cookies[.expired] = idle.cookie

        let ended = try await session(.admin)
        #expect(try await page("/account", cookie: ended.cookie, live: live).status == 200)
        let agent = DashboardAgent(live)
        agent.setCookie("shipgate_session", ended.cookie)
        #expect(try await agent.post("/logout", [("csrf", ended.csrf)]).status == 303)
        browsers.cookies[.signedOut] = ended.cookie

        browsers.cookies[.forged] = Base64URL.encode(SecureRandom.bytes(count: 32))
        browsers.bearer = try await live.token([.admin], name: "dm-admin-token")
        for role in [Role.viewer, .approver, .admin] {
            let live = try await session(role)
            browsers.csrf[role] = live.csrf
            for form in Form.allCases { browsers.cookies[.session(role, form)] = live.cookie }
        }
        return browsers
    }

    /// The API answers only tokens: a signed-in browser's cookie (the thing a cross-site request would carry) opens
    /// no API route, so the API needs no CSRF defence.
    static func sessionCookiesOpenNoAPIRoute(_ live: LiveServer, cookie: String) async throws {
        for row in AuthorizationMatrixTests.rows {
            var headers = [("Cookie", "shipgate_session=" + cookie), ("Origin", DashboardAgent.origin)]
            if let body = row.body { headers += [("Content-Type", "application/json"), ("Content-Length", String(body.utf8.count))] }
            let response = try await TestClient(port: live.port, timeout: .seconds(30)).request(row.method, row.path, headers: headers, bodyText: row.body)
            if case .anyone = row.need {
                #expect(response.status != 401 && response.status < 500, "\(row.operation) with a session cookie → \(response.status)")
            } else {
                #expect(response.status == 401, "\(row.operation) with only a session cookie → \(response.status)")
            }
        }
    }

    static func page(_ path: String, cookie: String, live: LiveServer) async throws -> TestResponse {
        try await TestClient(port: live.port, timeout: .seconds(30)).request("GET", path, headers: [("Cookie", "shipgate_session=" + cookie)], bodyText: nil)
    }

    static func fields(for row: Row, credential: Credential, browsers: Browsers) -> [(String, String)] {
        var fields = row.fields
        guard case .session(let role, let form) = credential else {
            // Anonymous columns post a well-formed token anyway: without a session it must be worth nothing.
            return [("csrf", browsers.csrf[.admin] ?? "")] + fields
        }
        if row.pattern == "/account/password" { fields.insert(("current", passwords[role]!.password), at: 0) }
        switch form {
        case .noToken: return fields
        case .otherSessionsToken: return [("csrf", browsers.csrf[role == .admin ? .viewer : .admin] ?? "")] + fields
        case .crossSite, .valid: return [("csrf", browsers.csrf[role] ?? "")] + fields
        }
    }

    static func send(_ row: Row, as credential: Credential, browsers: Browsers, live: LiveServer) async throws -> TestResponse {
        var headers: [(String, String)] = []
        if let cookie = browsers.cookies[credential] { headers.append(("Cookie", "shipgate_session=" + cookie)) }
        if credential == .bearer { headers.append(("Authorization", "Bearer " + browsers.bearer)) }
        var body: String?
        if row.method == "POST" {
            let encoded = fields(for: row, credential: credential, browsers: browsers)
                .map { DashboardAgent.encode($0.0) + "=" + DashboardAgent.encode($0.1) }.joined(separator: "&")
            let crossSite = credential == .session(.viewer, .crossSite) || credential == .session(.approver, .crossSite)
                || credential == .session(.admin, .crossSite)
            headers += [
                ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", String(encoded.utf8.count)),
                ("Origin", crossSite ? "https://evil.example" : DashboardAgent.origin),
            ]
            body = encoded
        }
        return try await TestClient(port: live.port, timeout: .seconds(60)).request(row.method, row.path, headers: headers, bodyText: body)
    }

    static func check(_ response: TestResponse, row: Row, credential: Credential, audited: [String]) {
        let cell = "\(row.method) \(row.path) as \(credential.label) → \(response.status) \(response.header("Location") ?? "")"
        #expect(response.status < 500, "5xx: \(cell)")
        let location = response.header("Location") ?? ""
        switch (row.kind, expected(row.kind, for: credential)) {
        case (.signInPage, _):
            if case .session = credential {
                #expect(response.status == 303 && location == "/", "a signed-in browser is sent home: \(cell)")
            } else {
                #expect(response.status == 200, "\(cell)")
            }
            #expect(audited.isEmpty, "\(cell) wrote \(audited)")
        case (.signIn, _):
            // Without the pre-session cookie no sign-in is accepted, and a session's CSRF token is not a sign-in token.
            #expect(response.status == 403, "\(cell)")
            #expect(response.header("Set-Cookie") == nil, "\(cell)")
            #expect(audited.isEmpty, "\(cell) wrote \(audited)")
        case (.page, .anonymous):
            #expect(response.status == 303 && location.hasPrefix("/login?next="), "expected a redirect to sign in: \(cell)")
            #expect(audited.isEmpty, "\(cell) wrote \(audited)")
        case (.signOut, .anonymous):
            #expect(response.status == 303 && location == "/login", "\(cell)")
            #expect(audited.isEmpty, "\(cell) wrote \(audited)")
        case (_, .anonymous):
            #expect(response.status == 403, "expected 403 for a form without a live session: \(cell)")
            #expect(audited.isEmpty, "a form without a session wrote \(audited): \(cell)")
        case (_, .refused):
            #expect(response.status == 403, "expected 403: \(cell)")
            #expect(audited == ["access.refuse"], "refusal not audited (\(audited)): \(cell)")
        case (.signOut, .allowed):
            #expect(response.status == 303 && location == "/login?notice=signed-out", "\(cell)")
            #expect(audited == ["session.end"], "\(cell) wrote \(audited)")
        case (.page, .allowed):
            #expect(response.status == row.status, "expected the page: \(cell)")
            #expect(audited.isEmpty, "\(cell) wrote \(audited)")
        case (_, .allowed):
            #expect(response.status != 403 && response.status != 303 && response.status != 405, "expected the form to be processed: \(cell)")
            #expect([400, 404, 409, 422].contains(response.status), "an allowed cell is built to be refused by validation: \(cell)")
            #expect(audited.allSatisfy { $0.hasSuffix(".refuse") }, "an allowed cell wrote \(audited): \(cell)")
        }
    }

    /// Everything a cell could have changed by mistake.
    static func snapshot(_ live: LiveServer) async throws -> [String] {
        try await live.server.database.read { db in
            var lines: [String] = []
            for query in [
                "SELECT name || ' ' || role || ' ' || password_hash FROM users ORDER BY name",
                "SELECT name || ' ' || COALESCE(revoked_at, '-') FROM api_tokens ORDER BY name",
                "SELECT CAST(COUNT(*) AS TEXT) FROM trusted_keys", "SELECT CAST(COUNT(*) AS TEXT) FROM policies",
                "SELECT CAST(COUNT(*) AS TEXT) FROM approvals", "SELECT CAST(COUNT(*) AS TEXT) FROM waivers",
                "SELECT CAST(COUNT(*) AS TEXT) FROM break_glass",
            ] {
                lines += try db.query(query).map { query.prefix(40) + ": " + ($0.string(0) ?? "NULL") }
            }
            return lines
        }
    }

    static func printSummary(_ statuses: [[Int]], elapsed: Duration) {
        func label(_ row: Row) -> String { row.method + " " + row.path.replacing(digest, with: "sha256:cdcd…") }
        let width = rows.map { label($0).count }.max() ?? 0
        func pad(_ text: String, _ count: Int) -> String { text + String(repeating: " ", count: max(0, count - text.count)) }
        var lines = [
            "Dashboard authorization matrix: \(rows.count) routes × \(credentials.count) browsers = \(rows.count * credentials.count) cells; \(elapsed)",
            pad("", width) + " " + credentials.map { pad($0.label, 15) }.joined(),
        ]
        for (index, row) in rows.enumerated() {
            lines.append(pad(label(row), width) + " " + statuses[index].map { pad(String($0), 15) }.joined())
        }
        print(lines.joined(separator: "\n"))
    }
}
