import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One OpenVEX statement that says a vulnerability does not affect an image digest.
public struct VEXExemption: Sendable, Equatable {
    public let vulnerability: String
    public let digest: Digest
    /// `not_affected` or `fixed`.
    public let status: String
    /// The statement's justification and impact statement, when given.
    public let justification: String
}

/// OpenVEX documents (v0.0.x and v0.2): statements with status `not_affected` or `fixed` whose products are
/// `pkg:oci/…@sha256%3A…` purls become exemptions; other statuses and non-image products are ignored.
public enum OpenVEX {
    private struct Document: Decodable {
        let context: String?
        let statements: [Statement]?

        enum CodingKeys: String, CodingKey {
            case context = "@context"
            case statements
        }
    }

    private struct Statement: Decodable {
        let vulnerability: Vulnerability?
        let products: [Product]?
        let status: String?
        let justification: String?
        let impactStatement: String?

        enum CodingKeys: String, CodingKey {
            case vulnerability, products, status, justification
            case impactStatement = "impact_statement"
        }
    }

    /// v0.2 names the vulnerability in an object, v0.0.x as a string.
    private struct Vulnerability: Decodable {
        let name: String?

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                name = text
                return
            }
            enum Keys: String, CodingKey { case name }
            name = try decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .name)
        }
    }

    /// v0.2 products are objects with `@id`, v0.0.x products are strings.
    private struct Product: Decodable {
        let id: String?

        init(from decoder: any Decoder) throws {
            if let text = try? decoder.singleValueContainer().decode(String.self) {
                id = text
                return
            }
            enum Keys: String, CodingKey { case id = "@id" }
            id = try decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .id)
        }
    }

    /// The exemptions a document grants; a document that is not OpenVEX is `.unsupported`, a malformed one `.malformed`/`.invalid`.
    public static func exemptions(in bytes: [UInt8]) throws(EvidenceError) -> [VEXExemption] {
        try JSONDepthGuard.check(bytes)
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch is DecodingError {
            guard (try? JSONSerializationProbe.isJSON(bytes)) == true else { throw EvidenceError(.malformed, "not valid JSON") }
            throw EvidenceError(.invalid, "OpenVEX document: unexpected shape")
        } catch {
            throw EvidenceError(.malformed, "not valid JSON")
        }
        guard let context = document.context, context.hasPrefix("https://openvex.dev/ns") else {
            throw EvidenceError(.unsupported, "not an OpenVEX document (@context https://openvex.dev/ns/…)")
        }
        guard let statements = document.statements, statements.count <= 10_000 else {
            throw EvidenceError(.invalid, "OpenVEX document: statements must be a list of at most 10,000 entries")
        }
        var exemptions: [VEXExemption] = []
        for statement in statements {
            guard let status = statement.status, status == "not_affected" || status == "fixed",
                let vulnerability = statement.vulnerability?.name, !vulnerability.isEmpty, vulnerability.utf8.count <= 256
            else { continue }
            let justification = [statement.justification, statement.impactStatement].compactMap { $0 }.joined(separator: ": ")
            for product in statement.products ?? [] {
                guard let digest = product.id.flatMap(ociDigest) else { continue }
                exemptions.append(
                    VEXExemption(
                        vulnerability: vulnerability, digest: digest, status: status,
                        justification: justification.isEmpty ? "OpenVEX: \(status)" : String(justification.prefix(1000))))
            }
        }
        return exemptions
    }

    /// The digest of `pkg:oci/name@sha256%3A<hex>[?…]`.
    static func ociDigest(_ purl: String) -> Digest? {
        guard purl.hasPrefix("pkg:oci/"), let at = purl.firstIndex(of: "@") else { return nil }
        var version = String(purl[purl.index(after: at)...])
        if let end = version.firstIndex(where: { $0 == "?" || $0 == "#" }) { version = String(version[..<end]) }
        version = version.replacing("%3A", with: ":").replacing("%3a", with: ":")
        return try? Digest(parsing: version)
    }
}

/// Tells malformed JSON from JSON of the wrong shape without a second full decode.
private enum JSONSerializationProbe {
    struct Anything: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    static func isJSON(_ bytes: [UInt8]) throws -> Bool {
        _ = try JSONDecoder().decode(Anything.self, from: Data(bytes))
        return true
    }
}
