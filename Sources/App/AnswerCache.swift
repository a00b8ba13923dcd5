import Domain
import HTTPCore
import Store
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Encoded clearance answers by digest and environment. An entry is reused only while the fact epochs it
/// was decided under are the current ones and before it expires, so it is never staler than a fresh
/// decision would be. Bounded in bytes: two generations of half the capacity each, the older dropped when
/// the newer fills (recently used entries survive, a scan over many digests cannot grow it without bound).
public final class AnswerCache: Sendable {
    /// One encoded answer and what it was decided under.
    struct Entry: Sendable {
        let epochs: FactEpochs
        let decidedAt: Date
        /// The earlier of the decision's `recheckAt` and `decidedAt` plus half to all of `maxAge`.
        let expiresAt: Date
        let status: HTTPStatus
        let cleared: Bool
        let breakGlass: Bool
        let mode: PolicyMode
        /// The reasons that did not pass (what an admission denial quotes).
        let failing: [DecisionReason]
        /// The answer's JSON object.
        let body: [UInt8]

        /// Roughly what keeping the entry costs: its bytes, its reasons, and the key and table slot around it.
        var cost: Int {
            body.count + failing.reduce(0) { $0 + $1.message.utf8.count + $1.rule.utf8.count + 64 } + 320
        }
    }

    private struct Key: Hashable {
        let digest: String
        let environment: String
    }

    private struct Generations {
        var current: [Key: Entry] = [:]
        var currentCost = 0
        var previous: [Key: Entry] = [:]
    }

    /// The most both generations together hold, in bytes (estimated by `Entry.cost`).
    let capacityBytes: Int
    /// How long an answer is reused at most, even when the evaluator names no instant at which time alone would
    /// change it: a bound on the cost of any time dependence it failed to report.
    let maxAge: TimeInterval
    private let generations = Mutex(Generations())

    /// The default capacity: about 110,000 answers.
    public static let defaultCapacityBytes = 128 << 20

    init(capacityBytes: Int = AnswerCache.defaultCapacityBytes, maxAge: TimeInterval = 600) {
        self.capacityBytes = capacityBytes
        self.maxAge = maxAge
    }

    /// The entry for `digest` in `environment` when it was decided under `epochs` and is still in force at `now`.
    func entry(digest: String, environment: String, epochs: FactEpochs, now: Date) -> Entry? {
        let key = Key(digest: digest, environment: environment)
        return generations.withLock { generations -> Entry? in
            if let entry = generations.current[key] {
                return entry.holds(epochs: epochs, at: now) ? entry : nil
            }
            guard let entry = generations.previous.removeValue(forKey: key), entry.holds(epochs: epochs, at: now) else { return nil }
            Self.insert(entry, for: key, into: &generations, limit: capacityBytes / 2)
            return entry
        }
    }

    /// Keeps `entry`, replacing any older one for the same digest and environment.
    func store(_ entry: Entry, digest: String, environment: String) {
        let key = Key(digest: digest, environment: environment)
        generations.withLock { Self.insert(entry, for: key, into: &$0, limit: capacityBytes / 2) }
    }

    /// The expiry of an answer decided at `decidedAt` that time alone could change at `recheckAt`.
    func expiry(decidedAt: Date, recheckAt: Date?) -> Date {
        // Somewhere between half and all of maxAge: answers decided together (after a start, a policy change, a key
        // revocation) would otherwise all be decided again together, every maxAge, as a burst of misses.
        let limit = decidedAt.addingTimeInterval(maxAge * Double.random(in: 0.5...1.0))
        return recheckAt.map { min($0, limit) } ?? limit
    }

    /// The number of answers held (both generations).
    var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    private static func insert(_ entry: Entry, for key: Key, into generations: inout Generations, limit: Int) {
        let cost = entry.cost
        if let replaced = generations.current.updateValue(entry, forKey: key) {
            generations.currentCost -= replaced.cost
        }
        generations.currentCost += cost
        if generations.currentCost > limit {
            // The newest generation is full: it becomes the older one, and this entry starts the next.
            generations.current.removeValue(forKey: key)
            generations.previous = generations.current
            generations.current = Dictionary(minimumCapacity: generations.previous.count)
            generations.current[key] = entry
            generations.currentCost = cost
        }
    }
}

extension AnswerCache.Entry {
    /// Same facts, and `now` inside [decidedAt, expiresAt) (a clock set back must not revive an old answer).
    func holds(epochs: FactEpochs, at now: Date) -> Bool {
        self.epochs == epochs && decidedAt <= now && now < expiresAt
    }
}
