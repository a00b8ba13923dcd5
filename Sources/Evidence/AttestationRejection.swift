/// One client-safe reason an attestation is not accepted; thrown inside verification and collected into
/// `AttestationVerdict.rejected` (a rejection is a verdict, not an error the caller must handle).
struct AttestationRejection: Error, Sendable, Equatable {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
