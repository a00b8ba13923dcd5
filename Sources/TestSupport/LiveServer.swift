import App
import Crypto
import Foundation
import Domain
import HTTPCore
import Store

/// A real Shipgate server on 127.0.0.1 with an ephemeral port and a fresh database file in a temp dir.
public final class LiveServer: Sendable {
    public let server: ShipgateServer
    public let directory: TemporaryDirectory
    /// The first admin's password, as configured.
    public let adminPassword: String
    public var port: Int { server.port }
    public var databasePath: String { directory.file("shipgate.db") }

    /// Starts a server; `configure` may adjust the options (limits, TLS, public dir).
    public static func start(_ configure: (inout ServerOptions) -> Void = { _ in }) async throws -> LiveServer {
        let directory = try TemporaryDirectory("live")
        var options = ServerOptions()
        options.databasePath = directory.file("shipgate.db")
        options.listen = try ListenAddress(parsing: "127.0.0.1:0")
        options.adminPassword = "correct horse battery staple"
        options.publicDirectory = directory.file("Public")
        // Dozens of servers run at once in a test run; two readers each keep the process's descriptor count low
        // (Foundation's Process.run over-reads /proc/self/fd entries once a process holds more than ~1,300).
        options.databaseReaders = 2
        // Quiet by default; tests about logging install their own capture.
        options.logOutput = { _ in }
        configure(&options)
        let server = try await ShipgateServer.start(options)
        return LiveServer(server: server, directory: directory, adminPassword: options.adminPassword ?? "")
    }

    private init(server: ShipgateServer, directory: TemporaryDirectory, adminPassword: String) {
        self.server = server
        self.directory = directory
        self.adminPassword = adminPassword
    }

    /// Issues a token directly (as the CLI would) and returns its secret.
    public func token(_ scopes: Set<Scope>, user: String? = nil, name: String = "test", expiresAt: Date? = nil) async throws -> String {
        try await server.accounts.issueToken(name: name, scopes: scopes, user: user, expiresAt: expiresAt, actor: "test").1
    }

    /// The actions of every audit entry, oldest first.
    public func auditActions() async throws -> [String] {
        try await server.database.read { db in try AuditLog.entries(limit: 10_000, in: db).map(\.action) }
    }

    /// A new client connection to this server. The timeout only bounds hangs: a busy machine can queue scrypt
    /// hashing for seconds.
    public func client() throws -> TestClient { try TestClient(port: port, timeout: .seconds(30)) }

    /// Stops the server and deletes its files.
    public func stop() async {
        await server.shutdown()
        directory.remove()
    }
}

/// Runs `body` against a fresh live server and always stops it afterwards.
public func withLiveServer<T>(
    _ configure: (inout ServerOptions) -> Void = { _ in }, _ body: (LiveServer) async throws -> T
) async throws -> T {
    let live = try await LiveServer.start(configure)
    do {
        let result = try await body(live)
        await live.stop()
        return result
    } catch {
        await live.stop()
        throw error
    }
}
