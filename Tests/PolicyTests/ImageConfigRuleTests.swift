import Domain
import Policy
import Testing

@Suite struct ImageConfigRuleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var rule: ImageConfigRule
        var configs: [ConfigRecord]
        var scans: [ScanRecord] = []
        var reasons: [DecisionReason]
        var testDescription: String { name }
    }

    static func pass(_ message: String) -> DecisionReason { DecisionReason(rule: "imageConfig", passed: true, message: message) }
    static func fail(_ message: String) -> DecisionReason { DecisionReason(rule: "imageConfig", passed: false, message: message) }

    static let noConfig = "no image config: post the OCI config to /api/v1/images/sha256:\(String(repeating: "a", count: 64))/config"

    static let cases: [Case] = [
        Case(name: "no config at all", rule: ImageConfigRule(forbidRoot: true), configs: [], reasons: [fail(noConfig)]),
        Case(name: "an empty rule still needs a config", rule: ImageConfigRule(), configs: [], reasons: [fail(noConfig)]),
        Case(
            name: "an empty rule with a config", rule: ImageConfigRule(), configs: [Fixture.config()],
            reasons: [pass("image config posted (from config; no checks enabled)")]),
        Case(
            name: "root by empty user", rule: ImageConfigRule(forbidRoot: true), configs: [Fixture.config(user: "", runsAsRoot: true)],
            reasons: [fail(#"runs as root (user ""): set a non-root USER"#)]),
        Case(
            name: "root recomputed even when the facts say otherwise", rule: ImageConfigRule(forbidRoot: true),
            configs: [Fixture.config(user: "0:0", runsAsRoot: false)], reasons: [fail(#"runs as root (user "0:0"): set a non-root USER"#)]),
        Case(
            name: "root by name", rule: ImageConfigRule(forbidRoot: true), configs: [Fixture.config(user: "root:wheel", runsAsRoot: true)],
            reasons: [fail(#"runs as root (user "root:wheel"): set a non-root USER"#)]),
        Case(
            name: "numeric non-root user", rule: ImageConfigRule(forbidRoot: true), configs: [Fixture.config(user: "1000:1000")],
            reasons: [pass(#"runs as non-root user "1000:1000""#)]),
        Case(
            name: "the newest config is judged", rule: ImageConfigRule(forbidRoot: true),
            configs: [
                Fixture.config(id: "old", user: "", runsAsRoot: true, receivedAt: Fixture.hoursAgo(5)),
                Fixture.config(id: "new", user: "1000", receivedAt: Fixture.hoursAgo(1)),
            ], reasons: [pass(#"runs as non-root user "1000""#)]),
        Case(
            name: "non-numeric user", rule: ImageConfigRule(forbidNonNumericUser: true), configs: [Fixture.config(user: "app", nonNumericUser: true)],
            reasons: [fail(#"runs as user name "app": set a numeric USER (uid) so Kubernetes runAsNonRoot can verify it"#)]),
        Case(
            name: "numeric user", rule: ImageConfigRule(forbidNonNumericUser: true), configs: [Fixture.config(user: "65532")],
            reasons: [pass(#"user "65532" is numeric or unset"#)]),
        Case(
            name: "a port not allowed", rule: ImageConfigRule(allowedPorts: ["8080/tcp"]), configs: [Fixture.config(ports: ["22/tcp", "8080/tcp"])],
            reasons: [fail("exposes ports the policy does not allow: 22/tcp (allowed: 8080/tcp): remove the EXPOSE or allow the port")]),
        Case(
            name: "allowed ports, bare port read as tcp", rule: ImageConfigRule(allowedPorts: ["8080/tcp", "53/udp"]),
            configs: [Fixture.config(ports: ["53/udp", "8080"])], reasons: [pass("exposes only allowed ports: 53/udp, 8080")]),
        Case(
            name: "an unreadable port is never allowed", rule: ImageConfigRule(allowedPorts: ["8080/tcp"]),
            configs: [Fixture.config(ports: ["http"])],
            reasons: [fail("exposes ports the policy does not allow: http (allowed: 8080/tcp): remove the EXPOSE or allow the port")]),
        Case(
            name: "no ports exposed", rule: ImageConfigRule(allowedPorts: ["8080/tcp"]), configs: [Fixture.config()],
            reasons: [pass("exposes no ports")]),
        Case(
            name: "secret env names are listed, names only", rule: ImageConfigRule(forbidSecretEnv: true),
            configs: [Fixture.config(secretEnv: ["AWS_SECRET_ACCESS_KEY", "DB_PASSWORD"])],
            reasons: [
                fail("env names that look like secrets: AWS_SECRET_ACCESS_KEY, DB_PASSWORD: pass secrets at run time, never bake them into the image")
            ]),
        Case(
            name: "no secret env", rule: ImageConfigRule(forbidSecretEnv: true), configs: [Fixture.config()],
            reasons: [pass("no env names that look like secrets")]),
        Case(
            name: "secret findings in the newest scan", rule: ImageConfigRule(forbidSecretFindings: true), configs: [Fixture.config()],
            scans: [Fixture.scan(secrets: 2)], reasons: [fail("trivy found 2 secrets in the image: remove and rotate them, then rescan")]),
        Case(
            name: "secrets only in an older scan", rule: ImageConfigRule(forbidSecretFindings: true), configs: [Fixture.config()],
            scans: [Fixture.scan(id: "old", scannedAt: Fixture.hoursAgo(9), secrets: 1), Fixture.scan(id: "new")],
            reasons: [pass("no secrets found by trivy")]),
        Case(
            name: "secret findings need a scan", rule: ImageConfigRule(forbidSecretFindings: true), configs: [Fixture.config()],
            reasons: [fail("no scan to check for secrets: post a Trivy report with secret scanning")]),
        Case(
            name: "healthcheck missing", rule: ImageConfigRule(requireHealthcheck: true), configs: [Fixture.config()],
            reasons: [fail("no HEALTHCHECK: add one to the image")]),
        Case(
            name: "healthcheck present", rule: ImageConfigRule(requireHealthcheck: true), configs: [Fixture.config(healthcheck: true)],
            reasons: [pass("has a HEALTHCHECK")]),
        Case(
            name: "every check yields its own reason", rule: ImageConfigRule(forbidRoot: true, allowedPorts: ["8080/tcp"], requireHealthcheck: true),
            configs: [Fixture.config(ports: ["8080/tcp"], healthcheck: true)],
            reasons: [pass(#"runs as non-root user "1000""#), pass("exposes only allowed ports: 8080/tcp"), pass("has a HEALTHCHECK")]),
        Case(
            name: "no config, secret findings still judged", rule: ImageConfigRule(forbidRoot: true, forbidSecretFindings: true), configs: [],
            scans: [Fixture.scan()], reasons: [fail(noConfig), pass("no secrets found by trivy")]),
    ]

    @Test(arguments: cases)
    func judgesTheNewestImageConfig(_ testCase: Case) {
        let decision = PolicyEvaluator.evaluate(
            Fixture.input(
                EnvironmentPolicy(imageConfig: testCase.rule), evidence: Fixture.evidence(scans: testCase.scans, configs: testCase.configs)))
        #expect(decision.reasons == testCase.reasons)
        #expect(decision.cleared == testCase.reasons.allSatisfy(\.passed))
    }

    @Test func sbomRequiredPassesOnlyWithAnSBOM() {
        let policy = EnvironmentPolicy(sbom: SBOMRule(required: true))
        let without = PolicyEvaluator.evaluate(Fixture.input(policy))
        #expect(
            without.reasons == [DecisionReason(rule: "sbom", passed: false, message: "no SBOM: post a CycloneDX or SPDX document to /api/v1/sboms")])
        let with = PolicyEvaluator.evaluate(Fixture.input(policy, evidence: Fixture.evidence(sboms: [Fixture.sbom()])))
        #expect(with.reasons == [DecisionReason(rule: "sbom", passed: true, message: "SBOM posted (cyclonedx, 42 components)")])
        #expect(with.cleared)
    }
}
