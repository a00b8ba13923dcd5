import HTTPCore
import Testing

@Suite struct HTTPDateTests {
    @Test(arguments: [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (951_868_799, "Tue, 29 Feb 2000 23:59:59 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (1_234_567_890, "Fri, 13 Feb 2009 23:31:30 GMT"),
        (2_147_483_648, "Tue, 19 Jan 2038 03:14:08 GMT"),
        (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (-86_400, "Wed, 31 Dec 1969 00:00:00 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ])
    func formatsKnownInstants(seconds: Int, expected: String) {
        #expect(HTTPDate.format(secondsSince1970: seconds) == expected)
    }

    @Test func outOfRangeInstantsAreClampedToFourDigitYears() {
        #expect(HTTPDate.format(secondsSince1970: Int.max) == "Fri, 31 Dec 9999 23:59:59 GMT")
        #expect(HTTPDate.format(secondsSince1970: Int.min) == "Mon, 01 Jan 0001 00:00:00 GMT")
    }

    @Test func agreesWithNaiveCalendarCountingForEveryDayFrom1970To2110() {
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var year = 1970, month = 0, day = 1
        var mismatches = 0
        for dayNumber in 0..<(140 * 366) {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            let dd = day < 10 ? "0\(day)" : "\(day)"
            let expected = "\(days[dayNumber % 7]), \(dd) \(months[month]) \(year) 12:34:56 GMT"
            if HTTPDate.format(secondsSince1970: dayNumber * 86_400 + 45_296) != expected { mismatches += 1 }
            day += 1
            if day > lengths[month] {
                day = 1
                month += 1
                if month == 12 {
                    month = 0
                    year += 1
                }
            }
        }
        #expect(mismatches == 0)
    }
}
