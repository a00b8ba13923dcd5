import HTTPCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The `Date` header value, formatted at most once per second (Hummingbird `DateCache`)
/// and shared by the loop thread and the responder tasks.
final class DateCache: Sendable {
    private let cached = Mutex<(second: Int, text: String)>((-1, ""))

    /// The IMF-fixdate for the current second.
    func current() -> String {
        let second = Int(time(nil))
        return cached.withLock { entry in
            if entry.second != second {
                entry = (second, HTTPDate.format(secondsSince1970: second))
            }
            return entry.text
        }
    }
}
