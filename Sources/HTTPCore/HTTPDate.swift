/// IMF-fixdate formatting (RFC 9110 §5.6.7), computed arithmetically: no DateFormatter, no locale, no allocation
/// beyond the result. Servers cache the result once per second (STYLE §3.5).
public enum HTTPDate {
    private static let dayNames: [StaticString] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let monthNames: [StaticString] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    /// 9999-12-31T23:59:59Z: IMF-fixdate has a four-digit year, so inputs are clamped to 0001…9999.
    private static let latest = 253_402_300_799
    /// 0001-01-01T00:00:00Z.
    private static let earliest = -62_135_596_800

    /// e.g. `format(secondsSince1970: 784111777)` == "Sun, 06 Nov 1994 08:49:37 GMT".
    public static func format(secondsSince1970: Int) -> String {
        let t = min(max(secondsSince1970, earliest), latest)
        var days = t / 86_400
        var secondsOfDay = t % 86_400
        if secondsOfDay < 0 {  // floor division for instants before 1970
            secondsOfDay += 86_400
            days -= 1
        }
        // Days → civil date (proleptic Gregorian), after Howard Hinnant's `civil_from_days`.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // 0 = March
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)

        var out: [UInt8] = []
        out.reserveCapacity(29)
        append(dayNames[weekday], to: &out)
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: " "))
        appendDigits(day, count: 2, to: &out)
        out.append(UInt8(ascii: " "))
        append(monthNames[month - 1], to: &out)
        out.append(UInt8(ascii: " "))
        appendDigits(year, count: 4, to: &out)
        out.append(UInt8(ascii: " "))
        appendDigits(secondsOfDay / 3600, count: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondsOfDay / 60 % 60, count: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(secondsOfDay % 60, count: 2, to: &out)
        append(" GMT", to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func append(_ s: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private static func appendDigits(_ value: Int, count: Int, to out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        while divisor > 0 {
            out.append(0x30 + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
