#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A subject of an in-toto statement with a sha256 digest.
public struct Subject: Sendable, Equatable, Codable {
    public var name: String
    public var digest: Digest

    public init(name: String, digest: Digest) {
        self.name = name
        self.digest = digest
    }
}

/// What a SLSA provenance predicate says about the build.
public struct ProvenanceSummary: Sendable, Equatable, Codable {
    /// `v1` or `v0.2`.
    public var slsaVersion: String
    public var builderID: String
    public var buildType: String?
    public var sourceRepository: String?
    public var sourceCommit: String?
    public var invocationID: String?
    public var startedOn: Date?
    public var finishedOn: Date?

    public init(
        slsaVersion: String, builderID: String, buildType: String?, sourceRepository: String?, sourceCommit: String?, invocationID: String?,
        startedOn: Date?, finishedOn: Date?
    ) {
        self.slsaVersion = slsaVersion
        self.builderID = builderID
        self.buildType = buildType
        self.sourceRepository = sourceRepository
        self.sourceCommit = sourceCommit
        self.invocationID = invocationID
        self.startedOn = startedOn
        self.finishedOn = finishedOn
    }
}

/// What a verified predicate was understood as.
public enum PredicateSummary: Sendable, Equatable {
    case provenance(ProvenanceSummary)
    /// A cosign vulnerability attestation: a *signed* scan.
    case vulnerabilityScan(ScanReport)
    case sbom(SBOMSummary)
    /// Stored, not interpreted.
    case opaque
}

/// An attestation whose signature verified against at least one active trusted key.
/// Only `Evidence`'s verifier creates these from envelopes.
public struct VerifiedAttestation: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the envelope's canonical content (payloadType + payload + signatures), for idempotency.
    public let id: String
    public let payloadType: String
    /// `https://in-toto.io/Statement/v1` or `…/v0.1`.
    public let statementType: String
    public let predicateType: String
    /// sha256 subjects only.
    public let subjects: [Subject]
    /// Ids of the trusted keys whose signature verified, sorted.
    public let verifiedKeyIDs: [String]
    public let predicate: PredicateSummary
    /// The raw envelope bytes as posted.
    public let envelope: [UInt8]

    public init(
        id: String, payloadType: String, statementType: String, predicateType: String, subjects: [Subject], verifiedKeyIDs: [String],
        predicate: PredicateSummary, envelope: [UInt8]
    ) {
        self.id = id
        self.payloadType = payloadType
        self.statementType = statementType
        self.predicateType = predicateType
        self.subjects = subjects
        self.verifiedKeyIDs = verifiedKeyIDs
        self.predicate = predicate
        self.envelope = envelope
    }
}
