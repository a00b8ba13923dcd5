import CPosix

#if canImport(Glibc)
import Glibc
#endif

/// A level-triggered epoll instance (NIO's choice: no drain-to-EAGAIN obligation, so a
/// connection that stops reading mid-buffer cannot stall).
struct Epoll {
    static let readable = cposix_EPOLLIN
    static let writable = cposix_EPOLLOUT
    static let error = cposix_EPOLLERR
    static let hangUp = cposix_EPOLLHUP

    let fd: Int32

    init() throws(SocketError) {
        let fd = cposix_epoll_create1(cposix_EPOLL_CLOEXEC)
        if fd < 0 { throw SocketError(operation: "epoll_create1", code: errno) }
        self.fd = fd
    }

    /// Registers `target` with `events` interest (0 still reports errors and hang-ups).
    func add(_ target: Int32, events: UInt32) throws(SocketError) {
        _ = try syscall("epoll_ctl(ADD)") { cposix_epoll_ctl(fd, cposix_EPOLL_CTL_ADD, target, events) }
    }

    /// Changes the interest of a registered descriptor.
    func modify(_ target: Int32, events: UInt32) throws(SocketError) {
        _ = try syscall("epoll_ctl(MOD)") { cposix_epoll_ctl(fd, cposix_EPOLL_CTL_MOD, target, events) }
    }

    /// Deregisters a descriptor; must come before its `close` (STYLE pitfall 15).
    func remove(_ target: Int32) {
        _ = try? syscall("epoll_ctl(DEL)") { cposix_epoll_ctl(fd, cposix_EPOLL_CTL_DEL, target, 0) }
    }

    /// Waits up to `timeoutMilliseconds`; an interrupted wait (EINTR) just reports no events.
    func wait(
        fds: UnsafeMutablePointer<Int32>, events: UnsafeMutablePointer<UInt32>, capacity: Int32, timeoutMilliseconds: Int32
    ) -> Int {
        let count = cposix_epoll_wait(fd, fds, events, capacity, timeoutMilliseconds)
        if count >= 0 { return Int(count) }
        let code = errno
        precondition(code == EINTR, "epoll_wait failed with errno \(code)")
        return 0
    }

    /// Closes the epoll instance; the loop does this once, as it stops.
    func close() {
        closeFileDescriptor(fd)
    }
}
