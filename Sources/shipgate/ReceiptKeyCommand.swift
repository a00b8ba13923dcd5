import App
import ArgumentParser

struct ReceiptKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt-key", abstract: "Manage the Ed25519 key that signs clearance receipts.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire the signing key and create a new one (old keys stay in the JWKS; a running server picks it up on restart).")

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let kid = try await withDatabase(database) { services in try await services.receipts.rotate(actor: "cli") }
            Output.message("New receipt key created; receipts are now signed with it.")
            print(kid)
        }
    }
}
