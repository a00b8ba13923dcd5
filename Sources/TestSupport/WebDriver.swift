import Foundation
import HTTPCore

/// An element found on the current page (the W3C web element reference).
public struct WebElement: Sendable, Equatable {
    /// The W3C key under which drivers return element references.
    static let referenceKey = "element-6066-11e4-a52e-4f735466cecf"

    public let id: String

    var reference: WebDriverValue { .object([Self.referenceKey: .string(id)]) }
}

/// A cookie as the browser holds it.
public struct WebDriverCookie: Sendable, Equatable {
    public var name: String
    public var value: String
    public var path: String?
    public var domain: String?
    public var secure: Bool
    public var httpOnly: Bool
    public var sameSite: String?
}

/// One browser session driven over W3C WebDriver: navigate, find elements by CSS, click, type, read text and
/// attributes, run read-only scripts, take screenshots and read cookies.
public final class WebDriver: Sendable {
    public let connection: WebDriverConnection
    public let sessionID: String

    /// A session already created on the driver behind `connection`.
    public init(connection: WebDriverConnection, sessionID: String) {
        self.connection = connection
        self.sessionID = sessionID
    }

    /// Creates a session with `capabilities` (the `alwaysMatch` object).
    public static func newSession(_ connection: WebDriverConnection, capabilities: WebDriverValue) async throws -> WebDriver {
        let value = try await connection.execute(.POST, "/session", ["capabilities": ["alwaysMatch": capabilities]])
        guard let id = value["sessionId"].string else {
            throw WebDriverError(code: "malformed response", message: "no sessionId", command: "POST /session")
        }
        return WebDriver(connection: connection, sessionID: id)
    }

    private func command(_ method: HTTPMethod, _ suffix: String, _ parameters: WebDriverValue? = nil) async throws -> WebDriverValue {
        try await connection.execute(method, "/session/\(sessionID)\(suffix)", parameters)
    }

    /// Ends the session, which closes the browser.
    public func quit() async throws { _ = try await connection.execute(.DELETE, "/session/\(sessionID)") }

    /// Sets how long element lookups retry before `no such element`, and the page-load limit.
    public func setTimeouts(implicit: Duration, pageLoad: Duration = .seconds(20)) async throws {
        func milliseconds(_ duration: Duration) -> WebDriverValue {
            .number(Double(duration.components.seconds * 1000) + (Double(duration.components.attoseconds) / 1e15).rounded())
        }
        _ = try await command(.POST, "/timeouts", ["implicit": milliseconds(implicit), "pageLoad": milliseconds(pageLoad)])
    }

    // MARK: Navigation

    /// Loads `url` and waits for the page to finish loading.
    public func navigate(to url: String) async throws { _ = try await command(.POST, "/url", ["url": .string(url)]) }

    /// The address of the current page.
    public func currentURL() async throws -> String { try await command(.GET, "/url").string ?? "" }

    /// The current page's title.
    public func title() async throws -> String { try await command(.GET, "/title").string ?? "" }

    /// The current DOM serialised as HTML.
    public func pageSource() async throws -> String { try await command(.GET, "/source").string ?? "" }

    // MARK: Elements

    /// The first element matching `css`; throws `no such element` once the implicit wait has passed.
    public func element(_ css: String) async throws -> WebElement {
        try Self.element(from: try await command(.POST, "/element", ["using": "css selector", "value": .string(css)]))
    }

    /// Every element matching `css` (possibly none, after the implicit wait).
    public func elements(_ css: String) async throws -> [WebElement] {
        let value = try await command(.POST, "/elements", ["using": "css selector", "value": .string(css)])
        return try (value.array ?? []).map(Self.element(from:))
    }

    /// The first element matching `css` inside `parent`.
    public func element(_ css: String, in parent: WebElement) async throws -> WebElement {
        try Self.element(from: try await command(.POST, "/element/\(parent.id)/element", ["using": "css selector", "value": .string(css)]))
    }

    /// Clicks `element` (scrolling it into view first), waiting for any navigation it starts.
    public func click(_ element: WebElement) async throws { _ = try await command(.POST, "/element/\(element.id)/click", [:]) }

