#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one text form of an instant: UTC ISO-8601 with milliseconds, fixed width so that text order is time order.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Formats `date` as e.g. `2026-11-29T07:28:05.123Z`.
    public static func format(_ date: Date) -> String { style.format(date) }

    /// Parses RFC 3339 / ISO-8601 instants with or without fractional seconds; nil when malformed.
    public static func parse(_ text: String) -> Date? {
        if let date = try? style.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
