import App
import Crypto
import Domain
import Foundation
import Store
import Testing
import TestSupport

/// sqlmap (PyPI, pinned) attacks query, path, JSON-body, form-body and cookie parameters of the API and the dashboard
/// on a seeded live server (loopback only, `--level=2 --risk=1`, SQLite payloads, each run time-limited). Asserted per
/// target: sqlmap really tested it (it reached the "do not appear to be injectable" verdict and the route answered
/// dozens of its requests) and found no injection point; across the run: no 5xx, and the audit chain still verifies.
/// The sign-in form is not a target: after five failures it answers 429, so sqlmap would be probing the throttle.
@Suite struct SQLInjectionScanTests {
    static let sqlmap = PythonTool(distribution: "sqlmap", module: "sqlmap.sqlmap", pinnedVersion: "1.10.10")
    /// One target takes 1–5 s here; this only stops a hung run.
    static let timeoutPerTarget = Duration.seconds(60)
    static let hex = String(repeating: "4e", count: 32)
    static let digest = "sha256:" + hex

    /// One sqlmap run. `*` in the URL marks a path segment or value to inject into (sqlmap's custom injection marker).
    struct Target: Sendable, CustomStringConvertible {
        let route: String
        let url: String
        var body: String? = nil
        var dashboard = false
        /// For dashboard forms: sqlmap reads the synchronizer token from this page (any signed-in page; a light one) before each request.
        var csrfPage: String? = nil
        /// The parameters sqlmap must report having tested, as it names them.
        var parameters: [String] = []
        /// More sqlmap options for this target.
        var options: [String] = []
        var description: String { "\(body == nil ? "GET" : "POST") \(url)" }
    }

    static let cookie = "Cookie parameter 'shipgate_session'"
    /// The targets; `cursor` is a real page cursor of `GET /api/v1/images`, which is base64url of fields the query
    /// uses, so sqlmap encodes its payloads the same way (`--base64`) for them to reach the database.
    static func targets(cursor: String) -> [Target] { [
        Target(route: "/api/v1/audit", url: "/api/v1/audit?after=1&limit=5", parameters: ["GET parameter 'after'", "GET parameter 'limit'"]),
        Target(route: "/api/v1/images", url: "/api/v1/images?limit=5", parameters: ["GET parameter 'limit'"]),
        Target(
            route: "/api/v1/images", url: "/api/v1/images?limit=1&cursor=\(cursor)", parameters: ["GET parameter 'cursor'"],
            options: ["--base64=cursor", "--base64-safe", "--skip=limit"]),
        Target(route: "/api/v1/images/{digest}", url: "/api/v1/images/\(digest)*", parameters: ["URI parameter '#1*'"]),
        Target(
            route: "/api/v1/clearance/{ref}", url: "/api/v1/clearance/\(digest)*?env=staging*",
            parameters: ["URI parameter '#1*'", "URI parameter '#2*'"]),
        Target(
            route: "/api/v1/policies/{env}", url: "/api/v1/policies/staging*?version=1*",
            parameters: ["URI parameter '#1*'", "URI parameter '#2*'"]),
        Target(route: "/api/v1/deployments", url: "/api/v1/deployments?env=production", parameters: ["GET parameter 'env'"]),
        Target(
            route: "/api/v1/clearance:batch", url: "/api/v1/clearance:batch", body: #"{"environment":"staging","digests":["\#(digest)"]}"#,
            parameters: ["POST parameter 'JSON environment'", "POST parameter 'JSON #2*'"]),
        Target(
            route: "/images/{digest}", url: "/images/\(digest)*?sort=severity*", dashboard: true,
            parameters: ["URI parameter '#1*'", "URI parameter '#2*'"]),
        Target(
            route: "/images/{digest}", url: "/images/\(digest)?waive=CVE-2024-0001", dashboard: true,
            parameters: ["GET parameter 'waive'", cookie]),
        Target(
            route: "/audit", url: "/audit?digest=\(digest)&actor=ci&action=scan.ingest", dashboard: true,
            parameters: ["GET parameter 'digest'", "GET parameter 'actor'", "GET parameter 'action'", cookie]),
        Target(route: "/", url: "/?env=staging", dashboard: true, parameters: ["GET parameter 'env'", cookie]),
        Target(route: "/policies/{env}", url: "/policies/staging?version=1", dashboard: true, parameters: ["GET parameter 'version'", cookie]),
        Target(
            route: "/images/{digest}/approvals", url: "/images/\(digest)/approvals",
            body: "csrf=x&environment=staging&comment=scan+probe&verdict=reject", dashboard: true, csrfPage: "/account",
            parameters: ["POST parameter 'environment'", "POST parameter 'comment'", "POST parameter 'verdict'", cookie]),
    ] }

