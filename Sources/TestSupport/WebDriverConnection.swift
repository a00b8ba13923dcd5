import Foundation
import HTTPCore
import HTTPServer

/// Sends W3C WebDriver commands (JSON over HTTP) to a driver on loopback with the project's own `HTTPClient`.
/// Every command blocks a thread of its own, never the cooperative pool the server under test runs on.
public struct WebDriverConnection: Sendable {
    private let client: HTTPClient

    /// A connection to the driver at `baseURL` (e.g. `http://127.0.0.1:9515`); `timeout` bounds each command.
    public init(baseURL: String, timeout: Duration = .seconds(30)) throws {
        // Screenshots of long pages are a few MiB of base64.
        client = try HTTPClient(baseURL: baseURL, timeout: timeout, maxResponseBytes: 64 * 1024 * 1024)
    }

    /// Runs one command and returns its `value`; a driver error becomes a `WebDriverError` with the protocol's code.
    public func execute(_ method: HTTPMethod, _ path: String, _ parameters: WebDriverValue? = nil) async throws -> WebDriverValue {
        let body = try parameters.map { Array(try JSONEncoder().encode($0)) } ?? []
        let command = "\(method.rawValue) \(path)"
        let client = self.client
        let response = try await TestThread.run { () -> HTTPClientResponse in
            var headers = HTTPHeaders()
            if parameters != nil { headers.set("Content-Type", "application/json; charset=utf-8") }
            do {
                return try client.send(method: method, path: path, headers: headers, body: body)
            } catch {
                throw WebDriverError(code: "transport", message: "\(error)", command: command)
            }
        }
        let decoded: WebDriverValue
        do {
            decoded = try JSONDecoder().decode(WebDriverValue.self, from: Data(response.body))
        } catch {
            throw WebDriverError(
                code: "malformed response", message: "status \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))",
                command: command)
        }
        let value = decoded["value"]
        guard response.status == 200 else {
            throw WebDriverError(
                code: value["error"].string ?? "status \(response.status)", message: value["message"].string ?? "", command: command)
        }
        return value
    }
}
