/// One record of the append-only, hash-chained audit log.
public struct AuditEntry: Sendable, Equatable, Codable {
    public let id: Int64
    public let at: String
    public let actor: String
    public let action: String
    public let subject: String
    /// A JSON object with the non-secret details.
    public let details: String
    public let prevHash: String
    public let hash: String

    public init(id: Int64, at: String, actor: String, action: String, subject: String, details: String, prevHash: String, hash: String) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.subject = subject
        self.details = details
        self.prevHash = prevHash
        self.hash = hash
    }
}
