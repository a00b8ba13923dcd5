import HTTPCore

/// A dashboard request: signed in, with its form already checked for CSRF when it is a POST.
struct DashboardRequest: Sendable {
    let http: HTTPRequest
    let parameters: RouteParameters
    let user: SignedInUser
    /// The parsed form of a POST; nil for pages.
    let form: FormBody?
    let remoteAddress: String

    /// The decoded path parameter `name`.
    func parameter(_ name: String) -> String { parameters[name] ?? "" }

    /// The posted form (empty for a GET).
    var fields: FormBody { form ?? FormBody.empty }

    /// Chrome for this user's page, with the notice named by `?notice=` if any.
    func chrome(current: String) -> PageChrome {
        PageChrome(user: user, current: current, notice: Notice.text(http.queryValue("notice")))
    }
}
