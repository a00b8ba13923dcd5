import Crypto
import Domain
import Foundation
import Testing
import TestSupport

/// Independent counts: walks the raw Trivy JSON and applies the dedup rule (id + package + installed version).
func trivyCounts(_ bytes: [UInt8]) throws -> [String: Int] {
    let root = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    var seen = Set<String>()
    var counts = ["CRITICAL": 0, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0]
    for result in root["Results"] as? [[String: Any]] ?? [] {
        for vulnerability in result["Vulnerabilities"] as? [[String: Any]] ?? [] {
            let key = "\(vulnerability["VulnerabilityID"] ?? "")|\(vulnerability["PkgName"] ?? "")|\(vulnerability["InstalledVersion"] ?? "")"
            guard seen.insert(key).inserted else { continue }
            let severity = (vulnerability["Severity"] as? String ?? "UNKNOWN").uppercased()
            counts[counts[severity] == nil ? "UNKNOWN" : severity, default: 0] += 1
        }
    }
    return counts
}

@Suite struct ScanAPITests {
    static let digest = "sha256:" + String(repeating: "12", count: 32)

    @Test func trivyReportNeedsADigestAndKeepsImageIDAsAlias() async throws {
        try await withLiveServer { live in
            let ci = try await live.token([.evidenceWrite, .clearanceRead], name: "ci")
            let client = try live.client()
            let report = try Fixture.text("trivy-alpine-39.json.golden")
            let noDigest = try await client.request("POST", "/api/v1/scans", token: ci, json: report)
            #expect(noDigest.status == 422)
            #expect(((try noDigest.json()["error"] as? [String: Any])?["code"] as? String) == "no_digest")

            let created = try await client.request("POST", "/api/v1/scans?digest=\(Self.digest)", token: ci, json: report)
            #expect(created.status == 201, "\(created.text)")
            let body = try created.json()
            #expect(body["digest"] as? String == Self.digest)
            #expect(body["scanner"] as? String == "trivy")
            #expect(body["counts"] as? [String: Int] == (try trivyCounts(Array(report.utf8))))

            let repeated = try await client.request("POST", "/api/v1/scans?digest=\(Self.digest)&format=trivy", token: ci, json: report)
            #expect(repeated.status == 200)
            #expect(try repeated.json()["id"] as? String == body["id"] as? String)

            let image = try await client.request("GET", "/api/v1/images/\(Self.digest)", token: ci).json()
            #expect(image["aliases"] as? [String] == ["sha256:055936d3920576da37aa9bc460d70c5f212028bda1c08c0879aedf03d7a66ea1"])
            #expect((image["scans"] as? [Any])?.count == 1)
        }
    }

    @Test func grypeReportNamesItsOwnDigestAndMismatchesAreRefused() async throws {
        try await withLiveServer { live in
            let ci = try await live.token([.evidenceWrite, .clearanceRead])
            let client = try live.client()
            let report = try Fixture.text("analysis-model-grype-alpine-3.18.3.json")
            let mismatch = try await client.request("POST", "/api/v1/scans?digest=\(Self.digest)", token: ci, json: report)
            #expect(mismatch.status == 422)
            #expect(((try mismatch.json()["error"] as? [String: Any])?["code"] as? String) == "digest_mismatch")
            let created = try await client.request("POST", "/api/v1/scans", token: ci, json: report)
            #expect(created.status == 201, "\(created.text)")
            #expect(try created.json()["digest"] as? String == "sha256:928df2c283e29649ede73a58d79612c0d75bda7ec0f9d8f1706d7e24149a07f4")
            #expect(try created.json()["scanner"] as? String == "grype")
        }
    }

