import Foundation
import Testing

@testable import SQLite

@Suite struct CheckpointTests {
    /// SQLite's checkpoint inside COMMIT is replaced by copies beside the writer and a last one by the writer at the WAL's
    /// limit: the WAL must still be copied back and restart from its beginning (bounded), and readers must see everything.
    @Test func theWALIsCopiedBackAndStaysBoundedUnderManyCommits() async throws {
        var configuration = fastConfiguration()
        configuration.checkpointFrames = 200
        configuration.walLimitFrames = 800
        try await withDatabase(configuration: configuration) { db, path in
            try await db.write { try $0.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
            let body = [UInt8](repeating: 0x5A, count: 4000)
            // About one page per commit: three times the limit.
            let commits = 2400
            for _ in 0..<commits {
                try await db.write { try $0.execute("INSERT INTO pages (body) VALUES (?)", [body]) }
            }
            let database = Self.size(of: path)
            let wal = Self.size(of: path + "-wal")
            #expect(database >= (commits - 800) * 4096, "frames were copied into the database file (\(database) bytes)")
            // Without the writer's last copy at the limit the WAL would hold every frame: three times the bound here.
            #expect(wal < (800 + 100) * 4200, "the WAL restarted instead of growing (\(wal) bytes)")
            let (count, bytes) = try await db.read { conn in
                (try conn.queryOne("SELECT count(*) FROM pages")?.int(0), try conn.queryOne("SELECT sum(length(body)) FROM pages")?.int(0))
            }
            #expect(count == commits && bytes == commits * 4000)
        }
    }

    /// Frames are copied back by the checkpointer's own connection once `checkpointFrames` were committed, long before
    /// the limit and without another write to trigger it.
    @Test func framesAreCopiedBackBesideTheWriterBeforeTheLimit() async throws {
        var configuration = fastConfiguration()
        configuration.checkpointFrames = 100
        configuration.walLimitFrames = 100_000
        try await withDatabase(configuration: configuration) { db, path in
            try await db.write { try $0.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
            let before = Self.size(of: path)
            let body = [UInt8](repeating: 0x5A, count: 4000)
            for _ in 0..<150 {
                try await db.write { try $0.execute("INSERT INTO pages (body) VALUES (?)", [body]) }
            }
            try await waitUntil { Self.size(of: path) >= before + 100 * 4096 }
            #expect(Self.size(of: path + "-wal") >= 150 * 4096, "the WAL is not restarted before the limit")
            let count = try await db.read { try $0.queryOne("SELECT count(*) FROM pages")?.int(0) }
            #expect(count == 150)
        }
    }

    /// Frames already in the WAL when the database opens (here another connection, as another process would, wrote
    /// them and keeps the file open) are copied back at once, with no write to trigger it: until then every read looks
    /// its pages up in the WAL first.
    @Test func framesLeftInTheWALAreCopiedBackAtOpen() async throws {
        let directory = try TemporaryDatabaseDirectory()
        let path = directory.databasePath
        let other = try SQLiteConnection(path: path, readOnly: false, busyTimeoutMilliseconds: 5000)
        defer { other.close() }
        _ = try other.internalQuery("PRAGMA journal_mode = WAL")
        try other.internalExecute("PRAGMA wal_autocheckpoint = 0")
        try other.internalExecute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        for _ in 0..<300 { try other.internalExecute("INSERT INTO pages (body) VALUES (?)", [[UInt8](repeating: 0x5A, count: 4000)]) }
        #expect(Self.size(of: path) < 100 * 4096, "the pages are still only in the WAL")

        var configuration = fastConfiguration()
        // No checkpoint during the test: none is due before 100,000 new frames, nor the writer's last copy before 1,000,000.
        configuration.checkpointFrames = 100_000
        configuration.walLimitFrames = 1_000_000
        let db = try Database(path: path, configuration: configuration)
        try await waitUntil { Self.size(of: path) >= 300 * 4000 }
        #expect(try await db.read { try $0.queryOne("SELECT count(*) FROM pages")?.int(0) } == 300)
        await db.close()
    }

    /// A clean close copies the WAL back and removes it: the writer's connection closes last, after the read-only ones,
    /// which cannot.
    @Test func aCleanCloseLeavesNoWAL() async throws {
        let directory = try TemporaryDatabaseDirectory()
        let path = directory.databasePath
        var configuration = fastConfiguration()
        // No checkpoint during the test: none is due before 100,000 new frames, nor the writer's last copy before 1,000,000.
        configuration.checkpointFrames = 100_000
        configuration.walLimitFrames = 1_000_000
        let db = try Database(path: path, configuration: configuration)
        try await db.write { try $0.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
        for _ in 0..<50 {
            try await db.write { try $0.execute("INSERT INTO pages (body) VALUES (?)", [[UInt8](repeating: 0x5A, count: 4000)]) }
        }
        // Every reader has had a transaction open on the WAL.
        try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<8 { group.addTask { try await db.read { try $0.queryOne("SELECT count(*) FROM pages")?.int(0) } } }
            for try await count in group { #expect(count == 50) }
        }
        #expect(Self.size(of: path + "-wal") > 50 * 4096)
        await db.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "the WAL is left with \(Self.size(of: path + "-wal")) bytes")
        #expect(Self.size(of: path) >= 50 * 4000)
    }

    /// The checkpointer's thread yields to requests and the writer: it runs at nice 5. A new thread names itself and
    /// lowers its priority as it starts (tests in parallel start others), so this waits for every one to have done so.
    @Test func theCheckpointerThreadRunsAtALowerPriority() async throws {
        try await withDatabase { _, _ in
            try await waitUntil {
                let niceness = Self.checkpointerNiceness()
                return !niceness.isEmpty && niceness.allSatisfy { $0 == 5 }
            }
        }
    }

    /// The nice value of every thread named `sqlite-ckpt` in this process.
    static func checkpointerNiceness() -> [Int] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task -> Int? in
            guard (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.hasPrefix("sqlite-ckpt") == true,
                let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                let fields = stat.split(separator: ")").last?.split(separator: " ")
            else { return nil }
            // After "pid (comm)": state is field 3 of stat(5), nice field 19.
            return Int(fields[16])
        }
    }

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
