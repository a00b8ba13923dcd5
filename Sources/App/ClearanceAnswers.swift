import Domain
import HTTPCore
import SQLite
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

    /// The answers for `digests` in `environment`, in order; throws for an unknown environment (404) or
    /// when the facts cannot be read (the caller fails closed).
    func answers(_ digests: [Digest], environment: String) async throws -> [AnswerCache.Entry] {
        try await decisions.database.read { db in try answers(digests, environment: environment, in: db) }
    }

    /// The same inside the caller's read snapshot. A fresh decision is encoded and its receipt signed here too,
    /// so a miss holds the reader a little longer (one Ed25519 signature).
    func answers(_ digests: [Digest], environment: String, in db: SQLiteConnection) throws -> [AnswerCache.Entry] {
        let now = decisions.clock()
        return try digests.map { digest in
            let epochs = try FactEpochs.read(digest: digest, in: db)
            if let hit = cache.entry(digest: digest.rawValue, environment: environment, epochs: epochs, now: now) { return hit }
            // A receipt key rotated by another process bumped the global epoch: sign with the current key.
            try receipts.reload(ifChangedSince: epochs.global, in: db)
            let decision = try DecisionService.decide(
                digest, environment: environment, now: now, visiting: [], policies: decisions.policies, in: db)
            let entry = AnswerCache.Entry(
                epochs: epochs, decidedAt: decision.decidedAt, expiresAt: cache.expiry(decidedAt: decision.decidedAt, recheckAt: [decision.recheckAt, decision.validUntil].compactMap { $0 }.min()),
                status: Self.status(of: decision), cleared: decision.cleared, breakGlass: decision.breakGlass, mode: decision.mode,
                failing: decision.reasons.filter { !$0.passed }, body: try ClearanceRoutes.encodedAnswer(decision, receipts: receipts))
            cache.store(entry, digest: digest.rawValue, environment: environment)
            return entry
        }
    }

    /// The cached answer for `digest`, if one still holds in this snapshot; never decides.
    func cachedAnswer(_ digest: Digest, environment: String, in db: SQLiteConnection) throws -> AnswerCache.Entry? {
        cache.entry(digest: digest.rawValue, environment: environment, epochs: try FactEpochs.read(digest: digest, in: db), now: decisions.clock())
    }

    /// 200 cleared, 404 nothing known, 403 otherwise.
    static func status(of decision: Decision) -> HTTPStatus {
        decision.cleared ? .ok : (decision.reasons.first?.rule == "evidence" ? .notFound : .forbidden)
    }
}
