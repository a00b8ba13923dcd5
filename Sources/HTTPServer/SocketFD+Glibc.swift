import CPosix

#if canImport(Glibc)
import Glibc
#endif

/// The single owner of one socket descriptor: it can be used while borrowed and closed only
/// by consuming it, so a double close or a use after close does not compile.
struct SocketFD: ~Copyable {
    /// The descriptor number; valid until `close()`.
    let rawValue: Int32

    init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// Reads into `buffer`; `.done(0)` means the peer closed its write side.
    borrowing func receive(into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> IOResult {
        try syscall("recv") { Glibc.recv(rawValue, buffer.baseAddress, buffer.count, 0) }
    }

    /// Writes as much of `bytes` as the kernel takes now. MSG_NOSIGNAL: a peer that went away
    /// yields EPIPE instead of killing the process with SIGPIPE (Linux has no SO_NOSIGPIPE).
    borrowing func send(_ bytes: UnsafeRawBufferPointer) throws(SocketError) -> IOResult {
        try syscall("send") { Glibc.send(rawValue, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Sets an integer socket option.
    borrowing func setOption(level: Int32, name: Int32, value: Int32) throws(SocketError) {
        var value = value
        _ = try syscall("setsockopt") {
            setsockopt(rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Half-closes: the peer reads EOF after everything already queued, while we may still read.
    /// Errors (ENOTCONN after a reset) are irrelevant because the socket is closed next anyway.
    borrowing func shutdownWrite() {
        _ = Glibc.shutdown(rawValue, Int32(SHUT_WR))
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket and stores the peer
    /// address in `peer`; nil when none is pending.
    borrowing func accept(peer: inout SocketAddress) throws(SocketError) -> SocketFD? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try withUnsafeMutablePointer(to: &storage) { pointer throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SocketError) in
                try syscall("accept4") {
                    cposix_accept4(rawValue, address, &length, cposix_SOCK_CLOEXEC | cposix_SOCK_NONBLOCK)
                }
            }
        }
        switch result {
        case .wouldBlock: return nil
        case .done(let fd):
            peer = SocketAddress(storage: storage)
            return SocketFD(rawValue: Int32(fd))
        }
    }

    /// The locally bound port (after binding port 0).
    borrowing func localPort() throws(SocketError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { pointer throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SocketError) in
                try syscall("getsockname") { getsockname(rawValue, address, &length) }
            }
        }
        return SocketAddress(storage: storage).port
    }

    /// Closes the descriptor; the caller must have removed it from epoll first.
    consuming func close() {
        closeFileDescriptor(rawValue)
        discard self
    }

    deinit {
        closeFileDescriptor(rawValue)
    }
}
