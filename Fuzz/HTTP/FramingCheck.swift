/// The "accepted body length equals framing" property, decided independently of the parser under test.
enum FramingCheck {
    /// Traps unless every request of a single-piece run carries exactly the body its framing describes.
    static func verify(_ run: ParserRun, input: [UInt8]) {
        let requests = run.outcome.events.filter { !$0.isHead }
        precondition(requests.count == run.bodyRanges.count)
        for (request, range) in zip(requests, run.bodyRanges) {
            let framed = Array(input[range])
            let lengths = values(request.headers, "content-length")
            let codings = values(request.headers, "transfer-encoding")
            if !codings.isEmpty {
                guard lengths.isEmpty else { fatalError("accepted a request with both Content-Length and Transfer-Encoding") }
                guard let decoded = dechunk(framed) else { fatalError("accepted chunked framing the reference decoder refuses") }
                guard decoded == request.body else {
                    fatalError("chunked body is \(request.body.count) bytes but its chunks hold \(decoded.count)")
                }
            } else if let length = lengths.first {
                guard lengths.allSatisfy({ $0 == length }), let declared = Int(length), declared >= 0 else {
                    fatalError("accepted an unusable Content-Length")
                }
                guard request.body.count == declared, framed == request.body else {
                    fatalError("Content-Length \(declared) but body \(request.body.count), \(framed.count) bytes consumed")
                }
            } else if !request.body.isEmpty || !framed.isEmpty {
                fatalError("a request without framing headers has a body of \(request.body.count) bytes")
            }
        }
    }

    /// Values of the fields named `name`, case-insensitively (the event keeps "name: value" strings).
    private static func values(_ headers: [String], _ name: String) -> [String] {
        headers.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            guard line[..<colon].lowercased() == name else { return nil }
            return String(line[line.index(after: colon)...].dropFirst())
        }
    }

    /// A deliberately simple RFC 9112 §7.1 decoder: size [; ext] CRLF, data CRLF, …, 0 CRLF, trailers, CRLF.
    /// nil when the bytes are not exactly one chunked body.
    static func dechunk(_ bytes: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var index = 0
        func line() -> ArraySlice<UInt8>? {
            var end = index
            while end + 1 < bytes.count, !(bytes[end] == 13 && bytes[end + 1] == 10) { end += 1 }
            guard end + 1 < bytes.count else { return nil }
            defer { index = end + 2 }
            return bytes[index..<end]
        }
        while true {
            guard let sizeLine = line() else { return nil }
            let hex = sizeLine.prefix { $0 != UInt8(ascii: ";") && $0 != 0x20 && $0 != 0x09 }
            guard !hex.isEmpty, hex.count <= 16, let size = Int(String(decoding: hex, as: UTF8.self), radix: 16) else { return nil }
            if size == 0 { break }
            guard size <= bytes.count - index - 2 else { return nil }
            out.append(contentsOf: bytes[index..<(index + size)])
            index += size
            guard bytes[index] == 13, bytes[index + 1] == 10 else { return nil }
            index += 2
        }
        while true {
            guard let trailer = line() else { return nil }
            if trailer.isEmpty { break }
        }
        return index == bytes.count ? out : nil
    }
}
