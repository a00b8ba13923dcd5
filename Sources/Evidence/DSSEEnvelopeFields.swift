/// The members of a posted DSSE envelope or Sigstore bundle that Shipgate reads, each decoded narrowly
/// (`JSONField`) so that unknown or oversized members are skipped, never materialised.
struct DSSEDocumentFields: Decodable {
    // DSSE envelope (secure-systems-lab/dsse `envelope.md`).
    var payloadType: JSONField<String>?
    var payload: JSONField<String>?
    var signatures: JSONField<BoundedJSONArray<DSSESignatureFields, DSSESignatureLimit>>?
    // Sigstore bundle (sigstore/protobuf-specs `bundle.proto`).
    var mediaType: JSONField<String>?
    var dsseEnvelope: JSONField<DSSEEnvelopeFields>?
    var verificationMaterial: JSONField<SigstoreVerificationMaterialFields>?
    var messageSignature: JSONKindProbe?

    /// Whether any member says this is a Sigstore bundle rather than a bare envelope.
    var looksLikeBundle: Bool {
        mediaType != nil || dsseEnvelope != nil || verificationMaterial != nil || messageSignature != nil
    }

    /// Whether any DSSE envelope member is present.
    var looksLikeEnvelope: Bool {
        payloadType != nil || payload != nil || signatures != nil
    }

    /// The envelope members alone.
    var envelope: DSSEEnvelopeFields {
        DSSEEnvelopeFields(payloadType: payloadType, payload: payload, signatures: signatures)
    }
}

/// The members of a bare DSSE envelope (the `dsseEnvelope` of a bundle).
struct DSSEEnvelopeFields: Decodable {
    var payloadType: JSONField<String>?
    var payload: JSONField<String>?
    var signatures: JSONField<BoundedJSONArray<DSSESignatureFields, DSSESignatureLimit>>?
}

/// One entry of `signatures`.
struct DSSESignatureFields: Decodable {
    var keyid: JSONField<String>?
    var sig: JSONField<String>?
    /// slsa-github-generator and cosign put the Fulcio certificate PEM here for keyless signing.
    var cert: JSONField<String>?
}

/// `verificationMaterial` of a bundle: only whether certificate material is present matters.
struct SigstoreVerificationMaterialFields: Decodable {
    var certificate: JSONKindProbe?
    var x509CertificateChain: JSONKindProbe?
}

/// `DSSE.maxSignatures`, as a type for `BoundedJSONArray`.
enum DSSESignatureLimit: JSONArrayLimit {
    static var maximum: Int { DSSE.maxSignatures }
}
