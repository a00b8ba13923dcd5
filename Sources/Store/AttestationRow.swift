import Domain

/// The values of an attestation's row that take work to compute (its provenance column), computed before
/// the write: inside it they would hold up the single writer, and every caller of the same group, for nothing.
public struct AttestationRow: Sendable {
    /// The attestation to store.
    public let attestation: VerifiedAttestation
    /// The SHA-256 (hex) of its stored envelope blob.
    public let blobSHA256: String
    let predicateKind: String
    let provenance: String?

    /// Computes the columns of `attestation`, whose envelope is stored as the blob `blobSHA256`.
    public init(_ attestation: VerifiedAttestation, blobSHA256: String) {
        self.attestation = attestation
        self.blobSHA256 = blobSHA256
        switch attestation.predicate {
        case .provenance(let summary):
            predicateKind = "provenance"
            provenance = JSONColumn.provenanceText(summary)
        case .vulnerabilityScan:
            (predicateKind, provenance) = ("vulnerabilityScan", nil)
        case .sbom:
            (predicateKind, provenance) = ("sbom", nil)
        case .opaque:
            (predicateKind, provenance) = ("opaque", nil)
        }
    }
}
