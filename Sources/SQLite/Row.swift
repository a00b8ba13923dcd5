/// One result row, with its values copied out of the statement (so it is `Sendable` and outlives it).
///
/// Typed accessors return `nil` for NULL **and** for a value of another storage class, so a caller
/// that expects a value must treat `nil` as "not usable" (fail closed), never as a default.
public struct Row: Sendable {
    /// The values, in column order.
    public let values: [SQLiteValue]
    /// The column names, in column order (shared between the rows of one query).
    public let columnNames: [String]

    /// Creates a row from values and their column names (same length).
    public init(values: [SQLiteValue], columnNames: [String]) {
        precondition(values.count == columnNames.count, "a row needs one name per value")
        self.values = values
        self.columnNames = columnNames
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// The value at a column index; traps when the index is out of range (a programmer error).
    public subscript(_ i: Int) -> SQLiteValue {
        precondition(values.indices.contains(i), "column index \(i) out of range 0..<\(values.count)")
        return values[i]
    }

    /// The value of the named column (exact match first, then ASCII case-insensitive like SQLite);
    /// traps when no column has that name, which is a programmer error in the query.
    public subscript(_ name: String) -> SQLiteValue {
        guard let i = index(of: name) else { preconditionFailure("no column named \(name) in \(columnNames)") }
        return values[i]
    }

    /// The index of the named column, or nil.
    public func index(of name: String) -> Int? {
        if let i = columnNames.firstIndex(of: name) { return i }
        let lowered = name.lowercased()
        return columnNames.firstIndex { $0.lowercased() == lowered }
    }

    /// TEXT as a String; nil for NULL or another storage class.
    public func string(_ i: Int) -> String? { Row.string(self[i]) }
    /// INTEGER as an Int; nil for NULL or another storage class.
    public func int(_ i: Int) -> Int? { Row.int64(self[i]).map { Int($0) } }
    /// INTEGER as an Int64; nil for NULL or another storage class.
    public func int64(_ i: Int) -> Int64? { Row.int64(self[i]) }
    /// REAL (or INTEGER, converted) as a Double; nil for NULL or text/blob.
    public func double(_ i: Int) -> Double? { Row.double(self[i]) }
    /// BLOB bytes; nil for NULL or another storage class.
    public func blob(_ i: Int) -> [UInt8]? { Row.blob(self[i]) }
    /// INTEGER 0 or 1 as a Bool; nil for NULL, other integers and other storage classes (fail closed).
    public func bool(_ i: Int) -> Bool? { Row.bool(self[i]) }

    /// TEXT of the named column as a String; nil for NULL or another storage class.
    public func string(_ name: String) -> String? { Row.string(self[name]) }
    /// INTEGER of the named column as an Int.
    public func int(_ name: String) -> Int? { Row.int64(self[name]).map { Int($0) } }
    /// INTEGER of the named column as an Int64.
    public func int64(_ name: String) -> Int64? { Row.int64(self[name]) }
    /// REAL (or INTEGER) of the named column as a Double.
    public func double(_ name: String) -> Double? { Row.double(self[name]) }
    /// BLOB of the named column.
    public func blob(_ name: String) -> [UInt8]? { Row.blob(self[name]) }
    /// INTEGER 0/1 of the named column as a Bool.
    public func bool(_ name: String) -> Bool? { Row.bool(self[name]) }

    private static func string(_ v: SQLiteValue) -> String? {
        if case .text(let s) = v { return s }
        return nil
    }
    private static func int64(_ v: SQLiteValue) -> Int64? {
        if case .integer(let n) = v { return n }
        return nil
    }
    private static func double(_ v: SQLiteValue) -> Double? {
        switch v {
        case .real(let d): d
        case .integer(let n): Double(n)
        default: nil
        }
    }
    private static func blob(_ v: SQLiteValue) -> [UInt8]? {
        if case .blob(let b) = v { return b }
        return nil
    }
    private static func bool(_ v: SQLiteValue) -> Bool? {
        switch v {
        case .integer(0): false
        case .integer(1): true
        default: nil
        }
    }
}
