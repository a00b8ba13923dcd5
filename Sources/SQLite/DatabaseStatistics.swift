/// Counters of the writer, for monitoring and for tests of group commit.
public struct DatabaseStatistics: Sendable, Equatable {
    /// Write jobs whose transaction committed (their callers got their results).
    public var committedWrites: Int
    /// COMMITs that succeeded; fewer than `committedWrites` when writes were grouped.
    public var commits: Int
    /// Write jobs that threw, or whose group failed to commit.
    public var failedWrites: Int
}
