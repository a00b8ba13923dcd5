import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// HTML responses of the dashboard.
enum DashboardResponse {
    /// A rendered page.
    static func page(_ template: String, _ model: Any, status: HTTPStatus = .ok) -> HTTPResponse {
        html(DashboardTemplates.render(template, model), status: status)
    }

    /// `text/html` with the given body.
    static func html(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set("Content-Type", "text/html; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: Array(text.utf8))
    }

    /// 303 See Other to a same-site path (after a POST, so a reload does not repeat it).
    static func redirect(_ location: String, cookies: [String] = []) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set("Location", location)
        for cookie in cookies { headers.add("Set-Cookie", cookie) }
        headers.set("Content-Type", "text/html; charset=utf-8")
        return HTTPResponse(status: HTTPStatus(code: 303, reasonPhrase: "See Other"), headers: headers, body: Array("<!doctype html><title>See Other</title>".utf8))
    }

    /// The model of `error.mustache`.
    struct ErrorModel: Sendable {
        let chrome: PageChrome
        let heading: String
        let message: String
        let retryAt: TimeView?
        let back: String
        let backLabel: String
    }

    /// An error page in the layout: the status as heading, one sentence, a way back. Never a stack trace.
    static func error(
        _ status: HTTPStatus, message: String, chrome: PageChrome = .anonymous, retryAt: Date? = nil, back: String = "/",
        backLabel: String = "Back to the overview"
    ) -> HTTPResponse {
        let model = ErrorModel(
            chrome: chrome, heading: "\(status.code) \(status.reasonPhrase)", message: message, retryAt: retryAt.map(TimeView.init), back: back,
            backLabel: backLabel)
        return page("error", model, status: status)
    }
}
