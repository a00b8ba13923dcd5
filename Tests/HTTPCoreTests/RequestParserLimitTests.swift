import HTTPCore
import Testing

@Suite struct RequestParserLimitTests {
    // MARK: request-target (414)

    @Test(arguments: [(63, nil), (64, nil), (65, 414)] as [(Int, Int?)])
    func requestTargetAtAndOverTheLimit(length: Int, status: Int?) {
        let target = "/" + String(repeating: "a", count: length - 1)
        let outcome = parse(bytes("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n"), limits: limits(target: 64))
        #expect(outcome.error?.status.code == status)
        if status == nil { #expect(outcome.requests.first?.target == target) }
    }

    @Test func overlongTargetIsRejectedBeforeTheLineEnds() {
        var parser = HTTPRequestParser(limits: limits(target: 64))
        parser.append(bytes("GET /" + String(repeating: "a", count: 64)))
        #expect(throws: HTTPParseError(status: .uriTooLong, reason: "Request target too long.")) { try parser.next() }
    }

    @Test func targetOneUnderTheLimitStillWaitsForTheLine() throws {
        var parser = HTTPRequestParser(limits: limits(target: 64))
        parser.append(bytes("GET /" + String(repeating: "a", count: 63)))
        #expect(try needsMoreBytes(&parser))
        #expect(parser.isMidRequest)
    }

    // MARK: header bytes (431)

    @Test(arguments: [(0, nil), (1, 431)] as [(Int, Int?)])
    func headerBytesAtAndOverTheLimit(over: Int, status: Int?) {
        let raw = bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Pad: " + String(repeating: "p", count: 200) + "\r\n\r\n")
        let outcome = parse(raw, limits: limits(headerBytes: raw.count - over))
        #expect(outcome.error?.status.code == status)
        #expect(parse(raw, pieceSize: 1, limits: limits(headerBytes: raw.count - over)) == outcome)
    }

    @Test func requestLineAloneCountsTowardHeaderBytes() {
        let raw = bytes("GET /" + String(repeating: "a", count: 100) + " HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(parse(raw, limits: limits(headerBytes: 50)).error?.status == .requestHeaderFieldsTooLarge)
    }

    @Test func endlessHeaderLineIsRejectedWithoutBufferingIt() {
        var parser = HTTPRequestParser(limits: limits(headerBytes: 1024))
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Endless: "))
        let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 100)
        var status: HTTPStatus?
        for _ in 0..<100 {
            parser.append(piece)
            #expect(parser.bufferedByteCount <= 1024 + piece.count)
            do {
                _ = try parser.next()
            } catch {
                status = error.status
                break
            }
        }
        #expect(status == .requestHeaderFieldsTooLarge)
    }

    @Test func endlessHeaderLinesAreRejectedEarly() {
        var parser = HTTPRequestParser(limits: limits(headerBytes: 1024, headerCount: 1000))
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\n"))
        var status: HTTPStatus?
        for _ in 0..<200 {
            parser.append(bytes("X-A: b\r\n"))
            #expect(parser.bufferedByteCount <= 1024 + 8)
            do {
                _ = try parser.next()
            } catch {
                status = error.status
                break
            }
        }
        #expect(status == .requestHeaderFieldsTooLarge)
    }

    // MARK: header count (431)

    @Test(arguments: [(3, nil), (4, 431)] as [(Int, Int?)])
    func headerCountAtAndOverTheLimit(count: Int, status: Int?) {
        var raw = "GET / HTTP/1.1\r\nHost: a\r\n"
        for i in 1..<count { raw += "X-\(i): v\r\n" }
        let outcome = parse(bytes(raw + "\r\n"), limits: limits(headerCount: 3))
        #expect(outcome.error?.status.code == status)
        if status == nil { #expect(outcome.requests.first?.headers.count == count) }
    }

    @Test func tooManyHeadersIsRejectedBeforeTheHeadEnds() {
        var parser = HTTPRequestParser(limits: limits(headerCount: 2))
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n"))
        #expect(throws: HTTPParseError.self) { try parser.next() }
    }

    // MARK: body (413)

    @Test(arguments: [(99, nil), (100, nil), (101, 413)] as [(Int, Int?)])
    func contentLengthBodyAtAndOverTheLimit(length: Int, status: Int?) {
        let body = String(repeating: "b", count: length)
        let outcome = parse(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(length)\r\n\r\n\(body)"), bodyLimit: 100)
        #expect(outcome.error?.status.code == status)
        if status == nil { #expect(outcome.requests.first?.body.count == length) }
    }

    @Test func declaredLengthIsRefusedBeforeAnyBodyByte() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n"))
        guard case .head = try parser.next() else {
            Issue.record("expected head")
            return
        }
        #expect(throws: HTTPParseError(status: .payloadTooLarge, reason: "Request body too large.")) {
            try parser.acceptBody(maxBytes: 999_999)
        }
        #expect(throws: HTTPParseError.self) { try parser.next() }
    }

    @Test func perRouteLimitOverridesTheDefault() throws {
        var parser = HTTPRequestParser(limits: limits(body: 10))
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n" + String(repeating: "z", count: 20)))
        _ = try parser.next()
        try parser.acceptBody(maxBytes: 20)
        guard case .request(let request) = try parser.next() else {
            Issue.record("expected request")
            return
        }
        #expect(request.body.count == 20)
    }

    @Test(arguments: [(100, nil), (101, 413)] as [(Int, Int?)])
    func chunkedBodyAtAndOverTheLimit(total: Int, status: Int?) {
        let first = String(repeating: "c", count: 60)
        let second = String(repeating: "d", count: total - 60)
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "\(String(60, radix: 16))\r\n\(first)\r\n\(String(total - 60, radix: 16))\r\n\(second)\r\n0\r\n\r\n"
        let outcome = parse(bytes(raw), bodyLimit: 100)
        #expect(outcome.error?.status.code == status)
        #expect(parse(bytes(raw), pieceSize: 1, bodyLimit: 100) == outcome)
        if status == nil { #expect(outcome.requests.first?.body == bytes(first + second)) }
    }

    @Test func chunkedOverflowIsRefusedAsSoonAsTheSizeLineArrives() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"))
        _ = try parser.next()
        try parser.acceptBody(maxBytes: 10)
        parser.append(bytes("8\r\n12345678\r\n"))
        #expect(try needsMoreBytes(&parser))
        parser.append(bytes("3\r\n"))  // 8 + 3 > 10, no data byte of this chunk sent yet
        #expect(throws: HTTPParseError(status: .payloadTooLarge, reason: "Request body too large.")) { try parser.next() }
    }

    @Test func chunkedBodyDoesNotKeepFramingBytesBuffered() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"))
        _ = try parser.next()
        try parser.acceptBody(maxBytes: 1 << 20)
        let chunk = bytes("400\r\n") + [UInt8](repeating: 0x41, count: 1024) + bytes("\r\n")
        for i in 1...200 {
            parser.append(chunk)
            #expect(try needsMoreBytes(&parser))
            #expect(parser.bufferedByteCount == i * 1024)
        }
        parser.append(bytes("0\r\n\r\n"))
        guard case .request(let request) = try parser.next() else {
            Issue.record("expected request")
            return
        }
        #expect(request.body.count == 200 * 1024)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func longChunkSizeIsRejectedWithoutWaitingForCRLF() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits())
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"))
        _ = try parser.next()
        try parser.acceptBody(maxBytes: 100)
        parser.append(bytes(String(repeating: "0", count: 17)))
        #expect(throws: HTTPParseError.self) { try parser.next() }
    }

    @Test(arguments: [(1024, nil), (1025, 400)] as [(Int, Int?)])
    func chunkExtensionsAreBounded(extensionLength: Int, status: Int?) {
        // "1" + ";" + name: the size line holds 16 hex digits plus 1 KiB of extension at most.
        let ext = ";" + String(repeating: "e", count: extensionLength - 1)
        let size = String(repeating: "0", count: 15) + "1"
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\(ext)\r\nx\r\n0\r\n\r\n"
        let outcome = parse(bytes(raw))
        #expect(outcome.error?.status.code == status)
        #expect(parse(bytes(raw), pieceSize: 1) == outcome)
    }

    // MARK: trailers

    @Test(arguments: [(0, nil), (1, 400)] as [(Int, Int?)])
    func trailerSectionAtAndOverTheLimit(over: Int, status: Int?) {
        let trailers = "X-Checksum: " + String(repeating: "f", count: 50) + "\r\nX-B: 2\r\n\r\n"
        let raw = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n" + trailers
        let l = limits(trailer: trailers.utf8.count - over)
        let outcome = parse(bytes(raw), limits: l)
        #expect(outcome.error?.status.code == status)
        #expect(parse(bytes(raw), pieceSize: 1, limits: l) == outcome)
        if status == nil {
            #expect(outcome.requests.first?.body == bytes("ok"))
            // Trailers are read and ignored: they never become headers.
            #expect(outcome.requests.first?.headers.contains { $0.hasPrefix("X-Checksum") } == false)
        }
    }
}
