import Domain
import Evidence
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPCore
import Policy
import SQLite
import Store

/// `/api/v1/policies` (admin): one versioned JSON policy per environment.
enum PolicyRoutes {
    static func routes(_ services: Services) -> [AppRoute] {
        let database = services.database
        return [
            AppRoute(
                method: .PUT, pattern: "/api/v1/policies/{env}", access: .scope(.admin),
                summary: "Replace an environment's policy (a new version; an unknown environment is created)", requestSchema: "Policy",
                responseSchema: "PolicyVersion", maxBodyBytes: 256 * 1024
            ) { request in
                let environment = request.parameter("env")
                try Accounts.validateName(environment, what: "environment")
                if let contentType = request.http.headers["Content-Type"], !contentType.lowercased().hasPrefix("application/json") {
                    throw APIError.unsupportedMediaType
                }
                let version = try await put(document: request.http.body, environment: environment, actor: request.actor.name, services: services)
                struct Stored: Encodable { let environment: String; let version: Int }
                return JSONBody.response(.ok, Stored(environment: environment, version: version))
            },
            AppRoute(
                method: .GET, pattern: "/api/v1/policies/{env}", access: .scope(.admin),
                summary: "An environment's current policy (?version= for an older one)", responseSchema: "PolicyDocument"
            , query: [QueryParameter(name: "version", required: false, description: "an older version (1 or more)", type: "integer")], otherResponses: [404: ("No policy for that environment or version", nil)]) { request in
                let environment = request.parameter("env")
                let number = try request.http.queryValue("version").map { text -> Int in
                    guard let value = Int(text), value > 0 else { throw APIError.badRequest("version must be a positive number") }
                    return value
                }
                let stored = try await database.read { db in
                    try number.map { try PolicyStore.version($0, environment: environment, in: db) }
                        ?? PolicyStore.current(environment: environment, in: db)
                }
                guard let stored else { throw APIError.notFound("no policy for '\(environment)'\(number.map { " at version \($0)" } ?? "")") }
                let document = "{\"createdAt\":\"\(Timestamp.format(stored.createdAt))\",\"createdBy\":\(jsonString(stored.createdBy)),"
                    + "\"environment\":\(jsonString(stored.environment)),\"policy\":\(String(decoding: stored.document, as: UTF8.self)),"
                    + "\"version\":\(stored.version)}"
                var headers = HTTPHeaders()
                headers.set("Content-Type", "application/json")
                return HTTPResponse(status: .ok, headers: headers, body: Array(document.utf8))
            },
            AppRoute(method: .GET, pattern: "/api/v1/policies", access: .scope(.admin), summary: "Environments and their policy versions") { _ in
                struct Item: Encodable { let environment: String; let version: Int }
                struct List: Encodable { let policies: [Item] }
                let items = try await database.read { db in
                    try PolicyStore.environments(in: db).compactMap { name in
                        try PolicyStore.current(environment: name, in: db).map { Item(environment: name, version: $0.version) }
                    }
                }
                return JSONBody.response(.ok, List(policies: items))
            },
        ]
    }

    /// Validates `document` as `environment`'s policy and stores it as the next version, audited: the one way a
    /// policy changes (API and dashboard). Not JSON is a 400, an invalid policy a 422 naming the problem.
    static func put(document: [UInt8], environment: String, actor: String, services: Services) async throws -> Int {
        try Accounts.validateName(environment, what: "environment")
        // Not JSON at all is a malformed request (400); JSON that is not a valid policy is a 422 below.
        do {
            try JSONDepthGuard.check(document)
            _ = try JSONDecoder().decode(JSONValue.self, from: Data(document))
        } catch {
            throw APIError.badRequest("the policy is not valid JSON")
        }
        let now = services.clock()
        return try await services.database.write { db in
            let known = Set(try PolicyStore.environments(in: db)).union([environment])
            let policy: EnvironmentPolicy
            switch parsePolicy(document, environment: environment, knownEnvironments: known) {
            case .success(let parsed): policy = parsed
            case .failure(let error): throw APIError.invalid(error.message)
            }
            let version = try PolicyStore.put(environment: environment, document: PolicyParser.encode(policy), by: actor, at: now, in: db)
            try AuditLog.append(
                actor: actor, action: "policy.put", subject: "environment:" + environment, details: ["version": String(version)], at: now,
                in: db)
            return version
        }
    }

    /// A JSON string literal for `text`.
    private static func jsonString(_ text: String) -> String {
        let encoded = (try? JSONBody.encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) }
        return encoded ?? "\"\""
    }

    /// Stores the default policies on an empty database.
    static func installDefaults(database: SQLite.Database, now: Date) async throws {
        try await database.write { db in
            guard try PolicyStore.environments(in: db).isEmpty else { return }
            for (environment, policy) in PolicyParser.defaults().sorted(by: { $0.key < $1.key }) {
                let version = try PolicyStore.put(environment: environment, document: PolicyParser.encode(policy), by: "system", at: now, in: db)
                try AuditLog.append(
                    actor: "system", action: "policy.put", subject: "environment:" + environment, details: ["version": String(version)], at: now,
                    in: db)
            }
        }
    }
}
