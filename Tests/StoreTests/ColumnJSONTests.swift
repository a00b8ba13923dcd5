import Domain
import Foundation
import SQLite
import Testing
import TestSupport

@testable import Store

/// The hand-written reader of the JSON columns decisions read agrees with what `JSONColumn.encode` (Foundation's
/// encoder) writes, including escapes and non-ASCII text, and refuses anything else as corruption.
@Suite struct ColumnJSONTests {
    /// Strings that exercise every escape JSONEncoder emits, multi-byte UTF-8 and surrogate pairs.
    static let awkward = [
        "", "plain", "quote \" backslash \\ slash /", "tab\tnewline\ncr\rback\u{8}feed\u{c}", "nul \u{0} unit \u{1f}",
        "ümlaut, 日本語, emoji 🚀👩‍👩‍👧", "\u{2028}\u{2029}", "trailing space ", "registry.example.com:5000/a,b:c",
    ]

    @Test func readsWhatTheEncoderWrites() throws {
        let instant = Date(timeIntervalSince1970: 1_767_000_000.123)
        for (index, text) in Self.awkward.enumerated() {
            let provenance = ProvenanceSummary(
                slsaVersion: "v1", builderID: text, buildType: index % 2 == 0 ? nil : text, sourceRepository: text, sourceCommit: nil,
                invocationID: index % 3 == 0 ? text : nil, startedOn: index % 2 == 0 ? instant : nil, finishedOn: instant)
            let encoded = try JSONColumn.encode(provenance)
            #expect(try JSONColumn.provenance(from: encoded, column: "c") == provenance, "\(encoded)")
            #expect(try JSONColumn.provenance(from: encoded, column: "c") == JSONColumn.decode(ProvenanceSummary.self, from: encoded, column: "c"))

            let facts = ImageConfigFacts(
                user: text, runsAsRoot: index % 2 == 0, nonNumericUser: index % 3 == 0, exposedPorts: [text, "8080/tcp"], envNames: [],
                secretEnv: [text], labels: [text: text, "org.opencontainers.image.source": "https://example.com"], entrypoint: ["/app", text],
                cmd: [], hasHealthcheck: index % 2 == 1)
            #expect(try JSONColumn.imageConfigFacts(from: JSONColumn.encode(facts), column: "c") == facts)

            let components = [SBOMComponent(name: text, version: nil, purl: "pkg:npm/\(text)@1"), SBOMComponent(name: "b", version: text, purl: nil)]
            #expect(try JSONColumn.sbomComponents(from: JSONColumn.encode(components), column: "c") == components)
        }
        #expect(try JSONColumn.sbomComponents(from: "[]", column: "c").isEmpty)
    }

    @Test func refusesWhatItDidNotWrite() {
        let good = #"{"builderID":"b","slsaVersion":"v1"}"#
        #expect((try? JSONColumn.provenance(from: good, column: "c")) != nil)
        // Unknown fields are ignored, as the Codable decoder would.
        #expect((try? JSONColumn.provenance(from: #"{"builderID":"b","future":[1,{"x":null}],"slsaVersion":"v1"}"#, column: "c")) != nil)
        let bad = [
            "", " ", "{", #"{"builderID":"b","slsaVersion":"v1""#, good + "x", good + "{}", #"{"builderID":1,"slsaVersion":"v1"}"#,
            #"{"slsaVersion":"v1"}"#, #"{"builderID":"b","slsaVersion":"v1","startedOn":"yesterday"}"#, #"{"builderID":"\ud800","slsaVersion":"v1"}"#,
            #"{"builderID":"\udc00x","slsaVersion":"v1"}"#, #"{"builderID":"\x","slsaVersion":"v1"}"#, "{\"builderID\":\"a\u{1}\",\"slsaVersion\":\"v1\"}",
            #"{"builderID":"b","slsaVersion":"v1",}"#, #"{"builderID" "b"}"#, #"["builderID"]"#, "tru", "nul",
            String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        ]
        for text in bad {
            #expect(throws: StoreError.self, "\(text.prefix(60))") { try JSONColumn.provenance(from: text, column: "c") }
        }
        #expect(throws: StoreError.self) { try JSONColumn.provenance(from: nil, column: "c") }
        #expect(throws: StoreError.self) { try JSONColumn.imageConfigFacts(from: #"{"user":"1"}"#, column: "c") }
        #expect(throws: StoreError.self) { try JSONColumn.sbomComponents(from: #"[{"version":"1"}]"#, column: "c") }
    }
}
