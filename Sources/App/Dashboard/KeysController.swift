import Domain
import HTTPCore

/// `/keys` (admin): trusted keys, added and revoked through the same `EvidenceService` calls as the API.
enum KeysController {
    struct KeyRow: Sendable {
        let name: String
        let algorithm: String
        let bits: Int
        let id: String
        let restrictions: String
        let active: Bool
        let revokedAt: String
        let createdBy: String
        let createdAt: TimeView
        let revokeAction: String
    }

    struct FormValues: Sendable {
        let name: String
        let publicKey: String
        let predicateTypes: String
        let builderIds: String
        let subjectPatterns: String
    }

    struct Model: Sendable {
        let chrome: PageChrome
        let keys: Listing<KeyRow>
        let error: String?
        let form: FormValues?
    }

    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        let evidence = dashboard.services.evidence
        return [
            dashboard.page("/keys", minimum: .admin) { request in try await page(dashboard, request) },
            dashboard.action("/keys", minimum: .admin, maxBodyBytes: 64 * 1024) { request in
                let fields = request.fields
                let values = FormValues(
                    name: fields["name"] ?? "", publicKey: fields["publicKey"] ?? "", predicateTypes: fields["predicateTypes"] ?? "",
                    builderIds: fields["builderIds"] ?? "", subjectPatterns: fields["subjectPatterns"] ?? "")
                do {
                    _ = try await evidence.addKey(
                        name: values.name.trimmingWhitespace, pem: values.publicKey, predicateTypes: lines(values.predicateTypes),
                        builderIDs: lines(values.builderIds), subjectPatterns: lines(values.subjectPatterns), actor: request.user.name)
                } catch let error as APIError where error.status == .unprocessableContent || error.status == .conflict {
                    return try await page(dashboard, request, error: Dashboard.sentence(error.message), form: values, status: error.status)
                }
                return DashboardResponse.redirect("/keys?notice=key-added")
            },
            dashboard.action("/keys/{id}/revoke", minimum: .admin) { request in
                try await evidence.revokeKey(id: request.parameter("id"), actor: request.user.name)
                return DashboardResponse.redirect("/keys?notice=key-revoked")
            },
        ]
    }

    static func page(
        _ dashboard: Dashboard, _ request: DashboardRequest, error: String? = nil, form: FormValues? = nil, status: HTTPStatus = .ok
    ) async throws -> HTTPResponse {
        let keys = try await dashboard.services.evidence.keys()
        let rows = keys.map { key in
            var restrictions: [String] = []
            if !key.predicateTypes.isEmpty { restrictions.append("predicates: " + key.predicateTypes.joined(separator: ", ")) }
            if !key.builderIDs.isEmpty { restrictions.append("builders: " + key.builderIDs.joined(separator: ", ")) }
            if !key.subjectPatterns.isEmpty { restrictions.append("subjects: " + key.subjectPatterns.joined(separator: ", ")) }
            return KeyRow(
                name: key.name, algorithm: key.algorithm.rawValue, bits: key.bits, id: key.id,
                restrictions: restrictions.isEmpty ? "none" : restrictions.joined(separator: "; "), active: key.isActive,
                revokedAt: key.revokedAt.map { TimeView($0).text } ?? "", createdBy: key.createdBy, createdAt: TimeView(key.createdAt),
                revokeAction: "/keys/" + ViewText.component(key.id) + "/revoke")
        }
        let model = Model(chrome: request.chrome(current: "/keys"), keys: Listing(rows), error: error, form: form)
        return DashboardResponse.page("keys", model, status: status)
    }

    /// Non-empty trimmed lines of a textarea.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
    }
}
