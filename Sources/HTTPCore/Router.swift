/// Segment-based router over raw (percent-encoded) paths.
///
/// Pattern segments are literals (compared byte for byte, so `clearance:batch` is just a literal),
/// `{name}` (one non-empty segment, percent-decoded) or a final `{name...}` (the non-empty rest of the path,
/// percent-decoded as a whole — callers must still reject `..` and NUL). At each segment a literal beats a
/// parameter, which beats a catch-all. A parameter that fails to decode does not match.
///
/// ```swift
/// var router = Router()
/// router.add(.GET, "/api/v1/clearance/{digest}") { request, params in ... }
/// router.add(.POST, "/api/v1/clearance:batch", maxBodyBytes: 1 << 20) { request, params in ... }
/// switch router.match(method: head.method, path: head.path) { ... }
/// ```
public struct Router: Sendable {
    /// A trie node; children are indices into `nodes`, so the router stays a plain value.
    private struct Node: Sendable {
        /// Literal segments' bytes and their child; a node has few, so a byte-wise scan beats hashing.
        var literals: [(bytes: [UInt8], node: Int)] = []
        var parameter: Int?
        var endings: [Int] = []  // entries whose pattern ends at this node
        var catchAlls: [Int] = []  // entries whose `{rest...}` starts at this node
    }

    private struct Entry: Sendable {
        let route: Route
        let parameterNames: [String]
    }

    private var nodes = [Node()]
    private var entries: [Entry] = []

    /// An empty router.
    public init() {}

    /// pattern segments: literal, `{name}`, or a final `{name...}` catching the rest of the path (for /static/{file...}).
    /// Precondition: the pattern starts with "/", braces only wrap whole segments, and the same method and
    /// pattern shape is not registered twice.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, maxBodyBytes: Int? = nil, _ handler: @escaping HTTPHandler) {
        precondition(pattern.hasPrefix("/"), "route pattern must start with /")
        let segments = pattern.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var names: [String] = []
        var node = 0
        var isCatchAll = false
        for (position, segment) in segments.enumerated() {
            if segment.hasPrefix("{") && segment.hasSuffix("}") && segment.count >= 2 {
                var name = segment.dropFirst().dropLast()
                if name.hasSuffix("...") {
                    precondition(position == segments.count - 1, "a {name...} segment must be the last one")
                    name = name.dropLast(3)
                    isCatchAll = true
                }
                precondition(!name.isEmpty && !name.contains("{") && !name.contains("}"), "invalid parameter name")
                precondition(!names.contains(String(name)), "duplicate parameter name")
                names.append(String(name))
                if isCatchAll { break }
                if let next = nodes[node].parameter {
                    node = next
                } else {
                    nodes.append(Node())
                    nodes[node].parameter = nodes.count - 1
                    node = nodes.count - 1
                }
            } else {
                precondition(!segment.contains("{") && !segment.contains("}"), "braces must wrap a whole segment")
                let bytes = Array(segment.utf8)
                if let next = nodes[node].literals.first(where: { $0.bytes == bytes })?.node {
                    node = next
                } else {
                    nodes.append(Node())
                    nodes[node].literals.append((bytes, nodes.count - 1))
                    node = nodes.count - 1
                }
            }
        }
        let existing = isCatchAll ? nodes[node].catchAlls : nodes[node].endings
        precondition(!existing.contains { entries[$0].route.method == method }, "route registered twice")
        entries.append(Entry(route: Route(method: method, pattern: pattern, maxBodyBytes: maxBodyBytes, handler: handler),
                             parameterNames: names))
        if isCatchAll {
            nodes[node].catchAlls.append(entries.count - 1)
        } else {
            nodes[node].endings.append(entries.count - 1)
        }
    }

    /// HEAD falls back to GET; Allow lists HEAD with GET.
    public func match(method: HTTPMethod, path: String) -> RouteMatch {
        var path = path
        let matches = path.withUTF8 { bytes -> [(entry: Int, values: [String])] in
            guard bytes.first == UInt8(ascii: "/") else { return [] }
            // Segment boundaries of the raw path, without copying it.
            var segments: [Range<Int>] = []
            var start = 1
            for index in 1..<bytes.count where bytes[index] == UInt8(ascii: "/") {
                segments.append(start..<index)
                start = index + 1
            }
            segments.append(start..<bytes.count)
            var matches: [(entry: Int, values: [String])] = []
            var captured: [String] = []
            collect(node: 0, bytes: bytes, segments: segments, position: 0, captured: &captured, into: &matches)
            return matches
        }
        if matches.isEmpty { return .notFound }

        // Matches are in priority order, so the first one with the method wins.
        var chosen = matches.first { entries[$0.entry].route.method == method }
        if chosen == nil && method == .HEAD {
            chosen = matches.first { entries[$0.entry].route.method == .GET }  // RFC 9110 §9.3.2
        }
        if let chosen {
            let entry = entries[chosen.entry]
            let pairs = zip(entry.parameterNames, chosen.values).map { (name: $0, value: $1) }
            return .found(entry.route, RouteParameters(pairs))
        }
        var allowed = Set(matches.map { entries[$0.entry].route.method })
        if allowed.contains(.GET) { allowed.insert(.HEAD) }
        return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
    }

    /// Every registered route in registration order.
    public var routes: [Route] { entries.map(\.route) }

    /// Depth-first walk in priority order (literal, then parameter, then catch-all), collecting every match.
    private func collect(
        node: Int, bytes: UnsafeBufferPointer<UInt8>, segments: [Range<Int>], position: Int,
        captured: inout [String], into matches: inout [(entry: Int, values: [String])]
    ) {
        let current = nodes[node]
        if position == segments.count {
            for entry in current.endings { matches.append((entry, captured)) }
            return
        }
        let segment = UnsafeBufferPointer(rebasing: bytes[segments[position]])
        if let next = current.literals.first(where: { $0.bytes.elementsEqual(segment) })?.node {
            collect(node: next, bytes: bytes, segments: segments, position: position + 1, captured: &captured, into: &matches)
        }
        if let next = current.parameter, !segment.isEmpty, let value = PercentDecoding.decode(String(decoding: segment, as: UTF8.self)) {
            captured.append(value)
            collect(node: next, bytes: bytes, segments: segments, position: position + 1, captured: &captured, into: &matches)
            captured.removeLast()
        }
        if !current.catchAlls.isEmpty {
            let remainder = UnsafeBufferPointer(rebasing: bytes[segments[position].lowerBound...])
            if !remainder.isEmpty, let value = PercentDecoding.decode(String(decoding: remainder, as: UTF8.self)) {
                for entry in current.catchAlls { matches.append((entry, captured + [value])) }
            }
        }
    }
}
