import CPosix
import Foundation

/// A child process started with `posix_spawn`, shaped like Foundation's `Process` for the tests that start tools,
/// `shipgate` commands and servers.
///
/// Foundation's `Process.run()` on Linux reads `/proc/self/fd` with a 256-byte copy of each directory entry and
/// crashes now and then when one sits at the end of a mapped page (swift-corelibs-foundation pull request 5472).
/// Here the child closes every descriptor above 2 itself (`closefrom`), so nothing has to be listed.
///
/// `@unchecked Sendable` like `Process`: the description is set by one thread before ``run()`` and only read after;
/// the child's id and exit status, which the reaper thread writes, are only touched under `condition`.
public final class ChildProcess: @unchecked Sendable {
    /// How the child ended.
    public enum TerminationReason: Sendable { case exit, uncaughtSignal }

    /// The program to run.
    public var executableURL: URL?
    /// Its arguments, without the program name.
    public var arguments: [String]?
    /// Its environment; nil: this process's.
    public var environment: [String: String]?
    /// Its working directory; nil: this process's.
    public var currentDirectoryURL: URL?
    /// A `Pipe`, a `FileHandle`, or nil for /dev/null; by default this process's own.
    public var standardInput: Any? = FileHandle.standardInput
    /// A `Pipe`, a `FileHandle`, or nil for /dev/null; by default this process's own.
    public var standardOutput: Any? = FileHandle.standardOutput
    /// A `Pipe`, a `FileHandle`, or nil for /dev/null; by default this process's own.
    public var standardError: Any? = FileHandle.standardError
    /// Called once on another thread after the child ended; set it before ``run()``.
    public var terminationHandler: (@Sendable (ChildProcess) -> Void)?

    private let condition = NSCondition()
    private var pid: pid_t = 0
    private var status: Int32?

    /// Creates a process description; nothing runs before ``run()``.
    public init() {}

    /// The child's process id (0 before ``run()``).
    public var processIdentifier: Int32 { condition.withLock { pid } }

    /// True from ``run()`` until the child ended.
    public var isRunning: Bool { condition.withLock { pid != 0 && status == nil } }

    /// The exit code, or the signal number for ``TerminationReason/uncaughtSignal``; only meaningful once ended.
    public var terminationStatus: Int32 {
        let raw = condition.withLock { status } ?? 0
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
    }

    /// Whether the child exited or was killed by a signal; only meaningful once ended.
    public var terminationReason: TerminationReason {
        (condition.withLock { status } ?? 0) & 0x7f == 0 ? .exit : .uncaughtSignal
    }

    /// Starts the child. Throws `POSIXError` when it cannot be started (e.g. no such program).
    public func run() throws {
        guard let path = executableURL?.path else { throw POSIXError(.ENOENT) }
        var inherited: [Int32] = []
        var closeAfterStart: [FileHandle] = []
        for (channel, isInput) in [(standardInput, true), (standardOutput, false), (standardError, false)] {
            switch channel {
            case let pipe as Pipe:
                // The child's end; the parent's copy is closed once started, so readers see end-of-file when it exits.
                let end = isInput ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                inherited.append(end.fileDescriptor)
                closeAfterStart.append(end)
            case let handle as FileHandle:
                inherited.append(handle.fileDescriptor)
            default:
                inherited.append(-1)
            }
        }
        let argv = ([path] + (arguments ?? [])).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var child: Int32 = 0
        let rc = inherited.withUnsafeBufferPointer { stdio in
            cposix_spawn(&child, path, argv, envp, stdio.baseAddress, currentDirectoryURL?.path)
        }
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        let started = child
        condition.withLock { pid = started }
        for handle in closeAfterStart { try? handle.close() }
        let reaper = Thread { [self] in reap(started) }
        reaper.start()
    }

    /// Blocks until the child ended (at once if it never started).
    public func waitUntilExit() {
        condition.lock()
        defer { condition.unlock() }
        while pid != 0 && status == nil { condition.wait() }
    }

    /// Sends SIGTERM.
    public func terminate() { send(SIGTERM) }

    /// Sends SIGINT.
    public func interrupt() { send(SIGINT) }

    private func send(_ number: Int32) {
        condition.withLock {
            if pid != 0 && status == nil { kill(pid, number) }
        }
    }

    /// The only `waitpid` for this child, so its id is never reused while it can still be signalled.
    private func reap(_ child: pid_t) {
        var raw: Int32 = 0
        while waitpid(child, &raw, 0) == -1 && errno == EINTR {}
        condition.withLock {
            status = raw
            condition.broadcast()
        }
        terminationHandler?(self)
    }
}
