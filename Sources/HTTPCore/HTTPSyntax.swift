/// Byte classes and small scanners shared by the parser, serializer and router.
/// Plain switches over `UInt8` so the hot path neither allocates nor touches Foundation.
enum HTTPSyntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// tchar (RFC 9110 §5.6.2): "!#$%&'*+-.^_`|~" / DIGIT / ALPHA.
    @inline(__always)
    static func isTChar(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    /// field-vchar / SP / HTAB (RFC 9110 §5.5): everything except CTLs (HTAB allowed) and DEL;
    /// obs-text (0x80–0xFF) is tolerated.
    @inline(__always)
    static func isFieldValueByte(_ b: UInt8) -> Bool {
        b == htab || (b >= 0x20 && b != 0x7F)
    }

    /// Bytes allowed in an origin-form request-target (RFC 9112 §3.2.1, RFC 3986 §3.3–3.4):
    /// visible ASCII except '#' (a fragment is never sent). Non-ASCII must arrive percent-encoded.
    @inline(__always)
    static func isTargetByte(_ b: UInt8) -> Bool {
        b > 0x20 && b < 0x7F && b != 0x23
    }

    /// Bytes allowed in a Host value (RFC 9110 §7.2 → RFC 3986 §3.2.2 reg-name / IP-literal, plus ':' port).
    @inline(__always)
    /// `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 3986 §3.2.2): a reg-name or a bracketed IP literal, then
    /// an optional all-digit port. An empty value is allowed (a target without authority).
    static func isValidHostValue(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        if index < range.upperBound, p[index] == UInt8(ascii: "[") {
            // IP-literal: hex digits, ':' and '.' (v4-mapped) up to the closing bracket.
            index += 1
            let start = index
            while index < range.upperBound, p[index] != UInt8(ascii: "]") {
                let b = p[index]
                guard (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66) || b == UInt8(ascii: ":")
                    || b == UInt8(ascii: ".")
                else { return false }
                index += 1
            }
            guard index < range.upperBound, index > start else { return false }
            index += 1
        } else {
            while index < range.upperBound, p[index] != UInt8(ascii: ":") {
                let b = p[index]
                guard isHostByte(b), b != UInt8(ascii: "["), b != UInt8(ascii: "]") else { return false }
                index += 1
            }
        }
        guard index < range.upperBound else { return true }
        guard p[index] == UInt8(ascii: ":") else { return false }
        index += 1
        while index < range.upperBound {
            guard p[index] >= 0x30 && p[index] <= 0x39 else { return false }
            index += 1
        }
        return true
    }

    static func isHostByte(_ b: UInt8) -> Bool {
        switch b {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"),
            UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="),
            UInt8(ascii: "%"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
            return true
        default: return false
        }
    }

    /// Value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b &- 0x30
        case 0x41...0x46: return b &- 0x41 &+ 10
        case 0x61...0x66: return b &- 0x61 &+ 10
        default: return nil
        }
    }

    /// Whether `bytes[range]` equals the lowercase ASCII `lowercased`, ignoring ASCII case.
    @inline(__always)
    static func equalsIgnoringCase(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ lowercased: StaticString) -> Bool {
        guard range.count == lowercased.utf8CodeUnitCount else { return false }
        let literal = lowercased.utf8Start
        var i = 0
        for index in range {
            var b = bytes[index]
            if b >= 0x41 && b <= 0x5A { b |= 0x20 }
            if b != literal[i] { return false }
            i += 1
        }
        return true
    }

    /// `range` without leading and trailing OWS (SP / HTAB, RFC 9110 §5.6.3).
    @inline(__always)
    static func trimmingOWS(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, bytes[lower] == sp || bytes[lower] == htab { lower += 1 }
        while upper > lower, bytes[upper - 1] == sp || bytes[upper - 1] == htab { upper -= 1 }
        return lower..<upper
    }

    /// Whether the comma-separated token list in `bytes[range]` contains `token` (case-insensitive).
    static func listContains(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ token: StaticString) -> Bool {
        var start = range.lowerBound
        while start <= range.upperBound {
            var end = start
            while end < range.upperBound && bytes[end] != UInt8(ascii: ",") { end += 1 }
            if equalsIgnoringCase(bytes, trimmingOWS(bytes, start..<end), token) { return true }
            start = end + 1
        }
        return false
    }

    /// Appends the decimal digits of an integer (a small String, so no heap allocation).
    @inline(__always)
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }
}
