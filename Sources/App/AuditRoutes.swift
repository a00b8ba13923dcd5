import Domain
import Evidence
import HTTPCore
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/v1/audit` (admin): the hash-chained audit log, oldest first, paged by entry id.
enum AuditRoutes {
    static let defaultLimit = 100
    static let maxLimit = 1000

    /// One entry as the API shows it; `details` is the stored JSON object, not a string holding it.
    struct EntryView: Encodable {
        let id: Int64
        let at: String
        let actor: String
        let action: String
        let subject: String
        let details: JSONValue
        let hash: String
        let prevHash: String
    }

    /// A page; `next` is the `after` value for the following page, null on the last one.
    struct Page: Encodable {
        let entries: [EntryView]
        let next: Int64?

        enum CodingKeys: String, CodingKey { case entries, next }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(entries, forKey: .entries)
            // Written out even when nil: clients loop "while next != null".
            try container.encode(next, forKey: .next)
        }
    }

    static func routes(_ services: Services) -> [AppRoute] {
        let database = services.database
        return [
            AppRoute(
                method: .GET, pattern: "/api/v1/audit", access: .scope(.admin),
                summary:
                    "The audit log, oldest first: ?after=ID (default 0) &limit=1..1000 (default 100) → AuditPage {entries: [{id, at, actor, action, subject, details (object), hash, prevHash}], next: id or null}"
            , query: [QueryParameter(name: "after", required: false, description: "return entries with a larger id (0 or more)", type: "integer"), QueryParameter(name: "limit", required: false, description: "1 to 1000, default 100", type: "integer")]) { request in
                let after = try integer(request.http.queryValue("after"), name: "after", default: 0, range: 0...Int64.max)
                let limit = Int(try integer(request.http.queryValue("limit"), name: "limit", default: Int64(defaultLimit), range: 1...Int64(maxLimit)))
                // One extra row tells whether another page follows.
                let rows = try await database.read { db in try AuditLog.entries(after: after, limit: limit + 1, in: db) }
                let page = rows.prefix(limit)
                let next = rows.count > limit ? page.last?.id : nil
                return JSONBody.response(.ok, Page(entries: page.map(view), next: next))
            }
        ]
    }

    /// A non-negative decimal query parameter within `range`; absent means `defaultValue`, anything else is a 400.
    static func integer(_ text: String?, name: String, default defaultValue: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let text else { return defaultValue }
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int64(text), range.contains(value)
        else {
            let bounds = range.upperBound == Int64.max ? "a whole number ≥ \(range.lowerBound)" : "a whole number from \(range.lowerBound) to \(range.upperBound)"
            throw APIError.badRequest("\(name) must be \(bounds)")
        }
        return value
    }

    static func view(_ entry: AuditEntry) -> EntryView {
        // The stored details are our own JSON object; should a row ever hold something else, show it rather than fail the page.
        let details = (try? JSONDecoder().decode(JSONValue.self, from: Data(entry.details.utf8))) ?? .object(["unparsed": .string(entry.details)])
        return EntryView(
            id: entry.id, at: entry.at, actor: entry.actor, action: entry.action, subject: entry.subject, details: details, hash: entry.hash,
            prevHash: entry.prevHash)
    }
}
