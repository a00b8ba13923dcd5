import HTTPCore
import Testing

/// Inputs the libFuzzer targets (Fuzz/HTTP) found, kept as plain tests so they run with every `swift test`.
@Suite struct FuzzRegressionTests {
    /// Fuzz/HTTP crash-83ce1b21: a chunk-size line with more than 16 hex digits ended by a bare LF was refused as
    /// "bare LF" when the LF arrived in the same read, but as "invalid chunk size" when it arrived later.
    @Test func overlongChunkSizeEndedByBareLFFailsTheSameWayAtEverySplit() {
        let input = bytes(
            "POST /e HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                + String(repeating: "f", count: 20) + "Ff/e #HTTP/ffM\n")
        let tiny = limits(target: 24, headerBytes: 160, headerCount: 4, body: 32, trailer: 32)
        let whole = parse(input, limits: tiny)
        #expect(whole.error?.reason == "Invalid chunk size.")
        for split in 0...input.count {
            #expect(parse(input, splitAt: split, limits: tiny) == whole, "split at \(split)")
        }
        #expect(parse(input, pieceSize: 1, limits: tiny) == whole)
    }

    /// The ordinary bare-LF chunk line (a valid size) still names the line ending.
    @Test func chunkSizeLineWithBareLFNamesTheLineEnding() {
        let input = bytes("POST /e HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n")
        #expect(parse(input).error?.reason == "Line endings must be CRLF.")
        #expect(parse(input, pieceSize: 1).error?.reason == "Line endings must be CRLF.")
    }
}
