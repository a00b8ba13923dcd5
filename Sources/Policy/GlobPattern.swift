/// A glob on builder ids, source repositories and repository names: `*` matches any run of characters
/// except `/`, `**` any run including `/`; everything else is literal and the whole text must match.
public struct GlobPattern: Sendable, Equatable, CustomStringConvertible {
    private enum Token: Sendable, Equatable {
        case literal(UInt8)
        case star
        case doubleStar
    }

    /// Longer patterns are refused (with `maxTextBytes`, this bounds the O(pattern × text) matcher).
    public static let maxPatternBytes = 512
    /// Texts longer than this never match.
    public static let maxTextBytes = 4096

    /// The pattern as written.
    public let pattern: String
    private let tokens: [Token]

    /// Validates `pattern`; the error message has no path (callers prefix it).
    public init(_ pattern: String) throws(PolicyError) {
        let bytes = Array(pattern.utf8)
        guard !bytes.isEmpty else { throw PolicyError("must not be empty") }
        guard bytes.count <= Self.maxPatternBytes else { throw PolicyError("longer than \(Self.maxPatternBytes) bytes") }
        guard !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw PolicyError("must not contain spaces or control characters")
        }
        var tokens: [Token] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "*") {
                var run = 0
                while index < bytes.count, bytes[index] == UInt8(ascii: "*") {
                    run += 1
                    index += 1
                }
                guard run <= 2 else { throw PolicyError("invalid pattern: use * (no '/') or ** (any path), not \(run) stars") }
                tokens.append(run == 1 ? .star : .doubleStar)
            } else {
                tokens.append(.literal(bytes[index]))
                index += 1
            }
        }
        self.pattern = pattern
        self.tokens = tokens
    }

    /// The pattern as written.
    public var description: String { pattern }

    /// Whether the whole of `text` matches.
    public func matches(_ text: String) -> Bool {
        let text = Array(text.utf8)
        guard text.count <= Self.maxTextBytes else { return false }
        // matchesFrom[j]: tokens[i...] match text[j...]; filled from the last token backwards.
        var next = [Bool](repeating: false, count: text.count + 1)
        next[text.count] = true
        for token in tokens.reversed() {
            var row = [Bool](repeating: false, count: text.count + 1)
            for j in stride(from: text.count, through: 0, by: -1) {
                switch token {
                case .literal(let byte):
                    row[j] = j < text.count && text[j] == byte && next[j + 1]
                case .star:
                    row[j] = next[j] || (j < text.count && text[j] != UInt8(ascii: "/") && row[j + 1])
                case .doubleStar:
                    row[j] = next[j] || (j < text.count && row[j + 1])
                }
            }
            next = row
        }
        return next[0]
    }
}
