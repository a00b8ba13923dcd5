import Foundation
import Testing

@testable import Evidence

/// DSSE envelopes and in-toto statements read from a parsed tree must give exactly what reading them through
/// `JSONDecoder` gives: the same envelope or statement, or the same refusal with the same message.
@Suite struct JSONReaderTests {
    /// One outcome of `DSSEEnvelopeDecoder.decode`, comparable.
    enum EnvelopeOutcome: Equatable {
        case envelope(DSSEEnvelope), notAnObject(JSONSlice.Kind), notJSON, refused(EvidenceError)
    }

    static func envelope(_ bytes: [UInt8], _ reader: JSONReader) -> EnvelopeOutcome {
        do {
            switch try DSSEEnvelopeDecoder.decode(bytes, location: "", reader: reader) {
            case .envelope(let envelope): return .envelope(envelope)
            case .notAnObject(let kind): return .notAnObject(kind)
            case .notJSON: return .notJSON
            }
        } catch {
            return .refused(error)
        }
    }

    static func statement(_ bytes: [UInt8], _ reader: JSONReader) -> Result<InTotoStatement, AttestationRejection> {
        Result { () throws(AttestationRejection) in try InTotoStatement.parse(bytes, reader: reader) }
    }

    /// The decoder never checks a later duplicate's value; only that may make the tree alone refuse a document.
    static func onlyStrictnessDiffers(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) == nil
    }

    static func expectSameEnvelope(_ bytes: [UInt8], _ comment: @autoclosure () -> String) {
        let tree = envelope(bytes, .tree)
        let decoded = envelope(bytes, .decoder)
        if tree == .notJSON, decoded != .notJSON, onlyStrictnessDiffers(bytes) { return }
        #expect(tree == decoded, "\(comment())")
    }

    static func expectSameStatement(_ bytes: [UInt8], _ comment: @autoclosure () -> String) {
        let tree = statement(bytes, .tree)
        let decoded = statement(bytes, .decoder)
        let notJSON = AttestationRejection("the payload is not valid JSON, so it is not an in-toto Statement")
        if case .failure(notJSON) = tree, tree != decoded, onlyStrictnessDiffers(bytes) { return }
        #expect(tree == decoded, "\(comment())")
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/dsse")

    @Test func everyDSSEFixtureAndItsStatementReadAlike() throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.fixtures, includingPropertiesForKeys: nil)
            .filter { ["json", "jsonl", "layout", "link"].contains($0.pathExtension) }
        var statements = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: file))
            let documents = file.pathExtension == "jsonl" ? bytes.split(separator: 0x0A).map(Array.init) : [bytes]
            for document in documents {
                Self.expectSameEnvelope(document, file.lastPathComponent)
                if case .envelope(let envelope) = Self.envelope(document, .tree) {
                    Self.expectSameStatement(envelope.payload, "\(file.lastPathComponent) payload")
                    statements += 1
                }
            }
        }
        #expect(statements >= 10)
    }

    /// Random envelopes and bundles whose members have every kind (null, wrong types, too many signatures, nested
    /// envelopes), and each one with a byte changed or cut short.
    @Test func randomEnvelopesReadAlike() {
        var generator = SeededGenerator(seed: 0xD55E)
        for round in 0..<600 {
            let text = Self.randomEnvelope(depth: 0, using: &generator)
            let bytes = Array(text.utf8)
            Self.expectSameEnvelope(bytes, "round \(round): \(text)")
            var changed = bytes
            changed[Int.random(in: 0..<changed.count, using: &generator)] = JSONValueParserTests.alphabet.randomElement(using: &generator)!
            Self.expectSameEnvelope(changed, "round \(round) changed: \(String(decoding: changed, as: UTF8.self))")
            let cut = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            Self.expectSameEnvelope(cut, "round \(round) cut: \(String(decoding: cut, as: UTF8.self))")
        }
    }

    /// Random statements: every member of every kind, subject lists with odd entries and beyond the limit.
    @Test func randomStatementsReadAlike() {
        var generator = SeededGenerator(seed: 0x1270)
        for round in 0..<600 {
            let text = Self.randomStatement(using: &generator)
            let bytes = Array(text.utf8)
            Self.expectSameStatement(bytes, "round \(round): \(text.prefix(300))")
            var changed = bytes
            changed[Int.random(in: 0..<changed.count, using: &generator)] = JSONValueParserTests.alphabet.randomElement(using: &generator)!
            Self.expectSameStatement(changed, "round \(round) changed")
            Self.expectSameStatement(Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator))), "round \(round) cut")
        }
    }

    static func oneOf(_ choices: [String], using generator: inout SeededGenerator) -> String {
        choices.randomElement(using: &generator)!
    }

    static func randomScalar(using generator: inout SeededGenerator) -> String {
        oneOf(["null", "true", "17", "\"text\"", "[]", "{}", "[1, \"x\"]"], using: &generator)
    }

    static func randomSignature(using generator: inout SeededGenerator) -> String {
        if Int.random(in: 0..<5, using: &generator) == 0 { return randomScalar(using: &generator) }
        let members = [
            ("keyid", ["\"key-1\"", "\"\"", "3", "null"]), ("sig", ["\"MEUCIQDx\"", "\"!!\"", "\"\"", "[]", "null"]),
            ("cert", ["\"-----BEGIN CERTIFICATE-----\"", "\"\"", "{}"]),
        ]
        return "{" + members.filter { _ in Bool.random(using: &generator) }
            .map { "\"\($0.0)\": \(oneOf($0.1, using: &generator))" }.joined(separator: ", ") + "}"
    }

    static func randomEnvelope(depth: Int, using generator: inout SeededGenerator) -> String {
        var members: [String] = []
        let signatureCount = [0, 1, 2, 16, 17].randomElement(using: &generator)!
        let signatures = "[" + (0..<signatureCount).map { _ in randomSignature(using: &generator) }.joined(separator: ", ") + "]"
        let candidates: [(String, [String])] = [
            ("payloadType", ["\"application/vnd.in-toto+json\"", "\"text/plain\"", "5", "null"]),
            ("payload", ["\"eyJfdHlwZSI6ICJ4In0\"", "\"not base64!\"", "\"\"", "{}", "null"]),
            ("signatures", [signatures, signatures, "{}", "\"sig\"", "null"]),
            ("mediaType", ["\"application/vnd.dev.sigstore.bundle.v0.3+json\"", "\"application/json\"", "1", "null"]),
            ("dsseEnvelope", depth == 0 ? [randomEnvelope(depth: 1, using: &generator), "[]", "null"] : ["null"]),
            ("verificationMaterial", ["{\"certificate\": {\"rawBytes\": \"x\"}}", "{\"x509CertificateChain\": null}", "{}", "7", "null"]),
            ("messageSignature", ["{}", "null", "\"x\""]),
            ("unrelated", ["[1, 2, {\"deep\": [true]}]", "\"value\""]),
        ]
        for (name, values) in candidates where Int.random(in: 0..<3, using: &generator) > 0 {
            members.append("\"\(name)\": \(oneOf(values, using: &generator))")
        }
        if Bool.random(using: &generator), let first = members.first { members.append(first) }  // a duplicate name
        members.shuffle(using: &generator)
        return depth == 0 && Int.random(in: 0..<20, using: &generator) == 0
            ? randomScalar(using: &generator) : "{" + members.joined(separator: ", ") + "}"
    }

    static func randomSubject(using generator: inout SeededGenerator) -> String {
        let hex = String(repeating: oneOf(["ab", "AB", "0f"], using: &generator), count: 32)
        return oneOf(
            [
                "{\"name\": \"app\", \"digest\": {\"sha256\": \"\(hex)\"}}", "{\"digest\": {\"sha512\": \"00\"}}",
                "{\"name\": 3, \"digest\": {\"sha256\": \"\(hex)\"}}", "{\"digest\": {\"sha256\": \"short\"}}", "{\"digest\": []}", "\"x\"",
                "null", "{}",
            ], using: &generator)
    }

    static func randomStatement(using generator: inout SeededGenerator) -> String {
        let subjectCount = [0, 1, 3, 1001].randomElement(using: &generator)!
        let subjects = "[" + (0..<subjectCount).map { _ in randomSubject(using: &generator) }.joined(separator: ",") + "]"
        let candidates: [(String, [String])] = [
            ("_type", ["\"https://in-toto.io/Statement/v1\"", "\"https://in-toto.io/Statement/v0.1\"", "\"link\"", "\"other\"", "1", "null"]),
            ("type", ["\"link\"", "null"]),
            ("subject", [subjects, subjects, "{}", "\"x\"", "null"]),
            ("predicateType", ["\"https://slsa.dev/provenance/v1\"", "\"\"", "[]", "null"]),
            ("predicate", ["{\"buildDefinition\": {\"buildType\": \"x\"}}", "[]", "\"p\"", "null"]),
        ]
        var members: [String] = []
        for (name, values) in candidates where Int.random(in: 0..<6, using: &generator) > 0 {
            members.append("\"\(name)\": \(oneOf(values, using: &generator))")
        }
        if Bool.random(using: &generator), let first = members.first { members.append(first) }
        members.shuffle(using: &generator)
        return Int.random(in: 0..<25, using: &generator) == 0 ? randomScalar(using: &generator) : "{" + members.joined(separator: ", ") + "}"
    }
}
