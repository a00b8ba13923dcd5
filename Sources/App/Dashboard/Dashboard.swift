import Crypto
import Domain
import HTTPCore
import Store

/// The server-rendered dashboard: shared state, and how its routes authenticate (session cookie), check
/// CSRF and roles, and turn every error into an HTML page.
final class Dashboard: Sendable {
    let services: Services
    let sessions: Sessions
    let throttle: LoginThrottle
    let loginGuard = LoginForgeryGuard()
    /// Serving TLS: cookies get `Secure` and the `__Host-` prefix, and the expected origin is https.
    let secure: Bool
    /// The address the server listens on (its port known once bound): an origin naming it is our own too.
    private let listenHost: String
    private let listenPort: @Sendable () -> Int?

    init(services: Services, secure: Bool, listenHost: String = "", listenPort: @escaping @Sendable () -> Int? = { nil }) {
        self.services = services
        self.secure = secure
        self.listenHost = listenHost
        self.listenPort = listenPort
        sessions = Sessions(database: services.database, clock: services.clock)
        throttle = LoginThrottle(database: services.database, clock: services.clock)
    }

    /// `host:port` of the listening socket, if bound.
    var listenAuthority: String? {
        guard !listenHost.isEmpty, let port = listenPort() else { return nil }
        return (listenHost.contains(":") ? "[\(listenHost)]" : listenHost) + ":\(port)"
    }

    /// Whether a POST comes from one of our origins (see `OriginCheck`).
    func isSameOrigin(_ request: HTTPRequest) -> Bool {
        OriginCheck.isSameOrigin(request, secure: secure, alsoAccepting: listenAuthority)
    }

    var sessionCookieName: String { secure ? "__Host-shipgate_session" : "shipgate_session" }
    var loginCookieName: String { secure ? "__Host-shipgate_login" : "shipgate_login" }

    /// Every dashboard route.
    func routes() -> [AppRoute] {
        LoginController.routes(self) + OverviewController.routes(self) + ImageController.routes(self) + ImageActionsController.routes(self)
            + KeysController.routes(self) + PoliciesController.routes(self) + AccountsController.routes(self)
            + DeploymentsController.routes(self) + AuditController.routes(self)
    }

    // MARK: Route builders

    /// A page (`GET`) for signed-in users with at least `minimum`; anyone else is sent to sign in.
    func page(_ pattern: String, minimum: Role = .viewer, _ handler: @escaping @Sendable (DashboardRequest) async throws -> HTTPResponse) -> AppRoute {
        AppRoute(method: .GET, pattern: pattern, access: .anyone, summary: "Dashboard page", documented: false) { request in
            await self.run(request, minimum: minimum, handler)
        }
    }

    /// A form action (`POST`) for signed-in users with at least `minimum`, after the origin and CSRF checks.
    func action(
        _ pattern: String, minimum: Role, maxBodyBytes: Int = 16 * 1024, _ handler: @escaping @Sendable (DashboardRequest) async throws -> HTTPResponse
    ) -> AppRoute {
        AppRoute(method: .POST, pattern: pattern, access: .anyone, summary: "Dashboard action", maxBodyBytes: maxBodyBytes, documented: false) {
            request in
            await self.run(request, minimum: minimum, handler)
        }
    }

    private func run(_ request: AppRequest, minimum: Role, _ handler: @Sendable (DashboardRequest) async throws -> HTTPResponse) async -> HTTPResponse {
        let isPost = request.http.method == .POST
        let user: SignedInUser
        do {
            guard let found = try await sessions.resolve(Cookies.value(sessionCookieName, in: request.http.headers)) else {
                if isPost {
                    return DashboardResponse.error(
                        .forbidden, message: "Your session has ended, so this form was not accepted. Sign in and try again.", back: "/login",
                        backLabel: "Sign in")
                }
                return DashboardResponse.redirect("/login" + ViewText.query([("next", request.http.head.target)]))
            }
            user = found
        } catch {
            return failure(error, user: nil, route: request)
        }
        var form: FormBody?
        if isPost {
            guard isSameOrigin(request.http) else {
                await auditRefusal(user: user, request: request, reason: "the form was posted from another origin")
                return DashboardResponse.error(.forbidden, message: "This form was posted from another site and was refused.", chrome: chrome(user))
            }
            do {
                form = try FormBody(request.http)
            } catch {
                return failure(error, user: user, route: request)
            }
            guard let token = form?["csrf"], ConstantTime.equals(Array(token.utf8), Array(user.csrfToken.utf8)) else {
                await auditRefusal(user: user, request: request, reason: "the form's security token is missing or stale")
                return DashboardResponse.error(
                    .forbidden, message: "The form's security token is missing or stale. Reload the page and try again.", chrome: chrome(user))
            }
        }
        guard user.role >= minimum else {
            let reason = "this page needs the \(minimum.rawValue) role; \(user.name) is \(user.role.rawValue)"
            await auditRefusal(user: user, request: request, reason: reason)
            return DashboardResponse.error(.forbidden, message: "You may not do this: \(reason).", chrome: chrome(user))
        }
        let dashboardRequest = DashboardRequest(http: request.http, parameters: request.parameters, user: user, form: form, remoteAddress: request.remoteAddress)
        do {
            return try await handler(dashboardRequest)
        } catch {
            let mapped = AppResponder.apiError(for: error, services: services)
            if mapped.status == .forbidden { await auditRefusal(user: user, request: request, reason: mapped.message) }
            return failure(mapped, user: user, route: request)
        }
    }

    /// An error as a page: client errors say what was wrong; anything unexpected is logged and shown as a bare 500.
    func failure(_ error: any Error, user: SignedInUser?, route request: AppRequest) -> HTTPResponse {
        let mapped = AppResponder.apiError(for: error, services: services)
        let chrome = user.map { self.chrome($0) } ?? .anonymous
        let message =
            mapped.status == .internalServerError
            ? "Something went wrong on the server; nothing was shown or changed by it. The request id in the X-Request-Id header finds it in the log."
            : Self.sentence(mapped.message)
        return DashboardResponse.error(mapped.status, message: message, chrome: chrome)
    }

    /// Chrome for an error page of `user`.
    func chrome(_ user: SignedInUser, current: String = "") -> PageChrome { PageChrome(user: user, current: current) }

    /// An authenticated refusal, recorded like the API's (a failure to audit never changes the refusal). A forged
    /// cross-site form lands here too, so the log shows who was targeted.
    func auditRefusal(user: SignedInUser, request: AppRequest, reason: String) async {
        let now = services.clock()
        let subject = "page:\(request.http.method.rawValue) \(request.http.path)"
        do {
            _ = try await services.database.write { db in
                try AuditLog.append(actor: user.name, action: "access.refuse", subject: String(subject.prefix(300)), details: ["reason": reason], at: now, in: db)
            }
        } catch {
            services.log.error("could not audit a refused dashboard request: \(error)")
        }
    }

    /// An API message as a sentence for a page.
    static func sentence(_ message: String) -> String {
        guard let first = message.first else { return message }
        let capitalised = first.uppercased() + message.dropFirst()
        return capitalised.hasSuffix(".") ? capitalised : capitalised + "."
    }
}
