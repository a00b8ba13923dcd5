import HTTPCore
import SQLite
import Synchronization

/// Liveness, readiness and metrics.
enum HealthRoutes {
    struct Status: Encodable {
        let status: String
        var migrations: Int? = nil
    }

    static func routes(_ services: Services) -> [AppRoute] {
        let probe = WritabilityProbe(database: services.database)
        return [
            AppRoute(method: .GET, pattern: "/healthz", access: .anyone, summary: "Liveness: the process is up", responseSchema: "Status") { _ in
                JSONBody.response(.ok, Status(status: "ok"))
            },
            AppRoute(
                method: .GET, pattern: "/readyz", access: .anyone,
                summary: "Readiness: the database is reachable, writable and fully migrated (503 naming the cause otherwise)",
                responseSchema: "Status"
            , otherResponses: [503: ("Not ready: database unreachable, not writable, or migrations pending", nil)]) { _ in
                try await readiness(services, probe: probe)
            },
            AppRoute(method: .GET, pattern: "/metrics", access: .anyone, summary: "Prometheus metrics (text exposition format)") { _ in
                var headers = HTTPHeaders()
                headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                let text = services.metrics.render(openConnections: services.openConnections(), database: services.database.statistics)
                return HTTPResponse(status: .ok, headers: headers, body: Array(text.utf8))
            },
        ]
    }

    /// Migrations first (a missing `schema_migrations` would make the write probe fail for the wrong reason),
    /// then the write probe, which also runs when the read failed, so a closed database is reported as unwritable.
    private static func readiness(_ services: Services, probe: WritabilityProbe) async throws -> HTTPResponse {
        let pending: Result<[String], any Error>
        do {
            pending = .success(try await Migrator.pending(services.database, migrations: services.migrations))
        } catch {
            pending = .failure(error)
        }
        if case .success(let names) = pending, !names.isEmpty {
            throw notReady("\(names.count) migrations are not applied")
        }
        switch await probe.check(timeout: WritabilityProbe.timeout) {
        case .writable:
            break
        case .timedOut:
            services.log.error("readiness check failed: the database writer did not answer within \(WritabilityProbe.timeout)")
            throw notReady("the database is not writable: the writer did not answer within \(WritabilityProbe.timeout) (locked or stalled)")
        case .failed(let error):
            services.log.error("readiness check failed: write probe: \(error)")
            throw notReady("the database is not writable: \(cause(of: error))")
        }
        if case .failure(let error) = pending {
            services.log.error("readiness check failed: \(error)")
            throw notReady("the database is not reachable: \(cause(of: error))")
        }
        return JSONBody.response(.ok, Status(status: "ready", migrations: services.migrations.count))
    }

    private static func notReady(_ message: String) -> APIError { APIError(.serviceUnavailable, "not_ready", message) }

    /// A fixed, client-safe cause: /readyz is public, so SQLite's own message (which may name paths) goes to the log only.
    private static func cause(of error: any Error) -> String {
        guard let error = error as? SQLiteError else { return "see the server log" }
        if error.isDatabaseClosed { return "it is closed" }
        if error.isFull { return "the disk is full" }
        if error.isBusy { return "it is locked by another connection" }
        // SQLITE_READONLY (8): the file, its directory or the filesystem does not allow writing.
        if error.code == 8 { return "it is read-only" }
        return "see the server log"
    }
}

/// Proves the writer can still start and commit a write transaction on the main database, with at most one
/// probe queued at a time (a stalled writer must not collect a probe per poll).
///
/// The probe is `DELETE FROM schema_migrations WHERE 0` inside the writer's group transaction: it changes
/// nothing and writes no page, so it costs no fsync, yet SQLite refuses it with SQLITE_READONLY on a connection
/// that cannot write. It does not detect a full disk (nothing is written); failing writes report that as 507.
final class WritabilityProbe: Sendable {
    /// Below Kubernetes' default probe timeout (1 s), far above a healthy group commit.
    static let timeout: Duration = .milliseconds(800)

    enum Outcome: Sendable {
        case writable
        case failed(any Error)
        case timedOut
    }

    private let database: Database
    private let inFlight = Mutex<Task<Outcome, Never>?>(nil)

    init(database: Database) {
        self.database = database
    }

    /// The outcome of the probe in flight (or a new one), or `.timedOut` once `timeout` passed first.
    func check(timeout: Duration) async -> Outcome {
        let probe = inFlight.withLock { current -> Task<Outcome, Never> in
            if let current { return current }
            let task = Task { [database] () -> Outcome in
                let outcome: Outcome
                do {
                    try await database.write { connection in try connection.execute("DELETE FROM schema_migrations WHERE 0") }
                    outcome = .writable
                } catch {
                    outcome = .failed(error)
                }
                // Runs after the assignment below: that happens under the same lock this waits for.
                self.inFlight.withLock { $0 = nil }
                return outcome
            }
            current = task
            return task
        }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let answer = OneShot(continuation)
            let timer = Task {
                // A cancelled sleep means the probe answered first; only a sleep that ran its course times out.
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                answer.resume(.timedOut)
            }
            Task {
                let outcome = await probe.value
                answer.resume(outcome)
                timer.cancel()
            }
        }
    }

    /// Resumes a continuation exactly once, whichever of the probe and the timer comes first.
    private final class OneShot: Sendable {
        private let continuation: Mutex<CheckedContinuation<Outcome, Never>?>

        init(_ continuation: CheckedContinuation<Outcome, Never>) {
            self.continuation = Mutex(continuation)
        }

        func resume(_ outcome: Outcome) {
            continuation.withLock { $0.take() }?.resume(returning: outcome)
        }
    }
}
