import App
import Crypto
import Domain
import Foundation
import SQLite
import Store
import Testing
import TestSupport

/// `image.cleared`, `image.uncleared` and `waiver.expiring`, end to end: a live server with a manual clock, a real
/// local receiver, changes made through the API (and, for a restart, straight in the database as another process would).
@Suite struct DecisionWatcherTests {
    static let hexA = String(repeating: "a1", count: 32)
    static let hexB = String(repeating: "b2", count: 32)
    static let digestA = "sha256:" + hexA
    static let digestB = "sha256:" + hexB
    static let allEvents = ["image.cleared", "image.uncleared", "waiver.expiring"]
    /// A policy anyone can meet with an image config and a scan: non-root, no CRITICAL.
    static let qaPolicy = #"{"imageConfig":{"forbidRoot":true},"vulnerabilities":{"max":{"CRITICAL":0}}}"#

    struct World {
        let live: LiveServer
        let receiver: WebhookReceiver
        let clock: ManualClock
        let admin: String
        let ci: String

        func send(_ method: String, _ path: String, token: String? = nil, json: String? = nil) async throws -> TestResponse {
            try await live.client().request(method, path, token: token ?? admin, json: json)
        }

        /// A non-root config and a scan without findings for `digest`: cleared under `qaPolicy`.
        func postCleanImage(_ digest: String) async throws {
            let config = try jsonBody(["config": ["User": "1000"]])
            #expect(try await send("POST", "/api/v1/images/\(digest)/config", token: ci, json: config).status == 201)
            let scan = try trivyReport([], createdAt: clock.now)
            #expect(try await send("POST", "/api/v1/scans?digest=\(digest)", token: ci, json: scan).status == 201)
        }

        /// Registers a webhook for the watcher's events at the receiver's port and installs the qa policy.
        func register(port: Int) async throws {
            let hook = try await send(
                "POST", "/api/v1/webhooks",
                json: try jsonBody(["url": "http://127.0.0.1:\(port)/events", "events": DecisionWatcherTests.allEvents, "secret": "a secret of sixteen+ bytes"]))
            #expect(hook.status == 201, "\(hook.text)")
            #expect(try await send("PUT", "/api/v1/policies/qa", json: DecisionWatcherTests.qaPolicy).status == 200)
        }

        /// An approver and a token bound to them.
        func approver(_ name: String) async throws -> String {
            _ = try await live.server.accounts.createUser(name: name, role: .approver, password: "a long passphrase for \(name)", actor: "test")
            return try await live.token([.approvalsWrite, .clearanceRead], user: name, name: name)
        }

        /// The events received so far, in arrival order, as (event, data).
        var events: [(event: String, data: [String: String])] {
            receiver.received.compactMap { request in
                guard let payload = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                    let event = payload["event"] as? String
                else { return nil }
                return (event, payload["data"] as? [String: String] ?? [:])
            }
        }

        /// The received events of one kind, each as "digest environment" (or the waiver's vulnerability).
        func received(_ event: String) -> [String] {
            events.filter { $0.event == event }.map { $0.data["vulnerability"] ?? "\($0.data["digest"] ?? "?") \($0.data["environment"] ?? "?")" }
        }
    }

    /// A live server whose decision clock is `ManualClock`, with fast watcher and delivery loops. With its own receiver, a
    /// webhook subscribed to the three watcher events is registered and the `qa` policy installed; a receiver passed in
    /// outlives the server (the caller registers it once with `World.register` and stops it).
    static func world(
        databasePath: String? = nil, receiver given: WebhookReceiver? = nil, _ body: (World) async throws -> Void
    ) async throws {
        let receiver = given ?? WebhookReceiver()
        let port = given == nil ? try receiver.start() : 0
        let clock = ManualClock(Date())
        do {
            try await withLiveServer({ options in
                options.clock = { clock.now }
                if let databasePath { options.databasePath = databasePath }
                options.webhooks.pollInterval = .milliseconds(10)
                options.webhooks.initialBackoff = .milliseconds(20)
                options.decisionWatch.changeCheckInterval = .milliseconds(10)
                options.decisionWatch.pollInterval = .milliseconds(200)
            }) { live in
                let admin = try await live.token([.admin])
                let ci = try await live.token([.evidenceWrite], name: "ci")
                let world = World(live: live, receiver: receiver, clock: clock, admin: admin, ci: ci)
                if given == nil { try await world.register(port: port) }
                try await body(world)
            }
        } catch {
            if given == nil { await receiver.stop() }
            throw error
        }
        if given == nil { await receiver.stop() }
    }

    /// Waits until the receiver holds `count` events (beyond which the test checks nothing more arrives).
    static func waitForEvents(_ world: World, count: Int) async -> Bool {
        await eventually(timeout: .seconds(5)) { world.events.count >= count }
    }

