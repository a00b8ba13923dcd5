import Evidence
import Testing

@Suite struct JSONDepthGuardTests {
    private func nested(_ depth: Int, open: String = "[", close: String = "]", inner: String = "1") -> [UInt8] {
        Array((String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)).utf8)
    }

    @Test func sixtyFourLevelsAreAccepted() throws {
        try JSONDepthGuard.check(nested(64))
        try JSONDepthGuard.check(Array((String(repeating: #"{"a":"#, count: 64) + "1" + String(repeating: "}", count: 64)).utf8))
    }

    @Test func sixtyFiveLevelsAreRefused() {
        #expect(evidenceError { try JSONDepthGuard.check(nested(65)) } == EvidenceError(.malformed, "JSON nested deeper than 64 levels"))
        let mixed = Array((String(repeating: #"{"a":["#, count: 33) + "1" + String(repeating: "]}", count: 33)).utf8)
        #expect(evidenceError { try JSONDepthGuard.check(mixed) }?.kind == .malformed)
    }

    @Test func theLimitIsAParameter() throws {
        try JSONDepthGuard.check(nested(3), maxDepth: 3)
        #expect(evidenceError { try JSONDepthGuard.check(nested(4), maxDepth: 3) }?.message == "JSON nested deeper than 3 levels")
    }

    @Test func bracketsInsideStringsDoNotCount() throws {
        let brackets = String(repeating: "[{", count: 500)
        try JSONDepthGuard.check(Array(#"{"key": "\#(brackets)", "k2": ["\"\#(brackets)\\"]}"#.utf8))
        // An escaped quote does not end the string, so the brackets after it are still inside.
        try JSONDepthGuard.check(Array(#"["\" \#(brackets)"]"#.utf8))
        // An escaped backslash does end it: the brackets after it count.
        #expect(evidenceError { try JSONDepthGuard.check(Array(#"["\\" \#(brackets)"]"#.utf8)) }?.kind == .malformed)
    }

    @Test func twoHundredThousandOpenBracketsAreRefusedQuickly() {
        let start = ContinuousClock.now
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 200_000)
        #expect(evidenceError { try JSONDepthGuard.check(deep) }?.kind == .malformed)
        let balanced = deep + [UInt8](repeating: UInt8(ascii: "]"), count: 200_000)
        #expect(evidenceError { try JSONDepthGuard.check(balanced) }?.kind == .malformed)
        #expect(ContinuousClock.now - start < .milliseconds(500))
    }

    @Test func flatDocumentsOfAnySizePass() throws {
        try JSONDepthGuard.check([])
        try JSONDepthGuard.check(Array(("[" + Array(repeating: "[1]", count: 100_000).joined(separator: ",") + "]").utf8))
    }
}