    /// Clicks `element` and waits until the page it was on has been replaced (a link followed or a form submitted and
    /// its redirect loaded): the old document's root goes stale. A bare click may return before a POST's answer arrives.
    public func clickAndWaitForNewPage(_ element: WebElement, timeout: Duration = .seconds(15)) async throws {
        let oldRoot = try await self.element("html")
        try await click(element)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            do {
                _ = try await tagName(of: oldRoot)
            } catch let error as WebDriverError where error.code == "stale element reference" || error.code == "no such element" {
                _ = try await execute("return document.readyState")
                return
            } catch let error as WebDriverError where error.code == "unknown error" {
                // Chromium answers "unhandled inspector error" while the old document is being torn down: still navigating.
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw WebDriverError(code: "timeout", message: "the page did not change after the click", command: "click and wait")
    }

    /// Types `text` into `element`.
    public func type(_ text: String, into element: WebElement) async throws {
        _ = try await command(.POST, "/element/\(element.id)/value", ["text": .string(text)])
    }

    /// Empties an input or textarea.
    public func clear(_ element: WebElement) async throws { _ = try await command(.POST, "/element/\(element.id)/clear", [:]) }

    /// The rendered text of `element`, as a person sees it.
    public func text(of element: WebElement) async throws -> String { try await command(.GET, "/element/\(element.id)/text").string ?? "" }

    /// The attribute `name` of `element` as written in the markup, or nil when absent.
    public func attribute(_ name: String, of element: WebElement) async throws -> String? {
        try await command(.GET, "/element/\(element.id)/attribute/\(name)").string
    }

    /// The element's tag name, lowercased.
    public func tagName(of element: WebElement) async throws -> String {
        try await command(.GET, "/element/\(element.id)/name").string?.lowercased() ?? ""
    }

    // MARK: Scripts, screenshots, cookies

    /// Runs `script` (a function body; `return` gives the result) in the page. Tests use it only to read state.
    public func execute(_ script: String, arguments: [WebDriverValue] = []) async throws -> WebDriverValue {
        try await command(.POST, "/execute/sync", ["script": .string(script), "args": .array(arguments)])
    }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        guard let encoded = try await command(.GET, "/screenshot").string, let data = Data(base64Encoded: encoded) else {
            throw WebDriverError(code: "malformed response", message: "screenshot is not base64", command: "GET /screenshot")
        }
        return data
    }

    /// A PNG of the whole page, beyond the viewport, through Chromium's DevTools command (chromedriver's
    /// `goog/cdp/execute`; W3C WebDriver itself only captures the viewport).
    public func fullPageScreenshot() async throws -> Data {
        let metrics = try await command(.POST, "/goog/cdp/execute", ["cmd": "Page.getLayoutMetrics", "params": [:]])
        let size = metrics["cssContentSize"]
        guard let width = size["width"].number, let height = size["height"].number else {
            throw WebDriverError(code: "malformed response", message: "no content size", command: "Page.getLayoutMetrics")
        }
        let clip: WebDriverValue = ["x": 0, "y": 0, "width": .number(width.rounded(.up)), "height": .number(height.rounded(.up)), "scale": 1]
        let shot = try await command(
            .POST, "/goog/cdp/execute",
            ["cmd": "Page.captureScreenshot", "params": ["format": "png", "captureBeyondViewport": true, "clip": clip]])
        guard let encoded = shot["data"].string, let data = Data(base64Encoded: encoded) else {
            throw WebDriverError(code: "malformed response", message: "screenshot is not base64", command: "Page.captureScreenshot")
        }
        return data
    }

    /// Writes a PNG of the whole page (or only the viewport when `fullPage` is false) to `path`, creating its directory.
    public func saveScreenshot(to path: String, fullPage: Bool = true) async throws {
        let data = fullPage ? try await fullPageScreenshot() : try await screenshot()
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// Every cookie visible to the current page (HttpOnly ones included: the driver sees what scripts cannot).
    public func cookies() async throws -> [WebDriverCookie] {
        try await (command(.GET, "/cookie").array ?? []).map { cookie in
            WebDriverCookie(
                name: cookie["name"].string ?? "", value: cookie["value"].string ?? "", path: cookie["path"].string,
                domain: cookie["domain"].string, secure: cookie["secure"].bool ?? false, httpOnly: cookie["httpOnly"].bool ?? false,
                sameSite: cookie["sameSite"].string)
        }
    }

    /// Deletes every cookie of the current page's domain.
    public func deleteAllCookies() async throws { _ = try await command(.DELETE, "/cookie") }

    private static func element(from value: WebDriverValue) throws -> WebElement {
        guard let id = value[WebElement.referenceKey].string else {
            throw WebDriverError(code: "malformed response", message: "not an element reference: \(value)", command: "find element")
        }
        return WebElement(id: id)
    }
}
