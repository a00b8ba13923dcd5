import Crypto
import Domain
import Foundation
import SQLite
import Synchronization
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The durability contract (issue 7) proven on the real `shipgate serve` binary: an acknowledged write survives
/// `kill -9`, and its 2xx leaves only after the WAL was synced.
@Suite(.serialized) struct DurabilityTests {
    // MARK: kill -9 ledger loop

    /// 5 in CI; a longer run: `SHIPGATE_DURABILITY_ITERATIONS=200 swift test --filter acknowledgedWritesSurviveKillNine`.
    static let iterations = ProcessInfo.processInfo.environment["SHIPGATE_DURABILITY_ITERATIONS"].flatMap { Int($0) } ?? 5
    static let clientThreads = 6
    /// The loop stops starting new iterations after this (it always runs at least `minimumIterations`).
    static let budget: Duration = .seconds(max(20, iterations * 2))
    static let minimumIterations = 3

    @Test func acknowledgedWritesSurviveKillNine() async throws {
        let directory = try TemporaryDirectory("durability")
        defer { directory.remove() }
        let db = directory.file("s.db")
        let credentials = try await ServerProcess.credentials(db: db, directory: directory)
        let clock = ContinuousClock()
        let started = clock.now
        var server = try await ServerProcess.start(db: db, directory: directory)
        defer { server.forceStop() }
        var acknowledged: [WriteKey] = []
        var inFlightCount = 0
        var iterationsRun = 0

        while iterationsRun < Self.iterations, iterationsRun < Self.minimumIterations || clock.now - started < Self.budget {
            let iteration = iterationsRun
            let ledger = Ledger()
            let port = server.port
            async let load: [Void] = TestThread.runParallel(Self.clientThreads) { thread in
                WriteKey.hammer(port: port, credentials: credentials, iteration: iteration, thread: thread, ledger: ledger)
            }
            // On any early exit: release the clients and the server, or the implicit await of `load` could hang.
            let current = server
            defer {
                ledger.stop()
                current.forceStop()
            }
            // The server must be taking writes before the kill, or the test would prove nothing.
            let loaded = await eventually(timeout: .seconds(10)) { ledger.acknowledgedCount > 0 }
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...400)))  // the deliberate random kill moment
            let killedAt = ContinuousClock.now
            let status = try await current.kill9()
            ledger.stop()
            _ = try await load
            let outcome = ledger.outcome
            // Requests fully sent before the kill and never answered: the server died mid-load.
            let inFlight = outcome.interrupted.filter { ($0.sentAt.map { $0 < killedAt }) ?? false }

            #expect(loaded, "no write was acknowledged before the kill")
            #expect(status.reason == .uncaughtSignal && status.code == SIGKILL, "server ended by \(status), not by SIGKILL")
            #expect(outcome.unexpected.isEmpty, "unexpected answers: \(outcome.unexpected.prefix(5))")

            // The crashed file as the next start finds it: intact, and its audit chain verifies.
            #expect(try await Self.integrityCheck(db) == ["ok"])
            let verify = try await CLI.run(["audit", "verify", "--db", db])
            #expect(verify.status == 0, "audit verify after kill \(iteration): \(verify.stdout) \(verify.stderr)")

            server = try await ServerProcess.start(db: db, directory: directory)
            let lost = try await Self.verify(
                acknowledged: outcome.acknowledged, interrupted: outcome.interrupted.map(\.key), port: server.port, token: credentials.admin, db: db)
            #expect(lost.isEmpty, "acknowledged but missing or wrong after kill \(iteration): \(lost.prefix(5))")
            acknowledged += outcome.acknowledged
            inFlightCount += inFlight.count
            iterationsRun += 1
        }

        // Killed mid-load: across the iterations, requests were sent and never answered. (One iteration alone may
        // be killed between two requests on a busy machine; the whole run must not be.)
        #expect(inFlightCount > 0, "no request was in flight at any kill")

        // The checks can fail: keys that were never written are reported missing.
        let neverWritten = [WriteKey(iteration: -1, thread: 0, sequence: 0), WriteKey(iteration: -1, thread: 0, sequence: 1)]
        #expect(try await Self.verify(acknowledged: neverWritten, interrupted: [], port: server.port, token: credentials.admin, db: db).count == 2)
        let stop = try await server.terminate()
        #expect(stop.reason == .exit && stop.code == 0)
        #expect(try await Self.countsInFile(db, neverWritten).count == 2)
        // Every key of every iteration, counted in the final file: exactly once each.
        let lost = try await Self.countsInFile(db, acknowledged)
        #expect(lost.isEmpty, "lost or duplicated: \(lost.prefix(5))")
        #expect(try await Self.integrityCheck(db) == ["ok"])
        #expect(try await CLI.run(["audit", "verify", "--db", db]).status == 0)
        var kinds: [WriteKey.Kind: Int] = [:]
        for key in acknowledged { kinds[key.kind, default: 0] += 1 }
        let written = "\(kinds[.scan] ?? 0) scans, \(kinds[.token] ?? 0) tokens, \(kinds[.attestation] ?? 0) attestations, \(kinds[.approval] ?? 0) approvals"
        let elapsed = clock.now - started
        print("kill -9 ledger: \(iterationsRun) iterations, \(acknowledged.count) acknowledged writes (\(written)), \(inFlightCount) in flight at the kills, lost \(lost.count), \(elapsed)")
    }

    /// The keys of `acknowledged` that the restarted server does not return exactly once with their content,
    /// plus any interrupted key it returns more than once (an unacknowledged write may exist, but only once).
    static func verify(acknowledged: [WriteKey], interrupted: [WriteKey], port: Int, token: String, db: String) async throws -> [String] {
        // Attestations and approvals: counted in the file itself (WAL readers do not disturb the running server).
        var problems = try await countsInFile(db, acknowledged.filter { $0.kind == .attestation || $0.kind == .approval })
        let duplicated = try await countsInFile(db, interrupted.filter { $0.kind == .attestation || $0.kind == .approval }, allowMissing: true)
        problems += duplicated.map { "\($0) (in flight)" }
        let client = try TestClient(port: port, timeout: .seconds(10))
        let list = try await client.request("GET", "/api/v1/tokens", token: token)
        guard list.status == 200, let tokens = try list.json()["tokens"] as? [[String: Any]] else {
            return ["token list answered \(list.status)"]
        }
        var tokenCounts: [String: Int] = [:]
        for entry in tokens {
            if let name = entry["name"] as? String, (entry["scopes"] as? [String]) == ["clearance:read"] { tokenCounts[name, default: 0] += 1 }
        }
        for key in acknowledged where key.kind == .token && tokenCounts[key.name] != 1 {
            problems.append("\(key.name): \(tokenCounts[key.name] ?? 0) tokens")
        }
        for key in interrupted where key.kind == .token && (tokenCounts[key.name] ?? 0) > 1 {
            problems.append("\(key.name) (in flight): \(tokenCounts[key.name] ?? 0) tokens")
        }
        // Scans: one GET per digest, spread over a few connections.
        let scans = acknowledged.filter { $0.kind == .scan }.map { ($0, true) } + interrupted.filter { $0.kind == .scan }.map { ($0, false) }
        let lanes = 4
        let found = try await TestThread.runParallel(lanes) { lane -> [String] in
            let client = try TestClient(port: port, timeout: .seconds(10))
            var problems: [String] = []
            for (index, (key, required)) in scans.enumerated() where index % lanes == lane {
                let response = try client.roundTrip("GET /api/v1/images/\(key.digest) HTTP/1.1\r\nHost: l\r\nAuthorization: Bearer \(token)\r\n\r\n")
                if response.status == 404, !required { continue }
                guard response.status == 200, let detail = try? response.json(), let scans = detail["scans"] as? [[String: Any]] else {
                    problems.append("\(key.name): image answered \(response.status)")
                    continue
                }
                guard scans.count == 1, let scan = scans.first else {
                    problems.append("\(key.name): \(scans.count) scans")
                    continue
                }
                if scan["counts"] as? [String: Int] != key.expectedCounts || scan["fixableCounts"] as? [String: Int] != key.expectedFixableCounts
                    || scan["scannedAt"] as? String != Timestamp.format(key.scannedAt)
                {
                    problems.append("\(key.name): content differs: \(scan)")
                }
            }
            return problems
        }
        return problems + found.flatMap { $0 }
    }

    /// `PRAGMA integrity_check` of the file, opened with the SQLite module while no server runs.
    static func integrityCheck(_ path: String) async throws -> [String] {
        var configuration = DatabaseConfiguration()
        configuration.readerCount = 1
        let database = try Database(path: path, configuration: configuration)
        do {
            let answers = try await database.read { db in try db.query("PRAGMA integrity_check").compactMap { $0.string(0) } }
            await database.close()
            return answers
        } catch {
            await database.close()
            throw error
        }
    }

    /// The keys not stored exactly once in the file (with `allowMissing`, only those stored more than once).
    static func countsInFile(_ path: String, _ keys: [WriteKey], allowMissing: Bool = false) async throws -> [String] {
        let database = try Database(path: path)
        let counted: [WriteKey.Kind: [String: Int]]
        do {
            counted = try await database.read { db in
                func counts(_ sql: String) throws -> [String: Int] {
                    var counts: [String: Int] = [:]
                    for row in try db.query(sql) { counts[row.string(0) ?? ""] = row.int(1) }
                    return counts
                }
                return [
                    .scan: try counts("SELECT digest, count(*) FROM scans GROUP BY digest"),
                    .token: try counts("SELECT name, count(*) FROM api_tokens GROUP BY name"),
                    .attestation: try counts("SELECT digest, count(*) FROM attestation_subjects GROUP BY digest"),
                    .approval: try counts("SELECT comment, count(*) FROM approvals GROUP BY comment"),
                ]
            }
            await database.close()
        } catch {
            await database.close()
            throw error
        }
        return keys.compactMap { key in
            let field = key.kind == .token || key.kind == .approval ? key.name : key.digest
            let count = counted[key.kind]?[field] ?? 0
            if count == 1 || (allowMissing && count == 0) { return nil }
            return "\(key.name): \(count) \(key.kind) rows"
        }
    }

    // MARK: Sync before ack (strace)

    static let syncedWrites = 10

    @Test func everyAcknowledgedWriteFollowsAWALSync() async throws {
        guard let tracer = Strace.command() else { return }
        let audit = try await Self.syncAudit(tracer: tracer, extraArguments: [])
        #expect(audit.acknowledged == Self.syncedWrites)
        #expect(audit.withoutCommit.isEmpty, "201 with no WAL write since the previous response: writes \(audit.withoutCommit)")
        #expect(audit.unsynced.isEmpty, "201 sent while WAL bytes were not yet fsynced: writes \(audit.unsynced)")
        print("sync-before-ack (FULL): \(audit.acknowledged) acknowledged writes, \(audit.unsynced.count) sent before their WAL sync")
    }

    /// The same audit against `--unsafe-test-synchronous normal` must fail, or it could not catch a missing sync.
    @Test func syncAuditCatchesSynchronousNormal() async throws {
        guard let tracer = Strace.command() else { return }
        let audit = try await Self.syncAudit(tracer: tracer, extraArguments: ["--unsafe-test-synchronous", "normal"])
        #expect(audit.acknowledged == Self.syncedWrites)
        #expect(audit.withoutCommit.isEmpty)
        #expect(!audit.unsynced.isEmpty, "synchronous=NORMAL passed the sync-before-ack audit: the audit proves nothing")
        print("sync-before-ack (NORMAL, must fail): \(audit.unsynced.count) of \(audit.acknowledged) acknowledged writes sent before their WAL sync")
    }

    /// Runs the server under strace, makes `syncedWrites` sequential token writes, stops it and reads the trace.
    static func syncAudit(tracer: [String], extraArguments: [String]) async throws -> Strace.Audit {
        let directory = try TemporaryDirectory("strace")
        defer { directory.remove() }
        let db = directory.file("s.db")
        let token = try await ServerProcess.adminToken(db: db)
        let trace = directory.file("trace.log")
        let server = try await ServerProcess.start(
            db: db, directory: directory, arguments: extraArguments,
            wrapper: tracer + ["-f", "-tt", "-y", "-s", "32", "-e", "trace=fsync,fdatasync,pwrite64,write,sendto,sendmsg,writev", "-o", trace])
        defer { server.forceStop() }
        let client = try TestClient(port: server.port, timeout: .seconds(10))
        // A first response closes the window of the startup syncs (migrations, bootstrap), which must not count.
        #expect(try await client.request("GET", "/healthz").status == 200)
        for index in 0..<Self.syncedWrites {
            let response = try await client.request(
                "POST", "/api/v1/tokens", token: token, json: #"{"name":"synced-\#(index)","scopes":["clearance:read"]}"#)
            #expect(response.status == 201, "\(response.text)")
        }
        client.close()
        let stop = try await server.terminate()
        #expect(stop.reason == .exit && stop.code == 0)
        return Strace.audit(try String(contentsOfFile: trace, encoding: .utf8), walSuffix: "/s.db-wal")
    }
    // MARK: Disk full

    /// On a tiny tmpfs filled to the last page: writes are refused with 507/503 (never acknowledged and lost, never a
    /// bare 500), reads and clearance keep answering, and writes succeed again once space is freed.
    @Test func fullDiskRefusesWritesKeepsReadingAndRecovers() async throws {
        guard let volume = try TinyVolume.mount() else { return }
        defer { volume.unmount() }
        let directory = try TemporaryDirectory("diskfull")
        defer { directory.remove() }
        let db = volume.path + "/s.db"
        let credentials = try await ServerProcess.credentials(db: db, directory: directory)
        let token = credentials.admin
        let server = try await ServerProcess.start(db: db, directory: directory)
        defer { server.forceStop() }
        let client = try TestClient(port: server.port, timeout: .seconds(10))
        func write(_ key: WriteKey) async throws -> Int {
            let request = try key.request(credentials)
            return try await TestThread.run { try client.roundTrip(request).status }
        }
        var acknowledged: [WriteKey] = []
        let known = WriteKey(iteration: 0, thread: 0, sequence: 0)
        #expect(try await write(known) == 201)
        acknowledged.append(known)

        try volume.fill()
        var refused: [Int: Int] = [:]
        // Approvals are left out here: each approves the scan written three keys earlier, which a full disk may have refused.
        for sequence in 1...20 where WriteKey(iteration: 1, thread: 0, sequence: sequence).kind != .approval {
            let key = WriteKey(iteration: 1, thread: 0, sequence: sequence)
            let status = try await write(key)
            if status == 201 { acknowledged.append(key) } else { refused[status, default: 0] += 1 }
        }
        #expect(refused[507, default: 0] + refused[503, default: 0] > 0, "no write was refused on a full disk: \(refused)")
        #expect(Set(refused.keys).isSubset(of: [503, 507]), "refusals other than 503/507: \(refused)")

        // Reads and decisions about what is stored keep answering while nothing can be written.
        let image = try await client.request("GET", "/api/v1/images/\(known.digest)", token: token)
        #expect(image.status == 200)
        #expect((try image.json()["scans"] as? [Any])?.count == 1)
        let clearance = try await client.request("GET", "/api/v1/clearance/\(known.digest)?env=staging", token: token)
        #expect([200, 403].contains(clearance.status), "clearance answered \(clearance.status): \(clearance.text)")

        volume.free()
        var recovered = false
        for sequence in 1...20 where !recovered && WriteKey(iteration: 2, thread: 0, sequence: sequence).kind != .approval {
            let key = WriteKey(iteration: 2, thread: 0, sequence: sequence)
            if try await write(key) == 201 {
                acknowledged.append(key)
                recovered = true
            }
        }
        #expect(recovered, "writes still fail after space was freed")
        client.close()
        let stop = try await server.terminate()
        #expect(stop.reason == .exit && stop.code == 0, "\(stop): \(server.logTail)")
        #expect(try await Self.countsInFile(db, acknowledged).isEmpty)
        #expect(try await Self.integrityCheck(db) == ["ok"])
        #expect(try await CLI.run(["audit", "verify", "--db", db]).status == 0)
        print("disk full: \(refused.values.reduce(0, +)) writes refused (\(refused)), \(acknowledged.count) acknowledged, lost 0, recovered \(recovered)")
    }
}

