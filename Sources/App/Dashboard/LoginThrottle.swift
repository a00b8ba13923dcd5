import Domain
import SQLite
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Slows password guessing: after 5 failed sign-ins for one user name, or from one client address, within
/// 15 minutes, further attempts are refused with 429 until the window frees up. The check runs before any
/// password hashing, so a throttled flood costs no scrypt work.
struct LoginThrottle: Sendable {
    let database: Database
    let clock: @Sendable () -> Date

    static let window: TimeInterval = 15 * 60
    static let limit = 5

    /// When `user` or `client` may try again, or nil when they may try now.
    func retryAt(user: String, client: String) async throws -> Date? {
        let now = clock()
        let since = now.addingTimeInterval(-Self.window)
        let (byUser, byClient) = try await database.read { db in
            (
                try LoginFailureStore.instants(user: user, client: nil, since: since, limit: Self.limit, in: db),
                try LoginFailureStore.instants(user: nil, client: client, since: since, limit: Self.limit, in: db)
            )
        }
        // With `limit` failures in the window, the oldest of the newest `limit` leaving it frees one attempt.
        let frees = [byUser, byClient].compactMap { $0.count >= Self.limit ? $0[Self.limit - 1].addingTimeInterval(Self.window) : nil }
        return frees.max()
    }

    /// Records a failure and audits it (the name tried and the client; never the password).
    func recordFailure(user: String, client: String) async throws {
        let now = clock()
        try await database.write { db in
            try LoginFailureStore.purge(before: now.addingTimeInterval(-Self.window), in: db)
            try LoginFailureStore.record(user: user, client: client, at: now, in: db)
            try AuditLog.append(
                actor: "anonymous", action: "login.fail", subject: "user:" + user,
                details: ["client": client, "reason": "wrong user name or password"], at: now, in: db)
        }
    }

    /// The address part of `host:port` or `[v6]:port`: throttling counts per address, not per connection.
    static func clientAddress(_ remote: String) -> String {
        if remote.hasPrefix("["), let close = remote.firstIndex(of: "]") { return String(remote[remote.index(after: remote.startIndex)..<close]) }
        if let colon = remote.lastIndex(of: ":"), remote.firstIndex(of: ":") == colon { return String(remote[..<colon]) }
        return remote
    }
}
