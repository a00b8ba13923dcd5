import Crypto
import Domain
import HTTPCore
import HTTPServer
import SQLite
import Store
import Synchronization

// Foundation (not FoundationEssentials) for `Thread`: deliveries block a thread of their own.
import Foundation

/// The one background task that posts queued webhook deliveries, signs them, retries failures with exponential
/// backoff, and prunes the delivery log. Requests only write the outbox; nothing here runs on a request's path.
final class WebhookDeliverer: Sendable {
    private let database: Database
    private let options: WebhookOptions
    private let log: LogSink
    private let metrics: Metrics
    private let clock: @Sendable () -> Date
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(database: Database, options: WebhookOptions, log: LogSink, metrics: Metrics, clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.options = options
        self.log = log
        self.metrics = metrics
        self.clock = clock
    }

    /// Starts the delivery loop (once).
    func start() {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in await run() }
        }
    }

    /// Stops the loop and waits for it; an attempt in flight finishes (bounded by the delivery timeout) and is recorded.
    func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    private func run() async {
        var lastPrune: ContinuousClock.Instant?
        while !Task.isCancelled {
            if lastPrune.map({ ContinuousClock.now - $0 >= options.pruneInterval }) ?? true {
                lastPrune = .now
                await prune()
            }
            let due: [WebhookStore.Due]
            do {
                due = try await database.read { db in try WebhookStore.due(nowMillis: Self.nowMillis(), limit: 50, in: db) }
            } catch {
                log.error("webhook outbox unreadable: \(error)")
                due = []
            }
            for delivery in due {
                if Task.isCancelled { return }
                await attempt(delivery)
            }
            if due.count < 50 { try? await Task.sleep(for: options.pollInterval) }
        }
    }

    /// One try of one delivery, recorded whatever happens.
    private func attempt(_ delivery: WebhookStore.Due) async {
        do {
            guard delivery.enabled else {
                try await database.write { db in try WebhookStore.cancel(id: delivery.id, in: db) }
                return
            }
            let outcome = await send(delivery)
            let attempts = delivery.attempts + 1
            let next: Int64? = outcome.delivered || attempts >= options.maxAttempts ? nil : Self.nowMillis() + backoffMillis(after: attempts)
            if !outcome.delivered {
                log.info("webhook delivery \(delivery.id) (\(delivery.event)) attempt \(attempts) failed: \(outcome.error ?? "")")
                metrics.recordWebhookFailure(event: delivery.event, abandoned: next == nil)
            }
            let at = Timestamp.format(clock())
            try await database.write { db in
                try WebhookStore.recordAttempt(
                    id: delivery.id, delivered: outcome.delivered, status: outcome.status, error: outcome.error, at: at, nextAttemptMillis: next, in: db)
            }
        } catch {
            log.error("webhook delivery \(delivery.id) could not be recorded: \(error)")
        }
    }

    /// Keeps the delivery log bounded: finished deliveries older than `deliveryLogDays` (by the decision clock, which
    /// stamped them) or beyond the newest `deliveryLogMaxPerWebhook` of their webhook go, a few hundred per write so
    /// the writer is never held for long. Pending deliveries always stay.
    private func prune() async {
        let cutoff = Timestamp.format(clock().addingTimeInterval(-Double(options.deliveryLogDays) * 86_400))
        let keep = options.deliveryLogMaxPerWebhook
        var removed = 0
        do {
            for webhook in try await database.read({ db in try WebhookStore.ids(in: db) }) {
                while !Task.isCancelled {
                    let count = try await database.write { db in
                        try WebhookStore.pruneFinished(webhookID: webhook, before: cutoff, keep: keep, limit: 500, in: db)
                    }
                    removed += count
                    if count < 500 { break }
                }
            }
        } catch {
            log.error("webhook delivery log pruning failed: \(error)")
        }
        if removed > 0 { log.info("pruned \(removed) finished webhook deliveries") }
    }

    /// The wait after the `attempts`-th failure: the initial backoff, doubled per further failure.
    private func backoffMillis(after attempts: Int) -> Int64 {
        let backoff = options.initialBackoff * (1 << min(attempts - 1, 20))
        return backoff.components.seconds * 1000 + backoff.components.attoseconds / 1_000_000_000_000_000
    }

    private struct Outcome: Sendable {
        let delivered: Bool
        let status: Int?
        let error: String?
    }

    /// Posts the stored body with its signature, on a thread of its own (`HTTPClient` blocks).
    private func send(_ delivery: WebhookStore.Due) async -> Outcome {
        let body = Array(delivery.payload.utf8)
        let headers: HTTPHeaders = [
            "Content-Type": "application/json", "User-Agent": "Shipgate/\(Shipgate.version)", "X-Shipgate-Event": delivery.event,
            "X-Shipgate-Delivery": delivery.id, "X-Shipgate-Signature": Self.signature(secret: delivery.secret, body: body),
        ]
        let options = options
        return await Self.onThread {
            do {
                let url = try WebhookURL(delivery.url)
                // Certificates are verified (system roots or `caFile`); there is no way to turn that off here.
                let client = try HTTPClient(baseURL: url.base, timeout: options.timeout, caFile: options.caFile, maxResponseBytes: 64 * 1024)
                let response = try client.send(method: .POST, path: url.path, headers: headers, body: body)
                let ok = (200..<300).contains(response.status)
                return Outcome(delivered: ok, status: response.status, error: ok ? nil : "HTTP \(response.status)")
            } catch let error as APIError {
                return Outcome(delivered: false, status: nil, error: error.message)
            } catch {
                return Outcome(delivered: false, status: nil, error: String(describing: error))
            }
        }
    }

    /// `sha256=` and the hex HMAC-SHA256 of the body under the webhook's secret.
    static func signature(secret: String, body: [UInt8]) -> String {
        "sha256=" + HMAC.sha256Hex(key: Array(secret.utf8), message: body)
    }

    private static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = "webhook-delivery"
            thread.start()
        }
    }
}
