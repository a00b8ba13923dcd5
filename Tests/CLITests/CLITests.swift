import Crypto
import Foundation
import Testing
import TestSupport

/// Runs the built `shipgate` binary (it sits next to the test bundle) as a user would.
struct CLI {
    static let binary: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // The test bundle may be a directory (`*.xctest`) or a plain executable.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("shipgate").path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("shipgate")
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `shipgate arguments…` with `input` on stdin, off the cooperative pool.
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws -> Result {
        try await TestThread.run {
            let process = ChildProcess()
            process.executableURL = binary
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = stdin
            try process.run()
            if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
            try stdin.fileHandleForWriting.close()
            let out = stdout.fileHandleForReading.readDataToEndOfFile()
            let err = stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
        }
    }
}

@Suite struct CLITests {
    @Test func versionAndHelp() async throws {
        let version = try await CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try await CLI.run(["--help"])
        #expect(help.status == 0)
        for command in ["serve", "migrate", "user", "token"] { #expect(help.stdout.contains(command)) }
    }

    @Test func migrateCreatesThenReportsUpToDate() async throws {
        let directory = try TemporaryDirectory("cli")
        defer { directory.remove() }
        let first = try await CLI.run(["migrate", "--db", directory.file("s.db")])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("Applied: 0001_init"))
        let second = try await CLI.run(["migrate", "--db", directory.file("s.db")])
        #expect(second.status == 0)
        #expect(second.stderr.contains("Up to date"))
    }

    @Test func refusesADatabaseMigratedByANewerBinary() async throws {
        let directory = try TemporaryDirectory("cli")
        defer { directory.remove() }
        let migrations = directory.file("migrations")
        try FileManager.default.createDirectory(atPath: migrations, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try FileManager.default.copyItem(atPath: source.appendingPathComponent(name).path, toPath: migrations + "/" + name)
        }
        try "CREATE TABLE later (id INTEGER PRIMARY KEY);".write(toFile: migrations + "/9999_later.sql", atomically: true, encoding: .utf8)
        let newer = try await CLI.run(["migrate", "--db", directory.file("s.db"), "--migrations-dir", migrations])
        #expect(newer.status == 0, "\(newer.stderr)")
        let older = try await CLI.run(["migrate", "--db", directory.file("s.db")])
        #expect(older.status != 0)
        #expect(older.stderr.contains("9999_later"))
    }

