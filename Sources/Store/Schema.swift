import Crypto
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Shipgate's database schema: the migrations of `migrations/`, embedded at build time.
public enum Schema {
    /// The migrations this binary ships, in order, each with the SHA-256 of its SQL as checksum.
    public static let migrations: [Migration] = embeddedMigrationSources.map {
        Migration(identifier: $0.identifier, sql: $0.sql, checksum: SHA256.hexDigest(Array($0.sql.utf8)))
    }

    /// Reads `NNNN_name.sql` files from a directory instead (`--migrations-dir`), in file-name order.
    public static func migrations(fromDirectory path: String) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".sql") }.sorted()
        return try names.map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: path).appendingPathComponent(name))
            guard let sql = String(data: data, encoding: .utf8) else { throw StoreError.invalid("migration \(name) is not UTF-8") }
            return Migration(identifier: String(name.dropLast(4)), sql: sql, checksum: SHA256.hexDigest(Array(sql.utf8)))
        }
    }
}
