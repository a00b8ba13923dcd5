import HTTPCore

/// Minimal server-rendered HTML pages (errors); every interpolated string goes through `escape`.
enum HTMLPage {
    /// Escapes text for element content and quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// An error page with a heading and one sentence; no script, styles from /static.
    static func error(_ status: HTTPStatus, message: String) -> HTTPResponse {
        let title = "\(status.code) \(status.reasonPhrase)"
        let html = """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · Shipgate</title><link rel="stylesheet" href="/static/shipgate.css"></head>
            <body><main class="error-page"><h1>\(escape(title))</h1><p>\(escape(message))</p><p><a href="/">Shipgate</a></p></main></body>
            </html>

            """
        var headers = HTTPHeaders()
        headers.set("Content-Type", "text/html; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: Array(html.utf8))
    }
}
