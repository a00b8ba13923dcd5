#if canImport(Glibc)
import Glibc
#endif

/// A local file could not be read or written; `description` names the cause (errno text), never the contents.
struct LocalFileError: Error, CustomStringConvertible {
    let description: String

    /// The error for the failed call that just set `errno`.
    static func errno(_ code: Int32) -> LocalFileError { LocalFileError(description: String(cString: strerror(code))) }
}

/// Small, careful file access for the CLI: bounded reads, exclusive or replacing writes with an explicit mode, fsync.
enum LocalFile {
    /// True when anything (also a dangling symlink) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Removes `path`, ignoring errors (cleanup after a failure).
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// The whole regular file (or FIFO, e.g. `<(…)`), at most `limit` bytes.
    static func read(_ path: String, limit: Int) throws(LocalFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno(Glibc.errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .errno(Glibc.errno) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw LocalFileError(description: "it is a directory") }
        return try readAll(fd, limit: limit)
    }

    /// Everything on standard input until end of file, at most `limit` bytes.
    static func readStandardInput(limit: Int) throws(LocalFileError) -> [UInt8] {
        try readAll(0, limit: limit)
    }

    /// Writes `bytes` to `path` with permission bits `mode`: a new file only (O_EXCL, which also refuses a symlink) unless
    /// `replacing`. A new file is fsynced, so a key or envelope reported as written survives a crash.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t, replacing: Bool) throws(LocalFileError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        guard fd >= 0 else {
            let code = Glibc.errno
            throw code == EEXIST ? LocalFileError(description: "the file exists already") : .errno(code)
        }
        var failure: LocalFileError?
        // The umask may only have removed bits; for a fresh file make the mode exactly what was asked.
        if !replacing, fchmod(fd, mode) != 0 { failure = .errno(Glibc.errno) }
        var offset = 0
        while failure == nil, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if Glibc.errno == EINTR { continue }
                failure = .errno(Glibc.errno)
            } else {
                offset += written
            }
        }
        // fsync on a pipe or terminal (`--out /dev/stdout`) fails with EINVAL: nothing to make durable there.
        if failure == nil, fsync(fd) != 0, Glibc.errno != EINVAL { failure = .errno(Glibc.errno) }
        if close(fd) != 0, failure == nil, Glibc.errno != EINTR { failure = .errno(Glibc.errno) }
        if let failure {
            if !replacing { remove(path) }
            throw failure
        }
    }

    private static func readAll(_ fd: Int32, limit: Int) throws(LocalFileError) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw .errno(Glibc.errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: buffer[..<n])
            guard bytes.count <= limit else { throw LocalFileError(description: "larger than \(limit) bytes") }
        }
    }
}
