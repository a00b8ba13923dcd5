import App
import ArgumentParser
import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens.", subcommands: [Create.self, Revoke.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; its secret is printed once, alone on the last line of stdout.")

        @OptionGroup var database: DatabaseOption
        @Option(help: "Token name (the service identity when not bound to a user).") var name: String
        @Option(help: "A scope: evidence:write, clearance:read, deployments:write, approvals:write, admin. Repeatable.")
        var scope: [String] = []
        @Option(help: "Bind the token to this user: it may do what both its scopes and the user's role allow.") var user: String?
        @Option(help: "Lifetime, e.g. 90d, 12h, 30m.") var expiresIn: String?

        func run() async throws {
            var scopes = Set<Scope>()
            for name in scope {
                guard let value = Scope(rawValue: name) else {
                    throw ValidationError("unknown scope '\(name)'; use \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scopes.insert(value)
            }
            guard !scopes.isEmpty else { throw ValidationError("give at least one --scope") }
            let expiresAt = try expiresIn.map { Date().addingTimeInterval(try Lifetime.seconds($0)) }
            let (token, secret) = try await withDatabase(database) { services in
                try await services.accounts.issueToken(name: name, scopes: scopes, user: user, expiresAt: expiresAt, actor: "cli")
            }
            Output.message("Created token \(token.id) '\(token.name)'. Store the secret now; it cannot be shown again:")
            Output.secret(secret)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id.")

        @OptionGroup var database: DatabaseOption
        @Argument(help: "The token id (tok_…).") var id: String

        func run() async throws {
            try await withDatabase(database) { services in try await services.accounts.revokeToken(id: id, actor: "cli") }
            Output.message("Revoked \(id).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let tokens = try await withDatabase(database) { services in try await services.accounts.tokens() }
            let now = Date()
            print("ID\tNAME\tSCOPES\tUSER\tSTATE\tEXPIRES")
            for token in tokens {
                let state = token.revokedAt != nil ? "revoked" : (token.isUsable(at: now) ? "active" : "expired")
                print([token.id, token.name, token.scopes.map(\.rawValue).sorted().joined(separator: ","), token.user ?? "-", state,
                       token.expiresAt.map(Timestamp.format) ?? "never"].joined(separator: "\t"))
            }
        }
    }
}

/// `90d`, `12h`, `30m`, `45s` as seconds.
enum Lifetime {
    static func seconds(_ text: String) throws -> Double {
        guard let unit = text.last, let amount = Int(text.dropLast()), amount > 0, amount <= 100_000 else {
            throw ValidationError("--expires-in must look like 90d, 12h, 30m or 45s")
        }
        switch unit {
        case "d": return Double(amount) * 86_400
        case "h": return Double(amount) * 3_600
        case "m": return Double(amount) * 60
        case "s": return Double(amount)
        default: throw ValidationError("--expires-in must look like 90d, 12h, 30m or 45s")
        }
    }
}
