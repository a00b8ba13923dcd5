import Domain
import Foundation
import Store
import Testing
import TestSupport

@testable import App

/// Dashboard pages and forms over the real server: the same actions and checks as the API, CSRF on every POST,
/// roles on every page, and hostile evidence shown as text. Serialized for the same reason as `DashboardSessionTests`.
@Suite(.serialized) struct DashboardPageTests {
    static let digestHex = String(repeating: "c0ffee00", count: 8)
    static let digest = "sha256:" + digestHex
    static let hostileTitle = #"<script>alert("title")</script>"#
    static let hostilePackage = #"<img src=x onerror=alert('pkg')>"#

    /// A live server with an environment `review` that needs one approval, users ada (approver) and vic (viewer),
    /// and a scan of `digest` posted by a CI token whose findings carry markup.
    private func withReviewSetup(_ body: (LiveServer) async throws -> Void) async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let policy = try await live.client().request(
                "PUT", "/api/v1/policies/review", token: admin, json: #"{"approvals": {"count": 1, "role": "approver", "distinctFromPosters": true}}"#)
            try #require(policy.status == 200, "policy: \(policy.text)")
            try await live.addUser("ada", role: .approver)
            try await live.addUser("vic", role: .viewer)
            let ci = try await live.token([.evidenceWrite], name: "ci")
            let report = try jsonBody([
                "SchemaVersion": 2, "CreatedAt": Timestamp.format(Date()), "ArtifactName": "registry.example.com/team/app",
                "ArtifactType": "container_image",
                "Results": [[
                    "Target": "app", "Class": "os-pkgs", "Type": "debian",
                    "Vulnerabilities": [
                        [
                            "VulnerabilityID": "CVE-2024-0001", "PkgName": Self.hostilePackage, "InstalledVersion": "1.0", "FixedVersion": "1.1",
                            "Severity": "LOW", "Title": Self.hostileTitle,
                        ],
                        ["VulnerabilityID": "CVE-2024-0002", "PkgName": "openssl", "InstalledVersion": "3.0.1", "Severity": "MEDIUM"],
                    ],
                ]],
            ])
            let scan = try await live.client().request("POST", "/api/v1/scans?digest=\(Self.digest)", token: ci, json: report)
            try #require(scan.status == 201, "scan: \(scan.text)")
            try await body(live)
        }
    }

    private func section(_ environment: String, in html: String) -> Substring? {
        guard let start = html.range(of: #"<section class="decision"#) else { return nil }
        let from = html[start.lowerBound...]
        guard let own = from.range(of: #"id="env-\#(environment)""#) else { return nil }
        let rest = from[own.lowerBound...]
        return rest[..<(rest.range(of: "</section>")?.upperBound ?? rest.endIndex)]
    }

    @Test func approvingThroughTheFormFlipsTheDecision() async throws {
        try await withReviewSetup { live in
            let ada = DashboardAgent(live)
            _ = try await ada.signIn("ada", "a long enough passphrase")
            let before = try await ada.get("/images/\(Self.digest)")
            #expect(before.status == 200)
            let blocked = try #require(section("review", in: before.text))
            #expect(blocked.contains(#"data-cleared="false""#))
            #expect(blocked.contains(#"data-rule="approvals" data-passed="false""#))
            #expect(before.text.contains(#"<form method="post" action="/images/\#(Self.digest)/approvals" id="approve-review""#))
            #expect(before.text.contains(#"<button name="verdict" value="approve""#) && before.text.contains(#"<button name="verdict" value="reject""#))

            let csrf = try #require(DashboardAgent.csrf(in: before.text))
            let approved = try await ada.post(
                "/images/\(Self.digest)/approvals", [("csrf", csrf), ("environment", "review"), ("comment", "looks fine"), ("verdict", "approve")])
            #expect(approved.status == 303)
            #expect(approved.header("Location")?.hasPrefix("/images/\(Self.digest)?notice=approved") == true)

            let after = try await ada.get("/images/\(Self.digest)?notice=approved")
            let cleared = try #require(section("review", in: after.text))
            #expect(cleared.contains(#"data-cleared="true""#))
            #expect(cleared.contains(#"data-rule="approvals" data-passed="true""#))
            #expect(after.text.contains("Approval recorded."))
            // The same decision the API gives.
            let reader = try await live.token([.clearanceRead], name: "reader")
            let api = try await live.client().request("GET", "/api/v1/clearance/\(Self.digest)?env=review", token: reader)
            #expect(api.status == 200)
            let approval = try #require(try await live.auditEntries().last { $0.action == "approval.approve" })
            #expect(approval.actor == "ada" && approval.details.contains("looks fine"))
        }
    }

    @Test func aRejectionWithoutACommentIsRefusedAsTheAPIRefusesIt() async throws {
        try await withReviewSetup { live in
            let ada = DashboardAgent(live)
            _ = try await ada.signIn("ada", "a long enough passphrase")
            let response = try await ada.post(
                "/images/\(Self.digest)/approvals", [("csrf", try await ada.csrf()), ("environment", "review"), ("comment", " "), ("verdict", "reject")])
            #expect(response.status == 422)
            #expect(response.text.contains("A rejection needs a comment saying why."))
            #expect(try await live.auditActions().contains("approval.reject") == false)
        }
    }

    @Test func everyPostWithoutAValidTokenOrFromAnotherSiteIsRefused() async throws {
        try await withReviewSetup { live in
            let ada = DashboardAgent(live)
            _ = try await ada.signIn("ada", "a long enough passphrase")
            let csrf = try await ada.csrf()
            let fields = [("environment", "review"), ("comment", "x"), ("verdict", "approve")]
            let missing = try await ada.post("/images/\(Self.digest)/approvals", fields)
            let wrong = try await ada.post("/images/\(Self.digest)/approvals", [("csrf", String(csrf.reversed()))] + fields)
            let crossSite = try await ada.post("/images/\(Self.digest)/approvals", [("csrf", csrf)] + fields, origin: "http://evil.example")
            let nullOrigin = try await ada.post("/images/\(Self.digest)/approvals", [("csrf", csrf)] + fields, origin: "null")
            for response in [missing, wrong, crossSite, nullOrigin] {
                #expect(response.status == 403)
                #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
                #expect(response.text.contains("<h1>403 Forbidden</h1>"))
            }
            let logout = try await ada.post("/logout", [])
            #expect(logout.status == 403)
            #expect(try await live.auditActions().contains("approval.approve") == false)
            #expect(try await ada.get("/").status == 200, "still signed in")
        }
    }

    @Test func rolesAreCheckedOnEveryPageAndAction() async throws {
        try await withReviewSetup { live in
            let vic = DashboardAgent(live)
            _ = try await vic.signIn("vic", "a long enough passphrase")
            let page = try await vic.get("/images/\(Self.digest)")
            #expect(page.status == 200)
            #expect(!page.text.contains(#"id="approve-review""#), "viewers get no approve form")
            #expect(try await vic.get("/images/\(Self.digest)?waive=CVE-2024-0001").status == 403)
            // The server refuses the action whatever the page showed.
            let approve = try await vic.post(
                "/images/\(Self.digest)/approvals", [("csrf", try await vic.csrf()), ("environment", "review"), ("comment", "x"), ("verdict", "approve")])
            #expect(approve.status == 403)
            #expect(approve.text.contains("approver"))
            for path in ["/keys", "/policies", "/users", "/tokens", "/audit", "/policies/production"] {
                #expect(try await vic.get(path).status == 403, "\(path)")
            }
            let addUser = try await vic.post("/users", [("csrf", try await vic.csrf()), ("name", "mallory"), ("role", "admin"), ("password", "a long enough passphrase")])
            #expect(addUser.status == 403)
            #expect(try await live.server.accounts.users().contains { $0.name == "mallory" } == false)

            let ada = DashboardAgent(live)
            _ = try await ada.signIn("ada", "a long enough passphrase")
            let breakGlass = try await ada.post(
                "/images/\(Self.digest)/break-glass", [("csrf", try await ada.csrf()), ("environment", "review"), ("justification", "production is down")])
            #expect(breakGlass.status == 403)
            let refusals = try await live.auditEntries().filter { $0.action == "access.refuse" }
            #expect(refusals.contains { $0.actor == "vic" } && refusals.contains { $0.actor == "ada" })
        }
    }

    @Test func findingsWithMarkupAreShownAsText() async throws {
        try await withReviewSetup { live in
            let vic = DashboardAgent(live)
            _ = try await vic.signIn("vic", "a long enough passphrase")
            let page = try await vic.get("/images/\(Self.digest)?sort=package")
            #expect(page.status == 200)
            #expect(page.text.contains(#"<table id="vulnerabilities">"#))
            #expect(!page.text.contains("<script>alert"))
            #expect(!page.text.contains("<img src=x"))
            #expect(page.text.contains("&lt;img src=x onerror=alert(&#39;pkg&#39;)&gt;"))
            #expect(page.text.contains("CVE-2024-0001") && page.text.contains("CVE-2024-0002"))
            #expect(page.text.contains(">LOW<") && page.text.contains(">MEDIUM<"))
            #expect(page.header("Content-Security-Policy")?.contains("default-src 'self'") == true)
        }
    }

    @Test func aWaiverThroughItsFormIsRecordedAndShownAsABadge() async throws {
        try await withReviewSetup { live in
            let ada = DashboardAgent(live)
            _ = try await ada.signIn("ada", "a long enough passphrase")
            let form = try await ada.get("/images/\(Self.digest)?waive=CVE-2024-0002")
            #expect(form.status == 200)
            let csrf = try #require(DashboardAgent.csrf(in: form.text))
            let tooLong = try await ada.post(
                "/images/\(Self.digest)/waivers",
                [("csrf", csrf), ("vulnerability", "CVE-2024-0002"), ("environment", ""), ("days", "91"), ("justification", "vendor fix pending")])
            #expect(tooLong.status == 422)
            #expect(tooLong.text.contains(#"id="waiver-form""#))
            let added = try await ada.post(
                "/images/\(Self.digest)/waivers",
                [("csrf", csrf), ("vulnerability", "CVE-2024-0002"), ("environment", "review"), ("days", "30"), ("justification", "vendor fix pending")])
            #expect(added.status == 303)
            let page = try await ada.get("/images/\(Self.digest)")
            #expect(page.text.contains("waived until"))
            #expect(try await live.auditActions().contains("waiver.add"))
        }
    }

    @Test func adminPagesRenderAndChangeStateThroughTheSharedServices() async throws {
        try await withReviewSetup { live in
            let admin = DashboardAgent(live)
            _ = try await admin.signIn("admin", live.adminPassword)
            for path in ["/", "/?env=review", "/deployments", "/keys", "/policies", "/policies/review", "/users", "/tokens", "/audit", "/account",
                "/audit?digest=\(Self.digest)", "/images/\(Self.digest)?sort=id"]
            {
                let response = try await admin.get(path)
                #expect(response.status == 200, "\(path): \(response.status)")
                #expect(response.text.contains(#"<button id="logout" type="submit">"#), "\(path)")
            }
            let overview = try await admin.get("/")
            #expect(overview.text.contains(#"<a class="digest" href="/images/\#(Self.digest)">"#))
            #expect(try await admin.get("/audit").text.contains("chain intact"))

            // A policy that does not validate is shown back with the error, and nothing is stored.
            let csrf = try await admin.csrf()
            let invalid = try await admin.post("/policies", [("csrf", csrf), ("environment", "review"), ("document", #"{"approvals": {"count": -1}}"#)])
            #expect(invalid.status == 422)
            #expect(invalid.text.contains(#"id="policy-error""#) && invalid.text.contains("{&quot;approvals&quot;: {&quot;count&quot;: -1}}"))
            let notJSON = try await admin.post("/policies", [("csrf", csrf), ("environment", "review"), ("document", "{")])
            #expect(notJSON.status == 422 && notJSON.text.contains("not valid JSON"))
            let saved = try await admin.post("/policies", [("csrf", csrf), ("environment", "review"), ("document", #"{"mode": "dryRun"}"#)])
            #expect(saved.status == 303)
            #expect(try await admin.get("/policies/review").text.contains("v2"))

            // A token's secret is shown once, on the answer to the form.
            let created = try await admin.post("/tokens", [("csrf", csrf), ("name", "deployer"), ("scope", "clearance:read"), ("days", "30")])
            #expect(created.status == 201)
            let secret = try #require(created.text.range(of: #"value="sgt_"#).map { String(created.text[$0.upperBound...].prefix(43)) })
            #expect(secret.utf8.count == 43)
            #expect(!(try await admin.get("/tokens").text.contains(secret)))
            let check = try await live.client().request("GET", "/api/v1/clearance/\(Self.digest)?env=review", token: "sgt_" + secret)
            #expect(check.status == 200 || check.status == 403)

            let user = try await admin.post("/users", [("csrf", csrf), ("name", "nia"), ("role", "viewer"), ("password", "short")])
            #expect(user.status == 422 && user.text.contains("at least 12 characters"))
            #expect(try await admin.post("/users", [("csrf", csrf), ("name", "nia"), ("role", "viewer"), ("password", "a long enough passphrase")]).status == 303)
            #expect(try await DashboardAgent(live).signIn("nia", "a long enough passphrase").status == 303)
            let actions = try await live.auditActions()
            #expect(actions.contains("policy.put") && actions.contains("token.create") && actions.contains("user.create"))
        }
    }

    @Test func theQueueListsUnclearedImagesOldestFirstAndPages() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_900_000_000))
        try await withLiveServer({ $0.clock = { clock.now } }) { live in
            let ci = try await live.token([.evidenceWrite], name: "ci")
            let digests = (0..<23).map { "sha256:" + String(format: "%064x", 0xd00 + $0) }
            for digest in digests {
                clock.advance(by: 60)
                let scan = try await live.client().request(
                    "POST", "/api/v1/scans?digest=\(digest)", token: ci, json: try trivyReport([("CVE-2024-0001", "CRITICAL", "1.1")], createdAt: clock.now))
                try #require(scan.status == 201)
            }
            let deployer = try await live.token([.deploymentsWrite], name: "deployer")
            let report = try await live.client().request(
                "POST", "/api/v1/deployments", token: deployer, json: try jsonBody(["digest": digests[5], "environment": "staging", "target": "eu/app"]))
            try #require(report.status == 201)

            let admin = DashboardAgent(live)
            _ = try await admin.signIn("admin", live.adminPassword)
            let first = try await admin.get("/?env=staging")
            #expect(first.status == 200)
            let links = Self.imageLinks(in: first.text)
            #expect(Array(links.prefix(20)) == Array(digests.prefix(20)), "the oldest 20 first, in order")
            let older = try #require(first.text.range(of: #"<a href="/?env=staging&amp;after="#).map { range in
                String(first.text[range.lowerBound...].dropFirst(9).prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
            })
            let second = try await admin.get(older)
            #expect(second.status == 200)
            #expect(Array(Self.imageLinks(in: second.text).prefix(3)) == Array(digests.suffix(3)))
            // Drift: deployed in staging, not cleared there.
            #expect(first.text.contains("⚠ drift"))
            let deployments = try await admin.get("/deployments")
            #expect(deployments.text.contains(#"data-drift="true""#) && deployments.text.contains("eu/app"))
        }
    }

    /// The digests of the queue's image links, in page order.
    static func imageLinks(in html: String) -> [String] {
        html.components(separatedBy: #"<td><a class="digest" href="/images/"#).dropFirst().map { String($0.prefix(71)) }
    }

    @Test func errorsArePagesInTheLayoutWithoutInternals() async throws {
        try await withLiveServer { live in
            let admin = DashboardAgent(live)
            _ = try await admin.signIn("admin", live.adminPassword)
            let unknownImage = try await admin.get("/images/\(Self.digest)")
            #expect(unknownImage.status == 404)
            #expect(unknownImage.text.contains("<h1>404 Not Found</h1>") && unknownImage.text.contains(#"id="logout""#))
            let malformed = try await admin.get("/images/sha256:nothex")
            #expect(malformed.status == 400)
            let nowhere = try await admin.get("/no/such/page")
            #expect(nowhere.status == 404)
            #expect(nowhere.text.contains(#"<link rel="stylesheet" href="/static/shipgate.css">"#))
            let badCursor = try await admin.get("/?env=production&after=bm90IGEgY3Vyc29y")
            #expect(badCursor.status == 400)
            for response in [unknownImage, malformed, nowhere] {
                #expect(!response.text.contains("Error("), "no Swift error descriptions")
                #expect(response.header("Content-Type")?.hasPrefix("text/html") == true)
            }
        }
    }
}
