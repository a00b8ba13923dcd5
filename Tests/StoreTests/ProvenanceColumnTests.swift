import Domain
import Foundation
import Testing

@testable import Store

/// The provenance column is written by hand on the ingest path; it must stay what `JSONColumn.encode` writes, and read
/// back as the summary it was written from.
@Suite struct ProvenanceColumnTests {
    static let texts: [String?] = [nil, "", "https://example.com/b", "quote \" slash / back \\ tab \t é 😀", "\u{1}"]

    static func summary(_ index: Int, instant: Date?) -> ProvenanceSummary {
        let text = texts[index]
        let builder: String = text ?? "https://builder"
        let finished: Date? = index % 2 == 0 ? nil : instant
        return ProvenanceSummary(
            slsaVersion: index % 2 == 0 ? "v1" : "v0.2", builderID: builder, buildType: text, sourceRepository: texts[(index + 1) % 5],
            sourceCommit: texts[(index + 2) % 5], invocationID: texts[(index + 3) % 5], startedOn: instant, finishedOn: finished)
    }

    @Test func everyShapeOfSummaryIsWrittenAsTheEncoderWritesIt() throws {
        for index in Self.texts.indices {
            for instant in [nil, Date(timeIntervalSince1970: 1_767_000_000.123)] as [Date?] {
                let summary = Self.summary(index, instant: instant)
                let written = JSONColumn.provenanceText(summary)
                #expect(written == (try JSONColumn.encode(summary)), "\(summary)")
                #expect(try JSONColumn.provenance(from: written, column: "provenance") == summary)
            }
        }
    }
}
