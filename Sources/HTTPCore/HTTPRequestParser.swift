/// Incremental HTTP/1.1 request parser (RFC 9112), strict wherever leniency would enable request smuggling.
///
/// Feed bytes with `append(_:)` and pull events with `next()`. Input may arrive one byte at a time or as
/// several pipelined requests at once; bytes after a finished request stay buffered for the next one.
///
/// ```swift
/// var parser = HTTPRequestParser(limits: HTTPLimits())
/// parser.append(bytesFromSocket)
/// while let event = try parser.next() {
///     switch event {
///     case .head(let head): try parser.acceptBody(maxBytes: limitFor(head))
///     case .request(let request): respond(to: request)
///     }
/// }
/// ```
///
/// Memory is bounded: at most `maxHeaderBytes` of an unfinished head plus whatever one `append` added,
/// plus the body up to its accepted limit. After a thrown error the parser stays failed and drops input.
public struct HTTPRequestParser: Sendable {
    /// Longest method we bother to look at; ours are at most 7 bytes, anything longer is unknown (501).
    static let maxMethodBytes = 32
    /// Chunk-size line cap: 16 hex digits plus up to 1 KiB of extensions (STYLE §3.5), CRLF included.
    static let maxChunkLineBytes = 16 + 1024 + 2
    /// Above this capacity an emptied buffer is released rather than kept for reuse.
    static let retainedCapacity = 64 * 1024

    private enum State: Sendable {
        case head
        case awaitingBodyLimit(BodyFraming)
        case fixedBody(length: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed(HTTPParseError)
    }

    private enum BodyFraming: Sendable {
        case none
        case length(Int)
        case chunked
    }

    /// Everything learned so far about the head being read; reset for each request.
    private struct HeadProgress: Sendable {
        var headBytes = 0  // bytes of completed lines (request line and fields) consumed so far
        var sawRequestLine = false
        var space1 = -1  // offsets of the request line's two SPs from the line start; -1 = not seen
        var space2 = -1
        var method = HTTPMethod.GET
        var target = ""
        var path = ""
        var query: String?
        var version = HTTPVersion.http1_1
        var headers = HTTPHeaders()
        var hostCount = 0
        var contentLength: Int?
        var contentLengthRaw: [UInt8] = []
        var transferEncodingCount = 0
        var transferEncodingIsChunked = false
        var connectionClose = false
        var connectionKeepAlive = false
        var expectContinue = false
        var expectOther = false
    }

    private let limits: HTTPLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var state = State.head
    private var progress = HeadProgress()
    /// Bytes of the current, still incomplete line already scanned (relative to `readIndex`).
    private var lineScan = 0
    private var pendingHead: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyLimit = 0
    private var chunkedTotal = 0
    private var trailerBytes = 0

    /// Creates a parser enforcing `limits`.
    public init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// Buffers more input. Ignored once the parser has failed.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if case .failed = state { return }
        compact()
        // Fast path: a contiguous source (Array, slice, UnsafeRawBufferPointer) is one memcpy, even though this
        // generic function is called unspecialised from other modules.
        let copied: Void? = bytes.withContiguousStorageIfAvailable { buffer.append(contentsOf: $0) }
        if copied == nil { buffer.append(contentsOf: bytes) }
    }

    /// nil = need more bytes. After `.head`, the caller MUST call acceptBody(maxBytes:) before calling next() again.
    /// (If it does not, the default `limits.maxBodyBytes` is applied.)
    public mutating func next() throws(HTTPParseError) -> HTTPParseEvent? {
        do {
            return try step()
        } catch {
            fail(error)
            throw error
        }
    }

    /// Sets the body limit for the request whose head was just returned; throws 413 if the declared
    /// Content-Length exceeds it (decided before reading any body byte). Chunked bodies are checked as they arrive.
    public mutating func acceptBody(maxBytes: Int) throws(HTTPParseError) {
        guard case .awaitingBodyLimit(let framing) = state else { return }
        let maxBytes = max(0, maxBytes)
        switch framing {
        case .none:
            state = .fixedBody(length: 0)
        case .length(let length):
            // RFC 9110 §15.5.14: refuse before reading (and buffering) any of the content.
            if length > maxBytes {
                fail(.bodyTooLarge)
                throw .bodyTooLarge
            }
            state = .fixedBody(length: length)
        case .chunked:
            bodyLimit = maxBytes
            chunkedTotal = 0
            state = .chunkSizeLine
        }
    }

