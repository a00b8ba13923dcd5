import CPosix
import Crypto
import HTTPCore
import HTTPServer
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Issue 7, "Hostile input → HTTP": raw malformed and ambiguous requests against the live server, each with its
// exact outcome, plus the split-point property. Cases are re-expressed from RFC 9112, llhttp's request tests,
// Go net/http (`readRequest`, `fixLength`, `parseTransferEncoding`) and h11; expectations follow the RFC and our
// documented rules (HTTPRequestParser, STYLE §3.5). Rows whose note starts with "Stricter" or "Deliberate" are
// places where we knowingly differ from what the RFC allows.

// MARK: - The responder: what framing delivered

/// Echoes what framing handed the handler — "METHOD TARGET BODY-LENGTH SHA256-PREFIX" — in an `X-Echo` header
/// (so HEAD answers carry it too) and as the body. `/small` accepts 10 body bytes, everything else 1 MiB;
/// `/large` answers 4 MiB (for slow readers).
struct FramingEchoResponder: HTTPResponder {
    static let largeBody = [UInt8](repeating: 0x6C, count: 4 << 20)

    func maxBodyBytes(for head: HTTPRequestHead) -> Int {
        head.path == "/small" ? 10 : 1 << 20
    }

    func respond(to request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        if request.path == "/large" { return HTTPResponse(status: .ok, body: Self.largeBody) }
        let echo = Self.echo(request.method.rawValue, request.head.target, request.body)
        return HTTPResponse(status: .ok, headers: ["X-Echo": echo], body: Array(echo.utf8))
    }

    static func echo(_ method: String, _ target: String, _ body: [UInt8]) -> String {
        "\(method) \(target) \(body.count) \(SHA256.hexDigest(body).prefix(16))"
    }
}

/// An `HTTPServer` answering with `FramingEchoResponder` on 127.0.0.1:0, default protocol limits, short timeouts.
struct EchoServer: Sendable {
    let server: HTTPServer
    var port: Int { server.port }

    init(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.timerInterval = .milliseconds(20)
        configuration.limits.headerReadTimeout = .seconds(3)
        configuration.limits.bodyIdleTimeout = .seconds(3)
        configuration.limits.keepAliveIdleTimeout = .seconds(5)
        configuration.limits.shutdownGracePeriod = .seconds(1)
        configure(&configuration)
        server = HTTPServer(configuration: configuration, responder: FramingEchoResponder())
        try server.start()
    }
}

/// Runs `body` against a fresh `EchoServer` and always shuts it down.
func withEchoServer(
    _ configure: (inout HTTPServerConfiguration) -> Void = { _ in }, _ body: (EchoServer) async throws -> Void
) async throws {
    let echo = try EchoServer(configure)
    do {
        try await body(echo)
    } catch {
        await echo.server.shutdown()
        throw error
    }
    await echo.server.shutdown()
}

// MARK: - Outcomes

/// One final response as the client saw it: the status, and for a handled request the echo of what it received.
struct WireAnswer: Sendable, Equatable, CustomStringConvertible {
    var status: Int
    var echo: String?

    /// The handler ran and saw exactly this method, target and body.
    static func echo(_ method: String, _ target: String, _ body: [UInt8]) -> WireAnswer {
        WireAnswer(status: 200, echo: FramingEchoResponder.echo(method, target, body))
    }

    static func echo(_ method: String, _ target: String, _ body: String = "") -> WireAnswer {
        echo(method, target, Array(body.utf8))
    }

    /// A canned answer by the server itself (no handler ran).
    static func status(_ code: Int) -> WireAnswer { WireAnswer(status: code, echo: nil) }

    var description: String { echo.map { "\(status) [\($0.prefix(120))]" } ?? "\(status)" }
}

/// Everything observable about one exchange: the final responses in order, and what became of the connection.
struct WireOutcome: Sendable, Equatable, CustomStringConvertible {
    enum End: Sendable, Equatable {
        /// The server closed (EOF or reset) and sent nothing more.
        case closed
        /// The connection stayed open and in sync: a follow-up probe request got its own answer.
        case open
        /// Nothing more arrived before the receive timeout.
        case timedOut
        /// Bytes that are not an HTTP/1.1 response.
        case garbage
    }

    var answers: [WireAnswer]
    var end: End

    var description: String { "\(answers) then \(end)" }
}

/// A row's expected outcome; `.bug` keeps the correct one and records the mismatch as a known issue.
indirect enum Expected: Sendable {
    case outcome(WireOutcome)
    case bug(String, correct: Expected)

    var correct: WireOutcome {
        switch self {
        case .outcome(let outcome): outcome
        case .bug(_, let correct): correct.correct
        }
    }

    var isBug: Bool {
        if case .bug = self { return true }
        return false
    }

    /// The request was handled with exactly `body`; then the connection stays open (or closes).
    static func ok(_ method: String, _ target: String, _ body: String = "", then end: WireOutcome.End = .open) -> Expected {
        .outcome(WireOutcome(answers: [.echo(method, target, body)], end: end))
    }

    /// Several answers in order (a pipeline), then `end`.
    static func answers(_ answers: [WireAnswer], then end: WireOutcome.End) -> Expected {
        .outcome(WireOutcome(answers: answers, end: end))
    }

    /// A canned error, then the connection closes.
    static func rejected(_ status: Int) -> Expected {
        .outcome(WireOutcome(answers: [.status(status)], end: .closed))
    }

    /// The server closes without sending a byte.
    static let closedWithoutResponse = Expected.outcome(WireOutcome(answers: [], end: .closed))

    /// A known server bug: `description` says what happens instead of `correct`.
    static func bug(_ description: String, _ correct: Expected) -> Expected { .bug(description, correct: correct) }
}

/// One table row: raw request bytes and their exact expected outcome.
struct HostileCase: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let expected: Expected
    /// Why this is the right outcome; where we deliberately differ from the RFC, says so.
    let note: String
    /// The client shuts its write side after sending (an orderly EOF).
    var halfClose = false
    /// The first answer is to a HEAD request (headers only).
    var headRequest = false
    /// Also run the split-point property although the request is rejected.
    var splitChecked = false
    /// Also send it one byte at a time, waiting each time until the server has read the byte.
    var bytewiseChecked = false
    /// No interim 100 Continue may be sent (whole-send run only).
    var forbidsInterim = false

    var testDescription: String { name }

    /// Whether a handler ran for at least one request of this row.
    var isAccepted: Bool { expected.correct.answers.contains { $0.echo != nil } }

    func halfClosing() -> HostileCase { with { $0.halfClose = true } }
    func head() -> HostileCase { with { $0.headRequest = true } }
    func splitToo() -> HostileCase { with { $0.splitChecked = true } }
    func bytewise() -> HostileCase { with { $0.bytewiseChecked = true } }
    func noInterim() -> HostileCase { with { $0.forbidsInterim = true } }

    private func with(_ change: (inout HostileCase) -> Void) -> HostileCase {
        var copy = self
        change(&copy)
        return copy
    }
}