    /// Long enough for several watcher passes: any duplicate or stray event would have arrived.
    static func settle() async throws { try await Task.sleep(for: .milliseconds(400)) }

    @Test func newEvidenceClearsAnImageAndACriticalScanUnclearsIt() async throws {
        try await Self.world { world in
            try await world.postCleanImage(Self.digestA)
            #expect(await Self.waitForEvents(world, count: 1))
            #expect(world.received("image.cleared") == ["\(Self.digestA) qa"])
            let cleared = try #require(world.events.first)
            #expect(cleared.data["cleared"] == "true")
            #expect(cleared.data["policyVersion"] == "1")
            // Signed like every delivery, and answerable by curl: the clearance endpoint agrees.
            let request = try #require(world.receiver.received.first)
            #expect(request.headers["X-Shipgate-Signature"] == "sha256=" + HMAC.sha256Hex(key: Array("a secret of sixteen+ bytes".utf8), message: request.body))
            #expect(try await world.send("GET", "/api/v1/clearance/\(Self.digestA)?env=qa").status == 200)

            world.clock.advance(by: 60)
            let critical = try trivyReport([("CVE-2024-9999", "CRITICAL", "")], createdAt: world.clock.now)
            #expect(try await world.send("POST", "/api/v1/scans?digest=\(Self.digestA)", token: world.ci, json: critical).status == 201)
            #expect(await Self.waitForEvents(world, count: 2))
            #expect(world.received("image.uncleared") == ["\(Self.digestA) qa"])
            let uncleared = try #require(world.events.last)
            #expect(uncleared.data["cleared"] == "false")
            #expect(uncleared.data["reasons"]?.contains("vulnerabilities") == true)

            // More evidence that changes nothing announces nothing; staging and production never cleared, so they are silent.
            let sbom = #"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#
            _ = try await world.send("POST", "/api/v1/sboms?digest=\(Self.digestA)", token: world.ci, json: sbom)
            try await Self.settle()
            #expect(world.events.count == 2)
        }
    }

    /// No row reads as not cleared: new evidence that leaves a digest not cleared writes nothing, and the digest's
    /// later clearing is still announced.
    @Test func aFirstNotClearedDecisionIsNotRecordedAndItsClearingIsStillAnnounced() async throws {
        try await Self.world { world in
            let config = try jsonBody(["config": ["User": "1000"]])
            #expect(try await world.send("POST", "/api/v1/images/\(Self.digestB)/config", token: world.ci, json: config).status == 201)
            try await Self.settle()
            let rows = try await world.live.server.database.read { db in
                try db.queryOne("SELECT count(*) FROM decision_watch WHERE digest = ?", [Self.digestB])?.int(0)
            }
            #expect(rows == 0)
            #expect(world.events.isEmpty)
            let scan = try trivyReport([], createdAt: world.clock.now)
            #expect(try await world.send("POST", "/api/v1/scans?digest=\(Self.digestB)", token: world.ci, json: scan).status == 201)
            #expect(await Self.waitForEvents(world, count: 1))
            #expect(world.received("image.cleared") == ["\(Self.digestB) qa"])
        }
    }

