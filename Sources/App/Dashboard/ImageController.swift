import Domain
import HTTPCore
import Policy
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /images/{digest}`: everything known about a digest and the decision in every environment, with the
/// approve / reject, break-glass and waiver entry points the viewer's role allows.
enum ImageController {
    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        [
            dashboard.page("/images/{digest}") { request in
                // `?waive=ID` is the waiver form for one finding (a short link per table row, no repeated digest).
                if request.http.queryValue("waive") != nil {
                    guard request.user.role >= .approver else {
                        throw APIError.forbidden("waiving needs the approver role; \(request.user.name) is \(request.user.role.rawValue)")
                    }
                    return try await waiverForm(dashboard, request)
                }
                return try await imagePage(dashboard, request)
            },
        ]
    }

    /// The digest named by the path, or a 400 page.
    static func digest(_ request: DashboardRequest) throws -> Digest {
        guard let digest = try? Digest(parsing: request.parameter("digest")) else {
            throw APIError.badRequest("an image is named by its digest, sha256: followed by 64 lowercase hex characters")
        }
        return digest
    }

    static func imagePage(_ dashboard: Dashboard, _ request: DashboardRequest) async throws -> HTTPResponse {
        try await DashboardResponse.page("image", model(dashboard, request))
    }

    /// The page's model: one read for the evidence and listings, one decision per environment.
    static func model(_ dashboard: Dashboard, _ request: DashboardRequest) async throws -> ImagePageModel {
        let services = dashboard.services
        let digest = try digest(request)
        let order = DashboardStore.FindingOrder(rawValue: request.http.queryValue("sort") ?? "severity") ?? .severity
        let showAll = request.http.queryValue("all") == "1"
        let pageNumber = try request.http.queryValue("page").map { text -> Int in
            guard let value = Int(text), value >= 1, value <= 100_000 else { throw APIError.badRequest("page must be a whole number from 1") }
            return value
        } ?? 1
        let limit = showAll ? Int.max : findingsPerPage
        let offset = showAll ? 0 : (pageNumber - 1) * findingsPerPage
        let now = services.clock()
        let facts = try await services.database.read { db -> Facts? in
            guard let evidence = try EvidenceStore.evidence(for: digest, in: db) else { return nil }
            let latestScan = evidence.scans.first
            return Facts(
                evidence: evidence, environments: try PolicyStore.environments(in: db),
                findings: try latestScan.map { try DashboardStore.findings(scanID: $0.id, order: order, limit: limit, offset: offset, in: db) } ?? [],
                findingCount: try latestScan.map { try DashboardStore.findingCount(scanID: $0.id, in: db) } ?? 0,
                secrets: try latestScan.map { try DashboardStore.secrets(scanID: $0.id, limit: 500, in: db) } ?? [],
                waivers: try DecisionStore.candidateWaivers(digest: digest, at: now, in: db),
                deployments: try DashboardStore.deployments(digest: digest, limit: 100, in: db),
                audit: try DashboardStore.auditEntries(before: nil, subject: "image:" + digest.rawValue, actor: nil, action: nil, limit: 100, in: db),
                approvals: try Dictionary(
                    uniqueKeysWithValues: PolicyStore.environments(in: db).map {
                        ($0, try DecisionStore.approvals(digest: digest, environment: $0, in: db))
                    }))
        }
        guard let facts else { throw APIError.notFound("nothing is known about \(digest.rawValue)") }
        let evidence = facts.evidence
        let role = request.user.role
        var decisions: [ImagePageModel.DecisionSection] = []
        for environment in facts.environments {
            decisions.append(await decisionSection(digest, environment: environment, approvals: facts.approvals[environment] ?? [], role: role, services: services))
        }
        let waiverBadges = badges(facts.waivers, names: evidence.names)
        let canWaive = role >= .approver
        let scan = evidence.scans.first.map { scan in
            ImagePageModel.ScanSection(
                scanner: scan.scanner, scannerVersion: scan.scannerVersion, scannedAt: TimeView(scan.scannedAt), signed: scan.isSigned,
                findingCount: facts.findingCount,
                counts: Severity.allCases.map { ImagePageModel.SeverityCount(severity: $0.rawValue, count: scan.counts[$0], fixable: scan.fixableCounts[$0]) },
                sortLinks: DashboardStore.FindingOrder.allCases.map {
                    ImagePageModel.SortLink(href: "?sort=" + $0.rawValue + (showAll ? "&all=1" : "") + "#vulnerabilities", label: $0.rawValue, current: $0 == order)
                },
                pages: pageLinks(count: facts.findingCount, current: showAll ? nil : pageNumber, order: order),
                shown: showAll || facts.findingCount <= findingsPerPage
                    ? "all \(facts.findingCount)"
                    : "\(min(offset + 1, facts.findingCount))–\(min(offset + findingsPerPage, facts.findingCount)) of \(facts.findingCount)",
                findings: facts.findings.map { finding in
                    ImagePageModel.FindingRow(
                        finding: finding, waived: waiverBadges[finding.id.uppercased()],
                        waiveHref: canWaive ? ViewText.query([("waive", finding.id)]) : nil)
                })
        }
        let config = evidence.configs.first.map { record in
            ImagePageModel.ConfigSection(
                user: record.facts.user.isEmpty ? "(unset: root)" : record.facts.user, runsAsRoot: record.facts.runsAsRoot,
                nonNumericUser: record.facts.nonNumericUser, ports: Listing(record.facts.exposedPorts), secretEnv: Listing(record.facts.secretEnv),
                healthcheck: record.facts.hasHealthcheck)
        }
        let sbom = evidence.sboms.first.map { record in
            ImagePageModel.SBOMSection(
                format: record.format.rawValue, specVersion: record.specVersion, components: record.componentCount, signed: record.attestationID != nil,
                topLevel: Listing(Array(record.topLevel.prefix(200))), topLevelCount: record.topLevel.count)
        }
        return ImagePageModel(
            chrome: request.chrome(current: ""), digest: digest.rawValue, short: ViewText.short(digest), names: Listing(evidence.names),
            aliases: Listing(evidence.aliases), firstSeen: TimeView(evidence.firstSeenAt), lastEvidence: TimeView(evidence.lastEvidenceAt),
            decisions: decisions,
            attestations: Listing(
                evidence.attestations.map {
                    ImagePageModel.AttestationRow(
                        predicateType: $0.predicateType, builder: $0.provenance?.builderID ?? "—", repository: $0.provenance?.sourceRepository,
                        commit: $0.provenance?.sourceCommit, built: ($0.provenance?.finishedOn ?? $0.provenance?.startedOn).map(TimeView.init),
                        keys: $0.keys, postedBy: $0.postedBy)
                }),
            scan: scan,
            secrets: Listing(facts.secrets.map { .init(severity: $0.severity.rawValue, rule: $0.ruleID, title: $0.title, location: $0.location) }),
            config: config, sbom: sbom,
            deployments: Listing(facts.deployments.map { .init(environment: $0.environment, target: $0.target, at: TimeView($0.reportedAt), by: $0.reportedBy) }),
            audit: Listing(facts.audit.map { .init(at: $0.at, action: $0.action, actor: $0.actor, details: $0.details) }))
    }

    /// Findings shown per page (`?all=1` shows every one): bounds the page's size and render time.
    static let findingsPerPage = 500

    /// Links to the pages of findings, and to all of them at once; none when one page holds them all.
    static func pageLinks(count: Int, current: Int?, order: DashboardStore.FindingOrder) -> Listing<ImagePageModel.SortLink> {
        guard count > findingsPerPage else { return Listing([]) }
        let pages = (count + findingsPerPage - 1) / findingsPerPage
        var links = (1...pages).map {
            ImagePageModel.SortLink(href: "?sort=\(order.rawValue)&page=\($0)#vulnerabilities", label: "page \($0)", current: $0 == current)
        }
        links.append(ImagePageModel.SortLink(href: "?sort=\(order.rawValue)&all=1#vulnerabilities", label: "all \(count)", current: current == nil))
        return Listing(links)
    }

    /// What one read gathers for the page.
    struct Facts: Sendable {
        let evidence: ImageEvidence
        let environments: [String]
        let findings: [Finding]
        let findingCount: Int
        let secrets: [SecretFinding]
        let waivers: [Waiver]
        let deployments: [DeploymentStore.Deployment]
        let audit: [AuditEntry]
        let approvals: [String: [Approval]]
    }

    /// The decision in one environment; a failure to decide is shown as not cleared, with the reason.
    private static func decisionSection(
        _ digest: Digest, environment: String, approvals: [Approval], role: Role, services: Services
    ) async -> ImagePageModel.DecisionSection {
        let approvalRows = Listing(
            approvals.reversed().map {
                ImagePageModel.ApprovalRow(verdict: $0.verdict.rawValue, user: $0.user, role: $0.role.rawValue, at: TimeView($0.at), comment: $0.comment.isEmpty ? nil : $0.comment)
            })
        let base = ViewText.imageHref(digest)
        do {
            let decision = try await services.decisions.decide(digest, environment: environment)
            return ImagePageModel.DecisionSection(
                environment: environment, cleared: decision.cleared, breakGlass: decision.breakGlass, dryRun: decision.mode == .dryRun, error: nil,
                policyVersion: decision.policyVersion, decidedAt: TimeView(decision.decidedAt), validUntil: decision.validUntil.map(TimeView.init),
                reasons: decision.reasons, approvals: approvalRows, canApprove: role >= .approver,
                canConfirmBreakGlass: role >= .approver && decision.breakGlass, canBreakGlass: role == .admin, actionBase: base)
        } catch {
            services.log.error("dashboard could not decide \(digest.rawValue) in \(environment): \(error)")
            return ImagePageModel.DecisionSection(
                environment: environment, cleared: false, breakGlass: false, dryRun: false,
                error: "The decision could not be computed, so the image is not cleared here.", policyVersion: 0, decidedAt: TimeView(services.clock()),
                validUntil: nil, reasons: [], approvals: approvalRows, canApprove: false, canConfirmBreakGlass: false, canBreakGlass: false, actionBase: base)
        }
    }

    /// Upper-cased vulnerability id → badge text for the waivers in force for this digest (scoped to it or to a
    /// repository it was seen under), e.g. "until 2026-12-01 09:00 UTC (production)".
    static func badges(_ waivers: [Waiver], names: [String]) -> [String: String] {
        var badges: [String: [String]] = [:]
        for waiver in waivers {
            if let pattern = waiver.repositoryPattern {
                guard let glob = try? GlobPattern(pattern), names.contains(where: { glob.matches($0) }) else { continue }
            }
            badges[waiver.vulnerability.uppercased(), default: []].append(
                "until \(TimeView(waiver.expiresAt).text) (\(waiver.environment ?? "every environment"))")
        }
        return badges.mapValues { $0.joined(separator: "; ") }
    }

    struct WaiverFormModel: Sendable {
        let chrome: PageChrome
        let vulnerability: String
        let imageHref: String
        let short: String
        let environments: [String]
        let error: String?
    }

    /// `GET /images/{digest}?waive=ID`: the waiver form for one finding.
    static func waiverForm(_ dashboard: Dashboard, _ request: DashboardRequest, error: String? = nil, vulnerability: String? = nil) async throws
        -> HTTPResponse
    {
        let digest = try digest(request)
        guard let vulnerability = vulnerability ?? request.http.queryValue("waive"), !vulnerability.isEmpty else {
            throw APIError.badRequest("name the vulnerability to waive (?waive=CVE-…)")
        }
        let environments = try await dashboard.services.database.read { db in try PolicyStore.environments(in: db) }
        let model = WaiverFormModel(
            chrome: request.chrome(current: ""), vulnerability: vulnerability, imageHref: ViewText.imageHref(digest), short: ViewText.short(digest),
            environments: environments, error: error)
        return DashboardResponse.page("waiver", model, status: error == nil ? .ok : .unprocessableContent)
    }
}
