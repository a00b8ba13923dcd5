#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a non-blocking system call that did not fail.
enum IOResult: Equatable {
    /// The call succeeded with this return value.
    case done(Int)
    /// The call would block (EAGAIN/EWOULDBLOCK); wait for readiness.
    case wouldBlock
}

/// Runs one system call the way every socket call in this module runs (NIO `System.swift`):
/// retries on EINTR, maps EAGAIN to `.wouldBlock`, treats EBADF/EFAULT as bugs, and otherwise
/// throws a `SocketError` built from `errno` read in the same frame as the failing call.
/// Never use it for `close`, which must not be retried (see `closeFileDescriptor`).
@inline(__always)
func syscall(_ operation: StaticString, _ call: () -> Int) throws(SocketError) -> IOResult {
    while true {
        let result = call()
        if result >= 0 { return .done(result) }
        let code = errno
        switch code {
        case EINTR:
            continue
        case EAGAIN, EWOULDBLOCK:
            return .wouldBlock
        case EBADF, EFAULT:
            // Using a closed or foreign descriptor, or a bad pointer, is a bug in this module, not an I/O condition.
            preconditionFailure("\(operation) failed with unacceptable errno \(code)")
        default:
            throw SocketError(operation: "\(operation)", code: code)
        }
    }
}

/// `syscall` for calls returning `Int32`.
@inline(__always)
func syscall(_ operation: StaticString, _ call: () -> Int32) throws(SocketError) -> IOResult {
    try syscall(operation) { Int(call()) }
}

/// Closes a descriptor exactly once. EINTR is not retried: on Linux the descriptor is
/// already released and may have been reused by another thread (NIO `Posix.close`).
func closeFileDescriptor(_ fd: Int32) {
    let result = Glibc.close(fd)
    if result == -1 {
        let code = errno
        precondition(code != EBADF, "close(\(fd)) failed with EBADF: double close")
    }
}