    @Test func userAddReadsThePasswordFromStdinAndRefusesDuplicates() async throws {
        let directory = try TemporaryDirectory("cli")
        defer { directory.remove() }
        let db = directory.file("s.db")
        let added = try await CLI.run(["user", "add", "--db", db, "--name", "alice", "--role", "approver", "--password-stdin"], input: "a long passphrase\n")
        #expect(added.status == 0, "\(added.stderr)")
        #expect(!added.stdout.contains("passphrase") && !added.stderr.contains("passphrase"))
        let duplicate = try await CLI.run(["user", "add", "--db", db, "--name", "alice", "--role", "viewer", "--password-stdin"], input: "another passphrase\n")
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("already exists"))
        let noStdin = try await CLI.run(["user", "add", "--db", db, "--name", "bob", "--role", "viewer"])
        #expect(noStdin.status != 0)
        let badRole = try await CLI.run(["user", "add", "--db", db, "--name", "bob", "--role", "root", "--password-stdin"], input: "a long passphrase\n")
        #expect(badRole.status != 0)
        let passwd = try await CLI.run(["user", "passwd", "--db", db, "--name", "alice", "--password-stdin"], input: "a newer passphrase\n")
        #expect(passwd.status == 0, "\(passwd.stderr)")
    }

    @Test func tokenCreatePrintsTheSecretAloneOnTheLastLine() async throws {
        let directory = try TemporaryDirectory("cli")
        defer { directory.remove() }
        let db = directory.file("s.db")
        let created = try await CLI.run(
            ["token", "create", "--db", db, "--name", "ci", "--scope", "evidence:write", "--scope", "clearance:read", "--expires-in", "90d"])
        #expect(created.status == 0, "\(created.stderr)")
        let lines = created.stdout.split(separator: "\n")
        let secret = try #require(lines.last.map(String.init))
        #expect(secret.hasPrefix("sgt_") && secret.count == 47)
        let list = try await CLI.run(["token", "list", "--db", db])
        #expect(list.status == 0)
        #expect(list.stdout.contains("ci") && list.stdout.contains("active") && !list.stdout.contains(secret))
        let id = try #require(list.stdout.split(separator: "\n").dropFirst().first?.split(separator: "\t").first.map(String.init))
        let revoked = try await CLI.run(["token", "revoke", "--db", db, id])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try await CLI.run(["token", "list", "--db", db]).stdout.contains("revoked"))
        #expect(try await CLI.run(["token", "revoke", "--db", db, "tok_nope"]).status != 0)
        #expect(try await CLI.run(["token", "create", "--db", db, "--name", "x", "--scope", "root"]).status != 0)
        #expect(try await CLI.run(["token", "create", "--db", db, "--name", "x", "--scope", "admin", "--expires-in", "soon"]).status != 0)
    }

    @Test func keyAddListAndRevoke() async throws {
        let directory = try TemporaryDirectory("cli")
        defer { directory.remove() }
        let db = directory.file("s.db")
        let key = try PrivateKey.generate(.ecdsaP256)
        try key.publicKey.pemEncoded.write(toFile: directory.file("key.pub.pem"), atomically: true, encoding: .utf8)
        let added = try await CLI.run([
            "key", "add", "--db", db, "--name", "ci-signer", "--file", directory.file("key.pub.pem"), "--predicate-type",
            "https://slsa.dev/provenance/v1", "--builder-id", "https://example.com/builder",
        ])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.split(separator: "\n").last.map(String.init) == key.publicKey.id)
        let duplicate = try await CLI.run(["key", "add", "--db", db, "--name", "again", "--file", directory.file("key.pub.pem")])
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("registered already"))
        let weak = directory.file("weak.pem")
        try "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".write(toFile: weak, atomically: true, encoding: .utf8)
        #expect(try await CLI.run(["key", "add", "--db", db, "--name", "weak", "--file", weak]).status != 0)
        let list = try await CLI.run(["key", "list", "--db", db])
        #expect(list.stdout.contains("ci-signer") && list.stdout.contains("active") && list.stdout.contains("https://slsa.dev/provenance/v1"))
        #expect(try await CLI.run(["key", "revoke", "--db", db, key.publicKey.id]).status == 0)
        #expect(try await CLI.run(["key", "list", "--db", db]).stdout.contains("revoked"))
        #expect(try await CLI.run(["key", "revoke", "--db", db, "0000"]).status != 0)
    }

    @Test func serveBootstrapsAdminAnswersAndStopsOnSIGTERM() async throws {
        let directory = try TemporaryDirectory("cli")
        defer { directory.remove() }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "SHIPGATE_ADMIN_PASSWORD")
        let (process, log, port) = try await PipedServe.start(directory: directory, environment: environment)
        let banner = try await log.firstLine(containing: "one-time password")
        #expect(!banner.isEmpty)
        let client = try TestClient(port: port)
        #expect(try await client.request("GET", "/healthz").status == 200)
        process.terminate()  // SIGTERM
        try await TestThread.run { process.waitUntilExit() }
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        #expect(try await log.firstLine(containing: "stopped").contains("stopped"))
    }
}

