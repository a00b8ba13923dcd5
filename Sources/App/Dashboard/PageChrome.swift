import Domain

/// What the layout needs around every page: the signed-in user, the navigation, the CSRF token for the
/// sign-out form, and an optional notice from the action that led here.
struct PageChrome: Sendable {
    struct UserView: Sendable {
        let name: String
        let role: String
    }

    struct NavItem: Sendable {
        let href: String
        let label: String
        let current: Bool
    }

    let user: UserView?
    let csrf: String
    let nav: [NavItem]
    let notice: String?

    /// Chrome for pages outside a session (sign-in, errors before authentication).
    static let anonymous = PageChrome(user: nil, csrf: "", nav: [], notice: nil)

    /// Chrome for `user`, with `current` (a nav href) marked; admin pages appear only for admins
    /// (the server refuses them to others anyway).
    init(user: SignedInUser, current: String, notice: String? = nil) {
        var items: [(String, String)] = [("/", "Overview"), ("/deployments", "Deployments")]
        if user.role == .admin {
            items += [("/keys", "Keys"), ("/policies", "Policies"), ("/users", "Users"), ("/tokens", "Tokens"), ("/audit", "Audit log")]
        }
        items.append(("/account", "Account"))
        self.init(
            user: UserView(name: user.name, role: user.role.rawValue), csrf: user.csrfToken,
            nav: items.map { NavItem(href: $0.0, label: $0.1, current: $0.0 == current) }, notice: notice)
    }

    init(user: UserView?, csrf: String, nav: [NavItem], notice: String?) {
        self.user = user
        self.csrf = csrf
        self.nav = nav
        self.notice = notice
    }
}