    @Test func anApprovalRunningOutUnclearsTheImageWithoutAnyWrite() async throws {
        try await Self.world { world in
            let policy = #"{"imageConfig":{"forbidRoot":true},"approvals":{"count":1,"role":"approver","distinctFromPosters":true},"validForHours":2}"#
            #expect(try await world.send("PUT", "/api/v1/policies/qa", json: policy).status == 200)
            let config = try jsonBody(["config": ["User": "1000"]])
            #expect(try await world.send("POST", "/api/v1/images/\(Self.digestA)/config", token: world.ci, json: config).status == 201)
            let alice = try await world.approver("alice")
            let approve = try await world.send(
                "POST", "/api/v1/images/\(Self.digestA)/approvals", token: alice, json: #"{"environment":"qa","decision":"approve","comment":"ok"}"#)
            #expect(approve.status == 201, "\(approve.text)")
            #expect(await Self.waitForEvents(world, count: 1))
            #expect(world.received("image.cleared") == ["\(Self.digestA) qa"])
            let validUntil = try #require(world.events.first?.data["validUntil"].flatMap(Timestamp.parse))
            #expect(abs(validUntil.timeIntervalSince(world.clock.now) - 7200) < 5)

            // Nothing is written from here on: only the passing of (manual) time can flip the decision.
            world.clock.advance(by: 3600)
            try await Self.settle()
            #expect(world.events.count == 1)
            world.clock.advance(by: 3601)
            #expect(await Self.waitForEvents(world, count: 2))
            #expect(world.received("image.uncleared") == ["\(Self.digestA) qa"])
            #expect(world.events.last?.data["reasons"]?.contains("approvals") == true)
            try await Self.settle()
            #expect(world.events.count == 2)
        }
    }

    /// An environment whose stored policy no longer validates (edited behind the server's back) is decided no further,
    /// but the other environments of the same digests still are, and their flips announced.
    @Test func anEnvironmentThatCannotBeDecidedDoesNotHoldUpTheOthers() async throws {
        try await Self.world { world in
            try await world.live.server.database.write { db in
                try db.execute(
                    "INSERT INTO policies (environment, version, document, created_by, created_at) "
                        + "SELECT 'staging', MAX(version) + 1, '{\"vulnerabilities\":', 'test', '2026-11-29T00:00:00.000Z' FROM policies WHERE environment = 'staging'")
            }
            try await world.postCleanImage(Self.digestA)
            #expect(await Self.waitForEvents(world, count: 1))
            #expect(world.received("image.cleared") == ["\(Self.digestA) qa"])
            // Staging really cannot be decided: its clearance fails closed.
            #expect(try await world.send("GET", "/api/v1/clearance/\(Self.digestA)?env=staging").status == 503)
        }
    }

    @Test func aPolicyChangeUnclearsEveryImageItNoLongerClears() async throws {
        try await Self.world { world in
            try await world.postCleanImage(Self.digestA)
            try await world.postCleanImage(Self.digestB)
            #expect(await Self.waitForEvents(world, count: 2))
            #expect(Set(world.received("image.cleared")) == ["\(Self.digestA) qa", "\(Self.digestB) qa"])

            let stricter = #"{"imageConfig":{"forbidRoot":true},"vulnerabilities":{"max":{"CRITICAL":0}},"sbom":{"required":true}}"#
            #expect(try await world.send("PUT", "/api/v1/policies/qa", json: stricter).status == 200)
            #expect(await Self.waitForEvents(world, count: 4))
            #expect(Set(world.received("image.uncleared")) == ["\(Self.digestA) qa", "\(Self.digestB) qa"])
            #expect(world.events.suffix(2).allSatisfy { $0.data["policyVersion"] == "2" })
            try await Self.settle()
            #expect(world.events.count == 4)
        }
    }

    @Test func aRepositoryWaiverClearsAndAKeyRevocationUnclearsWithoutNamingTheDigest() async throws {
        try await Self.world { world in
            let policy = #"{"attestations":[{"predicateTypes":["https://slsa.dev/provenance/v1"],"minSigners":1}],"vulnerabilities":{"max":{"HIGH":0}}}"#
            #expect(try await world.send("PUT", "/api/v1/policies/qa", json: policy).status == 200)
            let signer = try PrivateKey.generate(.ecdsaP256)
            let keyID = try await world.live.trustKey(signer.publicKey.pemEncoded, name: "ci-signer", admin: world.admin)
            // Signed provenance naming registry.example.com/team/app, and a scan with one HIGH: not cleared in qa (the
            // default staging policy, signed provenance and no CRITICAL, clears it).
            let provenance = try signedEnvelope(
                digest: Self.hexA, predicateType: "https://slsa.dev/provenance/v1",
                predicate: ["buildDefinition": ["buildType": "https://example.com/b"], "runDetails": ["builder": ["id": "https://example.com/ci"]]],
                key: signer)
            #expect(try await world.send("POST", "/api/v1/attestations", token: world.ci, json: provenance).status == 201)
            let scan = try trivyReport([("CVE-2024-7777", "HIGH", "2.0")], createdAt: world.clock.now)
            #expect(try await world.send("POST", "/api/v1/scans?digest=\(Self.digestA)", token: world.ci, json: scan).status == 201)
            #expect(await Self.waitForEvents(world, count: 1))
            try await Self.settle()
            #expect(world.received("image.cleared") == ["\(Self.digestA) staging"])

            // A waiver for the whole repository: its audit entry names a pattern, not the digest.
            let alice = try await world.approver("alice")
            let expires = Timestamp.format(world.clock.now.addingTimeInterval(30 * 86_400))
            let waiver = try await world.send(
                "POST", "/api/v1/waivers", token: alice,
                json: #"{"vulnerability":"CVE-2024-7777","repositoryPattern":"registry.example.com/team/*","justification":"not reachable","expiresAt":"\#(expires)"}"#)
            #expect(waiver.status == 201, "\(waiver.text)")
            #expect(await Self.waitForEvents(world, count: 2))
            #expect(world.received("image.cleared") == ["\(Self.digestA) staging", "\(Self.digestA) qa"])

            // Revoking the only key that signed the provenance: its audit entry names the key.
            #expect(try await world.send("POST", "/api/v1/keys/\(keyID)/revoke").status == 200)
            #expect(await Self.waitForEvents(world, count: 4))
            #expect(Set(world.received("image.uncleared")) == ["\(Self.digestA) staging", "\(Self.digestA) qa"])
            #expect(world.events.suffix(2).allSatisfy { $0.data["reasons"]?.contains("attestations") == true })
            try await Self.settle()
            #expect(world.events.count == 4)
        }
    }

    @Test func aWaiverIsAnnouncedOnceWhenItEntersTheExpiryWindow() async throws {
        try await Self.world { world in
            try await world.postCleanImage(Self.digestA)
            #expect(await Self.waitForEvents(world, count: 1))
            let alice = try await world.approver("alice")
            let expires = world.clock.now.addingTimeInterval(3 * 86_400)
            let waiver = try await world.send(
                "POST", "/api/v1/images/\(Self.digestA)/waivers", token: alice,
                json: #"{"vulnerability":"CVE-2024-1111","justification":"not reachable","expiresAt":"\#(Timestamp.format(expires))"}"#)
            #expect(waiver.status == 201, "\(waiver.text)")
            try await Self.settle()
            #expect(world.received("waiver.expiring").isEmpty)

            // 47 h before expiry: still outside the default 24 h window; 23 h before: inside.
            world.clock.advance(by: 86_400 + 3600)
            try await Self.settle()
            #expect(world.received("waiver.expiring").isEmpty)
            world.clock.advance(by: 86_400)
            #expect(await eventually(timeout: .seconds(5)) { world.received("waiver.expiring").count == 1 })
            let notice = try #require(world.events.last)
            #expect(notice.data["digest"] == Self.digestA)
            // Within a few milliseconds: each ISO-8601 parse on this toolchain may land up to 1 ms early.
            let announced = try #require(notice.data["expiresAt"].flatMap(Timestamp.parse))
            #expect(abs(announced.timeIntervalSince(expires)) < 0.01)
            #expect(notice.data["createdBy"] == "alice")

            world.clock.advance(by: 12 * 3600)
            try await Self.settle()
            #expect(world.received("waiver.expiring") == ["CVE-2024-1111"])
        }
    }

    /// A server run on `databasePath` that registers a webhook and clears image A (one event); the receiver stays up.
    static func firstRunClearingImageA(databasePath path: String) async throws -> WebhookReceiver {
        let receiver = WebhookReceiver()
        let port = try receiver.start()
        try await Self.world(databasePath: path, receiver: receiver) { world in
            try await world.register(port: port)
            try await world.postCleanImage(Self.digestA)
            #expect(await Self.waitForEvents(world, count: 1))
        }
        return receiver
    }

    @Test func aRestartAnnouncesNothingTwiceAndCatchesChangesMadeWhileStopped() async throws {
        let directory = try TemporaryDirectory("watch-restart")
        defer { directory.remove() }
        let path = directory.file("shipgate.db")
        let receiver = try await Self.firstRunClearingImageA(databasePath: path)

        // Another process (a `shipgate` command) changes the qa policy while the server is down: audited, not announced.
        let (database, _, _) = try await ShipgateDatabase.open(path: path)
        try await database.write { db in
            let version = try PolicyStore.put(environment: "qa", document: Array(#"{"sbom":{"required":true}}"#.utf8), by: "ops", at: Date(), in: db)
            try AuditLog.append(actor: "ops", action: "policy.put", subject: "environment:qa", details: ["version": String(version)], in: db)
        }
        await database.close()

        try await Self.world(databasePath: path, receiver: receiver) { world in
            // The restart itself announces nothing again (image A's qa clearance was announced before); the policy change does.
            #expect(await Self.waitForEvents(world, count: 2))
            try await Self.settle()
            #expect(world.events.map(\.event) == ["image.cleared", "image.uncleared"])
            #expect(world.received("image.uncleared") == ["\(Self.digestA) qa"])
        }
        await receiver.stop()
    }

    @Test func aDatabaseWithoutWatchStateGetsASilentBaseline() async throws {
        let directory = try TemporaryDirectory("watch-baseline")
        defer { directory.remove() }
        let path = directory.file("shipgate.db")
        let receiver = try await Self.firstRunClearingImageA(databasePath: path)
        // As after an upgrade from a version without the watcher: a cleared image, no recorded decisions.
        let (database, _, _) = try await ShipgateDatabase.open(path: path)
        try await database.write { db in
            try db.execute("DELETE FROM decision_watch")
            try db.execute("DELETE FROM decision_watch_cursor")
        }
        await database.close()

        try await Self.world(databasePath: path, receiver: receiver) { world in
            try await Self.settle()
            #expect(world.events.count == 1, "\(world.events.map(\.event))")
            try await world.postCleanImage(Self.digestB)
            #expect(await Self.waitForEvents(world, count: 2))
            try await Self.settle()
            #expect(world.received("image.cleared") == ["\(Self.digestA) qa", "\(Self.digestB) qa"])
            #expect(world.events.count == 2)
        }
        await receiver.stop()
    }
}
