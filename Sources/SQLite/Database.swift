import CSQLite

/// A SQLite database file: one writer connection with group commit, plus a pool of read-only connections.
///
/// Open each file once per process. All SQLite calls run on dedicated serial queues, never on the
/// Swift cooperative pool, because `sqlite3_step`, busy waits and fsync block.
///
/// ```swift
/// let db = try Database(path: "/var/lib/shipgate/db.sqlite")
/// let id = try await db.write { conn in
///     try conn.execute("INSERT INTO notes(text) VALUES (?)", ["hello"])
///     return conn.lastInsertRowID
/// }
/// let count = try await db.read { try $0.queryOne("SELECT count(*) FROM notes")?.int(0) }
/// await db.close()
/// ```
public final class Database: Sendable {
    /// The file path given at open.
    public let path: String
    private let writer: Writer
    /// nil when `readerCount` is 0: reads then run on the writer queue.
    private let readers: ReaderPool?

    /// Opens (creating if needed) the file and checks every setting it relies on.
    /// - Throws: ``SQLiteError`` if the file cannot be opened or WAL / foreign keys / synchronous do not apply.
    public init(path: String, configuration: DatabaseConfiguration = .init()) throws {
        precondition(configuration.readerCount >= 0, "readerCount must not be negative")
        precondition(configuration.busyTimeoutMilliseconds >= 0, "busyTimeoutMilliseconds must not be negative")
        precondition(configuration.maxWritesPerCommit >= 1, "maxWritesPerCommit must be at least 1")
        precondition(
            configuration.checkpointFrames >= 1 && configuration.walLimitFrames >= configuration.checkpointFrames,
            "checkpointFrames must be at least 1 and at most walLimitFrames")
        self.path = path
        let writerConnection = try SQLiteConnection(
            path: path, readOnly: false, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds,
            coalescingVFS: configuration.synchronous == .full)
        // WAL is persistent in the file, but can silently not apply (e.g. no shared memory): check the answer.
        let mode = try writerConnection.internalQuery("PRAGMA journal_mode = WAL").first?.string(0)
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(extendedCode: SQLITE_ERROR, message: "journal_mode is \(mode ?? "unknown"), WAL required")
        }
        try writerConnection.internalExecute("PRAGMA synchronous = \(configuration.synchronous.rawValue)")
        guard try writerConnection.internalQuery("PRAGMA synchronous").first?.int64(0) == configuration.synchronous.pragmaValue
        else {
            throw SQLiteError(extendedCode: SQLITE_ERROR, message: "synchronous could not be set to \(configuration.synchronous.rawValue)")
        }
        if configuration.synchronous == .full {
            // SQLite opens the WAL at the first read transaction.
            _ = try writerConnection.internalQuery("SELECT count(*) FROM sqlite_schema")
            try writerConnection.coalesceWALWrites()
        }
        if configuration.readerCount > 0 {
            var readers: [ConfinedConnection] = []
            for index in 0..<configuration.readerCount {
                let connection = try SQLiteConnection(
                    path: path, readOnly: true, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
                readers.append(ConfinedConnection(connection: connection, label: "SQLite.reader.\(index)"))
            }
            self.readers = ReaderPool(readers: readers)
        } else {
            self.readers = nil
        }

        // Last, as nothing after it may fail: the checkpointer's thread lives until `close()`.
        let checkpointConnection = try SQLiteConnection(
            path: path, readOnly: false, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        // A checkpoint's fsyncs follow its own connection's setting.
        try checkpointConnection.internalExecute("PRAGMA synchronous = \(configuration.synchronous.rawValue)")
        let checkpointer = Checkpointer(connection: checkpointConnection, name: "sqlite-ckpt")
        self.writer = Writer(connection: writerConnection, checkpointer: checkpointer, label: "SQLite.writer", configuration: configuration)
        // Frames an earlier run left in the WAL (after a crash, or when another process holds the file open) are copied
        // back now, beside everything else: until then every read looks its pages up in the WAL first.
        checkpointer.start()
    }

    /// Runs `body` on a read-only connection inside one read transaction, so all its queries see
    /// the same committed snapshot; it runs in parallel with the writer and other readers.
    /// - Throws: what `body` throws, or ``SQLiteError`` (also when the database is closed).
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        guard let readers else {
            // No reader connections: read on the writer, with query_only so the body cannot write.
            return try await exclusiveWrite { connection in
                try connection.internalExecute("PRAGMA query_only = ON")
                defer { try? connection.internalExecute("PRAGMA query_only = OFF") }
                return try Database.runRead(connection, body)
            }
        }
        // Taking a free reader without a continuation keeps the common case free of a suspension (each one
        // re-enqueues the task on the pool); only a caller that finds every reader lent out waits.
        let index: Int
        if let free = try readers.tryAcquire() { index = free } else { index = try await readers.acquire() }
        defer { readers.release(index) }
        // The pool lends this connection to this caller alone until release, which is the one-at-a-time
        // use SQLITE_OPEN_NOMUTEX needs. A read is short CPU work on memory-mapped pages, so it runs right
        // here: hopping to the reader's queue and back cost two thread wake-ups per read (shipgate-bench:
        // clearance at 64 connections rose from about 6,600 to 8,100 requests/s).
        return try Database.runRead(readers.readers[index].connection, body)
    }

