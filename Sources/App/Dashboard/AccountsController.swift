import Domain
import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Users and tokens (admin) and the signed-in user's own account, through the same `Accounts` calls as the
/// API and the CLI. A password change ends the user's sessions.
enum AccountsController {
    struct UserRow: Sendable {
        let name: String
        let role: String
        let createdAt: TimeView
        let passwordChangedAt: TimeView
        let passwordAction: String
    }

    struct UserForm: Sendable { let name: String }

    struct UsersModel: Sendable {
        let chrome: PageChrome
        let users: [UserRow]
        let roles: [String]
        let error: String?
        let form: UserForm?
    }

    struct TokenRow: Sendable {
        let name: String
        let id: String
        let scopes: String
        let user: String
        let active: Bool
        let state: String
        let expires: String
        let revokeAction: String
    }

    struct CreatedToken: Sendable {
        let name: String
        let secret: String
    }

    struct TokensModel: Sendable {
        let chrome: PageChrome
        let tokens: [TokenRow]
        let scopes: [String]
        let userNames: [String]
        let created: CreatedToken?
        let error: String?
    }

    struct AccountModel: Sendable {
        let chrome: PageChrome
        let error: String?
    }

    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        let accounts = dashboard.services.accounts
        return [
            dashboard.page("/users", minimum: .admin) { request in try await usersPage(dashboard, request) },
            dashboard.action("/users", minimum: .admin) { request in
                let fields = request.fields
                let name = (fields["name"] ?? "").trimmingWhitespace
                do {
                    guard let role = fields["role"].flatMap(Role.init(rawValue:)) else { throw APIError.invalid("role must be one of admin, approver, viewer") }
                    _ = try await accounts.createUser(name: name, role: role, password: fields["password"] ?? "", actor: request.user.name)
                } catch let error as APIError where error.status == .unprocessableContent || error.status == .conflict {
                    return try await usersPage(dashboard, request, error: Dashboard.sentence(error.message), form: UserForm(name: name), status: error.status)
                }
                return DashboardResponse.redirect("/users?notice=user-added")
            },
            dashboard.action("/users/{name}/password", minimum: .admin) { request in
                let name = request.parameter("name")
                do {
                    try await accounts.setPassword(name: name, password: request.fields["password"] ?? "", actor: request.user.name)
                } catch let error as APIError where error.status == .unprocessableContent {
                    return try await usersPage(dashboard, request, error: Dashboard.sentence(error.message), form: nil, status: error.status)
                }
                try await dashboard.sessions.endAll(user: name)
                if name == request.user.name { return signedOut(dashboard, notice: "password-changed") }
                return DashboardResponse.redirect("/users?notice=password-set")
            },
            dashboard.page("/tokens", minimum: .admin) { request in try await tokensPage(dashboard, request) },
            dashboard.action("/tokens", minimum: .admin) { request in
                let fields = request.fields
                do {
                    var scopes = Set<Scope>()
                    for name in fields.all("scope") {
                        guard let scope = Scope(rawValue: name) else { throw APIError.invalid("unknown scope") }
                        scopes.insert(scope)
                    }
                    var expiresAt: Date?
                    if let text = fields["days"], !text.isEmpty {
                        guard let days = Int(text), (1...3650).contains(days) else { throw APIError.invalid("days must be a whole number from 1 to 3650") }
                        expiresAt = dashboard.services.clock().addingTimeInterval(Double(days) * 86_400)
                    }
                    let user = fields["user"].flatMap { $0.isEmpty ? nil : $0 }
                    let (token, secret) = try await accounts.issueToken(
                        name: (fields["name"] ?? "").trimmingWhitespace, scopes: scopes, user: user, expiresAt: expiresAt, actor: request.user.name)
                    return try await tokensPage(dashboard, request, created: CreatedToken(name: token.name, secret: secret), status: .created)
                } catch let error as APIError where error.status == .unprocessableContent || error.status == .conflict {
                    return try await tokensPage(dashboard, request, error: Dashboard.sentence(error.message), status: error.status)
                }
            },
            dashboard.action("/tokens/{id}/revoke", minimum: .admin) { request in
                try await accounts.revokeToken(id: request.parameter("id"), actor: request.user.name)
                return DashboardResponse.redirect("/tokens?notice=token-revoked")
            },
            dashboard.page("/account") { request in
                DashboardResponse.page("account", AccountModel(chrome: request.chrome(current: "/account"), error: nil))
            },
            dashboard.action("/account/password", minimum: .viewer) { request in
                let fields = request.fields
                func refuse(_ message: String, _ status: HTTPStatus) -> HTTPResponse {
                    DashboardResponse.page("account", AccountModel(chrome: request.chrome(current: "/account"), error: message), status: status)
                }
                guard let current = fields["current"], current.utf8.count <= 1024,
                    try await accounts.checkPassword(name: request.user.name, password: current) != nil
                else { return refuse("The current password is wrong.", .forbidden) }
                do {
                    try await accounts.setPassword(name: request.user.name, password: fields["password"] ?? "", actor: request.user.name)
                } catch let error as APIError where error.status == .unprocessableContent {
                    return refuse(Dashboard.sentence(error.message), error.status)
                }
                try await dashboard.sessions.endAll(user: request.user.name)
                return signedOut(dashboard, notice: "password-changed")
            },
        ]
    }

    /// To the sign-in page with the session cookie cleared (the sessions themselves are gone already).
    private static func signedOut(_ dashboard: Dashboard, notice: String) -> HTTPResponse {
        DashboardResponse.redirect(
            "/login?notice=" + notice, cookies: [Cookies.header(name: dashboard.sessionCookieName, value: "", maxAge: 0, secure: dashboard.secure)])
    }

    static func usersPage(
        _ dashboard: Dashboard, _ request: DashboardRequest, error: String? = nil, form: UserForm? = nil, status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        let users = try await dashboard.services.accounts.users()
        let rows = users.map {
            UserRow(
                name: $0.name, role: $0.role.rawValue, createdAt: TimeView($0.createdAt), passwordChangedAt: TimeView($0.passwordChangedAt),
                passwordAction: "/users/" + ViewText.component($0.name) + "/password")
        }
        let model = UsersModel(
            chrome: request.chrome(current: "/users"), users: rows, roles: Role.allCases.map(\.rawValue), error: error, form: form)
        return DashboardResponse.page("users", model, status: status)
    }

    static func tokensPage(
        _ dashboard: Dashboard, _ request: DashboardRequest, created: CreatedToken? = nil, error: String? = nil, status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        let accounts = dashboard.services.accounts
        let now = dashboard.services.clock()
        let (tokens, users) = (try await accounts.tokens(), try await accounts.users())
        let rows = tokens.map { token in
            let view = AccountRoutes.view(token, now: now)
            return TokenRow(
                name: token.name, id: token.id, scopes: view.scopes.joined(separator: " "), user: token.user ?? "—", active: view.state == "active",
                state: view.state, expires: token.expiresAt.map { TimeView($0).text } ?? "never",
                revokeAction: "/tokens/" + ViewText.component(token.id) + "/revoke")
        }
        let model = TokensModel(
            chrome: request.chrome(current: "/tokens"), tokens: rows, scopes: Scope.allCases.map(\.rawValue), userNames: users.map(\.name),
            created: created, error: error)
        return DashboardResponse.page("tokens", model, status: status)
    }
}
