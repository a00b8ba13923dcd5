import Domain

/// Understands the non-provenance predicates Shipgate uses as evidence: cosign vulnerability attestations
/// (a *signed* scan) and SBOM predicates; everything else is kept as opaque.
enum PredicateSummarizer {
    /// `cosign attest --type vuln` (sigstore/cosign `specs/ATTESTATION_SPEC.md`).
    static let cosignVulnerabilityType = "https://cosign.sigstore.dev/attestation/vuln/v1"
    /// `cosign attest --type spdx|spdxjson|cyclonedx`, and the versioned forms other tools write.
    private static let sbomTypes: Set<String> = ["https://spdx.dev/Document", "https://cyclonedx.org/bom"]
    private static let sbomTypePrefixes = ["https://spdx.dev/Document/v", "https://cyclonedx.org/bom/v"]

    /// Whether `predicateType` names an SBOM document predicate.
    static func isSBOM(_ predicateType: String) -> Bool {
        sbomTypes.contains(predicateType) || sbomTypePrefixes.contains { predicateType.hasPrefix($0) }
    }

    /// The summary of a non-provenance predicate, read from its bytes inside the verified payload.
    /// - Throws: a rejection when a vulnerability or SBOM predicate does not hold a report Shipgate can read;
    ///   a signed document that claims to be a scan but cannot be read must not pass as "opaque".
    static func summarize(predicateType: String, predicate: ArraySlice<UInt8>?) throws(AttestationRejection) -> PredicateSummary {
        if predicateType == cosignVulnerabilityType { return .vulnerabilityScan(try vulnerabilityScan(predicate ?? [])) }
        if isSBOM(predicateType) { return .sbom(try sbom(predicate ?? [])) }
        return .opaque
    }

    /// `predicate.scanner.result` holds the scanner's full JSON (e.g. Trivy SchemaVersion 2). The spec text says
    /// `scanners[]` while cosign's code writes `scanner`, so both are read. The result's own bytes are handed to
    /// `ScanParser`, so the scan is read exactly as it was signed.
    private static func vulnerabilityScan(_ predicate: ArraySlice<UInt8>) throws(AttestationRejection) -> ScanReport {
        let prefix = "cosign vulnerability predicate: "
        var scanner = try member("scanner", of: predicate, expecting: .object, at: prefix)
        if scanner == nil, let scanners = try member("scanners", of: predicate, expecting: .array, at: prefix),
            let first = JSONSlice.element(0, of: scanners)
        {
            guard JSONSlice.kind(of: first) == .object else {
                throw AttestationRejection(prefix + "scanners[0] must be an object, not \(JSONSlice.kind(of: first)?.description ?? "empty")")
            }
            scanner = first
        }
        guard let scanner else { throw AttestationRejection(prefix + "scanner is missing") }
        guard let result = try member("result", of: scanner, expecting: .object, at: prefix + "scanner.") else {
            throw AttestationRejection(prefix + "scanner.result is missing")
        }
        var report: ScanReport
        do {
            report = try ScanParser.parse(Array(result), format: nil)
        } catch {
            throw AttestationRejection(prefix + "scanner.result: \(error.message)")
        }
        // The report may not say when it ran; the signed predicate's metadata does.
        if report.scannedAt == nil, let metadata = try member("metadata", of: predicate, expecting: .object, at: prefix),
            let fields = JSONValue.decode(metadata)?.objectValue
        {
            report.scannedAt = try fields.optionalTime("scanFinishedOn", at: prefix + "metadata.")
        }
        return report
    }

    private static func sbom(_ predicate: ArraySlice<UInt8>) throws(AttestationRejection) -> SBOMSummary {
        guard JSONSlice.hasMembers(predicate) else {
            throw AttestationRejection("SBOM predicate: the predicate is empty")
        }
        do {
            return try SBOMParser.parse(Array(predicate))
        } catch {
            throw AttestationRejection("SBOM predicate: \(error.message)")
        }
    }

    /// Member `key` of the object `text` when present and not null; a value of another kind is a rejection.
    private static func member(
        _ key: String, of text: ArraySlice<UInt8>, expecting kind: JSONSlice.Kind, at path: String
    ) throws(AttestationRejection) -> ArraySlice<UInt8>? {
        guard let value = JSONSlice.member(key, of: text), let found = JSONSlice.kind(of: value), found != .null else { return nil }
        guard found == kind else { throw AttestationRejection("\(path)\(key) must be \(kind.description), not \(found.description)") }
        return value
    }
}
