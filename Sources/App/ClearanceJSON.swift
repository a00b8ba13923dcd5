import Domain

/// The clearance answer and receipt payload as JSON, written directly: the hottest encodings on the
/// server, with fixed shapes. Keys are sorted and slashes unescaped, exactly as `JSONBody.encoder` would
/// write the same values (a test holds the two to byte equality).
enum ClearanceJSON {
    /// The answer object of the interface contract.
    static func answer(_ answer: ClearanceRoutes.Answer) -> [UInt8] {
        var json = JSONWriter()
        json.raw("{\"breakGlass\":")
        json.bool(answer.breakGlass)
        json.raw(",\"cleared\":")
        json.bool(answer.cleared)
        json.raw(",\"decidedAt\":")
        json.string(answer.decidedAt)
        json.raw(",\"digest\":")
        json.string(answer.digest)
        json.raw(",\"environment\":")
        json.string(answer.environment)
        json.raw(",\"mode\":")
        json.string(answer.mode)
        json.raw(",\"policyVersion\":")
        json.raw(String(answer.policyVersion))
        json.raw(",\"reasons\":")
        json.array(answer.reasons) { json, reason in
            json.raw("{\"message\":")
            json.string(reason.message)
            json.raw(",\"passed\":")
            json.bool(reason.passed)
            json.raw(",\"rule\":")
            json.string(reason.rule)
            json.raw("}")
        }
        if let receipt = answer.receipt {
            json.raw(",\"receipt\":")
            json.string(receipt)
        }
        if let validUntil = answer.validUntil {
            json.raw(",\"validUntil\":")
            json.string(validUntil)
        }
        json.raw("}")
        return json.bytes
    }

    /// What a receipt signs.
    static func receiptPayload(_ payload: ClearanceRoutes.ReceiptPayload) -> [UInt8] {
        var json = JSONWriter(capacity: 256)
        json.raw("{\"cleared\":")
        json.bool(payload.cleared)
        json.raw(",\"decidedAt\":")
        json.string(payload.decidedAt)
        json.raw(",\"digest\":")
        json.string(payload.digest)
        json.raw(",\"environment\":")
        json.string(payload.environment)
        json.raw(",\"policyVersion\":")
        json.raw(String(payload.policyVersion))
        if let validUntil = payload.validUntil {
            json.raw(",\"validUntil\":")
            json.string(validUntil)
        }
        json.raw("}")
        return json.bytes
    }
}
