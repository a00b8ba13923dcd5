import CSQLite
import Synchronization
import Testing

@testable import SQLite

@Suite struct DatabaseTests {
    @Test func openSetsWALFullSynchronousAndForeignKeys() async throws {
        try await withDatabase { db, _ in
            let writer = try await db.write { conn in
                (
                    try conn.queryOne("PRAGMA journal_mode")?.string(0),
                    try conn.queryOne("PRAGMA synchronous")?.int(0),
                    try conn.queryOne("PRAGMA foreign_keys")?.int(0),
                    try conn.queryOne("PRAGMA busy_timeout")?.int(0),
                    try conn.queryOne("PRAGMA mmap_size")?.int(0)
                )
            }
            #expect(writer.0 == "wal")
            #expect(writer.1 == 2)  // FULL
            #expect(writer.2 == 1)
            #expect(writer.3 == 5000)
            #expect(writer.4 == 256 << 20)
            let reader = try await db.read { conn in
                (
                    try conn.queryOne("PRAGMA journal_mode")?.string(0), try conn.queryOne("PRAGMA foreign_keys")?.int(0),
                    try conn.queryOne("PRAGMA mmap_size")?.int(0)
                )
            }
            #expect(reader.0 == "wal")
            #expect(reader.1 == 1)
            // Readers copy pages with pread: a mapping would be dropped and faulted in again after every commit.
            #expect(reader.2 == 0)
        }
    }

    /// Memory statistics would take one process-wide mutex on every allocation of every connection: they are off, so
    /// SQLite counts nothing even after real work.
    @Test func sqliteKeepsNoMemoryStatistics() async throws {
        try await withDatabase { db, _ in
            try await db.write { conn in
                try conn.execute("CREATE TABLE t (x TEXT)")
                for index in 0..<200 { try conn.execute("INSERT INTO t (x) VALUES (?)", [String(repeating: "x", count: index)]) }
            }
            let rows = try await db.read { try $0.queryOne("SELECT count(*) FROM t")?.int(0) }
            #expect(rows == 200)
            #expect(sqlite3_memory_used() == 0)
        }
    }

    @Test func normalSynchronousIsATestSwitch() async throws {
        var configuration = fastConfiguration()
        configuration.synchronous = .normal
        try await withDatabase(configuration: configuration) { db, _ in
            let mode = try await db.write { try $0.queryOne("PRAGMA synchronous")?.int(0) }
            #expect(mode == 1)
        }
    }

    @Test func doubleQuotedStringLiteralsAreRefused() async throws {
        try await withDatabase { db, _ in
            try await db.write { try $0.execute("CREATE TABLE t(name TEXT)") }
            // With DQS on, "nmae" would silently become the string 'nmae'.
            let error = await #expect(throws: SQLiteError.self) {
                try await db.read { try $0.query(#"SELECT * FROM t WHERE name = "nmae""#) }
            }
            #expect(error?.message.contains("no such column") == true)
        }
    }

    @Test func openFailureThrowsAndLeavesNothingOpen() throws {
        let directory = try TemporaryDatabaseDirectory()
        #expect(throws: SQLiteError.self) {
            try Database(path: directory.url.appendingPathComponent("missing/dir/db.sqlite").path)
        }
    }

    @Test func readerSeesLastCommittedStateNotTheOpenWrite() async throws {
        try await withDatabase { db, _ in
            try await db.write { conn in
                try conn.execute("CREATE TABLE t(x INTEGER)")
                try conn.execute("INSERT INTO t(x) VALUES (1)")
            }
            let inserted = Latch()
            let readDone = Latch()
            let write = Task {
                try await db.write { conn in
                    try conn.execute("INSERT INTO t(x) VALUES (2)")
                    inserted.open()
                    // Hold the transaction open until the reader has looked.
                    guard readDone.wait() else { throw TestFailure(reason: "reader never finished") }
                }
            }
            try await waitUntil { inserted.isOpen }
            // The read completes while the write transaction is still open: readers do not wait for the writer.
            let during = try await db.read { try $0.query("SELECT x FROM t ORDER BY x").compactMap { $0.int(0) } }
            readDone.open()
            try await write.value
            let after = try await db.read { try $0.query("SELECT x FROM t ORDER BY x").compactMap { $0.int(0) } }
            #expect(during == [1])
            #expect(after == [1, 2])
        }
    }

    @Test func readsRunInParallelOnSeveralReaders() async throws {
        try await withDatabase { db, _ in
            let first = Latch()
            let second = Latch()
            // Each read waits for the other one to start: only possible if both run at the same time.
            async let a: Bool = db.read { _ in
                first.open()
                return second.wait()
            }
            async let b: Bool = db.read { _ in
                second.open()
                return first.wait()
            }
            let (ra, rb) = try await (a, b)
            #expect(ra && rb)
        }
    }

