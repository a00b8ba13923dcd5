import Crypto
import Domain
import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET/POST /login`, `POST /logout`.
enum LoginController {
    struct LoginModel: Sendable {
        let chrome: PageChrome
        let csrf: String
        let next: String?
        let username: String
        let error: String?
    }

    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        [
            AppRoute(method: .GET, pattern: "/login", access: .anyone, summary: "Dashboard sign-in", documented: false) { request in
                do {
                    if try await dashboard.sessions.resolve(Cookies.value(dashboard.sessionCookieName, in: request.http.headers)) != nil {
                        return DashboardResponse.redirect(safeNext(request.http.queryValue("next")) ?? "/")
                    }
                } catch {
                    return dashboard.failure(error, user: nil, route: request)
                }
                let notice = Notice.text(request.http.queryValue("notice"))
                return form(dashboard, next: safeNext(request.http.queryValue("next")), username: "", error: nil, notice: notice, status: .ok)
            },
            AppRoute(
                method: .POST, pattern: "/login", access: .anyone, summary: "Dashboard sign-in", maxBodyBytes: 16 * 1024, documented: false
            ) { request in
                await signIn(dashboard, request)
            },
            AppRoute(method: .POST, pattern: "/logout", access: .anyone, summary: "Dashboard sign-out", maxBodyBytes: 16 * 1024, documented: false) {
                request in
                await signOut(dashboard, request)
            },
        ]
    }

    private static func signIn(_ dashboard: Dashboard, _ request: AppRequest) async -> HTTPResponse {
        guard dashboard.isSameOrigin(request.http) else {
            return DashboardResponse.error(.forbidden, message: "This sign-in was posted from another site and was refused.", back: "/login", backLabel: "Sign in")
        }
        let fields: FormBody
        do {
            fields = try FormBody(request.http)
        } catch {
            return dashboard.failure(error, user: nil, route: request)
        }
        guard dashboard.loginGuard.verify(cookie: Cookies.value(dashboard.loginCookieName, in: request.http.headers), token: fields["csrf"]) else {
            return DashboardResponse.error(
                .forbidden, message: "The sign-in form's security token is missing or stale. Open the sign-in page again.", back: "/login",
                backLabel: "Sign in")
        }
        let next = safeNext(fields["next"])
        let typed = (fields["username"] ?? "").trimmingWhitespace
        // Names are at most 64 characters; a longer one is recorded cut short and can never match.
        let username = String(typed.prefix(64))
        let password = fields["password"] ?? ""
        let client = LoginThrottle.clientAddress(request.remoteAddress)
        do {
            if let retryAt = try await dashboard.throttle.retryAt(user: username, client: client) {
                return throttled(until: retryAt, now: dashboard.services.clock())
            }
            guard !username.isEmpty, typed.count <= 64, !password.isEmpty, password.utf8.count <= 1024,
                let user = try await dashboard.services.accounts.checkPassword(name: username, password: password)
            else {
                try await dashboard.throttle.recordFailure(user: username, client: client)
                return form(dashboard, next: next, username: username, error: "Wrong user name or password.", notice: nil, status: .unauthorized)
            }
            let (cookie, _) = try await dashboard.sessions.start(for: user, client: client)
            if let old = try await dashboard.sessions.resolve(Cookies.value(dashboard.sessionCookieName, in: request.http.headers)) {
                try await dashboard.sessions.end(old)
            }
            return DashboardResponse.redirect(
                next ?? "/",
                cookies: [
                    Cookies.header(name: dashboard.sessionCookieName, value: cookie, maxAge: nil, secure: dashboard.secure),
                    Cookies.header(name: dashboard.loginCookieName, value: "", maxAge: 0, secure: dashboard.secure, sameSite: "Strict"),
                ])
        } catch {
            return dashboard.failure(error, user: nil, route: request)
        }
    }

    private static func signOut(_ dashboard: Dashboard, _ request: AppRequest) async -> HTTPResponse {
        let clear = Cookies.header(name: dashboard.sessionCookieName, value: "", maxAge: 0, secure: dashboard.secure)
        do {
            guard let user = try await dashboard.sessions.resolve(Cookies.value(dashboard.sessionCookieName, in: request.http.headers)) else {
                return DashboardResponse.redirect("/login", cookies: [clear])
            }
            guard dashboard.isSameOrigin(request.http), let token = try FormBody(request.http)["csrf"],
                ConstantTime.equals(Array(token.utf8), Array(user.csrfToken.utf8))
            else {
                await dashboard.auditRefusal(user: user, request: request, reason: "the sign-out form was cross-site or its security token missing or stale")
                return DashboardResponse.error(
                    .forbidden, message: "The form's security token is missing or stale. Reload the page and try again.", chrome: dashboard.chrome(user))
            }
            try await dashboard.sessions.end(user)
            return DashboardResponse.redirect("/login?notice=signed-out", cookies: [clear])
        } catch {
            return dashboard.failure(error, user: nil, route: request)
        }
    }

    /// The sign-in form with a fresh pre-session cookie and its token.
    static func form(_ dashboard: Dashboard, next: String?, username: String, error: String?, notice: String?, status: HTTPStatus) -> HTTPResponse {
        let cookie = dashboard.loginGuard.makeCookie()
        let model = LoginModel(
            chrome: PageChrome(user: nil, csrf: "", nav: [], notice: notice), csrf: dashboard.loginGuard.token(for: cookie), next: next,
            username: username, error: error)
        var response = DashboardResponse.page("login", model, status: status)
        response.headers.add("Set-Cookie", Cookies.header(name: dashboard.loginCookieName, value: cookie, maxAge: 3600, secure: dashboard.secure, sameSite: "Strict"))
        return response
    }

    /// 429 with `Retry-After` and a page saying when.
    static func throttled(until retryAt: Date, now: Date) -> HTTPResponse {
        var response = DashboardResponse.error(
            .tooManyRequests, message: "Too many failed sign-ins for this user name or from this address. Wait, then try again.", retryAt: retryAt,
            back: "/login", backLabel: "Sign in")
        response.headers.set("Retry-After", String(max(1, Int(retryAt.timeIntervalSince(now).rounded(.up)))))
        return response
    }

    /// `next` when it is a same-site path (`/…`, not `//…` or `/\…`, printable ASCII only), else nil: never an open redirect.
    static func safeNext(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.hasPrefix("/\\"), next.utf8.count <= 1024,
            next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "\\" }), !next.hasPrefix("/login"), !next.hasPrefix("/logout")
        else { return nil }
        return next
    }
}
