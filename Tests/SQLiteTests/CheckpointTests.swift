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

    /// The checkpointer's thread yields to requests and the writer: it runs at nice 5.
    @Test func theCheckpointerThreadRunsAtALowerPriority() async throws {
        try await withDatabase { _, _ in
            let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
            let niceness = tasks.compactMap { task -> Int? in
                guard (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?.hasPrefix("sqlite-ckpt") == true,
                    let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                    let fields = stat.split(separator: ")").last?.split(separator: " ")
                else { return nil }
                // After "pid (comm)": state is field 3 of stat(5), nice field 19.
                return Int(fields[16])
            }
            #expect(!niceness.isEmpty)
            #expect(niceness.allSatisfy { $0 == 5 }, "\(niceness)")
        }
    }

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
