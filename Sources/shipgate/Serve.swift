import App
import ArgumentParser
@preconcurrency import Dispatch
import SQLite

#if canImport(Glibc)
import Glibc
#endif

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Shipgate server (creates and migrates the database if needed).")

    // Every option is optional so a value given on the command line can be told apart from the environment, the
    // config file and the default (precedence flag > SHIPGATE_* > --config file > default; `--print-config` shows each source).
    @Option(name: .long, help: "SQLite database file (env SHIPGATE_DB; default shipgate.db).")
    var db: String?

    @Option(name: .long, help: "Read migrations from this directory instead of the embedded ones (env SHIPGATE_MIGRATIONS_DIR).")
    var migrationsDir: String?

    @Option(help: "JSON config file whose keys match the flags (env SHIPGATE_CONFIG); flags and SHIPGATE_* variables override it.")
    var config: String?

    @Flag(help: "Print the effective configuration with each value's source as JSON (secrets redacted) and exit.")
    var printConfig = false

    @Option(help: "HOST:PORT to listen on, [::1]:8080 for IPv6 (env SHIPGATE_LISTEN; default 127.0.0.1:8080).")
    var listen: String?

    @Option(help: "PEM certificate chain; serve HTTPS (env SHIPGATE_TLS_CERT).")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert (env SHIPGATE_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "Directory of static dashboard assets (env SHIPGATE_PUBLIC_DIR; default Public).")
    var publicDir: String?

    @Option(help: "Admission: namespaces matching PATTERN use ENVIRONMENT's policy, as PATTERN=ENVIRONMENT (repeatable; env SHIPGATE_NAMESPACE_ENVIRONMENTS, comma-separated).")
    var namespaceEnv: [String] = []

    @Option(help: "Log format: text or json (env SHIPGATE_LOG_FORMAT; default text).")
    var logFormat: String?

    @Option(help: "Send waiver.expiring this many hours before a waiver expires, 1 to 2160 (env SHIPGATE_WAIVER_EXPIRING_HOURS; default 24).")
    var waiverExpiringHours: Int?

    @Option(help: "Keep finished webhook deliveries this many days, 1 to 3650 (env SHIPGATE_WEBHOOK_LOG_DAYS; default 30).")
    var webhookLogDays: Int?

    @Option(help: "Memory for cached clearance answers in MiB, about 700 answers per MiB, 1 to 65536 (env SHIPGATE_ANSWER_CACHE_MIB; default 256).")
    var answerCacheMib: Int?

    @Option(
        name: .customLong("unsafe-test-synchronous"),
        help: ArgumentHelp(
            "TEST ONLY: SQLite synchronous mode, full (default) or normal. normal acknowledges writes a power loss can erase; it exists only so the durability tests can show they fail without FULL.",
            visibility: .hidden))
    var unsafeTestSynchronous: String?

    /// Resolves every setting from flags, environment, config file and defaults.
    func effectiveConfiguration() throws -> EffectiveServeConfiguration {
        let configPath = Setting<String?>.resolveOptional(flag: config, env: Environment.value("SHIPGATE_CONFIG"), file: nil)
        let file: ConfigFile
        do {
            file = try configPath.value.map(ConfigFile.load(path:)) ?? ConfigFile()
        } catch {
            throw ValidationError(error.description)
        }
        let envNamespaces = Environment.value("SHIPGATE_NAMESPACE_ENVIRONMENTS")?.split(separator: ",").map(String.init)
        return EffectiveServeConfiguration(
            config: configPath,
            db: .resolve(flag: db, env: Environment.value("SHIPGATE_DB"), file: file.db, default: "shipgate.db"),
            listen: .resolve(flag: listen, env: Environment.value("SHIPGATE_LISTEN"), file: file.listen, default: "127.0.0.1:8080"),
            tlsCert: .resolveOptional(flag: tlsCert, env: Environment.value("SHIPGATE_TLS_CERT"), file: file.tlsCert),
            tlsKey: .resolveOptional(flag: tlsKey, env: Environment.value("SHIPGATE_TLS_KEY"), file: file.tlsKey),
            publicDir: .resolve(flag: publicDir, env: Environment.value("SHIPGATE_PUBLIC_DIR"), file: file.publicDir, default: "Public"),
            migrationsDir: .resolveOptional(flag: migrationsDir, env: Environment.value("SHIPGATE_MIGRATIONS_DIR"), file: file.migrationsDir),
            logFormat: .resolve(flag: logFormat, env: Environment.value("SHIPGATE_LOG_FORMAT"), file: file.logFormat, default: "text"),
            namespaceEnv: .resolve(
                flag: namespaceEnv.isEmpty ? nil : namespaceEnv, env: envNamespaces, file: file.namespaceEnv, default: []),
            waiverExpiringHours: .resolve(
                flag: waiverExpiringHours, env: try Self.integer("SHIPGATE_WAIVER_EXPIRING_HOURS"), file: file.waiverExpiringHours, default: 24),
            webhookLogDays: .resolve(flag: webhookLogDays, env: try Self.integer("SHIPGATE_WEBHOOK_LOG_DAYS"), file: file.webhookLogDays, default: 30),
            answerCacheMib: .resolve(
                flag: answerCacheMib, env: try Self.integer("SHIPGATE_ANSWER_CACHE_MIB"), file: file.answerCacheMib,
                default: AnswerCache.defaultCapacityBytes >> 20),
            adminPassword: .resolveOptional(flag: nil, env: Environment.value("SHIPGATE_ADMIN_PASSWORD"), file: nil))
    }

    /// An integer environment variable; nil when unset, an error naming the variable when it is not a number.
    private static func integer(_ name: String) throws -> Int? {
        guard let text = Environment.value(name) else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(name) must be a whole number, not \(text.prefix(20))") }
        return value
    }

    func run() async throws {
        let effective = try effectiveConfiguration()
        var options = ServerOptions()
        options.databasePath = effective.db.value
        options.migrationsDirectory = effective.migrationsDir.value
        do {
            options.listen = try ListenAddress(parsing: effective.listen.value)
        } catch {
            throw ValidationError("\(error.message) (listen, from \(effective.listen.source.rawValue))")
        }
        guard let format = LogFormat(rawValue: effective.logFormat.value) else {
            throw ValidationError("--log-format must be text or json (logFormat, from \(effective.logFormat.source.rawValue))")
        }
        options.logFormat = format
        options.tlsCertificate = effective.tlsCert.value
        options.tlsKey = effective.tlsKey.value
        options.publicDirectory = effective.publicDir.value
        options.adminPassword = effective.adminPassword.value
        do {
            options.namespaceEnvironments = try effective.namespaceEnv.value.map(NamespaceMapping.init(parsing:))
        } catch {
            throw ValidationError(error.message)
        }
        guard (1...2160).contains(effective.waiverExpiringHours.value) else {
            throw ValidationError("--waiver-expiring-hours must be 1 to 2160 (waiverExpiringHours, from \(effective.waiverExpiringHours.source.rawValue))")
        }
        options.decisionWatch.waiverExpiringWindowSeconds = Double(effective.waiverExpiringHours.value) * 3600
        guard (1...3650).contains(effective.webhookLogDays.value) else {
            throw ValidationError("--webhook-log-days must be 1 to 3650 (webhookLogDays, from \(effective.webhookLogDays.source.rawValue))")
        }
        options.webhooks.deliveryLogDays = effective.webhookLogDays.value
        guard (1...65536).contains(effective.answerCacheMib.value) else {
            throw ValidationError("--answer-cache-mib must be 1 to 65536 (answerCacheMib, from \(effective.answerCacheMib.source.rawValue))")
        }
        options.answerCacheBytes = effective.answerCacheMib.value << 20
        if printConfig {
            print(effective.json())
            return
        }
        if let unsafeTestSynchronous {
            guard let mode = SynchronousMode(rawValue: unsafeTestSynchronous.uppercased()) else {
                throw ValidationError("--unsafe-test-synchronous must be full or normal")
            }
            options.synchronous = mode
            if mode != .full {
                Output.message("WARNING: synchronous=\(mode.rawValue): acknowledged writes may be lost on power failure. Test use only.")
            }
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
