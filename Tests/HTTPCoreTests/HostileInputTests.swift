import HTTPCore
import Testing

/// SplitMix64: a tiny deterministic generator so every run feeds the same hostile inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let seeds: [String] = [
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "POST /api/v1/keys HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    "GET /q?a=%41&b=+ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "PUT /p HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
]

/// Alphabet biased toward bytes that matter to the grammar.
private let interesting: [UInt8] = Array(" \r\n\t:;,/?%#0123456789aAfFzZ-\"".utf8) + [0, 0x7F, 0x80, 0xFF, 0x16]

private func hostileInput(_ rng: inout SplitMix64, index: Int) -> [UInt8] {
    switch index % 4 {
    case 0:  // pure noise
        return (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    case 1:  // noise from the interesting alphabet
        return (0..<Int.random(in: 0...300, using: &rng)).map { _ in interesting.randomElement(using: &rng)! }
    default:  // mutated valid requests (several of them, to exercise pipelining)
        var input: [UInt8] = []
        for _ in 0..<Int.random(in: 1...3, using: &rng) { input += Array(seeds.randomElement(using: &rng)!.utf8) }
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            guard !input.isEmpty else { break }
            let position = Int.random(in: 0..<input.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: input[position] = interesting.randomElement(using: &rng)!
            case 1: input[position] = UInt8.random(in: 0...255, using: &rng)
            case 2: input.insert(interesting.randomElement(using: &rng)!, at: position)
            case 3: input.remove(at: position)
            default:
                let end = min(input.count, position + Int.random(in: 1...20, using: &rng))
                input.insert(contentsOf: Array(input[position..<end]), at: position)
            }
        }
        return input
    }
}

@Suite struct HostileInputTests {
    @Test func thousandsOfHostileInputsNeverCrashTheParser() {
        var rng = SplitMix64(state: 0x5348_4950_4741_5445)  // "SHIPGATE"
        var requests = 0
        var errors = 0
        for index in 0..<4000 {
            let input = hostileInput(&rng, index: index)
            var parser = HTTPRequestParser(limits: limits(target: 128, headerBytes: 512, headerCount: 8, body: 256, trailer: 64))
            var offset = 0
            feeding: while offset < input.count {
                let end = min(input.count, offset + Int.random(in: 1...64, using: &rng))
                parser.append(input[offset..<end])
                offset = end
                #expect(parser.bufferedByteCount <= 512 + 256 + 64 + 64 * 2)
                do {
                    while let event = try parser.next() {
                        switch event {
                        case .head: try parser.acceptBody(maxBytes: Int.random(in: 0...300, using: &rng))
                        case .request: requests += 1
                        }
                    }
                } catch {
                    errors += 1
                    #expect([400, 413, 414, 417, 431, 501, 505].contains(error.status.code))
                    break feeding
                }
            }
        }
        // The corpus must exercise both outcomes, or it tests nothing.
        #expect(requests > 100)
        #expect(errors > 1000)
    }

    @Test func hostileInputsGiveTheSameOutcomeWholeAndByteByByte() {
        var rng = SplitMix64(state: 42)
        let l = limits(target: 128, headerBytes: 512, headerCount: 8, body: 256, trailer: 64)
        var differences = 0
        for index in 0..<1500 {
            let input = hostileInput(&rng, index: index)
            if parse(input, limits: l) != parse(input, pieceSize: 1, limits: l) { differences += 1 }
        }
        #expect(differences == 0)
    }
}
