import HTTPCore

/// What one request (or head) looked like to the parser, in a form two feedings can be compared by.
struct ParsedEvent: Equatable, CustomStringConvertible {
    var isHead: Bool
    var method: String
    var target: String
    var version: HTTPVersion
    var headers: [String]
    var keepAlive: Bool
    var expectsContinue: Bool
    var body: [UInt8]

    init(_ head: HTTPRequestHead, body: [UInt8]?) {
        isHead = body == nil
        method = head.method.rawValue
        target = head.target
        version = head.version
        headers = head.headers.map { "\($0.name): \($0.value)" }
        keepAlive = head.keepAlive
        expectsContinue = head.expectsContinue
        self.body = body ?? []
    }

    var description: String { "\(isHead ? "head" : "request") \(method) \(target) body=\(body.count)" }
}

/// Everything a feeding produced: events in order, the error that stopped it, and whether input was left mid-request.
struct ParseOutcome: Equatable, CustomStringConvertible {
    var events: [ParsedEvent] = []
    var error: HTTPParseError?
    var midRequest = false

    var description: String { "\(events) error=\(error.map(String.init(describing:)) ?? "none") mid=\(midRequest)" }
}

/// One parser fed `input` in the given consecutive pieces.
///
/// For the framing property it also records, per request, the input offsets where its body began and where
/// the request ended; those are exact only for a single-piece feeding (nothing is compacted mid-stream then).
struct ParserRun {
    var outcome = ParseOutcome()
    /// (body start, request end) offsets into the input, one per `.request` event, for a single-piece feeding.
    var bodyRanges: [Range<Int>] = []

    init(_ input: [UInt8], pieces: [Range<Int>], limits: HTTPLimits, bodyLimit: Int) {
        var parser = HTTPRequestParser(limits: limits)
        var bodyStart = 0
        for piece in pieces {
            parser.append(input[piece])
            do {
                while let event = try parser.next() {
                    let consumed = piece.upperBound - parser.bufferedByteCount
                    switch event {
                    case .head(let head):
                        outcome.events.append(ParsedEvent(head, body: nil))
                        bodyStart = consumed
                        try parser.acceptBody(maxBytes: bodyLimit)
                    case .request(let request):
                        outcome.events.append(ParsedEvent(request.head, body: request.body))
                        bodyRanges.append(bodyStart..<max(bodyStart, consumed))
                    }
                }
            } catch {
                outcome.error = error
                return
            }
        }
        outcome.midRequest = parser.isMidRequest
    }
}
