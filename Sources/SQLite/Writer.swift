import CSQLite
import Dispatch
import Synchronization

/// The single writer connection and its job queue, implementing group commit.
///
/// Callers append jobs under a lock; one block on the writer's serial queue drains them. Jobs that
/// arrive while a COMMIT (and its fsync) is in progress wait and are committed together by the next one.
///
/// SQLite's automatic checkpoint would run inside the COMMIT that crosses its threshold and make that group's callers
/// wait for it. Instead, after the callers were resumed, the writer hands each `checkpointFrames` of new frames to the
/// ``Checkpointer``, which copies them back on its own connection while groups go on committing. At
/// `walLimitFrames` the writer waits for that copy and copies the rest itself before the next group starts, so the
/// WAL restarts from its beginning instead of growing without bound.
final class Writer: Sendable {
    private struct State {
        var pending: [WriteJob] = []
        var drainScheduled = false
        var closed = false
    }

    private let confined: ConfinedConnection
    private let checkpointer: Checkpointer
    private let walLength = WALLength()
    private let state = Mutex(State())
    private let stats = Mutex(DatabaseStatistics(committedWrites: 0, commits: 0, failedWrites: 0))
    private let maxJobsPerGroup: Int
    private let checkpointFrames: Int32
    private let walLimitFrames: Int32
    private static let savepoint = "shipgate_write_job"

    init(connection: SQLiteConnection, checkpointer: Checkpointer, label: String, configuration: DatabaseConfiguration) {
        self.confined = ConfinedConnection(connection: connection, label: label)
        self.checkpointer = checkpointer
        self.maxJobsPerGroup = max(1, configuration.maxWritesPerCommit)
        self.checkpointFrames = Int32(clamping: max(1, configuration.checkpointFrames))
        self.walLimitFrames = Int32(clamping: max(configuration.checkpointFrames, configuration.walLimitFrames))
        connection.setWALHook(walLengthHook, context: Unmanaged.passUnretained(walLength).toOpaque())
    }

    var statistics: DatabaseStatistics { stats.withLock { $0 } }

    /// Jobs queued and not yet taken by the writer (for tests that need a full group).
    var queuedJobCount: Int { state.withLock { $0.pending.count } }

    /// Queues a job; throws (without queuing) once ``close()`` started.
    func submit(_ job: WriteJob) throws {
        let schedule = try state.withLock { state -> Bool in
            guard !state.closed else { throw SQLiteError.databaseClosed() }
            state.pending.append(job)
            defer { state.drainScheduled = true }
            return !state.drainScheduled
        }
        if schedule { confined.queue.async { self.drain() } }
    }

