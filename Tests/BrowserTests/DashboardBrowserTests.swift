import Foundation
import Testing
import TestSupport

/// The dashboard in a real headless Chromium over WebDriver, against the live server: sign in, review an image,
/// approve through the form, CSRF, hostile evidence, sign-out and login throttling. Screenshots of the main pages
/// land in `.build/screenshots/`. Serialized: one browser at a time on a two-core machine.
@Suite(.serialized) struct DashboardBrowserTests {
    static let digest = DashboardWorld.digest
    static let environment = DashboardWorld.environment
    static var section: String { "section#env-\(environment)" }

    @Test func approverSignsInSeesReasonsAndApprovesThroughTheForm() async throws {
        if BrowserHarness.skipReason(#function) != nil { return }
        try await DashboardWorld.with { world in
            try await withBrowser { browser in
                try await browser.navigate(to: world.url("/login"))
                try await browser.saveScreenshot(to: BrowserHarness.screenshotPath("login"))
                let session = try #require(
                    try await browser.signIn(world, as: DashboardWorld.approver.name, password: DashboardWorld.approver.password),
                    "no session cookie after signing in")
                #expect(session.httpOnly, "the session cookie is readable by scripts")
                #expect(session.sameSite == "Lax")
                #expect(try await browser.currentURL() == world.url("/"))
                _ = try await browser.element("form[action='/logout'] input[type='hidden'][name='csrf']")
                try await browser.saveScreenshot(to: BrowserHarness.screenshotPath("overview"))

                // The overview links the digest; following it opens the image page.
                try await browser.clickAndWaitForNewPage(try await browser.element("a[href='/images/\(Self.digest)']"))
                #expect(try await browser.currentURL() == world.url("/images/\(Self.digest)"))
                #expect(try await browser.attribute("data-cleared", of: Self.section) == "false")
                let reasons = try await Self.reasons(browser)
                #expect(reasons["approvals"] == "false", "\(reasons)")
                // The approval is the only thing missing.
                #expect(reasons.filter { $0.value == "false" }.keys.sorted() == ["approvals"], "\(reasons)")
                #expect(try await browser.text(of: "\(Self.section) [data-rule='approvals']").contains("approvals"))
                #expect(try await world.clearanceStatus() == 403)
                try await browser.saveScreenshot(to: BrowserHarness.screenshotPath("image-before-approval"))

                // A POST carrying the browser's own session but no CSRF token (then a wrong one) is refused and changes nothing.
                let form = [("environment", Self.environment), ("comment", "forged"), ("verdict", "approve")]
                let missing = try await world.raw("POST", "/images/\(Self.digest)/approvals", cookie: session, form: form)
                #expect(missing.status == 403)
                #expect(missing.header("Content-Type")?.hasPrefix("text/html") == true)
                let wrong = try await world.raw(
                    "POST", "/images/\(Self.digest)/approvals", cookie: session, form: form + [("csrf", String(repeating: "A", count: 43))])
                #expect(wrong.status == 403)
                #expect(try await world.clearanceStatus() == 403)
                // Control: the same request with the page's real token gets past the CSRF gate (to a validation answer
                // for an unknown environment), so the 403s above were about the token and nothing else.
                let token = try #require(try await browser.attribute("value", of: "form#approve-\(Self.environment) input[name='csrf']"))
                let control = try await world.raw(
                    "POST", "/images/\(Self.digest)/approvals", cookie: session,
                    form: [("csrf", token), ("environment", "no-such-environment"), ("comment", "control"), ("verdict", "approve")])
                #expect(control.status != 403 && control.status < 500, "control: \(control.status)")
                try await browser.navigate(to: world.url("/images/\(Self.digest)"))
                #expect(try await browser.attribute("data-cleared", of: Self.section) == "false")

                // Approve through the form: the decision flips on the page it redirects back to, and in the API.
                let approveForm = try await browser.element("form#approve-\(Self.environment)")
                #expect(try await browser.attribute("method", of: approveForm) == "post")
                #expect(try await browser.attribute("action", of: approveForm) == "/images/\(Self.digest)/approvals")
                _ = try await browser.element("form#approve-\(Self.environment) input[type='hidden'][name='csrf']")
                _ = try await browser.element("form#approve-\(Self.environment) input[type='hidden'][name='environment']")
                let comment = try await browser.element("form#approve-\(Self.environment) textarea[name='comment']")
                try await browser.type("provenance and scan reviewed", into: comment)
                try await browser.clickAndWaitForNewPage(
                    try await browser.element("form#approve-\(Self.environment) button[name='verdict'][value='approve']"))
                #expect(try await browser.currentURL().hasPrefix(world.url("/images/\(Self.digest)")))
                #expect(try await browser.attribute("data-cleared", of: Self.section) == "true")
                #expect(try await Self.reasons(browser)["approvals"] == "true")
                #expect(try await world.clearanceStatus() == 200)
                try await browser.saveScreenshot(to: BrowserHarness.screenshotPath("image"))
            }
        }
    }

