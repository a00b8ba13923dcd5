import HTTPCore
import SQLite

/// Liveness, readiness and metrics.
enum HealthRoutes {
    struct Status: Encodable {
        let status: String
        var migrations: Int? = nil
    }

    static func routes(_ services: Services) -> [AppRoute] {
        [
            AppRoute(method: .GET, pattern: "/healthz", access: .anyone, summary: "Liveness: the process is up", responseSchema: "Status") { _ in
                JSONBody.response(.ok, Status(status: "ok"))
            },
            AppRoute(
                method: .GET, pattern: "/readyz", access: .anyone, summary: "Readiness: the database is reachable and fully migrated",
                responseSchema: "Status"
            ) { _ in
                do {
                    let pending = try await Migrator.pending(services.database, migrations: services.migrations)
                    guard pending.isEmpty else { throw APIError(.serviceUnavailable, "not_ready", "\(pending.count) migrations are not applied") }
                    return JSONBody.response(.ok, Status(status: "ready", migrations: services.migrations.count))
                } catch let error as APIError {
                    throw error
                } catch {
                    services.log.error("readiness check failed: \(error)")
                    throw APIError(.serviceUnavailable, "not_ready", "the database is not reachable")
                }
            },
            AppRoute(method: .GET, pattern: "/metrics", access: .anyone, summary: "Prometheus metrics (text exposition format)") { _ in
                var headers = HTTPHeaders()
                headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                let text = services.metrics.render(openConnections: services.openConnections())
                return HTTPResponse(status: .ok, headers: headers, body: Array(text.utf8))
            },
        ]
    }
}
