import Domain

extension PolicyEvaluator {
    /// Requires an image config, then one reason per enabled check; secret findings are judged on the newest scans.
    static func imageConfigOutcome(_ rule: ImageConfigRule, input: PolicyInput, evidence: ImageEvidence) -> RuleOutcome {
        var outcome = RuleOutcome()
        if let config = newestConfig(evidence.configs) {
            outcome.add(configChecks(rule, facts: config.facts))
            if outcome.reasons.isEmpty && !rule.forbidSecretFindings {
                outcome.pass("imageConfig", "image config posted (from \(DecisionText.clip(config.source, max: 20)); no checks enabled)")
            }
        } else {
            outcome.fail("imageConfig", "no image config: post the OCI config to /api/v1/images/\(input.digest)/config")
        }
        if rule.forbidSecretFindings { outcome.add(secretFindingsCheck(evidence)) }
        return outcome
    }

    private static func configChecks(_ rule: ImageConfigRule, facts: ImageConfigFacts) -> RuleOutcome {
        var outcome = RuleOutcome()
        let user = DecisionText.clip(facts.user, max: 64)
        let userPart = facts.user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let numeric = !userPart.isEmpty && userPart.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        if rule.forbidRoot {
            // Recomputed as well as read: either saying root is enough to fail.
            let root = facts.runsAsRoot || userPart.isEmpty || userPart == "root" || (numeric && userPart.utf8.allSatisfy { $0 == 0x30 })
            if root {
                outcome.fail("imageConfig", "runs as root (user \"\(user)\"): set a non-root USER")
            } else {
                outcome.pass("imageConfig", "runs as non-root user \"\(user)\"")
            }
        }
        if rule.forbidNonNumericUser {
            if facts.nonNumericUser || (!userPart.isEmpty && !numeric) {
                outcome.fail(
                    "imageConfig", "runs as user name \"\(user)\": set a numeric USER (uid) so Kubernetes runAsNonRoot can verify it")
            } else {
                outcome.pass("imageConfig", "user \"\(user)\" is numeric or unset")
            }
        }
        if let allowed = rule.allowedPorts {
            let allowedSet = Set(allowed.compactMap { PortSpec.canonical($0, allowBare: false) })
            // A port that cannot be read is never allowed.
            let refused = facts.exposedPorts.filter { port in PortSpec.canonical(port, allowBare: true).map { !allowedSet.contains($0) } ?? true }
            if !refused.isEmpty {
                let allowedText = allowed.isEmpty ? "none" : DecisionText.list(allowed)
                outcome.fail(
                    "imageConfig",
                    "exposes ports the policy does not allow: \(DecisionText.list(refused)) (allowed: \(allowedText)): remove the EXPOSE or allow the port"
                )
            } else if facts.exposedPorts.isEmpty {
                outcome.pass("imageConfig", "exposes no ports")
            } else {
                outcome.pass("imageConfig", "exposes only allowed ports: \(DecisionText.list(facts.exposedPorts))")
            }
        }
        if rule.forbidSecretEnv {
            // Names only: the facts hold no values, and a message must never carry one.
            if facts.secretEnv.isEmpty {
                outcome.pass("imageConfig", "no env names that look like secrets")
            } else {
                outcome.fail(
                    "imageConfig",
                    "env names that look like secrets: \(DecisionText.list(facts.secretEnv)): pass secrets at run time, never bake them into the image"
                )
            }
        }
        if rule.requireHealthcheck {
            if facts.hasHealthcheck {
                outcome.pass("imageConfig", "has a HEALTHCHECK")
            } else {
                outcome.fail("imageConfig", "no HEALTHCHECK: add one to the image")
            }
        }
        return outcome
    }

    private static func secretFindingsCheck(_ evidence: ImageEvidence) -> RuleOutcome {
        var outcome = RuleOutcome()
        let newest = newestScanPerScanner(evidence.scans)
        guard !newest.isEmpty else {
            outcome.fail("imageConfig", "no scan to check for secrets: post a Trivy report with secret scanning")
            return outcome
        }
        // Any non-zero count fails, a negative (impossible) one included.
        let withSecrets = newest.filter { $0.secrets != 0 }
        if withSecrets.isEmpty {
            outcome.pass("imageConfig", "no secrets found by \(DecisionText.list(newest.map(\.scanner)))")
        } else {
            let found = withSecrets.map { "\(DecisionText.clip($0.scanner, max: 40)) found \(DecisionText.count(max($0.secrets, 0), "secret"))" }
            outcome.fail("imageConfig", "\(found.joined(separator: ", ")) in the image: remove and rotate them, then rescan")
        }
        return outcome
    }

    /// The most recently received config of any source (the first listed wins a tie, the list being newest first).
    static func newestConfig(_ configs: [ConfigRecord]) -> ConfigRecord? {
        var newest: ConfigRecord?
        for config in configs where newest.map({ config.receivedAt > $0.receivedAt }) ?? true { newest = config }
        return newest
    }

    /// One reason: at least one SBOM.
    static func sbomOutcome(evidence: ImageEvidence) -> RuleOutcome {
        var outcome = RuleOutcome()
        var newest: SBOMRecord?
        for sbom in evidence.sboms where newest.map({ sbom.receivedAt > $0.receivedAt }) ?? true { newest = sbom }
        if let newest {
            outcome.pass("sbom", "SBOM posted (\(newest.format.rawValue), \(DecisionText.count(newest.componentCount, "component")))")
        } else {
            outcome.fail("sbom", "no SBOM: post a CycloneDX or SPDX document to /api/v1/sboms")
        }
        return outcome
    }
}