    @Test func noParameterOfTheAPIOrDashboardIsInjectable() async throws {
        if let reason = try await Self.sqlmap.unavailableReason() {
            print("SKIP noParameterOfTheAPIOrDashboardIsInjectable: \(reason)")
            return
        }
        try await withLiveServer { live in
            let token = try await live.token([.admin], name: "sqlmap")
            try await Self.seed(live, admin: token)
            let firstPage = try await live.client().request("GET", "/api/v1/images?limit=1", token: token).json()
            let cursor = try #require(firstPage["next"] as? String, "no second page of images: \(firstPage)")
            let targets = Self.targets(cursor: cursor)
            let session = try await Self.signIn(live, name: "admin", password: live.adminPassword)
            let origin = "http://127.0.0.1:\(live.port)"
            var lines: [String] = []
            var before = try await Self.requestCounts(live)
            for target in targets {
                var arguments = [
                    "-u", origin + target.url, "--batch", "--level=2", "--risk=1", "--dbms=SQLite", "--time-sec=2", "--timeout=10",
                    "--retries=0", "--flush-session", "--disable-coloring", "--output-dir=\(live.directory.file("sqlmap"))",
                ]
                // Origin: the dashboard refuses a POST from another site before looking at any parameter.
                var headers = ["Origin: \(origin)"]
                if target.dashboard {
                    arguments.append("--cookie=\(session)")
                } else {
                    headers.append("Authorization: Bearer \(token)")
                }
                arguments.append("--headers=\(headers.joined(separator: "\\n"))")
                if let body = target.body { arguments.append("--data=\(body)") }
                arguments += target.options
                if let page = target.csrfPage { arguments += ["--csrf-token=csrf", "--csrf-url=\(origin)\(page)"] }

                let run = try await Self.sqlmap.run(arguments, directory: live.directory.path, timeout: Self.timeoutPerTarget)
                let after = try await Self.requestCounts(live)
                var statuses: [Int: Int] = [:]
                for (counter, value) in after where counter.route == target.route {
                    statuses[counter.status, default: 0] += value - (before[counter] ?? 0)
                }
                statuses = statuses.filter { $0.value > 0 }
                let requests = statuses.values.reduce(0, +)
                // Past the gates: answers other than 401/403 show the token, session and CSRF token were accepted.
                let admitted = statuses.filter { $0.key != 401 && $0.key != 403 }.values.reduce(0, +)
                before = after
                let tail = run.output.suffix(2500)
                #expect(!run.timedOut, "\(target): sqlmap ran over \(Self.timeoutPerTarget) and was killed\n\(tail)")
                #expect(run.status == 0, "\(target): sqlmap exited \(run.status)\n\(tail)")
                #expect(!run.output.contains("identified the following injection point"), "\(target): sqlmap found an injection\n\(run.output)")
                #expect(run.output.contains("do not appear to be injectable"), "\(target): sqlmap reached no verdict\n\(tail)")
                #expect(requests >= 50, "\(target): only \(requests) requests reached \(target.route)\n\(tail)")
                #expect(admitted >= 25, "\(target): only \(admitted) requests got past authentication and CSRF: \(statuses)")
                let tested = Self.testedParameters(run.output)
                let untested = target.parameters.filter { !tested.contains($0) }
                #expect(untested.isEmpty, "\(target): sqlmap did not test \(untested); it tested \(tested)\n\(tail)")
                let histogram = statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
                let seconds = String(format: "%.1f", run.seconds)
                lines.append("\(target): \(requests) requests (\(histogram)), \(seconds) s, tested \(tested.joined(separator: ", "))")
            }

            let serverErrors = before.filter { $0.key.status >= 500 }
            #expect(serverErrors.isEmpty, "server errors during the scan: \(serverErrors)")
            let chain = try await live.server.database.read { db in try AuditLog.verify(in: db) }
            guard case .intact(let entries) = chain else {
                Issue.record("the audit chain no longer verifies after the scan: \(chain)")
                return
            }
            let total = before.values.reduce(0, +)
            print("sqlmap \(Self.sqlmap.pinnedVersion), \(targets.count) targets, \(total) requests in all; audit chain intact (\(entries) entries)")
            print(lines.joined(separator: "\n"))
        }
    }

    // MARK: - Setup

