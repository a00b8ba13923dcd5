import Crypto
import Testing

@Suite struct Base64URLTests {
    @Test func encodesRFC4648VectorsWithoutPadding() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64URL.encode(Array(plain.utf8)) == encoded)
            #expect(Base64URL.decode(encoded) == Array(plain.utf8))
        }
    }

    @Test func usesTheURLSafeAlphabet() {
        #expect(Base64URL.encode([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test func roundTripsEveryLengthUpTo64() {
        for length in 0...64 {
            let bytes = SecureRandom.bytes(count: length)
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
    }

    @Test func acceptsPaddedInput() {
        #expect(Base64URL.decode("Zg==") == Array("f".utf8))
        #expect(Base64URL.decode("Zm8=") == Array("fo".utf8))
        #expect(Base64URL.decode("Zm9v") == Array("foo".utf8))
    }

    @Test(arguments: ["Zg=", "Zg===", "Z", "Zm9vY", "=", "====", "Zg==Zg==", "Z=g=", "Zm+v", "Zm/v", "Zm9 v", "Zm9v\n", "Zh", "Zm9=", "é"])
    func rejectsGarbage(input: String) {
        #expect(Base64URL.decode(input) == nil)
    }
}

@Suite struct Base64Tests {
    @Test func encodesWithPaddingAndTheStandardAlphabet() {
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode([0xFB, 0xFF, 0xBF]) == "+/+/")
    }

    @Test func decodesPaddedAndUnpadded() {
        #expect(Base64.decode("Zm8=") == Array("fo".utf8))
        #expect(Base64.decode("Zm8") == Array("fo".utf8))
        #expect(Base64.decode("+/+/") == [0xFB, 0xFF, 0xBF])
    }

    @Test func rejectsTheURLSafeAlphabetAndWhitespace() {
        #expect(Base64.decode("-_-_") == nil)
        #expect(Base64.decode("Zm9v\n") == nil)
    }
}
