import Foundation
import Testing

@testable import SQLite

@Suite struct CheckpointTests {
    /// SQLite's checkpoint inside COMMIT is replaced by one the writer runs after resuming the callers: the WAL must
    /// still be copied back and restart from its beginning (bounded), and readers must see everything committed.
    @Test func theWALIsCopiedBackAndStaysBoundedUnderManyCommits() async throws {
        try await withDatabase { db, path in
            try await db.write { try $0.execute("CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
            let body = [UInt8](repeating: 0x5A, count: 4000)
            // About one page per commit: more than twice the threshold.
            let threshold = Int(WALLength.threshold)
            let commits = threshold * 2 + 500
            for _ in 0..<commits {
                try await db.write { try $0.execute("INSERT INTO pages (body) VALUES (?)", [body]) }
            }
            let database = Self.size(of: path)
            let wal = Self.size(of: path + "-wal")
            #expect(database >= threshold * 3 / 2 * 4096, "frames were copied into the database file (\(database) bytes)")
            // Without checkpoints, or with checkpoints that never complete before the next write, the WAL would hold
            // every frame: more than twice the bound here.
            #expect(wal < (threshold + 100) * 4200, "the WAL restarted instead of growing (\(wal) bytes)")
            let (count, bytes) = try await db.read { conn in
                (try conn.queryOne("SELECT count(*) FROM pages")?.int(0), try conn.queryOne("SELECT sum(length(body)) FROM pages")?.int(0))
            }
            #expect(count == commits && bytes == commits * 4000)
        }
    }

    static func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }
}
