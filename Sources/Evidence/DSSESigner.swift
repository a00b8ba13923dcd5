import Crypto
import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why an envelope could not be made; `description` is a complete sentence fragment for a CLI message.
public enum DSSESigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The statement or envelope could not be serialised (the encoder's reason).
    case encodingFailed(what: String, reason: String)
    /// The statement is larger than servers accept (`DSSE.maxPayloadBytes`).
    case payloadTooLarge(bytes: Int)
    /// The key refused to sign (OpenSSL's reason).
    case signingFailed(reason: String)
    /// The fresh signature did not verify with the key's own public half.
    case selfCheckFailed

    /// The message for the user.
    public var description: String {
        switch self {
        case .encodingFailed(let what, let reason): "cannot serialise the \(what): \(reason)"
        case .payloadTooLarge(let bytes): "the statement is \(bytes) bytes; servers accept at most \(DSSE.maxPayloadBytes)"
        case .signingFailed(let reason): "signing failed: \(reason)"
        case .selfCheckFailed: "the signature does not verify with the key's own public key; nothing was written"
        }
    }
}

/// Makes signed DSSE envelopes of in-toto Statements: the producing side of `AttestationVerifier`.
public enum DSSESigner {
    /// The in-toto Statement v1 `_type` (in-toto/attestation `spec/v1/statement.md`).
    public static let statementType = "https://in-toto.io/Statement/v1"

    /// The envelope JSON (no trailing newline) of an in-toto Statement v1 about `subjects`, signed over DSSE PAE with
    /// `key` and its `keyid` set to the public key's id; payload and signature in standard Base64, keys sorted.
    public static func inTotoEnvelope(
        subjects: [Subject], predicateType: String, predicate: [String: JSONValue], key: PrivateKey
    ) throws(DSSESigningError) -> [UInt8] {
        let statement = Statement(
            subject: subjects.map { .init(name: $0.name, digest: ["sha256": String($0.digest.hex)]) }, predicateType: predicateType,
            predicate: predicate)
        let payload = try encode(statement, what: "statement")
        guard payload.count <= DSSE.maxPayloadBytes else { throw .payloadTooLarge(bytes: payload.count) }
        let signed = DSSE.pae(payloadType: DSSE.inTotoPayloadType, payload: payload)
        let signature: [UInt8]
        do {
            signature = try key.signature(for: signed)
        } catch {
            throw .signingFailed(reason: "\(error)")
        }
        // Cheap insurance that what we hand out verifies with the public half we name in `keyid`.
        guard key.publicKey.isValidSignature(signature, for: signed) else { throw .selfCheckFailed }
        let envelope = Envelope(
            payloadType: DSSE.inTotoPayloadType, payload: Base64.encode(payload),
            signatures: [.init(keyid: key.publicKey.id, sig: Base64.encode(signature))])
        return try encode(envelope, what: "envelope")
    }

    /// Canonical-enough JSON: sorted keys, `/` unescaped (predicate type URIs stay readable), no whitespace.
    private static func encode(_ value: some Encodable, what: String) throws(DSSESigningError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw .encodingFailed(what: what, reason: "\(error)")
        }
    }

    /// An in-toto Statement v1 as JSON.
    private struct Statement: Encodable {
        /// One ResourceDescriptor with a name and a digest set.
        struct ResourceDescriptor: Encodable {
            let name: String
            let digest: [String: String]
        }

        let type = DSSESigner.statementType
        let subject: [ResourceDescriptor]
        let predicateType: String
        let predicate: [String: JSONValue]

        enum CodingKeys: String, CodingKey {
            case type = "_type"
            case subject, predicateType, predicate
        }
    }

    /// A DSSE envelope as JSON (secure-systems-lab/dsse `envelope.md`).
    private struct Envelope: Encodable {
        /// One signature and the hint naming its key.
        struct Signature: Encodable {
            let keyid: String
            let sig: String
        }

        let payloadType: String
        let payload: String
        let signatures: [Signature]
    }
}
