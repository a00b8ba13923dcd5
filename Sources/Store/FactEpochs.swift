import Domain
import SQLite

/// The change counters a cached decision is checked against (migration 0007; `authentication(in:)` is the
/// one for cached tokens): triggers
/// bump them in the same transaction as the change, so equal counters mean the cached answer's facts are
/// the current ones, whichever process wrote.
public struct FactEpochs: Sendable, Hashable {
    /// Changes to facts every decision reads (keys, policies, environments, receipt keys, …).
    public let global: Int64
    /// Changes to the facts of one digest; 0 before its first.
    public let digest: Int64

    public init(global: Int64, digest: Int64) {
        self.global = global
        self.digest = digest
    }

    /// The counters now, for `digest` (or only the global one); read in the caller's snapshot.
    public static func read(digest: Digest?, in db: SQLiteConnection) throws -> FactEpochs {
        let row = try db.queryOne(
            "SELECT (SELECT n FROM fact_epoch WHERE id = 1), (SELECT n FROM digest_epoch WHERE digest = ?)", [digest?.rawValue ?? ""])
        // A missing counter row means the schema is not what this code expects: nothing may be cached against it.
        guard let global = row?.int64(0) else { throw StoreError.invalid("the fact_epoch row is missing") }
        return FactEpochs(global: global, digest: row?.int64(1) ?? 0)
    }

    /// Changes to users and tokens, which authentication reads.
    public static func authentication(in db: SQLiteConnection) throws -> Int64 {
        guard let epoch = try db.queryOne("SELECT n FROM auth_epoch WHERE id = 1")?.int64(0) else {
            throw StoreError.invalid("the auth_epoch row is missing")
        }
        return epoch
    }
}
