/// How outbound webhooks are delivered; tests shrink the delays.
public struct WebhookOptions: Sendable {
    /// Attempts per delivery before it is marked failed.
    public var maxAttempts = 5
    /// The wait before the second attempt; it doubles after each further failure (1 s, 2 s, 4 s, 8 s).
    public var initialBackoff: Duration = .seconds(1)
    /// How often the deliverer looks for due deliveries.
    public var pollInterval: Duration = .milliseconds(500)
    /// The bound on one delivery (connect, TLS, request and response).
    public var timeout: Duration = .seconds(10)
    /// Extra CA bundle for https:// receivers; nil uses the system roots.
    public var caFile: String?
    /// Finished deliveries (delivered, failed, cancelled) older than this many days leave the delivery log.
    public var deliveryLogDays = 30
    /// At most this many finished deliveries are kept per webhook, however young (pending ones are never pruned).
    public var deliveryLogMaxPerWebhook = 10_000
    /// How often the delivery log is pruned.
    public var pruneInterval: Duration = .seconds(3600)

    /// The defaults above.
    public init() {}
}
