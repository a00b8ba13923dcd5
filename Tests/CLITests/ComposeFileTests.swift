import Crypto
import Foundation
import Testing
import TestSupport

/// The repository's `docker-compose.yml` and its TLS override `docker-compose.tls.yml`, checked without a Docker engine:
/// against the vendored Compose Specification schema (python3 with PyYAML and jsonschema), and for the operational
/// properties the deployment relies on.
@Suite struct ComposeFileTests {
    private static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let composeFile = root.appendingPathComponent("docker-compose.yml").path
    private static let tlsOverrideFile = root.appendingPathComponent("docker-compose.tls.yml").path
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
            let process = ChildProcess()
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
    private func validatedDocument(_ test: String, file: String = ComposeFileTests.composeFile) async throws -> [String: Any]? {
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
        let run = try await Self.python(["-c", Self.validator, file, Self.schemaFile])
        #expect(run.status == 0, "\(file) does not match the Compose Specification:\n\(run.stderr.suffix(2000))")
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

    @Test func tlsOverrideMatchesTheComposeSpecification() async throws {
        _ = try await validatedDocument("tlsOverrideMatchesTheComposeSpecification", file: Self.tlsOverrideFile)
    }

    @Test func tlsOverrideMountsTheCertificateAsSecretsAndKeepsEverythingElse() async throws {
        guard let document = try await validatedDocument("tlsOverrideMountsTheCertificateAsSecretsAndKeepsEverythingElse", file: Self.tlsOverrideFile)
        else { return }
        let services = try #require(document["services"] as? [String: Any])
        // It layers over the one default service and adds no second server on the same database.
        #expect(Array(services.keys) == ["shipgate"])
        let shipgate = try #require(services["shipgate"] as? [String: Any])
        // Ports, volume, restart policy and hardening stay the default file's.
        for key in ["ports", "volumes", "restart", "image", "build", "read_only", "cap_drop", "user"] {
            #expect(shipgate[key] == nil, "the TLS override changes \(key)")
        }
        let environment = try #require(shipgate["environment"] as? [String: Any])
        #expect(environment["SHIPGATE_TLS_CERT"] as? String == "/run/secrets/shipgate-tls-cert")
        #expect(environment["SHIPGATE_TLS_KEY"] as? String == "/run/secrets/shipgate-tls-key")
        #expect(environment.keys.allSatisfy { $0.hasPrefix("SHIPGATE_TLS_") })
        #expect(Set(shipgate["secrets"] as? [String] ?? []) == ["shipgate-tls-cert", "shipgate-tls-key"])
        let secrets = try #require(document["secrets"] as? [String: Any])
        for name in ["shipgate-tls-cert", "shipgate-tls-key"] {
            let file = try #require((secrets[name] as? [String: Any])?["file"] as? String, "secret \(name) is not a mounted file")
            #expect(withDefaults(file).hasPrefix("./tls/"))
        }
        let test = try #require((shipgate["healthcheck"] as? [String: Any])?["test"] as? [String])
        #expect(test.contains { $0.hasPrefix("https://127.0.0.1:8080/") })
    }

    /// The override's healthcheck command, run as written against a live Shipgate serving TLS with a mounted key pair.
    @Test func tlsOverrideHealthcheckPassesAgainstShipgatesOwnTLS() async throws {
        guard let document = try await validatedDocument("tlsOverrideHealthcheckPassesAgainstShipgatesOwnTLS", file: Self.tlsOverrideFile)
        else { return }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            print("SKIP tlsOverrideHealthcheckPassesAgainstShipgatesOwnTLS: curl is not installed")
            return
        }
        let services = try #require(document["services"] as? [String: Any])
        let test = try #require(((services["shipgate"] as? [String: Any])?["healthcheck"] as? [String: Any])?["test"] as? [String])
        #expect(test.first == "CMD" && test.dropFirst().first == "curl")
        let directory = try TemporaryDirectory("compose-tls")
        defer { directory.remove() }
        let pair = try SelfSignedCertificate.make(commonName: "shipgate.example.com")
        try pair.certificatePEM.write(toFile: directory.file("shipgate.crt"), atomically: true, encoding: .utf8)
        try pair.privateKeyPEM.write(toFile: directory.file("shipgate.key"), atomically: true, encoding: .utf8)
        try await withLiveServer({ options in
            options.tlsCertificate = directory.file("shipgate.crt")
            options.tlsKey = directory.file("shipgate.key")
        }) { live in
            let arguments = test.dropFirst(2).map { $0.replacing("127.0.0.1:8080", with: "127.0.0.1:\(live.port)") }
            let status = try await TestThread.run { () -> Int32 in
                let process = ChildProcess()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
                process.arguments = Array(arguments)
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                return process.terminationStatus
            }
            #expect(status == 0, "curl \(arguments.joined(separator: " ")) exited \(status)")
        }
    }
}
