import Domain
import Evidence
import SQLite
import Store
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Announces decision flips (`image.cleared`, `image.uncleared`) and expiring waivers (`waiver.expiring`) in the
/// background, and keeps the database-backed gauges of `/metrics` fresh.
///
/// Decisions are computed, never stored, so no write knows which decision it flipped. The watcher records the last
/// decision it saw per (digest, environment) and recomputes, through the `DecisionService` the clearance endpoint
/// uses:
/// - the digests named by new audit log entries: every change that can move a decision is audited in its own
///   transaction, whether this process or a `shipgate` command in another one made it. The log is read soon after
///   this process commits any write (an in-memory counter, checked every `changeCheckInterval`) and every
///   `pollInterval` anyway;
/// - the digests whose recorded `validUntil` has passed (an approval, waiver, scan age or break-glass running out),
///   woken at the earliest one rather than on a fixed beat;
/// - every digest, after a policy change or a key revocation, and once per sweep.
/// A flip is recorded and queued in the webhook outbox in one transaction, so it is announced exactly once, and a
/// restart resumes from the recorded cursor. The first pass over a database that already had images when migration
/// 0006 created the cursor (an upgrade) records their decisions silently (a baseline) instead of announcing them all.
final class DecisionWatcher: Sendable {
    private let database: Database
    private let decisions: DecisionService
    private let metrics: Metrics
    private let options: DecisionWatchOptions
    private let log: LogSink
    private let clock: @Sendable () -> Date
    private let task = Mutex<Task<Void, Never>?>(nil)
    /// The audit position processed but not yet written, and when the cursor was last written. A pass that records
    /// nothing keeps its position in memory for up to `cursorSaveInterval`: a burst of writes that change no decision
    /// (tokens, users, repeated evidence) then costs no second commit each. Redoing those entries after a crash is
    /// harmless, because every flip is recorded together with its event.
    private let unsavedCursor = Mutex<(position: Int64?, savedAt: ContinuousClock.Instant)>((nil, .now))
    static let cursorSaveInterval: Duration = .seconds(60)

    /// Audit entries and due digests taken per pass; more wait for the next pass, which follows at once.
    static let auditPage = 1000
    static let duePage = 1000

    init(
        database: Database, decisions: DecisionService, metrics: Metrics, options: DecisionWatchOptions, log: LogSink,
        clock: @escaping @Sendable () -> Date
    ) {
        self.database = database
        self.decisions = decisions
        self.metrics = metrics
        self.options = options
        self.log = log
        self.clock = clock
    }

