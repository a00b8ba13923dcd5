/// A WebDriver command that failed: the protocol's error code (`no such element`, `timeout`, …) and message,
/// or a transport failure talking to the driver.
public struct WebDriverError: Error, Sendable, CustomStringConvertible {
    /// The W3C error code, e.g. `no such element`; `transport` when the driver could not be reached.
    public let code: String
    public let message: String
    /// The command, e.g. `POST /session/…/element`.
    public let command: String

    public init(code: String, message: String, command: String) {
        self.code = code
        self.message = message
        self.command = command
    }

    /// Whether the driver reported that no element matched.
    public var isNoSuchElement: Bool { code == "no such element" }

    public var description: String { "WebDriver \(command): \(code): \(message.prefix(500))" }
}
