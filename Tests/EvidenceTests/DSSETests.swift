import Crypto
import Evidence
import Foundation
import Testing

@Suite struct DSSETests {
    private typealias Kit = AttestationTestKit
    private typealias Builder = AttestationEnvelopeBuilder

    private func expectError(_ kind: EvidenceError.Kind, containing text: String, _ body: [UInt8], sourceLocation: SourceLocation = #_sourceLocation)
    {
        do {
            let envelopes = try DSSE.parseEnvelopes(body)
            Issue.record("expected \(kind) error, parsed \(envelopes.count) envelope(s)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
            #expect(error.message.contains(text), "message was: \(error.message)", sourceLocation: sourceLocation)
        }
    }

    private func envelopeText(payload: String = "eyJhIjoxfQ==", signatures: String = #"[{"keyid":"k","sig":"AQID"}]"#) -> [UInt8] {
        Array(#"{"payloadType":"application/vnd.in-toto+json","payload":"\#(payload)","signatures":\#(signatures)}"#.utf8)
    }

    // MARK: PAE

    @Test func paeMatchesTheSpecificationTestVector() {
        let pae = DSSE.pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test func paeCountsBytesNotCharactersAndKeepsBinaryPayloads() {
        let pae = DSSE.pae(payloadType: "tÿpe", payload: [0x00, 0xFF, 0x20])
        #expect(pae == Array("DSSEv1 5 tÿpe 3 ".utf8) + [0x00, 0xFF, 0x20])
        #expect(String(decoding: DSSE.pae(payloadType: "", payload: []), as: UTF8.self) == "DSSEv1 0  0 ")
    }

    // MARK: Single envelopes and bundles

    @Test func parsesOneEnvelopeObjectKeepingTheWholeBodyAsRaw() throws {
        let body = try Kit.fixture("witness-cdx-att.json")
        let envelope = try Kit.onlyEnvelope(body)
        #expect(envelope.payloadType == "application/vnd.in-toto+json")
        #expect(envelope.signatures.count == 1)
        #expect(envelope.signatures[0].keyID == "ae2dcc989ea9c109a36e8eba5c4bc16d8fafcfe8e1a614164670d50aedacd647")
        #expect(envelope.signatures[0].signature.count == 64)  // Ed25519
        #expect(envelope.raw == body)
        #expect(!envelope.carriesCertificate)
        #expect(String(decoding: envelope.payload.prefix(11), as: UTF8.self) == #"{"_type":"h"#)
    }

    @Test func parsesAPrettyPrintedEnvelopeAsOneDocumentNotAsLines() throws {
        let body = Array(
            """
            {
              "payloadType": "application/vnd.in-toto+json",
              "payload": "eyJhIjoxfQ==",
              "signatures": [
                { "keyid": "", "sig": "AQID" }
              ]
            }
            """.utf8)
        let envelope = try Kit.onlyEnvelope(body)
        #expect(envelope.payload == Array(#"{"a":1}"#.utf8))
        #expect(envelope.signatures == [DSSESignature(keyID: "", signature: [1, 2, 3])])
    }

    @Test func takesTheEnvelopeOutOfASigstoreBundleAndNotesItsCertificate() throws {
        let body = try Kit.fixture("sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json")
        let envelope = try Kit.onlyEnvelope(body)
        #expect(envelope.carriesCertificate)
        #expect(envelope.raw == body)
        #expect(envelope.signatures.count == 1)
        #expect(envelope.signatures[0].keyID == nil)
        let statement = try Kit.statementJSON(ofEnvelopeJSON: body)
        #expect(try JSONSerialization.jsonObject(with: Data(envelope.payload)) as? NSDictionary == statement as NSDictionary)
    }

    @Test func aBundleWithOnlyAPublicKeyHintCarriesNoCertificate() throws {
        let body = Array(
            #"{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.2","verificationMaterial":{"publicKey":{"hint":"abc"}},"dsseEnvelope":\#(String(decoding: envelopeText(), as: UTF8.self))}"#
                .utf8)
        let envelope = try Kit.onlyEnvelope(body)
        #expect(!envelope.carriesCertificate)
        #expect(envelope.raw == body)
    }

    @Test func aCertOnASignatureMarksTheEnvelopeKeyless() throws {
        let envelope = try Kit.onlyEnvelope(try Kit.fixture("slsa-verifier-gha_generic-v1.10.0-push-v14.intoto.jsonl"))
        #expect(envelope.carriesCertificate)
        #expect(envelope.signatures[0].keyID == "")
    }

    @Test func refusesMessageSignatureBundles() {
        let body = Array(
            #"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AA=="},"signature":"AA=="}}"#
                .utf8)
        expectError(.invalid, containing: "only DSSE bundles are accepted", body)
    }

    @Test func refusesBundlesOfAnotherMediaTypeOrWithoutAnEnvelope() {
        expectError(.unsupported, containing: "not a Sigstore bundle media type", Array(#"{"mediaType":"application/json","dsseEnvelope":{}}"#.utf8))
        expectError(
            .invalid, containing: "no dsseEnvelope object", Array(#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}"#.utf8))
        expectError(.invalid, containing: "needs a string mediaType", Array(#"{"dsseEnvelope":{}}"#.utf8))
    }

    // MARK: JSON Lines

    @Test func parsesJSONLinesOfThreeEnvelopesEachWithItsOwnLineAsRaw() throws {
        let lines = [
            try Kit.fixture("attestation-verifier-build.fe1c6281.json"),
            try Kit.fixture("attestation-verifier-test.fe1c6281.json"),
            try Kit.fixture("scai-evidence-collection.1f575092.json"),
        ].map { line in Array(line.drop { $0 == 0x0A }.reversed().drop { $0 == 0x0A || $0 == 0x0D }.reversed()) }
        #expect(lines.allSatisfy { !$0.contains(0x0A) })
        // CRLF line ends, a blank line and a trailing newline are all fine.
        let body = lines[0] + Array("\r\n\n".utf8) + lines[1] + [0x0A] + lines[2] + [0x0A]
        let envelopes = try DSSE.parseEnvelopes(body)
        #expect(envelopes.count == 3)
        #expect(envelopes.map(\.raw) == lines)
        #expect(envelopes[2].signatures[0].keyID?.hasPrefix("1f57509240de") == true)
    }

    @Test func mixesBundlesAndEnvelopesInJSONLines() throws {
        let bundle = try Kit.fixture("sigstore-conformance-happy-path-intoto-in-dsse-v3.sigstore.json")
        let compactBundle = Array(
            try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(bundle)), options: [.withoutEscapingSlashes]))
        let envelopes = try DSSE.parseEnvelopes(envelopeText() + [0x0A] + compactBundle)
        #expect(envelopes.map(\.carriesCertificate) == [false, true])
    }

    @Test func acceptsAThousandLinesAndRefusesOneMore() throws {
        let line = envelopeText()
        let thousand = Array(repeating: line, count: 1_000).joined(separator: [0x0A])
        #expect(try DSSE.parseEnvelopes(Array(thousand)).count == 1_000)
        let tooMany = Array(repeating: line, count: 1_001).joined(separator: [0x0A])
        expectError(.invalid, containing: "at most 1000", Array(tooMany))
    }

    @Test func namesTheLineThatIsNotJSON() {
        expectError(.malformed, containing: "line 3 is not valid JSON", envelopeText() + Array("\n\n{nope\n".utf8) + envelopeText())
        expectError(.invalid, containing: "line 2: expected a DSSE envelope", envelopeText() + Array("\n[1]\n".utf8))
    }

    // MARK: Base64 spellings

    @Test func acceptsStandardAndURLSafeBase64PaddedOrNot() throws {
        // 0xFB 0xFF encodes to "+/8=" (standard) and "-_8" (URL-safe, unpadded): both alphabets are exercised.
        let payload: [UInt8] = [0xFB, 0xFF]
        let signature: [UInt8] = Array(repeating: 0xFF, count: 64) + [0xFB]
        let spellings: [([UInt8]) -> String] = [
            { Data($0).base64EncodedString() },
            { Data($0).base64EncodedString().replacingOccurrences(of: "=", with: "") },
            { Data($0).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") },
            Builder.urlSafeUnpadded,
        ]
        for encode in spellings {
            let body = Builder.json(payload: payload, signatures: [.init(keyID: nil, signature: signature)], encode: encode)
            let envelope = try Kit.onlyEnvelope(body)
            #expect(envelope.payload == payload)
            #expect(envelope.signatures[0].signature == signature)
        }
    }

    @Test func refusesBase64WithWhitespaceStrayCharactersOrMixedAlphabets() {
        for bad in ["eyJh IjoxfQ==", "eyJhIjoxfQ==\\n", "eyJhIjox*Q==", "+/8-_w", "eyJhIjoxfQ=a", "A"] {
            expectError(.invalid, containing: "payload is not valid base64", envelopeText(payload: bad))
        }
        expectError(.invalid, containing: "signature 1: sig is not valid base64", envelopeText(signatures: #"[{"sig":"AQ ID"}]"#))
    }

    // MARK: Bounds

    @Test func acceptsSixteenSignaturesAndRefusesSeventeen() throws {
        let one = #"{"sig":"AQID"}"#
        let sixteen = "[" + Array(repeating: one, count: 16).joined(separator: ",") + "]"
        #expect(try Kit.onlyEnvelope(envelopeText(signatures: sixteen)).signatures.count == 16)
        let seventeen = "[" + Array(repeating: one, count: 17).joined(separator: ",") + "]"
        expectError(.invalid, containing: "17 signatures; at most 16", envelopeText(signatures: seventeen))
    }

    @Test func refusesASignatureLargerThanOneKibibyte() throws {
        let fits = Data(repeating: 7, count: 1_024).base64EncodedString()
        #expect(try Kit.onlyEnvelope(envelopeText(signatures: #"[{"sig":"\#(fits)"}]"#)).signatures[0].signature.count == 1_024)
        let tooLarge = Data(repeating: 7, count: 1_025).base64EncodedString()
        expectError(.invalid, containing: "sig is larger than 1024 bytes", envelopeText(signatures: #"[{"sig":"\#(tooLarge)"}]"#))
    }

    @Test func refusesAPayloadLargerThanEightMebibytes() {
        let tooLarge = Data(repeating: 0x41, count: 8 * 1_024 * 1_024 + 1).base64EncodedString()
        expectError(.invalid, containing: "payload is larger than 8 MiB", envelopeText(payload: tooLarge))
    }

    @Test func refusesAnEnvelopeWithoutSignaturesOrWithAnEmptyOne() {
        expectError(.invalid, containing: "the envelope has no signatures", envelopeText(signatures: "[]"))
        expectError(.invalid, containing: "no signatures array", Array(#"{"payloadType":"t","payload":""}"#.utf8))
        expectError(.invalid, containing: "signature 1: sig is empty", envelopeText(signatures: #"[{"sig":""}]"#))
    }

    // MARK: Shapes and types

    @Test func malformedJSONIsMalformedAndWrongShapesAreInvalid() {
        expectError(.malformed, containing: "not valid JSON", Array("{\"payloadType\":".utf8))
        expectError(.malformed, containing: "empty", Array("  \n ".utf8))
        expectError(
            .malformed, containing: "deeper than", Array(repeating: UInt8(ascii: "["), count: 100) + Array(repeating: UInt8(ascii: "]"), count: 100))
        expectError(.invalid, containing: "got an array", Array("[1,2]".utf8))
        expectError(.invalid, containing: "expected a DSSE envelope (payloadType, payload, signatures)", Array(#"{"SchemaVersion":2}"#.utf8))
    }

    @Test func wrongFieldTypesAreRefusedWithTheFieldNamed() {
        expectError(.invalid, containing: "payload must be a string, not a number", Array(#"{"payloadType":"t","payload":5,"signatures":[]}"#.utf8))
        expectError(.invalid, containing: "payloadType is missing", Array(#"{"payload":"","signatures":[{"sig":"AQID"}]}"#.utf8))
        expectError(.invalid, containing: "signatures must be an array, not an object", envelopeText(signatures: #"{"sig":"AQID"}"#))
        expectError(.invalid, containing: "signature 1: expected an object, not a string", envelopeText(signatures: #"["AQID"]"#))
        expectError(
            .invalid, containing: "signature 1: keyid must be a string, not a number", envelopeText(signatures: #"[{"keyid":1,"sig":"AQID"}]"#))
        expectError(.invalid, containing: "signature 2: sig is missing", envelopeText(signatures: #"[{"sig":"AQID"},{"keyid":"x"}]"#))
        expectError(.invalid, containing: "signature 1: cert must be a string", envelopeText(signatures: #"[{"sig":"AQID","cert":{}}]"#))
        expectError(
            .invalid, containing: "verificationMaterial must be an object",
            Array(#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":[],"dsseEnvelope":{}}"#.utf8))
    }

    @Test func messagesNeverEchoPayloadOrSignatureBytes() {
        let secretish = "c2VjcmV0LXRva2VuLXZhbHVl"
        do {
            _ = try DSSE.parseEnvelopes(envelopeText(signatures: #"[{"sig":"\#(secretish)!"}]"#))
            Issue.record("expected an error")
        } catch {
            #expect(!error.message.contains(secretish))
        }
    }
}
