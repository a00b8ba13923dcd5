import Foundation
import TestSupport

/// Where screenshots go and whether a browser is there: shared by the browser suites.
enum BrowserHarness {
    /// The package root, found from this file's path (Tests/BrowserTests/…), so screenshots land in the checkout's `.build`.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `.build/screenshots/` under the package root: artifacts a person can open after a run.
    static let screenshotDirectory = packageRoot + "/.build/screenshots"

    /// `.build/screenshots/<name>.png`.
    static func screenshotPath(_ name: String) -> String { "\(screenshotDirectory)/\(name).png" }

    /// Nil when the suites can run; else the reason, printed as a SKIP line (CI installs the browser, so there it runs).
    static func skipReason(_ test: String) -> String? {
        guard let reason = WebDriverService.unavailableReason() else { return nil }
        print("SKIP \(test): \(reason)")
        return reason
    }
}
