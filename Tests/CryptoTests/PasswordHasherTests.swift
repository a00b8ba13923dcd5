import Dispatch
import Synchronization
import Testing

@testable import Crypto

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher()

    @Test func verifiesTheRightPasswordAndRejectsAWrongOne() throws {
        let encoded = try hasher.hash(password: "correct horse battery staple")
        #expect(try hasher.verify(password: "correct horse battery staple", against: encoded))
        #expect(try !hasher.verify(password: "correct horse battery stapl", against: encoded))
        #expect(try !hasher.verify(password: "", against: encoded))
    }

    @Test func encodesParametersSaltAndKeyInTheDocumentedFormat() throws {
        let encoded = try hasher.hash(password: "pw")
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        #expect(fields.count == 6)
        #expect(Array(fields.prefix(4)) == ["scrypt", "15", "8", "1"])
        #expect(Base64URL.decode(String(fields[4]))?.count == 16)
        #expect(Base64URL.decode(String(fields[5]))?.count == 32)
    }

    @Test func hashingTheSamePasswordTwiceUsesDifferentSalts() throws {
        let first = try hasher.hash(password: "same")
        let second = try hasher.hash(password: "same")
        #expect(first != second)
    }

    @Test func verifyUsesTheParametersStoredInTheEncoding() throws {
        // Built by hand at logN 10 (below what `hash` allows, still accepted when reading old rows).
        let salt = SecureRandom.bytes(count: 16)
        let key = try Scrypt.deriveKey(password: Array("pw".utf8), salt: salt, n: 1 << 10, r: 8, p: 1, length: 32)
        let encoded = "scrypt$10$8$1$\(Base64URL.encode(salt))$\(Base64URL.encode(key))"
        #expect(try hasher.verify(password: "pw", against: encoded))
        // Same salt and key but claiming other parameters: a different derivation, so no match.
        #expect(try !hasher.verify(password: "pw", against: "scrypt$11$8$1$\(Base64URL.encode(salt))$\(Base64URL.encode(key))"))
        #expect(try !hasher.verify(password: "pw", against: "scrypt$10$4$1$\(Base64URL.encode(salt))$\(Base64URL.encode(key))"))
    }

    @Test func hashesWithAConfiguredHigherCost() throws {
        let encoded = try PasswordHasher(logN: 16).hash(password: "pw")
        #expect(encoded.hasPrefix("scrypt$16$8$1$"))
    }

    @Test(arguments: [
        "scrypt$30$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",   // logN far too high: memory bomb
        "scrypt$21$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",   // just above the logN bound
        "scrypt$9$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",    // below the logN bound
        "scrypt$20$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",   // logN allowed, but 1 GiB at r=8
        "scrypt$15$8$1000$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", // p out of bounds
        "scrypt$15$0$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",   // r = 0
        "scrypt$abc$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",  // non-numeric
        "scrypt$+15$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",  // signs are not digits
        "scrypt$15$8$1$c2FsdHNhbHRzYWx0c2FsdA",                            // wrong field count
        "scrypt$15$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA$x", // wrong field count
        "bcrypt$15$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",   // unknown algorithm
        "scrypt$15$8$1$!!!$aGFzaGhhc2hoYXNoaGFzaA",                        // salt not base64url
        "scrypt$15$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGk",                       // hash too short
        "",
    ])
    func refusesMalformedOrDangerousEncodings(encoded: String) {
        #expect(throws: PasswordHashError.self) { try hasher.verify(password: "pw", against: encoded) }
    }

    @Test func derivesTheRFC7914Vectors() throws {
        // RFC 7914 §12, first and third vectors.
        let empty = try Scrypt.deriveKey(password: [], salt: [], n: 16, r: 1, p: 1, length: 64)
        #expect(Hex.encode(empty) == "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
            + "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906")
        let nacl = try Scrypt.deriveKey(password: Array("password".utf8), salt: Array("NaCl".utf8), n: 1024, r: 8, p: 16, length: 64)
        #expect(Hex.encode(nacl) == "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
            + "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")
    }

    @Test func invalidScryptParametersSurfaceAsOpenSSLError() {
        // N must be a power of two greater than 1; OpenSSL's refusal arrives as a drained error, not a crash.
        #expect(throws: OpenSSLError.self) { try Scrypt.deriveKey(password: [1], salt: [2], n: 1000, r: 8, p: 1, length: 32) }
    }

    @Test func gateNeverAdmitsMoreThanItsLimit() {
        let gate = ConcurrencyGate(limit: 2)
        let counts = Mutex((current: 0, peak: 0))
        let group = DispatchGroup()
        // Separate serial queues get their own (overcommit) threads, so all eight really contend.
        for index in 0..<8 {
            DispatchQueue(label: "gate-test-\(index)").async(group: group) {
                gate.withPermit {
                    counts.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) }
                    // Hold the permit until a second holder shows up (or a deadline passes) so the peak can reach the limit.
                    let deadline = DispatchTime.now().uptimeNanoseconds + 200_000_000
                    while counts.withLock({ $0.current }) < 2 && DispatchTime.now().uptimeNanoseconds < deadline {}
                    counts.withLock { $0.current -= 1 }
                }
            }
        }
        group.wait()
        #expect(counts.withLock { $0.peak } == 2)
    }
}
