import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The WebDriver client and the chromedriver launcher themselves, proven against pages that need no login:
/// the server's HTML error page and its stylesheet.
@Suite struct WebDriverHarnessTests {
    @Test func rendersTheErrorPageWithItsStylesheetAndSavesAScreenshot() async throws {
        if BrowserHarness.skipReason(#function) != nil { return }
        try await withLiveServer({ $0.publicDirectory = BrowserHarness.packageRoot + "/Public" }) { live in
            try await withBrowser { browser in
                try await browser.navigate(to: "http://127.0.0.1:\(live.port)/static/no-such-file.css")
                let heading = try await browser.text(of: try await browser.element("h1"))
                #expect(heading == "404 Not Found")
                #expect(try await browser.title().contains("404"))
                // The stylesheet really loaded and applies: it has rules, and `main` gets a max-width (the browser default is none).
                let styles = try await browser.execute(
                    """
                    return {
                      sheets: document.styleSheets.length,
                      rules: document.styleSheets.length ? document.styleSheets[0].cssRules.length : 0,
                      maxWidth: getComputedStyle(document.querySelector('main')).maxWidth
                    };
                    """)
                #expect(styles["sheets"].number == 1 && (styles["rules"].number ?? 0) > 0, "\(styles)")
                #expect(styles["maxWidth"].string?.hasSuffix("px") == true, "\(styles)")
                #expect(try await browser.execute("return 1 + 1").number == 2)
                #expect(try await browser.execute("return window.notDefinedAnywhere").isNull)

                // Without an implicit wait, so the absent element costs no time.
                try await browser.setTimeouts(implicit: .zero)
                let missing = await #expect(throws: WebDriverError.self) { try await browser.element("#does-not-exist") }
                #expect(missing?.isNoSuchElement == true)
                #expect(try await browser.elements("#does-not-exist").isEmpty)
                try await browser.setTimeouts(implicit: .seconds(2))

                let path = BrowserHarness.screenshotPath("error-404")
                try await browser.saveScreenshot(to: path)
                let png = try Data(contentsOf: URL(fileURLWithPath: path))
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            }
        }
    }

    @Test func stopLeavesNoDriverOrBrowserProcessBehind() async throws {
        if BrowserHarness.skipReason(#function) != nil { return }
        let service = try await WebDriverService.start()
        let group = service.processGroup
        let session = try await service.newSession()
        try await session.navigate(to: "about:blank")
        #expect(kill(-group, 0) == 0)  // the driver and its browser are running in the group
        // No quit: stop() must clean up even when a test failed before ending its session.
        await service.stop()
        let gone = await eventually(timeout: .seconds(5)) { kill(-group, 0) == -1 && errno == ESRCH }
        #expect(gone, "processes of group \(group) still running after stop()")
    }
}
