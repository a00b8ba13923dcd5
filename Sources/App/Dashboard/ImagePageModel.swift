import Domain
import Mustache

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The image page's view model. Finding rows answer Mustache's lookups directly (`MustacheParent`)
/// instead of through reflection: a page may hold thousands of them.
struct ImagePageModel: Sendable {
    struct ApprovalRow: Sendable {
        let verdict: String
        let user: String
        let role: String
        let at: TimeView
        let comment: String?
    }

    struct DecisionSection: Sendable {
        let environment: String
        let cleared: Bool
        let breakGlass: Bool
        let dryRun: Bool
        let error: String?
        let policyVersion: Int
        let decidedAt: TimeView
        let validUntil: TimeView?
        let reasons: [DecisionReason]
        let approvals: Listing<ApprovalRow>
        let canApprove: Bool
        let canConfirmBreakGlass: Bool
        let canBreakGlass: Bool
        let actionBase: String
    }

    struct AttestationRow: Sendable {
        let predicateType: String
        let builder: String
        let repository: String?
        let commit: String?
        let built: TimeView?
        let keys: [KeyReference]
        let postedBy: String
    }

    struct SeverityCount: Sendable {
        let severity: String
        let count: Int
        let fixable: Int?
    }

    struct SortLink: Sendable {
        let href: String
        let label: String
        let current: Bool
    }

    /// A class, not a struct: Mustache casts each row to its protocols for every lookup, and casting a reference
    /// copies one pointer where a struct of eight strings would be copied whole each time.
    final class FindingRow: Sendable, MustacheParent {
        let severity: String
        let id: String
        /// Empty when there is none.
        let title: String
        let package: String
        let installed: String
        let fixed: String
        /// The badge text, or `false` (never nil: nil would make Mustache look the name up in the page around the row).
        let waived: any Sendable
        /// `?waive=ID` (percent-encoded) when the viewer may waive it and it is not waived yet; else `false`.
        let waiveHref: any Sendable

        init(finding: Finding, waived: String?, waiveHref: String?) {
            severity = finding.severity.rawValue
            id = finding.id
            title = finding.title ?? ""
            package = finding.package
            installed = finding.installedVersion
            fixed = finding.fixedVersion.flatMap { $0.isEmpty ? nil : $0 } ?? "no fix"
            if let waived { self.waived = waived } else { self.waived = false }
            if waived == nil, let waiveHref { self.waiveHref = waiveHref } else { self.waiveHref = false }
        }

        func child(named name: String) -> Any? {
            switch name {
            case "severity": severity
            case "id": id
            case "title": title
            case "package": package
            case "installed": installed
            case "fixed": fixed
            case "waived": waived
            case "waiveHref": waiveHref
            default: nil
            }
        }
    }

    struct ScanSection: Sendable {
        let scanner: String
        let scannerVersion: String?
        let scannedAt: TimeView
        let signed: Bool
        let findingCount: Int
        let counts: [SeverityCount]
        let sortLinks: [SortLink]
        /// Links to the pages of findings; empty when one page shows them all.
        let pages: Listing<SortLink>
        /// "1–500 of 2000", or "all 12".
        let shown: String
        let findings: [FindingRow]
    }

    struct SecretRow: Sendable {
        let severity: String
        let rule: String
        let title: String
        let location: String
    }

    struct ConfigSection: Sendable {
        let user: String
        let runsAsRoot: Bool
        let nonNumericUser: Bool
        let ports: Listing<String>
        let secretEnv: Listing<String>
        let healthcheck: Bool
    }

    struct SBOMSection: Sendable {
        let format: String
        let specVersion: String
        let components: Int
        let signed: Bool
        let topLevel: Listing<SBOMComponent>
        let topLevelCount: Int
    }

    struct DeploymentRow: Sendable {
        let environment: String
        let target: String
        let at: TimeView
        let by: String
    }

    struct AuditRow: Sendable {
        let at: String
        let action: String
        let actor: String
        let details: String
    }

    let chrome: PageChrome
    let digest: String
    let short: String
    let names: Listing<String>
    let aliases: Listing<String>
    let firstSeen: TimeView
    let lastEvidence: TimeView
    let decisions: [DecisionSection]
    let attestations: Listing<AttestationRow>
    let scan: ScanSection?
    let secrets: Listing<SecretRow>
    let config: ConfigSection?
    let sbom: SBOMSection?
    let deployments: Listing<DeploymentRow>
    let audit: Listing<AuditRow>
}
