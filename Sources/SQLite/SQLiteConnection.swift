import CSQLite
import CSQLiteWAL

/// One SQLite connection, confined to the thread or queue that runs its ``Database`` closure.
///
/// It is deliberately not `Sendable` (see the unavailable conformance below): you only ever get one
/// as the argument of ``Database/read(_:)`` or ``Database/write(_:)``, and cannot let it escape.
///
/// ```swift
/// try await db.write { conn in
///     try conn.execute("INSERT INTO users(name) VALUES (?)", ["alice"])
///     return conn.lastInsertRowID
/// }
/// ```
public final class SQLiteConnection {
    private var handle: OpaquePointer?
    private let path: String
    /// Statements prepared for user code, keyed by SQL text.
    private var userStatements: [String: Statement] = [:]
    /// Our own statements (BEGIN, SAVEPOINT, COMMIT, …), kept apart so user code can never reuse one
    /// that was prepared while the authorizer allowed transaction control.
    private var internalStatements: [String: Statement] = [:]
    /// What the authorizer currently allows.
    var policy: StatementPolicy = .unrestricted
    /// Number of `sqlite3_prepare_v3` calls for cached statements, for tests of the statement cache.
    package private(set) var preparedStatementCount = 0
    /// Caps the cache so dynamically built SQL cannot grow it without bound.
    private static let maxCachedStatements = 512

