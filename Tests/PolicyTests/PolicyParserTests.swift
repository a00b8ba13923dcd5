#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain
import Policy
import Testing

@Suite struct PolicyParserTests {
    static let known: Set<String> = ["staging", "production"]

    private func parse(_ json: String, environment: String = "production") throws(PolicyError) -> EnvironmentPolicy {
        try PolicyParser.parse(Array(json.utf8), environment: environment, knownEnvironments: Self.known)
    }

    static let fullExample = """
        {
          "mode": "enforce",
          "validForHours": 168,
          "attestations": [
            {"predicateTypes": ["https://slsa.dev/provenance/v1", "https://slsa.dev/provenance/v0.2"],
             "minSigners": 1,
             "keys": ["ci-signer"],
             "builderIds": ["https://github.com/slsa-framework/*"],
             "sourceRepositories": ["https://github.com/acme/*"]}
          ],
          "vulnerabilities": {"max": {"CRITICAL": 0, "HIGH": 0}, "onlyFixable": false, "scanMaxAgeHours": 168, "requireSigned": false},
          "imageConfig": {"forbidRoot": true, "forbidNonNumericUser": false, "allowedPorts": ["8080/tcp"], "forbidSecretEnv": true,
                          "forbidSecretFindings": true, "requireHealthcheck": false},
          "sbom": {"required": true},
          "approvals": {"count": 1, "role": "approver", "distinctFromPosters": true},
          "promotion": {"requireClearedIn": ["staging"]}
        }
        """

