import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `chromedriver` on a free loopback port, driving headless Chromium. `stop()` ends it and every browser it started,
/// so a failing test leaves no process behind.
public final class WebDriverService: @unchecked Sendable {  // every property is a let; the Process is only read (its pid) after start
    /// The flags every browser gets: headless, no sandbox (CI runs as root in a container), no GPU, no /dev/shm.
    public static let browserArguments = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-extensions",
    ]
    /// Browser executables tried in order (Debian's package installs `chromium`).
    static let browserNames = ["chromium", "chromium-browser", "google-chrome"]

    public let port: Int
    public let browserPath: String
    private let process: ChildProcess
    private let exited: DispatchSemaphore
    private let directory: TemporaryDirectory

    private init(port: Int, browserPath: String, process: ChildProcess, exited: DispatchSemaphore, directory: TemporaryDirectory) {
        self.port = port
        self.browserPath = browserPath
        self.process = process
        self.exited = exited
        self.directory = directory
    }

    /// Nil when chromedriver and a Chromium are installed, else what is missing.
    public static func unavailableReason() -> String? {
        if executable(named: "chromedriver") == nil { return "chromedriver is not on PATH (apt-get install chromium-driver)" }
        if browserNames.allSatisfy({ executable(named: $0) == nil }) { return "no Chromium on PATH (apt-get install chromium)" }
        return nil
    }

    /// The full path of `name` on PATH, if it is there and executable.
    public static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Starts chromedriver on an ephemeral loopback port and waits until it reports ready.
    public static func start(readyTimeout: Duration = .seconds(20)) async throws -> WebDriverService {
        guard let driverPath = executable(named: "chromedriver"), let browserPath = browserNames.lazy.compactMap(executable(named:)).first else {
            throw WebDriverError(code: "unavailable", message: unavailableReason() ?? "?", command: "start chromedriver")
        }
        let directory = try TemporaryDirectory("webdriver")
        let log = directory.file("chromedriver.log")
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: driverPath)
        // Port 0: the driver picks a free port and names it on stdout, so no port can be taken between a probe and the bind.
        process.arguments = ["--port=0", "--allowed-ips=127.0.0.1"]
        guard FileManager.default.createFile(atPath: log, contents: nil) else {
            directory.remove()
            throw WebDriverError(code: "unavailable", message: "cannot create \(log)", command: "start chromedriver")
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()

        let service: WebDriverService
        do {
            let port = try await announcedPort(log: log, process: process, timeout: readyTimeout)
            service = WebDriverService(port: port, browserPath: browserPath, process: process, exited: exited, directory: directory)
        } catch {
            _ = try? await TestThread.run { killGroup(of: process, exited: exited) }
            directory.remove()
            throw error
        }
        do {
            try await service.waitUntilReady(timeout: readyTimeout)
        } catch {
            await service.stop()
            throw error
        }
        return service
    }

    /// The port from chromedriver's "started successfully on port N" line.
    private static func announcedPort(log: String, process: ChildProcess, timeout: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            // The first line says "on port 0" (what was asked); this one names the port bound.
            if let range = text.range(of: "started successfully on port ") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits), port > 0 { return port }
            }
            guard process.isRunning else {
                throw WebDriverError(code: "unavailable", message: "chromedriver exited: \(text.suffix(1000))", command: "start chromedriver")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw WebDriverError(code: "timeout", message: "chromedriver announced no port", command: "start chromedriver")
    }

    private func waitUntilReady(timeout: Duration) async throws {
        let connection = try WebDriverConnection(baseURL: baseURL, timeout: .seconds(5))
        let deadline = ContinuousClock.now + timeout
        var last = "no answer"
        while ContinuousClock.now < deadline {
            do {
                if try await connection.execute(.GET, "/status")["ready"].bool == true { return }
                last = "not ready"
            } catch {
                last = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WebDriverError(code: "timeout", message: "chromedriver not ready: \(last)", command: "GET /status")
    }

    /// The driver's process group: the driver and every browser it started.
    public var processGroup: Int32 { process.processIdentifier }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The driver's log so far (for a failure message).
    public var log: String { (try? String(contentsOfFile: directory.file("chromedriver.log"), encoding: .utf8)) ?? "" }

    /// A new headless browser session with a fresh profile, a fixed window size and an implicit element wait;
    /// `acceptInsecureCerts` lets it open a test server's self-signed HTTPS.
    public func newSession(
        width: Int = 1280, height: Int = 900, implicitWait: Duration = .seconds(2), acceptInsecureCerts: Bool = false
    ) async throws -> WebDriver {
        let connection = try WebDriverConnection(baseURL: baseURL)
        // Inside the service's directory, so `stop()` removes it with the log.
        let profile = directory.file("profile-\(UUID().uuidString)")
        let arguments = Self.browserArguments + ["--window-size=\(width),\(height)", "--user-data-dir=\(profile)"]
        let capabilities: WebDriverValue = [
            "browserName": "chrome",
            "acceptInsecureCerts": .bool(acceptInsecureCerts),
            "goog:chromeOptions": ["binary": .string(browserPath), "args": .array(arguments.map { .string($0) })],
        ]
        let session = try await WebDriver.newSession(connection, capabilities: capabilities)
        try await session.setTimeouts(implicit: implicitWait)
        return session
    }

    /// Asks chromedriver to shut down (closing its browsers), then kills whatever of its process group is left.
    public func stop() async {
        let connection = try? WebDriverConnection(baseURL: baseURL, timeout: .seconds(3))
        _ = try? await connection?.execute(.GET, "/shutdown")
        let process = self.process
        let exited = self.exited
        _ = try? await TestThread.run { Self.killGroup(of: process, exited: exited, grace: .seconds(3)) }
        directory.remove()
    }

    /// Waits up to `grace` for the driver to exit, then SIGKILLs its process group (the browsers it spawned are in it:
    /// Foundation's Process starts each child as the leader of a new group) and waits for the driver to be reaped.
    private static func killGroup(of process: ChildProcess, exited: DispatchSemaphore, grace: Duration = .zero) {
        let graceNanoseconds = Int(grace.components.seconds) * 1_000_000_000 + Int(grace.components.attoseconds / 1_000_000_000)
        let gone = exited.wait(timeout: .now() + .nanoseconds(graceNanoseconds)) == .success
        let group = process.processIdentifier
        if group > 0 { kill(-group, SIGKILL) }
        if !gone { exited.wait() }
        // Give the signal back to anyone else waiting on this termination.
        exited.signal()
    }
}

/// Runs `body` with a fresh headless browser session and always stops the browser and its driver afterwards.
public func withBrowser<T>(
    width: Int = 1280, height: Int = 900, acceptInsecureCerts: Bool = false, _ body: (WebDriver) async throws -> T
) async throws -> T {
    let service = try await WebDriverService.start()
    do {
        let session = try await service.newSession(width: width, height: height, acceptInsecureCerts: acceptInsecureCerts)
        let result: T
        do {
            result = try await body(session)
        } catch {
            try? await session.quit()
            throw error
        }
        try? await session.quit()
        await service.stop()
        return result
    } catch {
        await service.stop()
        throw error
    }
}
