import Foundation
import HTTPCore
import Testing

@testable import App

/// The dashboard's templates: every one parses, none can emit unescaped output, and escaping covers HTML's
/// five special characters in text and attribute values.
@Suite struct DashboardTemplateTests {
    /// The template files as they are in the repository (the binary embeds exactly these).
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/App/Templates")

    static func files() throws -> [(name: String, text: String)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".mustache") }.sorted()
        return try names.map { ($0, try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) }
    }

    @Test func noTemplateUsesUnescapedOutputOrSwitchesEscapingOff() throws {
        let files = try Self.files()
        #expect(files.count >= 10)
        for (name, text) in files {
            #expect(!text.contains("{{{"), "\(name) uses {{{ … }}}, which skips HTML escaping")
            #expect(!text.contains("{{&"), "\(name) uses {{& … }}, which skips HTML escaping")
            // A delimiter change could hide either form from this scan; a content-type pragma could turn escaping off.
            #expect(!text.contains("{{="), "\(name) changes the Mustache delimiters")
            #expect(!text.contains("{{%"), "\(name) uses a pragma (CONTENT_TYPE would change escaping)")
        }
    }

    @Test func theBinaryEmbedsEveryTemplateFileVerbatim() throws {
        let files = try Self.files()
        let embedded = Dictionary(uniqueKeysWithValues: DashboardTemplates.sources.map { ($0.name, $0.text) })
        #expect(Set(embedded.keys) == Set(files.map { String($0.name.dropLast(".mustache".count)) }))
        for (name, text) in files { #expect(embedded[String(name.dropLast(".mustache".count))] == text) }
        // Compiling the library parses every template (a parse failure stops the process).
        for name in DashboardTemplates.names { #expect(DashboardTemplates.library.getTemplate(named: name) != nil) }
    }

    @Test func escapingCoversTextAndAttributeContexts() {
        let hostile = #"<script>alert("x")</script> & 'quoted' "double""#
        let html = DashboardTemplates.render(
            "error",
            DashboardResponse.ErrorModel(chrome: .anonymous, heading: hostile, message: hostile, retryAt: nil, back: hostile, backLabel: hostile))
        #expect(!html.contains("<script>"))
        #expect(!html.contains(#"alert("x")"#))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &quot;double&quot;"))
        // In an attribute the value cannot close the quotes.
        #expect(html.contains(#"<a href="&lt;script&gt;alert(&quot;x&quot;)"#))
    }

    @Test func pathComponentsArePercentEncoded() {
        #expect(ViewText.component("prod/eu ?#&\"<") == "prod%2Feu%20%3F%23%26%22%3C")
        #expect(ViewText.component("tok_09af-._~") == "tok_09af-._~")
        #expect(ViewText.component("é") == "%C3%A9")
        #expect(ViewText.query([("env", "a&b=c"), ("after", nil), ("x", "")]) == "?env=a%26b%3Dc")
    }

    @Test func nextPathsNeverLeaveTheSite() {
        #expect(LoginController.safeNext("/images/sha256:ab?sort=id") == "/images/sha256:ab?sort=id")
        for bad in ["https://evil.example", "//evil.example", "/\\evil.example", "/x\r\nSet-Cookie: a=b", "javascript:alert(1)", "/login", ""] {
            #expect(LoginController.safeNext(bad) == nil, "\(bad) must not be a redirect target")
        }
    }
}

/// The Origin / Referer comparison behind every dashboard POST.
@Suite struct DashboardOriginTests {
    func request(host: String, origin: String? = nil, referer: String? = nil) -> HTTPRequest {
        var headers: [(String, String)] = [("Host", host)]
        if let origin { headers.append(("Origin", origin)) }
        if let referer { headers.append(("Referer", referer)) }
        return HTTPRequest(head: HTTPRequestHead(method: .POST, target: "/logout", headers: HTTPHeaders(headers)))
    }

    @Test func sameOriginPasses() {
        #expect(OriginCheck.isSameOrigin(request(host: "ship.example:8080", origin: "http://ship.example:8080"), secure: false))
        #expect(OriginCheck.isSameOrigin(request(host: "ship.example", origin: "https://SHIP.example"), secure: true))
        #expect(OriginCheck.isSameOrigin(request(host: "localhost:9000", origin: "http://127.0.0.1:9000"), secure: false))
        #expect(OriginCheck.isSameOrigin(request(host: "ship.example", referer: "https://ship.example/images/x?y=1"), secure: true))
        #expect(OriginCheck.isSameOrigin(request(host: "ship.example"), secure: true), "neither header: the token decides")
        #expect(OriginCheck.isSameOrigin(request(host: "ship.example", origin: "https://ship.example"), secure: false), "behind a TLS proxy")
    }

    @Test func otherOriginsFail() {
        #expect(!OriginCheck.isSameOrigin(request(host: "ship.example", origin: "https://evil.example"), secure: true))
        #expect(!OriginCheck.isSameOrigin(request(host: "ship.example", origin: "null"), secure: true))
        #expect(!OriginCheck.isSameOrigin(request(host: "ship.example", origin: "http://ship.example"), secure: true), "plain origin, TLS server")
        #expect(!OriginCheck.isSameOrigin(request(host: "ship.example", origin: "https://ship.example/x"), secure: true), "not an origin")
        #expect(!OriginCheck.isSameOrigin(request(host: "ship.example", origin: "ftp://ship.example"), secure: false))
        #expect(!OriginCheck.isSameOrigin(request(host: "localhost:9000", origin: "http://127.0.0.1:9001"), secure: false), "port differs")
        #expect(!OriginCheck.isSameOrigin(request(host: "ship.example", origin: "https://ship.example.evil.example"), secure: true))
        #expect(!OriginCheck.isSameOrigin(request(host: "ship.example", referer: "https://ship.example.evil.example/"), secure: true))
        #expect(!OriginCheck.isSameOrigin(request(host: "ship.example", referer: "https://evil.example/https://ship.example/"), secure: true))
    }
}

extension DashboardOriginTests {
    @Test func theListeningAddressIsOurOriginToo() {
        let direct = request(host: "localhost", origin: "http://127.0.0.1:18080")
        #expect(!OriginCheck.isSameOrigin(direct, secure: false))
        #expect(OriginCheck.isSameOrigin(direct, secure: false, alsoAccepting: "127.0.0.1:18080"))
        #expect(!OriginCheck.isSameOrigin(request(host: "localhost", origin: "http://127.0.0.1:18081"), secure: false, alsoAccepting: "127.0.0.1:18080"))
    }
}
