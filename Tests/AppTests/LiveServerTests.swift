import App
import Domain
import Foundation
import Testing
import TestSupport

@Suite struct HealthAndHeadersTests {
    @Test func healthzAnswersWithSecurityHeaders() async throws {
        try await withLiveServer { live in
            let response = try await live.client().request("GET", "/healthz")
            #expect(response.status == 200)
            #expect(try response.json()["status"] as? String == "ok")
            #expect(response.header("X-Content-Type-Options") == "nosniff")
            #expect(response.header("Referrer-Policy") == "no-referrer")
            #expect(response.header("Cache-Control") == "no-store")
            #expect(response.header("Content-Type") == "application/json")
        }
    }

    @Test func readyzReportsMigratedDatabase() async throws {
        try await withLiveServer { live in
            let response = try await live.client().request("GET", "/readyz")
            #expect(response.status == 200)
            #expect(try response.json()["status"] as? String == "ready")
        }
    }

    @Test func unknownAPIPathIsJSONAndUnknownPageIsHTML() async throws {
        try await withLiveServer { live in
            let client = try live.client()
            let api = try await client.request("GET", "/api/v1/nothing-here")
            #expect(api.status == 404)
            let error = try #require(try api.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "not_found")
            let page = try await client.request("GET", "/nothing-here")
            #expect(page.status == 404)
            #expect(page.header("Content-Type")?.hasPrefix("text/html") == true)
            #expect(page.header("Content-Security-Policy") == "default-src 'self'; frame-ancestors 'none'")
        }
    }

    @Test func wrongMethodGets405WithAllow() async throws {
        try await withLiveServer { live in
            let response = try await live.client().request("DELETE", "/api/v1/tokens")
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD, POST")
        }
    }

    @Test func metricsCountRequestsByRoutePattern() async throws {
        try await withLiveServer { live in
            let client = try live.client()
            _ = try await client.request("GET", "/healthz")
            _ = try await client.request("GET", "/api/v1/tokens/tok_0123/revoke")
            let metrics = try await client.request("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains(#"shipgate_http_requests_total{route="/healthz",method="GET",status="200"} 1"#))
            #expect(metrics.text.contains(#"shipgate_build_info{version=""#))
            #expect(metrics.text.contains("shipgate_http_open_connections 1"))
            #expect(metrics.text.contains("shipgate_http_request_duration_seconds_count"))
            // The raw path never becomes a label.
            #expect(!metrics.text.contains("tok_0123"))
        }
    }
}

@Suite struct TokenAuthTests {
    @Test func missingTokenIs401WithChallenge() async throws {
        try await withLiveServer { live in
            let response = try await live.client().request("GET", "/api/v1/tokens")
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        }
    }

    @Test func malformedAndUnknownTokensAre401() async throws {
        try await withLiveServer { live in
            let client = try live.client()
            for value in ["Bearer nope", "Basic YWRtaW46eA==", "Bearer sgt_" + String(repeating: "A", count: 43), "Bearer"] {
                let response = try await client.request("GET", "/api/v1/tokens", headers: [("Authorization", value)])
                #expect(response.status == 401, "\(value)")
            }
        }
    }

    @Test func insufficientScopeIs403() async throws {
        try await withLiveServer { live in
            let reader = try await live.token([.clearanceRead])
            let response = try await live.client().request("GET", "/api/v1/tokens", token: reader)
            #expect(response.status == 403)
            let error = try #require(try response.json()["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("admin") == true)
        }
    }

    @Test func userBoundTokenIsLimitedByTheUsersRole() async throws {
        try await withLiveServer { live in
            _ = try await live.server.accounts.createUser(name: "vera", role: .viewer, password: "viewer password 123", actor: "test")
            let token = try await live.token([.admin], user: "vera")
            let response = try await live.client().request("GET", "/api/v1/users", token: token)
            #expect(response.status == 403)
        }
    }

    @Test func adminCreatesListsAndRevokesTokens() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            let created = try await client.request(
                "POST", "/api/v1/tokens", token: admin, json: #"{"name":"ci","scopes":["evidence:write","clearance:read"]}"#)
            #expect(created.status == 201)
            let body = try created.json()
            let secret = try #require(body["token"] as? String)
            let id = try #require(body["id"] as? String)
            #expect(secret.hasPrefix("sgt_") && secret.count == 47)

            let list = try await client.request("GET", "/api/v1/tokens", token: admin)
            #expect(list.status == 200)
            #expect(!list.text.contains(secret))
            #expect(list.text.contains(id))

            // The new token authenticates, but lacks admin.
            #expect(try await client.request("GET", "/api/v1/users", token: secret).status == 403)

            let revoked = try await client.request("POST", "/api/v1/tokens/\(id)/revoke", token: admin)
            #expect(revoked.status == 200)
            #expect(try revoked.json()["state"] as? String == "revoked")
            #expect(try await client.request("GET", "/api/v1/users", token: secret).status == 401)
            #expect(try await client.request("POST", "/api/v1/tokens/tok_unknown/revoke", token: admin).status == 404)
        }
    }

