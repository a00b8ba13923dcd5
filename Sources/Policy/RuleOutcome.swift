#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain

/// What judging one rule produced: its reasons, and the instants at which a pass would stop holding.
struct RuleOutcome {
    var reasons: [DecisionReason] = []
    var expiries: [Date] = []

    mutating func pass(_ rule: String, _ message: String) {
        reasons.append(DecisionReason(rule: rule, passed: true, message: message))
    }

    mutating func fail(_ rule: String, _ message: String) {
        reasons.append(DecisionReason(rule: rule, passed: false, message: message))
    }

    mutating func add(_ other: RuleOutcome) {
        reasons += other.reasons
        expiries += other.expiries
    }
}