    @Test func acceptsTheFullExampleDocument() throws {
        let policy = try parse(Self.fullExample)
        let expected = EnvironmentPolicy(
            mode: .enforce, validForHours: 168,
            attestations: [
                AttestationRule(
                    predicateTypes: [Fixture.provenanceV1, Fixture.provenanceV02], minSigners: 1, keys: ["ci-signer"],
                    builderIDs: ["https://github.com/slsa-framework/*"], sourceRepositories: ["https://github.com/acme/*"])
            ],
            vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0, .high: 0], onlyFixable: false, scanMaxAgeHours: 168, requireSigned: false),
            imageConfig: ImageConfigRule(forbidRoot: true, allowedPorts: ["8080/tcp"], forbidSecretEnv: true, forbidSecretFindings: true),
            sbom: SBOMRule(required: true), approvals: ApprovalRule(count: 1, role: .approver, distinctFromPosters: true),
            promotion: PromotionRule(requireClearedIn: ["staging"]))
        #expect(policy == expected)
    }

    static let accepted: [(String, EnvironmentPolicy)] = [
        ("{}", EnvironmentPolicy()),
        (" \n{ } \n", EnvironmentPolicy()),
        (#"{"mode":"dryRun"}"#, EnvironmentPolicy(mode: .dryRun)),
        (#"{"sbom":{}}"#, EnvironmentPolicy(sbom: SBOMRule(required: true))),
        (#"{"sbom":{"required":false}}"#, EnvironmentPolicy(sbom: SBOMRule(required: false))),
        (#"{"attestations":[]}"#, EnvironmentPolicy()),
        (#"{"attestations":[{"predicateTypes":["x"]}]}"#, EnvironmentPolicy(attestations: [AttestationRule(predicateTypes: ["x"], minSigners: 1)])),
        (#"{"vulnerabilities":{}}"#, EnvironmentPolicy(vulnerabilities: VulnerabilityRule())),
        (
            #"{"vulnerabilities":{"max":{"UNKNOWN":1000000,"LOW":0}}}"#,
            EnvironmentPolicy(vulnerabilities: VulnerabilityRule(maxCounts: [.unknown: 1_000_000, .low: 0]))
        ),
        (
            #"{"imageConfig":{"allowedPorts":["53/UDP","8080/tcp"]}}"#,
            EnvironmentPolicy(imageConfig: ImageConfigRule(allowedPorts: ["53/udp", "8080/tcp"]))
        ),
        (#"{"approvals":{}}"#, EnvironmentPolicy(approvals: ApprovalRule(count: 1, role: .approver, distinctFromPosters: true))),
        (
            #"{"approvals":{"count":10,"role":"admin","distinctFromPosters":false}}"#,
            EnvironmentPolicy(approvals: ApprovalRule(count: 10, role: .admin, distinctFromPosters: false))
        ),
        (#"{"validForHours":8760}"#, EnvironmentPolicy(validForHours: 8760)),
        (
            #"{"attestations":[{"predicateTypes":["\u0078"],"builderIds":["https://github.com/**"]}]}"#,
            EnvironmentPolicy(attestations: [AttestationRule(predicateTypes: ["x"], builderIDs: ["https://github.com/**"])])
        ),
    ]

    @Test(arguments: accepted)
    func acceptsValidDocuments(json: String, expected: EnvironmentPolicy) throws {
        #expect(try parse(json) == expected)
    }

    static let rejected: [(String, String)] = [
        ("[]", "policy must be a JSON object, found an array"),
        ("", "policy is not valid JSON: unexpected end of input at byte 0"),
        (#"{"mode":"#, "policy is not valid JSON: unexpected end of input at byte 8"),
        (#"{"mode":"enforce","mode":"dryRun"}"#, "policy is not valid JSON: duplicate member name at byte 18"),
        ("{} x", "policy is not valid JSON: unexpected data after the JSON document at byte 3"),
        (#"{"mode":'enforce'}"#, "policy is not valid JSON: unexpected character at byte 8"),
        ("{\"mode\":\"a\u{01}\"}", "policy is not valid JSON: control character in a string at byte 10"),
        (#"{"validForHours":01}"#, "policy is not valid JSON: expected ',' or '}' at byte 18"),
        (#"{"foo":1}"#, "foo: unknown rule; use mode, validForHours, attestations, vulnerabilities, imageConfig, sbom, approvals, promotion"),
        (
            #"{"x y":1}"#,
            "(an invalid name): unknown rule; use mode, validForHours, attestations, vulnerabilities, imageConfig, sbom, approvals, promotion"
        ),
        (#"{"mode":"audit"}"#, #"mode: must be "enforce" or "dryRun""#),
        (#"{"validForHours":0}"#, "validForHours: must be an integer from 1 to 8760"),
        (#"{"validForHours":8761}"#, "validForHours: must be an integer from 1 to 8760"),
        (#"{"validForHours":1.5}"#, "validForHours: must be an integer from 1 to 8760"),
        (#"{"validForHours":1e2}"#, "validForHours: must be an integer from 1 to 8760"),
        (#"{"validForHours":"24"}"#, "validForHours: must be an integer from 1 to 8760"),
        (#"{"validForHours":null}"#, "validForHours: must be an integer from 1 to 8760"),
        (#"{"attestations":{}}"#, "attestations: must be an array of rules"),
        (#"{"attestations":[1]}"#, "attestations[0]: must be an object, found a number"),
        (#"{"attestations":[{}]}"#, "attestations[0].predicateTypes: required: list the predicate types that satisfy this rule"),
        (#"{"attestations":[{"predicateTypes":[]}]}"#, "attestations[0].predicateTypes: must name at least one predicate type"),
        (#"{"attestations":[{"predicateTypes":"x"}]}"#, "attestations[0].predicateTypes: must be an array of predicate type URIs"),
        (#"{"attestations":[{"predicateTypes":["a b"]}]}"#, "attestations[0].predicateTypes[0]: must not contain spaces or control characters"),
        (#"{"attestations":[{"predicateTypes":["x"],"minSigners":0}]}"#, "attestations[0].minSigners: must be an integer from 1 to 16"),
        (
            #"{"attestations":[{"predicateTypes":["x"]},{"predicateTypes":["x"],"minSigners":17}]}"#,
            "attestations[1].minSigners: must be an integer from 1 to 16"
        ),
        (
            #"{"attestations":[{"predicateTypes":["x"],"signers":1}]}"#,
            "attestations[0].signers: unknown field; use predicateTypes, minSigners, keys, builderIds, sourceRepositories"
        ),
        (#"{"attestations":[{"predicateTypes":["x"],"keys":[]}]}"#, "attestations[0].keys: must not be empty; omit it to allow any"),
        (#"{"attestations":[{"predicateTypes":["x"],"keys":[""]}]}"#, "attestations[0].keys[0]: must be a non-empty string"),
        (#"{"attestations":[{"predicateTypes":["x"],"keys":["ci signer"]}]}"#, "attestations[0].keys[0]: must be a key name or id"),
        (
            #"{"attestations":[{"predicateTypes":["x"],"builderIds":["https://***"]}]}"#,
            "attestations[0].builderIds[0]: invalid pattern: use * (no '/') or ** (any path), not 3 stars"
        ),
        (
            #"{"attestations":[{"predicateTypes":["x"],"sourceRepositories":["a b"]}]}"#,
            "attestations[0].sourceRepositories[0]: must not contain spaces or control characters"
        ),
        (#"{"vulnerabilities":[]}"#, "vulnerabilities: must be an object, found an array"),
        (#"{"vulnerabilities":{"max":{"SEVERE":1}}}"#, "vulnerabilities.max.SEVERE: unknown severity; use CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN"),
        (#"{"vulnerabilities":{"max":{"critical":1}}}"#, "vulnerabilities.max.critical: unknown severity; use CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN"),
        (#"{"vulnerabilities":{"max":[0]}}"#, #"vulnerabilities.max: must be an object like {"CRITICAL": 0, "HIGH": 0}"#),
        (#"{"vulnerabilities":{"max":{"CRITICAL":-1}}}"#, "vulnerabilities.max.CRITICAL: must be an integer from 0 to 1000000"),
        (#"{"vulnerabilities":{"max":{"HIGH":1000001}}}"#, "vulnerabilities.max.HIGH: must be an integer from 0 to 1000000"),
        (#"{"vulnerabilities":{"scanMaxAgeHours":0}}"#, "vulnerabilities.scanMaxAgeHours: must be an integer from 1 to 8760"),
        (#"{"vulnerabilities":{"onlyFixable":"yes"}}"#, "vulnerabilities.onlyFixable: must be true or false"),
        (#"{"vulnerabilities":{"requireSigned":1}}"#, "vulnerabilities.requireSigned: must be true or false"),
        (#"{"vulnerabilities":{"maxAge":1}}"#, "vulnerabilities.maxAge: unknown field; use max, onlyFixable, scanMaxAgeHours, requireSigned"),
        (#"{"imageConfig":{"allowedPorts":["8080"]}}"#, #"imageConfig.allowedPorts[0]: must be a port and protocol like "8080/tcp" or "53/udp""#),
        (
            #"{"imageConfig":{"allowedPorts":["8080/tcp","70000/tcp"]}}"#,
            #"imageConfig.allowedPorts[1]: must be a port and protocol like "8080/tcp" or "53/udp""#
        ),
        (#"{"imageConfig":{"allowedPorts":["80/icmp"]}}"#, #"imageConfig.allowedPorts[0]: must be a port and protocol like "8080/tcp" or "53/udp""#),
        (#"{"imageConfig":{"allowedPorts":["080/tcp"]}}"#, #"imageConfig.allowedPorts[0]: must be a port and protocol like "8080/tcp" or "53/udp""#),
        (#"{"imageConfig":{"allowedPorts":"8080/tcp"}}"#, #"imageConfig.allowedPorts: must be an array of ports like "8080/tcp""#),
        (#"{"imageConfig":{"forbidRoot":"true"}}"#, "imageConfig.forbidRoot: must be true or false"),
        (
            #"{"imageConfig":{"forbidPrivileged":true}}"#,
            "imageConfig.forbidPrivileged: unknown field; use forbidRoot, forbidNonNumericUser, allowedPorts, forbidSecretEnv, forbidSecretFindings, requireHealthcheck"
        ),
        (#"{"sbom":true}"#, "sbom: must be an object, found a boolean"),
        (#"{"sbom":{"required":"true"}}"#, "sbom.required: must be true or false"),
        (#"{"sbom":{"format":"spdx"}}"#, "sbom.format: unknown field; use required"),
        (#"{"approvals":{"count":0}}"#, "approvals.count: must be an integer from 1 to 10"),
        (#"{"approvals":{"count":11}}"#, "approvals.count: must be an integer from 1 to 10"),
        (#"{"approvals":{"role":"viewer"}}"#, #"approvals.role: must be "approver" or "admin""#),
        (#"{"approvals":{"role":"owner"}}"#, #"approvals.role: must be "approver" or "admin""#),
        (#"{"approvals":{"distinctFromPosters":"no"}}"#, "approvals.distinctFromPosters: must be true or false"),
        (#"{"approvals":{"quorum":2}}"#, "approvals.quorum: unknown field; use count, role, distinctFromPosters"),
        (#"{"promotion":{}}"#, "promotion.requireClearedIn: required: list the environments that must clear the digest first"),
        (#"{"promotion":{"requireClearedIn":[]}}"#, "promotion.requireClearedIn: must name at least one environment"),
        (#"{"promotion":{"requireClearedIn":["qa"]}}"#, "promotion.requireClearedIn[0]: unknown environment qa; known: staging"),
        (
            #"{"promotion":{"requireClearedIn":["production"]}}"#,
            "promotion.requireClearedIn[0]: a policy cannot require its own environment (production)"
        ),
        (#"{"promotion":{"requireClearedIn":["staging","staging"]}}"#, "promotion.requireClearedIn[1]: duplicate environment staging"),
        (#"{"promotion":{"requireClearedIn":["staging"],"after":"1h"}}"#, "promotion.after: unknown field; use requireClearedIn"),
    ]

    @Test(arguments: rejected)
    func refusesInvalidDocumentsWithAPreciseMessage(json: String, message: String) {
        #expect(throws: PolicyError(message)) { try parse(json) }
    }

    @Test func refusesDeepNestingAndOversizedDocuments() {
        let deep = #"{"attestations":"# + String(repeating: "[", count: 40)
        #expect(throws: PolicyError("policy is not valid JSON: nested deeper than 32 levels at byte 47")) { try parse(deep) }
        let huge = "{" + String(repeating: " ", count: 300_000) + "}"
        #expect(throws: PolicyError("policy is larger than 262144 bytes")) { try parse(huge) }
    }

    @Test func errorMessagesNeverEchoOddInput() throws {
        let error = try #require(throws: PolicyError.self) { try parse(#"{"<script>alert(1)</script>":1}"#) }
        #expect(!error.message.contains("<script>"))
        let unknownEnvironment = try #require(throws: PolicyError.self) {
            try parse(#"{"promotion":{"requireClearedIn":["\"quoted\""]}}"#)
        }
        #expect(unknownEnvironment.message == "promotion.requireClearedIn[0]: unknown environment (an invalid name); known: staging")
    }

    @Test func defaultsRoundTripThroughEncodeAndParse() throws {
        let defaults = PolicyParser.defaults()
        #expect(Set(defaults.keys) == ["staging", "production"])
        for (environment, policy) in defaults {
            let reparsed = try PolicyParser.parse(PolicyParser.encode(policy), environment: environment, knownEnvironments: Self.known)
            #expect(reparsed == policy, "\(environment)")
        }
    }

    @Test func defaultsMatchTheDesign() throws {
        let defaults = PolicyParser.defaults()
        let staging = try #require(defaults["staging"])
        let production = try #require(defaults["production"])
        let provenance = AttestationRule(predicateTypes: [Fixture.provenanceV1, Fixture.provenanceV02], minSigners: 1)
        #expect(staging == EnvironmentPolicy(attestations: [provenance], vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0])))
        #expect(
            production
                == EnvironmentPolicy(
                    attestations: [provenance], vulnerabilities: VulnerabilityRule(maxCounts: [.critical: 0, .high: 0], scanMaxAgeHours: 168),
                    imageConfig: ImageConfigRule(forbidRoot: true), approvals: ApprovalRule(count: 1, role: .approver, distinctFromPosters: true),
                    promotion: PromotionRule(requireClearedIn: ["staging"])))
    }

    @Test func encodesCanonicalJSONWithSortedKeysAndExplicitDefaults() throws {
        let staging = try #require(PolicyParser.defaults()["staging"])
        let text = String(decoding: PolicyParser.encode(staging), as: UTF8.self)
        #expect(
            text
                == #"{"attestations":[{"minSigners":1,"predicateTypes":["https://slsa.dev/provenance/v1","https://slsa.dev/provenance/v0.2"]}],"mode":"enforce","vulnerabilities":{"max":{"CRITICAL":0},"onlyFixable":false,"requireSigned":false}}"#
        )
        #expect(String(decoding: PolicyParser.encode(EnvironmentPolicy()), as: UTF8.self) == #"{"mode":"enforce"}"#)
    }

    @Test func encodingIsStableAcrossParseAndEncode() throws {
        let once = PolicyParser.encode(try parse(Self.fullExample))
        let twice = PolicyParser.encode(try PolicyParser.parse(once, environment: "production", knownEnvironments: Self.known))
        #expect(once == twice)
    }

    @Test func encodesStringsSafely() throws {
        let policy = EnvironmentPolicy(attestations: [AttestationRule(predicateTypes: ["quote\"back\\slash/é"])])
        let encoded = PolicyParser.encode(policy)
        #expect(try PolicyParser.parse(encoded, environment: "staging", knownEnvironments: []).attestations == policy.attestations)
        #expect(String(decoding: encoded, as: UTF8.self).contains(#"quote\"back\\slash/é"#))
        let control = EnvironmentPolicy(attestations: [AttestationRule(predicateTypes: ["bell\u{7}\n"])])
        #expect(String(decoding: PolicyParser.encode(control), as: UTF8.self).contains(#"bell\u0007\n"#))
    }

    @Test func codableRoundTripsAndValidates() throws {
        let production = try #require(PolicyParser.defaults()["production"])
        let data = try JSONEncoder().encode(production)
        #expect(try JSONDecoder().decode(EnvironmentPolicy.self, from: data) == production)
        #expect(throws: PolicyError("approvals.count: must be an integer from 1 to 10")) {
            try JSONDecoder().decode(EnvironmentPolicy.self, from: Data(#"{"approvals":{"count":0}}"#.utf8))
        }
        #expect(
            throws: PolicyError(
                "bogus: unknown rule; use mode, validForHours, attestations, vulnerabilities, imageConfig, sbom, approvals, promotion")
        ) {
            try JSONDecoder().decode(EnvironmentPolicy.self, from: Data(#"{"bogus":true}"#.utf8))
        }
    }

    @Test func hasRulesOnlyWhenSomeRuleProducesAReason() {
        #expect(!EnvironmentPolicy().hasRules)
        #expect(!EnvironmentPolicy(mode: .dryRun, validForHours: 24).hasRules)
        #expect(!EnvironmentPolicy(sbom: SBOMRule(required: false)).hasRules)
        #expect(EnvironmentPolicy(sbom: SBOMRule(required: true)).hasRules)
        #expect(EnvironmentPolicy(imageConfig: ImageConfigRule()).hasRules)
    }
}
