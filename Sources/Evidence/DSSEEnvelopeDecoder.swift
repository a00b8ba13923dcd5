#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns one JSON document (a DSSE envelope or a Sigstore bundle) into a `DSSEEnvelope`, checking every
/// field's type and every bound; messages say which field is wrong and never echo payload or signature bytes.
enum DSSEEnvelopeDecoder {
    /// Sigstore bundle media types: `application/vnd.dev.sigstore.bundle+json;version=0.1|0.2` and
    /// `application/vnd.dev.sigstore.bundle.v0.3+json` (sigstore/protobuf-specs `bundle.proto`).
    private static let bundleMediaTypePrefix = "application/vnd.dev.sigstore.bundle"
    /// Longest payloadType / keyid accepted: generous for URIs and key ids, small enough to show in a reason.
    private static let maxTypeBytes = 1_024
    private static let maxKeyIDBytes = 512

    /// The outcome of reading one document.
    enum Outcome {
        case envelope(DSSEEnvelope)
        /// Valid JSON, but not an object: the caller words the message (whole body or line N).
        case notAnObject(JSONSlice.Kind)
        /// Not valid JSON at all.
        case notJSON
    }

    /// Reads `bytes` as one document.
    /// - Parameter location: `"line N: "` for JSON Lines, `""` for a single document; prefixed to every message.
    static func decode(_ bytes: some Collection<UInt8>, location: String) throws(EvidenceError) -> Outcome {
        try decode(bytes, location: location, reader: .forDocument(of: bytes.count))
    }

    /// The same with the reader chosen (tests compare both).
    static func decode(_ bytes: some Collection<UInt8>, location: String, reader: JSONReader) throws(EvidenceError) -> Outcome {
        if reader == .tree {
            guard let document = JSONValueParser.parse(bytes) else { return .notJSON }
            guard case .object = document else { return .notAnObject(document.kind) }
            return .envelope(try envelope(from: DSSEDocumentFields(tree: document), raw: Array(bytes), location: location))
        }
        let data = Data(bytes)
        guard let fields = try? JSONDecoder().decode(DSSEDocumentFields.self, from: data) else {
            // Only a valid non-object document gets here besides invalid JSON; the probe tells them apart cheaply.
            guard let probe = try? JSONDecoder().decode(JSONKindProbe.self, from: data) else { return .notJSON }
            return .notAnObject(probe.kind)
        }
        return .envelope(try envelope(from: fields, raw: Array(bytes), location: location))
    }

    private static func envelope(from fields: DSSEDocumentFields, raw: [UInt8], location: String) throws(EvidenceError) -> DSSEEnvelope {
        guard fields.looksLikeBundle else {
            guard fields.looksLikeEnvelope else {
                throw EvidenceError(
                    .invalid, location + "expected a DSSE envelope (payloadType, payload, signatures) or a Sigstore bundle (mediaType, dsseEnvelope)")
            }
            return try plainEnvelope(fields.envelope, raw: raw, carriesCertificate: false, location: location)
        }
        guard case .value(let mediaType)? = fields.mediaType else {
            throw EvidenceError(.invalid, location + "a Sigstore bundle needs a string mediaType")
        }
        guard mediaType.hasPrefix(bundleMediaTypePrefix), mediaType.contains("+json") else {
            throw EvidenceError(.unsupported, location + "mediaType \(DisplayText.quoted(mediaType)) is not a Sigstore bundle media type")
        }
        if fields.messageSignature != nil {
            throw EvidenceError(.invalid, location + "only DSSE bundles are accepted: this Sigstore bundle holds a messageSignature")
        }
        guard case .value(let inner)? = fields.dsseEnvelope else {
            throw EvidenceError(.invalid, location + "the Sigstore bundle has no dsseEnvelope object")
        }
        var carriesCertificate = false
        switch fields.verificationMaterial {
        case nil:
            break
        case .value(let material)?:
            carriesCertificate = material.certificate != nil || material.x509CertificateChain != nil
        case .mismatch(let kind)?:
            throw EvidenceError(.invalid, location + "verificationMaterial must be an object, not \(kind.description)")
        }
        return try plainEnvelope(inner, raw: raw, carriesCertificate: carriesCertificate, location: location + "dsseEnvelope: ")
    }

