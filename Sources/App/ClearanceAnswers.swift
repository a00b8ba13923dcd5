import Domain
import HTTPCore
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Clearance answers as the API sends them: decided from the stored facts, encoded and signed once, and
/// reused from the `AnswerCache` while those facts and the answer's validity hold. Checking costs one
/// indexed read of the fact epochs, in the same snapshot a fresh decision would read.
struct ClearanceAnswers: Sendable {
    let decisions: DecisionService
    let receipts: ReceiptKeys
    let cache: AnswerCache

    private enum Outcome: Sendable {
        case cached(AnswerCache.Entry)
        case decided(Decision, FactEpochs)
    }

    /// The answers for `digests` in `environment`, in order; throws for an unknown environment (404) or
    /// when the facts cannot be read (the caller fails closed).
    func answers(_ digests: [Digest], environment: String) async throws -> [AnswerCache.Entry] {
        let now = decisions.clock()
        let (policies, receipts, cache) = (decisions.policies, receipts, cache)
        let outcomes = try await decisions.database.read { db -> [Outcome] in
            try digests.map { digest in
                let epochs = try FactEpochs.read(digest: digest, in: db)
                if let hit = cache.entry(digest: digest.rawValue, environment: environment, epochs: epochs, now: now) { return .cached(hit) }
                // A receipt key rotated by another process bumped the global epoch: sign with the current key.
                try receipts.reload(ifChangedSince: epochs.global, in: db)
                return .decided(
                    try DecisionService.decide(digest, environment: environment, now: now, visiting: [], policies: policies, in: db), epochs)
            }
        }
        return try outcomes.map { outcome in
            switch outcome {
            case .cached(let entry):
                return entry
            case .decided(let decision, let epochs):
                let entry = AnswerCache.Entry(
                    epochs: epochs, decidedAt: decision.decidedAt, expiresAt: cache.expiry(decidedAt: decision.decidedAt, validUntil: decision.validUntil),
                    status: Self.status(of: decision), cleared: decision.cleared, breakGlass: decision.breakGlass, mode: decision.mode,
                    failing: decision.reasons.filter { !$0.passed },
                    body: try ClearanceRoutes.encodedAnswer(decision, receipts: receipts))
                cache.store(entry, digest: decision.digest.rawValue, environment: environment)
                return entry
            }
        }
    }

    /// 200 cleared, 404 nothing known, 403 otherwise.
    static func status(of decision: Decision) -> HTTPStatus {
        decision.cleared ? .ok : (decision.reasons.first?.rule == "evidence" ? .notFound : .forbidden)
    }
}
