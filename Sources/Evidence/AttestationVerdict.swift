import Domain

/// The outcome of verifying one envelope: a verified attestation, or every reason it was not accepted.
public enum AttestationVerdict: Sendable, Equatable {
    /// At least one active trusted key verified a signature and allowed this statement.
    case verified(VerifiedAttestation)
    /// Client-safe reasons, one per signature and per failed rule, in the order they were found.
    case rejected([String])
}
