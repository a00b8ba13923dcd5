import Domain

/// Turns a parsed JSON document into a validated `EnvironmentPolicy`, naming the JSON path of the first problem.
struct PolicyReader {
    static let topLevelFields = ["mode", "validForHours", "attestations", "vulnerabilities", "imageConfig", "sbom", "approvals", "promotion"]
    static let attestationFields = ["predicateTypes", "minSigners", "keys", "builderIds", "sourceRepositories"]
    static let vulnerabilityFields = ["max", "onlyFixable", "scanMaxAgeHours", "requireSigned"]
    static let imageConfigFields = [
        "forbidRoot", "forbidNonNumericUser", "allowedPorts", "forbidSecretEnv", "forbidSecretFindings", "requireHealthcheck",
    ]
    static let sbomFields = ["required"]
    static let approvalFields = ["count", "role", "distinctFromPosters"]
    static let promotionFields = ["requireClearedIn"]

    static let maxAttestationRules = 32
    /// An empty restriction list would allow nothing, which is never what was meant.
    private static let anyHint = "must not be empty; omit it to allow any"
    static let maxListEntries = 64
    static let maxStringBytes = 512

    /// The policy's own environment; nil when decoding without that context (Codable).
    let environment: String?
    /// Environments `promotion` may name; nil when decoding without that context (Codable).
    let knownEnvironments: Set<String>?

    func policy(_ document: PolicyJSON) throws(PolicyError) -> EnvironmentPolicy {
        guard case .object(let members) = document else { throw PolicyError("policy must be a JSON object, found \(document.kindName)") }
        try Self.refuseUnknown(members, allowed: Self.topLevelFields, path: "", what: "unknown rule")
        var policy = EnvironmentPolicy()
        if let value = members["mode"] {
            guard case .string(let text) = value, let mode = PolicyMode(rawValue: text) else {
                throw PolicyError("mode: must be \"enforce\" or \"dryRun\"")
            }
            policy.mode = mode
        }
        policy.validForHours = try members["validForHours"].map { v throws(PolicyError) in try Self.integer(v, "validForHours", 1...8760) }
        if let value = members["attestations"] {
            guard case .array(let entries) = value else { throw PolicyError("attestations: must be an array of rules") }
            guard entries.count <= Self.maxAttestationRules else {
                throw PolicyError("attestations: at most \(Self.maxAttestationRules) rules")
            }
            for (offset, entry) in entries.enumerated() {
                policy.attestations.append(try attestationRule(entry, path: "attestations[\(offset)]"))
            }
        }
        policy.vulnerabilities = try members["vulnerabilities"].map { v throws(PolicyError) in try vulnerabilityRule(v) }
        policy.imageConfig = try members["imageConfig"].map { v throws(PolicyError) in try imageConfigRule(v) }
        if let value = members["sbom"] {
            let fields = try Self.object(value, "sbom", allowed: Self.sbomFields)
            policy.sbom = SBOMRule(required: try fields["required"].map { v throws(PolicyError) in try Self.boolean(v, "sbom.required") } ?? true)
        }
        policy.approvals = try members["approvals"].map { v throws(PolicyError) in try approvalRule(v) }
        policy.promotion = try members["promotion"].map { v throws(PolicyError) in try promotionRule(v) }
        return policy
    }

    // MARK: Rules

