/// A trusted key's subject restriction: a glob over the whole subject name, where `*` matches any run of
/// characters except `/`, `**` matches anything (including `/`), and every other character matches itself.
struct SubjectPattern: Sendable, Equatable {
    private enum Token: Equatable {
        case literal(UInt8)
        case segmentWildcard  // `*`
        case anyWildcard  // `**`
    }

    /// The pattern as registered.
    let source: String
    private let tokens: [Token]

    init(_ source: String) {
        self.source = source
        var tokens: [Token] = []
        let bytes = Array(source.utf8)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "*") {
                var run = 0
                while index < bytes.count, bytes[index] == UInt8(ascii: "*") {
                    run += 1
                    index += 1
                }
                tokens.append(run >= 2 ? .anyWildcard : .segmentWildcard)
            } else {
                tokens.append(.literal(bytes[index]))
                index += 1
            }
        }
        self.tokens = tokens
    }

    /// Whether the whole of `name` matches (anchored at both ends, case-sensitive, byte-wise on UTF-8).
    func matches(_ name: String) -> Bool {
        let text = Array(name.utf8)
        // Dynamic programming over (tokens consumed, bytes consumed): O(tokens × bytes), never exponential.
        // reachable[j] = the first i tokens can match the first j bytes.
        var reachable = [Bool](repeating: false, count: text.count + 1)
        reachable[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: text.count + 1)
            switch token {
            case .literal(let byte):
                for j in 0..<text.count where reachable[j] && text[j] == byte { next[j + 1] = true }
            case .segmentWildcard:
                for j in 0...text.count {
                    if reachable[j] {
                        next[j] = true
                    } else if j > 0, next[j - 1], text[j - 1] != UInt8(ascii: "/") {
                        next[j] = true
                    }
                }
            case .anyWildcard:
                for j in 0...text.count { next[j] = reachable[j] || (j > 0 && next[j - 1]) }
            }
            reachable = next
        }
        return reachable[text.count]
    }
}