/// A 8 MiB tmpfs mounted for one test (needs root and mount permission), and a filler file that uses up its space.
struct TinyVolume {
    let path: String

    /// Mounts the volume, or prints why not and returns nil.
    static func mount() throws -> TinyVolume? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shipgate-tinyfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard run("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", path]) else {
            try? FileManager.default.removeItem(atPath: path)
            print("SKIP disk-full test: cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)")
            return nil
        }
        return TinyVolume(path: path)
    }

    var filler: String { path + "/filler" }

    /// Writes the filler until the filesystem answers ENOSPC, with ever smaller chunks so not a page is left.
    func fill() throws {
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TestClientError(description: "cannot create \(filler)") }
        defer { close(fd) }
        for size in [1 << 20, 64 << 10, 4 << 10, 512, 1] {
            let chunk = [UInt8](repeating: 0x5a, count: size)
            while true {
                // A short count means the space ran out mid-chunk; the next write then reports ENOSPC.
                let (written, code) = chunk.withUnsafeBytes { (Glibc.write(fd, $0.baseAddress, $0.count), errno) }
                if written > 0 { continue }
                if written == 0 || code == ENOSPC { break }
                throw TestClientError(description: "filler write failed with errno \(code)")
            }
        }
    }

    func free() { unlink(filler) }

    func unmount() {
        _ = Self.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Bool {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationReason == .exit && process.terminationStatus == 0
    }
}


