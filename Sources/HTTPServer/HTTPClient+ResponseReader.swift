import HTTPCore

/// Where `HTTPResponseReader` gets bytes from (the connection; in-memory bytes in tests).
protocol ClientByteSource: AnyObject {
    /// Some bytes, or the end of the stream.
    func receive() throws(HTTPClientError) -> ClientReceive
}

/// Reads one HTTP/1.1 response from a byte source, with every part bounded: framing by Content-Length,
/// chunked transfer coding, or the end of the connection (RFC 9112 §6.3).
struct HTTPResponseReader {
    static let maxHeadBytes = 64 * 1024
    static let maxHeaderCount = 200
    static let maxLineBytes = 8 * 1024
    static let maxInterimResponses = 8

    private let maxBodyBytes: Int
    private let source: any ClientByteSource
    private var buffer: [UInt8] = []
    private var position = 0
    private var ended = false
    private var endedCleanly = true

    init(maxBodyBytes: Int, source: any ClientByteSource) {
        self.maxBodyBytes = maxBodyBytes
        self.source = source
    }

    /// The final (non-1xx) response; `isHEAD` when the request was HEAD (no body follows then).
    mutating func read(isHEAD: Bool) throws(HTTPClientError) -> HTTPClientResponse {
        var interim = 0
        while true {
            let (status, headers) = try readHead()
            if status == 101 { throw malformed("the server switched protocols, which was not asked for") }
            if status < 200 {
                interim += 1
                guard interim <= Self.maxInterimResponses else { throw malformed("too many interim (1xx) responses") }
                continue
            }
            let body = (isHEAD || status == 204 || status == 304) ? [] : try readBody(headers)
            return HTTPClientResponse(status: status, headers: headers, body: body)
        }
    }

    // MARK: Head

    private mutating func readHead() throws(HTTPClientError) -> (Int, HTTPHeaders) {
        var budget = Self.maxHeadBytes
        let statusLine = try readLine(budget: &budget, what: "status line")
        let status = try Self.parseStatusLine(statusLine)
        var headers = HTTPHeaders()
        while true {
            let line = try readLine(budget: &budget, what: "header")
            if line.isEmpty { break }
            guard headers.count < Self.maxHeaderCount else { throw malformed("more than \(Self.maxHeaderCount) header fields") }
            let (name, value) = try Self.parseHeaderLine(line)
            headers.add(name, value)
        }
        return (status, headers)
    }

    /// "HTTP/1.x NNN reason" (the reason phrase may be empty or absent).
    static func parseStatusLine(_ line: [UInt8]) throws(HTTPClientError) -> Int {
        let prefix = Array("HTTP/1.".utf8)
        guard line.count >= 12, Array(line[0..<7]) == prefix, isDigit(line[7]), line[8] == 0x20,
            line[9...11].allSatisfy(isDigit), line.count == 12 || line[12] == 0x20
        else { throw HTTPClientError(.malformedResponse, "malformed response: the status line is not HTTP/1.x") }
        let status = line[9...11].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        guard (100...599).contains(status) else { throw HTTPClientError(.malformedResponse, "malformed response: status \(status) is out of range") }
        return status
    }