    /// Whether the head just returned declares content (a positive Content-Length or chunked), so that its body
    /// limit matters; a request without content is complete whatever limit `acceptBody` gets.
    public var pendingHeadDeclaresContent: Bool {
        switch state {
        case .awaitingBodyLimit(.length(let length)): length > 0
        case .awaitingBodyLimit(.chunked): true
        default: false
        }
    }

    /// Whether some bytes of an unfinished request are buffered.
    public var isMidRequest: Bool {
        switch state {
        case .head: return progress.headBytes > 0 || readIndex < buffer.count
        case .failed: return false
        default: return true
        }
    }

    /// Input bytes held that no event has returned yet: unread input, the lines of an unfinished head, and the
    /// body decoded so far (chunk framing already discarded is not counted).
    public var bufferedByteCount: Int {
        switch state {
        case .head: return buffer.count - readIndex + progress.headBytes
        case .failed: return 0
        default: return buffer.count - readIndex + body.count
        }
    }

    // MARK: - Driving the states

    private mutating func step() throws(HTTPParseError) -> HTTPParseEvent? {
        while true {
            switch state {
            case .failed(let error):
                throw error
            case .head:
                guard let head = try parseHead() else { return nil }
                return .head(head)
            case .awaitingBodyLimit:
                try acceptBody(maxBytes: limits.maxBodyBytes)
            case .fixedBody(let length):
                guard buffer.count - readIndex >= length else { return nil }
                body = Array(buffer[readIndex..<(readIndex + length)])
                readIndex += length
                return finishRequest()
            case .chunkSizeLine:
                guard try parseChunkSizeLine() else { return nil }
            case .chunkData(let remaining):
                let available = buffer.count - readIndex
                guard available > 0 else { return nil }
                let take = min(available, remaining)
                body.append(contentsOf: buffer[readIndex..<(readIndex + take)])
                readIndex += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .chunkDataEnd:
                // RFC 9112 §7.1: chunk-data is followed by CRLF; anything else desynchronises framing.
                let available = buffer.count - readIndex
                if available >= 1 && buffer[readIndex] != HTTPSyntax.cr { throw .missingChunkTerminator }
                guard available >= 2 else { return nil }
                guard buffer[readIndex + 1] == HTTPSyntax.lf else { throw .missingChunkTerminator }
                readIndex += 2
                state = .chunkSizeLine
            case .trailers:
                guard try parseTrailers() else { return nil }
                return finishRequest()
            }
        }
    }

    private mutating func fail(_ error: HTTPParseError) {
        state = .failed(error)
        buffer = []
        readIndex = 0
        body = []
        pendingHead = nil
        progress = HeadProgress()
    }

    private mutating func finishRequest() -> HTTPParseEvent {
        let request = HTTPRequest(head: pendingHead!, body: body)
        pendingHead = nil
        body = []
        trailerBytes = 0
        chunkedTotal = 0
        lineScan = 0
        state = .head
        if readIndex == buffer.count { compact() }
        return .request(request)
    }

