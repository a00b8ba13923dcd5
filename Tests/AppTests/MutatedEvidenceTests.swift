import Foundation
import Testing
import TestSupport

// Issue 7, "Hostile input → Evidence": real fixtures, mutated the ways broken or hostile producers break them,
// posted to the live server's ingest endpoints. Every answer must be a 2xx or a clear 4xx JSON error: never a 5xx,
// never a dropped connection, and the server must stay healthy. Mutations are seeded, so every run posts the same
// bodies; SHIPGATE_MUTATION_ROUNDS raises the number of variants per fixture and kind for longer runs.

@Suite struct MutatedEvidenceTests {
    static let rounds = ProcessInfo.processInfo.environment["SHIPGATE_MUTATION_ROUNDS"].flatMap { Int($0) } ?? 8

    /// One real document and where it is posted.
    struct Target: Sendable {
        let fixture: String
        let path: String
        /// The largest body the test builds for this endpoint (its body limit, with room for the rest of the document).
        let longStringBytes: Int
    }

    static let digest = "sha256:" + String(repeating: "ab", count: 32)
    static let targets = [
        Target(fixture: "trivy-alpine-39.json.golden", path: "/api/v1/scans?digest=\(digest)", longStringBytes: 4 << 20),
        // The Grype report names its own digest (a different one would be a 422 mismatch).
        Target(fixture: "analysis-model-grype-alpine-3.18.3.json", path: "/api/v1/scans", longStringBytes: 4 << 20),
        Target(fixture: "defectdojo-dockle_0_3_15.sarif", path: "/api/v1/scans?digest=\(digest)", longStringBytes: 4 << 20),
        Target(fixture: "bom-examples-laravel-7.12.0.bom.1.4.json", path: "/api/v1/sboms?digest=\(digest)", longStringBytes: 4 << 20),
        Target(fixture: "SPDXJSONExample-v2.3.spdx.json", path: "/api/v1/sboms?digest=\(digest)", longStringBytes: 4 << 20),
        Target(fixture: "dockle-root_default.json", path: "/api/v1/images/\(digest)/config", longStringBytes: 900 << 10),
        Target(fixture: "attestation-verifier-build.fe1c6281.json", path: "/api/v1/attestations", longStringBytes: 4 << 20),
        Target(fixture: "grype-alpine.syft.att.json", path: "/api/v1/attestations", longStringBytes: 4 << 20),
    ]

    @Test func mutatedFixturesGetA2xxOrAClearJSON4xxAndTheServerStaysHealthy() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let ci = try await live.token([.evidenceWrite], name: "ci")
            // Trusted keys, so the unmutated envelopes verify and mutations reach the statement readers too.
            _ = try await live.trustKey(try Fixture.text("attestation-verifier-key.derived.pem"), name: "verifier", admin: admin)
            _ = try await live.trustKey(try Fixture.text("grype-cosign.pub"), name: "cosign", admin: admin)

            var cases: [MutatedBody] = []
            for (index, target) in Self.targets.enumerated() {
                let original = try Fixture.bytes(target.fixture)
                cases.append(MutatedBody(target: target, original: original, mutation: nil, seed: 0))
                for kind in Mutation.allCases {
                    for round in 0..<Self.rounds {
                        let seed = UInt64(index) << 32 | UInt64(round) << 8 | UInt64(kind.rawValue)
                        cases.append(MutatedBody(target: target, original: original, mutation: kind, seed: seed))
                    }
                }
            }

            let port = live.port
            let posted = cases
            let started = ContinuousClock.now
            let (statuses, failures) = try await TestThread.run { Self.post(posted, port: port, token: ci) }
            let elapsed = ContinuousClock.now - started
            let histogram = Dictionary(grouping: statuses.values, by: { $0 }).mapValues(\.count).sorted { $0.key < $1.key }
            print("MutatedEvidenceTests: \(cases.count) bodies in \(elapsed); statuses \(histogram.map { "\($0.key)×\($0.value)" })")
            #expect(failures.isEmpty, "\(failures.count) bad answers:\n\(failures.prefix(20).joined(separator: "\n"))")
            // The unmutated documents are accepted, so the mutations really reach the parsers behind authentication.
            for target in Self.targets {
                #expect((200..<300).contains(statuses["\(target.fixture) unmutated"] ?? 0), "\(target.fixture) unmutated")
            }

            let client = try live.client()
            #expect(try await client.request("GET", "/healthz").status == 200)
            #expect(try await client.request("GET", "/readyz").status == 200)
            // Still ingesting: a fresh, unmutated scan of another digest is stored.
            let fresh = "sha256:" + String(repeating: "cd", count: 32)
            let scan = try await client.request(
                "POST", "/api/v1/scans?digest=\(fresh)", token: ci, json: try Fixture.text("trivy-alpine-39.json.golden"))
            #expect(scan.status == 201, "\(scan.text)")
        }
    }

    /// Posts every case on a fresh connection; returns each case's status and one line per answer that is not a
    /// 2xx or a JSON 4xx.
    static func post(_ cases: [MutatedBody], port: Int, token: String) -> (statuses: [String: Int], failures: [String]) {
        var statuses: [String: Int] = [:]
        var failures: [String] = []
        for mutated in cases {
            // Built one at a time: a few hundred multi-MiB bodies need not all sit in memory at once.
            let (name, path, body) = (mutated.name, mutated.target.path, mutated.body)
            do {
                let client = try TestClient(port: port, timeout: .seconds(30))
                defer { client.close() }
                let head = "POST \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                try client.send(Array(head.utf8) + body)
                let response = try client.readResponse()
                statuses[name] = response.status
                if let problem = problem(with: response) { failures.append("\(name): \(problem)") }
            } catch {
                failures.append("\(name): no answer (\(error))")
            }
        }
        return (statuses, failures)
    }

    /// Why `response` is not an acceptable answer to hostile evidence, or nil when it is.
    static func problem(with response: TestResponse) -> String? {
        switch response.status {
        case 200..<300:
            return nil
        case 400..<500:
            guard response.header("Content-Type")?.hasPrefix("application/json") == true,
                let error = (try? response.json())?["error"] as? [String: Any],
                let code = error["code"] as? String, !code.isEmpty,
                let message = error["message"] as? String, !message.isEmpty
            else { return "\(response.status) without a JSON error: \(response.text.prefix(200))" }
            return nil
        default:
            return "status \(response.status): \(response.text.prefix(200))"
        }
    }
}

