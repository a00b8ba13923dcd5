import Crypto
import HTTPCore
import HTTPServer
import SQLite
import Store
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The product version, reported by `--version`, `/metrics` and the OpenAPI document.
public enum Shipgate {
    public static let version = "0.1.0"
}

/// How `shipgate serve` runs; defaults are the embedded setup (`./shipgate.db`, `127.0.0.1:8080`).
public struct ServerOptions: Sendable {
    public var databasePath = "shipgate.db"
    public var listen = ListenAddress(host: "127.0.0.1", port: 8080)
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var publicDirectory = "Public"
    public var migrationsDirectory: String?
    public var logFormat: LogFormat = .text
    /// Where log lines go; nil is stderr.
    public var logOutput: (@Sendable (String) -> Void)?
    public var limits = HTTPLimits()
    /// The first admin's password on an empty database; generated and printed when nil.
    public var adminPassword: String?
    /// Only tests lower this, to prove durability tests can fail.
    public var synchronous: SynchronousMode = .full
    /// Read connections (each holds file descriptors); tests that run many servers at once use fewer.
    public var databaseReaders = DatabaseConfiguration().readerCount
    /// The password hasher (scrypt, N = 2^15); one instance, so its concurrency cap holds server-wide.
    public var passwordHasher = PasswordHasher()
    /// Kubernetes namespace patterns (`*` wildcards) mapped to environments for the admission webhook, first match wins;
    /// a request whose namespace matches none uses the webhook URL's `?env=`.
    public var namespaceEnvironments: [NamespaceMapping] = []
    /// The time source for expiry decisions; tests move it instead of sleeping.
    public var clock: @Sendable () -> Date = { Date() }
    /// Outbound webhook delivery: retries, backoff, timeouts, delivery log pruning.
    public var webhooks = WebhookOptions()
    /// The background watcher behind `image.cleared`, `image.uncleared` and `waiver.expiring`.
    public var decisionWatch = DecisionWatchOptions()
    /// The most memory cached clearance answers may take, in bytes (about 1.2 KiB each).
    public var answerCacheBytes = AnswerCache.defaultCapacityBytes

    public init() {}
}

/// Opening the database: the file, its pragmas and every migration this binary knows.
public enum ShipgateDatabase {
    /// Opens (creating if needed) and migrates the database; refuses one with unknown or edited migrations.
    public static func open(
        path: String, migrationsDirectory: String? = nil, synchronous: SynchronousMode = .full, readers: Int = DatabaseConfiguration().readerCount
    ) async throws -> (Database, [Migration], applied: [String]) {
        let migrations = try migrationsDirectory.map(Schema.migrations(fromDirectory:)) ?? Schema.migrations
        var configuration = DatabaseConfiguration()
        configuration.synchronous = synchronous
        configuration.readerCount = readers
        let database = try Database(path: path, configuration: configuration)
        do {
            let applied = try await Migrator.migrate(database, migrations: migrations)
            return (database, migrations, applied)
        } catch {
            await database.close()
            throw error
        }
    }
}

/// A running Shipgate: database, routes and HTTP server wired together.
public final class ShipgateServer: Sendable {
    private let http: HTTPServer
    /// The server's database (for the composition root and tests; handlers get it through their services).
    public let database: Database
    /// The admin password generated on first start, if this start created the admin.
    public let generatedAdminPassword: String?
    /// User and token operations on this server's database (for the composition root and tests).
    public let accounts: Accounts
    /// The port actually bound (useful with port 0).
    public var port: Int { http.port }
    /// Answers the event loop sent itself (cached clearances), for tests.
    var immediateAnswers: Int { http.immediateAnswers }
    private let log: LogSink
    private let stopping = Mutex(false)
    private let webhooks: WebhookDeliverer
    private let watcher: DecisionWatcher
    /// Every route as "METHOD pattern", in registration order: what the authorization tests check their tables against.
    let routeSignatures: [String]

    private init(
        http: HTTPServer, database: Database, accounts: Accounts, generatedAdminPassword: String?, log: LogSink, webhooks: WebhookDeliverer,
        watcher: DecisionWatcher, routeSignatures: [String]
    ) {
        self.http = http
        self.routeSignatures = routeSignatures
        self.webhooks = webhooks
        self.watcher = watcher
        self.accounts = accounts
        self.database = database
        self.generatedAdminPassword = generatedAdminPassword
        self.log = log
    }