// MARK: - strace

/// Running and reading `strace` for the sync-before-ack audit.
enum Strace {
    /// What the trace shows about acknowledged writes.
    struct Audit {
        /// 201 responses seen.
        var acknowledged = 0
        /// 1-based numbers of the 201 responses sent while WAL bytes written since the previous response were not yet
        /// fsynced (or fdatasynced).
        var unsynced: [Int] = []
        /// 1-based numbers of the 201 responses with no WAL write at all since the previous response (no commit seen).
        var withoutCommit: [Int] = []
    }

    /// `strace` plus the flags this machine supports, or nil (with the reason printed) when tracing is impossible.
    static func command() -> [String]? {
        let path = "/usr/bin/strace"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            print("SKIP sync-before-ack audit: \(path) is not installed")
            return nil
        }
        // seccomp-bpf stops the tracee only for traced syscalls (much faster); older kernels or strace lack it.
        for flags in [["--seccomp-bpf"], []] {
            let probe = ChildProcess()
            probe.executableURL = URL(fileURLWithPath: path)
            probe.arguments = flags + ["-f", "-e", "trace=fsync", "-o", "/dev/null", "/bin/true"]
            probe.standardOutput = FileHandle.nullDevice
            probe.standardError = FileHandle.nullDevice
            guard (try? probe.run()) != nil else { continue }
            probe.waitUntilExit()
            if probe.terminationReason == .exit, probe.terminationStatus == 0 { return [path] + flags }
        }
        print("SKIP sync-before-ack audit: strace cannot trace here (ptrace not permitted)")
        return nil
    }

    /// Walks the trace in order. Each response (`"HTTP/1.1 …` written to a socket) closes a window; a 201 is correct
    /// only if its window holds a write to the WAL (its commit) and every WAL write was followed by an fsync/fdatasync
    /// of the WAL before the response left. Files are recognised by the paths `-y` prints after each fd.
    static func audit(_ trace: String, walSuffix: String) -> Audit {
        var audit = Audit()
        var wroteWAL = false
        var unsyncedWAL = false
        for line in trace.split(separator: "\n") {
            // "<pid> <time> <syscall>(…"; "<... x resumed>" lines repeat no arguments and fall through every prefix.
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard fields.count == 3 else { continue }
            let call = fields[2]
            let onWAL =
                call.firstIndex(of: "<").flatMap { open in
                    call[open...].firstIndex(of: ">").map { close in call[call.index(after: open)..<close].hasSuffix(walSuffix) }
                } ?? false
            if call.hasPrefix("fsync(") || call.hasPrefix("fdatasync(") {
                if onWAL { unsyncedWAL = false }
            } else if call.hasPrefix("pwrite64(") || call.hasPrefix("write(") {
                if onWAL {
                    wroteWAL = true
                    unsyncedWAL = true
                } else if call.contains("\"HTTP/1.1 ") {
                    respond(call)
                }
            } else if ["sendto(", "sendmsg(", "writev("].contains(where: { call.hasPrefix($0) }), call.contains("\"HTTP/1.1 ") {
                respond(call)
            }
        }
        return audit

        func respond(_ call: Substring) {
            if let range = call.range(of: "\"HTTP/1.1 "), call[range.upperBound...].hasPrefix("201") {
                audit.acknowledged += 1
                if !wroteWAL { audit.withoutCommit.append(audit.acknowledged) }
                if unsyncedWAL { audit.unsynced.append(audit.acknowledged) }
            }
            wroteWAL = false
        }
    }
}

