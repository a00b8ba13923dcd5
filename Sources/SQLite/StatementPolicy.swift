import CSQLite

/// Which statements the authorizer lets user code prepare on a connection.
///
/// The writer wraps every job in our own transaction and savepoint; a job that could run COMMIT,
/// ROLLBACK, RELEASE or `PRAGMA synchronous=OFF` would break what group commit promises, so those
/// are refused at prepare time (SQLITE_AUTH) rather than detected afterwards.
enum StatementPolicy {
    /// Our own transaction control and setup: everything allowed.
    case unrestricted
    /// User code inside `read {}` / `write {}`: no transaction control, no ATTACH, no connection-setting pragmas.
    case userCode
    /// Migration scripts: no transaction control or ATTACH (the migrator owns the transaction), pragmas allowed.
    case migration

    /// Pragmas that change how the connection keeps its promises (durability, integrity, locking).
    private static let protectedPragmas: Set<String> = [
        "journal_mode", "synchronous", "foreign_keys", "locking_mode", "query_only", "writable_schema",
        "ignore_check_constraints", "trusted_schema", "busy_timeout", "cell_size_check", "recursive_triggers",
        "schema_version", "user_version", "wal_autocheckpoint", "journal_size_limit", "mmap_size",
    ]

    /// Returns SQLITE_OK or SQLITE_DENY for one authorizer callback.
    func authorize(action: Int32, argument1: UnsafePointer<CChar>?, argument2: UnsafePointer<CChar>?) -> Int32 {
        switch self {
        case .unrestricted:
            return SQLITE_OK
        case .userCode, .migration:
            switch action {
            case SQLITE_TRANSACTION, SQLITE_SAVEPOINT, SQLITE_ATTACH, SQLITE_DETACH:
                return SQLITE_DENY
            case SQLITE_PRAGMA where self == .userCode && argument2 != nil:
                // arg1 is the pragma name, arg2 its value; reading a pragma (arg2 NULL) stays allowed.
                guard let argument1 else { return SQLITE_DENY }
                return StatementPolicy.protectedPragmas.contains(String(cString: argument1).lowercased()) ? SQLITE_DENY : SQLITE_OK
            default:
                return SQLITE_OK
            }
        }
    }
}