    private static func plainEnvelope(
        _ fields: DSSEEnvelopeFields, raw: [UInt8], carriesCertificate bundleCertificate: Bool, location: String
    ) throws(EvidenceError) -> DSSEEnvelope {
        let payloadType = try requiredString(fields.payloadType, "payloadType", location: location)
        guard payloadType.utf8.count <= maxTypeBytes else {
            throw EvidenceError(.invalid, location + "payloadType is longer than \(maxTypeBytes) bytes")
        }
        let payloadText = try requiredString(fields.payload, "payload", location: location)
        // Check the encoded size first so an oversized payload is refused before it is decoded.
        guard payloadText.utf8.count <= (DSSE.maxPayloadBytes + 2) / 3 * 4 else {
            throw EvidenceError(.invalid, location + "payload is larger than \(DSSE.maxPayloadBytes / 1_048_576) MiB")
        }
        guard let payload = Base64Lenient.decode(payloadText) else {
            throw EvidenceError(.invalid, location + "payload is not valid base64 (standard or URL-safe, padded or not)")
        }
        guard payload.count <= DSSE.maxPayloadBytes else {
            throw EvidenceError(.invalid, location + "payload is larger than \(DSSE.maxPayloadBytes / 1_048_576) MiB")
        }

        let list: [JSONField<DSSESignatureFields>]
        switch fields.signatures {
        case nil:
            throw EvidenceError(.invalid, location + "the envelope has no signatures array")
        case .mismatch(let kind)?:
            throw EvidenceError(.invalid, location + "signatures must be an array, not \(kind.description)")
        case .value(let bounded)?:
            switch bounded.contents {
            case .tooMany(let count):
                let counted = count == Int.max ? "more than \(DSSE.maxSignatures)" : "\(count)"
                throw EvidenceError(.invalid, location + "the envelope has \(counted) signatures; at most \(DSSE.maxSignatures) are accepted")
            case .elements(let elements):
                list = elements
            }
        }
        guard !list.isEmpty else { throw EvidenceError(.invalid, location + "the envelope has no signatures") }

        var signatures: [DSSESignature] = []
        var carriesCertificate = bundleCertificate
        for (index, field) in list.enumerated() {
            let here = location + "signature \(index + 1): "
            guard case .value(let entry) = field else {
                if case .mismatch(let kind) = field { throw EvidenceError(.invalid, here + "expected an object, not \(kind.description)") }
                continue
            }
            signatures.append(try signature(entry, location: here))
            switch entry.cert {
            case nil: break
            case .value(let text)?: if !text.isEmpty { carriesCertificate = true }
            case .mismatch(let kind)?: throw EvidenceError(.invalid, here + "cert must be a string, not \(kind.description)")
            }
        }
        return DSSEEnvelope(
            payloadType: payloadType, payload: payload, signatures: signatures, raw: raw, carriesCertificate: carriesCertificate)
    }

    private static func signature(_ entry: DSSESignatureFields, location: String) throws(EvidenceError) -> DSSESignature {
        let text = try requiredString(entry.sig, "sig", location: location)
        guard text.utf8.count <= (DSSE.maxSignatureBytes + 2) / 3 * 4 else {
            throw EvidenceError(.invalid, location + "sig is larger than \(DSSE.maxSignatureBytes) bytes")
        }
        guard let bytes = Base64Lenient.decode(text) else {
            throw EvidenceError(.invalid, location + "sig is not valid base64 (standard or URL-safe, padded or not)")
        }
        guard !bytes.isEmpty else { throw EvidenceError(.invalid, location + "sig is empty") }
        guard bytes.count <= DSSE.maxSignatureBytes else {
            throw EvidenceError(.invalid, location + "sig is larger than \(DSSE.maxSignatureBytes) bytes")
        }
        let keyID: String?
        switch entry.keyid {
        case nil:
            keyID = nil
        case .value(let hint)?:
            guard hint.utf8.count <= maxKeyIDBytes else {
                throw EvidenceError(.invalid, location + "keyid is longer than \(maxKeyIDBytes) bytes")
            }
            keyID = hint
        case .mismatch(let kind)?:
            throw EvidenceError(.invalid, location + "keyid must be a string, not \(kind.description)")
        }
        return DSSESignature(keyID: keyID, signature: bytes)
    }

    private static func requiredString(_ field: JSONField<String>?, _ name: String, location: String) throws(EvidenceError) -> String {
        switch field {
        case nil: throw EvidenceError(.invalid, location + "\(name) is missing")
        case .mismatch(let kind)?: throw EvidenceError(.invalid, location + "\(name) must be a string, not \(kind.description)")
        case .value(let text)?: return text
        }
    }
}
