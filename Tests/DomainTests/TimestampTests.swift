import Domain
import Foundation
import Testing

@Suite("Timestamp")
struct TimestampTests {
    private let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    @Test("round-trips, keeps text order equal to time order, and agrees with Foundation's ISO-8601 style")
    func matchesFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        // 1900 to 2300, millisecond instants, plus day and leap-day boundaries.
        var instants: [Double] = (0..<20_000).map { _ in Double(Int64.random(in: -2_208_988_800_000...10_413_792_000_000, using: &generator)) / 1000 }
        instants += [0, -0.001, 951_782_400, 951_868_799.999, 4_107_542_400, 1_798_761_599.999]
        var previous: (Double, String)?
        for seconds in instants.sorted() {
            let date = Date(timeIntervalSince1970: seconds)
            let text = Timestamp.format(date)
            // Foundation truncates through a floating-point step that can land one millisecond lower.
            let reference = try foundation.parse(foundation.format(date)).timeIntervalSince1970
            let parsed = try #require(Timestamp.parse(text))
            #expect(abs(parsed.timeIntervalSince1970 - reference) <= 0.001 + 1e-5, "\(text)")
            // Foundation's own fractional-second parse is only accurate to about a microsecond.
            let difference = parsed.timeIntervalSince1970 - (try foundation.parse(text)).timeIntervalSince1970
            #expect(abs(difference) < 1e-5, "\(text): \(difference)")
            #expect(Timestamp.format(parsed) == text)
            #expect(seconds - parsed.timeIntervalSince1970 >= -1e-6 && seconds - parsed.timeIntervalSince1970 < 0.001 + 1e-6)
            if let (earlier, earlierText) = previous, earlier < seconds { #expect(earlierText <= text) }
            previous = (seconds, text)
        }
    }

    @Test("refuses impossible fixed-form dates and still reads other RFC 3339 spellings")
    func edgeCases() {
        #expect(Timestamp.parse("2026-02-29T00:00:00.000Z") == nil)
        #expect(Timestamp.parse("2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parse("2026-11-29T24:00:00Z") == nil)
        #expect(Timestamp.parse("2026-11-29T07:28:05.1x3Z") == nil)
        #expect(Timestamp.parse("2028-02-29T23:59:59Z") != nil)
        #expect(Timestamp.parse("2026-11-29T08:28:05+01:00") == Timestamp.parse("2026-11-29T07:28:05Z"))
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_796_000_000.1239)) == "2026-11-30T00:53:20.123Z")
    }
}
