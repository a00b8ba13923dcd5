import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An in-toto Statement (in-toto/attestation `spec/v1/statement.md`; v0.1 as cosign still emits it),
/// read from a payload whose signature has *already* verified.
struct InTotoStatement: Sendable, Equatable {
    static let typeV1 = "https://in-toto.io/Statement/v1"
    static let typeV01 = "https://in-toto.io/Statement/v0.1"
    /// Bounds on what one statement may list (the payload itself is bounded by `DSSE.maxPayloadBytes`).
    static let maxSubjects = 1_000
    static let maxSubjectNameBytes = 4_096
    static let maxPredicateTypeBytes = 1_024

    /// `typeV1` or `typeV01`.
    let type: String
    /// The sha256 subjects, in statement order, without duplicates; never empty.
    let subjects: [Subject]
    let predicateType: String
    /// The predicate's own bytes inside the payload (nil when the statement has none); an object when present.
    let predicateText: ArraySlice<UInt8>?

    /// `subject`, decoded only when it has at most `maxSubjects` entries.
    private typealias SubjectList = JSONField<BoundedJSONArray<JSONValue, InTotoSubjectLimit>>

    /// The members the statement is checked on; `predicate` is left in the payload (it may be a multi-MiB SBOM)
    /// and located afterwards with `JSONSlice`.
    private struct Header: Decodable {
        var type: JSONField<String>?
        var legacyType: JSONKindProbe?
        var subject: SubjectList?
        var predicateType: JSONField<String>?
        var predicate: JSONKindProbe?

        enum CodingKeys: String, CodingKey {
            case type = "_type"
            case legacyType = "type"
            case subject, predicateType, predicate
        }

        /// The members of a parsed statement object, as decoding it would read them.
        init(tree statement: JSONValue) {
            type = JSONField(string: statement.presentMember("_type"))
            legacyType = JSONKindProbe(member: statement.presentMember("type"))
            subject = JSONField(array: statement.presentMember("subject")) { .value($0) }
            predicateType = JSONField(string: statement.presentMember("predicateType"))
            predicate = JSONKindProbe(member: statement.presentMember("predicate"))
        }

        /// The header of `text`, or the rejection of a payload that is not JSON or not an object.
        static func read(_ text: ArraySlice<UInt8>, with reader: JSONReader) throws(AttestationRejection) -> Header {
            let notJSON = AttestationRejection("the payload is not valid JSON, so it is not an in-toto Statement")
            func notAnObject(_ kind: JSONSlice.Kind) -> AttestationRejection {
                AttestationRejection("the payload is \(kind.description), not an in-toto Statement object")
            }
            switch reader {
            case .tree:
                guard let statement = JSONValueParser.parse(text) else { throw notJSON }
                guard case .object = statement else { throw notAnObject(statement.kind) }
                return Header(tree: statement)
            case .decoder:
                if let header = try? JSONDecoder().decode(Header.self, from: Data(text)) { return header }
                guard let probe = try? JSONDecoder().decode(JSONKindProbe.self, from: Data(text)) else { throw notJSON }
                throw notAnObject(probe.kind)
            }
        }
    }

    /// Parses and checks `payload`; every problem is a rejection with a reason a CI author can act on.
    static func parse(_ payload: [UInt8]) throws(AttestationRejection) -> InTotoStatement {
        try parse(payload, reader: .forDocument(of: payload.count))
    }

    /// The same with the reader chosen (tests compare both).
    static func parse(_ payload: [UInt8], reader: JSONReader) throws(AttestationRejection) -> InTotoStatement {
        do {
            try JSONDepthGuard.check(payload)
        } catch {
            throw AttestationRejection("the payload is not an in-toto Statement: \(error.message)")
        }
        // A UTF-8 byte order mark is skipped, as JSONDecoder skips it, so both readers see the same text.
        let text = payload.starts(with: [0xEF, 0xBB, 0xBF]) ? payload[3...] : payload[...]
        let header = try Header.read(text, with: reader)
        let type = try statementType(header)
        let subjects = try sha256Subjects(header.subject)
        let predicateType: String
        switch header.predicateType {
        case nil: throw AttestationRejection("predicateType is missing")
        case .mismatch(let kind)?: throw AttestationRejection("predicateType must be a string, not \(kind.description)")
        case .value(let text)?: predicateType = text
        }
        guard !predicateType.isEmpty else { throw AttestationRejection("predicateType is missing") }
        guard predicateType.utf8.count <= maxPredicateTypeBytes else {
            throw AttestationRejection("predicateType is longer than \(maxPredicateTypeBytes) bytes")
        }
        // The v1 spec makes `predicate` optional; absent (or null) means "nothing more to say", a wrong type is refused.
        var predicateText: ArraySlice<UInt8>?
        if let probe = header.predicate {
            guard probe.kind == .object else { throw AttestationRejection("predicate must be an object, not \(probe.kind.description)") }
            predicateText = JSONSlice.member("predicate", of: text)
        }
        return InTotoStatement(type: type, subjects: subjects, predicateType: predicateType, predicateText: predicateText)
    }