    private func attestationRule(_ value: PolicyJSON, path: String) throws(PolicyError) -> AttestationRule {
        let fields = try Self.object(value, path, allowed: Self.attestationFields)
        guard let typesValue = fields["predicateTypes"] else {
            throw PolicyError("\(path).predicateTypes: required: list the predicate types that satisfy this rule")
        }
        let types = try Self.stringList(
            typesValue, "\(path).predicateTypes", what: "predicate type URIs", ifEmpty: "must name at least one predicate type")
        for (offset, type) in types.enumerated() where type.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw PolicyError("\(path).predicateTypes[\(offset)]: must not contain spaces or control characters")
        }
        var rule = AttestationRule(predicateTypes: types)
        if let value = fields["minSigners"] { rule.minSigners = try Self.integer(value, "\(path).minSigners", 1...16) }
        if let value = fields["keys"] {
            let keys = try Self.stringList(value, "\(path).keys", what: "key names or ids", ifEmpty: Self.anyHint)
            // Key names follow the naming rule and ids are hex, so anything else can never match a key.
            for (offset, key) in keys.enumerated() where !Naming.isValidName(key) {
                throw PolicyError("\(path).keys[\(offset)]: must be a key name or id")
            }
            rule.keys = keys
        }
        if let value = fields["builderIds"] { rule.builderIDs = try Self.globList(value, "\(path).builderIds") }
        if let value = fields["sourceRepositories"] { rule.sourceRepositories = try Self.globList(value, "\(path).sourceRepositories") }
        return rule
    }

    private func vulnerabilityRule(_ value: PolicyJSON) throws(PolicyError) -> VulnerabilityRule {
        let fields = try Self.object(value, "vulnerabilities", allowed: Self.vulnerabilityFields)
        var rule = VulnerabilityRule()
        if let value = fields["max"] {
            guard case .object(let limits) = value else {
                throw PolicyError("vulnerabilities.max: must be an object like {\"CRITICAL\": 0, \"HIGH\": 0}")
            }
            for key in limits.keys.sorted() {
                guard let severity = Severity(rawValue: key) else {
                    throw PolicyError("vulnerabilities.max.\(Self.shown(key)): unknown severity; use CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN")
                }
                rule.maxCounts[severity] = try Self.integer(limits[key] ?? .null, "vulnerabilities.max.\(key)", 0...1_000_000)
            }
        }
        if let value = fields["onlyFixable"] { rule.onlyFixable = try Self.boolean(value, "vulnerabilities.onlyFixable") }
        if let value = fields["scanMaxAgeHours"] { rule.scanMaxAgeHours = try Self.integer(value, "vulnerabilities.scanMaxAgeHours", 1...8760) }
        if let value = fields["requireSigned"] { rule.requireSigned = try Self.boolean(value, "vulnerabilities.requireSigned") }
        return rule
    }

    private func imageConfigRule(_ value: PolicyJSON) throws(PolicyError) -> ImageConfigRule {
        let fields = try Self.object(value, "imageConfig", allowed: Self.imageConfigFields)
        var rule = ImageConfigRule()
        func flag(_ name: String) throws(PolicyError) -> Bool {
            try fields[name].map { v throws(PolicyError) in try Self.boolean(v, "imageConfig.\(name)") } ?? false
        }
        rule.forbidRoot = try flag("forbidRoot")
        rule.forbidNonNumericUser = try flag("forbidNonNumericUser")
        rule.forbidSecretEnv = try flag("forbidSecretEnv")
        rule.forbidSecretFindings = try flag("forbidSecretFindings")
        rule.requireHealthcheck = try flag("requireHealthcheck")
        if let value = fields["allowedPorts"] {
            guard case .array(let entries) = value else {
                throw PolicyError("imageConfig.allowedPorts: must be an array of ports like \"8080/tcp\"")
            }
            guard entries.count <= Self.maxListEntries else {
                throw PolicyError("imageConfig.allowedPorts: at most \(Self.maxListEntries) entries")
            }
            var ports: [String] = []
            for (offset, entry) in entries.enumerated() {
                guard case .string(let text) = entry, let port = PortSpec.canonical(text, allowBare: false) else {
                    throw PolicyError("imageConfig.allowedPorts[\(offset)]: must be a port and protocol like \"8080/tcp\" or \"53/udp\"")
                }
                ports.append(port)
            }
            rule.allowedPorts = ports
        }
        return rule
    }

    private func approvalRule(_ value: PolicyJSON) throws(PolicyError) -> ApprovalRule {
        let fields = try Self.object(value, "approvals", allowed: Self.approvalFields)
        var rule = ApprovalRule()
        if let value = fields["count"] { rule.count = try Self.integer(value, "approvals.count", 1...10) }
        if let value = fields["role"] {
            guard case .string(let text) = value, let role = Role(rawValue: text), role >= .approver else {
                throw PolicyError("approvals.role: must be \"approver\" or \"admin\"")
            }
            rule.role = role
        }
        if let value = fields["distinctFromPosters"] { rule.distinctFromPosters = try Self.boolean(value, "approvals.distinctFromPosters") }
        return rule
    }

    private func promotionRule(_ value: PolicyJSON) throws(PolicyError) -> PromotionRule {
        let fields = try Self.object(value, "promotion", allowed: Self.promotionFields)
        guard let listValue = fields["requireClearedIn"] else {
            throw PolicyError("promotion.requireClearedIn: required: list the environments that must clear the digest first")
        }
        let environments = try Self.stringList(
            listValue, "promotion.requireClearedIn", what: "environment names", ifEmpty: "must name at least one environment")
        var seen: Set<String> = []
        for (offset, name) in environments.enumerated() {
            let path = "promotion.requireClearedIn[\(offset)]"
            guard seen.insert(name).inserted else { throw PolicyError("\(path): duplicate environment \(Self.shown(name))") }
            if let environment, name == environment {
                throw PolicyError("\(path): a policy cannot require its own environment (\(Self.shown(name)))")
            }
            if let knownEnvironments, !knownEnvironments.contains(name) {
                let known = knownEnvironments.filter { $0 != environment }.sorted()
                throw PolicyError(
                    "\(path): unknown environment \(Self.shown(name)); known: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
            }
        }
        return PromotionRule(requireClearedIn: environments)
    }

    // MARK: Field helpers

    private static func object(_ value: PolicyJSON, _ path: String, allowed: [String]) throws(PolicyError) -> [String: PolicyJSON] {
        guard case .object(let members) = value else { throw PolicyError("\(path): must be an object, found \(value.kindName)") }
        try refuseUnknown(members, allowed: allowed, path: path + ".", what: "unknown field")
        return members
    }

    private static func refuseUnknown(_ members: [String: PolicyJSON], allowed: [String], path: String, what: String) throws(PolicyError) {
        // Sorted so that the same document always names the same first problem.
        if let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw PolicyError("\(path)\(shown(unknown)): \(what); use \(allowed.joined(separator: ", "))")
        }
    }

    private static func integer(_ value: PolicyJSON, _ path: String, _ range: ClosedRange<Int>) throws(PolicyError) -> Int {
        guard case .number(let text) = value, let number = Int(text), range.contains(number) else {
            throw PolicyError("\(path): must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func boolean(_ value: PolicyJSON, _ path: String) throws(PolicyError) -> Bool {
        guard case .bool(let flag) = value else { throw PolicyError("\(path): must be true or false") }
        return flag
    }

    /// A non-empty array of non-empty, bounded strings.
    private static func stringList(_ value: PolicyJSON, _ path: String, what: String, ifEmpty: String) throws(PolicyError) -> [String] {
        guard case .array(let entries) = value else { throw PolicyError("\(path): must be an array of \(what)") }
        guard !entries.isEmpty else { throw PolicyError("\(path): \(ifEmpty)") }
        guard entries.count <= maxListEntries else { throw PolicyError("\(path): at most \(maxListEntries) entries") }
        var strings: [String] = []
        for (offset, entry) in entries.enumerated() {
            guard case .string(let text) = entry, !text.isEmpty else { throw PolicyError("\(path)[\(offset)]: must be a non-empty string") }
            guard text.utf8.count <= maxStringBytes else { throw PolicyError("\(path)[\(offset)]: longer than \(maxStringBytes) bytes") }
            strings.append(text)
        }
        return strings
    }

    private static func globList(_ value: PolicyJSON, _ path: String) throws(PolicyError) -> [String] {
        let patterns = try stringList(value, path, what: "patterns", ifEmpty: anyHint)
        for (offset, pattern) in patterns.enumerated() {
            do throws(PolicyError) {
                _ = try GlobPattern(pattern)
            } catch {
                throw PolicyError("\(path)[\(offset)]: \(error.message)")
            }
        }
        return patterns
    }

    /// A name from the document as it may appear in a message: only when short and plain, so messages never carry odd bytes.
    static func shown(_ text: String) -> String {
        Naming.isValidName(text) ? text : "(an invalid name)"
    }
}
