import Policy
import Testing

@Suite struct GlobPatternTests {
    static let cases: [(String, String, Bool)] = [
        ("https://github.com/acme/*", "https://github.com/acme/api", true),
        ("https://github.com/acme/*", "https://github.com/acme/api/sub", false),
        ("https://github.com/acme/*", "https://github.com/acme/", true),
        ("https://github.com/acme/*", "https://github.com/acmex/api", false),
        ("https://github.com/acme/**", "https://github.com/acme/api/sub/dir", true),
        ("https://github.com/slsa-framework/*", Fixture.builder, false),
        ("https://github.com/slsa-framework/**", Fixture.builder, true),
        ("registry.example.com/team/*", "registry.example.com/team/api", true),
        ("registry.example.com/team/*", "registry.example.com/other/api", false),
        ("*.example.com/*", "registry.example.com/api", true),
        ("exact", "exact", true),
        ("exact", "exactly", false),
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false),
        ("**", "", true),
    ]

    @Test(arguments: cases)
    func matchesWholeTextWithStarStoppingAtSlash(pattern: String, text: String, expected: Bool) throws {
        #expect(try GlobPattern(pattern).matches(text) == expected)
    }

    @Test func refusesInvalidPatterns() {
        #expect(throws: PolicyError("must not be empty")) { try GlobPattern("") }
        #expect(throws: PolicyError("invalid pattern: use * (no '/') or ** (any path), not 3 stars")) { try GlobPattern("a/***") }
        #expect(throws: PolicyError("must not contain spaces or control characters")) { try GlobPattern("a b") }
        #expect(throws: PolicyError("longer than 512 bytes")) { try GlobPattern(String(repeating: "a", count: 513)) }
    }

    @Test func neverMatchesOverlongTextAndStaysFast() throws {
        let pattern = try GlobPattern("**a**a**a**a**a**b")
        #expect(!pattern.matches(String(repeating: "a", count: 4000)))
        #expect(!pattern.matches(String(repeating: "a", count: 5000) + "b"))
    }
}
