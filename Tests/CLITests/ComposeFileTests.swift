import Foundation
import Testing
import TestSupport

/// The repository's `docker-compose.yml`, checked without a Docker engine: against the vendored Compose Specification
/// schema (python3 with PyYAML and jsonschema), and for the operational properties the deployment relies on.
@Suite struct ComposeFileTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let composeFile = root.appendingPathComponent("docker-compose.yml").path
    private static let schemaFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/compose-spec.json").path

    /// Validates the YAML against the schema and prints the document as JSON. Draft 7 is named explicitly: the schema's
    /// `$schema` lacks the trailing `#`, so `validator_for` would silently fall back to the latest draft.
    private static let validator = """
        import json, sys, yaml, jsonschema
        document = yaml.safe_load(open(sys.argv[1]))
        schema = json.load(open(sys.argv[2]))
        cls = jsonschema.Draft7Validator
        cls.check_schema(schema)
        errors = sorted(cls(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
        for e in errors:
            print("/".join(map(str, e.absolute_path)) + ": " + e.message, file=sys.stderr)
        if errors:
            sys.exit(1)
        print(json.dumps(document))
        """

    private struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    private static func python(_ arguments: [String]) async throws -> Run {
        try await TestThread.run {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3"] + arguments
            let stdout = Pipe(), stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let out = stdout.fileHandleForReading.readDataToEndOfFile()
            let err = stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
        }
    }

    /// The compose document as JSON (validated), or nil with a printed SKIP reason when the tools are missing.
    private func validatedDocument(_ test: String) async throws -> [String: Any]? {
        let probe = try await Self.python([
            "-c", "import importlib.util; print(' '.join(m for m in ('yaml', 'jsonschema') if importlib.util.find_spec(m) is None))",
        ])
        guard probe.status == 0 else {
            print("SKIP \(test): python3 is not installed")
            return nil
        }
        let missing = probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard missing.isEmpty else {
            print("SKIP \(test): python3 module(s) missing: \(missing) (pip install pyyaml jsonschema)")
            return nil
        }
        let run = try await Self.python(["-c", Self.validator, Self.composeFile, Self.schemaFile])
        #expect(run.status == 0, "docker-compose.yml does not match the Compose Specification:\n\(run.stderr.suffix(2000))")
        guard run.status == 0 else { return nil }
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    /// `${NAME:-default}` and `${NAME-default}` replaced by their defaults, `${NAME}` by nothing: the value with no variables set.
    private func withDefaults(_ text: String) -> String {
        var result = text
        while let start = result.range(of: "${"), let end = result.range(of: "}", range: start.upperBound..<result.endIndex) {
            let inner = result[start.upperBound..<end.lowerBound]
            let fallback = inner.range(of: "-").map { String(inner[$0.upperBound...]) } ?? ""
            result.replaceSubrange(start.lowerBound..<end.upperBound, with: fallback)
        }
        return result
    }

    @Test func composeFileMatchesTheComposeSpecification() async throws {
        _ = try await validatedDocument("composeFileMatchesTheComposeSpecification")
    }

    @Test func shipgateServiceHasAVolumeHealthcheckRestartPolicyAndLoopbackPorts() async throws {
        guard let document = try await validatedDocument("shipgateServiceHasAVolumeHealthcheckRestartPolicyAndLoopbackPorts") else { return }
        let services = try #require(document["services"] as? [String: Any])
        let shipgate = try #require(services["shipgate"] as? [String: Any], "no service named shipgate")

        // A named volume (declared at top level), so the SQLite file survives the container and WAL sits on a local filesystem.
        let namedVolumes = Set((document["volumes"] as? [String: Any] ?? [:]).keys)
        let sources: [String] = (shipgate["volumes"] as? [Any] ?? []).compactMap { entry in
            if let short = entry as? String { return short.split(separator: ":").first.map(String.init) }
            if let long = entry as? [String: Any], long["type"] as? String == "volume" { return long["source"] as? String }
            return nil
        }
        #expect(sources.contains(where: namedVolumes.contains), "shipgate mounts no named volume: \(sources) vs \(namedVolumes)")

        let healthcheck = try #require(shipgate["healthcheck"] as? [String: Any], "shipgate has no healthcheck")
        #expect(healthcheck["test"] != nil && healthcheck["disable"] as? Bool != true)

        let restart = (shipgate["restart"] as? String) ?? ((shipgate["deploy"] as? [String: Any])?["restart_policy"] as? [String: Any])?["condition"] as? String
        #expect(restart != nil && restart != "no" && restart != "none", "shipgate has no restart policy")

        // Every published port of every service (profiles included) binds loopback unless the operator overrides a variable.
        for (name, service) in services {
            for port in (service as? [String: Any])?["ports"] as? [Any] ?? [] {
                if let short = port as? String {
                    let resolved = withDefaults(short)
                    #expect(resolved.hasPrefix("127.0.0.1:") || resolved.hasPrefix("[::1]:"), "\(name) publishes \(short) beyond loopback")
                } else if let long = port as? [String: Any] {
                    let hostIP = (long["host_ip"] as? String).map(withDefaults)
                    #expect(hostIP == "127.0.0.1" || hostIP == "::1", "\(name) publishes \(long) beyond loopback")
                } else {
                    Issue.record("\(name) publishes a bare port number, which binds every interface")
                }
            }
        }
    }
}
