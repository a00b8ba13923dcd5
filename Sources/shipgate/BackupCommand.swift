import ArgumentParser
import SQLite

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `shipgate backup PATH`: an online, consistent copy of the database, safe to take while the server writes.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the database to a new file while the server keeps running.",
        discussion: """
            The copy is one committed snapshot (SQLite VACUUM INTO), self-contained (no -wal file), checked with \
            PRAGMA integrity_check and synced to disk before it appears at PATH. An existing PATH is never overwritten. \
            Restore by stopping the server and putting the copy in place of the database file (remove any old -wal and -shm). \
            Exit status: 0 written, 1 failed (nothing is left at PATH).
            """)

    @OptionGroup var database: DatabaseOption

    @Argument(help: "The new backup file (must not exist).") var path: String

    func run() async throws {
        let source = database.db
        // Opening a missing path would create an empty database, and back that up "successfully".
        guard FileManager.default.fileExists(atPath: source) else { throw Self.fail("no database file at \(source)") }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw Self.fail("\(path) already exists; a backup never overwrites a file, choose a new name")
        }
        do {
            // Not ShipgateDatabase.open: a backup copies the file as it is, it must not migrate it. No reader connections are needed.
            var configuration = DatabaseConfiguration()
            configuration.readerCount = 0
            let db = try Database(path: source, configuration: configuration)
            do {
                try await db.backup(to: path)
                await db.close()
            } catch {
                await db.close()
                throw error
            }
        } catch let error as SQLiteError {
            throw Self.fail("cannot back up \(source) to \(path): \(error.message)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        Output.message("Backed up \(source) to \(path) (\(size) bytes, integrity ok).")
    }

    /// Prints `message` to stderr and returns the exit-1 error to throw.
    static func fail(_ message: String) -> ExitCode {
        Output.message("shipgate backup: \(message)")
        return ExitCode(1)
    }
}