    @Test func secretFindingsAreCountedButTheirTextIsNeverKept() async throws {
        try await withLiveServer { live in
            let ci = try await live.token([.evidenceWrite, .clearanceRead, .admin])
            let client = try live.client()
            let report = try Fixture.bytes("trivy-secrets.json.golden")
            let created = try await client.request("POST", "/api/v1/scans?digest=\(Self.digest)", token: ci, json: String(decoding: report, as: UTF8.self))
            #expect(created.status == 201, "\(created.text)")
            #expect(try created.json()["secrets"] as? Int == 2)
            let blob = SHA256.hexDigest(report)
            #expect(try await client.request("GET", "/api/v1/evidence/\(blob)", token: ci).status == 410)
            let image = try await client.request("GET", "/api/v1/images/\(Self.digest)", token: ci)
            await live.server.shutdown()
            for secret in ["AKIAIOSFODNN7EXAMPLE", "ghp_0123456789", "export GITHUB_PAT"] where String(decoding: report, as: UTF8.self).contains(secret) {
                #expect(!image.text.contains(secret))
                for file in [live.databasePath, live.databasePath + "-wal"] {
                    let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) found in \(file)")
                }
            }
        }
    }

    @Test func rejectsBadInputWithTheRightStatusAndStoresNothing() async throws {
        try await withLiveServer { live in
            let ci = try await live.token([.evidenceWrite, .clearanceRead])
            let client = try live.client()
            let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
            let cases: [(String, String, Int)] = [
                ("/api/v1/scans?digest=\(Self.digest)", "{not json", 400),
                ("/api/v1/scans?digest=\(Self.digest)", deep, 400),
                ("/api/v1/scans?digest=\(Self.digest)", #"{"hello":"world"}"#, 415),
                ("/api/v1/scans?digest=\(Self.digest)&format=grype", try Fixture.text("trivy-alpine-39.json.golden"), 422),
                ("/api/v1/scans?digest=\(Self.digest)&format=nessus", "{}", 400),
                ("/api/v1/scans?digest=alpine:3.9", "{}", 400),
                ("/api/v1/scans?digest=sha256:1234", "{}", 400),
                ("/api/v1/sboms?digest=\(Self.digest)", #"{"hello":"sbom"}"#, 415),
                ("/api/v1/sboms?digest=\(Self.digest)", #"{"bomFormat":"CycloneDX"}"#, 422),
                ("/api/v1/sboms?digest=\(Self.digest)", deep, 400),
                ("/api/v1/images/\(Self.digest)/config", "[1,2", 400),
                ("/api/v1/images/alpine:latest/config", "{}", 400),
            ]
            for (path, body, status) in cases {
                let response = try await client.request("POST", path, token: ci, json: body)
                #expect(response.status == status, "\(path) \(body.prefix(40)) -> \(response.status) \(response.text)")
                #expect((try? response.json()["error"]) != nil)
            }
            #expect((try await client.request("GET", "/api/v1/images", token: ci).json()["images"] as? [Any])?.isEmpty == true)
            #expect(try await live.auditActions().contains("scan.refuse"))
        }
    }

    @Test func scanBodiesOverTheLimitAre413() async throws {
        try await withLiveServer { live in
            let ci = try await live.token([.evidenceWrite])
            let client = try live.client()
            try client.send("POST /api/v1/scans HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(ci)\r\nContent-Type: application/json\r\nContent-Length: \(64 * 1024 * 1024 + 1)\r\n\r\n")
            let response = try await TestThread.run { try client.readResponse() }
            #expect(response.status == 413)
        }
    }
}

@Suite struct SBOMAndConfigAPITests {
    static let digest = "sha256:" + String(repeating: "34", count: 32)

    @Test func cycloneDXAndSPDXAreCounted() async throws {
        try await withLiveServer { live in
            let ci = try await live.token([.evidenceWrite, .clearanceRead])
            let client = try live.client()
            let cdx = try Fixture.bytes("bom-examples-laravel-7.12.0.bom.1.4.json")
            let root = try #require(try JSONSerialization.jsonObject(with: Data(cdx)) as? [String: Any])
            func count(_ components: [[String: Any]]) -> Int {
                components.reduce(0) { $0 + 1 + count($1["components"] as? [[String: Any]] ?? []) }
            }
            let response = try await client.request("POST", "/api/v1/sboms?digest=\(Self.digest)", token: ci, json: String(decoding: cdx, as: UTF8.self))
            #expect(response.status == 201, "\(response.text)")
            #expect(try response.json()["format"] as? String == "cyclonedx")
            #expect(try response.json()["components"] as? Int == count(root["components"] as? [[String: Any]] ?? []))

            let spdx = try Fixture.bytes("SPDXJSONExample-v2.3.spdx.json")
            let spdxRoot = try #require(try JSONSerialization.jsonObject(with: Data(spdx)) as? [String: Any])
            let spdxResponse = try await client.request("POST", "/api/v1/sboms?digest=\(Self.digest)", token: ci, json: String(decoding: spdx, as: UTF8.self))
            #expect(spdxResponse.status == 201, "\(spdxResponse.text)")
            #expect(try spdxResponse.json()["components"] as? Int == (spdxRoot["packages"] as? [Any])?.count)
            let image = try await client.request("GET", "/api/v1/images/\(Self.digest)", token: ci).json()
            #expect((image["sboms"] as? [Any])?.count == 2)
        }
    }

    @Test func configFactsFlagSecretEnvByNameAndNeverKeepValues() async throws {
        try await withLiveServer { live in
            let ci = try await live.token([.evidenceWrite, .clearanceRead])
            let client = try live.client()
            let secretValue = "AKIAZZZZZZZZZZZZZZZZ"
            let tokenValue = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
            let config = try jsonBody([
                "architecture": "amd64", "os": "linux",
                "config": [
                    "User": "app", "ExposedPorts": ["8080/tcp": [String: Any](), "9090/tcp": [String: Any]()],
                    "Env": ["PATH=/usr/bin", "DB_PASSWORD=hunter2-very-secret", "HARMLESS=\(secretValue)", "GITHUB=\(tokenValue)"],
                    "Entrypoint": ["/app"],
                ],
            ])
            let response = try await client.request("POST", "/api/v1/images/\(Self.digest)/config", token: ci, json: config)
            #expect(response.status == 201, "\(response.text)")
            let facts = try response.json()
            #expect(facts["user"] as? String == "app")
            #expect(facts["runsAsRoot"] as? Bool == false)
            #expect(facts["nonNumericUser"] as? Bool == true)
            #expect(facts["exposedPorts"] as? [String] == ["8080/tcp", "9090/tcp"])
            #expect(Set(facts["secretEnv"] as? [String] ?? []) == ["DB_PASSWORD", "HARMLESS", "GITHUB"])
            let image = try await client.request("GET", "/api/v1/images/\(Self.digest)", token: ci)
            await live.server.shutdown()
            for value in ["hunter2-very-secret", secretValue, tokenValue, "/usr/bin"] {
                #expect(!response.text.contains(value) && !image.text.contains(value))
                for file in [live.databasePath, live.databasePath + "-wal"] {
                    let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
                    #expect(bytes.range(of: Data(value.utf8)) == nil, "\(value) found in \(file)")
                }
            }
        }
    }

    @Test func rootConfigFixtureRunsAsRoot() async throws {
        try await withLiveServer { live in
            let ci = try await live.token([.evidenceWrite])
            let response = try await live.client().request(
                "POST", "/api/v1/images/\(Self.digest)/config", token: ci, json: try Fixture.text("dockle-root_default.json"))
            #expect(response.status == 201, "\(response.text)")
            #expect(try response.json()["runsAsRoot"] as? Bool == true)
        }
    }
}
