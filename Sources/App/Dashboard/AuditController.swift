import Domain
import HTTPCore
import Store

/// `GET /audit` (admin, as the audit API): newest first, paged by entry id, filtered by digest, actor or action,
/// with the whole chain verified on every view.
enum AuditController {
    static let pageSize = 50

    struct Row: Sendable {
        let id: Int64
        let at: String
        let actor: String
        let action: String
        let subject: String
        let href: String?
        let details: String
    }

    struct Filter: Sendable {
        let digest: String
        let actor: String
        let action: String
    }

    struct Model: Sendable {
        let chrome: PageChrome
        let intact: Bool
        let verifiedCount: Int
        let entries: Listing<Row>
        let broken: String
        let filter: Filter
        let next: String?
    }

    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        [
            dashboard.page("/audit", minimum: .admin) { request in
                let query = request.http
                func value(_ name: String) -> String? { query.queryValue(name).map(\.trimmingWhitespace).flatMap { $0.isEmpty ? nil : String($0.prefix(300)) } }
                let digestText = value("digest")
                let digest = try digestText.map { text -> Digest in
                    guard let digest = try? Digest(parsing: text) else { throw APIError.badRequest("the digest filter must be sha256: and 64 hex characters") }
                    return digest
                }
                let actor = value("actor")
                let action = value("action")
                let before = try query.queryValue("before").map { text -> Int64 in
                    guard let id = Int64(text), id > 0 else { throw APIError.badRequest("before must be a positive entry id") }
                    return id
                }
                let (rows, verification) = try await dashboard.services.database.read { db in
                    (
                        try DashboardStore.auditEntries(
                            before: before, subject: digest.map { "image:" + $0.rawValue }, actor: actor, action: action, limit: pageSize + 1, in: db),
                        try AuditLog.verify(in: db)
                    )
                }
                let page = rows.prefix(pageSize)
                let next = rows.count > pageSize
                    ? page.last.map { "/audit" + ViewText.query([("digest", digestText), ("actor", actor), ("action", action), ("before", String($0.id))]) } : nil
                let (intact, verifiedCount, broken): (Bool, Int, String) =
                    switch verification {
                    case .intact(let count): (true, count, "")
                    case .broken(let id, let reason): (false, 0, "at entry \(id): \(reason)")
                    }
                let model = Model(
                    chrome: request.chrome(current: "/audit"), intact: intact, verifiedCount: verifiedCount,
                    entries: Listing(
                        page.map { entry in
                            let href = entry.subject.hasPrefix("image:") ? (try? Digest(parsing: String(entry.subject.dropFirst(6)))).map(ViewText.imageHref) : nil
                            return Row(id: entry.id, at: entry.at, actor: entry.actor, action: entry.action, subject: entry.subject, href: href, details: entry.details)
                        }), broken: broken, filter: Filter(digest: digestText ?? "", actor: actor ?? "", action: action ?? ""), next: next)
                return DashboardResponse.page("audit", model)
            }
        ]
    }
}
