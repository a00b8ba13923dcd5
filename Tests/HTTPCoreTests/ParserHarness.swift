import HTTPCore

/// A comparable snapshot of what the parser produced, so different feeding strategies can be compared.
struct ParsedEvent: Equatable, CustomStringConvertible {
    var isHead: Bool
    var method: String
    var target: String
    var path: String
    var query: String?
    var version: HTTPVersion
    var headers: [String]
    var keepAlive: Bool
    var expectsContinue: Bool
    var body: [UInt8]

    init(head: HTTPRequestHead, body: [UInt8]?, isHead: Bool) {
        self.isHead = isHead
        method = head.method.rawValue
        target = head.target
        path = head.path
        query = head.query
        version = head.version
        headers = head.headers.map { "\($0.name): \($0.value)" }
        keepAlive = head.keepAlive
        expectsContinue = head.expectsContinue
        self.body = body ?? []
    }

    var description: String {
        "\(isHead ? "head" : "request") \(method) \(target) body=\(body.count)"
    }
}

/// Everything one run of the parser produced: events in order, then the error that stopped it, if any.
struct ParseOutcome: Equatable {
    var events: [ParsedEvent] = []
    var error: HTTPParseError?

    var requests: [ParsedEvent] { events.filter { !$0.isHead } }
}

/// Feeds `input` in pieces of `pieceSize` bytes (0 = everything at once), pulling events after each piece.
/// After each `.head` the body limit `bodyLimit` (default: the limits' maxBodyBytes) is accepted.
func parse(
    _ input: [UInt8], pieceSize: Int = 0, limits: HTTPLimits = HTTPLimits(), bodyLimit: Int? = nil
) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ParseOutcome()
    let step = pieceSize <= 0 ? max(input.count, 1) : pieceSize
    var offset = 0
    repeat {
        let end = min(input.count, offset + step)
        parser.append(input[offset..<end])
        offset = end
        do {
            while let event = try parser.next() {
                switch event {
                case .head(let head):
                    outcome.events.append(ParsedEvent(head: head, body: nil, isHead: true))
                    try parser.acceptBody(maxBytes: bodyLimit ?? limits.maxBodyBytes)
                case .request(let request):
                    outcome.events.append(ParsedEvent(head: request.head, body: request.body, isHead: false))
                }
            }
        } catch {
            outcome.error = error
            return outcome
        }
    } while offset < input.count
    return outcome
}

/// Feeds `input` split into exactly two pieces at `splitIndex`.
func parse(_ input: [UInt8], splitAt splitIndex: Int, limits: HTTPLimits = HTTPLimits()) -> ParseOutcome {
    var parser = HTTPRequestParser(limits: limits)
    var outcome = ParseOutcome()
    for piece in [input[..<splitIndex], input[splitIndex...]] {
        parser.append(piece)
        do {
            while let event = try parser.next() {
                switch event {
                case .head(let head):
                    outcome.events.append(ParsedEvent(head: head, body: nil, isHead: true))
                    try parser.acceptBody(maxBytes: limits.maxBodyBytes)
                case .request(let request):
                    outcome.events.append(ParsedEvent(head: request.head, body: request.body, isHead: false))
                }
            }
        } catch {
            outcome.error = error
            return outcome
        }
    }
    return outcome
}

/// Bytes of a string literal written with explicit "\r\n".
func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Limits with overrides, for limit tests.
func limits(
    target: Int? = nil, headerBytes: Int? = nil, headerCount: Int? = nil, body: Int? = nil, trailer: Int? = nil
) -> HTTPLimits {
    var l = HTTPLimits()
    if let target { l.maxRequestTargetBytes = target }
    if let headerBytes { l.maxHeaderBytes = headerBytes }
    if let headerCount { l.maxHeaderCount = headerCount }
    if let body { l.maxBodyBytes = body }
    if let trailer { l.maxTrailerBytes = trailer }
    return l
}

/// Whether `next()` asks for more input (returns nil) rather than producing an event.
func needsMoreBytes(_ parser: inout HTTPRequestParser) throws(HTTPParseError) -> Bool {
    guard try parser.next() != nil else { return true }
    return false
}
