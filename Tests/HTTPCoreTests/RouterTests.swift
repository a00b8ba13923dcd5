import HTTPCore
import Testing

private func handler(_ tag: String) -> HTTPHandler {
    { _, _ in HTTPResponse(status: .ok, body: Array(tag.utf8)) }
}

private func makeRouter() -> Router {
    var router = Router()
    router.add(.GET, "/", handler("root"))
    router.add(.POST, "/api/v1/keys", maxBodyBytes: 65_536, handler("createKey"))
    router.add(.POST, "/api/v1/keys/{id}/revoke", handler("revoke"))
    router.add(.GET, "/api/v1/clearance/{digest}", handler("clearance"))
    router.add(.POST, "/api/v1/clearance:batch", handler("batch"))
    router.add(.GET, "/api/v1/images/latest", handler("latest"))
    router.add(.GET, "/api/v1/images/{digest}", handler("image"))
    router.add(.DELETE, "/api/v1/images/{digest}", handler("deleteImage"))
    router.add(.POST, "/api/v1/images/{digest}/approvals", handler("approve"))
    router.add(.PUT, "/api/v1/policies/{env}", handler("policy"))
    router.add(.GET, "/static/{file...}", handler("static"))
    router.add(.HEAD, "/explicit-head", handler("explicitHead"))
    router.add(.GET, "/explicit-head", handler("getForExplicitHead"))
    router.add(.GET, "/a/{x}/c", handler("a-x-c"))
    router.add(.GET, "/a/b/{y}", handler("a-b-y"))
    return router
}

/// What a match should produce.
struct RouteCase: Sendable, CustomTestStringConvertible {
    let method: HTTPMethod
    let path: String
    let pattern: String?
    let params: [String: String]

    init(_ method: HTTPMethod, _ path: String, _ pattern: String?, _ params: [String: String] = [:]) {
        self.method = method
        self.path = path
        self.pattern = pattern
        self.params = params
    }

    var testDescription: String { "\(method) \(path)" }
}

