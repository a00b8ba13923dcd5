#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one text form of an instant: UTC ISO-8601 with milliseconds, fixed width so that text order is time order.
///
/// Every stored row carries timestamps, so the fixed form is formatted and parsed by hand (civil-from-days
/// arithmetic); other RFC 3339 spellings fall back to Foundation's parser.
public enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Formats `date` as e.g. `2026-11-29T07:28:05.123Z` (milliseconds truncated toward the past).
    public static func format(_ date: Date) -> String {
        let scaled = date.timeIntervalSince1970 * 1000
        // A parsed whole millisecond comes back a hair below itself through Date's 2001-based storage; snap
        // values within a microsecond of a whole millisecond to it, so format(parse(text)) == text.
        let nearest = scaled.rounded()
        let millis = abs(scaled - nearest) < 0.001 ? nearest : scaled.rounded(.down)
        // Outside years 0001–9999 the fixed form does not apply.
        guard millis > -62_135_596_800_000, millis < 253_402_300_800_000 else { return style.format(date) }
        let total = Int64(millis)
        let (days, dayMillis) = floorDivide(total, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let seconds = dayMillis / 1000
        let fields: [(Int64, Int)] = [
            (year, 4), (month, 2), (day, 2), (seconds / 3600, 2), (seconds / 60 % 60, 2), (seconds % 60, 2), (dayMillis % 1000, 3),
        ]
        let separators: [UInt8] = [0x2D, 0x2D, 0x54, 0x3A, 0x3A, 0x2E, 0x5A]  // - - T : : . Z
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var index = 0
            for (position, (value, width)) in fields.enumerated() {
                var value = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    buffer[index + offset] = 0x30 + UInt8(value % 10)
                    value /= 10
                }
                index += width
                buffer[index] = separators[position]
                index += 1
            }
            return index
        }
    }

    /// Parses RFC 3339 / ISO-8601 instants with or without fractional seconds; nil when malformed.
    public static func parse(_ text: String) -> Date? {
        // The fixed shape is decided here, strictly (Foundation would roll 02-29 of a common year into March).
        if let fixed = parseFixed(text) { return fixed }
        if let date = try? style.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// For text of the shape `YYYY-MM-DDTHH:MM:SS.mmmZ` or `YYYY-MM-DDTHH:MM:SSZ`: `.some(date)`, or
    /// `.some(nil)` when a field is out of range; nil for any other shape.
    private static func parseFixed(_ text: String) -> Date?? {
        var text = text
        return text.withUTF8 { bytes -> Date?? in
            guard bytes.count == 24 || bytes.count == 20, bytes[bytes.count - 1] == 0x5A,
                bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
                bytes.count == 20 || bytes[19] == 0x2E
            else { return nil }
            func number(_ start: Int, _ width: Int) -> Int64? {
                var value: Int64 = 0
                for index in start..<(start + width) {
                    let digit = bytes[index] &- 0x30
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int64(digit)
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
                let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
                year >= 1, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
                hour < 24, minute < 60, second < 60
            else { return .some(nil) }
            var millis: Int64 = 0
            if bytes.count == 24 {
                guard let fraction = number(20, 3) else { return .some(nil) }
                millis = fraction
            }
            let days = self.days(fromCivil: year, month, day)
            let total = ((days * 24 + hour) * 60 + minute) * 60 + second
            return Date(timeIntervalSince1970: Double(total * 1000 + millis) / 1000)
        }
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    private static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `days(fromCivil:)`.
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
