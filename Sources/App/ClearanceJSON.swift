/// The clearance answer and receipt payload as JSON, written directly: the hottest encodings on the
/// server, with fixed shapes. Keys are sorted and slashes unescaped, exactly as `JSONBody.encoder` would
/// write the same values (a test holds the two to byte equality).
struct ClearanceJSON {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    /// The answer object of the interface contract.
    static func answer(_ answer: ClearanceRoutes.Answer) -> [UInt8] {
        var json = ClearanceJSON()
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
        json.raw(",\"reasons\":[")
        for (index, reason) in answer.reasons.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"message\":")
            json.string(reason.message)
            json.raw(",\"passed\":")
            json.bool(reason.passed)
            json.raw(",\"rule\":")
            json.string(reason.rule)
            json.raw("}")
        }
        json.raw("]")
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
        var json = ClearanceJSON(capacity: 256)
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

    private mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    /// A JSON string: quote, backslash and control characters escaped as JSONEncoder escapes them.
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                raw("\\u00")
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
