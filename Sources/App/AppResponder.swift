import Crypto
import Domain
import HTTPCore
import HTTPServer
import SQLite
import Store
import Synchronization

/// The application as the HTTP server sees it: routing, authentication, authorization, error mapping,
/// security headers, access log and metrics. Handlers only see authorized `AppRequest`s.
final class AppResponder: HTTPResponder {
    private let router: Router
    private let services: Services
    private let authenticator: Authenticator
    private let defaultBodyLimit: Int
    /// Routes with an immediate answer, by pattern, with their method and the scope they need.
    private let immediateRoutes: [String: (method: HTTPMethod, scope: Scope, handler: ImmediateHandler)]

    init(routes: [AppRoute], services: Services, defaultBodyLimit: Int) {
        self.services = services
        self.defaultBodyLimit = defaultBodyLimit
        let authenticator = Authenticator(database: services.database, clock: services.clock)
        self.authenticator = authenticator
        var router = Router()
        var immediateRoutes: [String: (method: HTTPMethod, scope: Scope, handler: ImmediateHandler)] = [:]
        for route in routes {
            if case .scope(let scope) = route.access, let immediate = route.immediateHandler {
                immediateRoutes[route.pattern] = (route.method, scope, immediate)
            }
            router.add(route.method, route.pattern, maxBodyBytes: route.maxBodyBytes) { request, parameters in
                await Self.run(route, request: request, parameters: parameters, authenticator: authenticator, services: services)
            }
        }
        self.router = router
        self.immediateRoutes = immediateRoutes
    }

    func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        if case .found(let route, _) = router.match(method: head.method, path: head.path), let limit = route.maxBodyBytes { return limit }
        return defaultBodyLimit
    }

    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        let start = ContinuousClock.now
        let requestID = RequestID.accepting(request.headers[RequestID.headerName]) ?? RequestID.generate()
        let label: String
        var response: HTTPResponse
        switch router.match(method: request.method, path: request.path) {
        case .found(let route, let parameters):
            label = route.pattern
            let current = CurrentRequest(remoteAddress: context.remoteAddress, requestID: requestID)
            response = await CurrentRequest.$value.withValue(current) { await route.handler(request, parameters) }
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
        finish(&response, request: request, route: label, requestID: requestID, context: context, since: start)
        return response
    }

    /// A cached answer of a route with an `immediateHandler`, authenticated in the same snapshot, on the event-loop
    /// thread; nil (a miss, any error, a refusal, no free reader) leaves the request to `respond`, which decides it
    /// from scratch.
    func respondImmediately(to request: HTTPRequest, context: RequestContext) -> HTTPResponse? {
        guard !immediateRoutes.isEmpty, case .found(let route, let parameters) = router.match(method: request.method, path: request.path),
            let (method, scope, immediate) = immediateRoutes[route.pattern], method == request.method
        else { return nil }
        let start = ContinuousClock.now
        let authenticator = self.authenticator
        let answer = try? services.database.readIfFree { db -> HTTPResponse? in
            guard let principal = try? authenticator.authenticate(request, in: db), principal.allows(scope) else { return nil }
            return try immediate(AppRequest(http: request, parameters: parameters, principal: principal, remoteAddress: context.remoteAddress), db)
        }
        guard var response = answer ?? nil else { return nil }
        let requestID = RequestID.accepting(request.headers[RequestID.headerName]) ?? RequestID.generate()
        finish(&response, request: request, route: route.pattern, requestID: requestID, context: context, since: start)
        return response
    }

    /// What every answer gets: security headers, the request id, metrics and the access log line.
    private func finish(
        _ response: inout HTTPResponse, request: HTTPRequest, route label: String, requestID: String, context: RequestContext,
        since start: ContinuousClock.Instant
    ) {
        Self.addSecurityHeaders(to: &response, path: request.path)
        response.headers.set(RequestID.headerName, requestID)
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        services.metrics.record(route: label, method: request.method.rawValue, status: response.status.code, seconds: seconds)
        services.log.access(
            method: request.method.rawValue, path: request.path, route: label, status: response.status.code, bytes: response.body.count,
            micros: Int(seconds * 1_000_000), remote: context.remoteAddress, requestID: requestID)
    }

    /// Authentication, then authorization, then the handler (which reads the body); errors become JSON envelopes.
    private static func run(
        _ route: AppRoute, request: HTTPRequest, parameters: RouteParameters, authenticator: Authenticator, services: Services
    ) async -> HTTPResponse {
        let remoteAddress = CurrentRequest.value?.remoteAddress ?? "unknown"
        var principal: Principal?
        do {
            if case .scope(let scope) = route.access, let readHandler = route.readHandler {
                // Hot read-only route: the token and the answer come from one snapshot.
                let outcome = try await services.database.read { db -> ReadOutcome in
                    let authenticated = try authenticator.authenticate(request, in: db)
                    guard authenticated.allows(scope) else { return .refused(authenticated) }
                    let appRequest = AppRequest(http: request, parameters: parameters, principal: authenticated, remoteAddress: remoteAddress)
                    return .answered(try readHandler(appRequest, db))
                }
                switch outcome {
                case .answered(let response): return response
                case .refused(let refused):
                    principal = refused
                    throw missingScope(scope, refused)
                }
            }
            if case .scope(let scope) = route.access {
                let authenticated = try await authenticator.authenticate(request)
                principal = authenticated
                guard authenticated.allows(scope) else { throw missingScope(scope, authenticated) }
            }
            let appRequest = AppRequest(http: request, parameters: parameters, principal: principal, remoteAddress: remoteAddress)
            return try await route.handler(appRequest)
        } catch {
            let apiError = apiError(for: error, services: services)
            if apiError.status == .forbidden, let principal {
                await auditRefusal(principal: principal, route: route, reason: apiError.message, services: services)
            }
            return JSONBody.response(for: apiError)
        }
    }

    /// What a read-snapshot route produced: its answer, or a principal that lacks the scope.
    private enum ReadOutcome: Sendable {
        case answered(HTTPResponse)
        case refused(Principal)
    }

    private static func missingScope(_ scope: Scope, _ principal: Principal) -> APIError {
        .forbidden("this action needs the '\(scope.rawValue)' scope\(principal.role.map { " and a role that grants it (you are \($0.rawValue))" } ?? "")")
    }

    /// An authenticated principal refused an action: recorded, so misuse of a valid credential is visible.
    /// (Unauthenticated 401s are not audited: anyone could flood the log with them; the access log and
    /// metrics count them.) A failure to audit never changes the refusal.
    private static func auditRefusal(principal: Principal, route: AppRoute, reason: String, services: Services) async {
        let now = services.clock()
        do {
            _ = try await services.database.write { db in
                try AuditLog.append(
                    actor: principal.name, action: "access.refuse", subject: "route:\(route.method.rawValue) \(route.pattern)",
                    details: ["reason": reason], at: now, in: db)
            }
        } catch {
            services.log.error("could not audit a refused request: \(error)")
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
        // LogSink adds the current request id (a task-local) to the line, so the client's id finds this entry.
        services.log.error("internal error: \(error)")
        return .internalError
    }

    static func isAPIPath(_ path: String) -> Bool { path == "/api" || path.hasPrefix("/api/") || path.hasPrefix("/k8s/") }

    /// Headers every response carries; API answers are never cached, HTML gets a strict CSP.
    static func addSecurityHeaders(to response: inout HTTPResponse, path: String) {
        response.headers.set("X-Content-Type-Options", "nosniff")
        let contentType = response.headers["Content-Type"] ?? ""
        if contentType.hasPrefix("text/html") {
            // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on the dashboard's own
            // form posts, and the dashboard's CSRF defence checks that Origin.
            response.headers.set("Referrer-Policy", "same-origin")
            response.headers.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
            response.headers.set("X-Frame-Options", "DENY")
            response.headers.set("Cross-Origin-Opener-Policy", "same-origin")
        } else {
            response.headers.set("Referrer-Policy", "no-referrer")
        }
        if !path.hasPrefix("/static/") { response.headers.set("Cache-Control", "no-store") }
    }
}

