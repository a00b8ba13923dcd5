import Crypto
import Domain
import Foundation
import SQLite
import Store
import Testing
import TestSupport

@testable import App

/// Clearance answers are reused only while their facts hold: these tests change facts behind the server's
/// back (through a second connection to the same file, as another process would) and move the clock.
@Suite struct AnswerCacheTests {
    typealias World = DecisionFlowTests.World

    /// A second, independent connection set on the server's database file.
    static func otherProcess(_ world: World, _ sql: String, _ arguments: [String]) async throws {
        let other = try Database(path: world.live.databasePath)
        try await other.write { db in try db.execute(sql, arguments.map { $0 as any SQLiteBindable }) }
        await other.close()
    }

    @Test func aRepeatedQuestionGetsTheSameAnswerUntilAFactChanges() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let first = try await world.clearance("staging")
            #expect(first.status == 200)
            world.clock.advance(by: 1)
            let second = try await world.clearance("staging")
            // Reused: the same decision time and the same receipt.
            #expect(second.text == first.text)

            // New evidence for the digest: a scan with a critical finding.
            let scan = try trivyReport([("CVE-2024-9999", "CRITICAL", "2.0")], createdAt: world.clock.now)
            #expect(try await world.post("/api/v1/scans?digest=\(DecisionFlowTests.digest)", token: world.ci, json: scan).status == 201)
            let third = try await world.clearance("staging")
            #expect(third.status == 403)
            #expect(third.text.contains("CVE-2024-9999") || third.text.contains("CRITICAL"))
        }
    }

    /// A cached answer is sent by the event loop itself when it is idle: the same bytes, headers, metrics and log
    /// line as the pooled path, and only after the same token check in the same snapshot.
    @Test func anIdleServerSendsCachedAnswersFromItsEventLoopWithTheSameChecks() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let server = world.live.server
            let first = try await world.clearance("staging")
            let immediateBefore = server.immediateAnswers
            let second = try await world.clearance("staging")
            #expect(server.immediateAnswers == immediateBefore + 1, "the cached answer came from the event loop")
            #expect(second.status == 200 && second.text == first.text)
            for name in ["Content-Type", "X-Content-Type-Options", "Cache-Control", "X-Request-Id"] {
                #expect(second.header(name) != nil, "\(name)")
            }
            #expect(second.header("X-Request-Id") != first.header("X-Request-Id"))
            let metrics = try await world.live.client().request("GET", "/metrics", token: nil).text
            #expect(metrics.contains(#"shipgate_http_requests_total{route="/api/v1/clearance/{ref}",method="GET",status="200"} 2"#), "\(metrics.split(separator: "\n").filter { $0.contains("clearance/{ref}") })")

            // Refusals are never immediate: a token without the scope (403, audited) and no token (401).
            let writer = try await world.live.token([.evidenceWrite], name: "writer-only")
            let path = "/api/v1/clearance/\(DecisionFlowTests.digest)?env=staging"
            let immediate = server.immediateAnswers
            #expect(try await world.live.client().request("GET", path, token: writer).status == 403)
            #expect(try await world.live.client().request("GET", path, token: nil).status == 401)
            #expect(server.immediateAnswers == immediate)
            #expect(try await world.live.auditActions().last == "access.refuse")
        }
    }

    @Test func aKeyRevokedByAnotherProcessUnclearsTheNextAnswer() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            #expect(try await world.clearance("staging").status == 200)
            #expect(try await world.clearance("staging").status == 200)
            try await Self.otherProcess(
                world, "UPDATE trusted_keys SET revoked_at = ? WHERE id = ?", [Timestamp.format(world.clock.now), world.keyID])
            let after = try await world.clearance("staging")
            #expect(after.status == 403)
            #expect(try after.json()["cleared"] as? Bool == false)
        }
    }

    @Test func aTokenRevokedByAnotherProcessIsRefusedAtOnce() async throws {
        try await DecisionFlowTests.world { world in
            let server = world.live.server
            let reader = try await world.live.token([.clearanceRead], name: "deployer")
            let path = "/api/v1/clearance/\(DecisionFlowTests.digest)?env=staging"
            #expect(try await world.live.client().request("GET", path, token: reader).status == 404)
            #expect(try await world.live.client().request("GET", path, token: reader).status == 404)
            // The answer is cached and the event loop has been sending it: the revocation must stop that too.
            #expect(server.immediateAnswers > 0)
            try await Self.otherProcess(
                world, "UPDATE api_tokens SET revoked_at = ? WHERE name = 'deployer'", [Timestamp.format(world.clock.now)])
            #expect(try await world.live.client().request("GET", path, token: reader).status == 401)
        }
    }

    @Test func anAnswerExpiresWithItsInputsAndAfterItsMaximumAge() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            // Production needs a scan at most 168 hours old: the cleared answer is valid until then.
            let approver = try await world.person("olivia", role: .approver)
            let waiver = try jsonBody([
                "vulnerability": "CVE-2024-0001", "justification": "not reachable", "expiresAt": Timestamp.format(world.clock.now.addingTimeInterval(400 * 3600)),
            ])
            #expect(try await world.post("/api/v1/images/\(DecisionFlowTests.digest)/waivers", token: approver, json: waiver).status == 201)
            let approval = #"{"environment":"production","decision":"approve","comment":"ok"}"#
            #expect(try await world.post("/api/v1/images/\(DecisionFlowTests.digest)/approvals", token: approver, json: approval).status == 201)
            let cleared = try await world.clearance("production")
            #expect(cleared.status == 200, "\(cleared.text)")
            let validUntil = try #require(try cleared.json()["validUntil"] as? String).flatMap(Timestamp.parse)
            let until = try #require(validUntil)
            world.clock.advance(by: until.timeIntervalSince(world.clock.now) - 1)
            #expect(try await world.clearance("production").status == 200)
            world.clock.advance(by: 1)
            #expect(try await world.clearance("production").status == 403)

            // A not-cleared answer with nothing that changes with time is decided afresh after at most ten minutes.
            let stale = try await world.clearance("production")
            world.clock.advance(by: 601)
            let fresh = try await world.clearance("production")
            #expect(try fresh.json()["decidedAt"] as? String != (try stale.json()["decidedAt"] as? String))
        }
    }

    /// A not-cleared answer has no `validUntil`, yet time alone changes it: the waiver that lets its vulnerability rule
    /// pass runs out two minutes on, well inside the cache's five-minute floor, and the next answer says so at once.
    @Test func aCachedAnswerIsDecidedAgainWhenTimeAloneChangesIt() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let approver = try await world.person("olivia", role: .approver)
            let waiver = try jsonBody([
                "vulnerability": "CVE-2024-0001", "justification": "not reachable",
                "expiresAt": Timestamp.format(world.clock.now.addingTimeInterval(120)),
            ])
            #expect(try await world.post("/api/v1/images/\(DecisionFlowTests.digest)/waivers", token: approver, json: waiver).status == 201)
            func failing(_ response: TestResponse) throws -> Set<String> {
                Set((try response.json()["reasons"] as? [[String: Any]] ?? []).filter { $0["passed"] as? Bool == false }.compactMap { $0["rule"] as? String })
            }
            let waived = try await world.clearance("production")
            #expect(waived.status == 403)
            #expect(try failing(waived) == ["approvals"])
            #expect(try waived.json()["validUntil"] == nil)
            world.clock.advance(by: 119)
            #expect(try await world.clearance("production").text == waived.text, "the cached answer, decided before")
            world.clock.advance(by: 2)
            let expired = try await world.clearance("production")
            #expect(try failing(expired) == ["approvals", "vulnerabilities"], "\(expired.text)")
        }
    }

    /// A dry run clears an image whose scan has aged out. Its answer names no validity already past, and it is reused
    /// like any other: with the scan's past age-out as its `validUntil`, every cached copy expired as it was stored.
    @Test func aDryRunAnswerOverAnAgedScanIsValidOnlyIntoTheFutureAndCached() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let policy = #"{"mode":"dryRun","vulnerabilities":{"max":{"CRITICAL":0},"scanMaxAgeHours":24}}"#
            let put = try await world.live.client().request("PUT", "/api/v1/policies/staging", token: world.admin, json: policy)
            try #require(put.status == 200, "policy: \(put.text)")
            world.clock.advance(by: 25 * 3600)
            let first = try await world.clearance("staging")
            #expect(first.status == 200, "\(first.text)")
            #expect(first.text.contains("(dry run)"), "the aged scan is reported: \(first.text)")
            if let validUntil = try first.json()["validUntil"] as? String {
                #expect(try #require(Timestamp.parse(validUntil)) > world.clock.now, "\(validUntil)")
            }
            world.clock.advance(by: 1)
            #expect(try await world.clearance("staging").text == first.text, "the cached answer, decided before")
        }
    }

    /// The age cap is spread over its second half, so answers decided together are not all decided again together;
    /// it never extends an answer past its own validity or past the cap.
    @Test func answersDecidedTogetherExpireSpreadOverTheSecondHalfOfTheCap() {
        let cache = AnswerCache(capacityBytes: 1 << 20, maxAge: 30)
        let decidedAt = Date(timeIntervalSince1970: 1_767_000_000)
        let lifetimes = (0..<1000).map { _ in cache.expiry(decidedAt: decidedAt, recheckAt: nil).timeIntervalSince(decidedAt) }
        #expect(lifetimes.allSatisfy { $0 >= 15 && $0 <= 30 })
        #expect((lifetimes.max() ?? 0) - (lifetimes.min() ?? 0) > 10, "spread, not one instant")
        let soon = decidedAt.addingTimeInterval(5)
        #expect((0..<100).allSatisfy { _ in cache.expiry(decidedAt: decidedAt, recheckAt: soon) == soon })
    }

    /// Bounded in bytes: a sweep over many digests keeps at most the capacity, the answers in use survive it, and a
    /// set of answers that fits is kept whole however it is asked for.
    @Test func theCacheHoldsAtMostItsCapacityInBytesAndKeepsAnswersInUse() throws {
        let capacity = 1 << 20
        let cache = AnswerCache(capacityBytes: capacity, maxAge: 600)
        let now = Date(timeIntervalSince1970: 1_767_000_000)
        let epochs = FactEpochs(global: 1, digest: 1)
        func entry(_ index: Int) -> AnswerCache.Entry {
            AnswerCache.Entry(
                epochs: epochs, decidedAt: now, expiresAt: now.addingTimeInterval(600), status: .ok, cleared: true, breakGlass: false,
                mode: .enforce, failing: [], body: Array(repeating: UInt8(ascii: "x"), count: 700 + index % 300))
        }
        func held(_ name: String) -> Bool { cache.entry(digest: name, environment: "production", epochs: epochs, now: now) != nil }
        let largest = entry(299).cost
        let fitting = capacity / largest

        // A set that fits, asked for in random order many times over: every answer stays.
        for index in 0..<fitting { cache.store(entry(index), digest: "fit-\(index)", environment: "production") }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<(fitting * 5) { #expect(held("fit-\(Int.random(in: 0..<fitting, using: &random))")) }
        #expect(cache.count == fitting)

        // A sweep ten times the capacity: the one answer asked for throughout survives, the size stays bounded.
        for index in 0..<(fitting * 10) {
            cache.store(entry(index), digest: "sweep-\(index)", environment: "production")
            if index % 50 == 0 { #expect(held("fit-0"), "at \(index)") }
            #expect(cache.count * entry(0).cost <= capacity)
        }
        #expect(cache.count >= fitting / 3, "\(cache.count) of \(fitting) after dropping the older half")
        #expect(held("sweep-\(fitting * 10 - 1)"), "the newest survives")
        #expect(!held("sweep-0") && !held("fit-\(fitting - 1)"), "the least recently used were dropped")
    }

    @Test func aReceiptKeyRotatedByAnotherProcessSignsTheNextReceipt() async throws {
        try await DecisionFlowTests.world { world in
            try await DecisionFlowTests.postEvidence(world)
            let before = try await world.clearance("staging")
            let oldKid = try Self.kid(of: before)
            // What `shipgate receipt-key rotate` does, from outside the server.
            let key = try PrivateKey.generate(.ed25519)
            let kid = String(key.publicKey.id.prefix(16))
            let other = try Database(path: world.live.databasePath)
            try await other.write { db in
                try ReceiptKeyStore.retireAll(at: world.clock.now, in: db)
                try ReceiptKeyStore.insert(kid: kid, privateKeyPEM: key.pemEncoded, at: world.clock.now, in: db)
            }
            await other.close()
            let after = try await world.clearance("staging")
            #expect(try Self.kid(of: after) == kid)
            #expect(kid != oldKid)
            let jwks = try await world.live.client().request("GET", "/api/v1/receipt-keys").json()
            let claims = try verifyReceipt(try #require(try after.json()["receipt"] as? String), jwks: jwks)
            #expect(claims["digest"] as? String == DecisionFlowTests.digest)
            _ = try verifyReceipt(try #require(try before.json()["receipt"] as? String), jwks: jwks)
        }
    }

    static func kid(of response: TestResponse) throws -> String {
        let receipt = try #require(try response.json()["receipt"] as? String)
        let header = try #require(receipt.split(separator: ".").first.flatMap { Base64URL.decode(String($0)) })
        let object = try JSONSerialization.jsonObject(with: Data(header)) as? [String: Any]
        return try #require(object?["kid"] as? String)
    }
}