    @Test func concurrentWritesAreGroupCommitted() async throws {
        try await withDatabase { db, _ in
            try await db.write { try $0.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, payload TEXT NOT NULL)") }
            let baseline = db.statistics
            let gate = Latch()
            // Hold the writer so the 200 writes queue up behind it and form one group.
            let blocker = try await blockWriter(db, gate: gate)
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        try await db.write { conn in
                            try conn.execute("INSERT INTO t(payload) VALUES (?)", ["row \(i)"])
                            return conn.lastInsertRowID
                        }
                    }
                }
                try await waitUntil { db.queuedWriteCount == 200 }
                gate.open()
                var ids: [Int64] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            #expect(try await blocker.value)
            #expect(Set(ids).count == 200)
            let count = try await db.read { try $0.queryOne("SELECT count(*) FROM t")?.int(0) }
            #expect(count == 200)
            let stats = db.statistics
            #expect(stats.committedWrites - baseline.committedWrites == 201)
            // The blocker committed alone, the 200 queued writes together.
            #expect(stats.commits - baseline.commits == 2)
            #expect(stats.failedWrites == 0)
        }
    }

    @Test func manyUncoordinatedWritesAllSucceed() async throws {
        try await withDatabase { db, _ in
            try await db.write { try $0.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER NOT NULL UNIQUE)") }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask { try await db.write { try $0.execute("INSERT INTO t(n) VALUES (?)", [i]) } }
                }
                try await group.waitForAll()
            }
            let count = try await db.read { try $0.queryOne("SELECT count(*) FROM t")?.int(0) }
            #expect(count == 200)
            #expect(db.statistics.commits <= db.statistics.committedWrites)
        }
    }

    @Test func throwingJobRollsBackOnlyItsOwnChanges() async throws {
        try await withDatabase { db, _ in
            try await db.write { try $0.execute("CREATE TABLE t(x INTEGER NOT NULL UNIQUE)") }
            let baseline = db.statistics
            let gate = Latch()
            let blocker = try await blockWriter(db, gate: gate)
            let good1 = Task { try await db.write { try $0.execute("INSERT INTO t(x) VALUES (1)") } }
            let bad = Task {
                try await db.write { conn in
                    try conn.execute("INSERT INTO t(x) VALUES (2)")
                    throw TestFailure(reason: "business rule")
                }
            }
            let constraint = Task {
                try await db.write { conn in
                    try conn.execute("INSERT INTO t(x) VALUES (4)")
                    try conn.execute("INSERT INTO t(x) VALUES (4)")  // UNIQUE violation after a successful insert
                }
            }
            let good2 = Task { try await db.write { try $0.execute("INSERT INTO t(x) VALUES (3)") } }
            try await waitUntil { db.queuedWriteCount == 4 }
            gate.open()

            try await good1.value
            try await good2.value
            await #expect(throws: TestFailure(reason: "business rule")) { try await bad.value }
            let constraintError = await #expect(throws: SQLiteError.self) { try await constraint.value }
            #expect(constraintError?.isConstraintViolation == true)
            #expect(try await blocker.value)

            let values = try await db.read { try $0.query("SELECT x FROM t ORDER BY x").compactMap { $0.int(0) } }
            #expect(values == [1, 3])
            let stats = db.statistics
            #expect(stats.commits - baseline.commits == 2)  // blocker alone, then one group of four
            #expect(stats.failedWrites - baseline.failedWrites == 2)
        }
    }

    @Test func failedCommitFailsEveryCallerOfTheGroup() async throws {
        try await withDatabase { db, _ in
            try await db.write { conn in
                try conn.executeScript(
                    """
                    CREATE TABLE parent(id INTEGER PRIMARY KEY);
                    CREATE TABLE child(id INTEGER PRIMARY KEY,
                        parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);
                    CREATE TABLE other(x INTEGER);
                    """)
            }
            let gate = Latch()
            let blocker = try await blockWriter(db, gate: gate)
            // The deferred foreign key is only checked at COMMIT, so the whole group's COMMIT fails.
            let innocent = Task { try await db.write { try $0.execute("INSERT INTO other(x) VALUES (1)") } }
            let dangling = Task { try await db.write { try $0.execute("INSERT INTO child(parent_id) VALUES (42)") } }
            try await waitUntil { db.queuedWriteCount == 2 }
            gate.open()
            let e1 = await #expect(throws: SQLiteError.self) { try await innocent.value }
            let e2 = await #expect(throws: SQLiteError.self) { try await dangling.value }
            #expect(e1?.isConstraintViolation == true)
            #expect(e2?.isConstraintViolation == true)
            #expect(try await blocker.value)
            let counts = try await db.read { conn in
                try conn.queryOne("SELECT (SELECT count(*) FROM other), (SELECT count(*) FROM child)")
            }
            #expect(counts?.int(0) == 0)
            #expect(counts?.int(1) == 0)
            // The writer is healthy afterwards.
            try await db.write { try $0.execute("INSERT INTO other(x) VALUES (2)") }
        }
    }

    @Test func jobThatSwallowsAnAutomaticRollbackFailsItsGroup() async throws {
        // SQLITE_FULL makes SQLite roll back the whole transaction even if the job catches the error.
        try await withDatabase { db, _ in
            try await db.write { conn in
                try conn.execute("CREATE TABLE t(b BLOB)")
                try conn.execute("INSERT INTO t(b) VALUES (zeroblob(4096))")
            }
            let pages = try await db.read { try $0.queryOne("PRAGMA page_count")?.int(0) } ?? 0
            let gate = Latch()
            let blocker = try await blockWriter(db, gate: gate)
            let first = Task { try await db.write { try $0.execute("INSERT INTO t(b) VALUES (x'01')") } }
            let swallower = Task {
                try await db.write { conn in
                    try conn.execute("PRAGMA max_page_count = \(pages)")
                    do {
                        try conn.execute("INSERT INTO t(b) VALUES (zeroblob(1000000))")
                    } catch let error as SQLiteError where error.isFull {
                        return true  // pretends nothing happened
                    }
                    return false
                }
            }
            try await waitUntil { db.queuedWriteCount == 2 }
            gate.open()
            let e1 = await #expect(throws: SQLiteError.self) { try await first.value }
            let e2 = await #expect(throws: SQLiteError.self) { _ = try await swallower.value }
            #expect(e1?.isFull == true || e1?.code == SQLITE_ABORT)
            #expect(e2 != nil)
            #expect(try await blocker.value)
            let count = try await db.read { try $0.queryOne("SELECT count(*) FROM t")?.int(0) }
            #expect(count == 1)
        }
    }

    @Test func closeWaitsForQueuedWritesAndReopenSeesThem() async throws {
        let directory = try TemporaryDatabaseDirectory()
        let db = try Database(path: directory.databasePath, configuration: fastConfiguration())
        try await db.write { try $0.execute("CREATE TABLE t(x INTEGER)") }
        let gate = Latch()
        let blocker = try await blockWriter(db, gate: gate) { try $0.execute("INSERT INTO t(x) VALUES (0)") }
        let writes = (1...20).map { i in Task { try await db.write { try $0.execute("INSERT INTO t(x) VALUES (?)", [i]) } } }
        try await waitUntil { db.queuedWriteCount == 20 }
        let closing = Task { await db.close() }
        gate.open()
        await closing.value
        #expect(try await blocker.value)
        for write in writes { try await write.value }  // all acknowledged before close returned

        let reopened = try Database(path: directory.databasePath, configuration: fastConfiguration())
        let sum = try await reopened.read { try $0.queryOne("SELECT count(*), sum(x) FROM t") }
        #expect(sum?.int(0) == 21)
        #expect(sum?.int(1) == 210)
        await reopened.close()
    }

    @Test func readAndWriteAfterCloseThrow() async throws {
        try await withDatabase { db, _ in
            try await db.write { try $0.execute("CREATE TABLE t(x)") }
            await db.close()
            let writeError = await #expect(throws: SQLiteError.self) { try await db.write { try $0.execute("INSERT INTO t VALUES (1)") } }
            let readError = await #expect(throws: SQLiteError.self) { try await db.read { try $0.query("SELECT * FROM t") } }
            #expect(writeError?.isDatabaseClosed == true)
            #expect(readError?.isDatabaseClosed == true)
            await db.close()  // idempotent
        }
    }

    @Test func worksWithoutReaderConnections() async throws {
        var configuration = fastConfiguration()
        configuration.readerCount = 0
        try await withDatabase(configuration: configuration) { db, _ in
            try await db.write { try $0.execute("CREATE TABLE t(x)") }
            try await db.write { try $0.execute("INSERT INTO t VALUES (7)") }
            let x = try await db.read { try $0.queryOne("SELECT x FROM t")?.int(0) }
            #expect(x == 7)
            // A read on the writer connection still cannot write.
            let error = await #expect(throws: SQLiteError.self) { try await db.read { try $0.execute("INSERT INTO t VALUES (8)") } }
            #expect(error?.code == SQLITE_READONLY)
            try await db.write { try $0.execute("INSERT INTO t VALUES (9)") }
            let count = try await db.read { try $0.queryOne("SELECT count(*) FROM t")?.int(0) }
            #expect(count == 2)
        }
    }
}
