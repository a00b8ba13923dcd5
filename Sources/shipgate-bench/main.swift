import App
import Crypto
import Domain
import Foundation
import Store
import TestSupport

// Ingest benchmark: signed attestations per second over HTTP keep-alive, and the time to ingest a large
// Trivy report, against a real server in this process on loopback. Build with `-c release`.
// Then clearance answers from a database seeded with many digests, at 1 and 64 keep-alive connections,
// next to /healthz on the same server.
// Usage: shipgate-bench [attestations-per-algorithm] [connections] [findings] [seeded-digests]

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let attestationCount = arguments.count > 0 ? arguments[0] : 4000
let connections = arguments.count > 1 ? arguments[1] : 16
let findingCount = arguments.count > 2 ? arguments[2] : 5000
let seededDigests = arguments.count > 3 ? arguments[3] : 100_000

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func envelope(for index: Int, algorithmTag: String, key: PrivateKey) throws -> String {
    try signedEnvelope(
        digest: SHA256.hexDigest(Array("\(algorithmTag)-\(index)".utf8)), predicateType: "https://slsa.dev/provenance/v1",
        predicate: [
            "buildDefinition": ["buildType": "https://example.com/build/v1", "externalParameters": ["repository": "https://example.com/repo"]],
            "runDetails": ["builder": ["id": "https://example.com/builder"], "metadata": ["invocationId": "run-\(index)"]],
        ], key: key, name: "registry.example.com/bench/app")
}

func largeTrivyReport(findings: Int) throws -> String {
    var vulnerabilities: [[String: Any]] = []
    let severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]
    for index in 0..<findings {
        vulnerabilities.append([
            "VulnerabilityID": "CVE-2024-\(10000 + index)", "PkgName": "package-\(index % 400)", "InstalledVersion": "1.\(index % 17).0",
            "FixedVersion": index % 3 == 0 ? "" : "1.\(index % 17).1", "Severity": severities[index % 5], "Status": "fixed",
            "Title": "A vulnerability in package-\(index % 400) that lets an attacker do something unpleasant",
            "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2024-\(10000 + index)",
            "Description": String(repeating: "Lorem ipsum dolor sit amet. ", count: 20),
        ])
    }
    let report: [String: Any] = [
        "SchemaVersion": 2, "CreatedAt": "2026-11-29T07:00:00Z", "ArtifactName": "registry.example.com/bench/app", "ArtifactType": "container_image",
        "Metadata": ["OS": ["Family": "debian", "Name": "12"]],
        "Results": [["Target": "registry.example.com/bench/app (debian 12)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": vulnerabilities]],
    ]
    return String(decoding: try JSONSerialization.data(withJSONObject: report), as: UTF8.self)
}

func run() async throws {
    let live = try await LiveServer.start()
    let admin = try await live.token([.admin])
    print("Shipgate ingest benchmark — \(ProcessInfo.processInfo.activeProcessorCount) cores, \(connections) keep-alive connections")
    print("")
    print("scenario                              | count | per second | p50 ms | p99 ms | errors")
    print("--------------------------------------|-------|------------|--------|--------|-------")
    for (tag, algorithm) in [("ecdsa-p256", PublicKeyAlgorithm.ecdsaP256), ("ed25519", .ed25519)] {
        let key = try PrivateKey.generate(algorithm)
        try await registerKey(key, name: "bench-\(tag)", port: live.port, admin: admin)
        let envelopes = try (0..<attestationCount).map { try envelope(for: $0, algorithmTag: tag, key: key) }
        let port = live.port
        let start = ContinuousClock.now
        let perConnection = try await TestThread.runParallel(connections) { worker -> (latencies: [Double], errors: Int) in
            let client = try TestClient(port: port, timeout: .seconds(30))
            var latencies: [Double] = []
            var errors = 0
            for index in stride(from: worker, to: envelopes.count, by: connections) {
                let body = Array(envelopes[index].utf8)
                let head = "POST /api/v1/attestations HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer \(admin)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                let sent = ContinuousClock.now
                try client.send(Array(head.utf8) + body)
                let response = try client.readResponse()
                let elapsed = ContinuousClock.now - sent
                latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                if response.status != 201 { errors += 1 }
            }
            return (latencies, errors)
        }
        let wall = ContinuousClock.now - start
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        let latencies = perConnection.flatMap(\.latencies)
        let errors = perConnection.reduce(0) { $0 + $1.errors }
        print(
            "attestation ingest, \(tag.padding(toLength: 10, withPad: " ", startingAt: 0))        | \(String(attestationCount).padding(toLength: 5, withPad: " ", startingAt: 0)) | "
                + String(format: "%10.0f | %6.2f | %6.2f | %d", Double(attestationCount) / seconds, median(latencies), percentile(latencies, 0.99), errors))
    }
    let report = try largeTrivyReport(findings: findingCount)
    var timings: [Double] = []
    var errors = 0
    for run in 0..<7 {
        let digest = "sha256:" + SHA256.hexDigest(Array("trivy-\(run)".utf8))
        let client = try live.client()
        let start = ContinuousClock.now
        let response = try await client.request("POST", "/api/v1/scans?digest=\(digest)", token: admin, json: report)
        let elapsed = ContinuousClock.now - start
        if response.status != 201 { errors += 1 }
        timings.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }
    print(
        "Trivy report, \(findingCount) findings (\(report.utf8.count / 1024) KiB) | 7     | "
            + String(format: "%10.1f | %6.1f | %6.1f | %d", 1000 / median(timings), median(timings), timings.max() ?? 0, errors))
    try await clearanceBenchmark(live, admin: admin)
    await live.stop()
}

