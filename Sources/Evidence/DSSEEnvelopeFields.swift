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

extension DSSEDocumentFields {
    /// The members of a parsed document object, as decoding it would read them.
    init(tree document: JSONValue) {
        let envelope = DSSEEnvelopeFields(tree: document)
        self.init(
            payloadType: envelope.payloadType, payload: envelope.payload, signatures: envelope.signatures,
            mediaType: JSONField(string: document.presentMember("mediaType")),
            dsseEnvelope: JSONField(object: document.presentMember("dsseEnvelope"), DSSEEnvelopeFields.init(tree:)),
            verificationMaterial: JSONField(object: document.presentMember("verificationMaterial")) { material in
                SigstoreVerificationMaterialFields(
                    certificate: JSONKindProbe(member: material.presentMember("certificate")),
                    x509CertificateChain: JSONKindProbe(member: material.presentMember("x509CertificateChain")))
            },
            messageSignature: JSONKindProbe(member: document.presentMember("messageSignature")))
    }
}

extension DSSEEnvelopeFields {
    /// The envelope members of a parsed object, as decoding it would read them.
    init(tree object: JSONValue) {
        self.init(
            payloadType: JSONField(string: object.presentMember("payloadType")), payload: JSONField(string: object.presentMember("payload")),
            signatures: JSONField(array: object.presentMember("signatures")) { element in
                if case .object = element {
                    return .value(
                        DSSESignatureFields(
                            keyid: JSONField(string: element.presentMember("keyid")), sig: JSONField(string: element.presentMember("sig")),
                            cert: JSONField(string: element.presentMember("cert"))))
                }
                return .mismatch(element.kind)
            })
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
