import Crypto
import Domain
import HTTPCore
import Policy
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /`: per environment, the queue of digests with evidence but not cleared (oldest first, paged), recently
/// cleared images, drift, active break-glass, and waivers and approvals ending soon. Work is bounded per page:
/// at most `scanLimit` images are decided per environment, in one read snapshot per batch.
enum OverviewController {
    static let queueSize = 20
    static let batchSize = 25
    static let scanLimit = 200
    static let recentSize = 10
    static let expiringWithin: TimeInterval = 7 * 86_400

    struct ImageRow: Sendable {
        let href: String
        let short: String
        let names: String
        let firstSeen: TimeView
        let failing: String
    }

    struct DriftRow: Sendable {
        let target: String
        let href: String
        let short: String
        let at: TimeView
    }

    struct BreakGlassRow: Sendable {
        let href: String
        let short: String
        let by: String
        let until: TimeView
        let confirmedBy: String?
        let justification: String
    }

    struct ExpiringRow: Sendable {
        let kind: String
        let what: String
        let href: String?
        let short: String
        let until: TimeView
    }

    struct EnvironmentSection: Sendable {
        let name: String
        let policyVersion: Int
        let queue: Listing<ImageRow>
        let scanned: Int?
        let next: String?
        let cleared: Listing<ImageRow>
        let drift: Listing<DriftRow>
        let breakGlass: Listing<BreakGlassRow>
        let expiring: Listing<ExpiringRow>
    }

    struct EnvironmentLink: Sendable {
        let name: String
        let href: String
        let current: Bool
    }

    struct Model: Sendable {
        let chrome: PageChrome
        let imageCount: Int
        let selected: Bool
        let environmentLinks: Listing<EnvironmentLink>
        let environments: [EnvironmentSection]
    }

    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        [dashboard.page("/") { request in try await overview(dashboard, request) }]
    }

    static func overview(_ dashboard: Dashboard, _ request: DashboardRequest) async throws -> HTTPResponse {
        let services = dashboard.services
        let (environments, imageCount) = try await services.database.read { db in
            (try PolicyStore.environments(in: db), try DashboardStore.imageCount(in: db))
        }
        let selected = request.http.queryValue("env")
        if let selected, !environments.contains(selected) { throw APIError.notFound("there is no environment named \(selected)") }
        let cursor = try request.http.queryValue("after").map(decodeCursor)
        var sections: [EnvironmentSection] = []
        for environment in environments where selected == nil || selected == environment {
            sections.append(try await section(environment, after: selected == nil ? nil : cursor, services: services))
        }
        let links = environments.map { EnvironmentLink(name: $0, href: "/" + ViewText.query([("env", $0)]), current: $0 == selected) }
        let model = Model(
            chrome: request.chrome(current: "/"), imageCount: imageCount, selected: selected != nil, environmentLinks: Listing(links),
            environments: sections)
        return DashboardResponse.page("overview", model)
    }

    static func section(_ environment: String, after cursor: (at: String, digest: String)?, services: Services) async throws -> EnvironmentSection {
        let now = services.clock()
        // The queue: oldest images first, decided in batches, until a page of not-cleared ones or the scan limit.
        var queue: [ImageRow] = []
        var scanned = 0
        var position = cursor
        var more = true
        while queue.count < queueSize, scanned < scanLimit, more {
            let batch = try await services.database.read { [position] db in
                try DashboardStore.imagesOldestFirst(after: position, limit: batchSize, in: db)
            }
            more = batch.count == batchSize
            let decisions = try await services.decisions.decide(batch.map(\.digest), environment: environment)
            var consumed = 0
            for (item, decision) in zip(batch, decisions) {
                consumed += 1
                scanned += 1
                position = (Timestamp.format(item.firstSeenAt), item.digest.rawValue)
                if !decision.cleared { queue.append(row(item, decision)) }
                if queue.count == queueSize { break }
            }
            if consumed < batch.count { more = true }
        }
        let next = more ? position.map { "/" + ViewText.query([("env", environment), ("after", encodeCursor($0))]) } : nil

        // Recently cleared: the latest approved and the newest images, whichever are cleared now.
        let (approved, newest, deployments, breakGlass, waivers, policy) = try await services.database.read { db in
            (
                try DashboardStore.recentlyApproved(environment: environment, limit: recentSize, in: db),
                try EvidenceStore.images(before: nil, limit: recentSize, in: db),
                try DeploymentStore.latest(environment: environment, in: db),
                try DashboardStore.activeBreakGlass(now: now, limit: 50, in: db).filter { $0.environment == environment },
                try DashboardStore.waiversExpiring(now: now, until: now.addingTimeInterval(expiringWithin), limit: 50, in: db)
                    .filter { $0.environment == nil || $0.environment == environment },
                try PolicyStore.current(environment: environment, in: db)
            )
        }
        var candidates: [Digest] = []
        for digest in approved.map(\.digest) + newest.map(\.digest) where !candidates.contains(digest) { candidates.append(digest) }
        let candidateDecisions = try await services.decisions.decide(candidates, environment: environment)
        let names = Dictionary(newest.map { ($0.digest, $0.names.joined(separator: ", ")) }, uniquingKeysWith: { first, _ in first })
        let cleared = zip(candidates, candidateDecisions).filter { $0.1.cleared }.prefix(recentSize).map { digest, decision in
            ImageRow(href: ViewText.imageHref(digest), short: ViewText.short(digest), names: names[digest] ?? "", firstSeen: TimeView(decision.decidedAt), failing: "")
        }

        // Drift: deployed here but not cleared now.
        let deployedDecisions = try await services.decisions.decide(deployments.map(\.digest), environment: environment)
        let drift = zip(deployments, deployedDecisions).filter { !$0.1.cleared }.prefix(50).map { deployment, _ in
            DriftRow(
                target: deployment.target, href: ViewText.imageHref(deployment.digest), short: ViewText.short(deployment.digest),
                at: TimeView(deployment.reportedAt))
        }

        let breakGlassRows = breakGlass.map {
            BreakGlassRow(
                href: ViewText.imageHref($0.digest), short: ViewText.short($0.digest), by: $0.createdBy, until: TimeView($0.expiresAt),
                confirmedBy: $0.confirmedBy, justification: $0.justification)
        }
        var expiring = waivers.map { waiver in
            ExpiringRow(
                kind: "waiver", what: waiver.vulnerability + (waiver.repositoryPattern.map { " for " + $0 } ?? " for"),
                href: waiver.digest.map(ViewText.imageHref), short: waiver.digest.map(ViewText.short) ?? "", until: TimeView(waiver.expiresAt))
        }
        expiring += try await expiringApprovals(environment, policy: policy, now: now, services: services)
        return EnvironmentSection(
            name: environment, policyVersion: policy?.version ?? 0, queue: Listing(queue), scanned: queue.isEmpty ? scanned : nil, next: next,
            cleared: Listing(Array(cleared)), drift: Listing(Array(drift)), breakGlass: Listing(breakGlassRows),
            expiring: Listing(expiring.sorted { $0.until.iso < $1.until.iso }))
    }

    /// Approvals that stop counting within the week: given between `validForHours` ago and a week after that.
    private static func expiringApprovals(
        _ environment: String, policy stored: PolicyStore.Version?, now: Date, services: Services
    ) async throws -> [ExpiringRow] {
        guard let stored, case .success(let policy) = parsePolicy(stored.document, environment: environment, knownEnvironments: []),
            let hours = policy.validForHours
        else { return [] }
        let validity = TimeInterval(hours) * 3600
        let approvals = try await services.database.read { db in
            try DashboardStore.approvals(
                environment: environment, after: now.addingTimeInterval(-validity), before: now.addingTimeInterval(-validity + expiringWithin), limit: 50,
                in: db)
        }
        return approvals.map {
            ExpiringRow(
                kind: "approval", what: "by " + $0.user + " of", href: ViewText.imageHref($0.digest), short: ViewText.short($0.digest),
                until: TimeView($0.at.addingTimeInterval(validity)))
        }
    }

    private static func row(_ item: EvidenceStore.ImageListItem, _ decision: Decision) -> ImageRow {
        ImageRow(
            href: ViewText.imageHref(item.digest), short: ViewText.short(item.digest), names: item.names.joined(separator: ", "),
            firstSeen: TimeView(item.firstSeenAt), failing: decision.reasons.filter { !$0.passed }.map(\.rule).joined(separator: ", "))
    }

    static func encodeCursor(_ cursor: (at: String, digest: String)) -> String { Base64URL.encode(Array("\(cursor.at)\n\(cursor.digest)".utf8)) }

    static func decodeCursor(_ text: String) throws -> (at: String, digest: String) {
        guard let bytes = Base64URL.decode(text) else { throw APIError.badRequest("the page cursor is malformed") }
        let parts = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        guard parts.count == 2 else { throw APIError.badRequest("the page cursor is malformed") }
        return (String(parts[0]), String(parts[1]))
    }
}
