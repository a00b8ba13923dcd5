import HTTPCore

// libFuzzer target for `HTTPRequestParser`. Input: 4 control bytes, then the raw request stream.
//   byte 0      limits profile (bit 0: tiny head limits, so 414/431 paths are reachable with short inputs)
//   byte 1      body limit: 255 = the default 8 MiB, otherwise byte × 16
//   bytes 2–3   where to split the stream for the second feeding (big-endian, modulo length + 1)
// Properties, beyond "no crash" and ASan's "no read past the input":
//   1. feeding the stream whole or split at the chosen point gives the same events and the same error;
//   2. feeding it one byte at a time (short inputs) gives the same outcome as well;
//   3. every accepted request's body is exactly what its framing says: the Content-Length bytes, the
//      de-chunked chunk data (checked by an independent decoder over the bytes the parser consumed), or nothing.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequestParser(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    guard size >= 4 else { return 0 }
    let raw = Array(UnsafeRawBufferPointer(start: data, count: size))
    let limits = FuzzLimits.profile(raw[0])
    let bodyLimit = raw[1] == 255 ? limits.maxBodyBytes : Int(raw[1]) * 16
    let input = Array(raw[4...])
    let split = (Int(raw[2]) << 8 | Int(raw[3])) % (input.count + 1)

    let whole = ParserRun(input, pieces: [0..<input.count], limits: limits, bodyLimit: bodyLimit)
    FramingCheck.verify(whole, input: input)

    let halves = ParserRun(input, pieces: [0..<split, split..<input.count], limits: limits, bodyLimit: bodyLimit)
    if halves.outcome != whole.outcome {
        fatalError("split at \(split) changed the outcome: whole \(whole.outcome), split \(halves.outcome)")
    }
    if input.count <= 512 {
        let bytewise = ParserRun(input, pieces: input.indices.map { $0..<($0 + 1) }, limits: limits, bodyLimit: bodyLimit)
        if bytewise.outcome != whole.outcome {
            fatalError("byte-at-a-time feeding changed the outcome: whole \(whole.outcome), bytewise \(bytewise.outcome)")
        }
    }
    return 0
}

/// Limit profiles the fuzzer chooses between.
enum FuzzLimits {
    static func profile(_ byte: UInt8) -> HTTPLimits {
        var limits = HTTPLimits()
        if byte & 1 == 1 {
            limits.maxRequestTargetBytes = 24
            limits.maxHeaderBytes = 160
            limits.maxHeaderCount = 4
            limits.maxTrailerBytes = 32
        }
        return limits
    }
}
