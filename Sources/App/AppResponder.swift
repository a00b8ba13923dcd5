import Domain
import HTTPCore
import HTTPServer
import SQLite
import Store

/// The application as the HTTP server sees it: routing, authentication, authorization, error mapping,
/// security headers, access log and metrics. Handlers only see authorized `AppRequest`s.
final class AppResponder: HTTPResponder {
    private let router: Router
    private let services: Services
    private let authenticator: Authenticator
    private let defaultBodyLimit: Int

    init(routes: [AppRoute], services: Services, defaultBodyLimit: Int) {
        self.services = services
        self.defaultBodyLimit = defaultBodyLimit
        let authenticator = Authenticator(database: services.database, clock: services.clock)
        self.authenticator = authenticator
        var router = Router()
        for route in routes {
            router.add(route.method, route.pattern, maxBodyBytes: route.maxBodyBytes) { request, parameters in
                await Self.run(route, request: request, parameters: parameters, authenticator: authenticator, services: services)
            }
        }
        self.router = router
    }

    func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        if case .found(let route, _) = router.match(method: head.method, path: head.path), let limit = route.maxBodyBytes { return limit }
        return defaultBodyLimit
    }

    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        let start = ContinuousClock.now
        let label: String
        var response: HTTPResponse
        switch router.match(method: request.method, path: request.path) {
        case .found(let route, let parameters):
            label = route.pattern
            response = await RemoteAddress.$current.withValue(context.remoteAddress) { await route.handler(request, parameters) }
        case .methodNotAllowed(let allowed):
            label = "unmatched"
            let message = "this path does not accept \(request.method.rawValue)"
            response = Self.isAPIPath(request.path)
                ? JSONBody.response(for: APIError(.methodNotAllowed, "method_not_allowed", message))
                : HTMLPage.error(.methodNotAllowed, message: message)
            response.headers.set("Allow", allowed.map(\.rawValue).joined(separator: ", "))
        case .notFound:
            label = "unmatched"
            response = Self.isAPIPath(request.path)
                ? JSONBody.response(for: .notFound("no such endpoint"))
                : HTMLPage.error(.notFound, message: "There is no such page.")
        }
        Self.addSecurityHeaders(to: &response, path: request.path)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        services.metrics.record(route: label, method: request.method.rawValue, status: response.status.code, seconds: seconds)
        services.log.access(
            method: request.method.rawValue, path: request.path, route: label, status: response.status.code, bytes: response.body.count,
            micros: Int(seconds * 1_000_000), remote: context.remoteAddress)
        return response
    }

    /// Authentication, then authorization, then the handler (which reads the body); errors become JSON envelopes.
    private static func run(
        _ route: AppRoute, request: HTTPRequest, parameters: RouteParameters, authenticator: Authenticator, services: Services
    ) async -> HTTPResponse {
        do {
            var principal: Principal?
            if case .scope(let scope) = route.access {
                let authenticated = try await authenticator.authenticate(request)
                guard authenticated.allows(scope) else {
                    throw APIError.forbidden("this action needs the '\(scope.rawValue)' scope\(authenticated.role.map { " and a role that grants it (you are \($0.rawValue))" } ?? "")")
                }
                principal = authenticated
            }
            let appRequest = AppRequest(http: request, parameters: parameters, principal: principal, remoteAddress: RemoteAddress.current)
            return try await route.handler(appRequest)
        } catch {
            return JSONBody.response(for: apiError(for: error, services: services))
        }
    }

    /// Maps any thrown error to what the client may see; unexpected ones are logged and become a bare 500.
    static func apiError(for error: any Error, services: Services) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as StoreError:
            switch error {
            case .conflict(let message): return .conflict(message)
            case .notFound(let message): return .notFound(message)
            case .invalid: break
            }
        case let error as SQLiteError where error.isBusy: return .unavailable
        case let error as SQLiteError where error.isFull: return .storageFull
        default: break
        }
        services.log.error("internal error: \(error)")
        return .internalError
    }

    static func isAPIPath(_ path: String) -> Bool { path == "/api" || path.hasPrefix("/api/") || path.hasPrefix("/k8s/") }

    /// Headers every response carries; API answers are never cached, HTML gets a strict CSP.
    static func addSecurityHeaders(to response: inout HTTPResponse, path: String) {
        response.headers.set("X-Content-Type-Options", "nosniff")
        response.headers.set("Referrer-Policy", "no-referrer")
        let contentType = response.headers["Content-Type"] ?? ""
        if contentType.hasPrefix("text/html") {
            response.headers.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
            response.headers.set("X-Frame-Options", "DENY")
        }
        if !path.hasPrefix("/static/") { response.headers.set("Cache-Control", "no-store") }
    }
}

/// The client address of the request being handled, for handlers and audit entries.
enum RemoteAddress {
    @TaskLocal static var current = "unknown"
}
