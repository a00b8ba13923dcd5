import Domain
import Evidence
import Foundation
import Testing

@Suite struct ImageConfigParserTests {
    /// Facts read from the raw `config` object with the test's own reading of the rules.
    private struct RawFacts {
        var user: String
        var ports: [String]
        var envNames: [String]
        var envValues: [String]
        var otherText: String

        init(_ config: [String: Any]) {
            user = config["User"] as? String ?? ""
            ports = ((config["ExposedPorts"] as? [String: Any]) ?? [:]).keys.sorted()
            let env = config["Env"] as? [String] ?? []
            envNames = Set(env.map { String($0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]) }).sorted()
            envValues = env.compactMap { entry in entry.firstIndex(of: "=").map { String(entry[entry.index(after: $0)...]) } }
            let labels = (config["Labels"] as? [String: String] ?? [:]).flatMap { [$0.key, $0.value] }
            otherText = (labels + (config["Cmd"] as? [String] ?? []) + (config["Entrypoint"] as? [String] ?? []) + envNames + ports + [user])
                .joined(separator: "\n")
        }
    }

    @Test(arguments: ScanFixtures.names("oci-config"))
    func configBlobFactsMatchTheRawConfig(name: String) throws {
        let raw = try #require(try ScanFixtures.json("oci-config", name)["config"] as? [String: Any])
        let expected = RawFacts(raw)
        let facts = try ImageConfigParser.parse(try ScanFixtures.bytes("oci-config", name))
        #expect(facts.user == expected.user)
        #expect(facts.exposedPorts == expected.ports)
        #expect(facts.envNames == expected.envNames)
        #expect(facts.secretEnv == expected.envNames.filter(SecretHeuristics.isSecretName))
        #expect(facts.cmd == raw["Cmd"] as? [String] ?? [])
        #expect(facts.entrypoint == raw["Entrypoint"] as? [String] ?? [])
        #expect(facts.labels == raw["Labels"] as? [String: String] ?? [:])
        #expect(!facts.hasHealthcheck)
        expectNoEnvValue(in: facts, values: expected.envValues, allowedIn: expected.otherText)
    }

    @Test func readmeFactsHold() throws {
        let nova = try ImageConfigParser.parse(try ScanFixtures.bytes("oci-config", "containers-image-schema1-to-oci1-config.json"))
        #expect(nova.user == "nova" && !nova.runsAsRoot && nova.nonNumericUser)
        let httpd = try ImageConfigParser.parse(try ScanFixtures.bytes("oci-config", "containers-image-schema2-config.json"))
        #expect(httpd.user == "" && httpd.runsAsRoot && !httpd.nonNumericUser && httpd.exposedPorts == ["80/tcp"])
        #expect(httpd.envNames == ["HTTPD_ASC_URL", "HTTPD_BZ2_URL", "HTTPD_PREFIX", "HTTPD_SHA1", "HTTPD_VERSION", "PATH"])
        let nginx = try ImageConfigParser.parse(try ScanFixtures.bytes("oci-config", "dockle-nginx.json"))
        #expect(nginx.runsAsRoot && nginx.exposedPorts == ["80/tcp"] && nginx.secretEnv.isEmpty)
    }

    @Test(arguments: [
        ("", true, false), ("root", true, true), ("0", true, false), ("00", true, false), ("0:0", true, false), ("0:1000", true, false),
        ("root:root", true, true), (":1000", true, false), ("1000", false, false), ("65532", false, false), ("1000:1000", false, false),
        ("app", false, true), ("app:app", false, true), ("nova", false, true),
    ])
    func userDecidesRootAndNumericness(user: String, root: Bool, nonNumeric: Bool) throws {
        let facts = try ImageConfigParser.parse(try ScanFixtures.encode(["config": ["User": user]]))
        #expect(facts.user == user)
        #expect(facts.runsAsRoot == root)
        #expect(facts.nonNumericUser == nonNumeric)
    }

    @Test func aMissingOrNullConfigRunsAsRoot() throws {
        let noConfig = try ImageConfigParser.parse(Array(#"{"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}}"#.utf8))
        #expect(noConfig.runsAsRoot && noConfig.user == "")
        let nullConfig = try ImageConfigParser.parse(Array(#"{"os": "linux", "config": null}"#.utf8))
        #expect(nullConfig.runsAsRoot)
    }

    @Test(arguments: [
        (#"{"Test": ["CMD", "curl", "-f", "http://localhost/"], "Interval": 30000000000}"#, true), (#"{"Test": ["CMD-SHELL", "pg_isready"]}"#, true),
        (#"{"Test": ["NONE"]}"#, false), (#"{"Test": []}"#, false), ("{}", false), ("null", false),
    ])
    func healthcheckCountsUnlessDisabled(healthcheck: String, expected: Bool) throws {
        #expect(try ImageConfigParser.parse(Array(#"{"config": {"Healthcheck": \#(healthcheck)}}"#.utf8)).hasHealthcheck == expected)
    }

    @Test func secretEnvIsFoundByNameOrValueAndValuesAreDropped() throws {
        let values = [
            "AKIAIOSFODNN7EXAMPLE", "ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "hunter2-very-secret", "p4ssw0rd-of-the-db",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2J5dGVz", "/usr/local/sbin:/usr/local/bin", "plain-value-123",
        ]
        let config: [String: Any] = [
            "config": [
                "User": "1000", "ExposedPorts": ["8080/tcp": [:] as [String: Any], "9090/udp": [:] as [String: Any]],
                "Env": [
                    "AWS_ID=\(values[0])", "GH=\(values[1])", "API_TOKEN=\(values[2])", "DB_PASSWORD=\(values[3])", "SESSION=\(values[4])",
                    "PATH=\(values[5])", "PLAIN=\(values[6])", "EMPTY=", "NOEQUALS", "PLAIN=again",
                ],
                "Labels": ["org.opencontainers.image.source": "https://example.com/app"], "Entrypoint": ["/app"], "Cmd": ["serve"],
            ]
        ]
        let facts = try ImageConfigParser.parse(try ScanFixtures.encode(config))
        #expect(facts.envNames == ["API_TOKEN", "AWS_ID", "DB_PASSWORD", "EMPTY", "GH", "NOEQUALS", "PATH", "PLAIN", "SESSION"])
        #expect(facts.secretEnv == ["API_TOKEN", "AWS_ID", "DB_PASSWORD", "GH", "SESSION"])
        #expect(facts.exposedPorts == ["8080/tcp", "9090/udp"])
        #expect(!facts.runsAsRoot && !facts.nonNumericUser)
        #expect(facts.entrypoint == ["/app"] && facts.cmd == ["serve"])
        let text = String(describing: facts) + String(reflecting: facts)
        for value in values { #expect(!text.contains(value), "an env value leaked") }
        #expect(!text.contains("again"))
    }

    @Test func bareConfigAndTrivyImageConfigShapesAreAccepted() throws {
        let bare = try ImageConfigParser.parse(
            try ScanFixtures.encode(["User": "app", "Env": ["API_KEY=x"], "ExposedPorts": ["443/tcp": [:] as [String: Any]]]))
        #expect(bare.user == "app" && bare.secretEnv == ["API_KEY"] && bare.exposedPorts == ["443/tcp"])
        let trivy = try ImageConfigParser.parse(
            try ScanFixtures.encode([
                "ImageConfig": ["architecture": "amd64", "os": "linux", "config": ["User": "65532", "Entrypoint": ["/usr/bin/git"]]]
            ]))
        #expect(trivy.user == "65532" && !trivy.runsAsRoot && trivy.entrypoint == ["/usr/bin/git"])
    }

    @Test func otherDocumentsAreRefused() {
        #expect(evidenceError { _ = try ImageConfigParser.parse(Array(#"{"hello": "world"}"#.utf8)) }?.kind == .unsupported)
        #expect(evidenceError { _ = try ImageConfigParser.parse(Array(#"[{"config": {}}]"#.utf8)) }?.kind == .unsupported)
        #expect(evidenceError { _ = try ImageConfigParser.parse(Array(#"{"config": {"User": 0}}"#.utf8)) }?.kind == .invalid)
        #expect(evidenceError { _ = try ImageConfigParser.parse(Array(#"{"config": {"Env": "A=B"}}"#.utf8)) }?.kind == .invalid)
        #expect(evidenceError { _ = try ImageConfigParser.parse(Array(#"{"config": {"#.utf8)) }?.kind == .malformed)
        let deep = Array((#"{"config": {"Labels": "# + String(repeating: "[", count: 100)).utf8)
        #expect(evidenceError { _ = try ImageConfigParser.parse(deep) }?.kind == .malformed)
    }

    @Test func invalidConfigErrorsNeverEchoEnvValues() throws {
        let bytes = try ScanFixtures.encode(["config": ["Env": ["TOKEN=ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 7]]])
        let error = try #require(evidenceError { _ = try ImageConfigParser.parse(bytes) })
        #expect(error.kind == .invalid)
        #expect(!error.message.contains("ghp_") && !String(describing: error).contains("ghp_"))
    }

    @Test(arguments: [
        ("trivy-alpine-distroless.json.golden", "65532", false, [String]()),
        ("trivy-spring4shell-jre11.json.golden", "", true, ["8080/tcp"]),
        ("trivy-fluentd-gems.json.golden", "", true, ["80/tcp"]),
        ("steadybit-checkout-go-trivy-results.json", "", true, ["8085/tcp"]),
        ("trivy-2021-distroless-python27.json.golden", "", true, []),
    ])
    func trivyEmbeddedConfigUsesTheSameRules(name: String, user: String, root: Bool, ports: [String]) throws {
        let raw = try ScanFixtures.json("trivy", name)
        let config = try #require(((raw["Metadata"] as? [String: Any])?["ImageConfig"] as? [String: Any])?["config"] as? [String: Any])
        let expected = RawFacts(config)
        let facts = try #require(try ScanParser.parse(try ScanFixtures.bytes("trivy", name)).imageConfig)
        #expect(facts.user == user && facts.runsAsRoot == root && facts.exposedPorts == ports)
        #expect(facts.envNames == expected.envNames)
        #expect(facts.exposedPorts == expected.ports)
        expectNoEnvValue(in: facts, values: expected.envValues, allowedIn: expected.otherText)
    }

    @Test func grypeEmbeddedConfigIsDecodedFromBase64() throws {
        let name = "defectdojo-grype-check_all_fields.json"
        let target = try #require((try ScanFixtures.json("grype", name)["source"] as? [String: Any])?["target"] as? [String: Any])
        let encoded = try #require(target["config"] as? String)
        let blob = try #require(Data(base64Encoded: encoded))
        let config = try #require((try JSONSerialization.jsonObject(with: blob) as? [String: Any])?["config"] as? [String: Any])
        let expected = RawFacts(config)
        let facts = try #require(try ScanParser.parse(try ScanFixtures.bytes("grype", name)).imageConfig)
        #expect(facts.user == "1001" && !facts.runsAsRoot && !facts.nonNumericUser)
        #expect(facts.envNames == expected.envNames)
        #expect(Set(["DD_ADMIN_PASSWORD", "DD_CELERY_BROKER_PASSWORD", "DD_DATABASE_PASSWORD", "GPG_KEY"]).isSubset(of: facts.secretEnv))
        #expect(facts.secretEnv == expected.envNames.filter(SecretHeuristics.isSecretName))
        let text = String(describing: facts)
        #expect(!text.contains("E3FF2839C048B25C084DEBE9B26995E310250568") && !text.contains("get-pip.py") && !text.contains("amqp"))

        let ports = try #require(try ScanParser.parse(try ScanFixtures.bytes("grype", "analysis-model-grype-alpine-3.18.3.json")).imageConfig)
        #expect(ports.exposedPorts == ["22/tcp", "3000/tcp"] && ports.runsAsRoot)
    }

    @Test func grypeInlineAndUnreadableConfigs() throws {
        func report(config: Any) throws -> ScanReport {
            try ScanParser.parse(try ScanFixtures.encode(["matches": [], "source": ["type": "image", "target": ["config": config]]]))
        }
        #expect(try report(config: ["config": ["User": "app"]]).imageConfig?.nonNumericUser == true)
        #expect(try report(config: "not base64 !!").imageConfig == nil)
        #expect(try report(config: 12).imageConfig == nil)
    }

    private func expectNoEnvValue(
        in facts: ImageConfigFacts, values: [String], allowedIn other: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let text = String(describing: facts)
        for value in values where value.count >= 4 && !other.contains(value) {
            #expect(!text.contains(value), "env value leaked into the facts", sourceLocation: sourceLocation)
        }
    }
}
