import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON in and out of HTTP bodies, with the checks every API route shares.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Decodes the request body as `T`, after checking the media type; malformed JSON is a 400, wrong shape a 422.
    static func decode<T: Decodable>(_ type: T.Type, from request: HTTPRequest) throws -> T {
        if let contentType = request.headers["Content-Type"] {
            let mediaType = contentType.split(separator: ";").first.map { $0.filter { $0 != " " && $0 != "\t" }.lowercased() } ?? ""
            guard mediaType == "application/json" else { throw APIError.unsupportedMediaType }
        }
        guard !request.body.isEmpty else { throw APIError.badRequest("the request body is empty; send a JSON object") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(request.body))
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context) where context.codingPath.isEmpty:
                throw APIError.badRequest("the request body is not valid JSON")
            case .keyNotFound(let key, _):
                throw APIError.invalid("missing field '\(key.stringValue)'")
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                throw APIError.invalid(path.isEmpty ? "unexpected JSON shape" : "field '\(path)' has the wrong type or value")
            @unknown default:
                throw APIError.badRequest("the request body is not valid JSON")
            }
        } catch {
            throw APIError.badRequest("the request body is not valid JSON")
        }
    }

    /// A JSON response with `Content-Type: application/json`.
    static func response(_ status: HTTPStatus, _ value: some Encodable) -> HTTPResponse {
        // Encoding our own Encodable values cannot fail; a failure would be a programming error.
        let body = (try? encoder.encode(value)).map(Array.init) ?? Array(#"{"error":{"code":"internal","message":"encoding failed"}}"#.utf8)
        return response(status, encoded: body)
    }

    /// A JSON response from already encoded bytes.
    static func response(_ status: HTTPStatus, encoded body: [UInt8]) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// The `{"error":{"code","message"}}` envelope for `error`.
    static func response(for error: APIError) -> HTTPResponse {
        struct Envelope: Encodable {
            struct Body: Encodable { let code: String; let message: String }
            let error: Body
        }
        var response = response(error.status, Envelope(error: .init(code: error.code, message: error.message)))
        if error.status == .unauthorized { response.headers.set("WWW-Authenticate", #"Bearer realm="shipgate""#) }
        return response
    }
}
