import Foundation
import Testing

@testable import Store

/// Audit details are written by hand inside the write transaction; they must stay byte for byte what `JSONEncoder`
/// (sorted keys, unescaped slashes) wrote for every earlier entry.
@Suite struct AuditDetailsTests {
    static func reference(_ details: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(details), as: UTF8.self)
    }

    @Test func theDetailsOfRealEntriesAreWrittenAsJSONEncoderWritesThem() throws {
        for details: [String: String] in [
            [:], ["name": "ci", "algorithm": "ecdsa-p256"],
            ["predicateType": "https://slsa.dev/provenance/v1", "digests": "sha256:ab sha256:cd", "keys": "k1 k2"],
            ["reasons": "envelope 1: \"sig\" is not valid base64; line 2\tbad\\path/x"], ["counts": "CRITICAL=0 HIGH=2", "secrets": "0"],
        ] {
            #expect(AuditLog.encodeDetails(details) == (try Self.reference(details)))
        }
    }

    /// Every byte that needs escaping, non-ASCII text and keys in every order, at random.
    @Test func randomDetailsAreWrittenAsJSONEncoderWritesThem() throws {
        let pieces = ["a", "Z", "_", "0", "10", "2", "é", "😀", "\u{0}", "\u{1}", "\u{8}", "\t", "\n", "\u{B}", "\u{C}", "\r", "\u{1F}", "\u{7F}",
                      "\"", "\\", "/", "\u{2028}", " ", "ß", "Å", "ﬁ"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var details: [String: String] = [:]
            for _ in 0..<Int.random(in: 0..<6, using: &generator) {
                let key = (0..<Int.random(in: 1..<4, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
                details[key] = (0..<Int.random(in: 0..<8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            }
            #expect(AuditLog.encodeDetails(details) == (try Self.reference(details)), "\(details)")
        }
    }
}