// MARK: - Server process

/// A `shipgate serve` child on an ephemeral loopback port. Its stderr goes to a file, so a busy access log can
/// never block it on a full pipe.
final class ServerProcess: @unchecked Sendable {  // used by one test task at a time
    let process: ChildProcess
    let port: Int
    /// The server's own pid: the child itself, or the tracee when it runs under a wrapper such as strace.
    let serverPID: pid_t
    let logPath: String

    private init(process: ChildProcess, port: Int, serverPID: pid_t, logPath: String) {
        self.process = process
        self.port = port
        self.serverPID = serverPID
        self.logPath = logPath
    }

    /// Creates (and migrates) `db` with an admin token able to write evidence and read images; returns its secret.
    static func adminToken(db: String) async throws -> String {
        let created = try await CLI.run([
            "token", "create", "--db", db, "--name", "durability-admin", "--scope", "admin", "--scope", "evidence:write", "--scope", "clearance:read",
        ])
        guard created.status == 0, let secret = created.stdout.split(separator: "\n").last.map(String.init) else {
            throw TestClientError(description: "token create failed: \(created.stderr)")
        }
        return secret
    }

    /// Everything the ledger's writes need, made with the CLI before the server starts: the admin token, a trusted
    /// signing key for attestations, and an approver's token for approvals.
    static func credentials(db: String, directory: TemporaryDirectory) async throws -> Credentials {
        let admin = try await adminToken(db: db)
        let signer = try PrivateKey.generate(.ecdsaP256)
        let pem = directory.file("durable-signer.pem")
        try signer.publicKey.pemEncoded.write(toFile: pem, atomically: true, encoding: .utf8)
        let key = try await CLI.run(["key", "add", "--db", db, "--name", "durable-signer", "--file", pem])
        let user = try await CLI.run(
            ["user", "add", "--db", db, "--name", "durable-approver", "--role", "approver", "--password-stdin"],
            input: "a long and durable passphrase\n")
        let token = try await CLI.run(
            ["token", "create", "--db", db, "--name", "durable-approver", "--user", "durable-approver", "--scope", "approvals:write"])
        guard key.status == 0, user.status == 0, token.status == 0, let approver = token.stdout.split(separator: "\n").last.map(String.init) else {
            throw TestClientError(description: "credentials: \(key.stderr) \(user.stderr) \(token.stderr)")
        }
        return Credentials(admin: admin, approver: approver, signer: signer)
    }