    /// Drops consumed bytes: always when everything was consumed, otherwise only once they dominate the
    /// buffer, so pipelined input is not shifted once per request (amortised O(1)).
    private mutating func compact() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            if buffer.capacity > Self.retainedCapacity {
                buffer = []
            } else {
                buffer.removeAll(keepingCapacity: true)
            }
            readIndex = 0
        } else if readIndex >= 4096 && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    // MARK: - Head

    /// Scans and consumes complete lines of the head; returns the head once the empty line arrives.
    private mutating func parseHead() throws(HTTPParseError) -> HTTPRequestHead? {
        let bytes = buffer  // a retained copy (no byte copy) so the closure may mutate `self`
        return try bytes.withUnsafeBufferPointer { (p) throws(HTTPParseError) -> HTTPRequestHead? in
            while true {
                let lineStart = readIndex
                // One past the last index this line may reach: beyond it the head exceeds maxHeaderBytes (431).
                let limitIndex = lineStart + max(0, limits.maxHeaderBytes - progress.headBytes)
                let scanEnd = min(p.count, limitIndex)
                var index = lineStart + lineScan
                var lineFeed = -1
                if progress.sawRequestLine {
                    while index < scanEnd {
                        if p[index] == HTTPSyntax.lf {
                            lineFeed = index
                            break
                        }
                        index += 1
                    }
                } else {
                    lineFeed = try scanRequestLine(p, lineStart: lineStart, from: index, to: scanEnd)
                }
                if lineFeed < 0 {
                    // RFC 6585 §5 (431) with our limit: refuse as soon as the head is too big, without waiting for CRLF.
                    if p.count > limitIndex { throw .headersTooLarge }
                    lineScan = p.count - lineStart
                    return nil
                }
                lineScan = 0
                readIndex = lineFeed + 1
                progress.headBytes += lineFeed + 1 - lineStart
                // RFC 9112 §2.2: we do not accept a bare LF as a line terminator.
                guard lineFeed > lineStart, p[lineFeed - 1] == HTTPSyntax.cr else { throw .bareLF }
                let contentEnd = lineFeed - 1
                if !progress.sawRequestLine {
                    try parseRequestLine(p, lineStart..<contentEnd)
                    continue
                }
                if contentEnd == lineStart {
                    return try finishHead()
                }
                try parseHeaderField(p, lineStart..<contentEnd)
            }
        }
    }

    /// Scans request-line bytes `[from, to)`, rejecting as early as possible; returns the LF index or -1.
    private mutating func scanRequestLine(
        _ p: UnsafeBufferPointer<UInt8>, lineStart: Int, from: Int, to: Int
    ) throws(HTTPParseError) -> Int {
        var index = from
        while index < to {
            let b = p[index]
            if b == HTTPSyntax.lf { return index }
            let offset = index - lineStart
            if progress.space1 < 0 {
                if b == HTTPSyntax.sp {
                    progress.space1 = offset
                } else if b != HTTPSyntax.cr {
                    // RFC 9112 §3.1: method = token; our methods are uppercase, so lowercase is a client bug (400).
                    if !HTTPSyntax.isTChar(b) || (b >= 0x61 && b <= 0x7A) { throw .invalidMethod }
                    if offset >= Self.maxMethodBytes { throw .unsupportedMethod }
                }
            } else if progress.space2 < 0 {
                if b == HTTPSyntax.sp {
                    progress.space2 = offset
                } else if offset - progress.space1 > limits.maxRequestTargetBytes {
                    // RFC 9112 §3: a server receiving a request-target longer than it wishes to parse → 414.
                    throw .targetTooLong
                }
            } else {
                // RFC 9112 §3: exactly one SP between the three parts.
                if b == HTTPSyntax.sp { throw .malformedRequestLine }
                // "HTTP/1.1" plus CR is 9 bytes; anything longer cannot be a version.
                if offset - progress.space2 > 9 { throw .invalidVersion }
            }
            index += 1
        }
        return -1
    }

    /// Validates the complete request line `method SP request-target SP HTTP-version` (RFC 9112 §3).
    private mutating func parseRequestLine(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) throws(HTTPParseError) {
        if line.isEmpty {
            // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.
            // They still count toward maxHeaderBytes, so they cannot be sent forever.
            return
        }
        let start = line.lowerBound
        guard progress.space1 > 0, progress.space2 > progress.space1 + 1 else { throw .malformedRequestLine }
        let methodRange = start..<(start + progress.space1)
        let targetRange = (start + progress.space1 + 1)..<(start + progress.space2)
        let versionRange = (start + progress.space2 + 1)..<line.upperBound
        progress.space1 = -1
        progress.space2 = -1

        for index in methodRange {
            let b = p[index]
            if !HTTPSyntax.isTChar(b) || (b >= 0x61 && b <= 0x7A) { throw .invalidMethod }
        }
        if targetRange.count > limits.maxRequestTargetBytes { throw .targetTooLong }
        // RFC 9112 §3.2.1: we only serve origin-form, which starts with "/".
        guard p[targetRange.lowerBound] == UInt8(ascii: "/") else { throw .invalidTarget }
        var queryStart = -1
        for index in targetRange {
            let b = p[index]
            guard HTTPSyntax.isTargetByte(b) else { throw .invalidTarget }
            if b == UInt8(ascii: "?") && queryStart < 0 { queryStart = index }
        }
        let version = try Self.parseVersion(p, versionRange)
        guard let method = Self.knownMethod(p, methodRange) else { throw .unsupportedMethod }
        // RFC 9110 §6.2 / RFC 9112 §2.3: we speak 1.0 and 1.1 only.
        guard version.major == 1, version.minor <= 1 else { throw .unsupportedVersion }

        progress.method = method
        progress.version = version
        progress.target = Self.string(p, targetRange)
        if queryStart >= 0 {
            progress.path = Self.string(p, targetRange.lowerBound..<queryStart)
            progress.query = Self.string(p, (queryStart + 1)..<targetRange.upperBound)
        } else {
            progress.path = progress.target
            progress.query = nil
        }
        progress.sawRequestLine = true
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
    private static func parseVersion(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) throws(HTTPParseError) -> HTTPVersion {
        guard range.count == 8 else { throw .invalidVersion }
        let s = range.lowerBound
        guard p[s] == UInt8(ascii: "H"), p[s + 1] == UInt8(ascii: "T"), p[s + 2] == UInt8(ascii: "T"),
            p[s + 3] == UInt8(ascii: "P"), p[s + 4] == UInt8(ascii: "/"), p[s + 6] == UInt8(ascii: "."),
            (0x30...0x39).contains(p[s + 5]), (0x30...0x39).contains(p[s + 7])
        else { throw .invalidVersion }
        return HTTPVersion(major: Int(p[s + 5] - 0x30), minor: Int(p[s + 7] - 0x30))
    }

    /// The supported method spelled by `range` (case-sensitive, RFC 9110 §9.1), else nil.
    private static func knownMethod(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> HTTPMethod? {
        func equals(_ literal: StaticString) -> Bool {
            guard range.count == literal.utf8CodeUnitCount else { return false }
            let l = literal.utf8Start
            for i in 0..<range.count where p[range.lowerBound + i] != l[i] { return false }
            return true
        }
        switch range.count {
        case 3: return equals("GET") ? .GET : equals("PUT") ? .PUT : nil
        case 4: return equals("HEAD") ? .HEAD : equals("POST") ? .POST : nil
        case 5: return equals("PATCH") ? .PATCH : nil
        case 6: return equals("DELETE") ? .DELETE : nil
        case 7: return equals("OPTIONS") ? .OPTIONS : nil
        default: return nil
        }
    }

    /// Parses one `field-name ":" OWS field-value OWS` line and records what framing needs from it.
    private mutating func parseHeaderField(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) throws(HTTPParseError) {
        let (name, value) = try Self.splitField(p, line)
        if progress.headers.fields.isEmpty { progress.headers.fields.reserveCapacity(16) }
        // Our own cap on the number of fields (STYLE §3.5), answered like an oversized header (RFC 6585 §5, 431).
        if progress.headers.count >= limits.maxHeaderCount { throw .tooManyHeaders }

        switch name.count {
        case 4 where HTTPSyntax.equalsIgnoringCase(p, name, "host"):
            // RFC 9112 §3.2: exactly one Host; a second one is a smuggling/routing ambiguity.
            progress.hostCount += 1
            if progress.hostCount > 1 { throw .repeatedHost }
            guard HTTPSyntax.isValidHostValue(p, value) else { throw .invalidHost }
        case 14 where HTTPSyntax.equalsIgnoringCase(p, name, "content-length"):
            try recordContentLength(p, value)
        case 17 where HTTPSyntax.equalsIgnoringCase(p, name, "transfer-encoding"):
            // RFC 9112 §6.1 + §7: we implement exactly one coding, "chunked" (case-insensitive), in one field.
            progress.transferEncodingCount += 1
            progress.transferEncodingIsChunked = HTTPSyntax.equalsIgnoringCase(p, value, "chunked")
        case 10 where HTTPSyntax.equalsIgnoringCase(p, name, "connection"):
            // RFC 9112 §9.3: Connection is a comma-separated, case-insensitive token list.
            if HTTPSyntax.listContains(p, value, "close") { progress.connectionClose = true }
            if HTTPSyntax.listContains(p, value, "keep-alive") { progress.connectionKeepAlive = true }
        case 6 where HTTPSyntax.equalsIgnoringCase(p, name, "expect"):
            // RFC 9110 §10.1.1: 100-continue is the only expectation; anything else → 417.
            if HTTPSyntax.equalsIgnoringCase(p, value, "100-continue") {
                progress.expectContinue = true
            } else {
                progress.expectOther = true
            }
        default:
            break
        }
        progress.headers.fields.append((name: Self.string(p, name), value: Self.string(p, value)))
    }

    /// Content-Length = 1*DIGIT (RFC 9110 §8.6); lists, signs, blanks and overflow are refused, and repeated
    /// fields must be byte-identical (RFC 9112 §6.3 ¶5: differing values are unrecoverable framing errors).
    private mutating func recordContentLength(_ p: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) throws(HTTPParseError) {
        guard !value.isEmpty else { throw .invalidContentLength }
        var length = 0
        for index in value {
            let b = p[index]
            guard b >= 0x30 && b <= 0x39 else { throw .invalidContentLength }
            let (times10, overflow1) = length.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(b - 0x30))
            guard !overflow1, !overflow2 else { throw .invalidContentLength }
            length = sum
        }
        if progress.contentLength != nil {
            guard progress.contentLengthRaw.elementsEqual(UnsafeBufferPointer(rebasing: p[value])) else {
                throw .conflictingContentLength
            }
        } else {
            progress.contentLength = length
            progress.contentLengthRaw = Array(p[value])
        }
    }

    /// Applies the whole-head rules once the empty line has arrived and resets for the next request.
    private mutating func finishHead() throws(HTTPParseError) -> HTTPRequestHead {
        let head = progress
        // RFC 9112 §3.2: a 1.1 request without Host gets 400.
        if head.version == .http1_1 && head.hostCount == 0 { throw .missingHost }

        var framing = BodyFraming.none
        if head.transferEncodingCount > 0 {
            // RFC 9112 §6.1/§6.3 ¶3: TE with CL "ought to be handled as an error" — the classic smuggling vector.
            if head.contentLength != nil { throw .contentLengthAndTransferEncoding }
            // RFC 9112 §6.1: an unknown or layered coding → 501; we accept only a single "chunked".
            guard head.transferEncodingCount == 1, head.transferEncodingIsChunked else { throw .unsupportedTransferEncoding }
            // RFC 9112 §6.1: TE in an HTTP/1.0 message means its framing is faulty.
            if head.version == .http1_0 { throw .transferEncodingInHTTP10 }
            framing = .chunked
        } else if let length = head.contentLength {
            framing = .length(length)
        }
        // RFC 9112 §6.3 ¶7: a request with neither header has no body (framing stays .none).
        if head.expectOther { throw .expectationFailed }

        let keepAlive: Bool
        if head.connectionClose {
            keepAlive = false
        } else if head.version == .http1_1 {
            keepAlive = true  // RFC 9112 §9.3: persistent by default in 1.1
        } else {
            keepAlive = head.connectionKeepAlive  // RFC 9112 §9.3 / Appendix C.2.2: 1.0 opts in
        }
        let hasBody: Bool
        switch framing {
        case .none: hasBody = false
        case .length(let length): hasBody = length > 0
        case .chunked: hasBody = true
        }
        // RFC 9110 §10.1.1: ignore 100-continue from 1.0 clients; with no content there is nothing to wait for.
        let expectsContinue = head.expectContinue && head.version == .http1_1 && hasBody

        let result = HTTPRequestHead(
            method: head.method, target: head.target, path: head.path, query: head.query, version: head.version,
            headers: head.headers, keepAlive: keepAlive, expectsContinue: expectsContinue)
        progress = HeadProgress()
        pendingHead = result
        state = .awaitingBodyLimit(framing)
        return result
    }

    /// Splits a field line into name and OWS-trimmed value, enforcing RFC 9112 §5 / RFC 9110 §5.5.
    private static func splitField(
        _ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>
    ) throws(HTTPParseError) -> (name: Range<Int>, value: Range<Int>) {
        let first = p[line.lowerBound]
        // RFC 9112 §5.2: obs-fold (a line starting with SP/HTAB) is rejected with 400.
        if first == HTTPSyntax.sp || first == HTTPSyntax.htab { throw .obsFold }
        var colon = line.lowerBound
        while colon < line.upperBound {
            let b = p[colon]
            if b == HTTPSyntax.colon { break }
            // RFC 9112 §5.1: no whitespace between field name and colon → 400 (smuggling vector).
            if b == HTTPSyntax.sp || b == HTTPSyntax.htab { throw .whitespaceBeforeColon }
            // RFC 9110 §5.1: field-name = token.
            if !HTTPSyntax.isTChar(b) { throw .invalidFieldName }
            colon += 1
        }
        guard colon < line.upperBound else { throw .missingColon }
        guard colon > line.lowerBound else { throw .emptyFieldName }
        let value = HTTPSyntax.trimmingOWS(p, (colon + 1)..<line.upperBound)
        // RFC 9110 §5.5: CR, LF, NUL and other CTLs (except HTAB) are invalid in a field value.
        for index in value where !HTTPSyntax.isFieldValueByte(p[index]) { throw .invalidFieldValue }
        return (line.lowerBound..<colon, value)
    }

    private static func string(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: p[range]), as: UTF8.self)
    }

    // MARK: - Chunked body (RFC 9112 §7.1)

    /// Reads one `chunk-size [ chunk-ext ] CRLF` line; returns false when more bytes are needed.
    private mutating func parseChunkSizeLine() throws(HTTPParseError) -> Bool {
        let bytes = buffer
        return try bytes.withUnsafeBufferPointer { (p) throws(HTTPParseError) -> Bool in
            let lineStart = readIndex
            let limitIndex = lineStart + Self.maxChunkLineBytes
            let scanEnd = min(p.count, limitIndex)
            var index = lineStart + lineScan
            while index < scanEnd && p[index] != HTTPSyntax.lf { index += 1 }
            // Reject an over-long size early (RFC 9112 §7.1 gives no limit; 16 hex digits fill 64 bits), and before
            // the line-ending check, so the error does not depend on whether the LF arrived in the same read.
            var digits = 0
            while lineStart + digits < index, digits <= 16, HTTPSyntax.hexValue(p[lineStart + digits]) != nil {
                digits += 1
            }
            if digits > 16 { throw .invalidChunkSize }
            if index == scanEnd {
                if p.count > limitIndex { throw .chunkLineTooLong }
                lineScan = p.count - lineStart
                return false
            }
            lineScan = 0
            readIndex = index + 1
            guard index > lineStart, p[index - 1] == HTTPSyntax.cr else { throw .bareLF }
            let contentEnd = index - 1

            var size = 0
            var cursor = lineStart
            while cursor < contentEnd, let digit = HTTPSyntax.hexValue(p[cursor]) {
                guard cursor - lineStart < 16 else { throw .invalidChunkSize }
                let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
                guard !overflow else { throw .invalidChunkSize }
                size = shifted | Int(digit)
                cursor += 1
            }
            guard cursor > lineStart else { throw .invalidChunkSize }
            // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ): tolerated, bytes checked.
            var afterSpace = cursor
            while afterSpace < contentEnd, p[afterSpace] == HTTPSyntax.sp || p[afterSpace] == HTTPSyntax.htab {
                afterSpace += 1
            }
            if afterSpace < contentEnd {
                guard p[afterSpace] == UInt8(ascii: ";") else { throw .invalidChunkSize }
                for i in (afterSpace + 1)..<contentEnd where !HTTPSyntax.isFieldValueByte(p[i]) {
                    throw .invalidChunkExtension
                }
            } else if afterSpace != cursor {
                throw .invalidChunkSize  // whitespace only allowed before ";"
            }

            if size == 0 {
                trailerBytes = 0
                state = .trailers
            } else {
                // RFC 9110 §15.5.14: refuse as soon as the running total would exceed the accepted limit.
                if size > bodyLimit - chunkedTotal { throw .bodyTooLarge }
                chunkedTotal += size
                state = .chunkData(remaining: size)
            }
            return true
        }
    }

    /// Reads and discards the trailer section up to its empty line (RFC 9112 §7.1.2); false = need more bytes.
    private mutating func parseTrailers() throws(HTTPParseError) -> Bool {
        let bytes = buffer
        return try bytes.withUnsafeBufferPointer { (p) throws(HTTPParseError) -> Bool in
            while true {
                let lineStart = readIndex
                let limitIndex = lineStart + max(0, limits.maxTrailerBytes - trailerBytes)
                let scanEnd = min(p.count, limitIndex)
                var index = lineStart + lineScan
                while index < scanEnd && p[index] != HTTPSyntax.lf { index += 1 }
                if index == scanEnd {
                    if p.count > limitIndex { throw .trailersTooLarge }
                    lineScan = p.count - lineStart
                    return false
                }
                lineScan = 0
                readIndex = index + 1
                trailerBytes += index + 1 - lineStart
                guard index > lineStart, p[index - 1] == HTTPSyntax.cr else { throw .bareLF }
                if index - 1 == lineStart { return true }
                // Trailer fields follow field syntax; we validate them and then ignore them (RFC 9110 §6.5.1).
                // Framing and routing fields never belong in a trailer (RFC 9110 §6.5.1, RFC 9112 §7.1.2).
                let (name, _) = try Self.splitField(p, lineStart..<(index - 1))
                let forbidden: [StaticString] = ["content-length", "transfer-encoding", "trailer", "host"]
                if forbidden.contains(where: { HTTPSyntax.equalsIgnoringCase(p, name, $0) }) { throw .forbiddenTrailerField }
            }
        }
    }
}
