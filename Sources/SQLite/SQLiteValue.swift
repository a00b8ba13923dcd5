/// One SQLite storage-class value, copied out of SQLite so it can cross threads.
public enum SQLiteValue: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// A 64-bit signed integer.
    case integer(Int64)
    /// An IEEE double.
    case real(Double)
    /// UTF-8 text; may contain NUL characters.
    case text(String)
    /// Raw bytes; an empty blob is `.blob([])`, not `.null`.
    case blob([UInt8])
}
