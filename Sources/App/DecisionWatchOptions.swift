/// How the decision watcher notices changes; tests shrink the intervals.
public struct DecisionWatchOptions: Sendable {
    /// How often the watcher compares this process's committed-write counter (memory only, no query) to decide
    /// whether to read the audit log: the delay between a write and its `image.cleared` / `image.uncleared`.
    public var changeCheckInterval: Duration = .milliseconds(100)
    /// How often it reads the audit log even without a write by this process (changes made by `shipgate`
    /// commands in another process, such as `key revoke`), and refreshes the database-backed gauges.
    public var pollInterval: Duration = .seconds(5)
    /// How often every watched decision is recomputed anyway, in seconds of the decision clock: the safety
    /// net for a change no audit entry or validUntil announces (e.g. a rejection ageing out).
    public var sweepSeconds: Double = 3600
    /// `waiver.expiring` is sent once per waiver when it is this many seconds from expiring.
    public var waiverExpiringWindowSeconds: Double = 24 * 3600
    /// Digests recomputed per database read, so a sweep over many images never holds a reader (or a
    /// cooperative thread) for long.
    public var batchSize = 50

    /// The defaults above.
    public init() {}
}
