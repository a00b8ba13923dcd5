import Crypto

/// One signature of a DSSE envelope: the decoded signature bytes and the signer's *unauthenticated* key id hint.
public struct DSSESignature: Sendable, Equatable {
    /// The `keyid` hint; never used to decide trust, only to try that key first.
    public let keyID: String?
    /// The decoded signature bytes (DER or raw for ECDSA, raw for Ed25519, raw for RSA).
    public let signature: [UInt8]

    /// Makes a signature value (for tests and tools; trust only ever comes from `AttestationVerifier`).
    public init(keyID: String?, signature: [UInt8]) {
        self.keyID = keyID
        self.signature = signature
    }
}

/// A parsed, *unverified* DSSE envelope (DSSE `envelope.md`), alone or taken out of a Sigstore bundle.
public struct DSSEEnvelope: Sendable, Equatable {
    /// The declared type of `payload`; only `application/vnd.in-toto+json` is accepted by the verifier.
    public let payloadType: String
    /// The decoded payload bytes, exactly as signed.
    public let payload: [UInt8]
    /// At least one, at most `DSSE.maxSignatures`.
    public let signatures: [DSSESignature]
    /// This envelope's own JSON bytes (the line, or the whole body), as posted.
    public let raw: [UInt8]
    /// A Sigstore bundle with certificate / x509CertificateChain material, or a `cert` on a signature (keyless signing).
    public let carriesCertificate: Bool

    /// Makes an envelope value (for tests and tools; trust only ever comes from `AttestationVerifier`).
    public init(payloadType: String, payload: [UInt8], signatures: [DSSESignature], raw: [UInt8], carriesCertificate: Bool) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
        self.raw = raw
        self.carriesCertificate = carriesCertificate
    }

    /// Lowercase hex SHA-256 of a length-prefixed encoding of (payloadType, payload, sorted (keyid, sig) pairs).
    ///
    /// It depends only on what was signed and by whom, not on JSON whitespace, member order, base64 alphabet
    /// or padding, so re-posting the same envelope gives the same id. A missing `keyid` counts as `""`
    /// (cosign writes `""`, other tools omit it).
    var contentID: String {
        var encoding: [UInt8] = []
        encoding.reserveCapacity(payload.count + 128 * signatures.count + payloadType.utf8.count + 64)
        func append(_ field: some Collection<UInt8>) {
            let length = UInt64(field.count)
            for shift in stride(from: 56, through: 0, by: -8) { encoding.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
            encoding.append(contentsOf: field)
        }
        append(Array("shipgate-dsse-content-v1".utf8))
        append(Array(payloadType.utf8))
        append(payload)
        let pairs = signatures.map { (Array(($0.keyID ?? "").utf8), $0.signature) }.sorted { lhs, rhs in
            lhs.0 != rhs.0 ? lhs.0.lexicographicallyPrecedes(rhs.0) : lhs.1.lexicographicallyPrecedes(rhs.1)
        }
        append(Array(String(pairs.count).utf8))
        for (keyID, signature) in pairs {
            append(keyID)
            append(signature)
        }
        return SHA256.hexDigest(encoding)
    }
}
