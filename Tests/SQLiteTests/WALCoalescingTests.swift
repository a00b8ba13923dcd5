import Foundation
import Testing

@testable import SQLite

@Suite struct WALCoalescingTests {
    /// The writer's frames reach the WAL in one write per commit (or per 30 frames), not two per frame, and every
    /// commit is readable beside it and from the file once closed.
    @Test func commitsReachTheWALInFewWrites() async throws {
        let directory = try TemporaryDatabaseDirectory()
        let db = try Database(path: directory.databasePath, configuration: fastConfiguration())
        try await db.write { try $0.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
        let body = [UInt8](repeating: 0x4E, count: 900)
        for _ in 0..<60 {
            try await db.write { conn in
                for _ in 0..<12 { try conn.execute("INSERT INTO notes (body) VALUES (?)", [body]) }
            }
        }
        let counts = try #require(try await db.exclusiveWrite { $0.walWriteCounts })
        // 60 commits of about 3 pages: SQLite asks for some 360 writes; one write per commit reaches the file.
        #expect(counts.requested >= 300, "\(counts)")
        #expect(counts.issued * 4 <= counts.requested, "\(counts)")
        #expect(counts.droppedBytes == 0)
        #expect(try await db.read { try $0.queryOne("SELECT count(*) FROM notes")?.int(0) } == 720)
        await db.close()

        let reopened = try SQLiteConnection(path: directory.databasePath, readOnly: true, busyTimeoutMilliseconds: 1000)
        defer { reopened.close() }
        #expect(try reopened.queryOne("SELECT count(*), sum(length(body)) FROM notes").map { [$0.int(0), $0.int(1)] } == [720, 720 * 900])
        #expect(try reopened.internalQuery("PRAGMA integrity_check").first?.string(0) == "ok")
    }

    /// Frames a transaction spilled and then rolled back are dropped when it gives up the write lock. Written later,
    /// they would land on the frames another writer (here a second connection, as another process would be) has
    /// committed at the same offsets since.
    @Test func aRolledBackTransactionsFramesAreDroppedNotWrittenOverAnotherWriters() async throws {
        let directory = try TemporaryDatabaseDirectory()
        let path = directory.databasePath
        let coalescing = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: 5000, coalescingVFS: true)
        defer { coalescing.close() }
        _ = try coalescing.internalQuery("PRAGMA journal_mode = WAL")
        try coalescing.internalExecute("PRAGMA synchronous = FULL")
        // A cache of 8 pages makes a large transaction spill frames into the WAL before it ends.
        try coalescing.internalExecute("PRAGMA cache_size = 8")
        try coalescing.internalExecute("CREATE TABLE notes (id INTEGER PRIMARY KEY, writer TEXT NOT NULL, body BLOB NOT NULL)")
        try coalescing.coalesceWALWrites()
        // With an empty WAL, rolling back reads the pages it restores from the database file, so nothing writes
        // the buffer before the write lock goes.
        _ = try coalescing.internalQuery("PRAGMA wal_checkpoint(TRUNCATE)")

        try coalescing.internalExecute("BEGIN IMMEDIATE")
        for _ in 0..<100 {
            try coalescing.internalExecute("INSERT INTO notes (writer, body) VALUES ('rolled back', ?)", [[UInt8](repeating: 0xAA, count: 3000)])
        }
        try coalescing.internalExecute("ROLLBACK")
        let dropped = try #require(coalescing.walWriteCounts).droppedBytes
        #expect(dropped > 0, "the rolled-back transaction left frames in the buffer")

        let other = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: 5000)
        defer { other.close() }
        try other.internalExecute("PRAGMA synchronous = FULL")
        let otherBody = [UInt8](repeating: 0xBB, count: 3000)
        try other.internalExecute("BEGIN IMMEDIATE")
        for _ in 0..<200 { try other.internalExecute("INSERT INTO notes (writer, body) VALUES ('other', ?)", [otherBody]) }
        try other.internalExecute("COMMIT")

        // The other's frames now cover the offsets of the dropped ones. The coalescing connection reads them back from
        // the WAL, then commits one row of its own.
        #expect(try coalescing.queryOne("SELECT count(*) FROM notes WHERE body = ?", [otherBody])?.int(0) == 200)
        try coalescing.execute("INSERT INTO notes (writer, body) VALUES ('coalescing', x'CC')")

        let check = try SQLiteConnection(path: path, readOnly: true, busyTimeoutMilliseconds: 5000)
        defer { check.close() }
        #expect(try check.internalQuery("PRAGMA integrity_check").first?.string(0) == "ok")
        let rows = try check.internalQuery("SELECT writer, count(*), sum(body = ?) FROM notes GROUP BY writer ORDER BY writer", [otherBody])
        #expect(rows.map { "\($0.string(0) ?? "") \($0.int(1) ?? -1) \($0.int(2) ?? -1)" } == ["coalescing 1 0", "other 200 200"])
    }

    /// Without synchronous=FULL a commit does not sync the WAL, so nothing would write the buffer before other
    /// connections read the frames: the writer then keeps SQLite's own writes.
    @Test func onlyAFullySynchronousWriterCoalesces() async throws {
        var configuration = fastConfiguration()
        configuration.synchronous = .normal
        try await withDatabase(configuration: configuration) { db, _ in
            try await db.write { try $0.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)") }
            #expect(try await db.exclusiveWrite { $0.walWriteCounts } == nil)
        }
        try await withDatabase { db, _ in
            try await db.write { try $0.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)") }
            #expect(try await db.exclusiveWrite { $0.walWriteCounts } != nil)
        }
    }
}