private func row(_ name: String, _ raw: String, _ expected: Expected, _ note: String = "") -> HostileCase {
    HostileCase(name: name, bytes: Array(raw.utf8), expected: expected, note: note)
}

private func row(_ name: String, bytes: [UInt8], _ expected: Expected, _ note: String = "") -> HostileCase {
    HostileCase(name: name, bytes: bytes, expected: expected, note: note)
}

// MARK: - The table

private let host = "Host: t\r\n"
private let chunked = "Transfer-Encoding: chunked\r\n"
private let probeRequest = Array("GET /probe HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
private let probeAnswer = WireAnswer.echo("GET", "/probe")

/// "GET target HTTP/1.1" with Host and optional extra field lines.
private func getRequest(_ target: String, _ extra: String = "") -> String {
    "GET \(target) HTTP/1.1\r\n\(host)\(extra)\r\n"
}

/// "POST target HTTP/1.1" with Host, a correct Content-Length and `body`.
private func postWithLength(_ target: String, body: String) -> String {
    "POST \(target) HTTP/1.1\r\n\(host)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
}

/// A head of exactly `size` bytes (request line + Host + one padding field + empty line).
private func headOfSize(_ size: Int) -> String {
    let prefix = "GET /e HTTP/1.1\r\n\(host)X-Pad: "
    return prefix + String(repeating: "p", count: size - prefix.utf8.count - 4) + "\r\n\r\n"
}

private func manyFields(_ count: Int) -> String {
    (0..<count).map { "X-F\($0): v\r\n" }.joined()
}

enum HostileTable {
    static let smuggling: [HostileCase] = [
        row("CL then TE", "POST /e HTTP/1.1\r\n\(host)Content-Length: 5\r\n\(chunked)\r\n0\r\n\r\n", .rejected(400),
            "RFC 9112 §6.1/§6.3 ¶3: TE+CL ought to be an error; STYLE §3.5 rejects (Go would drop CL).").splitToo().bytewise(),
        row("TE then CL", "POST /e HTTP/1.1\r\n\(host)\(chunked)Content-Length: 5\r\n\r\n0\r\n\r\n", .rejected(400),
            "Same rule, other order.").splitToo(),
        row("TE chunked with CL 0", "POST /e HTTP/1.1\r\n\(host)\(chunked)Content-Length: 0\r\n\r\n0\r\n\r\n", .rejected(400),
            "CL 0 is still a CL."),
        row("TE 'chunked, identity'", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", .rejected(501),
            "Deliberate: RFC 9112 §6.3 ¶4 says 400 when chunked is not final; STYLE §3.5 answers 501 to anything but "
                + "exactly 'chunked' (both refuse and close).").splitToo(),
        row("TE 'identity, chunked'", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n", .rejected(501),
            "identity is no longer a registered coding (RFC 9112 §7); unknown coding → 501 (RFC 9112 §6.1)."),
        row("TE value ' chunked' (leading OWS)", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding:   chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            .ok("POST", "/e", "hello"), "Leading OWS is not part of the value (RFC 9110 §5.5)."),
        row("TE value with tab OWS", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding:\tchunked\t\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            .ok("POST", "/e", "hello"), "HTAB is OWS too."),
        row("' Transfer-Encoding' (folded onto Host)", "POST /e HTTP/1.1\r\n\(host) Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            .rejected(400), "A field line starting with SP is obs-fold: 400 (RFC 9112 §5.2)."),
        row("TE 'Chunked'", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            .ok("POST", "/e", "hello"), "Coding names are case-insensitive (RFC 9112 §7)."),
        row("TE 'CHUNKED'", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            .ok("POST", "/e", "abc"), "Case-insensitive."),
        row("TE 'xchunked'", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", .rejected(501),
            "Unknown coding (llhttp/Go: no substring matching)."),
        row("TE 'chunked;q=1'", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", .rejected(501),
            "Only the exact token is accepted."),
        row("TE with vertical tab", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: \u{0B}chunked\r\n\r\n0\r\n\r\n", .rejected(400),
            "VT is a CTL, invalid in a field value (RFC 9110 §5.5)."),
        row("TE chunked on HTTP/1.0", "POST /e HTTP/1.0\r\n\(chunked)\r\n5\r\nhello\r\n0\r\n\r\n", .rejected(400),
            "RFC 9112 §6.1: TE in 1.0 means faulty framing.").splitToo(),
        row("TE gzip on HTTP/1.0", "POST /e HTTP/1.0\r\nTransfer-Encoding: gzip\r\n\r\n", .rejected(501),
            "The unknown coding is reported first; either way refused and closed."),
        row("two TE fields", "POST /e HTTP/1.1\r\n\(host)\(chunked)\(chunked)\r\n0\r\n\r\n", .rejected(501),
            "Equivalent to 'chunked, chunked' (RFC 9110 §5.3): chunked twice is not supported."),
        row("TE 'chunked, chunked'", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", .rejected(501)),
        row("TE 'gzip, chunked'", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", .rejected(501),
            "RFC 9112 §6.1: a coding we do not implement → 501."),
        row("TE empty", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding:\r\n\r\n", .rejected(501)),
        row("TE ',chunked' (empty list element)", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n", .rejected(501),
            "Stricter: RFC 9110 §5.6.1 lets recipients skip empty list elements; we want the exact token."),
        row("'Transfer-Encoding :' (space before colon)", "POST /e HTTP/1.1\r\n\(host)Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            .rejected(400), "RFC 9112 §5.1: MUST reject whitespace between name and colon.").splitToo(),
        row("'Transfer_Encoding' is just another field",
            "POST /e HTTP/1.1\r\n\(host)Transfer_Encoding: chunked\r\n\r\n0\r\n\r\n",
            .answers([.echo("POST", "/e"), .status(400)], then: .closed),
            "Not TE, so no body: '0' is then read as the next request line and refused."),
        row("duplicate CL, equal", "POST /e HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            .ok("POST", "/e", "hello"), "RFC 9112 §6.3 ¶5 allows identical repeats."),
        row("duplicate CL, equal but spaced differently", "POST /e HTTP/1.1\r\n\(host)Content-Length:5\r\nContent-Length:  5 \r\n\r\nhello",
            .ok("POST", "/e", "hello"), "OWS is not part of the value."),
        row("duplicate CL, unequal", "POST /e HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .rejected(400),
            "RFC 9112 §6.3 ¶5: unrecoverable framing error.").splitToo(),
        row("duplicate CL, 5 and 05", "POST /e HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 05\r\n\r\nhello", .rejected(400),
            "Stricter: same number, different bytes; we require byte-identical repeats."),
        row("CL list '5, 5'", "POST /e HTTP/1.1\r\n\(host)Content-Length: 5, 5\r\n\r\nhello", .rejected(400),
            "Stricter: RFC 9110 §8.6 MAY accept a list of identical values; STYLE §3.5 wants 1*DIGIT."),
        row("CL '+5'", "POST /e HTTP/1.1\r\n\(host)Content-Length: +5\r\n\r\nhello", .rejected(400), "Signs are not DIGIT (Go parseContentLength)."),
        row("CL '-1'", "POST /e HTTP/1.1\r\n\(host)Content-Length: -1\r\n\r\n", .rejected(400)),
        row("CL '0x5'", "POST /e HTTP/1.1\r\n\(host)Content-Length: 0x5\r\n\r\nhello", .rejected(400)),
        row("CL 'a' (hex digit)", "POST /e HTTP/1.1\r\n\(host)Content-Length: a\r\n\r\n0123456789", .rejected(400)),
        row("CL with surrounding spaces", "POST /e HTTP/1.1\r\n\(host)Content-Length:    5   \r\n\r\nhello", .ok("POST", "/e", "hello"),
            "OWS around the value is trimmed (RFC 9110 §5.5)."),
        row("CL with tab before the value", "POST /e HTTP/1.1\r\n\(host)Content-Length:\t5\r\n\r\nhello", .ok("POST", "/e", "hello")),
        row("CL with inner space '1 0'", "POST /e HTTP/1.1\r\n\(host)Content-Length: 1 0\r\n\r\n0123456789", .rejected(400)),
        row("CL with leading zeros", "POST /e HTTP/1.1\r\n\(host)Content-Length: 0005\r\n\r\nhello", .ok("POST", "/e", "hello"),
            "1*DIGIT allows leading zeros."),
        row("CL overflow (20 digits)", "POST /e HTTP/1.1\r\n\(host)Content-Length: 99999999999999999999\r\n\r\n", .rejected(400)),
        row("CL Int.max", "POST /e HTTP/1.1\r\n\(host)Content-Length: 9223372036854775807\r\n\r\n", .rejected(413),
            "Valid number, over the route's 1 MiB: 413 from the declared length, before any body byte."),
        row("CL Int.max + 1", "POST /e HTTP/1.1\r\n\(host)Content-Length: 9223372036854775808\r\n\r\n", .rejected(400)),
        row("CL empty", "POST /e HTTP/1.1\r\n\(host)Content-Length:\r\n\r\n", .rejected(400)),
        row("CL '5.0'", "POST /e HTTP/1.1\r\n\(host)Content-Length: 5.0\r\n\r\nhello", .rejected(400)),
        row("CL '5;'", "POST /e HTTP/1.1\r\n\(host)Content-Length: 5;\r\n\r\nhello", .rejected(400)),
        row("CL with vertical tab", "POST /e HTTP/1.1\r\n\(host)Content-Length: 5\u{0B}\r\n\r\nhello", .rejected(400)),
        row("CL name in odd case", "POST /e HTTP/1.1\r\n\(host)cOnTeNt-LeNgTh: 3\r\n\r\nabc", .ok("POST", "/e", "abc"),
            "Field names are case-insensitive (RFC 9110 §5.1)."),
        row("'Content-Length :' (space before colon)", "POST /e HTTP/1.1\r\n\(host)Content-Length : 5\r\n\r\nhello", .rejected(400)),
        row("CL folded onto the next line", "POST /e HTTP/1.1\r\n\(host)Content-Length:\r\n 5\r\n\r\nhello", .rejected(400),
            "The empty CL is refused first; obs-fold would be refused anyway."),
        row("CL over the route limit", "POST /small HTTP/1.1\r\n\(host)Content-Length: 11\r\n\r\nhello world", .rejected(413),
            "/small accepts 10 bytes.").splitToo(),
        row("CL exactly the route limit", "POST /small HTTP/1.1\r\n\(host)Content-Length: 10\r\n\r\n0123456789",
            .ok("POST", "/small", "0123456789")),
        row("CL over the limit with Expect", "POST /small HTTP/1.1\r\n\(host)Expect: 100-continue\r\nContent-Length: 11\r\n\r\n",
            .rejected(413), "Decided from the declared length: no 100 Continue first (RFC 9110 §10.1.1).").noInterim(),
        row("CL 0 on POST", "POST /e HTTP/1.1\r\n\(host)Content-Length: 0\r\n\r\n", .ok("POST", "/e")),
        row("CL body on GET", "GET /e HTTP/1.1\r\n\(host)Content-Length: 4\r\n\r\nbody", .ok("GET", "/e", "body"),
            "Framing does not depend on the method (RFC 9112 §6.3)."),
        row("body longer than CL",
            "POST /e HTTP/1.1\r\n\(host)Content-Length: 5\r\n\r\nhelloGARBAGE\r\n\r\n",
            .answers([.echo("POST", "/e", "hello"), .status(400)], then: .closed),
            "Only CL bytes are body; the surplus is parsed as the next request and refused."),
        row("a request smuggled inside a CL body", postWithLength("/e", body: getRequest("/smuggled")),
            .ok("POST", "/e", getRequest("/smuggled")), "Body bytes are opaque."),
        row("body shorter than CL, then EOF", "POST /e HTTP/1.1\r\n\(host)Content-Length: 10\r\n\r\nabc", .closedWithoutResponse,
            "RFC 9112 §8: an incomplete message is not processed; closing without a response is allowed.").halfClosing(),
    ]

    static let chunkedFraming: [HostileCase] = [
        row("one chunk", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0\r\n\r\n", .ok("POST", "/e", "hello")),
        row("several chunks", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n3\r\nabc\r\n4\r\ndefg\r\n1\r\nh\r\n0\r\n\r\n",
            .ok("POST", "/e", "abcdefgh")).bytewise(),
        row("zero-length chunked body", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n0\r\n\r\n", .ok("POST", "/e")),
        row("uppercase hex size", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\nA\r\n0123456789\r\n0\r\n\r\n", .ok("POST", "/e", "0123456789")),
        row("lowercase hex size", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\nb\r\n0123456789a\r\n0\r\n\r\n", .ok("POST", "/e", "0123456789a")),
        row("size with 16 digits (leading zeros)", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n0000000000000005\r\nhello\r\n0\r\n\r\n",
            .ok("POST", "/e", "hello"), "16 hex digits is our cap (STYLE §3.5)."),
        row("size with 17 digits", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n00000000000000005\r\nhello\r\n0\r\n\r\n", .rejected(400),
            "Deliberate cap: more than 16 hex digits is refused even when the value is small.").splitToo(),
        row("size overflow FFFFFFFFFFFFFFFF", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\nFFFFFFFFFFFFFFFF\r\n", .rejected(400),
            "Does not fit a signed 64-bit length (llhttp 'chunk size overflow')."),
        row("size 7FFFFFFFFFFFFFFF", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n7FFFFFFFFFFFFFFF\r\n", .rejected(413),
            "Fits, but exceeds the route limit before any data byte."),
        row("chunk over the route limit", "POST /small HTTP/1.1\r\n\(host)\(chunked)\r\nb\r\nhello world\r\n0\r\n\r\n", .rejected(413)),
        row("chunks adding up over the route limit", "POST /small HTTP/1.1\r\n\(host)\(chunked)\r\n6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n",
            .rejected(413), "The running total is checked per chunk.").splitToo(),
        row("chunk extension name=value", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5;name=value\r\nhello\r\n0\r\n\r\n",
            .ok("POST", "/e", "hello"), "Extensions are parsed for bytes and ignored (RFC 9112 §7.1.1)."),
        row("chunk extension with quoted string", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5;a=\"b c;d\"\r\nhello\r\n0\r\n\r\n",
            .ok("POST", "/e", "hello")),
        row("chunk extension after BWS", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5 ;a\r\nhello\r\n0\r\n\r\n", .ok("POST", "/e", "hello"),
            "BWS before ';' is allowed."),
        row("extension on the last chunk", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0;done\r\n\r\n", .ok("POST", "/e", "hello")),
        row("bare ';' extension", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5;\r\nhello\r\n0\r\n\r\n", .ok("POST", "/e", "hello"),
            "Lenient: an empty extension name is not a token, but extensions are ignored and cannot carry CR/LF."),
        row("bare LF inside a chunk extension", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5;a\nb\r\nhello\r\n0\r\n\r\n", .rejected(400),
            "The line ends at the LF, which lacks its CR (chunk-extension smuggling, 'funky chunks').").splitToo(),
        row("bare CR inside a chunk extension", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5;a\rb\r\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("NUL in a chunk extension", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5;a\u{0}\r\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("chunk extension over 1 KiB", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5;" + String(repeating: "x", count: 1100) + "\r\nhello\r\n0\r\n\r\n",
            .rejected(400), "Our cap on a size line (STYLE §3.5)."),
        row("space after size, no extension", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5 \r\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("space before size", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n 5\r\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("size '0x5'", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n0x5\r\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("negative size", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n-5\r\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("empty size line", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n\r\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("missing CRLF after chunk data", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhelloXX0\r\n\r\n", .rejected(400)).splitToo(),
        row("bare LF after chunk data", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\n0\r\n\r\n", .rejected(400)),
        row("bare LF after chunk size", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("chunk longer than declared", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n3\r\nhello\r\n0\r\n\r\n", .rejected(400)),
        row("last chunk ended by bare LF", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0\r\n\n", .rejected(400)),
        row("chunked body, then a pipelined request",
            "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0\r\n\r\n" + getRequest("/second"),
            .answers([.echo("POST", "/e", "hello"), .echo("GET", "/second")], then: .open),
            "Bytes after the last chunk belong to the next request."),
        row("chunked body cut short, then EOF", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n", .closedWithoutResponse)
            .halfClosing(),
        row("one trailer field", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0\r\nX-Trailer: v\r\n\r\n", .ok("POST", "/e", "hello"),
            "Trailers are validated and discarded (RFC 9110 §6.5).").bytewise(),
        row("two trailer fields", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0\r\nA: 1\r\nB: 2\r\n\r\n", .ok("POST", "/e", "hello")),
        row("Content-Length in the trailer",
            "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n",
            .rejected(400), "STYLE §3.5 (Go readTrailer/fixTrailer): framing fields never belong in a trailer."),
        row("Transfer-Encoding in the trailer",
            "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n",
            .rejected(400), "STYLE §3.5."),
        row("Trailer field in the trailer",
            "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n5\r\nhello\r\n0\r\nTrailer: X\r\n\r\n",
            .rejected(400), "STYLE §3.5."),
        row("obs-fold in the trailer", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n0\r\nX: a\r\n b\r\n\r\n", .rejected(400)),
        row("trailer without a colon", "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n0\r\nnocolon\r\n\r\n", .rejected(400)),
        row("trailer section over 4 KiB",
            "POST /e HTTP/1.1\r\n\(host)\(chunked)\r\n0\r\nX-Big: " + String(repeating: "t", count: 5000) + "\r\n\r\n", .rejected(400),
            "HTTPLimits.maxTrailerBytes."),
    ]

    static let headerSyntax: [HostileCase] = [
        row("space before colon", "GET /e HTTP/1.1\r\nHost : t\r\n\r\n", .rejected(400), "RFC 9112 §5.1 MUST.").splitToo(),
        row("tab before colon", "GET /e HTTP/1.1\r\n\(host)X-A\t: b\r\n\r\n", .rejected(400)),
        row("obs-fold", "GET /e HTTP/1.1\r\n\(host)X-A: b\r\n c\r\n\r\n", .rejected(400),
            "RFC 9112 §5.2 lets a server reject obs-fold with 400; we do.").splitToo().bytewise(),
        row("obs-fold with tab", "GET /e HTTP/1.1\r\n\(host)X-A: b\r\n\tc\r\n\r\n", .rejected(400)),
        row("bare CR inside a value", "GET /e HTTP/1.1\r\n\(host)X-A: b\rc\r\n\r\n", .rejected(400),
            "RFC 9112 §2.2: a bare CR is invalid (or replaced by SP); we refuse."),
        row("bare CR as a line ending", "GET /e HTTP/1.1\r\nX-A: b\rHost: t\r\n\r\n", .rejected(400)),
        row("CR CR LF line ending", "GET /e HTTP/1.1\r\n\(host)X-A: b\r\r\n\r\n", .rejected(400)),
        row("bare LF line endings throughout", "GET /e HTTP/1.1\nHost: t\n\n", .rejected(400),
            "Stricter: RFC 9112 §2.2 MAY accept bare LF; we require CRLF (STYLE pitfall 18).").splitToo(),
        row("bare LF after one field", "GET /e HTTP/1.1\r\nHost: t\nX-A: b\r\n\r\n", .rejected(400)),
        row("bare LF as the final empty line", "GET /e HTTP/1.1\r\n\(host)\n", .rejected(400)),
        row("bare LF after the request line", "GET /e HTTP/1.1\n\(host)\r\n", .rejected(400)),
        row("NUL in a value", "GET /e HTTP/1.1\r\n\(host)X-A: b\u{0}c\r\n\r\n", .rejected(400)),
        row("NUL in a name", "GET /e HTTP/1.1\r\n\(host)X\u{0}A: b\r\n\r\n", .rejected(400)),
        row("SOH in a value", "GET /e HTTP/1.1\r\n\(host)X-A: b\u{01}c\r\n\r\n", .rejected(400)),
        row("ESC in a value", "GET /e HTTP/1.1\r\n\(host)X-A: \u{1B}[31m\r\n\r\n", .rejected(400)),
        row("DEL in a value", "GET /e HTTP/1.1\r\n\(host)X-A: b\u{7F}\r\n\r\n", .rejected(400)),
        row("DEL in a name", "GET /e HTTP/1.1\r\n\(host)X\u{7F}A: b\r\n\r\n", .rejected(400)),
        row("HTAB inside a value", "GET /e HTTP/1.1\r\n\(host)X-A: b\tc\r\n\r\n", .ok("GET", "/e"), "HTAB is allowed in values."),
        row(
            "obs-text in a value", bytes: Array("GET /e HTTP/1.1\r\n\(host)X-A: caf".utf8) + [0xE9, 0xFF, 0x80] + Array("\r\n\r\n".utf8),
            .ok("GET", "/e"), "obs-text (0x80–0xFF) is tolerated in values (RFC 9110 §5.5)."),
        row(
            "obs-text in a name", bytes: Array("GET /e HTTP/1.1\r\n\(host)X-Caf".utf8) + [0xE9] + Array(": b\r\n\r\n".utf8), .rejected(400),
            "Names are tokens."),
        row("empty field name", "GET /e HTTP/1.1\r\n\(host): b\r\n\r\n", .rejected(400)),
        row("'(' in a name", "GET /e HTTP/1.1\r\n\(host)X(A): b\r\n\r\n", .rejected(400)),
        row("'/' in a name", "GET /e HTTP/1.1\r\n\(host)X/A: b\r\n\r\n", .rejected(400)),
        row("'\"' in a name", "GET /e HTTP/1.1\r\n\(host)X\"A: b\r\n\r\n", .rejected(400)),
        row("'{' in a name", "GET /e HTTP/1.1\r\n\(host){X}: b\r\n\r\n", .rejected(400)),
        row("line without a colon", "GET /e HTTP/1.1\r\n\(host)NoColonHere\r\n\r\n", .rejected(400)),
        row("tchar punctuation in a name", "GET /e HTTP/1.1\r\n\(host)X!#$%&'*+-.^_`|~A: b\r\n\r\n", .ok("GET", "/e"),
            "All of these are tchar (RFC 9110 §5.6.2)."),
        row("empty value", "GET /e HTTP/1.1\r\n\(host)X-Empty:\r\n\r\n", .ok("GET", "/e")),
        row("value with a colon and trailing spaces", "GET /e HTTP/1.1\r\n\(host)X-A: a:b:c   \r\n\r\n", .ok("GET", "/e")),
        row("a 10 KiB field line", getRequest("/e", "X-Long: " + String(repeating: "l", count: 10 * 1024) + "\r\n"), .ok("GET", "/e"),
            "Deliberate per the contract: HTTPLimits has no per-line cap (STYLE §3.5's 8 KiB line row is not implemented); "
                + "the 16 KiB head cap applies."),
        row("head of exactly 16 KiB", headOfSize(16 * 1024), .ok("GET", "/e"), "HTTPLimits.maxHeaderBytes is inclusive."),
        row("head of 16 KiB + 1", headOfSize(16 * 1024 + 1), .rejected(431), "RFC 6585 §5 with our limit.").splitToo(),
        row("100 fields", "GET /e HTTP/1.1\r\n\(host)\(manyFields(99))\r\n", .ok("GET", "/e"), "HTTPLimits.maxHeaderCount = 100 (Host included)."),
        row("101 fields", "GET /e HTTP/1.1\r\n\(host)\(manyFields(100))\r\n", .rejected(431)).splitToo(),
        row("oversized header block", "GET /e HTTP/1.1\r\n\(host)" + (0..<40).map { "X-B\($0): " + String(repeating: "b", count: 500) + "\r\n" }.joined() + "\r\n",
            .rejected(431)),
        row("head endless, no final CRLF", "GET /e HTTP/1.1\r\n\(host)X-Endless: " + String(repeating: "e", count: 20 * 1024), .rejected(431),
            "Refused as soon as the cap is passed, without waiting for the line end."),
    ]

    static let requestLine: [HostileCase] = [
        row("lowercase method", "get /e HTTP/1.1\r\n\(host)\r\n", .rejected(400),
            "Stricter: methods are case-sensitive (RFC 9110 §9.1) so 501 would do; we treat lowercase as a client bug.").splitToo(),
        row("mixed-case method", "Get /e HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("unknown method", "BREW /e HTTP/1.1\r\n\(host)\r\n", .rejected(501), "RFC 9110 §9.1: unknown method → 501."),
        row("TRACE", "TRACE /e HTTP/1.1\r\n\(host)\r\n", .rejected(501)),
        row("CONNECT with authority-form", "CONNECT t:443 HTTP/1.1\r\n\(host)\r\n", .rejected(400),
            "Only origin-form is served, and the target is checked before the method."),
        row("method of 40 letters", String(repeating: "A", count: 40) + " /e HTTP/1.1\r\n\(host)\r\n", .rejected(501)),
        row("non-token method", "GE(T /e HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("OPTIONS origin-form", "OPTIONS /e HTTP/1.1\r\n\(host)\r\n", .ok("OPTIONS", "/e")),
        row("DELETE with a chunked body", "DELETE /e HTTP/1.1\r\n\(host)\(chunked)\r\n2\r\nok\r\n0\r\n\r\n", .ok("DELETE", "/e", "ok")),
        row("HEAD", "HEAD /e HTTP/1.1\r\n\(host)\r\n", .ok("HEAD", "/e"), "The echo arrives in a header; the body is omitted.").head(),
        row("two spaces after the method", "GET  /e HTTP/1.1\r\n\(host)\r\n", .rejected(400),
            "Stricter: RFC 9112 §3 allows lenient whitespace parsing; we require single SP (Go, h11).").splitToo(),
        row("two spaces before the version", "GET /e  HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("trailing space after the version", "GET /e HTTP/1.1 \r\n\(host)\r\n", .rejected(400)),
        row("leading space", " GET /e HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("tab as separator", "GET\t/e\tHTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("space inside the target", "GET /a b HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("missing version (HTTP/0.9 simple request)", "GET /e\r\n\r\n", .rejected(400), "HTTP/0.9 is not spoken."),
        row("missing target", "GET  HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("method only", "GET\r\n\(host)\r\n", .rejected(400)),
        row("HTTP/1.2", "GET /e HTTP/1.2\r\n\(host)\r\n", .rejected(505),
            "Deliberate: RFC 9110 §6.2 says SHOULD treat a higher 1.x minor as 1.1; we speak exactly 1.0 and 1.1.").splitToo(),
        row("HTTP/2.0", "GET /e HTTP/2.0\r\n\(host)\r\n", .rejected(505)),
        row("HTTP/0.9 as a version token", "GET /e HTTP/0.9\r\n\(host)\r\n", .rejected(505)),
        row("h2 prior-knowledge preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .rejected(400), "Asterisk target refused before the version."),
        row("lowercase 'http/1.1'", "GET /e http/1.1\r\n\(host)\r\n", .rejected(400), "HTTP-name is case-sensitive (RFC 9112 §2.3)."),
        row("'HTTP/1.10'", "GET /e HTTP/1.10\r\n\(host)\r\n", .rejected(400)),
        row("'HTTP/1'", "GET /e HTTP/1\r\n\(host)\r\n", .rejected(400)),
        row("absolute-form target", "GET http://t/e HTTP/1.1\r\n\(host)\r\n", .rejected(400),
            "Deliberate: RFC 9112 §3.2.2 says servers MUST accept absolute-form; we serve origin-form only (not a proxy)."),
        row("asterisk-form OPTIONS", "OPTIONS * HTTP/1.1\r\n\(host)\r\n", .rejected(400),
            "Deliberate: RFC 9112 §3.2.4 asterisk-form is not served."),
        row("relative target", "GET e HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("fragment in the target", "GET /e#frag HTTP/1.1\r\n\(host)\r\n", .rejected(400), "A fragment is never sent (RFC 9112 §3.2)."),
        row("raw UTF-8 in the target", "GET /caf\u{E9} HTTP/1.1\r\n\(host)\r\n", .rejected(400), "Non-ASCII must be percent-encoded."),
        row("percent-encoded UTF-8 target", getRequest("/caf%C3%A9"), .ok("GET", "/caf%C3%A9"), "The raw target reaches the handler."),
        row("percent-encoded NUL in the target", getRequest("/a%00b"), .ok("GET", "/a%00b"),
            "Valid syntax; decoding and refusing NUL is the router's job (PercentDecoding)."),
        row("query kept raw", getRequest("/e?a=1&b=%20&c"), .ok("GET", "/e?a=1&b=%20&c")),
        row("CTL in the target", "GET /a\u{01} HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("DEL in the target", "GET /a\u{7F} HTTP/1.1\r\n\(host)\r\n", .rejected(400)),
        row("target of exactly 8 KiB", getRequest("/" + String(repeating: "t", count: 8 * 1024 - 1)),
            .ok("GET", "/" + String(repeating: "t", count: 8 * 1024 - 1)), "HTTPLimits.maxRequestTargetBytes is inclusive."),
        row("target of 8 KiB + 1", getRequest("/" + String(repeating: "t", count: 8 * 1024)), .rejected(414)).splitToo(),
        row("overlong target, no line end", "GET /" + String(repeating: "t", count: 20 * 1024), .rejected(414),
            "Refused during the scan, before the line ends."),
        row("one empty line before the request line", "\r\n" + getRequest("/e"), .ok("GET", "/e"),
            "RFC 9112 §2.2: SHOULD ignore at least one empty line before the request-line."),
        row("TLS ClientHello on the plain port", bytes: [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03], .rejected(400),
            "STYLE §3.5 TLS sniffing row: plaintext port answers 400."),
    ]

    static let hostRules: [HostileCase] = [
        row("missing Host on 1.1", "GET /e HTTP/1.1\r\n\r\n", .rejected(400), "RFC 9112 §3.2 MUST.").splitToo(),
        row("missing Host on 1.0", "GET /e HTTP/1.0\r\n\r\n", .ok("GET", "/e", then: .closed), "Host is optional in 1.0; 1.0 closes by default."),
        row("duplicate Host, same value", "GET /e HTTP/1.1\r\nHost: t\r\nhost: t\r\n\r\n", .rejected(400), "RFC 9112 §3.2 MUST."),
        row("duplicate Host, different values", "GET /e HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .rejected(400)),
        row("duplicate Host on 1.0", "GET /e HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", .rejected(400)),
        row("empty Host", "GET /e HTTP/1.1\r\nHost:\r\n\r\n", .ok("GET", "/e"), "RFC 9112 §3.2: empty is the value for no authority."),
        row("Host with port", "GET /e HTTP/1.1\r\nHost: t:8080\r\n\r\n", .ok("GET", "/e")),
        row("Host IPv6 literal with port", "GET /e HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", .ok("GET", "/e")),
        row("Host with userinfo", "GET /e HTTP/1.1\r\nHost: user:pw@t\r\n\r\n", .rejected(400), "RFC 9110 §4.2.4: userinfo is invalid."),
        row("Host with space", "GET /e HTTP/1.1\r\nHost: a b\r\n\r\n", .rejected(400)),
        row("Host with slash", "GET /e HTTP/1.1\r\nHost: t/e\r\n\r\n", .rejected(400)),
        row("Host with non-numeric port", "GET /e HTTP/1.1\r\nHost: t:80x\r\n\r\n",
            .rejected(400), "RFC 9112 §3.2: MUST 400 for an invalid Host value; STYLE §3.5 'exactly one, valid'."),
        row("Host with unclosed IPv6 bracket", "GET /e HTTP/1.1\r\nHost: [::1\r\n\r\n",
            .rejected(400), "RFC 9112 §3.2 / RFC 3986 §3.2.2."),
    ]

    static let connectionHandling: [HostileCase] = [
        row("Connection: close", getRequest("/e", "Connection: close\r\n"), .ok("GET", "/e", then: .closed), "RFC 9112 §9.6."),
        row("Connection: CLOSE", getRequest("/e", "Connection: CLOSE\r\n"), .ok("GET", "/e", then: .closed), "Option names are case-insensitive."),
        row("Connection: keep-alive, close", getRequest("/e", "Connection: keep-alive, close\r\n"), .ok("GET", "/e", then: .closed)),
        row("HTTP/1.0 closes by default", "GET /e HTTP/1.0\r\n\(host)\r\n", .ok("GET", "/e", then: .closed), "RFC 9112 §9.3."),
        row("HTTP/1.0 keep-alive", "GET /e HTTP/1.0\r\n\(host)Connection: keep-alive\r\n\r\n", .ok("GET", "/e"), "RFC 9112 Appendix C.2.2."),
        row("HTTP/1.0 Keep-Alive, odd case", "GET /e HTTP/1.0\r\n\(host)Connection: Keep-Alive\r\n\r\n", .ok("GET", "/e")),
        row("h2c upgrade request is ignored",
            getRequest("/e", "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n"), .ok("GET", "/e"),
            "Upgrade is optional (RFC 9110 §7.8); we answer in 1.1 and keep going."),
        row("three pipelined requests", getRequest("/a") + getRequest("/b") + getRequest("/c"),
            .answers([.echo("GET", "/a"), .echo("GET", "/b"), .echo("GET", "/c")], then: .open), "Answered in order (RFC 9112 §9.3.2)."),
        row("pipeline with a malformed request in the middle",
            getRequest("/a") + "GET /b HTTP/1.1\r\nHost : t\r\n\r\n" + getRequest("/c"),
            .answers([.echo("GET", "/a"), .status(400)], then: .closed),
            "The earlier request is answered, then the error, then close; /c is never handled.").splitToo().bytewise(),
        row("pipeline starting with a malformed request", "GET /a HTTP/1.1\r\n\r\n" + getRequest("/b"), .rejected(400)),
        row("pipeline after Connection: close", getRequest("/a", "Connection: close\r\n") + getRequest("/b"),
            .ok("GET", "/a", then: .closed), "Nothing after a close request is handled (RFC 9112 §9.6)."),
        row("pipeline: POST with body, then GET",
            "POST /a HTTP/1.1\r\n\(host)Content-Length: 3\r\n\r\nxyz" + getRequest("/b"),
            .answers([.echo("POST", "/a", "xyz"), .echo("GET", "/b")], then: .open)),
        row("pipeline: 1.0 keep-alive, then 1.1",
            "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + getRequest("/b"),
            .answers([.echo("GET", "/a"), .echo("GET", "/b")], then: .open)).bytewise(),
        row("complete request, then EOF", getRequest("/e"), .ok("GET", "/e", then: .closed),
            "A half-closed client still gets its answer (h11 'client half-close'), then the server closes.").halfClosing(),
        row("two requests, then EOF", getRequest("/a") + getRequest("/b"),
            .answers([.echo("GET", "/a"), .echo("GET", "/b")], then: .closed)).halfClosing(),
        row("request plus a partial one, then EOF", getRequest("/a") + "GET /b HTT",
            .ok("GET", "/a", then: .closed), "The partial request cannot finish; no error is owed.").halfClosing(),
        row("incomplete head, then EOF", "GET /e HTTP/1.1\r\nHost: t\r\n", .closedWithoutResponse).halfClosing(),
        row("only empty lines, then EOF", "\r\n\r\n\r\n", .closedWithoutResponse, "Ignored empty lines; no request ever started.")
            .halfClosing(),
    ]

    static let expectations: [HostileCase] = [
        row("Expect: 100-continue with the body at once",
            "POST /e HTTP/1.1\r\n\(host)Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", .ok("POST", "/e", "hello"),
            "An interim 100 may or may not come first; only final answers count.").bytewise(),
        row("Expect: 100-Continue (odd case)",
            "POST /e HTTP/1.1\r\n\(host)Expect: 100-Continue\r\nContent-Length: 5\r\n\r\nhello", .ok("POST", "/e", "hello"),
            "Case-insensitive (RFC 9110 §10.1.1)."),
        row("Expect: 100-continue on HTTP/1.0",
            "POST /e HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", .ok("POST", "/e", "hello", then: .closed),
            "MUST be ignored from 1.0 clients.").noInterim(),
        row("Expect: 100-continue without a body", getRequest("/e", "Expect: 100-continue\r\n"), .ok("GET", "/e"),
            "Nothing to wait for: no interim response.").noInterim(),
        row("Expect: 100-continue with a chunked body",
            "POST /e HTTP/1.1\r\n\(host)Expect: 100-continue\r\n\(chunked)\r\n5\r\nhello\r\n0\r\n\r\n", .ok("POST", "/e", "hello")),
        row("Expect: 200-ok", "POST /e HTTP/1.1\r\n\(host)Expect: 200-ok\r\nContent-Length: 5\r\n\r\nhello", .rejected(417),
            "RFC 9110 §10.1.1: unknown expectation → 417.").splitToo(),
        row("Expect: 100-continue, foo", "POST /e HTTP/1.1\r\n\(host)Expect: 100-continue, foo\r\nContent-Length: 5\r\n\r\nhello",
            .rejected(417)),
        row("Expect empty", getRequest("/e", "Expect:\r\n"), .rejected(417),
            "Stricter: an empty list could be ignored; anything but exactly 100-continue is refused."),
        row("Expect on a GET", getRequest("/e", "Expect: foo\r\n"), .rejected(417)),
    ]

    static let all: [HostileCase] = smuggling + chunkedFraming + headerSyntax + requestLine + hostRules + connectionHandling + expectations

    /// Rows for the split-point property: every accepted non-bug row plus the rejected rows marked `splitToo()`.
    static let splitCases: [HostileCase] = all.filter { !$0.expected.isBug && ($0.isAccepted || $0.splitChecked) }

    /// Rows also sent one byte at a time.
    static let bytewiseCases: [HostileCase] = all.filter { $0.bytewiseChecked }
}

// MARK: - Driving one exchange

/// How the row's bytes are written.
enum SendPlan: Sendable {
    case whole
    /// Two sends: `[0, index)` then the rest, waiting in between until the server has read the first part.
    case split(Int)
    /// One send per byte, waiting after each until the server has read it.
    case bytewise
}

/// Sends a case's bytes as planned and observes its outcome; also returns how many interim (1xx) answers came.
func exchange(_ c: HostileCase, port: Int, plan: SendPlan) throws -> (WireOutcome, interim: Int) {
    let connection = try WireConnection(port: port)
    let parts: [ArraySlice<UInt8>]
    switch plan {
    case .whole: parts = [c.bytes[...]]
    case .split(let index): parts = [c.bytes[..<index], c.bytes[index...]]
    case .bytewise: parts = c.bytes.indices.map { c.bytes[$0...$0] }
    }
    let serverSide = parts.count > 1 ? ServerSideSocket.find(forClient: connection.fd) : nil
    var sent = 0
    for (index, part) in parts.enumerated() {
        if index > 0 { serverSide?.waitUntilRead(total: sent) }
        // A refused request may be closed before the rest arrives; then the rest simply cannot be sent.
        guard connection.send(part) else { break }
        sent += part.count
    }
    if c.halfClose { connection.shutdownWrite() }

    var answers: [WireAnswer] = []
    var interim = 0
    func finish(_ end: WireOutcome.End) -> (WireOutcome, interim: Int) { (WireOutcome(answers: answers, end: end), interim) }

    let wanted = c.expected.correct.answers.count
    while answers.count < wanted {
        switch connection.readResponse(bodyless: c.headRequest && answers.isEmpty) {
        case .response(let response) where response.status < 200: interim += 1
        case .response(let response): answers.append(WireAnswer(response))
        case .closed: return finish(.closed)
        case .timedOut: return finish(.timedOut)
        case .garbage: return finish(.garbage)
        }
    }
    // Open and in sync, or closed? A probe answers both without waiting for any timeout: a closing server
    // has already sent its FIN (and discards the probe), an open one answers it as the next request.
    if !c.halfClose { connection.send(probeRequest[...]) }
    while true {
        switch connection.readResponse(bodyless: false) {
        case .response(let response) where response.status < 200: interim += 1
        case .response(let response):
            let answer = WireAnswer(response)
            if answer == probeAnswer && !c.halfClose { return finish(.open) }
            answers.append(answer)  // more than expected: shows up in the comparison
        case .closed: return finish(.closed)
        case .timedOut: return finish(.timedOut)
        case .garbage: return finish(.garbage)
        }
    }
}

extension WireAnswer {
    init(_ response: WireResponse) {
        self.init(status: response.status, echo: response.status == 200 ? response.header("X-Echo") : nil)
    }
}

/// A parsed response.
struct WireResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// One raw client connection (TCP_NODELAY) that parses responses itself, so every byte the server sends is
/// accounted for: nothing extra can hide in a buffer that a helper discards.
final class WireConnection {
    enum ReadResult {
        case response(WireResponse)
        case closed
        case timedOut
        case garbage
    }

    private let client: TestClient
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    var fd: Int32 { client.fd }

    init(port: Int, timeout: Duration = .seconds(2), receiveBufferSize: Int32? = nil) throws {
        client = try TestClient(port: port, timeout: timeout, receiveBufferSize: receiveBufferSize)
        var one: Int32 = 1
        setsockopt(client.fd, Int32(IPPROTO_TCP), cposix_TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends everything; false when the server has gone (EPIPE, ECONNRESET), which refused requests may cause.
    @discardableResult
    func send(_ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    func shutdownWrite() {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    func close() { client.close() }

    /// Reads one response (1xx included); `bodyless` for the answer to HEAD.
    func readResponse(bodyless: Bool) -> ReadResult {
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.headEnd(in: buffer)
            if headEnd != nil { break }
            if let failure = fill() { return buffer.isEmpty ? failure : .garbage }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else { return .garbage }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { return .garbage }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers.append((String(line[..<colon]), String(value)))
        }
        var response = WireResponse(status: status, headers: headers, body: [])
        buffer.removeFirst(headEnd! + 4)
        if status < 200 || bodyless { return .response(response) }
        guard let length = Int(response.header("Content-Length") ?? "") else { return .garbage }
        while buffer.count < length {
            if fill() != nil { return .garbage }
        }
        response.body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return .response(response)
    }

    /// Reads more bytes into the buffer; nil on success, else why not.
    private func fill() -> ReadResult? {
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return nil
            }
            if count == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case ECONNRESET: return .closed  // a reset after our unread bytes is still "closed"
            default: return .timedOut
            }
        }
    }

    private static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}

// MARK: - Waiting until the server has read a part

/// An IPv4 address and port, as stored in `sockaddr_in` (network byte order).
private struct Endpoint: Equatable {
    let address: UInt32
    let port: UInt16

    init?(_ fd: Int32, peer: Bool) {
        var storage = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length) }
        }
        guard result == 0, storage.sin_family == sa_family_t(AF_INET) else { return nil }
        address = storage.sin_addr.s_addr
        port = storage.sin_port
    }
}

/// The server's end of one of our loopback connections. The server runs in this process, so its descriptor is in
/// /proc/self/fd; we find it by matching addresses. That makes a split real without sleeping: after the first part
/// we poll (with a deadline) until the server's TCP has received it and the server has read it all (its receive
/// queue is empty), so the second part reaches the parser in a later `recv`.
struct ServerSideSocket {
    let fd: Int32
    private let local: Endpoint
    private let remote: Endpoint

    /// Offset of `tcpi_bytes_received` (Linux ≥ 4.1) in `struct tcp_info`; glibc's header predates the field.
    private static let bytesReceivedOffset = 128

    static func find(forClient client: Int32, timeout: Duration = .seconds(1)) -> ServerSideSocket? {
        guard let clientLocal = Endpoint(client, peer: false), let clientRemote = Endpoint(client, peer: true) else { return nil }
        let deadline = ContinuousClock.now + timeout
        repeat {
            if let found = scan(local: clientRemote, remote: clientLocal, excluding: client) { return found }
            usleep(100)
        } while ContinuousClock.now < deadline
        return nil
    }

    private static func scan(local: Endpoint, remote: Endpoint, excluding client: Int32) -> ServerSideSocket? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard let fd = Int32(name), fd != client else { continue }
            if Endpoint(fd, peer: false) == local, Endpoint(fd, peer: true) == remote {
                return ServerSideSocket(fd: fd, local: local, remote: remote)
            }
        }
        return nil
    }

    /// Still open on the server's side: the descriptor is still this connection (once the server closes it, the
    /// number is either invalid or reused for another connection).
    var isStillOurs: Bool {
        Endpoint(fd, peer: false) == local && Endpoint(fd, peer: true) == remote
    }

    /// Polls until the server's TCP has received `total` bytes and the server has read them all, the server has
    /// closed the connection, or `timeout` passes (a server busy answering reads later; the outcome is the same).
    func waitUntilRead(total: Int, timeout: Duration = .milliseconds(500)) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, isStillOurs {
            var info = [UInt8](repeating: 0, count: 232)
            var length = socklen_t(info.count)
            guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return }
            guard Int(length) >= Self.bytesReceivedOffset + 8 else { return }
            let received = info.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: Self.bytesReceivedOffset, as: UInt64.self) }
            var unread: Int32 = 0
            guard ioctl(fd, UInt(FIONREAD), &unread) == 0 else { return }
            if received >= UInt64(total) && unread == 0 { return }
            usleep(20)
        }
    }
}

// MARK: - The tests

extension HTTPServerLiveTests {
    @Suite struct HostileRequestTableTests {
        @Test func tableHasAtLeastAHundredDistinctCases() {
            let all = HostileTable.all
            print("hostile request table: \(all.count) cases, \(all.filter(\.isAccepted).count) accepted, "
                + "\(all.filter(\.expected.isBug).count) known bugs, \(HostileTable.splitCases.count) split-checked")
            #expect(all.count >= 100)
            #expect(Set(all.map(\.name)).count == all.count)
            #expect(Set(all.map(\.bytes)).count == all.count)
        }

        @Test(arguments: HostileTable.all)
        func answersEachHostileRequestExactly(_ c: HostileCase) async throws {
            try await withEchoServer { echo in
                let port = echo.port
                let (outcome, interim) = try await TestThread.run { try exchange(c, port: port, plan: .whole) }
                check(outcome, against: c)
                if c.forbidsInterim { #expect(interim == 0, "no 100 Continue expected") }
            }
        }

        @Test(arguments: HostileTable.splitCases)
        func givesTheSameOutcomeWhenSplitAtAnyByte(_ c: HostileCase) async throws {
            try await withEchoServer { echo in
                let port = echo.port
                let splits = Self.splitPoints(count: c.bytes.count)
                let mismatches = try await TestThread.run {
                    var mismatches: [(Int, WireOutcome)] = []
                    for index in splits {
                        let (outcome, _) = try exchange(c, port: port, plan: .split(index))
                        if outcome != c.expected.correct { mismatches.append((index, outcome)) }
                    }
                    return mismatches.map { "split at \($0.0): \($0.1)" }
                }
                #expect(mismatches.isEmpty, "\(c.name): expected \(c.expected.correct); \(mismatches.prefix(5))")
            }
        }

        @Test(arguments: HostileTable.bytewiseCases)
        func givesTheSameOutcomeOneByteAtATime(_ c: HostileCase) async throws {
            try await withEchoServer { echo in
                let port = echo.port
                let (outcome, _) = try await TestThread.run { try exchange(c, port: port, plan: .bytewise) }
                #expect(outcome == c.expected.correct, "\(c.name)")
            }
        }

        /// Every boundary for ordinary requests; for the 8–20 KiB ones, the first and last 48 boundaries and 128 between.
        static func splitPoints(count: Int) -> [Int] {
            guard count > 512 else { return Array(1..<count) }
            let middle = stride(from: 49, to: count - 48, by: max(1, (count - 96) / 128))
            return Array(Set(Array(1...48) + Array(middle) + Array((count - 48)..<count))).sorted()
        }

        private func check(_ outcome: WireOutcome, against c: HostileCase) {
            for answer in outcome.answers where answer.status >= 400 {
                // Canned errors never reach a handler.
                #expect(answer.echo == nil)
            }
            switch c.expected {
            case .outcome(let expected):
                #expect(outcome == expected, "\(c.name) — \(c.note)")
            case .bug(let description, _):
                withKnownIssue("\(c.name): \(description)") {
                    #expect(outcome == c.expected.correct, "\(c.name) — \(c.note)")
                }
            }
        }
    }
}
