import Domain
import HTTPCore
import SQLite

/// Who may call a route.
enum Access: Sendable {
    /// No credentials needed (health, metrics, static files, the API description).
    case anyone
    /// A bearer token whose effective scopes include this one.
    case scope(Scope)
}

/// A request as a handler sees it: authenticated, with decoded path parameters.
struct AppRequest: Sendable {
    let http: HTTPRequest
    let parameters: RouteParameters
    /// Nil only on `.anyone` routes.
    let principal: Principal?
    let remoteAddress: String

    /// The authenticated principal; a programming error to call on an `.anyone` route.
    var actor: Principal {
        guard let principal else { preconditionFailure("route declared .anyone but needs a principal") }
        return principal
    }

    /// The decoded path parameter `name`, which the route pattern guarantees.
    func parameter(_ name: String) -> String { parameters[name] ?? "" }
}

/// A handler: throws `APIError` for client errors; anything else becomes a 500.
typealias AppHandler = @Sendable (AppRequest) async throws -> HTTPResponse

/// A handler that answers from one read snapshot, which authentication shares (one read per request).
typealias ReadHandler = @Sendable (AppRequest, SQLiteConnection) throws -> HTTPResponse
/// An answer a hot route can give from memory inside an authenticated read snapshot, or nil to run the route normally.
typealias ImmediateHandler = @Sendable (AppRequest, SQLiteConnection) throws -> HTTPResponse?

/// A documented query parameter.
struct QueryParameter: Sendable {
    let name: String
    let required: Bool
    let description: String
    /// `string`, `integer` or `date-time`.
    var type = "string"
}

/// One endpoint with the metadata the OpenAPI document is generated from.
struct AppRoute: Sendable {
    let method: HTTPMethod
    let pattern: String
    let access: Access
    let summary: String
    /// Component schema names for the OpenAPI document.
    var requestSchema: String? = nil
    var responseSchema: String? = nil
    var successStatus: Int = 200
    /// Query parameters, for the OpenAPI document.
    var query: [QueryParameter] = []
    /// Further answers beyond the ones every route of its kind has: status → (description, schema name or nil for Error).
    var otherResponses: [Int: (String, String?)] = [:]
    /// Nil: the server-wide body limit.
    var maxBodyBytes: Int? = nil
    /// Documented in OpenAPI (false for static files and the dashboard).
    var documented = true
    /// Set on hot read-only routes: `AppResponder` authenticates and runs it in the same snapshot, and `handler`
    /// must be the same answer in a read of its own.
    var readHandler: ReadHandler? = nil
    /// Set on routes whose common answer is already in memory (a cached clearance): tried on the event-loop thread
    /// when it is idle; nil from it runs the route normally.
    var immediateHandler: ImmediateHandler? = nil
    let handler: AppHandler
}
