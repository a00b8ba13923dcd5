import Foundation
import Testing
import TestSupport

@Suite struct RequestIDTests {
    /// What a generated id looks like: 32 lowercase hex characters.
    static func isGenerated(_ id: String?) -> Bool {
        guard let id, id.utf8.count == 32 else { return false }
        return id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    @Test func everyResponseCarriesAGeneratedIdWhenTheClientSentNone() async throws {
        try await withLiveServer { live in
            let client = try live.client()
            let health = try await client.request("GET", "/healthz")
            let missing = try await client.request("GET", "/api/v1/nothing")
            let unauthenticated = try await client.request("POST", "/api/v1/attestations", json: "{}")
            let page = try await client.request("GET", "/no-such-page")
            #expect(missing.status == 404 && unauthenticated.status == 401 && page.status == 404)
            let ids = [health, missing, unauthenticated, page].map { $0.header("X-Request-Id") }
            #expect(ids.allSatisfy(Self.isGenerated), "\(ids)")
            #expect(Set(ids.compactMap { $0 }).count == ids.count)
        }
    }

    @Test func aPlainClientIdIsEchoed() async throws {
        try await withLiveServer { live in
            let client = try live.client()
            for id in ["abc-123_X.y", "7", String(repeating: "r", count: 128), "0f8fad5b-d9cb-469f-a165-70867728950e"] {
                let response = try await client.request("GET", "/healthz", headers: [("X-Request-Id", id)])
                #expect(response.header("X-Request-Id") == id)
            }
            let lowercaseName = try await client.request("GET", "/healthz", headers: [("x-request-id", "from-a-proxy")])
            #expect(lowercaseName.header("X-Request-Id") == "from-a-proxy")
        }
    }

    @Test func aHostileOrOversizedClientIdIsReplaced() async throws {
        try await withLiveServer { live in
            let client = try live.client()
            for id in ["has spaces in it", String(repeating: "r", count: 129), String(repeating: "x", count: 200), "<script>", "a=b;rid=forged", "é"] {
                let response = try await client.request("GET", "/healthz", headers: [("X-Request-Id", id)])
                #expect(response.status == 200)
                #expect(Self.isGenerated(response.header("X-Request-Id")), "\(id) → \(response.header("X-Request-Id") ?? "none")")
            }
        }
    }

    @Test func theTextAccessLogLineEndsWithTheId() async throws {
        let capture = LogCapture()
        try await withLiveServer({ $0.logOutput = capture.append }) { live in
            let client = try live.client()
            let echoed = try await client.request("GET", "/healthz", headers: [("X-Request-Id", "trace-42")])
            let generated = try await client.request("GET", "/api/v1/nothing")
            let generatedID = try #require(generated.header("X-Request-Id"))
            #expect(echoed.header("X-Request-Id") == "trace-42")
            #expect(capture.all.contains { $0.contains(" GET /healthz 200 ") && $0.hasSuffix(" rid=trace-42\n") })
            #expect(capture.all.contains { $0.contains(" GET /api/v1/nothing 404 ") && $0.hasSuffix(" rid=\(generatedID)\n") })
            let hostile = try await client.request("GET", "/healthz", headers: [("X-Request-Id", "evil value")])
            #expect(!capture.text.contains("evil"))
            #expect(capture.all.contains { $0.hasSuffix(" rid=\(hostile.header("X-Request-Id") ?? "?")\n") })
        }
    }

    @Test func theJSONAccessLogLineHasARequestIdField() async throws {
        let capture = LogCapture()
        try await withLiveServer({
            $0.logOutput = capture.append
            $0.logFormat = .json
        }) { live in
            let response = try await live.client().request("GET", "/healthz", headers: [("X-Request-Id", "json-trace.1")])
            #expect(response.header("X-Request-Id") == "json-trace.1")
            let line = try #require(capture.all.first { $0.contains(#""kind":"access""#) && $0.contains(#""path":"/healthz""#) })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["requestId"] as? String == "json-trace.1")
        }
    }
}
