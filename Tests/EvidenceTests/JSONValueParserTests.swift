import Foundation
import Testing

@testable import Evidence

/// The byte parser must read what `JSONDecoder` reads through `JSONValue`'s `Decodable` conformance: the same value
/// for every document both accept, and a refusal for every document the decoder refuses.
@Suite struct JSONValueParserTests {
    /// What the decoder makes of `bytes` (the reference).
    static func decoded(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// Equal, with numbers compared by value: the decoder rounds some written whole numbers through a double
    /// (`4818831917690549.9929` becomes the integer `4818831917690550`), the parser keeps them as written.
    static func sameMeaning(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.object(let a), .object(let b)):
            return a.count == b.count && a.allSatisfy { key, value in b[key].map { sameMeaning(value, $0) } ?? false }
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { sameMeaning($0, $1) }
        default:
            if let a = number(left), let b = number(right) { return a == b }
            return left == right
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let number): Double(number)
        case .unsigned(let number): Double(number)
        case .double(let number): number
        default: nil
        }
    }

    static func expectSameAsDecoder(_ bytes: [UInt8], _ comment: @autoclosure () -> String) {
        let reference = decoded(bytes)
        let parsed = JSONValueParser.parse(bytes)
        let message = "\(comment()): parser \(String(describing: parsed)), decoder \(String(describing: reference))"
        switch (parsed, reference) {
        case (nil, nil):
            break
        case (let parsed?, let reference?):
            #expect(sameMeaning(parsed, reference), "\(message)")
        case (nil, _?):
            // Only what the decoder never reads (a later duplicate's value) may make the parser alone refuse: then a
            // reader that materialises every value refuses it too.
            #expect((try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) == nil, "\(message)")
        case (_?, nil):
            Issue.record("accepted what the decoder refuses: \(message)")
        }
    }

    /// Numbers keep the value they write: whole numbers as integers, exactly, whatever their notation.
    @Test func numbersKeepTheValueTheyWrite() {
        let expected: [(String, JSONValue)] = [
            ("0", .integer(0)), ("-0", .integer(0)), ("1.0", .integer(1)), ("1e2", .integer(100)), ("1.5e1", .integer(15)),
            ("3885877248078024.7e3", .integer(3_885_877_248_078_024_700)), ("9223372036854775807.0", .integer(.max)),
            ("9223372036854775808", .unsigned(9_223_372_036_854_775_808)), ("18446744073709551615", .unsigned(.max)),
            ("1.5", .double(1.5)), ("15e-1", .double(1.5)), ("18446744073709551616", .double(0x1p64)), ("-9223372036854775809", .double(-0x1p63)),
            ("1e-99999999999", .double(0)), ("1e-400", .double(0)),
        ]
        for (text, value) in expected {
            #expect(JSONValueParser.parse(Array(text.utf8)) == value, "\(text)")
        }
        for text in ["1e400", "-1e400", "01", "1.", ".5", "+1", "1e", "-", "NaN"] {
            #expect(JSONValueParser.parse(Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test func everyJSONFixtureReadsAsTheDecoderReadsIt() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.allObjects as? [URL])
        let documents = files.filter { ["json", "sarif", "layout", "link"].contains($0.pathExtension) }
        #expect(documents.count > 40)
        for file in documents {
            let bytes = Array(try Data(contentsOf: file))
            #expect(JSONValueParser.parse(bytes) != nil, "\(file.lastPathComponent) is refused")
            Self.expectSameAsDecoder(bytes, file.lastPathComponent)
        }
    }

    @Test(arguments: [
        // Numbers: integers exact to 64 bits, integral doubles as integers, the rest as doubles; malformed ones refused.
        "0", "-0", "-0.0", "1.0", "1e2", "1E+2", "1.5", "-1.5e-3", "2.5e-324", "1.7976931348623157e308", "9223372036854775807",
        "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "18446744073709551615", "18446744073709551616",
        "1e19", "9223372036854775807.0", "123456789012345678901234567890", "1e400", "-1e400", "01", "-01", "1.", ".5", "+1", "1e",
        "1e+", "-", "0x10", "NaN", "Infinity",
        // Strings: escapes, surrogate pairs, unpaired surrogates, control characters.
        #""""#, #""plain""#, #""\"\\\/\b\f\n\r\t""#, #""\u0041\u00e9\u20ac""#, #""\ud83d\ude00""#, #""\ud83d""#, #""\ude00""#,
        #""\ud83d\u0041""#, #""\u00""#, #""\x41""#, "\"tab\tinside\"", "\"\u{1F600} as UTF-8\"", #""\u0000""#, #""unterminated"#,
        // Structure: duplicates (the first wins), nesting, separators, literals, whitespace, trailing data.
        #"{"a":1,"a":2}"#, #"{"a":{"b":[1,2,{"c":null}]},"d":true,"e":false}"#, "[]", "{}", "[1,]", "{\"a\":1,}", "[1 2]",
        "{\"a\" 1}", "{1:2}", "tru", "nul", "falsey", " \t\r\n[1] \n", "[1] x", "[1]]", "", " ", "\u{FEFF}[1]", "[\"a\"]\u{0}",
    ])
    func edgeCasesReadAsTheDecoderReadsThem(text: String) {
        Self.expectSameAsDecoder(Array(text.utf8), text)
    }

    @Test func invalidUTF8AndDepthLimitsMatchTheDecoder() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x5B, 0x22, 0xE2, 0x82, 0x22, 0x5D]] {
            Self.expectSameAsDecoder(bytes, "\(bytes)")
        }
        for depth in [511, 512, 513] {
            Self.expectSameAsDecoder(Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8), "depth \(depth)")
        }
    }

    /// Random documents (numbers, escapes, non-ASCII text, duplicate names), and each one cut short or with one byte
    /// changed: the parser and the decoder agree on every one.
    @Test func randomDocumentsAndTheirMutationsReadAsTheDecoderReadsThem() {
        var generator = SeededGenerator(seed: 0x5EED_0F_15_0A)
        for round in 0..<400 {
            let text = Self.randomValue(depth: 0, using: &generator)
            let bytes = Array(text.utf8)
            Self.expectSameAsDecoder(bytes, "round \(round): \(text)")
            var changed = bytes
            let position = Int.random(in: 0..<changed.count, using: &generator)
            changed[position] = Self.alphabet.randomElement(using: &generator)!
            Self.expectSameAsDecoder(changed, "round \(round), byte \(position) changed: \(String(decoding: changed, as: UTF8.self))")
            let cut = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            Self.expectSameAsDecoder(cut, "round \(round), cut short: \(String(decoding: cut, as: UTF8.self))")
        }
    }

    static let alphabet = Array(#"{}[]":,\ueE.-+0123456789tfn"#.utf8) + [0x20, 0x0A, 0x00, 0xC3, 0xA9, 0xFF]

    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 7), using: &generator) {
        case 0: return randomNumber(using: &generator)
        case 1: return randomString(using: &generator)
        case 2: return ["true", "false", "null"].randomElement(using: &generator)!
        case 3: return randomString(using: &generator)
        case 4:
            let count = Int.random(in: 0..<5, using: &generator)
            return "[" + (0..<count).map { _ in randomValue(depth: depth + 1, using: &generator) }.joined(separator: ", ") + "]"
        default:
            let names = ["a", "b", "name", "é", "a"]
            let count = Int.random(in: 0..<5, using: &generator)
            let members = (0..<count).map { _ in
                "\"\(names.randomElement(using: &generator)!)\" : " + randomValue(depth: depth + 1, using: &generator)
            }
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    static func randomNumber(using generator: inout SeededGenerator) -> String {
        let sign = Bool.random(using: &generator) ? "-" : ""
        let digits = String(Int.random(in: 0...Int.max, using: &generator)).prefix(Int.random(in: 1...20, using: &generator))
        let integer = digits.count > 1 && digits.first == "0" ? String(digits.dropFirst().isEmpty ? "0" : "1" + digits.dropFirst()) : String(digits)
        let fraction = Bool.random(using: &generator) ? "." + String(Int.random(in: 0...99_999, using: &generator)) : ""
        let exponent = Bool.random(using: &generator) ? ["e", "E"].randomElement(using: &generator)! + ["", "+", "-"].randomElement(using: &generator)! + String(Int.random(in: 0...30, using: &generator)) : ""
        return sign + integer + fraction + exponent
    }

    static func randomString(using generator: inout SeededGenerator) -> String {
        let pieces = ["x", "hello", "é", "€", "😀", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "\\u0000", " ", "\\t"]
        let count = Int.random(in: 0..<6, using: &generator)
        return "\"" + (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined() + "\""
    }
}

/// A SplitMix64 generator: the same documents on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