@Suite struct RouterTests {
    @Test(arguments: [
        RouteCase(.GET, "/", "/"),
        RouteCase(.POST, "/api/v1/keys", "/api/v1/keys"),
        RouteCase(.POST, "/api/v1/keys/abc123/revoke", "/api/v1/keys/{id}/revoke", ["id": "abc123"]),
        RouteCase(.GET, "/api/v1/clearance/sha256:abcd", "/api/v1/clearance/{digest}", ["digest": "sha256:abcd"]),
        RouteCase(.GET, "/api/v1/clearance/sha256%3Aabcd", "/api/v1/clearance/{digest}", ["digest": "sha256:abcd"]),
        RouteCase(.POST, "/api/v1/clearance:batch", "/api/v1/clearance:batch"),
        RouteCase(.GET, "/api/v1/images/latest", "/api/v1/images/latest"),
        RouteCase(.GET, "/api/v1/images/sha256:ff", "/api/v1/images/{digest}", ["digest": "sha256:ff"]),
        RouteCase(.DELETE, "/api/v1/images/latest", "/api/v1/images/{digest}", ["digest": "latest"]),
        RouteCase(.POST, "/api/v1/images/x%20y/approvals", "/api/v1/images/{digest}/approvals", ["digest": "x y"]),
        RouteCase(.PUT, "/api/v1/policies/prod", "/api/v1/policies/{env}", ["env": "prod"]),
        RouteCase(.GET, "/static/app.css", "/static/{file...}", ["file": "app.css"]),
        RouteCase(.GET, "/static/img/logo%20big.svg", "/static/{file...}", ["file": "img/logo big.svg"]),
        RouteCase(.GET, "/static/a/../../etc/passwd", "/static/{file...}", ["file": "a/../../etc/passwd"]),
        RouteCase(.GET, "/static/%2e%2e/x", "/static/{file...}", ["file": "../x"]),
        RouteCase(.GET, "/a/b/c", "/a/b/{y}", ["y": "c"]),
        RouteCase(.GET, "/a/z/c", "/a/{x}/c", ["x": "z"]),
        RouteCase(.GET, "/api/v1/images/%00", "/api/v1/images/{digest}", ["digest": "\u{0}"]),
        RouteCase(.HEAD, "/api/v1/images/latest", "/api/v1/images/latest"),
        RouteCase(.HEAD, "/explicit-head", "/explicit-head"),
        RouteCase(.HEAD, "/static/x", "/static/{file...}", ["file": "x"]),
    ])
    func matchesRouteAndDecodesParameters(_ c: RouteCase) throws {
        guard case .found(let route, let params) = makeRouter().match(method: c.method, path: c.path) else {
            Issue.record("expected a match")
            return
        }
        #expect(route.pattern == c.pattern)
        #expect(params.count == c.params.count)
        for (name, value) in c.params { #expect(params[name] == value) }
    }

    @Test(arguments: [
        "/nope", "/api/v1", "/api/v1/keys/", "/api/v1/keys/x/revoke/extra", "/static", "/static/",
        "/api/v1/clearance/", "/api/v1/images//approvals", "/api/v1/clearance/%zz", "/api/v1/clearance/%C3",
        "/API/v1/keys", "", "api/v1/keys", "/api/v1/clearance%3Abatch", "/static/%",
    ])
    func unknownOrUndecodablePathsAreNotFound(_ path: String) {
        guard case .notFound = makeRouter().match(method: .GET, path: path) else {
            Issue.record("expected notFound")
            return
        }
    }

    @Test(arguments: [
        (HTTPMethod.GET, "/api/v1/keys", [HTTPMethod.POST]),
        (.PUT, "/api/v1/images/x", [.DELETE, .GET, .HEAD]),
        (.POST, "/api/v1/images/latest", [.DELETE, .GET, .HEAD]),
        (.DELETE, "/", [.GET, .HEAD]),
        (.POST, "/explicit-head", [.GET, .HEAD]),
        (.PATCH, "/api/v1/clearance:batch", [.POST]),
        (.HEAD, "/api/v1/keys", [.POST]),
    ])
    func wrongMethodListsEveryAllowedMethodSorted(method: HTTPMethod, path: String, allowed: [HTTPMethod]) {
        guard case .methodNotAllowed(let got) = makeRouter().match(method: method, path: path) else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(got == allowed)
    }

    @Test func literalBeatsParameterAtTheSameDepth() async throws {
        var router = Router()
        router.add(.GET, "/x/{id}", handler("param"))
        router.add(.GET, "/x/new", handler("literal"))
        router.add(.GET, "/x/{rest...}", handler("catchAll"))
        guard case .found(let literal, _) = router.match(method: .GET, path: "/x/new"),
            case .found(let param, let params) = router.match(method: .GET, path: "/x/old"),
            case .found(let catchAll, let rest) = router.match(method: .GET, path: "/x/a/b")
        else {
            Issue.record("expected matches")
            return
        }
        #expect(literal.pattern == "/x/new")
        #expect(param.pattern == "/x/{id}")
        #expect(params["id"] == "old")
        #expect(catchAll.pattern == "/x/{rest...}")
        #expect(rest["rest"] == "a/b")
        let response = await literal.handler(HTTPRequest(head: HTTPRequestHead(method: .GET, target: "/x/new")), params)
        #expect(response.body == Array("literal".utf8))
    }

    @Test func headFallsBackToGetAndUsesExplicitHeadFirst() async {
        let router = makeRouter()
        guard case .found(let fallback, _) = router.match(method: .HEAD, path: "/"),
            case .found(let explicit, _) = router.match(method: .HEAD, path: "/explicit-head")
        else {
            Issue.record("expected matches")
            return
        }
        #expect(fallback.method == .GET)
        #expect(explicit.method == .HEAD)
    }

    @Test func routeKeepsItsBodyLimitAndRegistrationOrder() {
        let router = makeRouter()
        #expect(router.routes.count == 15)
        #expect(router.routes[1].pattern == "/api/v1/keys")
        #expect(router.routes[1].maxBodyBytes == 65_536)
        #expect(router.routes[0].maxBodyBytes == nil)
    }

    @Test func parameterDecodingFailureFallsThroughToOtherRoutes() {
        var router = Router()
        router.add(.GET, "/f/{name}", handler("param"))
        router.add(.GET, "/f/%zz", handler("literal"))
        guard case .found(let route, _) = router.match(method: .GET, path: "/f/%zz") else {
            Issue.record("expected match")
            return
        }
        #expect(route.pattern == "/f/%zz")
        guard case .notFound = router.match(method: .GET, path: "/f/%zy") else {
            Issue.record("expected notFound")
            return
        }
    }

    @Test func duplicateRouteIsAProgrammerError() async {
        await #expect(processExitsWith: .failure) {
            var router = Router()
            router.add(.GET, "/a/{x}", { _, _ in HTTPResponse(status: .ok) })
            router.add(.GET, "/a/{y}", { _, _ in HTTPResponse(status: .ok) })
        }
    }
}
