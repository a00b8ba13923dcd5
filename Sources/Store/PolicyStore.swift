import Domain
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Environments and their versioned policy documents.
public enum PolicyStore {
    /// A stored policy version.
    public struct Version: Sendable, Equatable {
        public let environment: String
        public let version: Int
        public let document: [UInt8]
        public let createdBy: String
        public let createdAt: Date
    }

    /// Every environment name, sorted.
    public static func environments(in db: SQLiteConnection) throws -> [String] {
        try db.query("SELECT name FROM environments ORDER BY name").compactMap { $0.string(0) }
    }

    /// Stores `document` as the next version of `environment`'s policy, creating the environment if new.
    @discardableResult
    public static func put(environment: String, document: [UInt8], by actor: String, at date: Date, in db: SQLiteConnection) throws -> Int {
        let now = Timestamp.format(date)
        try db.execute("INSERT INTO environments (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [environment, now])
        let next = (try db.queryOne("SELECT MAX(version) FROM policies WHERE environment = ?", [environment])?.int(0) ?? 0) + 1
        try db.execute(
            "INSERT INTO policies (environment, version, document, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            [environment, next, String(decoding: document, as: UTF8.self), actor, now])
        return next
    }

    /// The newest policy of `environment`, or nil for an unknown environment.
    public static func current(environment: String, in db: SQLiteConnection) throws -> Version? {
        try db.queryOne(
            "SELECT environment, version, document, created_by, created_at FROM policies WHERE environment = ? ORDER BY version DESC LIMIT 1",
            [environment]
        ).map(version)
    }

    /// One version of `environment`'s policy.
    public static func version(_ number: Int, environment: String, in db: SQLiteConnection) throws -> Version? {
        try db.queryOne(
            "SELECT environment, version, document, created_by, created_at FROM policies WHERE environment = ? AND version = ?",
            [environment, number]
        ).map(version)
    }

    private static func version(_ row: Row) throws -> Version {
        guard let environment = row.string(0), let number = row.int(1), let document = row.string(2), let by = row.string(3),
            let at = row.string(4).flatMap(Timestamp.parse)
        else { throw StoreError.invalid("unreadable policies row") }
        return Version(environment: environment, version: number, document: Array(document.utf8), createdBy: by, createdAt: at)
    }
}