    /// ``read(_:)`` without ever waiting: nil when every reader is lent out (or there are none).
    public func readIfFree<T>(_ body: (SQLiteConnection) throws -> T) throws -> T? {
        guard let readers, let index = try readers.tryAcquire() else { return nil }
        defer { readers.release(index) }
        return try Database.runRead(readers.readers[index].connection, body)
    }

    /// Runs body inside the writer's transaction; concurrent writes are committed together (group commit):
    /// each body runs in its own SAVEPOINT (a throwing body rolls back only itself), one COMMIT for the group,
    /// and every caller returns only after that COMMIT succeeded (or throws its error).
    ///
    /// Bodies must not run transaction control (BEGIN, COMMIT, SAVEPOINT, …) or change connection
    /// pragmas; such statements fail with `SQLITE_AUTH`. A body is never retried.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await submit(.grouped, body)
    }

    /// Runs `body` alone on the writer connection with no transaction open; `body` must end any
    /// transaction it begins. For the migrator, which needs one transaction per migration.
    func exclusiveWrite<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await submit(.exclusive, body)
    }

    /// Queues `body` on the writer; the caller resumes with its value only once the writer delivers it
    /// (for grouped jobs, after COMMIT).
    private func submit<T: Sendable>(_ kind: WriteJob.Kind, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = WriteJob(
                kind: kind,
                run: { connection in
                    do {
                        let value = try body(connection)
                        return .returned(deliver: { continuation.resume(returning: value) })
                    } catch {
                        return .threw(error)
                    }
                },
                fail: { continuation.resume(throwing: $0) })
            do { try writer.submit(job) } catch { continuation.resume(throwing: error) }
        }
    }

    /// Waits for the reads in flight and the writes already queued, then finalizes and closes every connection.
    /// Later ``read(_:)`` and ``write(_:)`` calls throw an ``SQLiteError`` with ``SQLiteError/isDatabaseClosed``.
    public func close() async {
        // The writer's connection closes last: only a read-write connection that is the file's last can copy the WAL
        // back and remove it, so that the next open reads pages straight from the database file.
        await readers?.close()
        await writer.close()
    }

    /// Counters of committed writes and COMMITs (group commit makes `commits` smaller than `committedWrites`).
    public var statistics: DatabaseStatistics { writer.statistics }

    /// Writes queued and not yet taken by the writer; lets tests build a known group without sleeping.
    package var queuedWriteCount: Int { writer.queuedJobCount }

    /// One read transaction around `body`, with user-code restrictions active while it runs.
    private static func runRead<T>(_ connection: SQLiteConnection, _ body: (SQLiteConnection) throws -> T) throws -> T {
        guard !connection.isClosed else { throw SQLiteError.databaseClosed() }
        try connection.internalExecute("BEGIN DEFERRED")
        let result: Result<T, any Error>
        connection.policy = .userCode
        result = Result { try body(connection) }
        connection.policy = .unrestricted
        // Ending a read transaction only releases its snapshot; SQLite may already have ended it after an error.
        if !connection.isAutocommit {
            do {
                try connection.internalExecute("COMMIT")
            } catch {
                if !connection.isAutocommit { try? connection.internalExecute("ROLLBACK") }
                if case .success = result { throw error }
            }
        }
        precondition(connection.isAutocommit, "read transaction still open after the read")
        return try result.get()
    }
}
