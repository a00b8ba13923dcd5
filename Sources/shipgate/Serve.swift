import App
import ArgumentParser
@preconcurrency import Dispatch
import SQLite

#if canImport(Glibc)
import Glibc
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Shipgate server (creates and migrates the database if needed).")

    @OptionGroup var database: DatabaseOption

    @Option(help: "HOST:PORT to listen on, [::1]:8080 for IPv6 (env SHIPGATE_LISTEN).")
    var listen: String = Environment.value("SHIPGATE_LISTEN") ?? "127.0.0.1:8080"

    @Option(help: "PEM certificate chain; serve HTTPS (env SHIPGATE_TLS_CERT).")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert (env SHIPGATE_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "Directory of static dashboard assets (env SHIPGATE_PUBLIC_DIR).")
    var publicDir: String = Environment.value("SHIPGATE_PUBLIC_DIR") ?? "Public"

    @Option(help: "Admission: namespaces matching PATTERN use ENVIRONMENT's policy, as PATTERN=ENVIRONMENT (repeatable; env SHIPGATE_NAMESPACE_ENVIRONMENTS, comma-separated).")
    var namespaceEnv: [String] = []

    @Option(help: "Log format: text or json (env SHIPGATE_LOG_FORMAT).")
    var logFormat: String = Environment.value("SHIPGATE_LOG_FORMAT") ?? "text"

    @Option(
        name: .customLong("unsafe-test-synchronous"),
        help: ArgumentHelp(
            "TEST ONLY: SQLite synchronous mode, full (default) or normal. normal acknowledges writes a power loss can erase; it exists only so the durability tests can show they fail without FULL.",
            visibility: .hidden))
    var unsafeTestSynchronous: String?

    func run() async throws {
        var options = ServerOptions()
        options.databasePath = database.db
        options.migrationsDirectory = database.migrationsDirectory
        do {
            options.listen = try ListenAddress(parsing: listen)
        } catch {
            throw ValidationError(error.message)
        }
        guard let format = LogFormat(rawValue: logFormat) else { throw ValidationError("--log-format must be text or json") }
        options.logFormat = format
        options.tlsCertificate = tlsCert ?? Environment.value("SHIPGATE_TLS_CERT")
        options.tlsKey = tlsKey ?? Environment.value("SHIPGATE_TLS_KEY")
        options.publicDirectory = publicDir
        options.adminPassword = Environment.value("SHIPGATE_ADMIN_PASSWORD")
        if let unsafeTestSynchronous {
            guard let mode = SynchronousMode(rawValue: unsafeTestSynchronous.uppercased()) else {
                throw ValidationError("--unsafe-test-synchronous must be full or normal")
            }
            options.synchronous = mode
            if mode != .full {
                Output.message("WARNING: synchronous=\(mode.rawValue): acknowledged writes may be lost on power failure. Test use only.")
            }
        }
        let mappings = namespaceEnv.isEmpty ? (Environment.value("SHIPGATE_NAMESPACE_ENVIRONMENTS")?.split(separator: ",").map(String.init) ?? []) : namespaceEnv
        do {
            options.namespaceEnvironments = try mappings.map(NamespaceMapping.init(parsing:))
        } catch {
            throw ValidationError(error.message)
        }

        // Signals are taken by dispatch sources, so the process is never killed mid-request by SIGINT/SIGTERM.
        signal(SIGPIPE, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let server = try await ShipgateServer.start(options)
        if let password = server.generatedAdminPassword {
            Output.message("Created user 'admin' (role admin) with a one-time password; it is shown only now:\n\n    \(password)\n")
        }
        let (signals, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        for await _ in signals { break }
        await server.shutdown()
        withExtendedLifetime(sources) {}
    }
}