    /// Refuses new jobs, runs every job already queued, then closes the connection.
    func close() async {
        state.withLock { $0.closed = true }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            confined.queue.async {
                // A drain block may not have been scheduled yet (submit schedules after unlocking): drain here.
                self.drain()
                self.checkpointer.close()
                self.confined.connection.close()
                done.resume()
            }
        }
    }

    /// Runs queued jobs until none is left. Only ever called on the writer queue.
    private func drain() {
        dispatchPrecondition(condition: .onQueue(confined.queue))
        while true {
            let batch = state.withLock { state -> [WriteJob] in
                guard let first = state.pending.first else {
                    state.drainScheduled = false
                    return []
                }
                if first.kind == .exclusive {
                    state.pending.removeFirst()
                    return [first]
                }
                let count = min(maxJobsPerGroup, state.pending.prefix { $0.kind == .grouped }.count)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            guard let first = batch.first else { return }
            if first.kind == .exclusive {
                runExclusive(first)
            } else {
                let notRun = runGroup(batch)
                if !notRun.isEmpty { state.withLock { $0.pending.insert(contentsOf: notRun, at: 0) } }
            }
            checkpointIfDue()
        }
    }

    private func runExclusive(_ job: WriteJob) {
        let connection = confined.connection
        guard !connection.isClosed else { return job.fail(SQLiteError.databaseClosed()) }
        precondition(connection.isAutocommit, "writer has a transaction open between jobs")
        let outcome = job.run(connection)
        connection.policy = .unrestricted
        if !connection.isAutocommit {
            // An exclusive job must end its own transactions; roll back what it left and refuse its result.
            rollBack(connection)
            job.fail(SQLiteError.misuse("write job left a transaction open", sql: nil))
            return
        }
        switch outcome {
        case .returned(let deliver): deliver()
        case .threw(let error): job.fail(error)
        }
    }

    /// Runs one group in one transaction. Returns the jobs that were not run (to go first in the next group).
    private func runGroup(_ jobs: [WriteJob]) -> [WriteJob] {
        let connection = confined.connection
        guard !connection.isClosed else {
            for job in jobs { job.fail(SQLiteError.databaseClosed()) }
            return []
        }
        precondition(connection.isAutocommit, "writer has a transaction open between groups")

        var failedCount = 0
        // Callers whose work is inside the open transaction and waits for COMMIT.
        var staged: [(deliver: @Sendable () -> Void, fail: @Sendable (any Error) -> Void)] = []
        /// Fails everything staged plus `current`, rolls back, and returns the jobs not yet run.
        func abort(_ error: any Error, current: WriteJob?, remaining: ArraySlice<WriteJob>) -> [WriteJob] {
            rollBack(connection)
            for entry in staged { entry.fail(error) }
            current?.fail(error)
            record(committed: 0, commits: 0, failed: failedCount + staged.count + (current == nil ? 0 : 1))
            return Array(remaining)
        }

        do {
            try connection.internalExecute("BEGIN IMMEDIATE")
        } catch {
            // Not one job ran: fail them all rather than loop on a lock we cannot get.
            for job in jobs { job.fail(error) }
            record(committed: 0, commits: 0, failed: jobs.count)
            return []
        }

        for (index, job) in jobs.enumerated() {
            let remaining = jobs[(index + 1)...]
            do {
                try connection.internalExecute("SAVEPOINT \(Self.savepoint)")
            } catch {
                return abort(error, current: job, remaining: remaining)
            }
            connection.policy = .userCode
            let outcome = job.run(connection)
            connection.policy = .unrestricted

            // Some errors (SQLITE_FULL, IOERR, BUSY, NOMEM) make SQLite roll back the whole transaction
            // by itself, even if the job caught the error: then the earlier jobs' work is gone too.
            if connection.isAutocommit {
                let error: any Error
                if case .threw(let thrown) = outcome {
                    error = thrown
                } else {
                    error = SQLiteError(extendedCode: SQLITE_ABORT, message: "transaction was rolled back by SQLite")
                }
                return abort(error, current: job, remaining: remaining)
            }

            switch outcome {
            case .returned(let deliver):
                do {
                    try connection.internalExecute("RELEASE \(Self.savepoint)")
                } catch {
                    return abort(error, current: job, remaining: remaining)
                }
                staged.append((deliver, job.fail))
            case .threw(let jobError):
                do {
                    // ROLLBACK TO keeps the savepoint open; RELEASE then removes it.
                    try connection.internalExecute("ROLLBACK TO \(Self.savepoint)")
                    try connection.internalExecute("RELEASE \(Self.savepoint)")
                } catch {
                    return abort(error, current: job, remaining: remaining)
                }
                failedCount += 1
                job.fail(jobError)
            }
        }

        do {
            try connection.internalExecute("COMMIT")
        } catch {
            // Nothing of this group is acknowledged: every staged caller gets the COMMIT error.
            return abort(error, current: nil, remaining: [])
        }
        precondition(connection.isAutocommit, "writer transaction still open after COMMIT")
        record(committed: staged.count, commits: 1, failed: failedCount)
        // Only now, after COMMIT returned OK (and fsync under synchronous=FULL), are callers resumed.
        for entry in staged { entry.deliver() }
        return []
    }

    /// After each group: hands new frames to the checkpointer, or at the WAL's limit copies back what is left. A failure
    /// (a full disk, an I/O error) leaves the frames in the WAL, where reads still find them; the next commit retries.
    private func checkpointIfDue() {
        let frames = walLength.frames
        guard frames > 0, !confined.connection.isClosed else { return }
        if frames >= walLimitFrames {
            // Only a WAL copied back entirely restarts at the next transaction: no frame may be added meanwhile.
            checkpointer.waitForRunning()
            walLength.frames = 0
            _ = try? confined.connection.checkpointPassive()
            return
        }
        let pending = frames - checkpointer.copied(of: frames)
        // Close to the limit the checkpointer keeps copying, so that little is left for the writer to copy.
        if pending >= checkpointFrames || (frames >= walLimitFrames - checkpointFrames && pending > 0) {
            checkpointer.start()
        }
    }

    private func rollBack(_ connection: SQLiteConnection) {
        connection.policy = .unrestricted
        if !connection.isAutocommit { try? connection.internalExecute("ROLLBACK") }
        // A writer stuck inside a transaction would make every later acknowledgement a lie: stop here.
        precondition(connection.isAutocommit, "writer transaction could not be rolled back")
    }

    private func record(committed: Int, commits: Int, failed: Int) {
        stats.withLock {
            $0.committedWrites += committed
            $0.commits += commits
            $0.failedWrites += failed
        }
    }
}

/// The WAL length the writer connection's last commit reported. Only touched on the writer queue (the hook runs
/// inside `sqlite3_step` there), hence unchecked.
final class WALLength: @unchecked Sendable {
    var frames: Int32 = 0
}

/// The writer connection's WAL hook; `context` is the writer's `WALLength`, which lives as long as the connection.
private let walLengthHook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
    context, _, _, frames in
    if let context { Unmanaged<WALLength>.fromOpaque(context).takeUnretainedValue().frames = frames }
    return SQLITE_OK
}
