import Foundation
import Synchronization
import Testing

@testable import SQLite

/// A fresh directory per test, removed afterwards; databases are real files (WAL needs them).
struct TemporaryDatabaseDirectory: ~Copyable {
    let url: URL

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        url = FileManager.default.temporaryDirectory.appendingPathComponent("SQLiteTests-\(safe)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var databasePath: String { url.appendingPathComponent("db.sqlite").path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Runs `body` with a database in a fresh directory and closes it afterwards, even when `body` throws.
func withDatabase<T>(
    _ name: String = #function, configuration: DatabaseConfiguration = fastConfiguration(),
    _ body: (Database, String) async throws -> T
) async throws -> T {
    let directory = try TemporaryDatabaseDirectory(name)
    let db = try Database(path: directory.databasePath, configuration: configuration)
    do {
        let result = try await body(db, directory.databasePath)
        await db.close()
        return result
    } catch {
        await db.close()
        throw error
    }
}

/// Default test configuration: still FULL (the production setting) but fewer readers for 2-core CI.
func fastConfiguration() -> DatabaseConfiguration {
    var configuration = DatabaseConfiguration()
    configuration.readerCount = 2
    return configuration
}

/// Polls `condition` until it holds or the deadline passes (no fixed sleeps to synchronise).
func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met before the deadline")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(1))
    }
}

/// A one-shot latch a blocked write body can wait on (it runs on the writer's own queue, so blocking is fine).
final class Latch: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let opened = Mutex(false)

    func open() {
        let first = opened.withLock { opened in
            defer { opened = true }
            return !opened
        }
        if first { semaphore.signal() }
    }

    var isOpen: Bool { opened.withLock { $0 } }

    /// Blocks the calling (non-cooperative) thread until opened; false after 5 s.
    func wait() -> Bool {
        let ok = semaphore.wait(timeout: .now() + 5) == .success
        if ok { semaphore.signal() }
        return ok
    }
}

struct TestFailure: Error, Equatable {
    let reason: String
}

/// Occupies the writer with a job that waits for `gate`, so later writes queue up into one known group.
/// Returns once the blocking job is running (so it is not part of the group being built).
func blockWriter(_ db: Database, gate: Latch, inside body: @escaping @Sendable (SQLiteConnection) throws -> Void = { _ in })
    async throws -> Task<Bool, any Error>
{
    let started = Latch()
    let task = Task {
        try await db.write { conn in
            started.open()
            let opened = gate.wait()
            try body(conn)
            return opened
        }
    }
    try await waitUntil { started.isOpen }
    return task
}
