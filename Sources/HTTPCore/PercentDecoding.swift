/// Strict percent-decoding (RFC 3986 §2.1) of path segments and query components.
public enum PercentDecoding {
    /// Decodes `%XX` escapes (and `+` as a space when `plusAsSpace`, for form-style queries).
    /// Returns nil when a `%` is not followed by two hex digits or the result is not valid UTF-8.
    /// `%00` decodes to NUL: callers that build file paths or SQL must check for it.
    public static func decode(_ s: String, plusAsSpace: Bool = false) -> String? {
        var needsWork = false
        for b in s.utf8 where b == UInt8(ascii: "%") || (plusAsSpace && b == UInt8(ascii: "+")) {
            needsWork = true
            break
        }
        if !needsWork { return s }  // a String is already valid UTF-8

        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var iterator = s.utf8.makeIterator()
        while let b = iterator.next() {
            if b == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(HTTPSyntax.hexValue),
                    let low = iterator.next().flatMap(HTTPSyntax.hexValue)
                else { return nil }
                out.append(high << 4 | low)
            } else if plusAsSpace && b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(b)
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
