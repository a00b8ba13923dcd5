import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Issue 7, "memory stays bounded": a `shipgate serve` child receives scan bodies made of one enormous JSON string —
/// as large as the scan endpoint takes (64 MiB), and larger (a 100 MB-class string, declared or chunked) — while its
/// peak RSS (VmHWM) is read from /proc. Every answer must be a clean result or a 4xx, and the peak stays under 300 MiB.
@Suite(.serialized) struct MemoryBoundTests {
    static let limit = 64 * 1024 * 1024
    static let peakBound = 300 * 1024 * 1024
    static let digest = "sha256:" + String(repeating: "ef", count: 32)

    /// A Trivy report whose artifact name fills the body: it parses, so the whole ingest path (parse, hash, store) runs.
    @Test func aScanFillingTheBodyLimitWithOneStringStaysUnder300MiB() async throws {
        try await withServer { server, token in
            let prefix = Array(#"{"SchemaVersion":2,"Results":[],"ArtifactName":""#.utf8)
            let suffix = Array(#""}"#.utf8)
            let answer = try await Self.post(prefix: prefix, filler: UInt8(ascii: "A"), suffix: suffix, total: Self.limit, port: server.port, token: token)
            let peak = try Self.peakRSS(server.serverPID)
            print("MemoryBoundTests: 64 MiB Trivy report with one string → \(answer.status), peak RSS \(peak >> 20) MiB")
            #expect(answer.status == 201 || (400..<500).contains(answer.status), "\(answer.text.prefix(300))")
            #expect(peak < Self.peakBound, "peak RSS \(peak >> 20) MiB")
        }
    }

    /// A Trivy finding whose title fills the body: the title is kept (cut to a bound), so parse, store and answer all
    /// see it. Before titles were bounded this peaked at ~295 MiB.
    @Test func aFindingTitleFillingTheBodyLimitStaysUnder300MiB() async throws {
        try await withServer { server, token in
            let prefix = Array(
                (#"{"SchemaVersion":2,"Results":[{"Target":"t","Vulnerabilities":[{"VulnerabilityID":"CVE-2024-0001","PkgName":"p","#
                    + #""InstalledVersion":"1","Severity":"HIGH","Title":""#).utf8)
            let suffix = Array(#""}]}]}"#.utf8)
            let answer = try await Self.post(prefix: prefix, filler: UInt8(ascii: "T"), suffix: suffix, total: Self.limit, port: server.port, token: token)
            let peak = try Self.peakRSS(server.serverPID)
            print("MemoryBoundTests: 64 MiB finding title → \(answer.status), peak RSS \(peak >> 20) MiB")
            #expect(answer.status == 201, "\(answer.text.prefix(300))")
            #expect(peak < Self.peakBound, "peak RSS \(peak >> 20) MiB")
        }
    }

    /// A CycloneDX SBOM whose one component name fills the body. Before kept text was bounded this peaked at ~360 MiB
    /// (the name decoded, kept in the summary, encoded and bound into SQLite next to the raw document).
    @Test func anSBOMComponentNameFillingTheBodyLimitStaysUnder300MiB() async throws {
        try await withServer { server, token in
            let prefix = Array(#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"type":"library","name":""#.utf8)
            let suffix = Array(#""}]}"#.utf8)
            let answer = try await Self.post(
                prefix: prefix, filler: UInt8(ascii: "N"), suffix: suffix, total: Self.limit, port: server.port, token: token, path: "/api/v1/sboms")
            let peak = try Self.peakRSS(server.serverPID)
            print("MemoryBoundTests: 64 MiB SBOM component name → \(answer.status), peak RSS \(peak >> 20) MiB")
            #expect(answer.status == 201, "\(answer.text.prefix(300))")
            #expect(peak < Self.peakBound, "peak RSS \(peak >> 20) MiB")
        }
    }

    /// A bare 64 MiB JSON string is no scan format: a 4xx, after reading it once.
    @Test func aBareStringFillingTheBodyLimitIsRefusedUnder300MiB() async throws {
        try await withServer { server, token in
            let answer = try await Self.post(
                prefix: [UInt8(ascii: "\"")], filler: UInt8(ascii: "x"), suffix: [UInt8(ascii: "\"")], total: Self.limit, port: server.port, token: token)
            let peak = try Self.peakRSS(server.serverPID)
            print("MemoryBoundTests: 64 MiB bare JSON string → \(answer.status), peak RSS \(peak >> 20) MiB")
            #expect((400..<500).contains(answer.status), "\(answer.text.prefix(300))")
            #expect(peak < Self.peakBound, "peak RSS \(peak >> 20) MiB")
        }
    }

    /// A declared length just over the limit (and a 100 MB one) is refused from the head, before any body byte is sent.
    @Test func aDeclaredLengthOverTheLimitIsRefusedBeforeTheBody() async throws {
        try await withServer { server, token in
            for length in [Self.limit + 1, 100_000_000] {
                let port = server.port
                let response = try await TestThread.run {
                    let client = try TestClient(port: port, timeout: .seconds(10))
                    defer { client.close() }
                    try client.send(Self.head(token: token, framing: "Content-Length: \(length)"))
                    return try client.readResponse()
                }
                #expect(response.status == 413, "\(length): \(response.text.prefix(200))")
            }
            let peak = try Self.peakRSS(server.serverPID)
            print("MemoryBoundTests: declared \(Self.limit + 1) and 100,000,000 bytes → 413 before the body, peak RSS \(peak >> 20) MiB")
            #expect(peak < 100 * 1024 * 1024, "peak RSS \(peak >> 20) MiB without a body")
        }
    }

    /// A chunked 100 MB string: refused once the running total passes the limit, never buffered whole.
    @Test func aChunked100MBStringIsCutOffAtTheLimitUnder300MiB() async throws {
        try await withServer { server, token in
            let port = server.port
            let (sent, response) = try await TestThread.run { () -> (Int, TestResponse?) in
                let client = try TestClient(port: port, timeout: .seconds(30))
                defer { client.close() }
                try client.send(Self.head(token: token, framing: "Transfer-Encoding: chunked"))
                let piece = [UInt8](repeating: UInt8(ascii: "B"), count: 1 << 20)
                let chunk = Array("100000\r\n".utf8) + piece + Array("\r\n".utf8)
                var sent = 0
                try client.send(Array("1\r\n\"\r\n".utf8))
                while sent < 100_000_000 {
                    do { try client.send(chunk) } catch { break }  // the server stopped reading: it has answered
                    sent += piece.count
                }
                return (sent, try? client.readResponse())
            }
            let peak = try Self.peakRSS(server.serverPID)
            print("MemoryBoundTests: chunked 100 MB string → \(response.map { String($0.status) } ?? "reset") after \(sent >> 20) MiB, peak RSS \(peak >> 20) MiB")
            if let response { #expect(response.status == 413, "\(response.text.prefix(200))") }
            #expect(sent < 100_000_000, "the server read a 100 MB body it had to refuse at 64 MiB")
            #expect(peak < Self.peakBound, "peak RSS \(peak >> 20) MiB")
        }
    }

    // MARK: Helpers

    /// Runs `body` against a fresh `shipgate serve` child with an evidence-writing token; checks it is healthy after.
    private func withServer(_ body: (ServerProcess, String) async throws -> Void) async throws {
        let directory = try TemporaryDirectory("memory")
        defer { directory.remove() }
        let db = directory.file("s.db")
        let token = try await ServerProcess.adminToken(db: db)
        let server = try await ServerProcess.start(db: db, directory: directory)
        defer { server.forceStop() }
        try await body(server, token)
        let port = server.port
        let health = try await TestThread.run { try TestClient(port: port).roundTrip("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n") }
        #expect(health.status == 200, "\(server.logTail)")
        let status = try await server.terminate()
        #expect(status.reason == .exit && status.code == 0, "\(server.logTail)")
    }

    private static func head(token: String, framing: String, path: String = "/api/v1/scans") -> [UInt8] {
        Array(
            ("POST \(path)?digest=\(digest) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\n\(framing)\r\n\r\n").utf8)
    }

    /// Streams `prefix`, filler bytes and `suffix` (`total` bytes in all) to `path` in 1 MiB writes, then reads the answer.
    private static func post(
        prefix: [UInt8], filler: UInt8, suffix: [UInt8], total: Int, port: Int, token: String, path: String = "/api/v1/scans"
    ) async throws -> TestResponse {
        try await TestThread.run {
            let client = try TestClient(port: port, timeout: .seconds(120))
            defer { client.close() }
            try client.send(head(token: token, framing: "Content-Length: \(total)", path: path))
            try client.send(prefix)
            var remaining = total - prefix.count - suffix.count
            let piece = [UInt8](repeating: filler, count: 1 << 20)
            while remaining > 0 {
                let count = min(remaining, piece.count)
                try client.send(Array(piece[0..<count]))
                remaining -= count
            }
            try client.send(suffix)
            return try client.readResponse()
        }
    }

    /// The process's peak resident set size (VmHWM) in bytes.
    static func peakRSS(_ pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw TestClientError(description: "no VmHWM in /proc/\(pid)/status") }
        return kilobytes * 1024
    }
}