    /// Signed provenance, a scan and a deployment for `digest`, so the targets answer with real rows.
    static func seed(_ live: LiveServer, admin: String) async throws {
        let ci = try await live.token([.evidenceWrite, .deploymentsWrite], name: "ci")
        let signer = try PrivateKey.generate(.ecdsaP256)
        _ = try await live.trustKey(signer.publicKey.pemEncoded, name: "ci-signer", admin: admin)
        let provenance = try signedEnvelope(
            digest: hex, predicateType: "https://slsa.dev/provenance/v1",
            predicate: ["runDetails": ["builder": ["id": "https://example.com/builder"]]], key: signer)
        let posts = [
            ("/api/v1/attestations", provenance),
            ("/api/v1/scans?digest=\(digest)", try trivyReport([("CVE-2024-0001", "HIGH", "1.1"), ("CVE-2024-0002", "LOW", "")], createdAt: Date())),
            ("/api/v1/deployments", try jsonBody(["environment": "production", "digest": digest, "target": "cluster-a/app"])),
            // A second image, so the image list has a second page and a real cursor.
            ("/api/v1/scans?digest=sha256:\(String(repeating: "5f", count: 32))", try trivyReport([], createdAt: Date())),
        ]
        for (path, body) in posts {
            let response = try await live.client().request("POST", path, token: ci, json: body)
            try #require((200..<300).contains(response.status), "\(path): \(response.status) \(response.text.prefix(300))")
        }
    }

    /// Signs in through the dashboard's form as a browser would and returns the session cookie as `name=value`.
    static func signIn(_ live: LiveServer, name: String, password: String) async throws -> String {
        let origin = "http://127.0.0.1:\(live.port)"
        let page = try await live.client().request("GET", "/login")
        let loginCookie = try #require(cookiePairs(page).first, "GET /login set no cookie")
        let csrf = try #require(hiddenValue("csrf", in: page.text), "no csrf field on the login page")
        let form = "csrf=\(formEncoded(csrf))&username=\(formEncoded(name))&password=\(formEncoded(password))"
        let response = try await live.client().request(
            "POST", "/login",
            headers: [
                ("Cookie", loginCookie), ("Origin", origin), ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", String(form.utf8.count)),
            ], bodyText: form)
        try #require(response.status == 303, "sign-in answered \(response.status)")
        return try #require(cookiePairs(response).first { $0.lowercased().contains("session") }, "no session cookie")
    }

    /// `name=value` of every `Set-Cookie` that sets a value.
    static func cookiePairs(_ response: TestResponse) -> [String] {
        response.headers.filter { $0.name.lowercased() == "set-cookie" }.compactMap { header in
            let pair = String(header.value.prefix { $0 != ";" })
            return pair.hasSuffix("=") ? nil : pair
        }
    }

    /// The value of the first hidden input called `name` in `html`.
    static func hiddenValue(_ name: String, in html: String) -> String? {
        guard let field = html.range(of: #"name="\#(name)" value=""#) else { return nil }
        return String(html[field.upperBound...].prefix { $0 != "\"" })
    }

    static func formEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// The parameters sqlmap ran its injection tests on, as it names them (`GET parameter 'limit'`, `URI parameter '#1*'`…).
    static func testedParameters(_ output: String) -> [String] {
        var seen: [String] = []
        for line in output.split(separator: "\n") {
            guard let range = line.range(of: "testing for SQL injection on ") else { continue }
            let name = String(line[range.upperBound...]).replacingOccurrences(of: "(custom) ", with: "")
            if !seen.contains(name) { seen.append(name) }
        }
        return seen
    }

    /// A request counter from `/metrics`.
    struct Counter: Hashable, CustomStringConvertible {
        let route: String
        let method: String
        let status: Int
        var description: String { "\(method) \(route) \(status)" }
    }

    /// `shipgate_http_requests_total` by route, method and status.
    static func requestCounts(_ live: LiveServer) async throws -> [Counter: Int] {
        let text = try await live.client().request("GET", "/metrics").text
        var counts: [Counter: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("shipgate_http_requests_total{") {
            func label(_ name: String) -> String? {
                guard let start = line.range(of: "\(name)=\"") else { return nil }
                return String(line[start.upperBound...].prefix { $0 != "\"" })
            }
            guard let route = label("route"), let method = label("method"), let status = label("status").flatMap({ Int($0) }),
                let value = line.split(separator: " ").last.flatMap({ Int($0) })
            else { continue }
            counts[Counter(route: route, method: method, status: status)] = value
        }
        return counts
    }
}
