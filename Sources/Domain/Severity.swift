/// A vulnerability severity, normalised across scanners.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case critical = "CRITICAL"
    case high = "HIGH"
    case medium = "MEDIUM"
    case low = "LOW"
    case unknown = "UNKNOWN"

    /// Most severe first.
    private var rank: Int {
        switch self {
        case .critical: 0
        case .high: 1
        case .medium: 2
        case .low: 3
        case .unknown: 4
        }
    }

    /// `a < b` when `a` is more severe, so sorting ascending puts CRITICAL first.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// Findings per severity; every severity is present (zero when none).
public struct SeverityCounts: Sendable, Equatable, Codable {
    public private(set) var values: [Severity: Int]

    public init() { values = Dictionary(uniqueKeysWithValues: Severity.allCases.map { ($0, 0) }) }

    public subscript(_ severity: Severity) -> Int {
        get { values[severity] ?? 0 }
        set { values[severity] = newValue }
    }

    /// Counts of `severities`.
    public init(counting severities: some Sequence<Severity>) {
        self.init()
        for severity in severities { self[severity] += 1 }
    }

    public var total: Int { values.values.reduce(0, +) }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode([String: Int].self)
        self.init()
        for (key, value) in raw {
            if let severity = Severity(rawValue: key) { self[severity] = value }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: values.map { ($0.key.rawValue, $0.value) }))
    }
}
