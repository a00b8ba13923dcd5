import Crypto
import Foundation
import Testing
import TestSupport

/// The files under `examples/` parse, have the shape their tools expect, and the deploy script and alert rules
/// work against a real server.
@Suite struct ExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func example(_ path: String) -> String { root.appendingPathComponent("examples").appendingPathComponent(path).path }

    /// Runs `executable arguments…` with extra environment, off the cooperative pool.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> CLI.Result {
        try await TestThread.run {
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let stdout = Pipe(), stderr = Pipe()
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let out = stdout.fileHandleForReading.readDataToEndOfFile()
            let err = stderr.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return CLI.Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
        }
    }

    /// Every YAML document of `path` as JSON values, or nil (with a SKIP line) when python3 with PyYAML is missing.
    static func yamlDocuments(_ path: String, test: String) async throws -> [Any]? {
        let probe = try await run("python3", ["-c", "import yaml"])
        guard probe.status == 0 else {
            print("SKIP \(test): python3 with PyYAML is not available")
            return nil
        }
        let script = "import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1]))), default=str))"
        let parsed = try await run("python3", ["-c", script, path])
        #expect(parsed.status == 0, "\(path) does not parse: \(parsed.stderr)")
        return try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [Any]
    }

    static func isInstalled(_ tool: String) async throws -> Bool { try await run("sh", ["-c", "command -v \(tool)"]).status == 0 }

    @Test func ciWorkflowsParseAndPostEvidenceThenGate() async throws {
        guard let github = try await Self.yamlDocuments(Self.example("github-actions/shipgate.yml"), test: #function),
            let gitlab = try await Self.yamlDocuments(Self.example("gitlab-ci/.gitlab-ci.yml"), test: #function)
        else { return }
        let workflow = try #require(github.first as? [String: Any])
        // PyYAML reads the bare key `on` as the boolean true (YAML 1.1).
        #expect(workflow["on"] != nil || workflow["true"] != nil)
        let jobs = try #require(workflow["jobs"] as? [String: Any])
        let steps = try #require((jobs.values.first as? [String: Any])?["steps"] as? [[String: Any]])
        let commands = steps.compactMap { $0["run"] as? String }.joined(separator: "\n")
        let pipeline = try #require(gitlab.first as? [String: Any])
        let scripts = pipeline.values.compactMap { $0 as? [String: Any] }.flatMap { ($0["script"] as? [String]) ?? [] }.joined(separator: "\n")
        #expect(pipeline["stages"] as? [String] == ["build", "scan", "evidence", "gate", "deploy"])
        for text in [commands, scripts] {
            for needle in [
                "trivy image --format json", "-o json", "shipgate sign", "--fail-with-body", "/api/v1/attestations", "/api/v1/scans?digest=$DIGEST",
                "/api/v1/images/$DIGEST/config", #"shipgate check "$IMAGE@$DIGEST" --env staging --server "$SHIPGATE_URL""#, "--receipt",
            ] {
                #expect(text.contains(needle), "missing \(needle)")
            }
        }
    }

    @Test func kubernetesManifestsFailClosed() async throws {
        guard let webhookDocs = try await Self.yamlDocuments(Self.example("kubernetes/validating-webhook.yaml"), test: #function),
            let policyDocs = try await Self.yamlDocuments(Self.example("kubernetes/image-policy-webhook.yaml"), test: #function)
        else { return }
        let configuration = try #require(webhookDocs.first as? [String: Any])
        #expect(configuration["kind"] as? String == "ValidatingWebhookConfiguration")
        let webhook = try #require((configuration["webhooks"] as? [[String: Any]])?.first)
        #expect(webhook["failurePolicy"] as? String == "Fail")
        #expect(webhook["timeoutSeconds"] as? Int == 5)
        #expect(webhook["sideEffects"] as? String == "None")
        #expect(webhook["admissionReviewVersions"] as? [String] == ["v1"])
        let url = URLComponents(string: (webhook["clientConfig"] as? [String: Any])?["url"] as? String ?? "")
        #expect(url?.path == "/k8s/admission" && url?.query == "env=production")
        let exemption = try #require(((webhook["namespaceSelector"] as? [String: Any])?["matchExpressions"] as? [[String: Any]])?.first)
        #expect(exemption["operator"] as? String == "NotIn" && (exemption["values"] as? [String])?.contains("shipgate") == true)
        let resources = (webhook["rules"] as? [[String: Any]] ?? []).flatMap { $0["resources"] as? [String] ?? [] }
        for kind in ["pods", "deployments", "cronjobs"] { #expect(resources.contains(kind)) }

        #expect(policyDocs.count == 2)
        let admission = try #require(policyDocs.first as? [String: Any])
        #expect(admission["kind"] as? String == "AdmissionConfiguration")
        let plugin = try #require((admission["plugins"] as? [[String: Any]])?.first)
        #expect(plugin["name"] as? String == "ImagePolicyWebhook")
        let imagePolicy = try #require((plugin["configuration"] as? [String: Any])?["imagePolicy"] as? [String: Any])
        #expect(imagePolicy["defaultAllow"] as? Bool == false)
        let kubeconfig = try #require(policyDocs.last as? [String: Any])
        let cluster = try #require(((kubeconfig["clusters"] as? [[String: Any]])?.first?["cluster"] as? [String: Any])?["server"] as? String)
        #expect(URLComponents(string: cluster)?.path == "/k8s/imagereview" && URLComponents(string: cluster)?.query == "env=production")
    }

    @Test func alertRulesUseOnlyMetricsTheServerExposes() async throws {
        guard let documents = try await Self.yamlDocuments(Self.example("prometheus/shipgate-alerts.yml"), test: #function) else { return }
        let rules = ((documents.first as? [String: Any])?["groups"] as? [[String: Any]] ?? []).flatMap { $0["rules"] as? [[String: Any]] ?? [] }
        #expect(rules.count >= 5)
        let exposed = try await withLiveServer { live in
            let token = try await live.token([.clearanceRead])
            // A decision so that shipgate_decisions_total has a sample.
            _ = try await live.client().request("GET", "/api/v1/clearance/sha256:\(String(repeating: "0", count: 64))?env=staging", token: token)
            let metrics = try await live.client().request("GET", "/metrics")
            #expect(metrics.status == 200)
            return Set(metrics.text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
                line.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
            })
        }
        #expect(exposed.contains("shipgate_decisions_total"))
        for rule in rules {
            let expression = try #require(rule["expr"] as? String)
            let names = expression.matches(of: /shipgate_[a-z_]+/).map { String($0.output) }
            #expect(!names.isEmpty, "\(rule["alert"] ?? "?") references no Shipgate metric")
            for name in names { #expect(exposed.contains(name), "\(rule["alert"] ?? "?") uses \(name), which /metrics does not expose") }
        }
    }

    @Test func deployScriptIsValidBash() async throws {
        let result = try await Self.run("bash", ["-n", Self.example("deploy/deploy.sh")])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func deployScriptDeploysOnlyAClearedDigest() async throws {
        for tool in ["bash", "curl", "jq"] where try await !Self.isInstalled(tool) {
            print("SKIP deployScriptDeploysOnlyAClearedDigest: \(tool) is not installed")
            return
        }
        let cleared = String(repeating: "c1", count: 32), refused = String(repeating: "d2", count: 32)
        let name = "registry.example.com/team/app"
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let ci = try await live.token([.evidenceWrite], name: "ci")
            let reader = try await live.token([.clearanceRead], name: "deploy")
            let signer = try PrivateKey.generate(.ecdsaP256)
            _ = try await live.trustKey(signer.publicKey.pemEncoded, name: "ci-signer", admin: admin)
            // Staging: signed provenance and no CRITICAL. `refused` has a CRITICAL finding.
            for (hex, findings) in [(cleared, [(String, String, String)]()), (refused, [("CVE-2024-9999", "CRITICAL", "2.0")])] {
                let provenance = try signedEnvelope(
                    digest: hex, predicateType: "https://slsa.dev/provenance/v1",
                    predicate: [
                        "buildDefinition": ["buildType": "https://example.com/build/v1", "externalParameters": [String: Any]()],
                        "runDetails": ["builder": ["id": "https://example.com/builder"]],
                    ], key: signer, name: name)
                #expect(try await live.client().request("POST", "/api/v1/attestations", token: ci, json: provenance).status == 201)
                let scan = try trivyReport(findings, createdAt: Date())
                #expect(try await live.client().request("POST", "/api/v1/scans?digest=sha256:\(hex)", token: ci, json: scan).status == 201)
            }
            let receipts = live.directory.file("receipts")
            let marker = live.directory.file("deployed")
            func deploy(_ reference: String, server: String = "http://127.0.0.1:\(live.port)") async throws -> CLI.Result {
                try? FileManager.default.removeItem(atPath: marker)
                return try await Self.run("bash", [Self.example("deploy/deploy.sh")], environment: [
                    "SHIPGATE_URL": server, "SHIPGATE_TOKEN": reader, "IMAGE_REF": reference, "SHIPGATE_ENV": "staging",
                    "RECEIPT_DIR": receipts, "DEPLOY_COMMAND": #"printf '%s' "$1" > "$MARKER""#, "MARKER": marker,
                ])
            }

            let ok = try await deploy("\(name)@sha256:\(cleared)")
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "\(name)@sha256:\(cleared)")
            let receipt = try String(contentsOfFile: receipts + "/shipgate-staging-\(cleared).jws", encoding: .utf8)
            #expect(receipt.split(separator: ".").count == 3)

            let notCleared = try await deploy("\(name)@sha256:\(refused)")
            #expect(notCleared.status != 0 && notCleared.stderr.contains("HTTP 403"), "\(notCleared.stderr)")
            #expect(!FileManager.default.fileExists(atPath: marker))

            let tag = try await deploy("\(name):latest")
            #expect(tag.status != 0 && tag.stderr.contains("pinned"), "\(tag.stderr)")
            #expect(!FileManager.default.fileExists(atPath: marker))

            let wrongToken = try await Self.run("bash", [Self.example("deploy/deploy.sh")], environment: [
                "SHIPGATE_URL": "http://127.0.0.1:\(live.port)", "SHIPGATE_TOKEN": "sgt_wrong", "IMAGE_REF": "\(name)@sha256:\(cleared)",
                "SHIPGATE_ENV": "staging", "RECEIPT_DIR": receipts, "DEPLOY_COMMAND": #"touch "$MARKER""#, "MARKER": marker,
            ])
            #expect(wrongToken.status != 0 && wrongToken.stderr.contains("HTTP 401"), "\(wrongToken.stderr)")
            #expect(!FileManager.default.fileExists(atPath: marker))

            // Port 1 on loopback: nothing listens, curl fails to connect.
            let unreachable = try await deploy("\(name)@sha256:\(cleared)", server: "http://127.0.0.1:1")
            #expect(unreachable.status != 0 && unreachable.stderr.contains("could not reach"), "\(unreachable.stderr)")
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }
}