    @Test func scriptPayloadsInAFindingAreShownAsTextAndNeverRun() async throws {
        if BrowserHarness.skipReason(#function) != nil { return }
        try await DashboardWorld.with { world in
            try await withBrowser { browser in
                try await browser.signIn(world, as: DashboardWorld.approver.name, password: DashboardWorld.approver.password)
                try await browser.navigate(to: world.url("/images/\(Self.digest)"))
                let table = try await browser.text(of: "table#vulnerabilities")
                // The literal markup is visible as text: it was escaped, not parsed.
                #expect(table.contains(DashboardWorld.titlePayload), "\(table)")
                #expect(table.contains(DashboardWorld.packagePayload), "\(table)")
                let state = try await browser.execute(
                    """
                    return {
                      titleRan: typeof window.__shipgateTitleRan !== 'undefined',
                      packageRan: typeof window.__shipgatePackageRan !== 'undefined',
                      injected: document.querySelectorAll('#vulnerabilities script, #vulnerabilities img').length
                    };
                    """)
                #expect(state["titleRan"].bool == false)
                #expect(state["packageRan"].bool == false)
                #expect(state["injected"].number == 0)
            }
        }
    }

    @Test func signingOutInvalidatesTheOldCookie() async throws {
        if BrowserHarness.skipReason(#function) != nil { return }
        try await DashboardWorld.with { world in
            try await withBrowser { browser in
                let session = try #require(
                    try await browser.signIn(world, as: "admin", password: world.live.adminPassword), "no session cookie after signing in")
                #expect(try await world.raw("GET", "/images/\(Self.digest)", cookie: session).status == 200)

                try await browser.navigate(to: world.url("/audit"))
                #expect(try await browser.text(of: "#chain-status").contains("intact"))
                try await browser.saveScreenshot(to: BrowserHarness.screenshotPath("audit"))

                try await browser.clickAndWaitForNewPage(try await browser.element("form[action='/logout'] button#logout[type='submit']"))
                #expect(try await browser.currentURL().hasPrefix(world.url("/login")))
                // The browser no longer gets in...
                try await browser.navigate(to: world.url("/images/\(Self.digest)"))
                #expect(try await browser.currentURL().hasPrefix(world.url("/login")))
                // ...and neither does anyone replaying the old cookie: the session is gone server-side.
                for path in ["/", "/images/\(Self.digest)", "/audit"] {
                    let replay = try await world.raw("GET", path, cookie: session)
                    let toLogin = replay.status == 303 && replay.header("Location")?.hasPrefix("/login") == true
                    #expect(toLogin || replay.status == 401, "\(path) with the old cookie: \(replay.status) \(replay.header("Location") ?? "")")
                }
                let post = try await world.raw(
                    "POST", "/images/\(Self.digest)/approvals", cookie: session,
                    form: [("environment", Self.environment), ("comment", "replayed"), ("verdict", "approve")])
                #expect(post.status == 403 || post.status == 401)
            }
        }
    }

    @Test func theSixthFailedSignInIsThrottled() async throws {
        if BrowserHarness.skipReason(#function) != nil { return }
        try await DashboardWorld.with { world in
            try await withBrowser { browser in
                for attempt in 1...5 {
                    try await browser.signIn(world, as: DashboardWorld.approver.name, password: "wrong password \(attempt)")
                    // A failure shows the form again with an error, and no session.
                    _ = try await browser.element("form[action='/login'] input[name='password']")
                    let page = try await browser.text(of: "main")
                    #expect(!page.contains("Too many"), "attempt \(attempt) was already throttled")
                    #expect(try await browser.cookies().allSatisfy { !$0.name.lowercased().contains("session") })
                }
                try await browser.signIn(world, as: DashboardWorld.approver.name, password: DashboardWorld.approver.password)
                #expect(try await browser.text(of: "body").contains("Too many"))
                let cookies = try await browser.cookies()
                #expect(cookies.allSatisfy { !$0.name.lowercased().contains("session") }, "the right password got in while throttled")
                try await browser.saveScreenshot(to: BrowserHarness.screenshotPath("login-throttled"))
                // The status behind that page, confirmed outside the browser with a fresh form's login cookie and token.
                try await browser.navigate(to: world.url("/login"))
                let token = try #require(try await browser.attribute("value", of: "form[action='/login'] input[type='hidden'][name='csrf']"))
                let loginCookie = try await browser.cookies().first { $0.name.lowercased().contains("login") }
                let again = try await world.raw(
                    "POST", "/login", cookie: loginCookie,
                    form: [("csrf", token), ("username", DashboardWorld.approver.name), ("password", DashboardWorld.approver.password)])
                #expect(again.status == 429)
                #expect(again.text.contains("Too many"))
            }
        }
    }

    @Test func overHTTPSTheSessionCookieIsHostPrefixedSecureHttpOnlyAndLax() async throws {
        if BrowserHarness.skipReason(#function) != nil { return }
        try await DashboardWorld.with(tls: true) { world in
            try await withBrowser(acceptInsecureCerts: true) { browser in
                let session = try #require(
                    try await browser.signIn(world, as: DashboardWorld.approver.name, password: DashboardWorld.approver.password),
                    "no session cookie after signing in over HTTPS")
                #expect(session.name.hasPrefix("__Host-"), "\(session.name)")
                #expect(session.secure && session.httpOnly && session.sameSite == "Lax" && session.path == "/", "\(session)")
                #expect(try await browser.currentURL() == world.url("/"))
                _ = try await browser.element("form[action='/logout'] button#logout")
                // Every cookie the dashboard set over HTTPS is Secure.
                #expect(try await browser.cookies().allSatisfy(\.secure))
            }
        }
    }

    /// `rule → data-passed` for every reason shown in the environment's section.
    static func reasons(_ browser: WebDriver) async throws -> [String: String] {
        var result: [String: String] = [:]
        for element in try await browser.elements("\(section) [data-rule]") {
            result[try await browser.attribute("data-rule", of: element) ?? "?"] = try await browser.attribute("data-passed", of: element) ?? "?"
        }
        return result
    }
}