    @Test func expiredTokenIs401() async throws {
        let clock = ManualClock(Date())
        try await withLiveServer({ $0.clock = { clock.now } }) { live in
            let token = try await live.token([.admin], expiresAt: clock.now.addingTimeInterval(60))
            let client = try live.client()
            #expect(try await client.request("GET", "/api/v1/users", token: token).status == 200)
            clock.advance(by: 59)
            #expect(try await client.request("GET", "/api/v1/users", token: token).status == 200)
            clock.advance(by: 1)
            #expect(try await client.request("GET", "/api/v1/users", token: token).status == 401)
            let list = try await client.request("GET", "/api/v1/tokens", token: try await live.token([.admin]))
            #expect(list.text.contains(#""state":"expired""#))
        }
    }

    @Test func tokenCreationRejectsBadInputAndChangesNothing() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            let cases: [(String, Int)] = [
                (#"{"name":"x","scopes":["root"]}"#, 422),
                (#"{"name":"x","scopes":[]}"#, 422),
                (#"{"name":"bad name!","scopes":["admin"]}"#, 422),
                (#"{"name":"x","scopes":["admin"],"user":"nobody"}"#, 422),
                (#"{"name":"x","scopes":["admin"],"expiresAt":"yesterday"}"#, 422),
                (#"{"name":"x","scopes":["admin"],"expiresAt":"2001-01-01T00:00:00Z"}"#, 422),
                (#"{"name":"x","scopes":"admin"}"#, 422),
                (#"{"name":"x""#, 400),
            ]
            for (json, status) in cases {
                let response = try await client.request("POST", "/api/v1/tokens", token: admin, json: json)
                #expect(response.status == status, "\(json)")
                #expect(try response.json()["error"] != nil)
            }
            let wrongType = try await client.request(
                "POST", "/api/v1/tokens", token: admin, headers: [("Content-Type", "text/plain"), ("Content-Length", "2")], bodyText: "{}")
            #expect(wrongType.status == 415)
            let list = try await client.request("GET", "/api/v1/tokens", token: admin).json()
            #expect((list["tokens"] as? [Any])?.count == 1)
        }
    }
}

@Suite struct UserAPITests {
    @Test func adminCreatesUsersAndDuplicatesConflict() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            let created = try await client.request(
                "POST", "/api/v1/users", token: admin, json: #"{"name":"alice","role":"approver","password":"a long passphrase"}"#)
            #expect(created.status == 201)
            #expect(try created.json()["role"] as? String == "approver")
            #expect(!created.text.contains("passphrase"))
            let again = try await client.request(
                "POST", "/api/v1/users", token: admin, json: #"{"name":"alice","role":"viewer","password":"another passphrase"}"#)
            #expect(again.status == 409)
            #expect(try await client.request("POST", "/api/v1/users", token: admin, json: #"{"name":"bob","role":"root","password":"a long passphrase"}"#).status == 422)
            #expect(try await client.request("POST", "/api/v1/users", token: admin, json: #"{"name":"bob","role":"viewer","password":"short"}"#).status == 422)
            let users = try await client.request("GET", "/api/v1/users", token: admin)
            #expect(users.text.contains("alice") && users.text.contains("admin"))
            #expect(!users.text.contains("scrypt"))
            let user = try #require(try await live.server.accounts.checkPassword(name: "alice", password: "a long passphrase"))
            #expect(user.role == .approver)
        }
    }

    @Test func adminSetsAPasswordAndTheOldOneStopsWorking() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let response = try await live.client().request(
                "POST", "/api/v1/users/admin/password", token: admin, json: #"{"password":"a brand new passphrase"}"#)
            #expect(response.status == 200)
            #expect(try await live.server.accounts.checkPassword(name: "admin", password: live.adminPassword) == nil)
            #expect(try await live.server.accounts.checkPassword(name: "admin", password: "a brand new passphrase") != nil)
            #expect(try await live.client().request("POST", "/api/v1/users/nobody/password", token: admin, json: #"{"password":"a brand new passphrase"}"#).status == 404)
        }
    }
}

@Suite struct RouteLimitTests {
    @Test func perRouteBodyLimitIsAnsweredFromTheDeclaredLength() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            // 17 KiB declared on a 16 KiB route: 413 without sending the body, and the connection closes.
            try client.send("POST /api/v1/users HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer \(admin)\r\nContent-Type: application/json\r\nContent-Length: 17408\r\n\r\n")
            let response = try await TestThread.run { try client.readResponse() }
            #expect(response.status == 413)
            #expect(try await TestThread.run { client.waitForClose() })
            let users = try await live.client().request("GET", "/api/v1/users", token: admin)
            #expect(!users.text.contains("carol"))
        }
    }

    @Test func headAnswersLikeGetWithoutABody() async throws {
        try await withLiveServer { live in
            let response = try await live.client().request("HEAD", "/healthz")
            #expect(response.status == 200)
            #expect(response.header("Content-Length") == "15")
            #expect(response.body.isEmpty)
        }
    }
}

@Suite struct ListenAddressTests {
    @Test(arguments: [("127.0.0.1:8080", "127.0.0.1", 8080), ("[::1]:0", "::1", 0), ("0.0.0.0:443", "0.0.0.0", 443), ("[::]:65535", "::", 65535)])
    func parses(text: String, host: String, port: Int) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address == ListenAddress(host: host, port: port))
    }

    @Test(arguments: ["8080", ":8080", "localhost", "[::1]", "::1:8080", "host:70000", "host:-1", "[::1]8080", "host:http"])
    func refuses(text: String) {
        #expect(throws: APIError.self) { try ListenAddress(parsing: text) }
    }
}
