import Domain
import Policy
import SQLite
import Store
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decisions: recomputed from the stored facts on every question, in one read snapshot, so a new scan,
/// a revoked key, an expired waiver or approval changes the very next answer. Any failure to read a
/// fact is an error, never a "cleared".
struct DecisionService: Sendable {
    let database: Database
    let keyRing: KeyRing
    let clock: @Sendable () -> Date
    /// Parsed policies by environment and version: a stored version never changes, so parsing it once is enough.
    let policies = PolicyCache()

    /// Promotion chains deeper than this are refused as misconfiguration.
    static let maxPromotionDepth = 8

    /// The decision for `digest` in `environment`; 404 for an unknown environment.
    func decide(_ digest: Digest, environment: String) async throws -> Decision {
        let now = clock()
        return try await database.read { db in
            try Self.decide(digest, environment: environment, now: now, visiting: [], policies: policies, in: db)
        }
    }

    /// Several digests in one snapshot.
    func decide(_ digests: [Digest], environment: String) async throws -> [Decision] {
        let now = clock()
        return try await database.read { db in
            try digests.map { try Self.decide($0, environment: environment, now: now, visiting: [], policies: policies, in: db) }
        }
    }

    /// Several digests in each of `environments`, in one snapshot, reading each digest's facts once for all of them.
    /// An environment whose decisions cannot be computed (its stored policy no longer validates, say) is reported in
    /// `failures` and decided no further; the others still are.
    func decide(_ digests: [Digest], environments: [String]) async throws -> (decisions: [Decision], failures: [String: any Error]) {
        let now = clock()
        return try await database.read { db in
            var decisions: [Decision] = []
            var failures: [String: any Error] = [:]
            for digest in digests {
                var facts: DigestFacts?
                for environment in environments where failures[environment] == nil {
                    do {
                        decisions.append(
                            try Self.decide(digest, environment: environment, now: now, visiting: [], policies: policies, facts: &facts, in: db))
                    } catch {
                        failures[environment] = error
                    }
                }
            }
            return (decisions, failures)
        }
    }

    static func decide(
        _ digest: Digest, environment: String, now: Date, visiting: Set<String>, policies: PolicyCache, in db: SQLiteConnection
    ) throws -> Decision {
        var facts: DigestFacts?
        return try decide(digest, environment: environment, now: now, visiting: visiting, policies: policies, facts: &facts, in: db)
    }

    /// The environment-independent facts about one digest, read once per snapshot even when promotion decides the
    /// upstream environments too.
    private struct DigestFacts {
        let evidence: ImageEvidence?
        let waivers: [Waiver]
        let waivable: [String: [Finding]]
        let activeKeys: [String: String]

        init(_ digest: Digest, now: Date, in db: SQLiteConnection) throws {
            evidence = try EvidenceStore.evidence(for: digest, in: db)
            waivers = try DecisionStore.candidateWaivers(digest: digest, at: now, in: db)
            waivable = try DecisionStore.findings(scanIDs: evidence?.scans.map(\.id) ?? [], vulnerabilities: Set(waivers.map(\.vulnerability)), in: db)
            activeKeys = try KeyStore.activeNames(in: db)
        }
    }

    private static func decide(
        _ digest: Digest, environment: String, now: Date, visiting: Set<String>, policies: PolicyCache, facts: inout DigestFacts?,
        in db: SQLiteConnection
    ) throws -> Decision {
        guard let stored = try PolicyStore.current(environment: environment, in: db) else {
            throw APIError.notFound("unknown environment '\(environment)'; known: \(try PolicyStore.environments(in: db).joined(separator: ", "))")
        }
        let policy = try policies.policy(stored) {
            let known = Set(try PolicyStore.environments(in: db))
            switch parsePolicy(stored.document, environment: environment, knownEnvironments: known) {
            case .success(let parsed): return parsed
            // A stored policy that no longer validates decides nothing.
            case .failure(let error):
                throw StoreError.invalid("the stored \(environment) policy v\(stored.version) does not validate: \(error.message)")
            }
        }
        let known = try facts ?? DigestFacts(digest, now: now, in: db)
        facts = known
        var clearedIn: [String: Bool] = [:]
        var upstreamValidUntil: [Date] = []
        var upstreamRecheckAt: [Date] = []
        for other in policy.promotion?.requireClearedIn ?? [] where other != environment {
            guard !visiting.contains(other), visiting.count < maxPromotionDepth else {
                clearedIn[other] = false
                continue
            }
            let upstream = try decide(
                digest, environment: other, now: now, visiting: visiting.union([environment]), policies: policies, facts: &facts, in: db)
            clearedIn[other] = upstream.cleared
            if upstream.cleared, let validUntil = upstream.validUntil { upstreamValidUntil.append(validUntil) }
            if let recheckAt = upstream.recheckAt { upstreamRecheckAt.append(recheckAt) }
        }
        let breakGlass = try DecisionStore.latestBreakGlass(digest: digest, environment: environment, in: db)
        var decision = PolicyEvaluator.evaluate(
            PolicyInput(
                digest: digest, environment: environment, policy: policy, policyVersion: stored.version, evidence: known.evidence,
                waivableFindings: known.waivable, approvals: try DecisionStore.approvals(digest: digest, environment: environment, in: db),
                waivers: known.waivers, breakGlass: breakGlass, clearedIn: clearedIn, activeKeys: known.activeKeys, now: now))
        // A break-glass an approver confirmed stays in force until it expires but is no longer flagged.
        if decision.breakGlass, breakGlass?.confirmedBy != nil { decision.breakGlass = false }
        // A promotion holds only while the upstream clearance does: never claim validity beyond it.
        if decision.cleared, let upstream = upstreamValidUntil.min() {
            decision.validUntil = decision.validUntil.map { min($0, upstream) } ?? upstream
        }
        // Time changing an upstream answer changes this one's promotion reason.
        decision.recheckAt = ([decision.recheckAt].compactMap { $0 } + upstreamRecheckAt).min()
        return decision
    }
}

/// Policy parsing as a value, so callers in untyped-throws contexts keep the precise `PolicyError`.
func parsePolicy(_ bytes: [UInt8], environment: String, knownEnvironments: Set<String>) -> Result<EnvironmentPolicy, PolicyError> {
    do throws(PolicyError) {
        return .success(try PolicyParser.parse(bytes, environment: environment, knownEnvironments: knownEnvironments))
    } catch {
        return .failure(error)
    }
}

/// Validated policies keyed by environment and version, each kept with the document it was parsed from: a row
/// edited behind the server's back no longer matches its bytes, so it is parsed again (and fails closed if it no
/// longer validates).
final class PolicyCache: Sendable {
    private struct Key: Hashable {
        let environment: String
        let version: Int
    }

    private let entries = Mutex<[Key: (document: [UInt8], policy: EnvironmentPolicy)]>([:])

    func policy(_ stored: PolicyStore.Version, parse: () throws -> EnvironmentPolicy) throws -> EnvironmentPolicy {
        let key = Key(environment: stored.environment, version: stored.version)
        if let cached = entries.withLock({ $0[key] }), cached.document == stored.document { return cached.policy }
        let parsed = try parse()
        entries.withLock { entries in
            if entries.count > 1000 { entries.removeAll() }
            entries[key] = (stored.document, parsed)
        }
        return parsed
    }
}
