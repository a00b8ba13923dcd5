import Domain
import Foundation
import Testing
import TestSupport

@Suite struct WaiverTests {
    static let digest = DecisionFlowTests.digest

    /// Production fails only on the one HIGH finding once an approval is in (see DecisionFlowTests.postEvidence).
    static func approvedWorld(_ body: (DecisionFlowTests.World, String) async throws -> Void) async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let alice = try await world.person("alice", role: .approver)
            #expect(try await world.post(
                "/api/v1/images/\(Self.digest)/approvals", token: alice, json: #"{"environment":"production","decision":"approve"}"#).status == 201)
            #expect(try await world.clearance("production").status == 403)
            try await body(world, alice)
        }
    }

    @Test func openVEXNotAffectedStatementsBecomeWaivers() async throws {
        try await Self.approvedWorld { world, alice in
            let expiry = Timestamp.format(world.clock.now.addingTimeInterval(86_400 * 30))
            let vex = try jsonBody([
                "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "security@example.com",
                "timestamp": expiry, "version": 1,
                "statements": [
                    [
                        "vulnerability": ["name": "CVE-2024-0001"], "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path",
                        "products": [["@id": "pkg:oci/app@\(Self.digest.replacing(":", with: "%3A"))?repository_url=registry.example.com/team/app"]],
                    ],
                    ["vulnerability": ["name": "CVE-2024-7777"], "status": "affected", "products": [["@id": "pkg:oci/app@\(Self.digest.replacing(":", with: "%3A"))"]]],
                ],
            ])
            let noExpiry = try await world.post("/api/v1/vex", token: alice, json: vex)
            #expect(noExpiry.status == 400)
            let created = try await world.post("/api/v1/vex?expiresAt=\(expiry)", token: alice, json: vex)
            #expect(created.status == 201, "\(created.text)")
            #expect((try created.json()["waivers"] as? [Any])?.count == 1)
            #expect(try await world.clearance("production").status == 200)
            #expect(try await world.post("/api/v1/vex?expiresAt=\(expiry)", token: alice, json: #"{"hello":"world"}"#).status == 415)
            #expect(try await world.post("/api/v1/vex?expiresAt=\(expiry)", token: alice, json: "{nope").status == 400)
        }
    }

    @Test func repositoryWaiversMatchTheImageNamesAndAreBounded() async throws {
        try await Self.approvedWorld { world, alice in
            let expiry = Timestamp.format(world.clock.now.addingTimeInterval(86_400 * 5))
            let tooLong = Timestamp.format(world.clock.now.addingTimeInterval(86_400 * 91))
            func waive(_ pattern: String, _ expires: String) async throws -> Int {
                try await world.post(
                    "/api/v1/waivers", token: alice,
                    json: try jsonBody(["repositoryPattern": pattern, "vulnerability": "CVE-2024-0001", "justification": "base image", "expiresAt": expires])
                ).status
            }
            #expect(try await waive("registry.example.com/team/*", tooLong) == 422)
            #expect(try await waive("**", expiry) == 422)
            #expect(try await waive("registry.example.com/other/*", expiry) == 201)
            #expect(try await world.clearance("production").status == 403)
            #expect(try await waive("registry.example.com/team/*", expiry) == 201)
            #expect(try await world.clearance("production").status == 200)
            let service = try await world.live.token([.approvalsWrite], name: "robot")
            #expect(try await world.post(
                "/api/v1/waivers", token: service,
                json: try jsonBody(["repositoryPattern": "x/*", "vulnerability": "CVE-1", "justification": "j", "expiresAt": expiry])).status == 403)
        }
    }

    @Test func aNameClaimedOnlyByAnUnsignedScanDoesNotBringAnotherTeamsWaivers() async throws {
        try await Self.approvedWorld { world, alice in
            let expiry = Timestamp.format(world.clock.now.addingTimeInterval(86_400 * 5))
            let waiver = try jsonBody([
                "repositoryPattern": "registry.example.com/payments/*", "vulnerability": "CVE-2024-0001", "justification": "theirs",
                "expiresAt": expiry,
            ])
            #expect(try await world.post("/api/v1/waivers", token: alice, json: waiver).status == 201)
            // CI claims the payments repository in an unsigned scan of its own image.
            let claim = try trivyReport([("CVE-2024-0001", "HIGH", "1.1")], createdAt: world.clock.now, artifactName: "registry.example.com/payments/api")
            #expect(try await world.post("/api/v1/scans?digest=\(Self.digest)", token: world.ci, json: claim).status == 201)
            let answer = try await world.clearance("production")
            #expect(answer.status == 403)
            #expect(answer.text.contains("CVE-2024-0001") || answer.text.contains("HIGH"))
        }
    }
}
