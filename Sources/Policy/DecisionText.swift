#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Domain

/// Small formatting helpers for reason messages.
enum DecisionText {
    /// `1 approval`, `2 approvals`.
    static func count(_ number: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(number) \(number == 1 ? singular : (plural ?? singular + "s"))"
    }

    /// At most `limit` items, then `and N more`, so a message stays bounded whatever the evidence holds.
    static func list(_ items: [String], limit: Int = 10, separator: String = ", ") -> String {
        let shown = items.prefix(limit).map { clip($0) }
        let rest = items.count - shown.count
        return shown.joined(separator: separator) + (rest > 0 ? " and \(rest) more" : "")
    }

    /// Text from evidence or users, cut to a bounded length.
    static func clip(_ text: String, max: Int = 120) -> String {
        text.count <= max ? text : String(text.prefix(max)) + "…"
    }

    /// `text` without leading and trailing whitespace.
    static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }

    /// The contract's timestamp form; total even for dates no formatter handles.
    static func time(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        // Years 0001…9999 only: the ISO formatter's range, and anything else is not a real instant here.
        guard seconds.isFinite, seconds > -62_135_596_800, seconds < 253_402_300_799 else { return "an invalid time" }
        return Timestamp.format(date)
    }

    /// Whole hours in `interval`, clamped so that no date can trap the conversion.
    static func wholeHours(_ interval: TimeInterval) -> Int {
        guard interval.isFinite else { return interval > 0 ? Int.max : 0 }
        let hours = (interval / 3600).rounded(.down)
        if hours >= Double(Int32.max) { return Int(Int32.max) }
        if hours <= 0 { return 0 }
        return Int(hours)
    }

    /// `date + hours`, the instant something of that age stops counting.
    static func adding(hours: Int, to date: Date) -> Date {
        date.addingTimeInterval(TimeInterval(hours) * 3600)
    }
}
