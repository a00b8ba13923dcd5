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
                Prints the head of an intact chain as a checkpoint `ID:HASH`. Keep checkpoints outside the database \
                (a ticket, a log, another machine) and pass them back with --checkpoint: a chain cut back behind a \
                checkpoint, or rewritten up to it, is then detected too, which the chain alone cannot show.
                Exit status: 0 intact, 1 the chain is broken (an entry was edited, deleted or reordered; the first bad \
                entry is named) or does not hold a checkpoint, 2 the database cannot be read. The database is opened as \
                is: nothing is created or migrated.
                """)

        @OptionGroup var database: DatabaseOption

        @Option(help: "An earlier head `ID:HASH` the log must still contain (repeatable).")
        var checkpoint: [String] = []

        func run() async throws {
            let path = database.db
            // Opening a missing path would create an empty database, which would then "verify".
            guard FileManager.default.fileExists(atPath: path) else {
                throw Self.fail("no database file at \(path)")
            }
            let checkpoints = try checkpoint.map(Self.parseCheckpoint)
            let verification: AuditLog.Verification
            let hashes: [Int64: String]
            do {
                // Not ShipgateDatabase.open: verifying must not migrate (write to) the file under examination.
                let db = try Database(path: path)
                do {
                    (verification, hashes) = try await db.read { connection in
                        let verification = try AuditLog.verify(in: connection)
                        var hashes: [Int64: String] = [:]
                        if case .intact(let count) = verification {
                            for id in checkpoints.map(\.id) + [Int64(count)] where id > 0 {
                                hashes[id] = try AuditLog.hash(ofEntry: id, in: connection)
                            }
                        }
                        return (verification, hashes)
                    }
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
                for (id, hash) in checkpoints {
                    guard id <= count else {
                        print("TRUNCATED: the log ends at entry \(count), before checkpoint \(id)")
                        throw ExitCode(1)
                    }
                    guard hashes[id] == hash else {
                        print("BROKEN at entry \(id): it does not match checkpoint \(id):\(hash)")
                        throw ExitCode(1)
                    }
                }
                print("intact: \(count) \(count == 1 ? "entry" : "entries")")
                if count > 0, let head = hashes[Int64(count)] { print("checkpoint: \(count):\(head)") }
            case .broken(let id, let reason):
                print("BROKEN at entry \(id): \(reason)")
                throw ExitCode(1)
            }
        }

        /// `ID:HASH` with a positive id and a 64-hex hash.
        static func parseCheckpoint(_ text: String) throws -> (id: Int64, hash: String) {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let id = Int64(parts[0]), id > 0, parts[1].utf8.count == 64,
                parts[1].utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
            else {
                throw ValidationError("a checkpoint is ID:HASH as printed by `shipgate audit verify`, e.g. 42:3f…")
            }
            return (id, parts[1])
        }

        /// Prints `message` to stderr and returns the exit-2 error to throw.
        static func fail(_ message: String) -> ExitCode {
            Output.message("shipgate audit verify: \(message)")
            return ExitCode(2)
        }
    }
}
