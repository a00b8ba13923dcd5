@testable import App
import Domain
import Foundation
import Testing

/// The hand-written clearance and attestation-list JSON must be exactly what the generic encoder writes for the same values.
@Suite struct ClearanceJSONTests {
    static let awkward = [
        "plain", "", "quote \" and backslash \\", "slash / kept", "line\nbreak\ttab\r\u{08}\u{0C}", "nul \u{0} and \u{1F} and \u{7F}",
        "unicode é ✓ 𝄞", "<script>alert(1)</script>",
    ]

    @Test func answersMatchTheGenericEncoderByteForByte() throws {
        for (index, text) in Self.awkward.enumerated() {
            for receipt in [nil, "eyJ.e30.sig-\(index)"] {
                for validUntil in [nil, "2026-12-01T00:00:00.000Z"] {
                    let answer = ClearanceRoutes.Answer(
                        digest: "sha256:" + String(repeating: "a", count: 64), environment: "prod-\(text)", cleared: index % 2 == 0,
                        mode: "enforce", policyVersion: index * 1000 - 3, decidedAt: "2026-11-29T10:00:00.000Z", validUntil: validUntil,
                        reasons: [DecisionReason(rule: "vulnerabilities", passed: false, message: text), DecisionReason(rule: text, passed: true, message: "ok")],
                        breakGlass: index % 3 == 0, receipt: receipt)
                    #expect(ClearanceJSON.answer(answer) == Array(try JSONBody.encoder.encode(answer)), "\(text)")
                }
            }
            let payload = ClearanceRoutes.ReceiptPayload(
                digest: "sha256:" + String(repeating: "b", count: 64), environment: text, cleared: true, policyVersion: index,
                decidedAt: "2026-11-29T10:00:00.000Z", validUntil: index % 2 == 0 ? nil : text)
            #expect(ClearanceJSON.receiptPayload(payload) == Array(try JSONBody.encoder.encode(payload)), "\(text)")
        }
    }

    @Test func attestationListsMatchTheGenericEncoderByteForByte() throws {
        struct List: Encodable { let attestations: [EvidenceRoutes.AttestationView] }
        for count in 0..<4 {
            let views = (0..<count).map { index in
                EvidenceRoutes.AttestationView(
                    id: String(repeating: "f", count: 64), predicateType: Self.awkward[index % Self.awkward.count],
                    subjects: (0..<index).map { EvidenceRoutes.SubjectView(name: Self.awkward[($0 + 3) % Self.awkward.count], digest: "sha256:\($0)") },
                    verifiedKeyIds: Array(Self.awkward.prefix(index)), created: index % 2 == 0)
            }
            #expect(EvidenceRoutes.attestationListJSON(views) == Array(try JSONBody.encoder.encode(List(attestations: views))))
        }
    }

    @Test func anAnswerWithoutReasonsIsStillAnArray() throws {
        let answer = ClearanceRoutes.Answer(
            digest: "sha256:" + String(repeating: "c", count: 64), environment: "staging", cleared: false, mode: "dryRun", policyVersion: 1,
            decidedAt: "2026-11-29T10:00:00.000Z", validUntil: nil, reasons: [], breakGlass: false, receipt: nil)
        let object = try JSONSerialization.jsonObject(with: Data(ClearanceJSON.answer(answer))) as? [String: Any]
        #expect((object?["reasons"] as? [Any])?.isEmpty == true)
        #expect(ClearanceJSON.answer(answer) == Array(try JSONBody.encoder.encode(answer)))
    }
}
