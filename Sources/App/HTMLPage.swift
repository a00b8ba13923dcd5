import HTTPCore

/// Error pages for requests outside the dashboard's routes (unknown paths, wrong methods, missing static files),
/// rendered in the dashboard's layout like every other page: no script, styles from /static, text escaped by the template.
enum HTMLPage {
    /// An error page with a heading and one sentence.
    static func error(_ status: HTTPStatus, message: String) -> HTTPResponse {
        DashboardResponse.error(status, message: message)
    }
}
