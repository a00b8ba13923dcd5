import Foundation

/// A scanner from PyPI run as `python3 -m <module>`, pinned to the version `.ci/run` installs.
struct PythonTool: Sendable {
    /// The distribution name, as pip knows it.
    let distribution: String
    /// What follows `python3 -m`.
    let module: String
    let pinnedVersion: String

    /// Nil when the tool can run (printing a note if another version is installed), else why not.
    func unavailableReason() async throws -> String? {
        let distribution = self.distribution
        let probe = try await ExternalProcess.run(
            ["python3", "-c", "import importlib.metadata as m; print(m.version('\(distribution)'))"], directory: "/tmp", timeout: .seconds(30))
        if probe.status == 127 { return "python3 is not installed" }
        guard probe.status == 0 else { return "\(distribution) is not installed (pip install '\(distribution)==\(pinnedVersion)')" }
        let version = probe.output.trimmingCharacters(in: .whitespacesAndNewlines)
        if version != pinnedVersion { print("note: \(distribution) \(version) installed; CI pins \(pinnedVersion)") }
        return nil
    }

    /// Runs `python3 -m <module> arguments…` in `directory`, killed after `timeout`; stdout and stderr together.
    func run(_ arguments: [String], directory: String, timeout: Duration) async throws -> ExternalProcess.Run {
        try await ExternalProcess.run(["python3", "-m", module] + arguments, directory: directory, timeout: timeout)
    }
}
