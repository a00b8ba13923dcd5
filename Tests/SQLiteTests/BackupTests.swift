import CSQLite
import Foundation
import Synchronization
import Testing

@testable import SQLite

@Suite struct BackupTests {
    @Test func copyIsOneCheckedFileHoldingEveryCommittedRow() async throws {
        try await withDatabase { db, path in
            try await db.write { try $0.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)") }
            for index in 0..<200 {
                try await db.write { try $0.execute("INSERT INTO notes (id, text) VALUES (?, ?)", [index, "note \(index)"]) }
            }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let copy = directory + "/copy.sqlite"
            try await db.backup(to: copy)

            // Self-contained: rollback-journal header (bytes 18 and 19 are 2 for WAL), no -wal, no staging file left.
            let header = try Array(Data(contentsOf: URL(fileURLWithPath: copy)).prefix(20))
            #expect(header[18] == 1 && header[19] == 1)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(!files.contains("copy.sqlite-wal"))
            #expect(!files.contains { $0.contains(".partial-") }, "\(files)")

            let restored = try Database(path: copy, configuration: fastConfiguration())
            let (count, integrity) = try await restored.read { conn in
                (try conn.queryOne("SELECT count(*) FROM notes")?.int(0), try conn.query("PRAGMA integrity_check").compactMap { $0.string(0) })
            }
            await restored.close()
            #expect(count == 200)
            #expect(integrity == ["ok"])
        }
    }

    @Test func holdsEveryWriteThatReturnedBeforeItWhileWritesContinue() async throws {
        try await withDatabase { db, path in
            try await db.write { try $0.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)") }
            let progress = WriteProgress()
            let writers = (0..<4).map { lane in
                Task {
                    var next = lane
                    while !progress.stopped.withLock({ $0 }) {
                        let id = next
                        try await db.write { try $0.execute("INSERT INTO notes (id) VALUES (?)", [id]) }
                        progress.returned.withLock { _ = $0.insert(id) }
                        next += 4
                    }
                }
            }
            try await waitUntil { progress.returned.withLock { $0.count } >= 200 }
            let before = progress.returned.withLock { $0 }
            let copy = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("copy.sqlite").path
            try await db.backup(to: copy)
            progress.stopped.withLock { $0 = true }
            for writer in writers { try await writer.value }
            #expect(progress.returned.withLock { $0.count } > before.count, "writes stopped during the backup")

            let restored = try Database(path: copy, configuration: fastConfiguration())
            let ids = try await restored.read { conn in try conn.query("SELECT id FROM notes").compactMap { $0.int(0) } }
            await restored.close()
            #expect(before.isSubset(of: Set(ids)), "missing: \(before.subtracting(ids).sorted().prefix(10))")
        }
    }

    @Test func refusesAnExistingTargetAndLeavesItUntouched() async throws {
        try await withDatabase { db, path in
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            let target = directory.appendingPathComponent("taken.sqlite").path
            try "precious".write(toFile: target, atomically: true, encoding: .utf8)
            await #expect {
                try await db.backup(to: target)
            } throws: { error in
                (error as? SQLiteError)?.code == SQLITE_CANTOPEN && "\(error)".contains("already exists")
            }
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious")
            // A dangling symlink is a name in use too: following it would write somewhere unexpected.
            let link = directory.appendingPathComponent("link.sqlite").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: directory.appendingPathComponent("nowhere").path)
            await #expect(throws: SQLiteError.self) { try await db.backup(to: link) }
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("nowhere").path))
        }
    }

    @Test func failsWithoutLeavingFilesWhenTheDirectoryIsMissingOrTheDatabaseClosed() async throws {
        let directory = try TemporaryDatabaseDirectory()
        let db = try Database(path: directory.databasePath, configuration: fastConfiguration())
        await #expect(throws: SQLiteError.self) { try await db.backup(to: directory.url.path + "/absent/copy.sqlite") }
        await db.close()
        await #expect {
            try await db.backup(to: directory.url.path + "/copy.sqlite")
        } throws: { error in
            (error as? SQLiteError)?.isDatabaseClosed == true
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { !$0.hasPrefix("db.sqlite") }
        #expect(files.isEmpty, "left behind: \(files)")
    }
}

/// Ids whose write returned, and a stop flag, shared by the writer tasks.
private final class WriteProgress: Sendable {
    let returned = Mutex<Set<Int>>([])
    let stopped = Mutex(false)
}
