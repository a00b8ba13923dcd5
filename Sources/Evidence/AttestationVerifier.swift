import Crypto
import Domain

/// Verifies DSSE envelopes against the active trusted keys and turns the accepted ones into `VerifiedAttestation`s.
///
/// Order matters and follows DSSE `protocol.md`: the payload type is checked, then signatures over the PAE,
/// and only then is the payload parsed. Key id hints never select or skip a key; every signature is tried
/// against every active key. Pure and deterministic: no I/O, no clock.
public struct AttestationVerifier: Sendable {
    /// The reason added when a keyless (Fulcio certificate) envelope does not verify.
    static let keylessReason =
        "keyless (certificate) verification is not supported: register the signing public key as a trusted key"

    /// Active keys only, one per id, sorted by id so that outcomes never depend on the caller's order.
    private let keys: [TrustedVerificationKey]

    /// Revoked keys are ignored even if passed, and so is a pair whose registration id is not the id of its
    /// public key (an inconsistent pairing must never lend one key's restrictions to another).
    public init(keys: [TrustedVerificationKey]) {
        var seen: Set<String> = []
        let usable = keys.filter { $0.key.isActive && $0.key.id == $0.publicKey.id && seen.insert($0.key.id).inserted }
        self.keys = usable.sorted { $0.key.id < $1.key.id }
    }

    /// Verifies one envelope; every way it can fail is a `.rejected` verdict with client-safe reasons.
    public func verify(_ envelope: DSSEEnvelope) -> AttestationVerdict {
        guard envelope.payloadType == DSSE.inTotoPayloadType else {
            return .rejected([
                "payloadType \(DisplayText.quoted(envelope.payloadType)) is not supported: expected \(DSSE.inTotoPayloadType)"
            ])
        }

        guard !envelope.signatures.isEmpty else { return .rejected(["the envelope has no signatures"]) }

        let signers: [TrustedVerificationKey]
        switch verifySignatures(of: envelope) {
        case .failure(let rejection): return .rejected(rejection.reasons)
        case .success(let keys): signers = keys
        }

        // Only now, with at least one trusted signature, is the payload worth reading.
        let statement: InTotoStatement
        let provenance: ProvenanceSummary?
        do {
            statement = try InTotoStatement.parse(envelope.payload)
            provenance =
                SLSAProvenance.isProvenance(statement.predicateType)
                ? try SLSAProvenance.summarize(predicateType: statement.predicateType, predicate: statement.predicateObject()) : nil
        } catch {
            return .rejected([error.reason])
        }

        var allowedKeyIDs: [String] = []
        var refusals: [String] = []
        for signer in signers {
            if let refusal = restriction(of: signer.key, on: statement, provenance: provenance) {
                refusals.append(refusal)
            } else {
                allowedKeyIDs.append(signer.key.id)
            }
        }
        guard !allowedKeyIDs.isEmpty else { return .rejected(refusals) }

        let predicate: PredicateSummary
        if let provenance {
            predicate = .provenance(provenance)
        } else {
            do {
                predicate = try PredicateSummarizer.summarize(predicateType: statement.predicateType, predicate: statement.predicateText)
            } catch {
                return .rejected([error.reason])
            }
        }
        return .verified(
            VerifiedAttestation(
                id: envelope.contentID, payloadType: envelope.payloadType, statementType: statement.type,
                predicateType: statement.predicateType, subjects: statement.subjects, verifiedKeyIDs: allowedKeyIDs.sorted(),
                predicate: predicate, envelope: envelope.raw))
    }

    private struct SignatureRejection: Error {
        let reasons: [String]
    }

    /// The distinct active keys that verified at least one signature (sorted by id), or one reason per signature.
    private func verifySignatures(of envelope: DSSEEnvelope) -> Result<[TrustedVerificationKey], SignatureRejection> {
        let message = DSSE.pae(payloadType: envelope.payloadType, payload: envelope.payload)
        var signerIDs: Set<String> = []
        var reasons: [String] = []
        for (index, signature) in envelope.signatures.enumerated() {
            if let signer = firstKey(verifying: signature, message: message) {
                signerIDs.insert(signer.key.id)
            } else {
                var label = "signature \(index + 1)"
                if let hint = signature.keyID, !hint.isEmpty { label += " (keyid hint \(DisplayText.quoted(hint, limit: 80)))" }
                reasons.append(label + ": no active trusted key verifies it")
            }
        }
        guard signerIDs.isEmpty else { return .success(keys.filter { signerIDs.contains($0.key.id) }) }
        if keys.isEmpty { reasons.append("no active trusted key is registered") }
        if envelope.carriesCertificate { reasons.append(Self.keylessReason) }
        return .failure(SignatureRejection(reasons: reasons))
    }

    /// The key that verifies `signature` over `message`. The hinted key (if it is one of ours) is tried first only
    /// to save work; all others are tried after it, so a wrong or hostile hint changes nothing but the order.
    private func firstKey(verifying signature: DSSESignature, message: [UInt8]) -> TrustedVerificationKey? {
        let hinted = keys.firstIndex { $0.key.id == signature.keyID }
        if let hinted, keys[hinted].publicKey.isValidSignature(signature.signature, for: message) { return keys[hinted] }
        for (index, key) in keys.enumerated() where index != hinted {
            if key.publicKey.isValidSignature(signature.signature, for: message) { return key }
        }
        return nil
    }

    /// Why `key` may not vouch for this statement, or nil when its restrictions allow it. Empty lists mean
    /// "no restriction" by the registration's definition.
    private func restriction(of key: TrustedKey, on statement: InTotoStatement, provenance: ProvenanceSummary?) -> String? {
        let label = "key \(DisplayText.quoted(key.name, limit: 80)) (\(key.id.prefix(12)))"
        if !key.predicateTypes.isEmpty, !key.predicateTypes.contains(statement.predicateType) {
            return "\(label) is not allowed to sign predicate type \(DisplayText.quoted(statement.predicateType))"
        }
        if !key.subjectPatterns.isEmpty {
            let patterns = key.subjectPatterns.map(SubjectPattern.init)
            if let subject = statement.subjects.first(where: { subject in !patterns.contains { $0.matches(subject.name) } }) {
                return "\(label) is not allowed to attest subject \(DisplayText.quoted(subject.name)): it matches none of the key's subject patterns"
            }
        }
        if !key.builderIDs.isEmpty {
            guard let provenance else {
                return "\(label) is restricted to SLSA provenance from listed builders, and this statement is not SLSA provenance"
            }
            if !key.builderIDs.contains(provenance.builderID) {
                return "\(label) is not allowed to vouch for builder id \(DisplayText.quoted(provenance.builderID))"
            }
        }
        return nil
    }
}