/// Seeds `seededDigests` images with signed provenance, a clean scan and a config straight through the store
/// (ingesting them over HTTP would take minutes), then asks for random ones.
func clearanceBenchmark(_ live: LiveServer, admin: String) async throws {
    let key = try PrivateKey.generate(.ecdsaP256)
    try await registerKey(key, name: "seed", port: live.port, admin: admin)
    let seedStart = ContinuousClock.now
    try await Seeder(database: live.server.database, keyID: key.publicKey.id, findings: 20).seed(count: seededDigests)
    let seedTime = ContinuousClock.now - seedStart
    print("")
    print("seeded \(seededDigests) digests in \(seedTime.components.seconds) s; clearance asks env=staging for random seeded digests")
    print("")
    print("scenario                              | connections | requests | req/s    | p50 ms | p99 ms | errors")
    print("--------------------------------------|-------------|----------|----------|--------|--------|-------")
    for clients in [1, 64] {
        for (label, clearance) in [("/healthz", false), ("clearance (200, signed receipt)", true)] {
            let perClient = clients == 1 ? 4000 : 400
            let port = live.port
            let start = ContinuousClock.now
            let results = try await TestThread.runParallel(clients) { worker -> (latencies: [Double], errors: Int) in
                let client = try TestClient(port: port, timeout: .seconds(30))
                var generator = SystemRandomNumberGenerator()
                var latencies: [Double] = []
                var errors = 0
                for _ in 0..<perClient {
                    let index = Int.random(in: 0..<seededDigests, using: &generator)
                    let path = clearance ? "/api/v1/clearance/\(Seeder.digest(index))?env=staging" : "/healthz"
                    let request = "GET \(path) HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer \(admin)\r\n\r\n"
                    let sent = ContinuousClock.now
                    try client.send(Array(request.utf8))
                    let response = try client.readResponse()
                    let elapsed = ContinuousClock.now - sent
                    latencies.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
                    if response.status != 200 { errors += 1 }
                }
                return (latencies, errors)
            }
            let wall = ContinuousClock.now - start
            let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
            let latencies = results.flatMap { $0.latencies }
            print(
                label.padding(toLength: 38, withPad: " ", startingAt: 0) + "| "
                    + String(format: "%11d | %8d | %8.0f | %6.2f | %6.2f | %d", clients, latencies.count, Double(latencies.count) / seconds,
                        median(latencies), percentile(latencies, 0.99), results.reduce(0) { $0 + $1.errors }))
        }
    }
}

/// Registers `key` as a trusted key through the API.
func registerKey(_ key: PrivateKey, name: String, port: Int, admin: String) async throws {
    let body = String(decoding: try JSONSerialization.data(withJSONObject: ["name": name, "publicKey": key.publicKey.pemEncoded]), as: UTF8.self)
    let registered = try await TestClient(port: port, timeout: .seconds(10)).request("POST", "/api/v1/keys", token: admin, json: body)
    guard registered.status == 201 else { throw TestClientError(description: "key registration: \(registered.text)") }
}

/// `seed DB DIGESTS [FINDINGS] [ENVELOPES]`: seeds a database file for the benchmark suite, prints a token
/// (clearance and evidence scopes), and writes ENVELOPES distinct attestations signed by the seeded trusted
/// key to `DB.envelopes`, one JSON document per line, for the ingest scenario.
func seedCommand(_ arguments: [String]) async throws {
    guard arguments.count >= 2, let count = Int(arguments[1]) else {
        FileHandle.standardError.write(Data("usage: shipgate-bench seed DB DIGESTS [FINDINGS] [ENVELOPES]\n".utf8))
        exit(64)
    }
    var options = ServerOptions()
    options.databasePath = arguments[0]
    options.listen = try ListenAddress(parsing: "127.0.0.1:0")
    options.adminPassword = "bench-admin-password"
    options.logOutput = { _ in }
    let server = try await ShipgateServer.start(options)
    let admin = try await server.accounts.issueToken(name: "bench-admin", scopes: [.admin], user: nil, expiresAt: nil, actor: "bench").1
    let key = try PrivateKey.generate(.ecdsaP256)
    try await registerKey(key, name: "bench-seed", port: server.port, admin: admin)
    try await Seeder(database: server.database, keyID: key.publicKey.id, findings: arguments.count > 2 ? Int(arguments[2]) ?? 200 : 200)
        .seed(count: count)
    let envelopeCount = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 0
    let lines = try (0..<envelopeCount).map { try envelope(for: $0, algorithmTag: "suite", key: key) + "\n" }
    try Data(lines.joined().utf8).write(to: URL(fileURLWithPath: arguments[0] + ".envelopes"))
    print(try await server.accounts.issueToken(name: "bench", scopes: [.clearanceRead, .evidenceWrite], user: nil, expiresAt: nil, actor: "bench").1)
    await server.shutdown()
}

if CommandLine.arguments.dropFirst().first == "seed" {
    try await seedCommand(Array(CommandLine.arguments.dropFirst(2)))
} else {
    try await run()
}
