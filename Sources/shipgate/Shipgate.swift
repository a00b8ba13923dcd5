import App
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

@main
struct ShipgateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shipgate",
        abstract: "Decides which container image digests are cleared for which environment.",
        version: Shipgate.version,
        subcommands: [
            Serve.self,
            Migrate.self,
            UserCommand.self,
            TokenCommand.self,
            KeyCommand.self,
            ReceiptKeyCommand.self,
            CheckCommand.self,
            AuditCommand.self,
            BackupCommand.self,
            SignCommand.self,
            KeygenCommand.self,
        ])
}

/// `--db` on every command, defaulting to `$SHIPGATE_DB` or `./shipgate.db`.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "SQLite database file (env SHIPGATE_DB).")
    var db: String = Environment.value("SHIPGATE_DB") ?? "shipgate.db"

    @Option(name: .long, help: "Read migrations from this directory instead of the embedded ones (env SHIPGATE_MIGRATIONS_DIR).")
    var migrationsDir: String?

    /// The flag, else the environment variable, else nil (embedded migrations).
    var migrationsDirectory: String? { migrationsDir ?? Environment.value("SHIPGATE_MIGRATIONS_DIR") }
}

/// Environment variables as defaults for flags.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}

/// Output rules: messages to stderr; a secret alone on the last line of stdout.
enum Output {
    static func message(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    static func secret(_ text: String) {
        print(text)
    }
}