    /// Starts `shipgate serve` on `db` (optionally under `wrapper`, e.g. strace) and waits for its "listening" line.
    static func start(db: String, directory: TemporaryDirectory, arguments: [String] = [], wrapper: [String]? = nil) async throws -> ServerProcess {
        let logPath = directory.file("serve-\(UUID().uuidString.prefix(8)).log")
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw TestClientError(description: "cannot create \(logPath)") }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        // A public dir of its own: StaticFiles loads every file below it at startup, and opening and closing the
        // database file that way would drop the server's POSIX locks on it (and serve it at /static/).
        let serve = ["serve", "--db", db, "--listen", "127.0.0.1:0", "--public-dir", directory.file("public-none")] + arguments
        let process = ChildProcess()
        if let wrapper, let tool = wrapper.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = Array(wrapper.dropFirst()) + [CLI.binary.path] + serve
        } else {
            process.executableURL = CLI.binary
            process.arguments = serve
        }
        process.environment = ProcessInfo.processInfo.environment.merging(["SHIPGATE_ADMIN_PASSWORD": "a long admin passphrase"]) { $1 }
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try log.close()

        var listening: String?
        _ = await eventually(timeout: .seconds(15)) {
            listening = Self.listeningLine(in: logPath)
            return listening != nil || !process.isRunning
        }
        let port = listening.flatMap { line in Int(line.split(separator: ":").last?.split(separator: " ").first ?? "") }
        let serverPID = wrapper == nil ? process.processIdentifier : Self.children(of: process.processIdentifier).first
        guard let port, let serverPID else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let output = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw TestClientError(description: "shipgate serve did not start: \(output.suffix(2000))")
        }
        return ServerProcess(process: process, port: port, serverPID: serverPID, logPath: logPath)
    }

    private static func listeningLine(in path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first { $0.contains("listening on http://127.0.0.1:") }.map(String.init)
    }

    /// Child pids of `pid` (all its threads), from /proc.
    private static func children(of pid: pid_t) -> [pid_t] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "").split(separator: " ").compactMap { pid_t($0) }
        }
    }

    /// The end of the server's log, for failure messages.
    var logTail: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        // A crash report is more useful than the last access-log lines.
        if let crash = text.range(of: "crashed") { return String(text[crash.lowerBound...].prefix(4000)) }
        return String(text.suffix(1500))
    }

    /// SIGKILL, then the way the process ended.
    func kill9() async throws -> (reason: ChildProcess.TerminationReason, code: Int32) {
        kill(serverPID, SIGKILL)
        return try await waitForExit()
    }

    /// SIGTERM (graceful shutdown), then the way the process ended.
    func terminate() async throws -> (reason: ChildProcess.TerminationReason, code: Int32) {
        kill(serverPID, SIGTERM)
        return try await waitForExit()
    }

    /// Kills whatever still runs (cleanup after a failed expectation).
    func forceStop() {
        guard process.isRunning else { return }
        kill(serverPID, SIGKILL)
        kill(process.processIdentifier, SIGKILL)
    }

    private func waitForExit() async throws -> (reason: ChildProcess.TerminationReason, code: Int32) {
        guard await eventually(timeout: .seconds(15), { !process.isRunning }) else {
            forceStop()
            throw TestClientError(description: "shipgate serve did not exit")
        }
        let child = process
        try await TestThread.run { child.waitUntilExit() }
        return (child.terminationReason, child.terminationStatus)
    }
}