    /// "name: value"; obsolete line folding and control characters are refused.
    static func parseHeaderLine(_ line: [UInt8]) throws(HTTPClientError) -> (String, String) {
        guard let colon = line.firstIndex(of: 0x3A), colon > 0 else {
            throw HTTPClientError(.malformedResponse, "malformed response: a header line has no name")
        }
        let name = line[..<colon]
        guard name.allSatisfy(isTokenByte) else { throw HTTPClientError(.malformedResponse, "malformed response: invalid header name") }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw HTTPClientError(.malformedResponse, "malformed response: a header value holds control characters")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    // MARK: Body

    private mutating func readBody(_ headers: HTTPHeaders) throws(HTTPClientError) -> [UInt8] {
        let transferCodings = headers.values(for: "Transfer-Encoding")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingSpaces().lowercased() }
        let lengths = headers.values(for: "Content-Length").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingSpaces() }
        if !transferCodings.isEmpty {
            // Both framings at once is how responses get smuggled; we only decode chunked (no compression was asked for).
            guard lengths.isEmpty else { throw malformed("both Transfer-Encoding and Content-Length") }
            guard transferCodings == ["chunked"] else { throw malformed("unsupported Transfer-Encoding '\(transferCodings.joined(separator: ", "))'") }
            return try readChunked()
        }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18, first.utf8.allSatisfy(Self.isDigit),
                let length = Int(first)
            else { throw malformed("invalid Content-Length") }
            guard length <= maxBodyBytes else { throw tooLarge() }
            return try readExactly(length)
        }
        return try readToEnd()
    }

    private mutating func readChunked() throws(HTTPClientError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var budget = Self.maxLineBytes
            let line = try readLine(budget: &budget, what: "chunk size")
            let sizeField = line.prefix { $0 != 0x3B }.trimmingSpaceBytes()  // ";" starts chunk extensions, ignored
            guard !sizeField.isEmpty, sizeField.count <= 15, sizeField.allSatisfy(Self.isHexDigit) else { throw malformed("invalid chunk size") }
            let size = sizeField.reduce(0) { $0 * 16 + Self.hexValue($1) }
            if size == 0 { break }
            guard body.count + size <= maxBodyBytes else { throw tooLarge() }
            body += try readExactly(size)
            var crlfBudget = 2
            guard try readLine(budget: &crlfBudget, what: "chunk end").isEmpty else { throw malformed("chunk data longer than its size") }
        }
        var trailerBudget = Self.maxLineBytes
        while try !readLine(budget: &trailerBudget, what: "trailer").isEmpty {}
        return body
    }

    private mutating func readToEnd() throws(HTTPClientError) -> [UInt8] {
        while !ended {
            guard buffer.count - position <= maxBodyBytes else { throw tooLarge() }
            try fill()
        }
        guard buffer.count - position <= maxBodyBytes else { throw tooLarge() }
        // Without close_notify a TLS stream may have been cut by an attacker; with no other framing we cannot tell.
        guard endedCleanly else { throw malformed("the TLS connection ended without close_notify; the body may be truncated") }
        defer { position = buffer.count }
        return Array(buffer[position...])
    }

    // MARK: Buffer

    /// One line without its CRLF (a bare LF is tolerated), charged to `budget`.
    private mutating func readLine(budget: inout Int, what: String) throws(HTTPClientError) -> [UInt8] {
        var scanned = 0  // bytes after `position` already searched (positions shift when `fill` compacts)
        while true {
            if let newline = buffer[(position + scanned)...].firstIndex(of: 0x0A) {
                let consumed = newline + 1 - position
                guard consumed <= budget else { throw tooLongLine(what) }
                budget -= consumed
                var line = Array(buffer[position..<newline])
                if line.last == 0x0D { line.removeLast() }
                position = newline + 1
                return line
            }
            scanned = buffer.count - position
            guard scanned <= budget else { throw tooLongLine(what) }
            try fill()
            if ended && buffer.count - position == scanned { throw truncated() }
        }
    }

    private mutating func readExactly(_ count: Int) throws(HTTPClientError) -> [UInt8] {
        while buffer.count - position < count {
            let available = buffer.count - position
            try fill()
            if ended && buffer.count - position == available { throw truncated() }
        }
        defer { position += count }
        return Array(buffer[position..<(position + count)])
    }

    /// Appends the next bytes from the source; compacts the buffer first so it never holds what was consumed.
    private mutating func fill() throws(HTTPClientError) {
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        guard !ended else { return }
        switch try source.receive() {
        case .bytes(let bytes): buffer += bytes
        case .end(let clean):
            ended = true
            endedCleanly = clean
        }
    }

    private func malformed(_ why: String) -> HTTPClientError { HTTPClientError(.malformedResponse, "malformed response: \(why)") }
    private func truncated() -> HTTPClientError {
        HTTPClientError(.malformedResponse, "malformed response: the server closed the connection before the response was complete")
    }
    private func tooLongLine(_ what: String) -> HTTPClientError { malformed("the \(what) is too long") }
    private func tooLarge() -> HTTPClientError {
        HTTPClientError(.responseTooLarge, "the response body is larger than \(maxBodyBytes) bytes")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66) }
    private static func hexValue(_ byte: UInt8) -> Int { isDigit(byte) ? Int(byte - 0x30) : Int((byte | 0x20) - 0x61 + 10) }

    /// tchar (RFC 9110 §5.6.2).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"),
            UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"),
            UInt8(ascii: "~"):
            return true
        default: return false
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}

extension Collection where Element == UInt8, SubSequence: BidirectionalCollection {
    fileprivate func trimmingSpaceBytes() -> SubSequence {
        var slice = self[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }
}