    /// Opens a connection. On any failure the handle is closed before throwing.
    /// - Parameter coalescingVFS: open through the VFS that can gather WAL writes (see ``coalesceWALWrites()``).
    init(path: String, readOnly: Bool, busyTimeoutMilliseconds: Int, coalescingVFS: Bool = false) throws {
        Self.configureLibrary
        self.path = path
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let rc = sqlite3_open_v2(path, &db, flags, coalescingVFS ? csqlite_wal_vfs_name() : nil)
        guard rc == SQLITE_OK, let db else {
            // "Whether or not an error occurs when it is opened, resources associated with the database
            // connection handle should be released by passing it to sqlite3_close() when it is no longer required."
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            sqlite3_close_v2(db)
            throw SQLiteError(extendedCode: rc == SQLITE_OK ? SQLITE_CANTOPEN : rc, message: message)
        }
        self.handle = db
        do {
            try check(sqlite3_busy_timeout(db, Int32(clamping: busyTimeoutMilliseconds)), sql: nil)
            // Double-quoted strings silently become literals when an identifier is misspelled; refuse them.
            try check(csqlite_disable_dqs(db), sql: nil)
            try check(csqlite_enable_defensive(db), sql: nil)
            try check(
                sqlite3_set_authorizer(db, connectionAuthorizer, Unmanaged.passUnretained(self).toOpaque()), sql: nil)
            try internalExecute("PRAGMA foreign_keys = ON")
            // The pragma is silently ignored in some builds and inside a transaction: read it back.
            guard try internalQuery("PRAGMA foreign_keys").first?.int64(0) == 1 else {
                throw SQLiteError(extendedCode: SQLITE_ERROR, message: "foreign_keys could not be enabled")
            }
            // Memory-mapped reads skip a read() syscall and a copy per page; writes still go through the WAL. Only the
            // writer maps the file: a reader's first read transaction after any commit makes SQLite drop its whole
            // mapping (munmap, with a TLB flush on every core) and fault pages in again, which under steady ingest cost
            // more than the copies (clearance p99 beside signed-attestation ingest: 8.5 → 7.1 ms; uncached clearance
            // with no writes about 3% slower).
            if !readOnly { try internalExecute("PRAGMA mmap_size = 268435456") }
            // Savepoint journals (one per grouped write) and sort spills stay in memory: they only ever serve a rollback
            // inside an open transaction, never crash recovery, and as temporary files they cost a write() per page.
            try internalExecute("PRAGMA temp_store = MEMORY")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Process-wide settings, applied once before the first connection opens (SQLite refuses them afterwards).
    private static let configureLibrary: Void = {
        _ = csqlite_disable_memory_statistics()
        let rc = csqlite_wal_vfs_register()
        precondition(rc == SQLITE_OK, "cannot register the \(String(cString: csqlite_wal_vfs_name())) VFS: \(rc)")
    }()

    /// Sends this connection's WAL frames to the file in one write per commit instead of two per frame. Only for a
    /// connection opened with `coalescingVFS` and `synchronous=FULL`, whose commits sync the WAL before other
    /// connections can see them: the buffer is written before every sync, read, truncation and close.
    /// - Throws: ``SQLiteError`` when the WAL is not open through the coalescing VFS.
    func coalesceWALWrites() throws {
        guard let handle else { throw SQLiteError.databaseClosed() }
        let rc = csqlite_wal_coalesce(handle)
        guard rc == SQLITE_OK else {
            throw SQLiteError(extendedCode: rc, message: "the WAL of \(path) is not open through the \(String(cString: csqlite_wal_vfs_name())) VFS")
        }
    }

    /// The writes SQLite asked of this connection's WAL, those that reached the file, and the bytes of uncommitted
    /// frames dropped; nil without the coalescing VFS.
    var walWriteCounts: (requested: Int64, issued: Int64, droppedBytes: Int64)? {
        guard let handle else { return nil }
        var requested: Int64 = 0
        var issued: Int64 = 0
        var dropped: Int64 = 0
        guard csqlite_wal_write_counts(handle, &requested, &issued, &dropped) == SQLITE_OK else { return nil }
        return (requested, issued, dropped)
    }

    /// Finalizes every cached statement, then closes. Idempotent.
    func close() {
        guard let db = handle else { return }
        for statement in userStatements.values { statement.finalize() }
        for statement in internalStatements.values { statement.finalize() }
        userStatements.removeAll()
        internalStatements.removeAll()
        // Every statement we prepare is finalized by now (scripts finalize in `defer`); anything left is a bug.
        assert(sqlite3_next_stmt(db, nil) == nil, "statement still open while closing \(path)")
        // close_v2 turns the connection into a zombie instead of failing if a statement were still open.
        sqlite3_close_v2(db)
        handle = nil
    }

    /// True once ``close()`` ran.
    var isClosed: Bool { handle == nil }

    /// Installs `hook` to run after every commit of this connection with the frames now in the WAL. It replaces
    /// SQLite's automatic checkpoint, which would otherwise run inside the committing `sqlite3_step`.
    func setWALHook(
        _ hook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32,
        context: UnsafeMutableRawPointer
    ) {
        guard let handle else { return }
        sqlite3_wal_hook(handle, hook, context)
    }

    /// A passive checkpoint: copies the WAL frames no reader still needs into the database file, never waiting.
    /// Returns the frames in the WAL and how many of them are now copied back.
    @discardableResult
    func checkpointPassive() throws -> (frames: Int32, copied: Int32) {
        guard let handle else { throw SQLiteError.databaseClosed() }
        var frames: Int32 = 0
        var copied: Int32 = 0
        try check(
            sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied), sql: "PRAGMA wal_checkpoint(PASSIVE)")
        return (frames, copied)
    }

    /// `sqlite3_get_autocommit`: true when no transaction is open.
    var isAutocommit: Bool {
        guard let handle else { return true }
        return sqlite3_get_autocommit(handle) != 0
    }

    // MARK: - Public API

    /// Runs exactly one statement with `?` arguments, stepping it to completion (rows are discarded).
    public func execute(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws {
        try run(sql, arguments, cache: .user) { _ in }
    }

    /// Runs every statement of `sql` in order (no arguments), e.g. a schema script. Statements are not cached.
    public func executeScript(_ sql: String) throws {
        let db = try openHandle(sql: sql)
        var utf8 = Array(sql.utf8)
        utf8.append(0)
        try utf8.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { chars in
                guard let base = chars.baseAddress else { return }
                var start = base
                let end = base + (chars.count - 1)
                while start < end {
                    var statementHandle: OpaquePointer?
                    var tail: UnsafePointer<CChar>?
                    let rc = sqlite3_prepare_v3(db, start, Int32(clamping: end - start), 0, &statementHandle, &tail)
                    let statementText = String(decoding: UnsafeRawBufferPointer(
                        start: start, count: (tail ?? end) - start), as: UTF8.self)
                    if rc != SQLITE_OK {
                        throw error(rc, sql: statementText)
                    }
                    guard let tail, tail > start else { break }
                    start = tail
                    // A NULL statement means only whitespace or a comment was consumed.
                    guard let statementHandle else { continue }
                    defer { sqlite3_finalize(statementHandle) }
                    var step = sqlite3_step(statementHandle)
                    while step == SQLITE_ROW { step = sqlite3_step(statementHandle) }
                    if step != SQLITE_DONE { throw error(step, sql: statementText) }
                }
            }
        }
    }

    /// Runs one statement and returns all its rows.
    public func query(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> [Row] {
        try collectRows(sql, arguments, cache: .user, limit: nil)
    }

    /// Runs one statement and returns its first row, or nil; the statement is still stepped to completion.
    public func queryOne(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> Row? {
        try collectRows(sql, arguments, cache: .user, limit: 1).first
    }

    /// The rowid of the most recent successful INSERT on this connection.
    public var lastInsertRowID: Int64 {
        guard let handle else { return 0 }
        return sqlite3_last_insert_rowid(handle)
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE on this connection.
    public var changes: Int {
        guard let handle else { return 0 }
        return Int(sqlite3_changes64(handle))
    }

    // MARK: - Internal statements (transaction control, setup)

    func internalExecute(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws {
        try run(sql, arguments, cache: .internal) { _ in }
    }

    func internalQuery(_ sql: String, _ arguments: [any SQLiteBindable] = []) throws -> [Row] {
        try collectRows(sql, arguments, cache: .internal, limit: nil)
    }

    /// Number of statements currently cached for user code.
    package var cachedStatementCount: Int { userStatements.count }

    // MARK: - Machinery

    private enum Cache { case user, `internal` }

    private func collectRows(_ sql: String, _ arguments: [any SQLiteBindable], cache: Cache, limit: Int?) throws -> [Row] {
        var rows: [Row] = []
        var names: [String]?
        try run(sql, arguments, cache: cache) { statement in
            if let limit, rows.count >= limit { return }
            let count = Int(sqlite3_column_count(statement))
            if names == nil {
                names = (0..<count).map { i in
                    sqlite3_column_name(statement, Int32(i)).map { String(cString: $0) } ?? ""
                }
            }
            var values: [SQLiteValue] = []
            values.reserveCapacity(count)
            for i in 0..<Int32(count) { values.append(Self.columnValue(statement, i)) }
            rows.append(Row(values: values, columnNames: names!))
        }
        return rows
    }

    /// Prepares (or reuses) the statement, binds, steps to SQLITE_DONE calling `onRow` for each row,
    /// and always resets and clears the bindings afterwards so the cached statement is clean.
    private func run(
        _ sql: String, _ arguments: [any SQLiteBindable], cache: Cache, onRow: (OpaquePointer) throws -> Void
    ) throws {
        let db = try openHandle(sql: sql)
        let statement = try cachedStatement(sql, cache: cache, db: db)
        guard let stmt = statement.handle else { throw SQLiteError.databaseClosed(sql: sql) }
        defer {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
        }
        let expected = Int(sqlite3_bind_parameter_count(stmt))
        guard expected == arguments.count else {
            throw SQLiteError.misuse("expected \(expected) arguments, got \(arguments.count)", sql: sql)
        }
        for (offset, argument) in arguments.enumerated() {
            try bind(argument.sqliteValue, at: Int32(offset + 1), stmt, sql: sql)
        }
        while true {
            let rc = sqlite3_step(stmt)
            switch rc {
            case SQLITE_ROW: try onRow(stmt)
            case SQLITE_DONE: return
            default: throw error(rc, sql: sql)  // errmsg read before the reset in `defer`
            }
        }
    }

    private func cachedStatement(_ sql: String, cache: Cache, db: OpaquePointer) throws -> Statement {
        switch cache {
        case .user: if let s = userStatements[sql] { return s }
        case .internal: if let s = internalStatements[sql] { return s }
        }
        var stmt: OpaquePointer?
        var trailingStatement = false
        let rc = sql.withCString { cString -> Int32 in
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v3(db, cString, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, &tail)
            // SQLite compiles only the first statement; a second one would be silently ignored, so look
            // for it (comments and whitespace compile to no statement and are fine).
            if rc == SQLITE_OK, let tail, tail.pointee != 0 {
                var next: OpaquePointer?
                let nextRC = sqlite3_prepare_v3(db, tail, -1, 0, &next, nil)
                trailingStatement = nextRC != SQLITE_OK || next != nil
                sqlite3_finalize(next)
            }
            return rc
        }
        guard rc == SQLITE_OK else { throw error(rc, sql: sql) }
        guard let stmt else { throw SQLiteError.misuse("no statement in SQL text", sql: sql) }
        if trailingStatement {
            sqlite3_finalize(stmt)
            throw SQLiteError.misuse("execute and query accept exactly one statement; use executeScript", sql: sql)
        }
        preparedStatementCount += 1
        let statement = Statement(handle: stmt, sql: sql)
        switch cache {
        case .user:
            if userStatements.count >= Self.maxCachedStatements { evict(&userStatements) }
            userStatements[sql] = statement
        case .internal:
            internalStatements[sql] = statement
        }
        return statement
    }

    private func evict(_ statements: inout [String: Statement]) {
        for statement in statements.values { statement.finalize() }
        statements.removeAll(keepingCapacity: true)
    }

    private func bind(_ value: SQLiteValue, at index: Int32, _ stmt: OpaquePointer, sql: String) throws {
        let rc: Int32
        switch value {
        case .null:
            rc = sqlite3_bind_null(stmt, index)
        case .integer(let n):
            rc = sqlite3_bind_int64(stmt, index, n)
        case .real(let d):
            rc = sqlite3_bind_double(stmt, index, d)
        case .text(var s):
            // Explicit length keeps embedded NULs; TRANSIENT because the buffer dies with the closure.
            // A NULL pointer would bind SQL NULL, so an empty string gets a static non-NULL pointer.
            rc = s.withUTF8 { utf8 in
                if let base = utf8.baseAddress, utf8.count > 0 {
                    return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                        sqlite3_bind_text64(stmt, index, $0, sqlite3_uint64(utf8.count), csqlite_transient(), UInt8(SQLITE_UTF8))
                    }
                }
                return sqlite3_bind_text(stmt, index, "", 0, csqlite_transient())
            }
        case .blob(let bytes):
            rc = bytes.withUnsafeBytes { raw in
                if let base = raw.baseAddress, raw.count > 0 {
                    return sqlite3_bind_blob64(stmt, index, base, sqlite3_uint64(raw.count), csqlite_transient())
                }
                // A NULL pointer would bind SQL NULL; a zero-length zeroblob is an empty BLOB.
                return sqlite3_bind_zeroblob(stmt, index, 0)
            }
        }
        // The message names the parameter index only, never the value.
        if rc != SQLITE_OK { throw error(rc, sql: sql) }
    }

    private static func columnValue(_ stmt: OpaquePointer, _ i: Int32) -> SQLiteValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(stmt, i))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(stmt, i))
        case SQLITE_TEXT:
            // Call column_text before column_bytes, as sqlite.org recommends, so the byte count matches.
            guard let text = sqlite3_column_text(stmt, i) else { return .text("") }
            let count = Int(sqlite3_column_bytes(stmt, i))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            // A zero-length BLOB comes back as a NULL pointer.
            guard let blob = sqlite3_column_blob(stmt, i) else { return .blob([]) }
            let count = Int(sqlite3_column_bytes(stmt, i))
            return .blob(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default:
            return .null
        }
    }

    private func openHandle(sql: String?) throws -> OpaquePointer {
        guard let handle else { throw SQLiteError.databaseClosed(sql: sql) }
        return handle
    }

    private func check(_ rc: Int32, sql: String?) throws {
        if rc != SQLITE_OK { throw error(rc, sql: sql) }
    }

    /// Builds the error right after the failing call: errmsg is per-connection state the next call overwrites.
    private func error(_ rc: Int32, sql: String?) -> SQLiteError {
        guard let handle else { return SQLiteError(extendedCode: rc, message: String(cString: sqlite3_errstr(rc)), sql: sql) }
        let extended = sqlite3_extended_errcode(handle)
        // Misuse codes (e.g. SQLITE_RANGE from a bind) may not update the connection's error state.
        let code = (extended & 0xFF) == (rc & 0xFF) ? extended : rc
        return SQLiteError(extendedCode: code, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    fileprivate func authorize(_ action: Int32, _ a1: UnsafePointer<CChar>?, _ a2: UnsafePointer<CChar>?) -> Int32 {
        policy.authorize(action: action, argument1: a1, argument2: a2)
    }
}

/// The connection is confined to one thread or serial queue at a time; escaping it must not compile.
@available(*, unavailable)
extension SQLiteConnection: Sendable {}

/// C callback for `sqlite3_set_authorizer`; user data is the (unretained) connection that owns the handle.
private func connectionAuthorizer(
    _ userData: UnsafeMutableRawPointer?, _ action: Int32, _ a1: UnsafePointer<CChar>?, _ a2: UnsafePointer<CChar>?,
    _ database: UnsafePointer<CChar>?, _ trigger: UnsafePointer<CChar>?
) -> Int32 {
    guard let userData else { return SQLITE_DENY }
    let connection = Unmanaged<SQLiteConnection>.fromOpaque(userData).takeUnretainedValue()
    return connection.authorize(action, a1, a2)
}