/// A log reader that stops reading (a stuck terminal, a full pipe) must not stop the server: the lines wait in memory
/// (or are dropped and counted) while requests go on, and everything kept is written once the reader resumes.
@Suite struct UnreadLogTests {
    @Test func requestsGoOnWhileNobodyReadsStderr() async throws {
        let directory = try TemporaryDirectory("cli")
        defer { directory.remove() }
        let (process, log, port) = try await PipedServe.start(directory: directory)
        // From here on nobody reads the pipe. Each request logs about 80 bytes, so its 64 KiB fill after some 800.
        let client = try TestClient(port: port, timeout: .seconds(5))
        var answered = 0
        for _ in 0..<3_000 where try await client.request("GET", "/healthz").status == 200 { answered += 1 }
        #expect(answered == 3_000)
        process.terminate()
        let stopped = try await log.firstLine(containing: "stopped")
        #expect(stopped.contains("[info]"))
        try await TestThread.run { process.waitUntilExit() }
        #expect(process.terminationStatus == 0)
    }
}

@Suite struct ServeTLSTests {
    @Test func servesHTTPSWithTheGivenCertificate() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            print("SKIP servesHTTPSWithTheGivenCertificate: /usr/bin/curl is not installed")
            return
        }
        let directory = try TemporaryDirectory("tls")
        defer { directory.remove() }
        let (certificate, key) = try SelfSignedCertificate.make(commonName: "localhost")
        try certificate.write(toFile: directory.file("cert.pem"), atomically: true, encoding: .utf8)
        try key.write(toFile: directory.file("key.pem"), atomically: true, encoding: .utf8)
        let (process, _, port) = try await PipedServe.start(
            directory: directory, arguments: ["--tls-cert", directory.file("cert.pem"), "--tls-key", directory.file("key.pem")],
            environment: ProcessInfo.processInfo.environment.merging(["SHIPGATE_ADMIN_PASSWORD": "a long admin passphrase"]) { $1 }, scheme: "https")
        defer { process.terminate() }
        let curl = ChildProcess()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "--cacert", directory.file("cert.pem"), "--tlsv1.2", "-w", " %{ssl_verify_result}", "https://localhost:\(port)/healthz"]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        let body = try await TestThread.run { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        curl.waitUntilExit()
        #expect(curl.terminationStatus == 0)
        #expect(body == #"{"status":"ok"} 0"#)
    }
}

/// Reads a child's output line by line, off the cooperative pool.
/// `shipgate serve` on a free loopback port with a database and an empty public directory in `directory`, its stderr
/// on a pipe that is read only when a test asks (`LineReader`); returns once it logged where it listens.
enum PipedServe {
    static func start(
        directory: TemporaryDirectory, arguments: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
        scheme: String = "http"
    ) async throws -> (process: ChildProcess, log: LineReader, port: Int) {
        try FileManager.default.createDirectory(atPath: directory.file("public"), withIntermediateDirectories: true)
        let process = ChildProcess()
        process.executableURL = CLI.binary
        process.arguments =
            ["serve", "--db", directory.file("s.db"), "--listen", "127.0.0.1:0", "--public-dir", directory.file("public")] + arguments
        process.environment = environment
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let log = LineReader(stderr.fileHandleForReading)
        do {
            let listening = try await log.firstLine(containing: "listening on \(scheme)://127.0.0.1:")
            guard let port = Int(listening.split(separator: ":").last?.split(separator: " ").first ?? "") else {
                throw TestClientError(description: "no port in: \(listening)")
            }
            return (process, log, port)
        } catch {
            process.terminate()
            throw error
        }
    }
}

final class LineReader: @unchecked Sendable {  // used by one test task at a time
    private let handle: FileHandle
    private var buffer = ""

    init(_ handle: FileHandle) { self.handle = handle }

    func firstLine(containing text: String) async throws -> String {
        try await TestThread.run { try self.readUntil(text) }
    }

    private func readUntil(_ text: String) throws -> String {
        while true {
            if let line = buffer.split(separator: "\n", omittingEmptySubsequences: false).first(where: { $0.contains(text) }) {
                let found = String(line)
                if let range = buffer.range(of: found) { buffer.removeSubrange(buffer.startIndex..<range.upperBound) }
                return found
            }
            let data = handle.availableData
            if data.isEmpty { throw TestClientError(description: "closed") }
            buffer += String(decoding: data, as: UTF8.self)
        }
    }
}
