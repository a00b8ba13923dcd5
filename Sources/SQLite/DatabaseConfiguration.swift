/// How a ``Database`` opens its connections.
public struct DatabaseConfiguration: Sendable {
    /// Number of read-only connections that serve ``Database/read(_:)`` in parallel with the writer.
    public var readerCount = 4
    /// How long a connection waits for a lock held by another connection before failing with `SQLITE_BUSY`.
    public var busyTimeoutMilliseconds = 5000
    /// `PRAGMA synchronous` of the writer. Keep `.full` in production: an acknowledged write must survive power loss.
    public var synchronous: SynchronousMode = .full
    /// Most write jobs committed by one COMMIT (group commit batch size).
    public var maxWritesPerCommit = 256
    /// New WAL frames (pages) after which a checkpoint copies them back beside the writer (32 MiB; SQLite's default is
    /// 1,000). A page that many commits rewrite (an index root, the audit log's tail, a busy index leaf) is then copied
    /// once per 32 MiB of WAL: signed-attestation ingest writes 124 KB per envelope, 131 KB with 4,000 frames.
    public var checkpointFrames = 8000
    /// WAL frames at which the writer copies back what is left before the next commit, so the WAL restarts (128 MiB).
    public var walLimitFrames = 32000
    /// Creates the default configuration.
    public init() {}
}

/// `PRAGMA synchronous` values we allow; `.normal` exists only as a switch for fast tests.
public enum SynchronousMode: String, Sendable {
    /// fsync the WAL on every commit: durable against power loss.
    case full = "FULL"
    /// fsync only at checkpoints: a power loss may drop the last commits. Tests only.
    case normal = "NORMAL"

    /// The integer SQLite reports back for this mode.
    var pragmaValue: Int64 {
        switch self {
        case .full: 2
        case .normal: 1
        }
    }
}
