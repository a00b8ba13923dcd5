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
/// decision would be. Bounded in bytes: when full, the less recently used half is dropped, so every answer
/// asked about stays while they all fit, and a sweep over many digests cannot grow it without bound.
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

        /// What keeping the entry costs in memory, as measured (about 1.5 KiB for a typical answer): its bytes, its
        /// reasons, and the key, table slot and allocator overhead around them.
        var cost: Int {
            body.count + failing.reduce(0) { $0 + $1.message.utf8.count + $1.rule.utf8.count + 64 } + 640
        }
    }

    private struct Key: Hashable {
        let digest: String
        let environment: String
    }

    private struct Slot {
        let entry: Entry
        /// The tick of the last question it answered (or of its storing).
        var used: UInt64
    }

    private struct Table {
        var slots: [Key: Slot] = [:]
        var cost = 0
        var tick: UInt64 = 0
    }

    /// The most the answers may take, in bytes (estimated by `Entry.cost`).
    let capacityBytes: Int
    /// How long an answer is reused at most, even when the evaluator names no instant at which time alone would
    /// change it: a bound on the cost of any time dependence it failed to report.
    let maxAge: TimeInterval
    private let table = Mutex(Table())

    /// The default capacity: about 170,000 answers.
    public static let defaultCapacityBytes = 256 << 20

    init(capacityBytes: Int = AnswerCache.defaultCapacityBytes, maxAge: TimeInterval = 600) {
        self.capacityBytes = capacityBytes
        self.maxAge = maxAge
    }

    /// The entry for `digest` in `environment` when it was decided under `epochs` and is still in force at `now`.
    func entry(digest: String, environment: String, epochs: FactEpochs, now: Date) -> Entry? {
        let key = Key(digest: digest, environment: environment)
        return table.withLock { table -> Entry? in
            guard let index = table.slots.index(forKey: key) else { return nil }
            let entry = table.slots.values[index].entry
            guard entry.holds(epochs: epochs, at: now) else { return nil }
            table.tick += 1
            table.slots.values[index].used = table.tick
            return entry
        }
    }

    /// Keeps `entry`, replacing any older one for the same digest and environment.
    func store(_ entry: Entry, digest: String, environment: String) {
        let key = Key(digest: digest, environment: environment)
        table.withLock { table in
            table.tick += 1
            if let replaced = table.slots.updateValue(Slot(entry: entry, used: table.tick), forKey: key) {
                table.cost -= replaced.entry.cost
            }
            table.cost += entry.cost
            if table.cost > capacityBytes { Self.dropLessRecentlyUsedHalf(of: &table) }
        }
    }

    /// The expiry of an answer decided at `decidedAt` that time alone could change at `recheckAt`.
    func expiry(decidedAt: Date, recheckAt: Date?) -> Date {
        // Somewhere between half and all of maxAge: answers decided together (after a start, a policy change, a key
        // revocation) would otherwise all be decided again together, every maxAge, as a burst of misses.
        let limit = decidedAt.addingTimeInterval(maxAge * Double.random(in: 0.5...1.0))
        return recheckAt.map { min($0, limit) } ?? limit
    }

    /// The number of answers held.
    var count: Int { table.withLock { $0.slots.count } }

    /// Keeps the more recently used half, found in linear time: a histogram of the use ticks gives the tick below
    /// which half of the entries lie (a sort would hold the lock far longer with a million entries).
    private static func dropLessRecentlyUsedHalf(of table: inout Table) {
        guard let oldest = table.slots.values.lazy.map(\.used).min() else { return }
        let buckets = 4096
        let scale = Double(buckets) / Double(table.tick - oldest + 1)
        func bucket(_ used: UInt64) -> Int { min(buckets - 1, Int(Double(used - oldest) * scale)) }
        var counts = [Int](repeating: 0, count: buckets)
        for slot in table.slots.values { counts[bucket(slot.used)] += 1 }
        var kept = 0
        var cutoff = buckets
        while cutoff > 0, kept + counts[cutoff - 1] <= table.slots.count / 2 {
            cutoff -= 1
            kept += counts[cutoff]
        }
        // At least the newest bucket stays, even when it alone holds more than half.
        cutoff = min(cutoff, buckets - 1)
        table.slots = table.slots.filter { bucket($0.value.used) >= cutoff }
        table.cost = table.slots.values.reduce(0) { $0 + $1.entry.cost }
    }
}

extension AnswerCache.Entry {
    /// Same facts, and `now` inside [decidedAt, expiresAt) (a clock set back must not revive an old answer).
    func holds(epochs: FactEpochs, at now: Date) -> Bool {
        self.epochs == epochs && decidedAt <= now && now < expiresAt
    }
}
