import Foundation
import Testing
import TestSupport

/// `shipgate backup`: an online copy taken while the real server writes, restored and checked.
@Suite struct BackupTests {
    @Test func backupTakenUnderWriteLoadRestoresEveryEarlierAcknowledgedWrite() async throws {
        let directory = try TemporaryDirectory("backup")
        defer { directory.remove() }
        let db = directory.file("s.db")
        let credentials = try await ServerProcess.credentials(db: db, directory: directory)
        let server = try await ServerProcess.start(db: db, directory: directory)
        defer { server.forceStop() }
        let ledger = Ledger()
        let port = server.port
        async let load: [Void] = TestThread.runParallel(3) { thread in
            WriteKey.hammer(port: port, credentials: credentials, iteration: 0, thread: thread, ledger: ledger)
        }
        defer { ledger.stop() }  // runs before the implicit await of `load` on an early exit
        #expect(await eventually(timeout: .seconds(10)) { ledger.acknowledgedCount >= 30 })

        let acknowledgedBefore = ledger.outcome.acknowledged
        let backupPath = directory.file("backup.db")
        let backup = try await CLI.run(["backup", "--db", db, backupPath])
        let acknowledgedDuring = ledger.acknowledgedCount - acknowledgedBefore.count
        ledger.stop()
        _ = try await load
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stderr.contains("integrity ok"))
        #expect(acknowledgedDuring > 0, "no write was acknowledged while the backup ran: it was not taken under load")
        #expect(ledger.outcome.unexpected.isEmpty, "\(ledger.outcome.unexpected.prefix(5))")
        let stopped = try await server.terminate()
        #expect(stopped.reason == .exit && stopped.code == 0, "\(stopped): \(server.logTail)")

        // One self-contained file: nothing of the copy lives in a -wal beside it.
        #expect(!FileManager.default.fileExists(atPath: backupPath + "-wal"))
        #expect(try await DurabilityTests.integrityCheck(backupPath) == ["ok"])
        let verify = try await CLI.run(["audit", "verify", "--db", backupPath])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let missing = try await DurabilityTests.countsInFile(backupPath, acknowledgedBefore)
        #expect(missing.isEmpty, "acknowledged before the backup but not in it: \(missing.prefix(5))")

        // Restore as an operator would: the copy in place of a database file, served, every earlier write readable.
        let restored = directory.file("restored.db")
        try FileManager.default.copyItem(atPath: backupPath, toPath: restored)
        let restoredServer = try await ServerProcess.start(db: restored, directory: directory)
        defer { restoredServer.forceStop() }
        let problems = try await DurabilityTests.verify(
            acknowledged: acknowledgedBefore, interrupted: [], port: restoredServer.port, token: credentials.admin, db: restored)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
        #expect(try await restoredServer.terminate().code == 0)
        print("backup under load: \(acknowledgedBefore.count) writes acknowledged before it, \(acknowledgedDuring) during it, lost \(missing.count)")
    }

    @Test func refusesAnExistingTargetAndLeavesItUntouched() async throws {
        let directory = try TemporaryDirectory("backup")
        defer { directory.remove() }
        let db = directory.file("s.db")
        #expect(try await CLI.run(["migrate", "--db", db]).status == 0)
        let target = directory.file("existing.db")
        try "precious".write(toFile: target, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["backup", "--db", db, target])
        #expect(result.status == 1)
        #expect(result.stderr.contains("already exists"))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious")
    }

    @Test func failsWithoutLeavingFilesWhenTheSourceOrTargetDirectoryIsMissing() async throws {
        let directory = try TemporaryDirectory("backup")
        defer { directory.remove() }
        let missingSource = try await CLI.run(["backup", "--db", directory.file("missing.db"), directory.file("copy.db")])
        #expect(missingSource.status == 1)
        #expect(missingSource.stderr.contains("no database file"))
        let db = directory.file("s.db")
        #expect(try await CLI.run(["migrate", "--db", db]).status == 0)
        let noDirectory = try await CLI.run(["backup", "--db", db, directory.file("absent/copy.db")])
        #expect(noDirectory.status == 1)
        #expect(noDirectory.stderr.contains("cannot back up"))
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix("s.db") }
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
