import Domain

/// Reads SLSA provenance predicates into a `ProvenanceSummary`: v1 (slsa-framework/slsa `docs/spec/v1.0/provenance.md`)
/// and the legacy v0.2 that slsa-github-generator and `cosign attest --type slsaprovenance` still emit.
enum SLSAProvenance {
    static let typeV1 = "https://slsa.dev/provenance/v1"
    static let typeV02 = "https://slsa.dev/provenance/v0.2"

    /// Whether `predicateType` is a SLSA provenance version this reader understands.
    static func isProvenance(_ predicateType: String) -> Bool {
        predicateType == typeV1 || predicateType == typeV02
    }

    /// The summary of a provenance predicate; nil when `predicateType` is not provenance.
    /// - Throws: a rejection when the predicate lacks its builder id or has a field of the wrong type.
    static func summarize(predicateType: String, predicate: [String: JSONValue]) throws(AttestationRejection) -> ProvenanceSummary? {
        switch predicateType {
        case typeV1: try summarizeV1(predicate)
        case typeV02: try summarizeV02(predicate)
        default: nil
        }
    }

    private static func summarizeV1(_ predicate: [String: JSONValue]) throws(AttestationRejection) -> ProvenanceSummary {
        let prefix = "SLSA provenance v1: "
        let definition = try predicate.optionalObject("buildDefinition", at: prefix) ?? [:]
        let run = try predicate.optionalObject("runDetails", at: prefix) ?? [:]
        let builder = try run.optionalObject("builder", at: prefix + "runDetails.") ?? [:]
        guard let builderID = try builder.optionalString("id", at: prefix + "runDetails.builder.") else {
            throw AttestationRejection(prefix + "runDetails.builder.id is missing; the builder id is what provenance is trusted for")
        }
        let buildType = try definition.optionalString("buildType", at: prefix + "buildDefinition.")
        let metadata = try run.optionalObject("metadata", at: prefix + "runDetails.") ?? [:]
        let dependencies = try definition.optionalArray("resolvedDependencies", at: prefix + "buildDefinition.") ?? []
        let external = definition["externalParameters"]?.objectValue ?? [:]
        let source = sourceOf(declaredRepository: declaredRepository(external), dependencies: dependencies)
        return ProvenanceSummary(
            slsaVersion: "v1", builderID: builderID, buildType: buildType, sourceRepository: source.repository,
            sourceCommit: source.commit, invocationID: try metadata.optionalString("invocationId", at: prefix + "runDetails.metadata."),
            startedOn: try metadata.optionalTime("startedOn", at: prefix + "runDetails.metadata."),
            finishedOn: try metadata.optionalTime("finishedOn", at: prefix + "runDetails.metadata."))
    }

    private static func summarizeV02(_ predicate: [String: JSONValue]) throws(AttestationRejection) -> ProvenanceSummary {
        let prefix = "SLSA provenance v0.2: "
        let builder = try predicate.optionalObject("builder", at: prefix) ?? [:]
        guard let builderID = try builder.optionalString("id", at: prefix + "builder.") else {
            throw AttestationRejection(prefix + "builder.id is missing; the builder id is what provenance is trusted for")
        }
        let buildType = try predicate.optionalString("buildType", at: prefix)
        let invocation = try predicate.optionalObject("invocation", at: prefix) ?? [:]
        let configSource = try invocation.optionalObject("configSource", at: prefix + "invocation.") ?? [:]
        let metadata = try predicate.optionalObject("metadata", at: prefix) ?? [:]
        let materials = try predicate.optionalArray("materials", at: prefix) ?? []

        var source = (repository: String?.none, commit: String?.none)
        if let uri = try configSource.optionalString("uri", at: prefix + "invocation.configSource.") {
            source.repository = repositoryName(uri)
            source.commit = gitCommit(configSource["digest"]?.objectValue)
        }
        if source.commit == nil {
            source = sourceOf(declaredRepository: source.repository, dependencies: materials)
        }
        // The spec spells it `buildInvocationId`; slsa-github-generator writes `buildInvocationID`.
        var invocationID = try metadata.optionalString("buildInvocationId", at: prefix + "metadata.")
        if invocationID == nil { invocationID = try metadata.optionalString("buildInvocationID", at: prefix + "metadata.") }
        return ProvenanceSummary(
            slsaVersion: "v0.2", builderID: builderID, buildType: buildType, sourceRepository: source.repository,
            sourceCommit: source.commit, invocationID: invocationID,
            startedOn: try metadata.optionalTime("buildStartedOn", at: prefix + "metadata."),
            finishedOn: try metadata.optionalTime("buildFinishedOn", at: prefix + "metadata."))
    }

    /// The source repository named by well-known `externalParameters` shapes (GitHub Actions buildtypes use
    /// `workflow.repository`; others use `source` or `repository`). These are free-form per build type, so
    /// unexpected types are skipped rather than refused.
    private static func declaredRepository(_ external: [String: JSONValue]) -> String? {
        if let repository = external["workflow"]?["repository"]?.stringValue, !repository.isEmpty { return repositoryName(repository) }
        switch external["source"] {
        case .string(let uri)? where !uri.isEmpty:
            return repositoryName(uri)
        case .object(let source)?:
            if let uri = source["uri"]?.stringValue ?? source["repository"]?.stringValue, !uri.isEmpty { return repositoryName(uri) }
        default:
            break
        }
        if let repository = external["repository"]?.stringValue, !repository.isEmpty { return repositoryName(repository) }
        return nil
    }

    /// The repository and commit from resolved dependencies / materials: the git entry for `declaredRepository`
    /// if there is one, else the first git entry carrying a commit.
    private static func sourceOf(declaredRepository: String?, dependencies: [JSONValue]) -> (repository: String?, commit: String?) {
        var firstGit: (repository: String, commit: String)?
        for dependency in dependencies {
            guard let uri = dependency["uri"]?.stringValue, uri.hasPrefix("git+"),
                let commit = gitCommit(dependency["digest"]?.objectValue)
            else { continue }
            let repository = repositoryName(uri)
            if repository == declaredRepository { return (repository, commit) }
            if firstGit == nil { firstGit = (repository, commit) }
        }
        if let declaredRepository { return (declaredRepository, firstGit?.commit) }
        return (firstGit?.repository, firstGit?.commit)
    }

    /// `digest.gitCommit` (v1) or `digest.sha1` (v0.2).
    private static func gitCommit(_ digest: [String: JSONValue]?) -> String? {
        guard let digest else { return nil }
        for key in ["gitCommit", "sha1"] {
            if let commit = digest[key]?.stringValue, !commit.isEmpty { return commit.lowercased() }
        }
        return nil
    }

    /// `git+https://github.com/org/repo@refs/heads/main` → `https://github.com/org/repo`: the `git+` scheme prefix
    /// and the `@ref` suffix after the path are dropped so the same repository compares equal across formats.
    static func repositoryName(_ uri: String) -> String {
        var bytes = Array(uri.utf8)
        if bytes.starts(with: "git+".utf8) { bytes.removeFirst(4) }
        // Only an '@' after the authority is a ref separator; one before the first '/' of the path is userinfo.
        var pathStart = 0
        if let schemeEnd = (0..<max(bytes.count - 2, 0)).first(where: { bytes[$0...].starts(with: "://".utf8) }) {
            pathStart = bytes[(schemeEnd + 3)...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
        }
        if let at = bytes[pathStart...].lastIndex(of: UInt8(ascii: "@")) { bytes.removeSubrange(at...) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
