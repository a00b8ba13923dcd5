import Crypto
import Testing

@Suite struct SHA256Tests {
    @Test func hashesTheEmptyInputToTheKnownVector() {
        #expect(SHA256.hexDigest([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func hashesAbcToTheKnownVector() {
        #expect(SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func acceptsNonContiguousCollections() {
        let bytes = "abc".utf8   // String.UTF8View, not an Array
        #expect(SHA256.hash(bytes) == SHA256.hash(Array(bytes)))
        #expect(SHA256.hash(bytes).count == 32)
    }

    @Test func hashesTheMillionAVector() {
        // FIPS 180-2 appendix B.3.
        let digest = SHA256.hexDigest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(digest == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

@Suite struct SecureRandomTests {
    @Test(arguments: [0, 1, 16, 32, 1000])
    func returnsExactlyTheRequestedNumberOfBytes(count: Int) {
        #expect(SecureRandom.bytes(count: count).count == count)
    }

    @Test func neverRepeatsA32ByteValue() {
        let values = (0..<100).map { _ in SecureRandom.bytes(count: 32) }
        #expect(Set(values).count == 100)
    }

    @Test func isNotConstant() {
        // 4 KiB of output containing every byte value at least once is overwhelmingly likely (1 - 256·(255/256)^4096).
        #expect(Set(SecureRandom.bytes(count: 4096)).count == 256)
    }
}

@Suite struct ConstantTimeTests {
    @Test func equalArraysCompareEqual() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(ConstantTime.equals([], []))
    }

    @Test func differingArraysCompareUnequal() {
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([0, 2, 3], [1, 2, 3]))
    }

    @Test func lengthMismatchIsUnequal() {
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equals([], [0]))
    }
}