    /// The predicate as a tree, for the small predicates read field by field (provenance); `[:]` when absent.
    func predicateObject() throws(AttestationRejection) -> [String: JSONValue] {
        guard let predicateText else { return [:] }
        guard let object = JSONValue.decode(predicateText)?.objectValue else {
            throw AttestationRejection("predicate must be an object")
        }
        return object
    }

    private static func statementType(_ header: Header) throws(AttestationRejection) -> String {
        let expected = "expected \(typeV1) or \(typeV01)"
        let type: String
        switch header.type {
        case nil:
            if header.legacyType != nil {
                throw AttestationRejection("the payload has 'type' but no '_type', so it is not an in-toto Statement (\(expected))")
            }
            throw AttestationRejection("the payload has no '_type', so it is not an in-toto Statement (\(expected))")
        case .mismatch(let kind)?:
            throw AttestationRejection("_type must be a string, not \(kind.description)")
        case .value(let text)?:
            type = text
        }
        switch type {
        case typeV1, typeV01:
            return type
        case "link", "https://in-toto.io/Link/v1":
            throw AttestationRejection("the payload is in-toto link metadata, not an in-toto Statement (\(expected))")
        case "layout", "https://in-toto.io/Layout/v1":
            throw AttestationRejection("the payload is an in-toto layout, not an in-toto Statement (\(expected))")
        default:
            throw AttestationRejection("_type \(DisplayText.quoted(type)) is not an in-toto Statement type (\(expected))")
        }
    }

    private static func sha256Subjects(_ field: SubjectList?) throws(AttestationRejection) -> [Subject] {
        let list: [JSONField<JSONValue>]
        switch field {
        case nil:
            throw AttestationRejection("the Statement has no subject array")
        case .mismatch(let kind)?:
            throw AttestationRejection("subject must be an array, not \(kind.description)")
        case .value(let bounded)?:
            switch bounded.contents {
            case .tooMany(let count):
                throw AttestationRejection("the Statement has \(count) subjects; at most \(maxSubjects) are accepted")
            case .elements(let elements):
                list = elements
            }
        }
        guard !list.isEmpty else { throw AttestationRejection("the Statement's subject array is empty") }
        var subjects: [Subject] = []
        var otherAlgorithms: Set<String> = []
        for (index, field) in list.enumerated() {
            let path = "subject[\(index)]."
            // Any valid JSON decodes as a JSONValue, so a mismatch cannot happen; it is refused all the same.
            guard case .value(let value) = field else { throw AttestationRejection("subject[\(index)] must be an object") }
            guard let entry = value.objectValue else {
                throw AttestationRejection("subject[\(index)] must be an object, not \(value.kindDescription)")
            }
            let name = try entry.optionalString("name", at: path) ?? ""
            guard name.utf8.count <= maxSubjectNameBytes else {
                throw AttestationRejection("\(path)name is longer than \(maxSubjectNameBytes) bytes")
            }
            guard let digests = try entry.optionalObject("digest", at: path) else {
                throw AttestationRejection("\(path)digest is missing")
            }
            // A DigestSet may name several algorithms; only sha256 identifies an image here, others are ignored
            // (in-toto `resource_descriptor.md`: consumers ignore algorithms they do not understand).
            guard let hex = try digests.optionalString("sha256", at: path + "digest.") else {
                otherAlgorithms.formUnion(digests.keys)
                continue
            }
            // Bare hex per the spec: no `sha256:` prefix; case-folded because some producers write upper case.
            guard hex.utf8.count == 64, let digest = try? Digest(sha256Hex: hex) else {
                throw AttestationRejection("\(path)digest.sha256 must be 64 hexadecimal characters without a prefix")
            }
            let subject = Subject(name: name, digest: digest)
            if !subjects.contains(subject) { subjects.append(subject) }
        }
        guard !subjects.isEmpty else {
            let seen = otherAlgorithms.sorted().prefix(5).map { DisplayText.quoted($0, limit: 40) }.joined(separator: ", ")
            throw AttestationRejection(
                "no subject has a sha256 digest (digest algorithms present: \(seen.isEmpty ? "none" : seen)); only sha256 subjects can be attested"
            )
        }
        return subjects
    }
}

/// `InTotoStatement.maxSubjects`, as a type for `BoundedJSONArray`.
enum InTotoSubjectLimit: JSONArrayLimit {
    static var maximum: Int { InTotoStatement.maxSubjects }
}
