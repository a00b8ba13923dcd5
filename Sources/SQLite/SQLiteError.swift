import CSQLite

/// An error reported by SQLite, captured right after the failing call; it never carries bound values.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The primary result code (`SQLITE_CONSTRAINT`, `SQLITE_BUSY`, …).
    public let code: Int32
    /// The extended result code (`SQLITE_CONSTRAINT_FOREIGNKEY`, …); equals `code` when SQLite gave no extension.
    public let extendedCode: Int32
    /// The message from `sqlite3_errmsg` (or our own fixed text), read before any other call on the connection.
    public let message: String
    /// The SQL text of the failing statement, when there was one. Bound values are never included
    /// because they may be secrets (GRDB `publicStatementArguments: false`).
    public let sql: String?

    /// Creates an error from an extended result code; the primary code is its low byte.
    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.code = extendedCode & 0xFF
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// True for every `SQLITE_CONSTRAINT_*` failure (unique, foreign key, check, not null, …).
    public var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    /// True for `SQLITE_BUSY` and `SQLITE_LOCKED`: another connection held the lock past the busy timeout.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    /// True when the disk (or the configured size limit) is full.
    public var isFull: Bool { code == SQLITE_FULL }
    /// True when the ``Database`` was closed before the operation could run.
    public var isDatabaseClosed: Bool { extendedCode == SQLiteError.closedCode && message == SQLiteError.closedMessage }

    /// A readable one-line description: codes, message and SQL (never bound values).
    public var description: String {
        var text = "SQLite error \(extendedCode)"
        if extendedCode != code { text += " (primary \(code))" }
        text += ": \(message)"
        if let sql { text += " — SQL: \(sql)" }
        return text
    }

    static let closedCode = SQLITE_MISUSE
    static let closedMessage = "database is closed"

    /// The error every operation on a closed ``Database`` or connection throws.
    static func databaseClosed(sql: String? = nil) -> SQLiteError {
        SQLiteError(extendedCode: closedCode, message: closedMessage, sql: sql)
    }

    /// Programmer-facing misuse (wrong argument count, several statements in `execute`, …).
    static func misuse(_ message: String, sql: String?) -> SQLiteError {
        SQLiteError(extendedCode: SQLITE_MISUSE, message: message, sql: sql)
    }
}
