import CPosix

#if canImport(Glibc)
import Glibc
#endif

/// Creates the server's listening socket.
enum ListeningSocket {
    /// Matches NIO's and Go's default; the kernel caps it at `net.core.somaxconn`.
    static let backlog: Int32 = 1024

    /// Binds `host:port` (IPv6 when `host` contains ':', v6-only) and listens, non-blocking and close-on-exec.
    static func make(host: String, port: Int) throws(SocketError) -> SocketFD {
        var address = try SocketAddress(host: host, port: port)
        let type = cposix_SOCK_STREAM | cposix_SOCK_CLOEXEC | cposix_SOCK_NONBLOCK
        let fd = Glibc.socket(address.family, type, 0)
        if fd < 0 { throw SocketError(operation: "socket", code: errno) }
        let socket = SocketFD(rawValue: fd)
        try socket.setOption(level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
        if address.family == AF_INET6 {
            // "::1" must not also accept IPv4-mapped peers; the operator asked for exactly this address.
            try socket.setOption(level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 1)
        }
        let length = address.length
        _ = try withUnsafePointer(to: &address.storage) { pointer throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw throws(SocketError) in
                try syscall("bind") { Glibc.bind(fd, raw, length) }
            }
        }
        _ = try syscall("listen") { Glibc.listen(fd, backlog) }
        return socket
    }
}
