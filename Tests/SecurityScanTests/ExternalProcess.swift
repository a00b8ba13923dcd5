import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Runs a scanner as a child process with a time limit, its stdout and stderr captured together.
enum ExternalProcess {
    /// What one run produced.
    struct Run: Sendable {
        let status: Int32
        let timedOut: Bool
        let seconds: Double
        let output: String
    }

    /// Runs `arguments` (looked up on PATH) in `directory`, killed after `timeout`.
    static func run(_ arguments: [String], directory: String, timeout: Duration) async throws -> Run {
        let log = "\(directory)/tool-\(UUID().uuidString).log"
        let started = ContinuousClock.now
        // Its own thread: waiting must not hold one of the two cooperative threads the server's handlers need.
        let (status, timedOut) = try await TestThread.run { () -> (Int32, Bool) in
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            defer { try? output.close() }
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            let exited = DispatchSemaphore(value: 0)
            process.terminationHandler = { _ in exited.signal() }
            try process.run()
            let seconds = Double(timeout.components.seconds)
            guard exited.wait(timeout: .now() + seconds) == .timedOut else { return (process.terminationStatus, false) }
            process.terminate()
            // A tool that ignores SIGTERM must not hang the suite either.
            if exited.wait(timeout: .now() + 5) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
            return (process.terminationStatus, true)
        }
        let elapsed = ContinuousClock.now - started
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: log)
        return Run(
            status: status, timedOut: timedOut,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, output: output)
    }
}
