import Domain

extension PolicyEvaluator {
    /// One reason per attestation rule: distinct active trusted keys over records of the listed types that match the patterns.
    static func attestationOutcome(_ rule: AttestationRule, input: PolicyInput, evidence: ImageEvidence) -> RuleOutcome {
        var outcome = RuleOutcome()
        let needed = max(rule.minSigners, 1)
        let typesText = rule.predicateTypes.joined(separator: " or ")
        guard !rule.predicateTypes.isEmpty else {
            outcome.fail("attestations", "an attestation rule names no predicate types and can never pass: fix the policy")
            return outcome
        }
        // An invalid pattern (only possible in a policy built without the parser) matches nothing.
        let builderGlobs = rule.builderIDs.map { $0.compactMap { try? GlobPattern($0) } }
        let sourceGlobs = rule.sourceRepositories.map { $0.compactMap { try? GlobPattern($0) } }
        let types = Set(rule.predicateTypes)

        var unmatched = 0
        var signers: [String: String] = [:]  // key id → name
        var untrusted: Set<String> = []
        var notListed: Set<String> = []
        for record in evidence.attestations where types.contains(record.predicateType) {
            if let builderGlobs {
                guard let builder = record.provenance?.builderID, builderGlobs.contains(where: { $0.matches(builder) }) else {
                    unmatched += 1
                    continue
                }
            }
            if let sourceGlobs {
                guard let source = record.provenance?.sourceRepository, sourceGlobs.contains(where: { $0.matches(source) }) else {
                    unmatched += 1
                    continue
                }
            }
            for key in record.keys {
                guard key.active, let name = input.activeKeys[key.id] else {
                    untrusted.insert(key.name)
                    continue
                }
                if let allowed = rule.keys, !allowed.contains(key.id), !allowed.contains(name) {
                    notListed.insert(name)
                    continue
                }
                signers[key.id] = name
            }
        }
        let signerNames = signers.values.sorted()
        if signers.count >= needed {
            outcome.pass(
                "attestations", "\(typesText) attestation signed by \(DecisionText.list(signerNames)) (\(signers.count) of \(needed) needed)")
            return outcome
        }

        var by = needed == 1 ? "1 signature by a trusted key" : "\(needed) signatures by distinct trusted keys"
        if let keys = rule.keys { by += " named \(DecisionText.list(keys, separator: " or "))" }
        var constraints: [String] = []
        if let builders = rule.builderIDs { constraints.append("from builder \(DecisionText.list(builders, separator: " or "))") }
        if let sources = rule.sourceRepositories { constraints.append("of source \(DecisionText.list(sources, separator: " or "))") }
        let constraintText = constraints.isEmpty ? "" : " " + constraints.joined(separator: " ")

        var notes: [String] = []
        if unmatched > 0 {
            notes.append("\(DecisionText.count(unmatched, "attestation")) of that type did not match the builder or source patterns")
        }
        if !untrusted.isEmpty { notes.append("revoked or unknown keys do not count: \(DecisionText.list(untrusted.sorted()))") }
        if !notListed.isEmpty { notes.append("keys not named by the policy do not count: \(DecisionText.list(notListed.sorted()))") }
        let noteText = notes.isEmpty ? "" : " (" + notes.joined(separator: "; ") + ")"

        let isProvenance = rule.predicateTypes.allSatisfy { $0.contains("slsa.dev/provenance") }
        let hint: String
        if signers.isEmpty {
            hint = isProvenance ? "post a signed provenance attestation" : "post an attestation of that type signed by a trusted key"
        } else {
            hint = "have \(needed - signers.count) more trusted key\(needed - signers.count == 1 ? "" : "s") sign it"
        }
        outcome.fail(
            "attestations", "needs \(by) on \(typesText) attestations\(constraintText); found \(signers.count)\(noteText): \(hint)")
        return outcome
    }
}
