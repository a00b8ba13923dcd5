import Domain
import Evidence
import HTTPCore
import Policy
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/policies` (admin): every environment's policy, its history, and a JSON editor whose validation errors
/// are shown next to the document; saving goes through `PolicyRoutes.put`, exactly as `PUT /api/v1/policies/{env}`.
enum PoliciesController {
    struct PolicyRow: Sendable {
        let environment: String
        let href: String
        let version: Int
        let mode: String
        let createdBy: String
        let createdAt: TimeView
    }

    struct ListModel: Sendable {
        let chrome: PageChrome
        let policies: [PolicyRow]
    }

    struct HistoryRow: Sendable {
        let version: Int
        let href: String
        let createdBy: String
        let createdAt: TimeView
    }

    struct EditModel: Sendable {
        let chrome: PageChrome
        let environment: String
        let document: String
        let viewing: Int?
        let isOld: Bool
        let error: String?
        let history: Listing<HistoryRow>
    }

    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        let services = dashboard.services
        return [
            dashboard.page("/policies", minimum: .admin) { request in
                let rows = try await services.database.read { db in
                    try PolicyStore.environments(in: db).compactMap { environment -> PolicyRow? in
                        guard let stored = try PolicyStore.current(environment: environment, in: db) else { return nil }
                        let mode = try? JSONDecoder().decode(ModeOnly.self, from: Data(stored.document)).mode
                        return PolicyRow(
                            environment: environment, href: "/policies/" + ViewText.component(environment), version: stored.version, mode: mode ?? "enforce",
                            createdBy: stored.createdBy, createdAt: TimeView(stored.createdAt))
                    }
                }
                return DashboardResponse.page("policies", ListModel(chrome: request.chrome(current: "/policies"), policies: rows))
            },
            dashboard.page("/policies/new", minimum: .admin) { request in
                guard let environment = request.http.queryValue("environment")?.trimmingWhitespace, !environment.isEmpty else {
                    throw APIError.badRequest("name the new environment")
                }
                try Accounts.validateName(environment, what: "environment")
                return DashboardResponse.redirect("/policies/" + ViewText.component(environment))
            },
            dashboard.page("/policies/{env}", minimum: .admin) { request in
                let number = try request.http.queryValue("version").map { text -> Int in
                    guard let value = Int(text), value > 0 else { throw APIError.badRequest("version must be a positive number") }
                    return value
                }
                return try await editor(dashboard, request, environment: request.parameter("env"), version: number, draft: nil, error: nil)
            },
            dashboard.action("/policies", minimum: .admin, maxBodyBytes: 256 * 1024) { request in
                let environment = try request.fields.required("environment")
                let document = request.fields["document"] ?? ""
                do {
                    _ = try await PolicyRoutes.put(document: Array(document.utf8), environment: environment, actor: request.user.name, services: services)
                } catch let error as APIError where error.status == .badRequest || error.status == .unprocessableContent {
                    return try await editor(dashboard, request, environment: environment, version: nil, draft: document, error: Dashboard.sentence(error.message))
                }
                return DashboardResponse.redirect("/policies/" + ViewText.component(environment) + "?notice=policy-saved")
            },
        ]
    }

    private struct ModeOnly: Decodable { let mode: String? }

    /// The editor for `environment`: the chosen (or current) version pretty-printed, or the rejected draft with its error.
    static func editor(
        _ dashboard: Dashboard, _ request: DashboardRequest, environment: String, version: Int?, draft: String?, error: String?
    ) async throws -> HTTPResponse {
        try Accounts.validateName(environment, what: "environment")
        let (stored, history) = try await dashboard.services.database.read { db in
            (
                try version.map { try PolicyStore.version($0, environment: environment, in: db) } ?? PolicyStore.current(environment: environment, in: db),
                try DashboardStore.policyHistory(environment: environment, limit: 200, in: db)
            )
        }
        if version != nil && stored == nil { throw APIError.notFound("\(environment) has no policy version \(version ?? 0)") }
        let document = draft ?? stored.map { pretty($0.document) } ?? "{\n  \"mode\": \"enforce\"\n}\n"
        let base = "/policies/" + ViewText.component(environment)
        let model = EditModel(
            chrome: request.chrome(current: "/policies"), environment: environment, document: document, viewing: draft == nil ? stored?.version : nil,
            isOld: stored.map { $0.version != history.first?.version } ?? false, error: error,
            history: Listing(history.map { HistoryRow(version: $0.version, href: base + "?version=\($0.version)", createdBy: $0.createdBy, createdAt: TimeView($0.createdAt)) }))
        return DashboardResponse.page("policy", model, status: error == nil ? .ok : .unprocessableContent)
    }

    /// The stored canonical JSON, indented for editing.
    static func pretty(_ document: [UInt8]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(document)), let data = try? encoder.encode(value) else {
            return String(decoding: document, as: UTF8.self)
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
