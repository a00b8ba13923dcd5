import Crypto
import Domain
import Foundation
import Testing
import TestSupport

/// A live server seeded through the real API for the browser tests: an environment `qa` whose policy needs signed
/// provenance, no CRITICAL finding and one approval; signed provenance and a scan for `digest` posted by CI, whose
/// findings carry script payloads; an approver `alice` and the first admin.
struct DashboardWorld {
    static let hex = String(repeating: "b7", count: 32)
    static let digest = "sha256:" + hex
    static let environment = "qa"
    static let approver = (name: "alice", password: "alice's long passphrase")
    /// Payloads that set a flag on `window` if the page ever runs them.
    static let titlePayload = #"<script>window.__shipgateTitleRan = 1</script>"#
    static let packagePayload = #"<img src=x onerror="window.__shipgatePackageRan = 1">"#

    let live: LiveServer
    let admin: String
    let tls: Bool

    var origin: String { "\(tls ? "https" : "http")://127.0.0.1:\(live.port)" }
    func url(_ path: String) -> String { origin + path }

    /// Runs `body` against a freshly seeded server that serves the checkout's `Public/` (so screenshots have styles),
    /// over HTTPS with a self-signed certificate when `tls`.
    static func with(tls: Bool = false, _ body: (DashboardWorld) async throws -> Void) async throws {
        let certificates = try TemporaryDirectory("browser-tls")
        defer { certificates.remove() }
        if tls {
            let pair = try SelfSignedCertificate.make(commonName: "localhost")
            try pair.certificatePEM.write(toFile: certificates.file("cert.pem"), atomically: true, encoding: .utf8)
            try pair.privateKeyPEM.write(toFile: certificates.file("key.pem"), atomically: true, encoding: .utf8)
        }
        try await withLiveServer({
            $0.publicDirectory = BrowserHarness.packageRoot + "/Public"
            if tls {
                $0.tlsCertificate = certificates.file("cert.pem")
                $0.tlsKey = certificates.file("key.pem")
            }
        }) { live in
            let admin = try await live.token([.admin])
            let world = DashboardWorld(live: live, admin: admin, tls: tls)
            // The API helpers speak plain HTTP; over TLS only the user is needed (created directly, as the CLI would).
            if tls {
                _ = try await live.server.accounts.createUser(
                    name: Self.approver.name, role: .approver, password: Self.approver.password, actor: "test")
            } else {
                try await world.seed()
            }
            try await body(world)
        }
    }

    private func seed() async throws {
        let policy = try jsonBody([
            "mode": "enforce",
            "attestations": [["predicateTypes": ["https://slsa.dev/provenance/v1"], "minSigners": 1]],
            "vulnerabilities": ["max": ["CRITICAL": 0]],
            "approvals": ["count": 1, "role": "approver", "distinctFromPosters": true],
        ])
        try await send("PUT", "/api/v1/policies/\(Self.environment)", token: admin, json: policy, expecting: [200, 201])
        _ = try await live.server.accounts.createUser(name: Self.approver.name, role: .approver, password: Self.approver.password, actor: "test")

        let ci = try await live.token([.evidenceWrite], name: "ci")
        let signer = try PrivateKey.generate(.ecdsaP256)
        _ = try await live.trustKey(signer.publicKey.pemEncoded, name: "ci-signer", admin: admin)
        let provenance = try signedEnvelope(
            digest: Self.hex, predicateType: "https://slsa.dev/provenance/v1",
            predicate: [
                "buildDefinition": ["buildType": "https://example.com/build/v1", "externalParameters": [String: Any]()],
                "runDetails": ["builder": ["id": "https://example.com/builder"]],
            ], key: signer)
        try await send("POST", "/api/v1/attestations", token: ci, json: provenance, expecting: [201])
        let report = try jsonBody([
            "SchemaVersion": 2, "CreatedAt": Timestamp.format(Date()), "ArtifactName": "registry.example.com/team/app",
            "ArtifactType": "container_image",
            "Results": [[
                "Target": "app", "Class": "os-pkgs", "Type": "debian",
                "Vulnerabilities": [
                    [
                        "VulnerabilityID": "CVE-2024-0101", "PkgName": Self.packagePayload, "InstalledVersion": "1.0", "FixedVersion": "1.1",
                        "Severity": "MEDIUM", "Title": Self.titlePayload,
                    ],
                    ["VulnerabilityID": "CVE-2024-0102", "PkgName": "libexample", "InstalledVersion": "2.0", "Severity": "LOW"],
                ],
            ]],
        ])
        try await send("POST", "/api/v1/scans?digest=\(Self.digest)", token: ci, json: report, expecting: [201])
    }

    /// Sends an API request and requires one of `statuses`.
    private func send(_ method: String, _ path: String, token: String, json: String, expecting statuses: Set<Int>) async throws {
        let response = try await live.client().request(method, path, token: token, json: json)
        try #require(statuses.contains(response.status), "\(method) \(path): \(response.status) \(response.text.prefix(300))")
    }

    /// The API's clearance status for `digest` in `qa` (200 cleared, 403 not).
    func clearanceStatus() async throws -> Int {
        let reader = try await live.token([.clearanceRead], name: "reader-\(UUID().uuidString.prefix(8))")
        return try await live.client().request("GET", "/api/v1/clearance/\(Self.digest)?env=\(Self.environment)", token: reader).status
    }

    /// A request outside the browser carrying `cookie` (e.g. one the browser held), with an optional form body.
    /// `Host` and `Origin` are the server's own, as a browser sends them, so a refusal is about the session or the
    /// CSRF token, never the origin check.
    func raw(_ method: String, _ path: String, cookie: WebDriverCookie?, form: [(String, String)]? = nil) async throws -> TestResponse {
        precondition(!tls, "raw requests speak plain HTTP")
        let host = "127.0.0.1:\(live.port)"
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nOrigin: \(origin)\r\nConnection: close\r\n"
        if let cookie { head += "Cookie: \(cookie.name)=\(cookie.value)\r\n" }
        var body = ""
        if let form {
            body = form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
            head += "Content-Type: application/x-www-form-urlencoded\r\n"
        }
        if method == "POST" { head += "Content-Length: \(body.utf8.count)\r\n" }
        let request = head + "\r\n" + body
        let client = try live.client()
        return try await TestThread.run { try client.roundTrip(request) }
    }

    private static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }
}

extension WebDriver {
    /// Signs in through the login form and returns the session cookie the browser now holds.
    @discardableResult
    func signIn(_ world: DashboardWorld, as name: String, password: String) async throws -> WebDriverCookie? {
        try await navigate(to: world.url("/login"))
        try await type(name, into: try await element("form[action='/login'] input[name='username']"))
        try await type(password, into: try await element("form[action='/login'] input[name='password'][type='password']"))
        try await clickAndWaitForNewPage(try await element("form[action='/login'] button[type='submit']"))
        return try await cookies().first { $0.name.lowercased().contains("session") }
    }

    /// The `data-*` attribute `name` of the first element matching `css`.
    func attribute(_ name: String, of css: String) async throws -> String? { try await attribute(name, of: try await element(css)) }

    /// The rendered text of the first element matching `css`.
    func text(of css: String) async throws -> String { try await text(of: try await element(css)) }
}
