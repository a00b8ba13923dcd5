/// One vulnerability finding, normalised from Trivy, Grype or SARIF.
public struct Finding: Sendable, Equatable, Hashable, Codable {
    /// CVE-…, GHSA-…, or the scanner's rule id.
    public var id: String
    public var package: String
    public var installedVersion: String
    public var fixedVersion: String?
    public var severity: Severity
    /// The scanner's fix state (`fixed`, `not-fixed`, `wont-fix`, `affected`, …), lowercased; nil if unknown.
    public var status: String?
    public var title: String?
    public var url: String?

    public init(
        id: String, package: String, installedVersion: String, fixedVersion: String?, severity: Severity, status: String? = nil,
        title: String? = nil, url: String? = nil
    ) {
        self.id = id
        self.package = package
        self.installedVersion = installedVersion
        self.fixedVersion = fixedVersion
        self.severity = severity
        self.status = status
        self.title = title
        self.url = url
    }

    /// Whether a fixed version exists.
    public var isFixable: Bool { !(fixedVersion ?? "").isEmpty }

    /// The identity used to count a finding once per report: id + package + installed version.
    public var dedupKey: String { id + "\u{0}" + package + "\u{0}" + installedVersion }
}

/// A secret found in an image or repository (Trivy `Secrets`): never the matched text.
public struct SecretFinding: Sendable, Equatable, Codable {
    public var ruleID: String
    public var title: String
    public var severity: Severity
    /// `path:line`, or the path alone.
    public var location: String

    public init(ruleID: String, title: String, severity: Severity, location: String) {
        self.ruleID = ruleID
        self.title = title
        self.severity = severity
        self.location = location
    }
}
