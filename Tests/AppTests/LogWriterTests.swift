import CPosix
import Foundation
import Testing
import TestSupport

@testable import App

/// The log writer on a real pipe that nobody reads for a while, as a stuck terminal or log collector would leave it.
@Suite struct LogWriterTests {
    /// Blocking and non-blocking write ends: either way nothing is lost without being counted.
    @Test(arguments: [false, true])
    func aStuckOutputNeverBlocksTheCallerAndLinesBeyondTheCapacityAreCounted(nonBlocking: Bool) async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(cposix_pipe_cloexec(&descriptors) == 0, "close-on-exec: a process another test spawns meanwhile must not keep the pipe open")
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        defer { close(readEnd) }
        if nonBlocking { #expect(fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK) == 0) }
        let writer = LogWriter(descriptor: writeEnd, capacity: 256 << 10, gathering: .milliseconds(1))
        let started = ContinuousClock.now
        // 2 MB of lines into a 64 KiB pipe: without the writer's own queue the caller would block at once.
        for index in 0..<20_000 { writer.append("\(index) " + String(repeating: "x", count: 90) + "\n") }
        #expect(ContinuousClock.now - started < .seconds(2), "appending never waits for the output")

        // Reading again drains what was kept, in order, followed by the count of what was dropped.
        let reader = Task { try await TestThread.run { () -> String in
            var data = Data()
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(readEnd, &chunk, chunk.count)
                if count <= 0 { return String(decoding: data, as: UTF8.self) }
                data.append(contentsOf: chunk[0..<count])
            }
        } }
        try await TestThread.run { writer.flush() }
        close(writeEnd)
        let lines = try await reader.value.split(separator: "\n")
        let numbers = lines.compactMap { $0.split(separator: " ").first.flatMap { Int($0) } }
        #expect(numbers.count > 2_000 && numbers.count < 20_000, "\(numbers.count) lines kept")
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "in order, none twice")
        // The writer may have taken a count into a batch before the output blocked, so the notice need not come last.
        #expect(lines.contains { $0.contains("line(s) dropped: the log output did not keep up") })
        let dropped = lines.filter { $0.hasPrefix("[log] ") }.compactMap { $0.split(separator: " ")[1...].first.flatMap { Int($0) } }
        #expect(dropped.reduce(0, +) > 0, "lines beyond the capacity were dropped and counted")
        #expect(numbers.count + dropped.reduce(0, +) == 20_000, "every line either written or counted as dropped")
    }
}
