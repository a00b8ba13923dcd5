import Crypto
import Foundation
import HTTPCore
import HTTPServer
import Synchronization
import Testing
import TestSupport

/// `shipgate check` against a stub clearance server (canned answers per digest), so these tests pin the exit-code
/// contract independently of the real decision engine.
@Suite struct CheckCommandTests {
    static func digest(_ character: Character) -> String { "sha256:" + String(repeating: character, count: 64) }
    static func digest(pair: String) -> String { "sha256:" + String(repeating: pair, count: 32) }

    static func answer(_ digest: String, env: String = "production", cleared: Bool, receipt: String? = nil, extra: String = "") -> String {
        let reasons = cleared
            ? #"[{"rule":"attestations","passed":true,"message":"signed provenance by ci"},{"rule":"vulnerabilities","passed":true,"message":"no CRITICAL"}]"#
            : #"[{"rule":"attestations","passed":true,"message":"signed provenance by ci"},{"rule":"vulnerabilities","passed":false,"message":"2 CRITICAL (max 0)"}]"#
        let receiptField = receipt.map { #","receipt":"\#($0)""# } ?? ""
        return #"{"digest":"\#(digest)","environment":"\#(env)","cleared":\#(cleared),"mode":"enforce","policyVersion":3,"decidedAt":"2026-01-01T00:00:00.000Z","reasons":\#(reasons)\#(receiptField)\#(extra)}"#
    }

    static let receipt = "eyJhbGciOiJFZERTQSJ9.eyJjbGVhcmVkIjp0cnVlfQ.c2lnbmF0dXJl"

    /// Digest → (status, body) the stub answers with.
    static let canned: [String: (Int, String)] = [
        digest("a"): (200, answer(digest("a"), cleared: true, receipt: receipt)),
        digest("b"): (403, answer(digest("b"), cleared: false)),
        digest("c"): (404, #"{"digest":"\#(digest("c"))","environment":"production","cleared":false,"mode":"enforce","policyVersion":3,"decidedAt":"2026-01-01T00:00:00.000Z","reasons":[{"rule":"evidence","passed":false,"message":"nothing is known about this digest"}]}"#),
        digest("d"): (400, #"{"error":{"code":"bad_request","message":"resolve the tag to a digest"}}"#),
        digest("e"): (500, #"{"error":{"code":"internal","message":"internal server error"}}"#),
        digest("f"): (200, "this is not JSON"),
        digest("0"): (200, answer(digest("0"), cleared: false)),
        digest("1"): (200, #"{"digest":"\#(digest("1"))","environment":"production","policyVersion":3,"reasons":[]}"#),
        digest("2"): (403, answer(digest("2"), cleared: true)),
        digest("3"): (401, #"{"error":{"code":"unauthorized","message":"missing, invalid, expired or revoked bearer token"}}"#),
        digest("4"): (200, answer(digest("5"), cleared: true)),  // an answer about another digest
        digest("5"): (503, answer(digest("5"), cleared: false)),  // fail-closed server error
        digest("6"): (200, answer(digest("6"), cleared: true)),  // cleared, but no receipt
        digest("7"): (403, #"{"error":{"code":"forbidden","message":"this action needs the 'clearance:read' scope"}}"#),
        digest("8"): (200, answer(digest("8"), env: "staging", cleared: true)),  // an answer about another environment
        digest(pair: "ab"): (200, answer(digest(pair: "ab"), cleared: true, receipt: "not a JWS")),
        digest(pair: "ba"): (
            403,
            #"{"digest":"\#(digest(pair: "ba"))","environment":"production","cleared":false,"policyVersion":3,"reasons":[{"rule":"x\u001b[2J","passed":false,"message":"evil\u001b]0;title\u0007"}]}"#
        ),
    ]

    @Test func clearedAnswerExitsZeroAndPrintsTheReasons() async throws {
        try await withStub { stub in
            let result = try await CLI.run(["check", Self.digest("a"), "--env", "production", "--server", stub.url, "--token", "sgt_test"])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "CLEARED \(Self.digest("a")) for production (policy v3)")
            #expect(lines.contains("  ✓ attestations: signed provenance by ci"))
            #expect(lines.contains("  ✓ vulnerabilities: no CRITICAL"))
            let request = try #require(stub.requests.last)
            #expect(request.target == "/api/v1/clearance/sha256%3A\(String(repeating: "a", count: 64))?env=production")
            #expect(request.authorization == "Bearer sgt_test")
        }
    }

    @Test func takesTheTokenFromTheEnvironmentAndKeepsNamedReferencesInOneSegment() async throws {
        try await withStub { stub in
            let reference = "ghcr.io/acme/api@" + Self.digest("a")
            let result = try await CLI.run(
                ["check", reference, "--env", "production", "--server", stub.url], environment: ["SHIPGATE_TOKEN": "sgt_from_env"])
            #expect(result.status == 0, "\(result.stderr)")
            let request = try #require(stub.requests.last)
            #expect(request.authorization == "Bearer sgt_from_env")
            #expect(request.target.hasPrefix("/api/v1/clearance/ghcr.io%2Facme%2Fapi%40sha256%3A"))
        }
    }

    @Test func notClearedAndNothingKnownExitOne() async throws {
        try await withStub { stub in
            let refused = try await CLI.run(["check", Self.digest("b"), "--env", "production", "--server", stub.url])
            #expect(refused.status == 1, "\(refused.stderr)")
            #expect(refused.stdout.hasPrefix("NOT CLEARED \(Self.digest("b")) for production (policy v3)"))
            #expect(refused.stdout.contains("  ✗ vulnerabilities: 2 CRITICAL (max 0)"))
            #expect(refused.stdout.contains("  ✓ attestations: signed provenance by ci"))
            let unknown = try await CLI.run(["check", Self.digest("c"), "--env", "production", "--server", stub.url])
            #expect(unknown.status == 1, "\(unknown.stderr)")
            #expect(unknown.stdout.hasPrefix("NOT CLEARED"))
            #expect(unknown.stdout.contains("nothing known"))
        }
    }

    @Test func everythingElseIsAnErrorWithExitTwo() async throws {
        try await withStub { stub in
            // 400, 500, garbage, 200 saying not cleared, 200 without `cleared`, 403 saying cleared, 401, another digest,
            // 503 fail-closed, a scope refusal, another environment.
            for character in ["d", "e", "f", "0", "1", "2", "3", "4", "5", "7", "8"] as [Character] {
                let result = try await CLI.run(["check", Self.digest(character), "--env", "production", "--server", stub.url])
                #expect(result.status == 2, "digest \(character): \(result.stdout) \(result.stderr)")
                #expect(!result.stdout.contains("CLEARED"), "digest \(character)")
                #expect(result.stderr.hasPrefix("shipgate check: "), "digest \(character): \(result.stderr)")
            }
            let unauthorized = try await CLI.run(["check", Self.digest("3"), "--env", "production", "--server", stub.url])
            #expect(unauthorized.stderr.contains("SHIPGATE_TOKEN"))
        }
    }

    @Test func jsonPrintsTheServersBodyAsIs() async throws {
        try await withStub { stub in
            let cleared = try await CLI.run(["check", Self.digest("a"), "--env", "production", "--server", stub.url, "--json"])
            #expect(cleared.status == 0)
            #expect(cleared.stdout == Self.canned[Self.digest("a")]!.1 + "\n")
            let refused = try await CLI.run(["check", Self.digest("b"), "--env", "production", "--server", stub.url, "--json"])
            #expect(refused.status == 1)
            #expect(refused.stdout == Self.canned[Self.digest("b")]!.1 + "\n")
        }
    }

    @Test func writesTheReceiptOnlyWhenCleared() async throws {
        let directory = try TemporaryDirectory("check")
        defer { directory.remove() }
        try await withStub { stub in
            let path = directory.file("receipt.jws")
            let cleared = try await CLI.run(["check", Self.digest("a"), "--env", "production", "--server", stub.url, "--receipt", path])
            #expect(cleared.status == 0, "\(cleared.stderr)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == Self.receipt + "\n")
            let refusedPath = directory.file("refused.jws")
            let refused = try await CLI.run(["check", Self.digest("b"), "--env", "production", "--server", stub.url, "--receipt", refusedPath])
            #expect(refused.status == 1)
            #expect(!FileManager.default.fileExists(atPath: refusedPath))
            // Asked for proof but the server gave none: a pipeline must not proceed without it.
            let missing = try await CLI.run(["check", Self.digest("6"), "--env", "production", "--server", stub.url, "--receipt", directory.file("m.jws")])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("no receipt"))
            let malformedPath = directory.file("bad.jws")
            let malformed = try await CLI.run(["check", Self.digest(pair: "ab"), "--env", "production", "--server", stub.url, "--receipt", malformedPath])
            #expect(malformed.status == 2)
            #expect(!FileManager.default.fileExists(atPath: malformedPath))
            #expect(!malformed.stdout.contains("CLEARED"))
        }
    }

    @Test func serverTextCannotDriveTheTerminal() async throws {
        try await withStub { stub in
            let result = try await CLI.run(["check", Self.digest(pair: "ba"), "--env", "production", "--server", stub.url])
            #expect(result.status == 1)
            #expect(!result.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
            #expect(result.stdout.contains("  ✗ x?[2J: evil?]0;title?"))
        }
    }

    @Test func refusesTagsAndIncompleteCommandsLocally() async throws {
        try await withStub { stub in
            let tag = try await CLI.run(["check", "ghcr.io/acme/api:1.2.3", "--env", "production", "--server", stub.url])
            #expect(tag.status == 2)
            #expect(tag.stderr.contains("resolve it to a digest"))
            let bare = try await CLI.run(["check", "alpine", "--env", "production", "--server", stub.url])
            #expect(bare.status == 2)
            let noEnv = try await CLI.run(["check", Self.digest("a"), "--server", stub.url])
            #expect(noEnv.status == 2)
            #expect(noEnv.stderr.contains("--env"))
            let noServer = try await CLI.run(["check", Self.digest("a"), "--env", "production"], environment: ["SHIPGATE_SERVER": ""])
            #expect(noServer.status == 2)
            let badURL = try await CLI.run(["check", Self.digest("a"), "--env", "production", "--server", "ftp://x"])
            #expect(badURL.status == 2)
            #expect(stub.requests.isEmpty)
        }
    }

    @Test func unreachableServerExitsTwo() async throws {
        let port = try await withStub { stub in stub.port }  // stopped on return: nothing listens there any more
        let result = try await CLI.run(["check", Self.digest("a"), "--env", "production", "--server", "http://127.0.0.1:\(port)"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("refused"))
    }

    @Test func aServerThatNeverAnswersTimesOutWithExitTwo() async throws {
        try await withStub { stub in
            let result = try await CLI.run(["check", Self.digest("9"), "--env", "production", "--server", stub.url, "--timeout", "1"])
            #expect(result.status == 2)
            // The message names the limit that fired, so --timeout was honoured (no wall-clock bound: machines are busy).
            #expect(result.stderr.contains("timed out after 1s"), "\(result.stderr)")
        }
    }

    @Test func httpsWithTheServersCAClearsAndWithoutItFails() async throws {
        let directory = try TemporaryDirectory("check-tls")
        defer { directory.remove() }
        let pair = try SelfSignedCertificate.make(commonName: "localhost")
        try pair.certificatePEM.write(toFile: directory.file("cert.pem"), atomically: true, encoding: .utf8)
        try pair.privateKeyPEM.write(toFile: directory.file("key.pem"), atomically: true, encoding: .utf8)
        let tls = try TLSServerContext(certificateChainFile: directory.file("cert.pem"), privateKeyFile: directory.file("key.pem"))
        try await withStub(tls: tls) { stub in
            let url = "https://localhost:\(stub.port)"
            let trusted = try await CLI.run(["check", Self.digest("a"), "--env", "production", "--server", url, "--ca-file", directory.file("cert.pem")])
            #expect(trusted.status == 0, "\(trusted.stderr)")
            #expect(trusted.stdout.hasPrefix("CLEARED"))
            let untrusted = try await CLI.run(["check", Self.digest("a"), "--env", "production", "--server", url])
            #expect(untrusted.status == 2)
            #expect(untrusted.stderr.contains("TLS"))
            let plainToTLS = try await CLI.run(["check", Self.digest("a"), "--env", "production", "--server", "http://127.0.0.1:\(stub.port)", "--timeout", "2"])
            #expect(plainToTLS.status == 2)
        }
    }

    // MARK: Stub server

    /// Runs `body` with a stub clearance server and always shuts it down.
    func withStub<T>(tls: TLSServerContext? = nil, _ body: (ClearanceStub) async throws -> T) async throws -> T {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.tls = tls
        configuration.timerInterval = .milliseconds(20)
        configuration.limits.shutdownGracePeriod = .seconds(1)
        let responder = ClearanceStubResponder(canned: Self.canned)
        let server = HTTPServer(configuration: configuration, responder: responder)
        try server.start()
        let stub = ClearanceStub(server: server, responder: responder, scheme: tls == nil ? "http" : "https")
        do {
            let result = try await body(stub)
            responder.release()
            await server.shutdown()
            return result
        } catch {
            responder.release()
            await server.shutdown()
            throw error
        }
    }
}

/// A running stub: its URL and the requests it received.
struct ClearanceStub: Sendable {
    let server: HTTPServer
    let responder: ClearanceStubResponder
    let scheme: String
    var port: Int { server.port }
    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    var requests: [ClearanceStubResponder.Seen] { responder.seen }
}

/// Answers `GET /api/v1/clearance/{ref}` from a table keyed by the digest in the reference; digest `sha256:9…` never
/// answers until the test ends.
final class ClearanceStubResponder: HTTPResponder {
    struct Seen: Sendable {
        let target: String
        let authorization: String?
    }

    private let canned: [String: (Int, String)]
    private let log = Mutex<[Seen]>([])
    private let held = Mutex<(released: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(canned: [String: (Int, String)]) { self.canned = canned }

    var seen: [Seen] { log.withLock { $0 } }

    func maxBodyBytes(for head: HTTPRequestHead) -> Int { 0 }

    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        log.withLock { $0.append(Seen(target: request.head.target, authorization: request.headers["Authorization"])) }
        let prefix = "/api/v1/clearance/"
        guard request.path.hasPrefix(prefix), let reference = PercentDecoding.decode(String(request.path.dropFirst(prefix.count))),
            let at = reference.range(of: "sha256:")
        else { return HTTPResponse(status: .notFound) }
        let digest = String(reference[at.lowerBound...])
        if digest.hasPrefix("sha256:9") {
            await hold()
            return HTTPResponse(status: .serviceUnavailable)
        }
        guard let (status, body) = canned[digest] else { return HTTPResponse(status: .notFound) }
        return HTTPResponse(
            status: HTTPStatus(code: status, reasonPhrase: "Canned"), headers: ["Content-Type": "application/json"], body: Array(body.utf8))
    }

    /// Lets every held request finish (called when the test ends).
    func release() {
        let waiters = held.withLock { state in
            state.released = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    private func hold() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let released = held.withLock { state in
                if !state.released { state.waiters.append(continuation) }
                return state.released
            }
            if released { continuation.resume() }
        }
    }
}

@Suite struct CheckAgainstTheRealServerTests {
    @Test func clearedExitsZeroWithAReceiptAndNotClearedExitsOne() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let signer = try PrivateKey.generate(.ed25519)
            _ = try await live.trustKey(signer.publicKey.pemEncoded, name: "ci", admin: admin)
            let hex = String(repeating: "7c", count: 32)
            let provenance = try signedEnvelope(
                digest: hex, predicateType: "https://slsa.dev/provenance/v1",
                predicate: ["buildDefinition": ["buildType": "https://example.com/b"], "runDetails": ["builder": ["id": "https://example.com/builder"]]],
                key: signer)
            #expect(try await live.client().request("POST", "/api/v1/attestations", token: admin, json: provenance).status == 201)
            #expect(try await live.client().request(
                "POST", "/api/v1/scans?digest=sha256:\(hex)", token: admin, json: try trivyReport([], createdAt: Date())).status == 201)
            let reader = try await live.token([.clearanceRead], name: "deployer")
            let directory = try TemporaryDirectory("check")
            defer { directory.remove() }
            let server = "http://127.0.0.1:\(live.port)"
            let cleared = try await CLI.run(
                ["check", "registry.example.com/team/app@sha256:\(hex)", "--env", "staging", "--server", server, "--receipt", directory.file("r.jws")],
                environment: ["SHIPGATE_TOKEN": reader])
            #expect(cleared.status == 0, "\(cleared.stdout)\(cleared.stderr)")
            #expect(cleared.stdout.contains("CLEARED"))
            #expect((try? String(contentsOfFile: directory.file("r.jws"), encoding: .utf8))?.split(separator: ".").count == 3)
            let production = try await CLI.run(["check", "sha256:\(hex)", "--env", "production", "--server", server, "--token", reader])
            #expect(production.status == 1, "\(production.stdout)\(production.stderr)")
            #expect(production.stdout.contains("NOT CLEARED"))
            let unknown = try await CLI.run(["check", "sha256:\(String(repeating: "0", count: 64))", "--env", "staging", "--server", server, "--token", reader])
            #expect(unknown.status == 1)
            let badToken = try await CLI.run(["check", "sha256:\(hex)", "--env", "staging", "--server", server, "--token", "sgt_nope"])
            #expect(badToken.status == 2)
        }
    }
}
