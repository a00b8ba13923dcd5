import Foundation

extension TestClient {
    /// Sends a request with an optional bearer token and body, and reads its response, on a thread of its own
    /// (blocking the cooperative pool would starve the server's own handlers in this process).
    public func request(
        _ method: String, _ path: String, token: String? = nil, json: String? = nil, headers: [(String, String)] = [],
        bodyText: String? = nil
    ) async throws -> TestResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let body = Array((json ?? bodyText ?? "").utf8)
        if json != nil { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        return try await TestThread.run {
            try self.send(bytes)
            return try self.readResponse(bodyless: method == "HEAD")
        }
    }
}

extension TestResponse {
    /// The body decoded as a JSON object.
    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw TestClientError(description: "body is not a JSON object: \(text.prefix(200))")
        }
        return object
    }
}
