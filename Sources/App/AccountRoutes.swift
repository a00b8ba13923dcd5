import Domain
import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/api/v1/users` and `/api/v1/tokens` (admin).
enum AccountRoutes {
    struct NewUser: Decodable {
        let name: String
        let role: String
        let password: String
    }

    struct NewPassword: Decodable { let password: String }

    struct UserView: Encodable {
        let name: String
        let role: String
        var createdAt: String? = nil
    }

    struct NewToken: Decodable {
        let name: String
        let scopes: [String]
        let user: String?
        let expiresAt: String?
    }

    struct CreatedToken: Encodable {
        let id: String
        let token: String
        let name: String
        let scopes: [String]
        let user: String?
        let expiresAt: String?
    }

    struct TokenView: Encodable {
        let id: String
        let name: String
        let scopes: [String]
        let user: String?
        let createdBy: String
        let createdAt: String
        let expiresAt: String?
        let revokedAt: String?
        let state: String
    }

    static func routes(_ services: Services) -> [AppRoute] {
        let accounts = services.accounts
        return [
            AppRoute(
                method: .POST, pattern: "/api/v1/users", access: .scope(.admin), summary: "Create a user", requestSchema: "NewUser",
                responseSchema: "User", successStatus: 201, otherResponses: [409: ("The name is taken", nil)], maxBodyBytes: 16 * 1024
            ) { request in
                let body = try JSONBody.decode(NewUser.self, from: request.http)
                guard let role = Role(rawValue: body.role) else { throw APIError.invalid("role must be one of admin, approver, viewer") }
                let user = try await accounts.createUser(name: body.name, role: role, password: body.password, actor: request.actor.name)
                return JSONBody.response(.created, UserView(name: user.name, role: user.role.rawValue))
            },
            AppRoute(method: .GET, pattern: "/api/v1/users", access: .scope(.admin), summary: "List users", responseSchema: "UserList") { _ in
                struct List: Encodable { let users: [UserView] }
                let users = try await accounts.users()
                return JSONBody.response(.ok, 
                    List(users: users.map { UserView(name: $0.name, role: $0.role.rawValue, createdAt: Timestamp.format($0.createdAt)) }))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/users/{name}/password", access: .scope(.admin), summary: "Set a user's password",
                requestSchema: "NewPassword", responseSchema: "User", otherResponses: [404: ("No such user", nil)], maxBodyBytes: 16 * 1024
            ) { request in
                let body = try JSONBody.decode(NewPassword.self, from: request.http)
                let name = request.parameter("name")
                try await accounts.setPassword(name: name, password: body.password, actor: request.actor.name)
                struct Changed: Encodable { let name: String; let passwordChanged: Bool }
                return JSONBody.response(.ok, Changed(name: name, passwordChanged: true))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/tokens", access: .scope(.admin), summary: "Create an API token (the secret is shown once)",
                requestSchema: "NewToken", responseSchema: "CreatedToken", successStatus: 201, maxBodyBytes: 16 * 1024
            ) { request in
                let body = try JSONBody.decode(NewToken.self, from: request.http)
                var scopes = Set<Scope>()
                for name in body.scopes {
                    guard let scope = Scope(rawValue: name) else {
                        throw APIError.invalid("unknown scope; use \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    scopes.insert(scope)
                }
                var expiresAt: Date?
                if let text = body.expiresAt {
                    guard let date = Timestamp.parse(text) else { throw APIError.invalid("expiresAt must be an RFC 3339 instant") }
                    expiresAt = date
                }
                let (token, secret) = try await accounts.issueToken(
                    name: body.name, scopes: scopes, user: body.user, expiresAt: expiresAt, actor: request.actor.name)
                return JSONBody.response(
                    .created,
                    CreatedToken(
                        id: token.id, token: secret, name: token.name, scopes: token.scopes.map(\.rawValue).sorted(), user: token.user,
                        expiresAt: token.expiresAt.map(Timestamp.format)))
            },
            AppRoute(method: .GET, pattern: "/api/v1/tokens", access: .scope(.admin), summary: "List API tokens (never their secrets)", responseSchema: "TokenList") {
                _ in
                struct List: Encodable { let tokens: [TokenView] }
                let now = services.clock()
                let tokens = try await accounts.tokens()
                return JSONBody.response(.ok, List(tokens: tokens.map { view($0, now: now) }))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/tokens/{id}/revoke", access: .scope(.admin), summary: "Revoke an API token",
                responseSchema: "RevokedToken"
            , otherResponses: [404: ("No such token", nil)]) { request in
                let id = request.parameter("id")
                try await accounts.revokeToken(id: id, actor: request.actor.name)
                struct Revoked: Encodable { let id: String; let state: String }
                return JSONBody.response(.ok, Revoked(id: id, state: "revoked"))
            },
        ]
    }

    static func view(_ token: APIToken, now: Date) -> TokenView {
        let state = token.revokedAt != nil ? "revoked" : (token.isUsable(at: now) ? "active" : "expired")
        return TokenView(
            id: token.id, name: token.name, scopes: token.scopes.map(\.rawValue).sorted(), user: token.user, createdBy: token.createdBy,
            createdAt: Timestamp.format(token.createdAt), expiresAt: token.expiresAt.map(Timestamp.format),
            revokedAt: token.revokedAt.map(Timestamp.format), state: state)
    }
}
