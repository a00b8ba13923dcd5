#if canImport(Glibc)
import Glibc
#endif

/// A failed socket system call, with `errno` captured right after the call returned -1.
public struct SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The system call that failed, e.g. "bind".
    public let operation: String
    /// The `errno` value the call left behind.
    public let code: Int32

    /// Creates an error from an operation name and an `errno` value.
    public init(operation: String, code: Int32) {
        self.operation = operation
        self.code = code
    }

    /// True when the address is already bound by someone else (`EADDRINUSE`).
    public var isAddressInUse: Bool { code == EADDRINUSE }

    /// The C library's text for `code`.
    public var message: String { String(cString: strerror(code)) }

    /// "bind: Address already in use (errno 98)".
    public var description: String { "\(operation): \(message) (errno \(code))" }
}