    /// Opens and migrates the database, creates the first admin if needed, binds and starts serving.
    public static func start(_ options: ServerOptions) async throws -> ShipgateServer {
        let log = LogSink(format: options.logFormat, output: options.logOutput)
        try refuseDatabaseInsidePublicDirectory(options)
        let tls: TLSServerContext?
        switch (options.tlsCertificate, options.tlsKey) {
        case (nil, nil): tls = nil
        case (let cert?, let key?): tls = try TLSServerContext(certificateChainFile: cert, privateKeyFile: key)
        default: throw APIError(.badRequest, "tls_config", "--tls-cert and --tls-key go together")
        }
        let (database, migrations, applied) = try await ShipgateDatabase.open(
            path: options.databasePath, migrationsDirectory: options.migrationsDirectory, synchronous: options.synchronous,
            readers: options.databaseReaders)
        if !applied.isEmpty { log.info("applied migrations: \(applied.joined(separator: ", "))") }
        do {
            let accounts = Accounts(database: database, hasher: options.passwordHasher, clock: options.clock)
            let bootstrap = try await accounts.bootstrapAdmin(password: options.adminPassword)
            try await PolicyRoutes.installDefaults(database: database, now: options.clock())
            let receipts = ReceiptKeys(database: database, clock: options.clock)
            try await receipts.prepare()
            let keyRing = KeyRing()
            let connections = ConnectionCount()
            let metrics = Metrics(version: Shipgate.version)
            let services = Services(
                database: database, migrations: migrations, accounts: accounts,
                evidence: EvidenceService(database: database, keyRing: keyRing, clock: options.clock),
                decisions: DecisionService(database: database, keyRing: keyRing, clock: options.clock),
                actions: DecisionActions(database: database, clock: options.clock), receipts: receipts,
                answerCache: AnswerCache(capacityBytes: options.answerCacheBytes), namespaceEnvironments: options.namespaceEnvironments,
                metrics: metrics, log: log,
                staticFiles: StaticFiles(root: options.publicDirectory), clock: options.clock, openConnections: { connections.read() })
            var routes =
                HealthRoutes.routes(services) + AccountRoutes.routes(services) + KeyRoutes.routes(services) + EvidenceRoutes.routes(services)
                + ImageRoutes.routes(services) + PolicyRoutes.routes(services) + ClearanceRoutes.routes(services)
                + ApprovalRoutes.routes(services) + AuditRoutes.routes(services) + DeploymentRoutes.routes(services)
                + AdmissionRoutes.routes(services) + WebhookRoutes.routes(services) + StaticRoutes.routes(services)
                + Dashboard(services: services, secure: tls != nil, listenHost: options.listen.host, listenPort: { connections.port() }).routes()
            routes.append(OpenAPIRoutes.route(documenting: routes, version: Shipgate.version))
            let responder = AppResponder(routes: routes, services: services, defaultBodyLimit: options.limits.maxBodyBytes)

            var configuration = HTTPServerConfiguration()
            configuration.host = options.listen.host
            configuration.port = options.listen.port
            configuration.limits = options.limits
            configuration.tls = tls
            configuration.onProtocolError = { status, remote in
                log.access(method: "-", path: "-", route: "protocol-error", status: status.code, bytes: 0, micros: 0, remote: remote)
            }
            let http = HTTPServer(configuration: configuration, responder: responder)
            try http.start()
            connections.attach(http)
            let webhooks = WebhookDeliverer(database: database, options: options.webhooks, log: log, metrics: metrics, clock: options.clock)
            webhooks.start()
            let watcher = DecisionWatcher(
                database: database, decisions: services.decisions, metrics: metrics, options: options.decisionWatch, log: log, clock: options.clock)
            await watcher.start()
            log.info("listening on \(tls == nil ? "http" : "https")://\(options.listen.host.contains(":") ? "[\(options.listen.host)]" : options.listen.host):\(http.port) with database \(options.databasePath)")
            // Startup lines go out before `start` returns, ahead of anything the caller prints itself.
            log.flush()
            return ShipgateServer(http: http, database: database, accounts: accounts, generatedAdminPassword: bootstrap.generatedPassword, log: log, webhooks: webhooks, watcher: watcher,
                routeSignatures: routes.map { $0.method.rawValue + " " + $0.pattern })
        } catch {
            await database.close()
            log.flush()
            throw error
        }
    }

    /// Stops accepting, lets in-flight requests finish, then closes the database cleanly. Idempotent.
    public func shutdown() async {
        guard stopping.withLock({ (was: inout Bool) in defer { was = true }; return !was }) else { return }
        log.info("shutting down")
        await http.shutdown()
        await watcher.stop()
        await webhooks.stop()
        await database.close()
        log.info("stopped")
        log.flush()
    }

    /// Returns once the HTTP server has stopped.
    public func waitUntilStopped() async { await http.waitUntilStopped() }
}

/// Static files are served to anyone: a public directory that holds the database (or its WAL) would publish
/// it, and reading those files outside SQLite would drop SQLite's locks on them.
func refuseDatabaseInsidePublicDirectory(_ options: ServerOptions) throws {
    func resolved(_ path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }
    let databaseDirectory = URL(fileURLWithPath: options.databasePath).deletingLastPathComponent().path
    guard let publicRoot = resolved(options.publicDirectory), let databaseRoot = resolved(databaseDirectory) else { return }
    if databaseRoot == publicRoot || databaseRoot.hasPrefix(publicRoot.hasSuffix("/") ? publicRoot : publicRoot + "/") {
        throw APIError(
            .badRequest, "public_dir_contains_database",
            "the public directory \(options.publicDirectory) contains the database \(options.databasePath); keep them apart")
    }
}

/// Breaks the cycle between the metrics route (built before the server) and the server's connection count.
final class ConnectionCount: Sendable {
    private let server = Mutex<HTTPServer?>(nil)

    func attach(_ http: HTTPServer) { server.withLock { $0 = http } }

    func read() -> Int { server.withLock { $0 }?.openConnections ?? 0 }

    /// The port actually bound, once the server exists.
    func port() -> Int? { server.withLock { $0 }?.port }
}
