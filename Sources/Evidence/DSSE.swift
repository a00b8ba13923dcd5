/// DSSE (Dead Simple Signing Envelope, secure-systems-lab/dsse `protocol.md`): the pre-authentication
/// encoding that is actually signed, and the parser for posted envelopes, Sigstore bundles and JSON Lines.
public enum DSSE {
    /// The only payload type the verifier accepts (in-toto attestation framework, `envelope.md`).
    public static let inTotoPayloadType = "application/vnd.in-toto+json"
    /// At most this many envelopes (non-empty JSON Lines) per body.
    public static let maxEnvelopes = 1_000
    /// At most this many signatures per envelope (bounds the verification work one envelope can cause).
    public static let maxSignatures = 16
    /// Largest decoded signature accepted: every ECDSA and Ed25519 signature fits, and RSA signatures of keys up to
    /// 8192 bits; signatures of larger RSA keys (which registration allows up to 16384 bits) are refused here.
    public static let maxSignatureBytes = 1_024
    /// Largest decoded payload accepted.
    public static let maxPayloadBytes = 8 * 1_024 * 1_024

    /// `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN being the ASCII decimal
    /// byte count without leading zeros (DSSE `protocol.md`). Signatures are made over this, never over the raw payload.
    public static func pae(payloadType: String, payload: [UInt8]) -> [UInt8] {
        let type = Array(payloadType.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + type.count + 32)
        out.append(contentsOf: "DSSEv1 ".utf8)
        out.append(contentsOf: String(type.count).utf8)
        out.append(0x20)
        out.append(contentsOf: type)
        out.append(0x20)
        out.append(contentsOf: String(payload.count).utf8)
        out.append(0x20)
        out.append(contentsOf: payload)
        return out
    }

    /// One DSSE envelope object, a Sigstore bundle v0.1–v0.3 (`dsseEnvelope`), or JSON Lines of envelopes/bundles.
    ///
    /// Nothing here is verified: the result is what the body *claims*; hand each envelope to `AttestationVerifier`.
    /// - Throws: `.malformed` for bytes that are not JSON (or nest too deep), `.invalid` for JSON of the wrong
    ///   shape or beyond the bounds above, `.unsupported` for a bundle media type that is not Sigstore's.
    public static func parseEnvelopes(_ body: [UInt8]) throws(EvidenceError) -> [DSSEEnvelope] {
        try JSONDepthGuard.check(body)
        guard body.contains(where: { !isJSONWhitespace($0) }) else {
            throw EvidenceError(.malformed, "the body is empty: expected a DSSE envelope, a Sigstore bundle or JSON Lines of them")
        }
        // One document (an object, possibly pretty-printed over many lines) is tried first; only when the body
        // is not one JSON document is it read as JSON Lines.
        switch try DSSEEnvelopeDecoder.decode(body, location: "") {
        case .envelope(let envelope):
            return [envelope]
        case .notAnObject(let kind):
            throw EvidenceError(
                .invalid, "expected a DSSE envelope or Sigstore bundle JSON object, or JSON Lines of them; got \(kind.description)")
        case .notJSON:
            return try parseLines(body)
        }
    }

    /// JSON Lines (`*.intoto.jsonl`, `cosign verify-attestation` output): one envelope or bundle per non-empty line.
    private static func parseLines(_ body: [UInt8]) throws(EvidenceError) -> [DSSEEnvelope] {
        var lines: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        var number = 0
        for var line in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            if line.last == 0x0D { line = line.dropLast() }
            guard line.contains(where: { !isJSONWhitespace($0) }) else { continue }
            guard lines.count < maxEnvelopes else {
                throw EvidenceError(.invalid, "too many envelopes: at most \(maxEnvelopes) JSON Lines are accepted per request")
            }
            lines.append((number, line))
        }
        guard lines.count > 1 else { throw EvidenceError(.malformed, "the body is not valid JSON") }
        var envelopes: [DSSEEnvelope] = []
        envelopes.reserveCapacity(lines.count)
        for (number, bytes) in lines {
            switch try DSSEEnvelopeDecoder.decode(bytes, location: "line \(number): ") {
            case .envelope(let envelope):
                envelopes.append(envelope)
            case .notAnObject(let kind):
                throw EvidenceError(
                    .invalid, "line \(number): expected a DSSE envelope or Sigstore bundle JSON object, got \(kind.description)")
            case .notJSON:
                throw EvidenceError(.malformed, "the body is neither one JSON document nor JSON Lines: line \(number) is not valid JSON")
            }
        }
        return envelopes
    }

    /// RFC 8259 §2 insignificant whitespace.
    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
