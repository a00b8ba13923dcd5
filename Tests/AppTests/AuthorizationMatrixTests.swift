import Crypto
import Domain
import Foundation
import Testing
import TestSupport

/// Every route the server registers × every kind of credential, on one live server: who gets 401, who gets 403,
/// who gets through, that nothing answers 5xx, and that a refused request changes nothing.
/// The expected outcomes are written from the product rules below, not derived from the app's own scope tables.
@Suite struct AuthorizationMatrixTests {
    /// What a route demands.
    enum Need: Sendable {
        /// No credentials at all; whatever is sent is ignored.
        case anyone
        /// A token whose effective scopes include this one.
        case scope(Scope)
        /// The scope, and also a user-bound token whose user has at least this role (approvals, waivers, break-glass).
        case person(Scope, Role)

        var scope: Scope? {
            switch self {
            case .anyone: nil
            case .scope(let scope), .person(let scope, _): scope
            }
        }
    }

    /// One route with a concrete request for it.
    struct Row: Sendable {
        let method: String
        let pattern: String
        let path: String
        let body: String?
        let need: Need
        /// False only for `/static/{file...}`, which the OpenAPI document leaves out on purpose.
        var documented = true

        var operation: String { method + " " + pattern }
    }

    enum Credential: Sendable, Hashable {
        case none, forged, expired, revoked
        /// A service token holding exactly this scope.
        case service(Scope)
        /// A token with this scope bound to a user of this role.
        case user(Role, Scope)

        var label: String {
            switch self {
            case .none: "none"
            case .forged: "forged"
            case .expired: "expired"
            case .revoked: "revoked"
            case .service(let scope): ["evidence:write": "ev:w", "clearance:read": "cl:r", "deployments:write": "dep:w", "approvals:write": "apr:w", "admin": "admin"][scope.rawValue] ?? scope.rawValue
            case .user(let role, let scope): "u:" + role.rawValue.prefix(4) + (scope == .admin ? "" : "+" + Credential.service(scope).label)
            }
        }
    }

    enum Outcome: Equatable { case unauthenticated, forbidden, allowed }

    static let credentials: [Credential] =
        [.none, .forged, .expired, .revoked] + [.evidenceWrite, .clearanceRead, .deploymentsWrite, .approvalsWrite, .admin].map(Credential.service)
        + [.viewer, .approver, .admin].map { Credential.user($0, .admin) }
        // The other half of the intersection: a narrow token of a strong user stays narrow.
        + [.user(.approver, .clearanceRead), .user(.admin, .clearanceRead)]

    /// The product rules: `admin` scope implies every scope; a user-bound token may do what both its scopes and its
    /// user's role allow (viewer: clearance:read; approver: + approvals:write; admin: everything); approvals and
    /// waivers need a person of role ≥ approver, break-glass an admin person.
    static func expected(_ need: Need, for credential: Credential) -> Outcome {
        let required: Scope
        let person: Role?
        switch need {
        case .anyone: return .allowed
        case .scope(let scope): (required, person) = (scope, nil)
        case .person(let scope, let role): (required, person) = (scope, role)
        }
        let rank: [Role: Int] = [.viewer: 0, .approver: 1, .admin: 2]
        switch credential {
        case .none, .forged, .expired, .revoked:
            return .unauthenticated
        case .service(let scope):
            guard scope == required || scope == .admin else { return .forbidden }
            return person == nil ? .allowed : .forbidden
        case .user(let role, let scope):
            let roleAllows: Set<Scope> =
                switch role {
                case .viewer: [.clearanceRead]
                case .approver: [.clearanceRead, .approvalsWrite]
                case .admin: [.evidenceWrite, .clearanceRead, .deploymentsWrite, .approvalsWrite, .admin]
                }
            guard roleAllows.contains(required), scope == .admin || scope == required else { return .forbidden }
            if let person, rank[role, default: -1] < rank[person, default: 99] { return .forbidden }
            return .allowed
        }
    }

    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    static let past = "2020-01-01T00:00:00Z"

