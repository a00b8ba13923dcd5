import HTTPCore

/// An error with a public status, a stable machine code and a message safe to show the client.
/// Anything else thrown by a handler becomes a bare 500 whose details go to the log only.
public struct APIError: Error, Sendable, Equatable {
    public let status: HTTPStatus
    public let code: String
    public let message: String

    public init(_ status: HTTPStatus, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func invalid(_ message: String) -> APIError { APIError(.unprocessableContent, "invalid", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static func conflict(_ message: String) -> APIError { APIError(.conflict, "conflict", message) }
    static let unauthenticated = APIError(.unauthorized, "unauthorized", "missing, invalid, expired or revoked bearer token")
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, "forbidden", message) }
    static let unsupportedMediaType = APIError(.unsupportedMediaType, "unsupported_media_type", "send the body as application/json")
    static let internalError = APIError(.internalServerError, "internal", "internal server error")
    static let unavailable = APIError(.serviceUnavailable, "unavailable", "the database is busy or unavailable; nothing was changed, retry later")
    static let storageFull = APIError(.insufficientStorage, "storage_full", "the database disk is full; nothing was changed")
}
