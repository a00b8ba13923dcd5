import Domain

extension EnvironmentPolicy {
    /// The canonical document: every set field written out, defaults included, so a stored policy reads unambiguously.
    var json: PolicyJSON {
        var members: [String: PolicyJSON] = ["mode": .string(mode.rawValue)]
        if let validForHours { members["validForHours"] = .number(String(validForHours)) }
        if !attestations.isEmpty { members["attestations"] = .array(attestations.map(\.json)) }
        if let vulnerabilities { members["vulnerabilities"] = vulnerabilities.json }
        if let imageConfig { members["imageConfig"] = imageConfig.json }
        if let sbom { members["sbom"] = .object(["required": .bool(sbom.required)]) }
        if let approvals {
            members["approvals"] = .object([
                "count": .number(String(approvals.count)), "role": .string(approvals.role.rawValue),
                "distinctFromPosters": .bool(approvals.distinctFromPosters),
            ])
        }
        if let promotion { members["promotion"] = .object(["requireClearedIn": .array(promotion.requireClearedIn.map { .string($0) })]) }
        return .object(members)
    }
}

extension AttestationRule {
    fileprivate var json: PolicyJSON {
        var members: [String: PolicyJSON] = [
            "predicateTypes": .array(predicateTypes.map { .string($0) }), "minSigners": .number(String(minSigners)),
        ]
        if let keys { members["keys"] = .array(keys.map { .string($0) }) }
        if let builderIDs { members["builderIds"] = .array(builderIDs.map { .string($0) }) }
        if let sourceRepositories { members["sourceRepositories"] = .array(sourceRepositories.map { .string($0) }) }
        return .object(members)
    }
}

extension VulnerabilityRule {
    fileprivate var json: PolicyJSON {
        var members: [String: PolicyJSON] = [
            "max": .object(Dictionary(uniqueKeysWithValues: maxCounts.map { ($0.key.rawValue, PolicyJSON.number(String($0.value))) })),
            "onlyFixable": .bool(onlyFixable), "requireSigned": .bool(requireSigned),
        ]
        if let scanMaxAgeHours { members["scanMaxAgeHours"] = .number(String(scanMaxAgeHours)) }
        return .object(members)
    }
}

extension ImageConfigRule {
    fileprivate var json: PolicyJSON {
        var members: [String: PolicyJSON] = [
            "forbidRoot": .bool(forbidRoot), "forbidNonNumericUser": .bool(forbidNonNumericUser), "forbidSecretEnv": .bool(forbidSecretEnv),
            "forbidSecretFindings": .bool(forbidSecretFindings), "requireHealthcheck": .bool(requireHealthcheck),
        ]
        if let allowedPorts { members["allowedPorts"] = .array(allowedPorts.map { .string($0) }) }
        return .object(members)
    }
}
