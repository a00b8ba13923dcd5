import Crypto
import Domain
import Foundation
import Testing
import TestSupport

/// Verifies a compact JWS receipt against the server's JWKS, independently of the server's code.
func verifyReceipt(_ receipt: String, jwks: [String: Any]) throws -> [String: Any] {
    let parts = receipt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
        let signature = Base64URL.decode(parts[2]),
        let header = try JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
        let claims = try JSONSerialization.jsonObject(with: Data(payloadBytes)) as? [String: Any],
        let keys = jwks["keys"] as? [[String: Any]],
        let jwk = keys.first(where: { $0["kid"] as? String == header["kid"] as? String }),
        let x = (jwk["x"] as? String).flatMap(Base64URL.decode)
    else { throw TestClientError(description: "malformed receipt or JWKS") }
    #expect(header["alg"] as? String == "EdDSA")
    #expect(jwk["kty"] as? String == "OKP" && jwk["crv"] as? String == "Ed25519")
    let publicKey = try PublicKey(ed25519Raw: x)
    #expect(publicKey.isValidSignature(signature, for: Array((parts[0] + "." + parts[1]).utf8)))
    return claims
}

@Suite struct DecisionFlowTests {
    static let hex = String(repeating: "5a", count: 32)
    static let digest = "sha256:" + hex

    struct World {
        let live: LiveServer
        let clock: ManualClock
        let admin: String
        let ci: String
        let signer: PrivateKey
        let keyID: String

        func clearance(_ env: String, _ reference: String = DecisionFlowTests.digest) async throws -> TestResponse {
            try await live.client().request("GET", "/api/v1/clearance/\(reference)?env=\(env)", token: admin)
        }

        func post(_ path: String, token: String? = nil, json: String) async throws -> TestResponse {
            try await live.client().request("POST", path, token: token, json: json)
        }

        /// A user with `role` and a token bound to them.
        func person(_ name: String, role: Role) async throws -> String {
            _ = try await live.server.accounts.createUser(name: name, role: role, password: "a long passphrase for \(name)", actor: "test")
            return try await live.token([.approvalsWrite, .clearanceRead, .evidenceWrite, .admin], user: name, name: name)
        }
    }

    static func world(_ body: (World) async throws -> Void) async throws {
        let clock = ManualClock(Date())
        try await withLiveServer({ $0.clock = { clock.now } }) { live in
            let admin = try await live.token([.admin])
            let ci = try await live.token([.evidenceWrite], name: "ci")
            let signer = try PrivateKey.generate(.ecdsaP256)
            let keyID = try await live.trustKey(signer.publicKey.pemEncoded, name: "ci-signer", admin: admin)
            try await body(World(live: live, clock: clock, admin: admin, ci: ci, signer: signer, keyID: keyID))
        }
    }

    /// Signed provenance, a scan with one fixable HIGH, and a non-root config, all posted by CI.
    static func postEvidence(_ world: World) async throws {
        let provenance = try signedEnvelope(
            digest: hex, predicateType: "https://slsa.dev/provenance/v1",
            predicate: [
                "buildDefinition": ["buildType": "https://example.com/build/v1", "externalParameters": [String: Any]()],
                "runDetails": ["builder": ["id": "https://example.com/builder"]],
            ], key: world.signer)
        #expect(try await world.post("/api/v1/attestations", token: world.ci, json: provenance).status == 201)
        let scan = try trivyReport([("CVE-2024-0001", "HIGH", "1.1")], createdAt: world.clock.now)
        #expect(try await world.post("/api/v1/scans?digest=\(digest)", token: world.ci, json: scan).status == 201)
        let config = try jsonBody(["config": ["User": "1000", "ExposedPorts": ["8080/tcp": [String: Any]()]]])
        #expect(try await world.post("/api/v1/images/\(digest)/config", token: world.ci, json: config).status == 201)
    }