    /// Reads the database-backed gauges once, so the first scrape already has them, then starts watching (once).
    func start() async {
        do {
            let now = clock()
            let (counts, drift) = try await database.read { db in (try OperationalCounts.read(at: now, in: db), try OperationalCounts.drift(in: db)) }
            metrics.update(counts)
            metrics.update(drift: drift)
        } catch {
            log.error("decision watcher: gauges unreadable at start: \(error)")
        }
        task.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in await run() }
        }
    }

    /// Stops watching and waits for the pass in flight; its committed work stays, the rest is redone after a restart.
    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    // MARK: The loop

    private func run() async {
        var seenWrites = -1
        var lastPoll = ContinuousClock.now
        var lastSweep = clock()
        var nextDue: Date?
        var first = true
        var drift = DriftRefresh()
        while !Task.isCancelled {
            let writes = database.statistics.committedWrites
            let now = clock()
            let polled = ContinuousClock.now - lastPoll >= options.pollInterval
            let due = nextDue.map { now >= $0 } ?? false
            if first || writes != seenWrites || polled || due {
                seenWrites = writes
                if polled { lastPoll = .now }
                do {
                    let sweep = now.timeIntervalSince(lastSweep) >= options.sweepSeconds
                    let outcome = try await pass(now: now, sweep: sweep, refreshGauges: polled || first, drift: &drift)
                    first = false
                    if sweep && outcome.complete { lastSweep = now }
                    nextDue = [outcome.nextDue, lastSweep.addingTimeInterval(options.sweepSeconds)].compactMap { $0 }.min()
                    if !outcome.complete { continue }
                    if outcome.failed { try? await Task.sleep(for: options.pollInterval) }
                } catch {
                    if Task.isCancelled { return }
                    log.error("decision watcher: pass failed, retrying in \(options.pollInterval): \(error)")
                    // A failing database must not be hammered every changeCheckInterval.
                    try? await Task.sleep(for: options.pollInterval)
                    continue
                }
            }
            try? await Task.sleep(for: options.changeCheckInterval)
        }
    }

    private struct Scan: Sendable {
        let cursor: Int64?
        let head: Int64
        let entries: [AuditEntry]
        let due: [String]
        let expiring: [Waiver]
        let environments: [String]
    }

    /// The drift gauge's query grows with the deployment history, so it runs at most once per `pollInterval`, and only
    /// after a deployment report or a recorded decision changed.
    private struct DriftRefresh {
        var stale = false
        var lastRead: ContinuousClock.Instant?

        mutating func take(interval: Duration) -> Bool {
            guard stale, lastRead.map({ ContinuousClock.now - $0 >= interval }) ?? true else { return false }
            stale = false
            lastRead = .now
            return true
        }
    }

    private struct PassOutcome {
        /// The earliest time a decision or waiver notice becomes due by time alone.
        let nextDue: Date?
        /// False when a page limit was hit: the next pass follows without waiting.
        let complete: Bool
        /// Some decision could not be computed (logged; retried by time, the next change or the sweep).
        let failed: Bool
    }

    /// One look at what changed, the recomputation it calls for, and the notices that are due.
    /// `refreshGauges`: read the cheap gauges even if nothing changed.
    private func pass(now: Date, sweep: Bool, refreshGauges: Bool, drift driftRefresh: inout DriftRefresh) async throws -> PassOutcome {
        let window = options.waiverExpiringWindowSeconds
        let unsaved = unsavedCursor.withLock { $0.position }
        let scan = try await database.read { db in
            let cursor = try DecisionWatchStore.cursor(in: db).map { stored in max(stored, unsaved ?? stored) }
            return Scan(
                cursor: cursor, head: try DecisionWatchStore.auditHead(in: db),
                entries: try cursor.map { try AuditLog.entries(after: $0, limit: Self.auditPage, in: db) } ?? [],
                due: try DecisionWatchStore.dueDigests(at: now, limit: Self.duePage, in: db),
                expiring: try DecisionWatchStore.expiringWaivers(after: now, until: now.addingTimeInterval(window), limit: 100, in: db),
                environments: try PolicyStore.environments(in: db))
        }
        let baseline = scan.cursor == nil
        let changes = AuditChanges(scan.entries)
        var result = Reconciliation()
        if baseline || sweep || changes.everything {
            let started = ContinuousClock.now
            try await reconcileEverything(environments: scan.environments, announce: !baseline, into: &result)
            let why = baseline ? "baseline" : (changes.everything ? "policy or key change" : "periodic sweep")
            log.info(
                "decision watcher: recomputed \(result.decided) decisions (\(why)) in \(ContinuousClock.now - started): "
                    + "\(result.recorded) changed, \(result.announced) announced")
        } else {
            let dirty = changes.digests.union(scan.due).sorted()
            for start in stride(from: 0, to: dirty.count, by: options.batchSize) {
                if Task.isCancelled { break }
                let batch = Array(dirty[start..<min(start + options.batchSize, dirty.count)])
                try await reconcile(batch, environments: scan.environments, announce: true, into: &result)
            }
        }
        if Task.isCancelled { return PassOutcome(nextDue: nil, complete: true, failed: false) }

        // The cursor moves only after every recomputation it calls for was recorded: a crash in between redoes them,
        // which announces nothing twice because each flip was recorded with its event.
        var newCursor: Int64? = baseline ? scan.head : scan.entries.last?.id
        if let position = newCursor, !baseline, result.recorded == 0, scan.expiring.isEmpty {
            let deferred = unsavedCursor.withLock { state -> Bool in
                guard ContinuousClock.now - state.savedAt < Self.cursorSaveInterval else { return false }
                state.position = position
                return true
            }
            if deferred { newCursor = nil }
        }
        if newCursor != nil || !scan.expiring.isEmpty {
            let (expiring, position) = (scan.expiring, newCursor)
            try await database.write { db in
                for waiver in expiring where try DecisionWatchStore.markExpiryNotified(waiverID: waiver.id, at: now, in: db) {
                    try WebhookOutbox.waiverExpiring(waiver, at: now, in: db)
                }
                if let position { try DecisionWatchStore.setCursor(position, in: db) }
            }
            if position != nil { unsavedCursor.withLock { $0 = (nil, .now) } }
        }

        if baseline || result.recorded > 0 || changes.deployments { driftRefresh.stale = true }
        let readDrift = driftRefresh.take(interval: options.pollInterval)
        let (nextDue, counts, drift) = try await database.read { db in
            let validUntil = try DecisionWatchStore.earliestValidUntil(in: db)
            let waiverExpiry = try DecisionWatchStore.nextWaiverExpiry(after: now.addingTimeInterval(window), in: db)
            let counts = refreshGauges || !scan.entries.isEmpty || baseline ? try OperationalCounts.read(at: now, in: db) : nil
            let drift = readDrift ? try OperationalCounts.drift(in: db) : nil
            return ([validUntil, waiverExpiry?.addingTimeInterval(-window)].compactMap { $0 }.min(), counts, drift)
        }
        if let counts { metrics.update(counts) }
        if let drift { metrics.update(drift: drift) }
        let complete = scan.entries.count < Self.auditPage && scan.due.count < Self.duePage && scan.expiring.count < 100
        return PassOutcome(nextDue: nextDue, complete: complete, failed: result.failed)
    }

    // MARK: Recomputing decisions

    private struct Reconciliation {
        /// Decisions computed.
        var decided = 0
        /// Rows written (new or changed decisions).
        var recorded = 0
        /// Flips announced.
        var announced = 0
        var failed = false
    }

    /// Every digest with evidence or a recorded decision, page by page.
    private func reconcileEverything(environments: [String], announce: Bool, into result: inout Reconciliation) async throws {
        var after = ""
        while !Task.isCancelled {
            let page = try await database.read { [after, batchSize = options.batchSize] db in
                try DecisionWatchStore.digests(after: after, limit: batchSize, in: db)
            }
            guard let last = page.last else { return }
            try await reconcile(page, environments: environments, announce: announce, into: &result)
            after = last
            if page.count < options.batchSize { return }
        }
    }

    /// Recomputes `digests` in every environment and records (and, with `announce`, queues an event for) each
    /// decision that differs from the recorded one.
    private func reconcile(_ digests: [String], environments: [String], announce: Bool, into result: inout Reconciliation) async throws {
        let parsed = digests.compactMap { try? Digest(parsing: $0) }
        guard !parsed.isEmpty else { return }
        var fresh: [Decision] = []
        // Reads run on the calling (cooperative) thread: between batches, requests waiting for a thread go first.
        await Task.yield()
        // The clearance endpoint answers 503 (not cleared) for what cannot be decided; nothing is announced for a
        // decision that could not be computed, and the recorded one stays until one can.
        do {
            let outcome = try await decisions.decide(parsed, environments: environments)
            fresh = outcome.decisions
            for (environment, error) in outcome.failures.sorted(by: { $0.key < $1.key }) {
                log.error("decision watcher: cannot decide \(parsed.count) digest(s) in \(environment): \(error)")
                result.failed = true
            }
        } catch {
            log.error("decision watcher: cannot decide \(parsed.count) digest(s): \(error)")
            result.failed = true
        }
        result.decided += fresh.count
        let keys = parsed.map(\.rawValue)
        let previous = try await database.read { db in try DecisionWatchStore.announced(digests: keys, in: db) }
        var changed: [(decision: Decision, record: DecisionWatchStore.Announced, flipped: Bool)] = []
        for decision in fresh {
            let before = previous[decision.digest.rawValue]?[decision.environment]
            // A validUntil already past would make the digest due again at once, forever.
            let validUntil = decision.validUntil.flatMap { $0 > decision.decidedAt ? Timestamp.format($0) : nil }
            let record = DecisionWatchStore.Announced(cleared: decision.cleared, policyVersion: decision.policyVersion, validUntil: validUntil)
            // No row reads as not cleared with nothing due, so a first decision like that needs none: most new evidence
            // (a build's provenance before its scan and approvals, a digest only reported deployed) leaves it so.
            if before == nil, !decision.cleared, validUntil == nil { continue }
            guard before != record else { continue }
            changed.append((decision, record, announce && decision.cleared != (before?.cleared ?? false)))
        }
        guard !changed.isEmpty else { return }
        let rows = changed
        try await database.write { db in
            for row in rows {
                try DecisionWatchStore.record(
                    digest: row.decision.digest.rawValue, environment: row.decision.environment, row.record,
                    decidedAt: Timestamp.format(row.decision.decidedAt), in: db)
                if row.flipped { try WebhookOutbox.decisionFlipped(row.decision, in: db) }
            }
        }
        result.recorded += rows.count
        result.announced += rows.filter(\.flipped).count
    }
}

/// What a run of audit entries means for decisions: which digests to recompute, or all of them.
struct AuditChanges {
    private(set) var digests: Set<String> = []
    /// A change that can move any decision: a policy, a key revocation, a repository-wide waiver.
    private(set) var everything = false
    /// A deployment was reported (drift may have changed without any decision changing).
    private(set) var deployments = false

    init(_ entries: [AuditEntry]) {
        for entry in entries {
            // Refusals changed nothing.
            if entry.action.hasSuffix(".refuse") { continue }
            switch entry.action {
            case "policy.put", "key.revoke":
                everything = true
            case "attestation.add":
                // The subject is the attestation; the digests it covers are in the details.
                guard case .object(let details)? = JSONValue.decode(entry.details.utf8), case .string(let covered)? = details["digests"] else { continue }
                for digest in covered.split(separator: " ") { digests.insert(String(digest)) }
            default:
                if entry.action == "deployment.report" { deployments = true }
                if entry.subject.hasPrefix("image:") {
                    digests.insert(String(entry.subject.dropFirst("image:".count)))
                } else if entry.subject.hasPrefix("repository:") {
                    everything = true
                }
            }
        }
    }
}