/// The request being handled, for handlers, audit entries and log lines (one task-local for both values:
/// each `withValue` costs an allocation on the hot path).
struct CurrentRequest: Sendable {
    let remoteAddress: String
    let requestID: String

    /// Set by `AppResponder` around every routed handler; nil outside a request (startup, protocol errors).
    @TaskLocal static var value: CurrentRequest?
}

/// `X-Request-Id`: the client's own when it is short and plain, otherwise one made here; returned on every
/// response and written to the access log, so a client, a proxy and our logs can name the same request.
enum RequestID {
    static let headerName = "X-Request-Id"
    static let maxLength = 128

    /// `value` when it is 1–128 characters of `[A-Za-z0-9._-]`, else nil (the client's id is then ignored:
    /// anything else could forge log fields or smuggle markup into log viewers).
    static func accepting(_ value: String?) -> String? {
        guard let value else { return nil }
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maxLength else { return nil }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return nil
            }
        }
        return value
    }

    /// 32 hex characters: a random per-process prefix and a counter. Unique across restarts and replicas (64 random
    /// bits), and about a hundred times cheaper than a CSPRNG call per request. The counter reveals only the request
    /// rate, which `/metrics` publishes anyway; request ids carry no authority.
    static func generate() -> String {
        let count = counter.add(1, ordering: .relaxed).newValue
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<16 { buffer[index] = prefix[index] }
            for index in 0..<16 { buffer[16 + index] = hexDigits[Int(truncatingIfNeeded: count >> UInt64(60 - 4 * index)) & 0xF] }
            return 32
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let prefix: [UInt8] = SecureRandom.bytes(count: 8).flatMap { [hexDigits[Int($0 >> 4)], hexDigits[Int($0 & 0xF)]] }
    private static let counter = Atomic<UInt64>(0)
}
