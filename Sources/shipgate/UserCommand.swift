import App
import ArgumentParser
import Domain

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage dashboard users.", subcommands: [Add.self, Passwd.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user; the password is read from stdin.")

        @OptionGroup var database: DatabaseOption
        @Option(help: "User name.") var name: String
        @Option(help: "admin, approver or viewer.") var role: String
        @Flag(help: "Read the password from standard input (required: passwords never go on the command line).")
        var passwordStdin = false

        func run() async throws {
            guard let role = Role(rawValue: role) else { throw ValidationError("--role must be admin, approver or viewer") }
            guard passwordStdin else { throw ValidationError("pass --password-stdin and pipe the password in") }
            let password = try StandardInput.password()
            try await withDatabase(database) { services in
                _ = try await services.accounts.createUser(name: name, role: role, password: password, actor: "cli")
            }
            Output.message("Created user '\(name)' with role \(role.rawValue).")
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password, read from stdin.")

        @OptionGroup var database: DatabaseOption
        @Option(help: "User name.") var name: String
        @Flag(help: "Read the password from standard input.") var passwordStdin = false

        func run() async throws {
            guard passwordStdin else { throw ValidationError("pass --password-stdin and pipe the password in") }
            let password = try StandardInput.password()
            try await withDatabase(database) { services in
                try await services.accounts.setPassword(name: name, password: password, actor: "cli")
            }
            Output.message("Password of '\(name)' changed.")
        }
    }
}

/// Reads one line (the password) from stdin, without its line ending.
enum StandardInput {
    static func password() throws -> String {
        guard var line = readLine(strippingNewline: true) else { throw ValidationError("no password on standard input") }
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}

/// The operations CLI commands run directly on the database file.
struct CLIServices: Sendable {
    let accounts: Accounts
    let evidence: EvidenceService
    let receipts: ReceiptKeys
}

/// Opens and migrates the database, runs `body`, closes it; API errors become CLI errors.
func withDatabase<T: Sendable>(_ option: DatabaseOption, _ body: (CLIServices) async throws -> T) async throws -> T {
    let (db, _, _) = try await ShipgateDatabase.open(path: option.db, migrationsDirectory: option.migrationsDirectory)
    do {
        let result = try await body(
            CLIServices(accounts: Accounts(database: db), evidence: EvidenceService(database: db), receipts: ReceiptKeys(database: db)))
        await db.close()
        return result
    } catch let error as APIError {
        await db.close()
        throw ValidationError(error.message)
    } catch {
        await db.close()
        throw error
    }
}
