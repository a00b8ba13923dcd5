import HTTPCore
import Testing

@Suite struct PercentDecodingTests {
    @Test(arguments: [
        ("", ""),
        ("plain", "plain"),
        ("%41", "A"),
        ("a%2Fb", "a/b"),
        ("a%2fb", "a/b"),
        ("%e2%82%AC", "€"),
        ("caf%C3%A9", "café"),
        ("%00", "\u{0}"),
        ("%25", "%"),
        ("%252F", "%2F"),
        ("a+b", "a+b"),
        ("%2B", "+"),
        ("%20", " "),
        ("é", "é"),
    ])
    func decodesWellFormedInput(input: String, expected: String) {
        #expect(PercentDecoding.decode(input) == expected)
    }

    @Test(arguments: [
        ("a+b", "a b"),
        ("a%2Bb", "a+b"),
        ("++", "  "),
        ("x", "x"),
    ])
    func plusAsSpaceOnlyWhenAsked(input: String, expected: String) {
        #expect(PercentDecoding.decode(input, plusAsSpace: true) == expected)
    }

    @Test(arguments: ["%", "%4", "a%", "%zz", "%4g", "%g4", "%%41", "% 41", "%C3", "%FF", "%C3%28", "%ED%A0%80", "%C0%AF", "%F5%80%80%80"])
    func rejectsMalformedEscapesAndInvalidUTF8(_ input: String) {
        #expect(PercentDecoding.decode(input) == nil)
        #expect(PercentDecoding.decode(input, plusAsSpace: true) == nil)
    }
}
