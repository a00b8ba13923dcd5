import HTTPCore

/// `/static/{file...}`: the allowlisted files of `Public/`.
enum StaticRoutes {
    static func routes(_ services: Services) -> [AppRoute] {
        [
            AppRoute(method: .GET, pattern: "/static/{file...}", access: .anyone, summary: "Dashboard assets", documented: false) { request in
                guard let response = services.staticFiles.response(for: request.parameter("file"), request: request.http) else {
                    return HTMLPage.error(.notFound, message: "There is no such file.")
                }
                return response
            }
        ]
    }
}