// MARK: - Writes and their ledger

/// One uniquely keyed write: a scan of its own digest (findings encode the key) or a token with its own name.
/// The secrets and key the ledger's writes are made with.
struct Credentials: Sendable {
    let admin: String
    let approver: String
    let signer: PrivateKey
}

struct WriteKey: Sendable, CustomStringConvertible {
    enum Kind: Sendable, Hashable { case scan, token, attestation, approval }

    let iteration: Int
    let thread: Int
    let sequence: Int

    var kind: Kind {
        switch sequence % 4 {
        case 0: .scan
        case 1: .token
        case 2: .attestation
        default: .approval
        }
    }
    /// An approval approves the scan its connection wrote three keys earlier (so the image exists).
    var approvedDigest: String { WriteKey(iteration: iteration, thread: thread, sequence: sequence - 3).digest }
    var name: String { "durable-\(iteration)-\(thread)-\(sequence)" }
    var description: String { name }
    var digest: String { "sha256:" + SHA256.hexDigest(Array(name.utf8)) }
    var scannedAt: Date { Date(timeIntervalSince1970: TimeInterval(1_800_000_000 + iteration * 100_000 + thread * 10_000 + sequence)) }

    /// 1…3 findings with severities and fix state derived from the key, so the stored counts identify the content.
    var findings: [(id: String, severity: String, fixed: String)] {
        let severities = ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
        return (0..<(1 + sequence % 3)).map { index in
            ("SG-\(name)-\(index)", severities[(sequence / 2 + thread + index) % 4], (sequence + index) % 3 == 0 ? "" : "2.0")
        }
    }

