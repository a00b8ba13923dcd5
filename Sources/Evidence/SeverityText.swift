import Domain

extension Severity {
    /// Normalises a scanner's severity word: Trivy upper case, Grype title case; Negligible → LOW, anything else → UNKNOWN.
    init(scannerText text: String?) {
        switch text?.trimmingASCIIWhitespace().uppercased() {
        case "CRITICAL": self = .critical
        case "HIGH": self = .high
        case "MEDIUM", "MODERATE": self = .medium
        case "LOW", "NEGLIGIBLE": self = .low
        default: self = .unknown
        }
    }

    /// Maps a CVSS score (SARIF `security-severity`): ≥9 CRITICAL, ≥7 HIGH, ≥4 MEDIUM, >0 LOW, else UNKNOWN.
    init(cvssScore score: Double) {
        if score >= 9 {
            self = .critical
        } else if score >= 7 {
            self = .high
        } else if score >= 4 {
            self = .medium
        } else if score > 0 {
            self = .low
        } else {
            self = .unknown
        }
    }

    /// The severity named exactly by a word (CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN; case-insensitive), else nil.
    init?(exactWord word: String) {
        guard let severity = Severity(rawValue: word.uppercased()) else { return nil }
        self = severity
    }
}

extension StringProtocol {
    /// The text without leading and trailing ASCII spaces, tabs and newlines.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
