#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain

extension PolicyEvaluator {
    /// One reason per scanner (its newest scan), or one failure when no scan counts.
    static func vulnerabilityOutcome(_ rule: VulnerabilityRule, input: PolicyInput, evidence: ImageEvidence) -> RuleOutcome {
        var outcome = RuleOutcome()
        let candidates = rule.requireSigned ? signedScans(evidence, activeKeys: input.activeKeys) : evidence.scans
        let newest = newestScanPerScanner(candidates)
        guard !newest.isEmpty else {
            if rule.requireSigned {
                let unsigned = evidence.scans.isEmpty ? "" : " (unsigned scans, or scans signed only by revoked keys, do not count)"
                outcome.fail("vulnerabilities", "no signed scan\(unsigned): post a vulnerability attestation signed by a trusted key")
            } else {
                outcome.fail("vulnerabilities", "no vulnerability scan: post a Trivy, Grype or SARIF report")
            }
            return outcome
        }
        let waiverExpiries = waiverExpiryByVulnerability(input: input, evidence: evidence)
        for scan in newest {
            outcome.add(scanOutcome(scan, rule: rule, input: input, waiverExpiries: waiverExpiries))
        }
        return outcome
    }

    private static func scanOutcome(
        _ scan: ScanRecord, rule: VulnerabilityRule, input: PolicyInput, waiverExpiries: [String: Date]
    ) -> RuleOutcome {
        var outcome = RuleOutcome()
        let scanner = DecisionText.clip(scan.scanner, max: 40)
        let scannedAt = scanTime(scan)
        var problems: [String] = []
        if let maxAge = rule.scanMaxAgeHours {
            let limit = DecisionText.adding(hours: maxAge, to: scannedAt)
            outcome.expiries.append(limit)
            if !(input.now < limit) {
                let age = DecisionText.wholeHours(input.now.timeIntervalSince(scannedAt))
                problems.append("scan by \(scanner) is \(age) hours old (max \(maxAge)): rescan")
            }
        }
        let base = rule.onlyFixable ? scan.fixableCounts : scan.counts
        guard Severity.allCases.allSatisfy({ base[$0] >= 0 }) else {
            outcome.fail("vulnerabilities", "scan by \(scanner) has invalid counts: rescan")
            return outcome
        }

        // Each finding once (by id + package + version); with onlyFixable only fixable ones were counted, so only they are subtracted.
        var waived = SeverityCounts()
        var usedWaivers: [String: Date] = [:]
        var seen: Set<String> = []
        for finding in input.waivableFindings[scan.id] ?? [] where seen.insert(finding.dedupKey).inserted {
            if rule.onlyFixable && !finding.isFixable { continue }
            let vulnerability = finding.id.uppercased()
            guard let expiry = waiverExpiries[vulnerability] else { continue }
            waived[finding.severity] += 1
            // Only a waiver that lowers a limited severity keeps the answer true; others don't bound validity.
            if rule.maxCounts[finding.severity] != nil { usedWaivers[vulnerability] = expiry }
        }
        outcome.expiries += usedWaivers.values

        var effective = SeverityCounts()
        for severity in Severity.allCases { effective[severity] = max(0, base[severity] - waived[severity]) }
        let limits = rule.maxCounts.sorted { $0.key < $1.key }
        let over = limits.filter { effective[$0.key] > $0.value }
        let countsText =
            limits.isEmpty
            ? "\(DecisionText.count(effective.total, "finding")), no severity limits"
            : limits.map { "\($0.key.rawValue) \(effective[$0.key]) (max \($0.value))" }.joined(separator: ", ")
        let label = "\(scanner) scan" + (rule.onlyFixable ? " (fixable findings only)" : "")
        let waivedText = waived.total > 0 ? "; \(DecisionText.count(waived.total, "finding")) waived" : ""
        if !over.isEmpty {
            problems.append("\(label): \(countsText)\(waivedText): fix or waive the findings over the limit")
        }
        if problems.isEmpty {
            outcome.pass("vulnerabilities", "\(label) from \(DecisionText.time(scannedAt)): \(countsText)\(waivedText)")
        } else {
            outcome.fail("vulnerabilities", problems.joined(separator: "; "))
        }
        return outcome
    }

    /// When a scan ran, as far as Shipgate can tell: a report cannot claim to be newer than its arrival.
    static func scanTime(_ scan: ScanRecord) -> Date {
        min(scan.scannedAt, scan.receivedAt)
    }

    /// The newest scan of each scanner (by scan time, then arrival, then id), ordered by scanner name.
    static func newestScanPerScanner(_ scans: [ScanRecord]) -> [ScanRecord] {
        var newest: [String: ScanRecord] = [:]
        for scan in scans {
            let key = scan.scanner.lowercased()
            if let current = newest[key], !isNewer(scan, than: current) { continue }
            newest[key] = scan
        }
        return newest.keys.sorted().compactMap { newest[$0] }
    }

    private static func isNewer(_ scan: ScanRecord, than other: ScanRecord) -> Bool {
        let (time, otherTime) = (scanTime(scan), scanTime(other))
        if time != otherTime { return time > otherTime }
        if scan.receivedAt != other.receivedAt { return scan.receivedAt > other.receivedAt }
        return scan.id > other.id
    }

    /// Scans that arrived in an attestation still signed by at least one active trusted key.
    private static func signedScans(_ evidence: ImageEvidence, activeKeys: [String: String]) -> [ScanRecord] {
        let trusted = Set(evidence.attestations.filter { !activeKeyIDs(of: $0, activeKeys: activeKeys).isEmpty }.map(\.id))
        return evidence.scans.filter { scan in scan.attestationID.map { trusted.contains($0) } ?? false }
    }

    /// Vulnerability id (upper-cased) → the latest expiry among the waivers in force for this digest and environment.
    private static func waiverExpiryByVulnerability(input: PolicyInput, evidence: ImageEvidence) -> [String: Date] {
        var expiries: [String: Date] = [:]
        for waiver in input.waivers where appliesNow(waiver, input: input, evidence: evidence) {
            let key = waiver.vulnerability.uppercased()
            expiries[key] = max(expiries[key] ?? waiver.expiresAt, waiver.expiresAt)
        }
        return expiries
    }

    /// Active, for this environment (or all), and scoped to this digest or to a repository that signed evidence
    /// names it under. Names from unsigned reports do not count: any evidence-writing token could otherwise
    /// claim another team's repository for its image and inherit that team's waivers.
    static func appliesNow(_ waiver: Waiver, input: PolicyInput, evidence: ImageEvidence) -> Bool {
        guard waiver.isActive(at: input.now), !waiver.vulnerability.isEmpty else { return false }
        if let environment = waiver.environment, environment != input.environment { return false }
        // A waiver must be scoped; every scope it names must hold.
        guard waiver.digest != nil || waiver.repositoryPattern != nil else { return false }
        if let digest = waiver.digest, digest != input.digest { return false }
        if let pattern = waiver.repositoryPattern {
            guard let glob = try? GlobPattern(pattern) else { return false }
            let vouched = evidence.attestations.filter { !PolicyEvaluator.activeKeyIDs(of: $0, activeKeys: input.activeKeys).isEmpty }
            return vouched.contains { $0.subjectNames.contains { glob.matches($0) } }
        }
        return true
    }
}