    var expectedCounts: [String: Int] { Self.counts(findings) }
    var expectedFixableCounts: [String: Int] { Self.counts(findings.filter { !$0.fixed.isEmpty }) }

    private static func counts(_ findings: [(id: String, severity: String, fixed: String)]) -> [String: Int] {
        var counts = ["CRITICAL": 0, "HIGH": 0, "MEDIUM": 0, "LOW": 0, "UNKNOWN": 0]
        for finding in findings { counts[finding.severity, default: 0] += 1 }
        return counts
    }

    /// The complete HTTP/1.1 request for this write.
    func request(_ credentials: Credentials) throws -> String {
        let (target, body): (String, String)
        var token = credentials.admin
        switch kind {
        case .scan:
            target = "/api/v1/scans?digest=\(digest)"
            body = try trivyReport(findings.map { ($0.id, $0.severity, $0.fixed) }, createdAt: scannedAt)
        case .token:
            target = "/api/v1/tokens"
            body = #"{"name":"\#(name)","scopes":["clearance:read"]}"#
        case .attestation:
            target = "/api/v1/attestations"
            body = try signedEnvelope(
                digest: String(digest.dropFirst("sha256:".count)), predicateType: "https://example.com/durable/v1", predicate: ["key": name],
                key: credentials.signer, name: "registry.example.com/durable/app")
        case .approval:
            target = "/api/v1/images/\(approvedDigest)/approvals"
            body = #"{"environment":"production","decision":"approve","comment":"\#(name)"}"#
            token = credentials.approver
        }
        return "POST \(target) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// One client: writes as fast as the server answers on one keep-alive connection, until the connection breaks
    /// (the kill) or the ledger stops. A key counts as acknowledged only after its complete 201 was read.
    static func hammer(port: Int, credentials: Credentials, iteration: Int, thread: Int, ledger: Ledger) {
        guard let client = try? TestClient(port: port, timeout: .seconds(10)) else { return }
        var sequence = 0
        while !ledger.isStopped {
            let key = WriteKey(iteration: iteration, thread: thread, sequence: sequence)
            sequence += 1
            let request: String
            do {
                request = try key.request(credentials)
            } catch {
                ledger.unexpected("\(key.name): cannot build the request: \(error)")
                return
            }
            ledger.begin()
            do {
                try client.send(request)
            } catch {
                ledger.interrupt(key, sentAt: nil)
                return
            }
            let sentAt = ContinuousClock.now
            do {
                let response = try client.readResponse()
                ledger.finish(key, status: response.status)
            } catch {
                ledger.interrupt(key, sentAt: sentAt)
                return
            }
        }
    }
}

/// What the clients saw: keys acknowledged, keys whose connection broke before their answer, and anything else.
final class Ledger: Sendable {
    /// A write without an answer: `sentAt` is when its last byte was sent (nil if sending failed).
    struct Interrupted: Sendable {
        let key: WriteKey
        let sentAt: ContinuousClock.Instant?
    }

    struct Outcome: Sendable {
        var acknowledged: [WriteKey] = []
        var interrupted: [Interrupted] = []
        var unexpected: [String] = []
        var pending = 0
        var stopped = false
    }

    private let state = Mutex(Outcome())

    var outcome: Outcome { state.withLock { $0 } }
    var acknowledgedCount: Int { state.withLock { $0.acknowledged.count } }
    var isStopped: Bool { state.withLock { $0.stopped } }

    func stop() { state.withLock { $0.stopped = true } }
    func begin() { state.withLock { $0.pending += 1 } }
    func unexpected(_ text: String) { state.withLock { $0.unexpected.append(text) } }

    func finish(_ key: WriteKey, status: Int) {
        state.withLock {
            $0.pending -= 1
            if status == 201 { $0.acknowledged.append(key) } else { $0.unexpected.append("\(key.name): status \(status)") }
        }
    }

    func interrupt(_ key: WriteKey, sentAt: ContinuousClock.Instant?) {
        state.withLock {
            $0.pending -= 1
            $0.interrupted.append(Interrupted(key: key, sentAt: sentAt))
        }
    }
}
