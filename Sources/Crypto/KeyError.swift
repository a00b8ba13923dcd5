/// A key or signature input was refused; `reason` is client-safe text that never echoes key material.
public struct KeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the input was refused, e.g. `"RSA keys must be at least 2048 bits (this one has 1024)"`.
    public let reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    /// The reason text.
    public var description: String { reason }
}
