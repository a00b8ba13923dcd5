import CSQLite
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Database {
    /// Writes a consistent copy of the committed database to the new file `path`, checked and synced before it appears there.
    ///
    /// The copy is one self-contained file (rollback-journal mode, no `-wal` beside it) made with `VACUUM INTO`
    /// into a hidden staging file in the same directory; it must pass `PRAGMA integrity_check`, is fsynced,
    /// and only then is hard-linked to `path` (so a half-written backup never carries the final name, and an
    /// existing file is never replaced), after which the directory is fsynced.
    /// - Throws: ``SQLiteError``: `SQLITE_CANTOPEN` when `path` exists already or cannot be created,
    ///   `SQLITE_CORRUPT` when the copy fails its check, `SQLITE_IOERR` when syncing or linking fails.
    public func backup(to path: String) async throws {
        let target = BackupTarget(path: path)
        guard !target.exists else { throw SQLiteError(extendedCode: SQLITE_CANTOPEN, message: "backup target already exists: \(path)") }
        let staging = target.stagingPath()
        do {
            // On the writer, as an exclusive job with no transaction open:
            // - VACUUM INTO refuses to run inside a transaction ("cannot VACUUM from within a transaction",
            //   checked on SQLite 3.40), so `read {}`, which wraps its body in BEGIN, cannot host it;
            // - in autocommit mode it opens its own read transaction, so the copy is one committed snapshot,
            //   and because the job queues behind every write already submitted, it holds every write whose
            //   `write {}` returned before this call.
            // The cost is that this Database's writes wait for the copy (about 2 ms per MB measured here); another
            // process writing the same file (the server, while `shipgate backup` runs) is not held up, since
            // a WAL reader never blocks the writer. The slow steps after the copy run off the writer. A read-only
            // connection in autocommit mode also runs VACUUM INTO (checked) without holding up writes; worth moving
            // to if in-process backups of large files ever matter.
            try await exclusiveWrite { connection in
                try connection.internalExecute("VACUUM INTO ?", [staging])
            }
            try await Self.onBackgroundQueue {
                try BackupTarget.check(staging)
                // VACUUM INTO does not sync its output (sqlite.org/lang_vacuum.html): do it before publishing.
                try BackupTarget.sync(staging, directory: false)
                try target.publish(staging)
            }
        } catch {
            unlink(staging)
            throw error
        }
    }

    /// Runs blocking file work on a Dispatch thread, never on the cooperative pool.
    private static func onBackgroundQueue(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}

/// The file a backup is published as, and the POSIX steps that publish it durably.
private struct BackupTarget: Sendable {
    let path: String
    let directory: String
    let name: String

    init(path: String) {
        self.path = path
        if let slash = path.lastIndex(of: "/") {
            let parent = String(path[..<slash])
            directory = parent.isEmpty ? "/" : parent
            name = String(path[path.index(after: slash)...])
        } else {
            directory = "."
            name = path
        }
    }

    /// True when anything (even a dangling symlink) already has the name.
    var exists: Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// A hidden, unique name next to the target: same directory, so the final link stays on one filesystem.
    func stagingPath() -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return directory + "/." + name + ".partial-" + suffix
    }

    /// Opens the copy read-only and requires `PRAGMA integrity_check` to answer exactly "ok".
    static func check(_ staging: String) throws {
        let connection = try SQLiteConnection(path: staging, readOnly: true, busyTimeoutMilliseconds: 0)
        defer { connection.close() }
        let answers = try connection.internalQuery("PRAGMA integrity_check").compactMap { $0.string(0) }
        guard answers == ["ok"] else {
            throw SQLiteError(
                extendedCode: SQLITE_CORRUPT, message: "backup copy failed integrity_check: \(answers.prefix(3).joined(separator: "; "))")
        }
    }

    /// Links the synced staging file to the final name (EEXIST if someone took it meanwhile), drops the
    /// staging name and syncs the directory so the new name survives a power loss too.
    func publish(_ staging: String) throws {
        if link(staging, path) != 0 {
            let code = errno
            if code == EEXIST { throw SQLiteError(extendedCode: SQLITE_CANTOPEN, message: "backup target already exists: \(path)") }
            throw Self.failure("link", code)
        }
        unlink(staging)
        try Self.sync(directory, directory: true)
    }

    /// fsync of a file or directory.
    static func sync(_ path: String, directory: Bool) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0))
        guard fd >= 0 else { throw failure("open", errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw failure("fsync", errno) }
    }

    private static func failure(_ operation: String, _ code: Int32) -> SQLiteError {
        SQLiteError(extendedCode: SQLITE_IOERR, message: "backup \(operation) failed: \(String(cString: strerror(code)))")
    }
}
