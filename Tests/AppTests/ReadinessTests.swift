import Dispatch
import Foundation
import SQLite
import Testing
import TestSupport

@Suite struct ReadinessTests {
    @Test func readyWhenTheDatabaseIsMigratedAndWritable() async throws {
        try await withLiveServer { live in
            let response = try await live.client().request("GET", "/readyz")
            #expect(response.status == 200, "\(response.text)")
            #expect(try response.json()["status"] as? String == "ready")
        }
    }

    @Test func notReadyOnceTheDatabaseIsClosedWhileLivenessStaysUp() async throws {
        try await withLiveServer { live in
            await live.server.database.close()
            let client = try live.client()
            let ready = try await client.request("GET", "/readyz")
            #expect(ready.status == 503)
            let error = try #require(try ready.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "not_ready")
            #expect(error["message"] as? String == "the database is not writable: it is closed")
            #expect(try await client.request("GET", "/healthz").status == 200)
        }
    }

    @Test func notReadyWhileAnotherConnectionHoldsTheWriteLockAndReadyAgainAfter() async throws {
        try await withLiveServer { live in
            // A second connection (as another process would) takes the write lock and keeps it until released.
            let other = try Database(path: live.databasePath, configuration: { var c = DatabaseConfiguration(); c.readerCount = 0; return c }())
            let locked = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
            let holder = Task {
                try await other.write { _ in
                    locked.signal()
                    release.wait()
                }
            }
            try await TestThread.run { locked.wait() }
            let client = try live.client()
            let first = try await client.request("GET", "/readyz")
            #expect(first.status == 503)
            let message = try #require((try first.json()["error"] as? [String: Any])?["message"] as? String)
            #expect(message.hasPrefix("the database is not writable: the writer did not answer"), "\(message)")
            // The stalled probe is reused: polling does not pile probes up behind the lock.
            #expect(try await client.request("GET", "/readyz").status == 503)
            #expect(live.server.database.queuedWriteCount == 0)
            #expect(try await client.request("GET", "/healthz").status == 200)

            release.signal()
            try await holder.value
            await other.close()
            var status = 0
            let deadline = ContinuousClock.now + .seconds(5)
            while status != 200, ContinuousClock.now < deadline { status = try await client.request("GET", "/readyz").status }
            #expect(status == 200)
        }
    }
}
