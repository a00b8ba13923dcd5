import App
import ArgumentParser
import SQLite
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `shipgate audit verify`: checks the hash chain of the audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Inspect the tamper-evident audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every audit entry's hash and link.",
            discussion: """
                Exit status: 0 intact, 1 the chain is broken (an entry was edited, deleted or reordered; the first bad \
                entry is named), 2 the database cannot be read. The database is opened as is: nothing is created or migrated.
                """)

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let path = database.db
            // Opening a missing path would create an empty database, which would then "verify".
            guard FileManager.default.fileExists(atPath: path) else {
                throw Self.fail("no database file at \(path)")
            }
            let verification: AuditLog.Verification
            do {
                // Not ShipgateDatabase.open: verifying must not migrate (write to) the file under examination.
                let db = try Database(path: path)
                do {
                    verification = try await db.read { connection in try AuditLog.verify(in: connection) }
                    await db.close()
                } catch {
                    await db.close()
                    throw error
                }
            } catch {
                throw Self.fail("cannot read the audit log in \(path): \(error)")
            }
            switch verification {
            case .intact(let count):
                print("intact: \(count) \(count == 1 ? "entry" : "entries")")
            case .broken(let id, let reason):
                print("BROKEN at entry \(id): \(reason)")
                throw ExitCode(1)
            }
        }

        /// Prints `message` to stderr and returns the exit-2 error to throw.
        static func fail(_ message: String) -> ExitCode {
            Output.message("shipgate audit verify: \(message)")
            return ExitCode(2)
        }
    }
}
