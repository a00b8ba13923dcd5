import Foundation
import Testing
import TestSupport

/// Shipgate's own container image must pass Shipgate's own image-config rules. No Docker engine runs here, so the
/// test reads the runtime stage of the `Dockerfile` and posts the OCI config it describes to a live server.
@Suite struct OwnImagePolicyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The strictest image-config policy, alone, so the answer says exactly whether the config passes.
    static let policy = #"{"imageConfig":{"forbidRoot":true,"forbidNonNumericUser":true,"allowedPorts":["8080/tcp"],"forbidSecretEnv":true,"requireHealthcheck":true}}"#

    @Test func theRuntimeStageOfTheDockerfilePassesTheImageConfigRules() async throws {
        let dockerfile = try String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let config = try RuntimeStage(dockerfile).ociConfig()
        let answer = try await Self.clearance(of: config, digest: "sha256:" + String(repeating: "e", count: 64))
        #expect(answer.status == 200, "\(answer.text)")
    }

    @Test func theSameCheckRefusesARootImageWithASecret() async throws {
        // The control: the same path must be able to fail.
        var stage = try RuntimeStage(String(contentsOf: Self.root.appendingPathComponent("Dockerfile"), encoding: .utf8))
        stage.user = ""
        stage.env.append("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        let answer = try await Self.clearance(of: try stage.ociConfig(), digest: "sha256:" + String(repeating: "f", count: 64))
        #expect(answer.status == 403)
        #expect(answer.text.contains("root"))
    }

    static func clearance(of config: String, digest: String) async throws -> TestResponse {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let ci = try await live.token([.evidenceWrite], name: "ci")
            let put = try await live.client().request("PUT", "/api/v1/policies/container", token: admin, json: policy)
            #expect([200, 201].contains(put.status), "\(put.text)")
            let posted = try await live.client().request("POST", "/api/v1/images/\(digest)/config", token: ci, json: config)
            #expect(posted.status == 201, "\(posted.text)")
            return try await live.client().request("GET", "/api/v1/clearance/\(digest)?env=container", token: admin)
        }
    }
}

/// The instructions of a Dockerfile's last stage that end up in the image config.
struct RuntimeStage {
    var user = ""
    var env: [String] = []
    var exposed: [String] = []
    var healthcheck: [String]?
    var entrypoint: [String] = []
    var cmd: [String] = []

    init(_ dockerfile: String) throws {
        // Join continuation lines, then keep what follows the last FROM.
        let joined = dockerfile.replacingOccurrences(of: "\\\n", with: " ")
        let lines = joined.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") && !$0.isEmpty }
        guard let from = lines.lastIndex(where: { $0.uppercased().hasPrefix("FROM ") }) else {
            throw TestClientError(description: "no FROM in the Dockerfile")
        }
        for line in lines[(from + 1)...] {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            let argument = parts[1].trimmingCharacters(in: .whitespaces)
            switch parts[0].uppercased() {
            case "USER": user = argument
            case "EXPOSE": exposed += argument.split(separator: " ").map { $0.contains("/") ? String($0) : "\($0)/tcp" }
            case "ENV":
                env += argument.split(separator: " ", omittingEmptySubsequences: true).map(String.init).filter { $0.contains("=") }
            case "HEALTHCHECK":
                guard let command = argument.range(of: "CMD ") else { continue }
                healthcheck = ["CMD-SHELL", String(argument[command.upperBound...])]
            case "ENTRYPOINT": entrypoint = try Self.execForm(argument)
            case "CMD": cmd = try Self.execForm(argument)
            default: continue
            }
        }
    }

    static func execForm(_ text: String) throws -> [String] {
        guard let array = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] else {
            throw TestClientError(description: "not an exec-form array: \(text)")
        }
        return array
    }

    /// The image config JSON (OCI image spec `config` object) these instructions produce.
    func ociConfig() throws -> String {
        var config: [String: Any] = [
            "User": user, "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + env,
            "ExposedPorts": Dictionary(uniqueKeysWithValues: exposed.map { ($0, [String: Any]()) }), "Entrypoint": entrypoint, "Cmd": cmd,
            "WorkingDir": "/data",
        ]
        if let healthcheck { config["Healthcheck"] = ["Test": healthcheck] }
        return try jsonBody(["architecture": "amd64", "os": "linux", "config": config])
    }
}