/// One body to post: a fixture, unmutated or broken one way with a given seed.
struct MutatedBody: Sendable {
    let target: MutatedEvidenceTests.Target
    let original: [UInt8]
    let mutation: Mutation?
    let seed: UInt64

    var name: String { "\(target.fixture) " + (mutation.map { "\($0) seed \(seed)" } ?? "unmutated") }

    var body: [UInt8] {
        guard let mutation else { return original }
        var random = SeededRandom(seed: seed)
        return mutation.apply(to: original, longStringBytes: target.longStringBytes, using: &random)
    }
}

/// The ways a document is broken, each deterministic for a given generator state.
enum Mutation: Int, CaseIterable, Sendable, CustomStringConvertible {
    case bitFlips, truncation, insertedBrackets, hugeNumber, invalidUTF8, nulBytes, deepNesting, longString

    var description: String {
        switch self {
        case .bitFlips: "bit flips"
        case .truncation: "truncation"
        case .insertedBrackets: "inserted brackets"
        case .hugeNumber: "huge number"
        case .invalidUTF8: "invalid UTF-8"
        case .nulBytes: "NUL bytes"
        case .deepNesting: "deep nesting"
        case .longString: "long string"
        }
    }

    func apply(to original: [UInt8], longStringBytes: Int, using random: inout SeededRandom) -> [UInt8] {
        var bytes = original
        func position() -> Int { Int.random(in: 0...bytes.count, using: &random) }
        switch self {
        case .bitFlips:
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            }
        case .truncation:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
        case .insertedBrackets:
            let brackets = Array("[]{}".utf8)
            for _ in 0..<Int.random(in: 1...16, using: &random) {
                bytes.insert(brackets.randomElement(using: &random)!, at: position())
            }
        case .hugeNumber:
            // Replace a number (or, failing that, any value after a colon) with one no integer or double holds.
            let huge = [
                "1" + String(repeating: "9", count: 400), "-1e999999999", "18446744073709551616", "-9223372036854775809",
                "1e-400", "0." + String(repeating: "0", count: 5000) + "1",
            ].randomElement(using: &random)!
            let digits = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 && $0 > 0 && !Self.isDigit(bytes[$0 - 1]) }
            if let start = digits.randomElement(using: &random) {
                var end = start
                while end < bytes.count, Self.isDigit(bytes[end]) || bytes[end] == UInt8(ascii: ".") { end += 1 }
                bytes.replaceSubrange(start..<end, with: Array(huge.utf8))
            } else {
                bytes.insert(contentsOf: Array(huge.utf8), at: position())
            }
        case .invalidUTF8:
            let sequences: [[UInt8]] = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xC0, 0xAF]]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes.insert(contentsOf: sequences.randomElement(using: &random)!, at: Self.insideAString(bytes, using: &random))
            }
        case .nulBytes:
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let nul: [UInt8] = Bool.random(using: &random) ? [0] : Array(#"\u0000"#.utf8)
                bytes.insert(contentsOf: nul, at: Self.insideAString(bytes, using: &random))
            }
        case .deepNesting:
            // Around the guard's 64 levels, and far beyond anything a recursive decoder survives.
            let depth = [63, 64, 65, 1_000, 100_000].randomElement(using: &random)!
            let open = Array(repeating: Bool.random(using: &random) ? UInt8(ascii: "[") : UInt8(ascii: "{"), count: depth)
            if Bool.random(using: &random) {
                bytes = Array("[".utf8) + Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth + 1)
            } else {
                let at = Self.afterAColon(bytes, using: &random)
                bytes.insert(contentsOf: open, at: at)
            }
        case .longString:
            // One enormous string value, as long as the endpoint's body limit allows.
            let at = Self.insideAString(bytes, using: &random)
            let filler = [UInt8(ascii: "A"), UInt8(ascii: "\\")].randomElement(using: &random)!
            // An even run of backslashes is a valid string of escapes; letters are the plain case.
            bytes.insert(contentsOf: [UInt8](repeating: filler, count: longStringBytes & ~1), at: at)
        }
        return bytes
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// An index just after an opening quote (so the insertion lands inside a string), or anywhere when there is none.
    private static func insideAString(_ bytes: [UInt8], using random: inout SeededRandom) -> Int {
        let quotes = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\"") }
        guard let quote = quotes.randomElement(using: &random) else { return Int.random(in: 0...bytes.count, using: &random) }
        return quote + 1
    }

    /// An index just after a colon (a value position in an object), or anywhere when there is none.
    private static func afterAColon(_ bytes: [UInt8], using random: inout SeededRandom) -> Int {
        let colons = bytes.indices.filter { bytes[$0] == UInt8(ascii: ":") }
        guard let colon = colons.randomElement(using: &random) else { return Int.random(in: 0...bytes.count, using: &random) }
        return colon + 1
    }
}

/// SplitMix64: deterministic, so a failing case can be re-run exactly.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
