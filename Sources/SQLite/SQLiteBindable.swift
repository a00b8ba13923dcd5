/// A Swift value that can be bound to a `?` parameter of a statement.
public protocol SQLiteBindable {
    /// The value to bind.
    var sqliteValue: SQLiteValue { get }
}

extension SQLiteValue: SQLiteBindable {
    /// The value itself.
    public var sqliteValue: SQLiteValue { self }
}

extension String: SQLiteBindable {
    /// Binds as TEXT (embedded NULs are kept: the length is passed explicitly).
    public var sqliteValue: SQLiteValue { .text(self) }
}

extension Int: SQLiteBindable {
    /// Binds as INTEGER.
    public var sqliteValue: SQLiteValue { .integer(Int64(self)) }
}

extension Int64: SQLiteBindable {
    /// Binds as INTEGER.
    public var sqliteValue: SQLiteValue { .integer(self) }
}

extension Double: SQLiteBindable {
    /// Binds as REAL.
    public var sqliteValue: SQLiteValue { .real(self) }
}

extension Bool: SQLiteBindable {
    /// Binds as INTEGER 1 or 0, the SQLite convention for booleans.
    public var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) }
}

extension Array: SQLiteBindable where Element == UInt8 {
    /// Binds as BLOB.
    public var sqliteValue: SQLiteValue { .blob(self) }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    /// Binds the wrapped value, or NULL for `nil`.
    public var sqliteValue: SQLiteValue {
        switch self {
        case .none: .null
        case .some(let wrapped): wrapped.sqliteValue
        }
    }
}
