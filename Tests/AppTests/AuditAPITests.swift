import Domain
import Foundation
import Testing
import TestSupport

/// `GET /api/v1/audit` on a live server: admin only, paged by id, details as JSON objects.
@Suite struct AuditAPITests {
    @Test func needsAnAdminToken() async throws {
        try await withLiveServer { live in
            let client = try live.client()
            #expect(try await client.request("GET", "/api/v1/audit").status == 401)
            let reader = try await live.token([.clearanceRead])
            let refused = try await client.request("GET", "/api/v1/audit", token: reader)
            #expect(refused.status == 403)
            #expect(try (refused.json()["error"] as? [String: Any])?["code"] as? String == "forbidden")
        }
    }

    @Test func pagesThroughTheWholeChainInOrder() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin], name: "auditor")
            let client = try live.client()
            for index in 0..<3 {
                let created = try await client.request(
                    "POST", "/api/v1/tokens", token: admin, json: #"{"name":"ci-\#(index)","scopes":["evidence:write"]}"#)
                #expect(created.status == 201)
            }
            let actions = try await live.auditActions()
            #expect(actions.count >= 5)

            var entries: [[String: Any]] = []
            var after = 0
            var pages = 0
            while true {
                let response = try await client.request("GET", "/api/v1/audit?after=\(after)&limit=2", token: admin)
                #expect(response.status == 200)
                let page = try response.json()
                let items = try #require(page["entries"] as? [[String: Any]])
                #expect(items.count <= 2)
                entries += items
                pages += 1
                guard let next = page["next"] as? Int else {
                    #expect(page["next"] is NSNull)  // present and null on the last page
                    break
                }
                #expect(next == items.last?["id"] as? Int)
                after = next
                guard pages < 100 else { break }
            }
            #expect(entries.count == actions.count)
            #expect(entries.compactMap { $0["action"] as? String } == actions)
            #expect(entries.compactMap { $0["id"] as? Int } == Array(1...actions.count))
            #expect(entries.first?["prevHash"] as? String == String(repeating: "0", count: 64))
            for (previous, entry) in zip(entries, entries.dropFirst()) {
                #expect(entry["prevHash"] as? String == previous["hash"] as? String)
            }
            for entry in entries {
                for field in ["at", "actor", "action", "subject", "hash", "prevHash"] { #expect(entry[field] is String, "\(field)") }
                #expect(entry["details"] is [String: Any])
            }
            let created = try #require(entries.last { ($0["action"] as? String)?.hasPrefix("token.") == true })
            #expect(created["actor"] as? String == "token:auditor")
            let details = try #require(created["details"] as? [String: Any])
            #expect(!details.isEmpty)
        }
    }

    @Test func defaultsToTheFirstHundredAndEndsWithNullNext() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            let all = try await client.request("GET", "/api/v1/audit", token: admin).json()
            let count = try await live.auditActions().count
            #expect((all["entries"] as? [Any])?.count == min(count, 100))
            #expect(all["next"] is NSNull)
            let beyond = try await client.request("GET", "/api/v1/audit?after=\(count)", token: admin).json()
            #expect((beyond["entries"] as? [Any])?.isEmpty == true)
            #expect(beyond["next"] is NSNull)
            let one = try await client.request("GET", "/api/v1/audit?limit=1", token: admin).json()
            #expect((one["entries"] as? [[String: Any]])?.first?["id"] as? Int == 1)
            #expect(one["next"] as? Int == 1)
        }
    }

    @Test func refusesBadParametersWith400() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            for query in ["limit=0", "limit=1001", "limit=abc", "limit=-1", "limit=", "limit=1.5", "after=-1", "after=x", "after=99999999999999999999", "after=%2B1"] {
                let response = try await client.request("GET", "/api/v1/audit?\(query)", token: admin)
                #expect(response.status == 400, "\(query)")
                #expect(try (response.json()["error"] as? [String: Any])?["code"] as? String == "bad_request", "\(query)")
            }
            #expect(try await client.request("GET", "/api/v1/audit?limit=1000&after=0", token: admin).status == 200)
        }
    }

    @Test func neverShowsATokenSecret() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            let created = try await client.request("POST", "/api/v1/tokens", token: admin, json: #"{"name":"ci","scopes":["admin"]}"#).json()
            let secret = try #require(created["token"] as? String)
            let page = try await client.request("GET", "/api/v1/audit?limit=1000", token: admin)
            #expect(page.status == 200)
            #expect(!page.text.contains(secret) && !page.text.contains(admin))
        }
    }
}