    @Test func stagingThenProductionWithApprovalAndWaiverGivesAVerifiableReceipt() async throws {
        try await Self.world { world in
            try await Self.postEvidence(world)
            let staging = try await world.clearance("staging")
            #expect(staging.status == 200, "\(staging.text)")
            let stagingBody = try staging.json()
            #expect(stagingBody["cleared"] as? Bool == true)
            let jwks = try await world.live.client().request("GET", "/api/v1/receipt-keys").json()
            let claims = try verifyReceipt(try #require(stagingBody["receipt"] as? String), jwks: jwks)
            #expect(claims["digest"] as? String == Self.digest && claims["environment"] as? String == "staging" && claims["cleared"] as? Bool == true)
            #expect(claims["policyVersion"] as? Int == stagingBody["policyVersion"] as? Int)

            let production = try await world.clearance("production")
            #expect(production.status == 403)
            #expect(try production.json()["cleared"] as? Bool == false)
            #expect(try production.json()["receipt"] == nil)
            let failing = (try production.json()["reasons"] as? [[String: Any]] ?? []).filter { $0["passed"] as? Bool == false }.compactMap { $0["rule"] as? String }
            #expect(Set(failing) == ["vulnerabilities", "approvals"])

            let alice = try await world.person("alice", role: .approver)
            let approved = try await world.post(
                "/api/v1/images/\(Self.digest)/approvals", token: alice, json: #"{"environment":"production","decision":"approve","comment":"looks good"}"#)
            #expect(approved.status == 201, "\(approved.text)")
            #expect(try await world.clearance("production").status == 403)  // the HIGH still counts

            let expiry = Timestamp.format(world.clock.now.addingTimeInterval(86_400 * 10))
            let waiver = try await world.post(
                "/api/v1/images/\(Self.digest)/waivers", token: alice,
                json: #"{"vulnerability":"CVE-2024-0001","justification":"not reachable in our build","expiresAt":"\#(expiry)"}"#)
            #expect(waiver.status == 201, "\(waiver.text)")
            let cleared = try await world.clearance("production")
            #expect(cleared.status == 200, "\(cleared.text)")
            _ = try verifyReceipt(try #require(try cleared.json()["receipt"] as? String), jwks: jwks)

            // The waiver expires: the next answer changes without any write.
            world.clock.advance(by: 86_400 * 10 + 1)
            #expect(try await world.clearance("production").status == 403)
        }
    }

    @Test func newCriticalScanRevokedKeyAndBreakGlassChangeTheNextAnswer() async throws {
        try await Self.world { world in
            try await Self.postEvidence(world)
            #expect(try await world.clearance("staging").status == 200)
            world.clock.advance(by: 60)
            let critical = try trivyReport([("CVE-2024-9999", "CRITICAL", "")], createdAt: world.clock.now)
            #expect(try await world.post("/api/v1/scans?digest=\(Self.digest)", token: world.ci, json: critical).status == 201)
            #expect(try await world.clearance("staging").status == 403)

            let clean = try trivyReport([], createdAt: world.clock.now.addingTimeInterval(60))
            world.clock.advance(by: 120)
            #expect(try await world.post("/api/v1/scans?digest=\(Self.digest)", token: world.ci, json: clean).status == 201)
            #expect(try await world.clearance("staging").status == 200)

            #expect(try await world.live.client().request("POST", "/api/v1/keys/\(world.keyID)/revoke", token: world.admin).status == 200)
            let revoked = try await world.clearance("staging")
            #expect(revoked.status == 403)
            #expect(revoked.text.contains("attestations"))

            let root = try await world.person("root", role: .admin)
            let glass = try await world.post(
                "/api/v1/images/\(Self.digest)/break-glass", token: root,
                json: #"{"environment":"staging","justification":"hotfix for the outage, incident 42"}"#)
            #expect(glass.status == 201, "\(glass.text)")
            let forced = try await world.clearance("staging")
            #expect(forced.status == 200)
            #expect(try forced.json()["breakGlass"] as? Bool == true)
            let metrics = try await world.live.client().request("GET", "/metrics")
            #expect(metrics.text.contains(#"shipgate_decisions_total{environment="staging",outcome="break_glass"} 1"#))

            // Its creator cannot confirm it; an approver can, and the clearance stays but is no longer flagged.
            let confirmBody = #"{"environment":"staging"}"#
            #expect(try await world.post("/api/v1/images/\(Self.digest)/break-glass/confirm", token: root, json: confirmBody).status == 403)
            let dana = try await world.person("dana", role: .approver)
            #expect(try await world.post("/api/v1/images/\(Self.digest)/break-glass/confirm", token: dana, json: confirmBody).status == 200)
            let confirmed = try await world.clearance("staging")
            #expect(confirmed.status == 200)
            #expect(try confirmed.json()["breakGlass"] as? Bool == false)
            #expect(try await world.live.auditActions().contains("break-glass.confirm"))
            world.clock.advance(by: 4 * 3600 + 1)
            #expect(try await world.clearance("staging").status == 403)
        }
    }

    @Test func separationOfDutiesAndRejection() async throws {
        try await Self.world { world in
            let bob = try await world.person("bob", role: .admin)  // only admins may both post evidence and approve
            let scan = try trivyReport([], createdAt: world.clock.now)
            #expect(try await world.post("/api/v1/scans?digest=\(Self.digest)", token: bob, json: scan).status == 201)
            let own = try await world.post(
                "/api/v1/images/\(Self.digest)/approvals", token: bob, json: #"{"environment":"production","decision":"approve","comment":""}"#)
            #expect(own.status == 403)
            #expect(own.text.contains("separation of duties"))

            let carol = try await world.person("carol", role: .approver)
            let noComment = try await world.post(
                "/api/v1/images/\(Self.digest)/approvals", token: carol, json: #"{"environment":"production","decision":"reject"}"#)
            #expect(noComment.status == 422)
            let rejected = try await world.post(
                "/api/v1/images/\(Self.digest)/approvals", token: carol, json: #"{"environment":"production","decision":"reject","comment":"unknown base image"}"#)
            #expect(rejected.status == 201)
            #expect(try await world.clearance("production").text.contains("unknown base image"))

            let viewer = try await world.person("vic", role: .viewer)
            #expect(try await world.post(
                "/api/v1/images/\(Self.digest)/approvals", token: viewer, json: #"{"environment":"production","decision":"approve"}"#).status == 403)
            // A service token cannot approve.
            let service = try await world.live.token([.approvalsWrite], name: "robot")
            #expect(try await world.post(
                "/api/v1/images/\(Self.digest)/approvals", token: service, json: #"{"environment":"production","decision":"approve"}"#).status == 403)
            #expect(try await world.live.auditActions().contains("approval.refuse"))
        }
    }

    @Test func referencesEnvironmentsAndBatch() async throws {
        try await Self.world { world in
            try await Self.postEvidence(world)
            #expect(try await world.clearance("staging", "registry.example.com%2Fteam%2Fapp@\(Self.digest)").status == 200)
            let tag = try await world.clearance("staging", "registry.example.com%2Fteam%2Fapp:latest")
            #expect(tag.status == 400)
            #expect(tag.text.contains("digest"))
            #expect(try await world.clearance("nowhere").status == 404)
            let unknown = try await world.clearance("staging", "sha256:" + String(repeating: "0", count: 64))
            #expect(unknown.status == 404)
            #expect(try unknown.json()["cleared"] as? Bool == false)
            #expect(try await world.live.client().request("GET", "/api/v1/clearance/\(Self.digest)?env=staging").status == 401)

            let batch = try await world.post(
                "/api/v1/clearance:batch", token: world.admin,
                json: try jsonBody(["environment": "staging", "digests": [Self.digest, "sha256:" + String(repeating: "0", count: 64)]]))
            #expect(batch.status == 200, "\(batch.text)")
            let results = try #require(try batch.json()["results"] as? [[String: Any]])
            #expect(results.map { $0["cleared"] as? Bool } == [true, false])
            let tooMany = try jsonBody(["environment": "staging", "digests": Array(repeating: Self.digest, count: 1001)])
            #expect(try await world.post("/api/v1/clearance:batch", token: world.admin, json: tooMany).status == 422)
        }
    }

    @Test func anErrorWhileDecidingIsNeverCleared() async throws {
        try await Self.world { world in
            try await Self.postEvidence(world)
            #expect(try await world.clearance("staging").status == 200)
            // A stored policy that no longer validates (edited behind the server's back) must fail closed.
            _ = try await world.live.server.database.write { db in
                try db.execute("UPDATE policies SET document = '{\"nonsense\":1}' WHERE environment = 'staging'")
            }
            let broken = try await world.clearance("staging")
            #expect(broken.status == 503)
            #expect(try broken.json()["cleared"] as? Bool == false)
            #expect(try broken.json()["receipt"] == nil)
        }
    }

    @Test func policiesAreVersionedAndValidated() async throws {
        try await Self.world { world in
            let client = try world.live.client()
            let current = try await client.request("GET", "/api/v1/policies/production", token: world.admin)
            #expect(current.status == 200)
            #expect(try current.json()["version"] as? Int == 1)
            let put = try await client.request("PUT", "/api/v1/policies/staging", token: world.admin, json: #"{"sbom":{"required":true}}"#)
            #expect(put.status == 200, "\(put.text)")
            #expect(try put.json()["version"] as? Int == 2)
            #expect(try await client.request("GET", "/api/v1/policies/staging?version=1", token: world.admin).status == 200)
            let bad = try await client.request("PUT", "/api/v1/policies/staging", token: world.admin, json: #"{"vulnerabilities":{"max":{"SEVERE":0}}}"#)
            #expect(bad.status == 422)
            #expect(bad.text.contains("SEVERE"))
            #expect(try await client.request("PUT", "/api/v1/policies/staging", token: world.admin, json: #"{"promotion":{"requireClearedIn":["mars"]}}"#).status == 422)
            #expect(try await client.request("PUT", "/api/v1/policies/staging", token: world.ci, json: "{}").status == 403)
            #expect(try await client.request("PUT", "/api/v1/policies/staging", token: world.admin, json: "{not json").status == 400)
            #expect(try await client.request("GET", "/api/v1/policies/staging", token: world.admin).json()["version"] as? Int == 2)
        }
    }
}