    /// Bodies look real enough to get past decoding (so identity checks inside handlers are reached), but every
    /// allowed request is refused by validation or finds nothing, so no allowed cell creates anything either.
    static let rows: [Row] = [
        // Public
        Row(method: "GET", pattern: "/healthz", path: "/healthz", body: nil, need: .anyone),
        Row(method: "GET", pattern: "/readyz", path: "/readyz", body: nil, need: .anyone),
        Row(method: "GET", pattern: "/metrics", path: "/metrics", body: nil, need: .anyone),
        Row(method: "GET", pattern: "/api/v1/openapi.json", path: "/api/v1/openapi.json", body: nil, need: .anyone),
        Row(method: "GET", pattern: "/api/v1/receipt-keys", path: "/api/v1/receipt-keys", body: nil, need: .anyone),
        Row(method: "GET", pattern: "/static/{file...}", path: "/static/matrix.css", body: nil, need: .anyone, documented: false),
        // Accounts (admin)
        Row(
            method: "POST", pattern: "/api/v1/users", path: "/api/v1/users", body: #"{"name":"intruder","role":"admin","password":"short"}"#,
            need: .scope(.admin)),
        Row(method: "GET", pattern: "/api/v1/users", path: "/api/v1/users", body: nil, need: .scope(.admin)),
        Row(
            method: "POST", pattern: "/api/v1/users/{name}/password", path: "/api/v1/users/admin/password", body: #"{"password":"short"}"#,
            need: .scope(.admin)),
        Row(method: "POST", pattern: "/api/v1/tokens", path: "/api/v1/tokens", body: #"{"name":"intruder","scopes":[]}"#, need: .scope(.admin)),
        Row(method: "GET", pattern: "/api/v1/tokens", path: "/api/v1/tokens", body: nil, need: .scope(.admin)),
        Row(method: "POST", pattern: "/api/v1/tokens/{id}/revoke", path: "/api/v1/tokens/tok_0000000000000000/revoke", body: nil, need: .scope(.admin)),
        // Trusted keys (admin)
        Row(method: "POST", pattern: "/api/v1/keys", path: "/api/v1/keys", body: #"{"name":"intruder","publicKey":"not a key"}"#, need: .scope(.admin)),
        Row(method: "GET", pattern: "/api/v1/keys", path: "/api/v1/keys", body: nil, need: .scope(.admin)),
        Row(
            method: "POST", pattern: "/api/v1/keys/{id}/revoke", path: "/api/v1/keys/\(String(repeating: "0", count: 64))/revoke", body: nil,
            need: .scope(.admin)),
        // Evidence (evidence:write)
        Row(method: "POST", pattern: "/api/v1/attestations", path: "/api/v1/attestations", body: "{}", need: .scope(.evidenceWrite)),
        Row(method: "POST", pattern: "/api/v1/scans", path: "/api/v1/scans?digest=\(digest)", body: "{}", need: .scope(.evidenceWrite)),
        Row(method: "POST", pattern: "/api/v1/sboms", path: "/api/v1/sboms?digest=\(digest)", body: "{}", need: .scope(.evidenceWrite)),
        Row(method: "POST", pattern: "/api/v1/images/{digest}/config", path: "/api/v1/images/\(digest)/config", body: "[]", need: .scope(.evidenceWrite)),
        // Images
        Row(method: "GET", pattern: "/api/v1/images", path: "/api/v1/images", body: nil, need: .scope(.clearanceRead)),
        Row(method: "GET", pattern: "/api/v1/images/{digest}", path: "/api/v1/images/\(digest)", body: nil, need: .scope(.clearanceRead)),
        Row(
            method: "GET", pattern: "/api/v1/evidence/{sha256}", path: "/api/v1/evidence/\(String(repeating: "0", count: 64))", body: nil,
            need: .scope(.admin)),
        // Policies (admin)
        Row(method: "PUT", pattern: "/api/v1/policies/{env}", path: "/api/v1/policies/matrix", body: #"{"noSuchRule":true}"#, need: .scope(.admin)),
        Row(method: "GET", pattern: "/api/v1/policies/{env}", path: "/api/v1/policies/production", body: nil, need: .scope(.admin)),
        Row(method: "GET", pattern: "/api/v1/policies", path: "/api/v1/policies", body: nil, need: .scope(.admin)),
        // Clearance
        Row(method: "GET", pattern: "/api/v1/clearance/{ref}", path: "/api/v1/clearance/\(digest)?env=production", body: nil, need: .scope(.clearanceRead)),
        Row(
            method: "POST", pattern: "/api/v1/clearance:batch", path: "/api/v1/clearance:batch",
            body: #"{"environment":"production","digests":["\#(digest)"]}"#, need: .scope(.clearanceRead)),
        // Human decisions: the identity matters beyond scopes
        Row(
            method: "POST", pattern: "/api/v1/images/{digest}/approvals", path: "/api/v1/images/\(digest)/approvals",
            body: #"{"environment":"production","decision":"approve","comment":"matrix"}"#, need: .person(.approvalsWrite, .approver)),
        Row(
            method: "POST", pattern: "/api/v1/images/{digest}/waivers", path: "/api/v1/images/\(digest)/waivers",
            body: #"{"vulnerability":"CVE-2024-0001","justification":"matrix","expiresAt":"\#(past)"}"#, need: .person(.approvalsWrite, .approver)),
        Row(
            method: "POST", pattern: "/api/v1/waivers", path: "/api/v1/waivers",
            body: #"{"repositoryPattern":"registry.example.com/team/*","vulnerability":"CVE-2024-0001","justification":"matrix","expiresAt":"\#(past)"}"#,
            need: .person(.approvalsWrite, .approver)),
        Row(
            method: "POST", pattern: "/api/v1/vex", path: "/api/v1/vex?expiresAt=\(past)",
            body: #"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-2024-0001"},"status":"not_affected","products":[{"@id":"pkg:oci/app@\#(digest.replacing(":", with: "%3A"))"}]}]}"#,
            need: .person(.approvalsWrite, .approver)),
        Row(
            method: "POST", pattern: "/api/v1/images/{digest}/break-glass", path: "/api/v1/images/\(digest)/break-glass",
            body: #"{"environment":"production","justification":"short"}"#, need: .person(.admin, .admin)),
        Row(
            method: "POST", pattern: "/api/v1/images/{digest}/break-glass/confirm", path: "/api/v1/images/\(digest)/break-glass/confirm",
            body: #"{"environment":"production"}"#, need: .person(.approvalsWrite, .approver)),
        // Audit (admin)
        Row(method: "GET", pattern: "/api/v1/audit", path: "/api/v1/audit?limit=1", body: nil, need: .scope(.admin)),
        // Webhooks (admin)
        Row(method: "POST", pattern: "/api/v1/webhooks", path: "/api/v1/webhooks", body: #"{"url":"not a url","events":[],"secret":""}"#, need: .scope(.admin)),
        Row(method: "GET", pattern: "/api/v1/webhooks", path: "/api/v1/webhooks", body: nil, need: .scope(.admin)),
        Row(method: "POST", pattern: "/api/v1/webhooks/{id}/disable", path: "/api/v1/webhooks/whk_0000/disable", body: nil, need: .scope(.admin)),
        Row(method: "GET", pattern: "/api/v1/webhooks/{id}/deliveries", path: "/api/v1/webhooks/whk_0000/deliveries", body: nil, need: .scope(.admin)),
        // Deployments
        Row(
            method: "POST", pattern: "/api/v1/deployments", path: "/api/v1/deployments",
            body: #"{"digest":"\#(digest)","environment":"no-such-environment","target":"prod/matrix/api"}"#, need: .scope(.deploymentsWrite)),
        Row(method: "GET", pattern: "/api/v1/deployments", path: "/api/v1/deployments", body: nil, need: .scope(.clearanceRead)),
        // Kubernetes webhooks
        Row(
            method: "POST", pattern: "/k8s/admission", path: "/k8s/admission?env=production",
            body: #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"matrix","kind":{"kind":"Pod"},"operation":"CREATE","namespace":"default","object":{"kind":"Pod","spec":{"containers":[{"name":"app","image":"registry.example.com/team/app@\#(digest)"}]}}}}"#,
            need: .scope(.clearanceRead)),
        Row(
            method: "POST", pattern: "/k8s/imagereview", path: "/k8s/imagereview?env=production",
            body: #"{"apiVersion":"imagepolicy.k8s.io/v1alpha1","kind":"ImageReview","spec":{"containers":[{"image":"registry.example.com/team/app@\#(digest)"}]}}"#,
            need: .scope(.clearanceRead)),
    ]

    @Test func everyRouteAnswersEveryCredentialAsTheRulesSay() async throws {
        let started = ContinuousClock.now
        let clock = ManualClock(Date())
        let assets = try TemporaryDirectory("authz-public")
        defer { assets.remove() }
        try Data("body{}".utf8).write(to: URL(fileURLWithPath: assets.file("matrix.css")))
        try await withLiveServer({
            $0.clock = { clock.now }
            $0.publicDirectory = assets.path
        }) { live in
            try await Self.checkCoverage(live)
            let setup = try await Self.issueCredentials(live, clock: clock)
            let setupAudit = try await live.auditActions()
            let policiesBefore = try await Self.get(live, "/api/v1/policies", token: setup.secrets[.service(.admin)])

            var statuses = [[Int]](repeating: [], count: Self.rows.count)
            for (index, row) in Self.rows.enumerated() {
                for credential in Self.credentials {
                    let auditBefore = try await live.auditActions().count
                    let client = try live.client()
                    let response = try await client.request(row.method, row.path, token: setup.secrets[credential], json: row.body)
                    client.close()
                    let added = Array(try await live.auditActions().dropFirst(auditBefore))
                    statuses[index].append(response.status)
                    Self.check(response, row: row, credential: credential, audited: added)
                }
            }

            // Nothing a refused (or validation-refused) request tried stuck: the same tokens, users, keys and policies.
            let admin = setup.secrets[.service(.admin)]
            let finalAudit = try await live.auditActions()
            for action in ["token.create", "token.revoke", "user.create", "user.password", "key.add", "key.revoke", "policy.put"] {
                #expect(finalAudit.filter { $0 == action }.count == setupAudit.filter { $0 == action }.count, "\(action)")
            }
            let tokens = try #require(try await Self.get(live, "/api/v1/tokens", token: admin).json()["tokens"] as? [[String: Any]])
            #expect(Set(tokens.compactMap { $0["name"] as? String }) == setup.tokenNames)
            #expect(tokens.count == setup.tokenNames.count)
            let users = try #require(try await Self.get(live, "/api/v1/users", token: admin).json()["users"] as? [[String: Any]])
            #expect(Set(users.compactMap { $0["name"] as? String }) == ["admin", "matrix-viewer", "matrix-approver"])
            #expect((try await Self.get(live, "/api/v1/keys", token: admin).json()["keys"] as? [Any])?.isEmpty == true)
            #expect(try await Self.get(live, "/api/v1/policies", token: admin).text == policiesBefore.text)

            Self.printSummary(statuses, elapsed: ContinuousClock.now - started)
        }
    }

    /// The table holds exactly the documented operations (a new route without a row fails here), and each row's
    /// scope agrees with the `x-required-scope` the document advertises.
    static func checkCoverage(_ live: LiveServer) async throws {
        let document = try await get(live, "/api/v1/openapi.json", token: nil)
        #expect(document.status == 200)
        let paths = try #require(try document.json()["paths"] as? [String: [String: Any]])
        var documented: [String: [String: Any]] = [:]
        for (path, operations) in paths {
            for (method, operation) in operations {
                documented[method.uppercased() + " " + path] = operation as? [String: Any] ?? [:]
            }
        }
        let table = Dictionary(rows.map { ($0.operation, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(table.count == rows.count, "the table lists an operation twice")
        for operation in documented.keys.sorted() where table[operation] == nil {
            Issue.record("documented operation \(operation) has no row in the authorization matrix")
        }
        for row in rows where row.documented && documented[row.operation] == nil {
            Issue.record("row \(row.operation) is not in the OpenAPI document (removed route, or a typo in the table)")
        }
        for row in rows where row.documented {
            guard let operation = documented[row.operation] else { continue }
            #expect(operation["x-required-scope"] as? String == row.need.scope?.rawValue, "\(row.operation): documented scope")
            #expect((operation["security"] != nil) == (row.need.scope != nil), "\(row.operation): documented security")
        }
        #expect(rows.filter { !$0.documented }.map(\.operation) == ["GET /static/{file...}"])
    }

    /// The credentials of every column, each proven to work before it is expired or revoked (else a 401 proves nothing).
    static func issueCredentials(_ live: LiveServer, clock: ManualClock) async throws -> (secrets: [Credential: String], tokenNames: Set<String>) {
        let accounts = live.server.accounts
        async let viewer = accounts.createUser(name: "matrix-viewer", role: .viewer, password: "viewer passphrase 1", actor: "test")
        async let approver = accounts.createUser(name: "matrix-approver", role: .approver, password: "approver passphrase 1", actor: "test")
        _ = try await (viewer, approver)

        var secrets: [Credential: String] = [:]
        var names: Set<String> = []
        let forged = "sgt_" + Base64URL.encode(SecureRandom.bytes(count: 32))
        #expect(forged.utf8.count == 47 && forged.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        secrets[.forged] = forged

        secrets[.expired] = try await live.token([.admin], name: "expired-admin", expiresAt: clock.now.addingTimeInterval(60))
        let (revoked, revokedSecret) = try await accounts.issueToken(name: "revoked-admin", scopes: [.admin], user: nil, expiresAt: nil, actor: "test")
        secrets[.revoked] = revokedSecret
        names.formUnion(["expired-admin", "revoked-admin"])
        for scope in [Scope.evidenceWrite, .clearanceRead, .deploymentsWrite, .approvalsWrite, .admin] {
            let name = "service-" + scope.rawValue.replacing(":", with: "-")
            secrets[.service(scope)] = try await live.token([scope], name: name)
            names.insert(name)
        }
        let owners: [Role: String] = [.viewer: "matrix-viewer", .approver: "matrix-approver", .admin: "admin"]
        for case .user(let role, let scope) in credentials {
            let name = "user-" + role.rawValue + "-" + scope.rawValue.replacing(":", with: "-")
            secrets[.user(role, scope)] = try await live.token([scope], user: owners[role], name: name)
            names.insert(name)
        }

        #expect(try await get(live, "/api/v1/audit?limit=1", token: secrets[.expired]).status == 200, "the expired token worked before expiry")
        #expect(try await get(live, "/api/v1/audit?limit=1", token: revokedSecret).status == 200, "the revoked token worked before revocation")
        try await accounts.revokeToken(id: revoked.id, actor: "test")
        clock.advance(by: 120)
        return (secrets, names)
    }

    static func check(_ response: TestResponse, row: Row, credential: Credential, audited: [String]) {
        let cell = "\(row.method) \(row.path) as \(credential.label) → \(response.status) \(response.text.prefix(160))"
        let code = ((try? response.json())?["error"] as? [String: Any])?["code"] as? String
        #expect(response.status < 500, "5xx: \(cell)")
        switch expected(row.need, for: credential) {
        case .unauthenticated:
            #expect(response.status == 401, "expected 401: \(cell)")
            #expect(code == "unauthorized", "\(cell)")
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(cell)")
            #expect(audited.isEmpty, "a refused request wrote \(audited): \(cell)")
        case .forbidden:
            #expect(response.status == 403, "expected 403: \(cell)")
            #expect(code == "forbidden", "\(cell)")
            // An authenticated principal's refusal is audited, and nothing else is written.
            #expect(audited.contains("access.refuse") && audited.allSatisfy { $0.hasSuffix(".refuse") }, "refusal not audited (\(audited)): \(cell)")
        case .allowed:
            #expect(response.status != 401 && response.status != 403, "expected authorization to pass: \(cell)")
            // The concrete path must reach the route itself, not the router's 404/405.
            #expect(response.status != 405 && !(response.status == 404 && response.text.contains("no such endpoint")), "route not reached: \(cell)")
            if case .anyone = row.need { #expect(response.status == 200, "public route: \(cell)") }
            // Allowed cells are built to change nothing; evidence ingest records its own refusals, nothing else may appear.
            #expect(audited.allSatisfy { $0.hasSuffix(".refuse") }, "an allowed cell wrote \(audited): \(cell)")
        }
    }

    static func get(_ live: LiveServer, _ path: String, token: String?) async throws -> TestResponse {
        let client = try live.client()
        defer { client.close() }
        return try await client.request("GET", path, token: token)
    }

    static func printSummary(_ statuses: [[Int]], elapsed: Duration) {
        let all = statuses.flatMap { $0 }
        let counts = (unauthenticated: all.count { $0 == 401 }, forbidden: all.count { $0 == 403 }, allowed: all.count { $0 != 401 && $0 != 403 })
        let width = rows.map(\.operation.count).max() ?? 0
        func pad(_ text: String, _ count: Int) -> String { text + String(repeating: " ", count: max(0, count - text.count)) }
        var lines = [
            "Authorization matrix: \(rows.count) routes × \(credentials.count) credentials = \(rows.count * credentials.count) cells;"
                + " 401: \(counts.unauthenticated), 403: \(counts.forbidden), passed authorization: \(counts.allowed); \(elapsed)",
            pad("", width) + " " + credentials.map { pad($0.label, 12) }.joined(),
        ]
        for (index, row) in rows.enumerated() {
            lines.append(pad(row.operation, width) + " " + statuses[index].map { pad(String($0), 12) }.joined())
        }
        print(lines.joined(separator: "\n"))
    }
}
