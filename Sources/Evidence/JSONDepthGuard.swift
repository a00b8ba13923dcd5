/// Refuses JSON nested deeper than a limit with one linear byte scan, before any recursive decoder sees it.
public enum JSONDepthGuard {
    /// Throws `.malformed` when `bytes` nest `[`/`{` deeper than `maxDepth` outside strings (escapes respected).
    public static func check(_ bytes: [UInt8], maxDepth: Int = 64) throws(EvidenceError) {
        _ = try JSONTopLevel.scan(bytes, maxDepth: maxDepth)
    }
}

/// What one linear pass learns about a JSON text: its top-level kind and the keys of a top-level object.
///
/// Auto-detection reads only these keys, so a large report is decoded exactly once.
struct JSONTopLevel: Sendable {
    /// The kind of the first value in the text.
    enum Kind: Sendable, Equatable {
        case object, array, other
        /// Looks like XML (`<`): a known format in a serialisation Shipgate does not take.
        case markup
    }

    var kind: Kind
    /// Keys of the top-level object (raw bytes, escapes not resolved), at most `maxKeys` of at most `maxKeyBytes` each.
    var keys: Set<String>

    static let maxKeys = 512
    static let maxKeyBytes = 64

    /// Scans `bytes` once: nesting depth (throws past `maxDepth`) and the top-level object's keys.
    static func scan(_ bytes: [UInt8], maxDepth: Int = 64) throws(EvidenceError) -> JSONTopLevel {
        let tooDeep = EvidenceError(.malformed, "JSON nested deeper than \(maxDepth) levels")
        let result: Result<JSONTopLevel, EvidenceError> = bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            var index = 0
            // A UTF-8 byte order mark is tolerated, as JSONDecoder tolerates it.
            if count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { index = 3 }
            while index < count, isWhitespace(buffer[index]) { index += 1 }
            guard index < count else { return .success(JSONTopLevel(kind: .other, keys: [])) }
            let kind: Kind =
                switch buffer[index] {
                case UInt8(ascii: "{"): .object
                case UInt8(ascii: "["): .array
                case UInt8(ascii: "<"): .markup
                default: .other
                }
            var keys = Set<String>()
            var depth = 0
            while index < count {
                let byte = buffer[index]
                switch byte {
                case UInt8(ascii: "\""):
                    // Skip the whole string; `\` escapes the next byte, so `\"` never ends it.
                    let start = index + 1
                    index = start
                    while index < count {
                        let inner = buffer[index]
                        if inner == UInt8(ascii: "\\") {
                            index += 2
                            continue
                        }
                        if inner == UInt8(ascii: "\"") { break }
                        index += 1
                    }
                    let end = min(index, count)
                    if depth == 1, kind == .object, keys.count < maxKeys, end - start <= maxKeyBytes {
                        var next = end + 1
                        while next < count, isWhitespace(buffer[next]) { next += 1 }
                        if next < count, buffer[next] == UInt8(ascii: ":") {
                            keys.insert(String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<end]), as: UTF8.self))
                        }
                    }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    if depth > maxDepth { return .failure(tooDeep) }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth < 0 { return .failure(EvidenceError(.malformed, "not valid JSON")) }
                default:
                    break
                }
                index += 1
            }
            return .success(JSONTopLevel(kind: kind, keys: keys))
        }
        return try result.get()
    }

    @inline(__always)
    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
