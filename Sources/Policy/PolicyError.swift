/// Why a policy document was refused: a precise, client-safe message naming the JSON path.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// E.g. `vulnerabilities.max.SEVERE: unknown severity; use CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN`.
    public let message: String

    /// Wraps a message; callers build it as `<path>: <problem>`.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
