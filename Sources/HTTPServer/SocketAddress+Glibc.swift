import CPosix

#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address.
struct SocketAddress {
    var storage: sockaddr_storage

    /// The address family (AF_INET or AF_INET6).
    var family: Int32 { Int32(storage.ss_family) }

    /// Builds an address from a numeric host literal; a host containing ':' is IPv6.
    /// Non-literal names are resolved once with getaddrinfo (numeric port, TCP).
    init(host: String, port: Int) throws(SocketError) {
        guard (0...65535).contains(port) else { throw SocketError(operation: "bind (port out of range)", code: EINVAL) }
        var storage = sockaddr_storage()
        let isIPv6 = host.contains(":")
        let parsed: Bool
        if isIPv6 {
            parsed = withUnsafeMutableBytes(of: &storage) { raw in
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                return inet_pton(AF_INET6, host, &sin6.pointee.sin6_addr) == 1
            }
        } else {
            parsed = withUnsafeMutableBytes(of: &storage) { raw in
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                return inet_pton(AF_INET, host, &sin.pointee.sin_addr) == 1
            }
        }
        if parsed {
            self.storage = storage
        } else {
            self = try SocketAddress.resolve(host: host, port: port)
        }
    }

    init(storage: sockaddr_storage) {
        self.storage = storage
    }

    private static func resolve(host: String, port: Int) throws(SocketError) -> SocketAddress {
        var hints = addrinfo()
        hints.ai_socktype = cposix_SOCK_STREAM
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SocketError(operation: "getaddrinfo", code: EADDRNOTAVAIL)
        }
        defer { freeaddrinfo(list) }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            let count = min(Int(first.pointee.ai_addrlen), raw.count)
            raw.copyMemory(from: UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: count))
        }
        return SocketAddress(storage: storage)
    }

    /// The length of the meaningful part of `storage`, for bind/connect.
    var length: socklen_t {
        socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
    }

    /// The port in host byte order.
    var port: Int {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    /// "203.0.113.7:51234" or "[2001:db8::1]:51234", for logs and `RequestContext`.
    var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var copy = storage
        let ok: Bool = withUnsafeMutableBytes(of: &copy) { raw in
            let base = raw.baseAddress!
            if family == AF_INET6 {
                let sin6 = base.assumingMemoryBound(to: sockaddr_in6.self)
                return inet_ntop(AF_INET6, &sin6.pointee.sin6_addr, &text, socklen_t(text.count)) != nil
            }
            let sin = base.assumingMemoryBound(to: sockaddr_in.self)
            return inet_ntop(AF_INET, &sin.pointee.sin_addr, &text, socklen_t(text.count)) != nil
        }
        guard ok else { return "unknown" }
        let host = String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
