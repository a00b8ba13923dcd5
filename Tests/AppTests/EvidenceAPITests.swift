import Crypto
import Domain
import Foundation
import Store
import Testing
import TestSupport

/// Fixture files of this target (see Fixtures/README.md for sources and licenses).
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }
    static func text(_ name: String) throws -> String { String(decoding: try bytes(name), as: UTF8.self) }
}

@Suite struct TrustedKeyAPITests {
    @Test func registersListsAndRevokesKeys() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            let pem = try Fixture.text("grype-cosign.pub")
            let created = try await client.request("POST", "/api/v1/keys", token: admin, json: try jsonBody(["name": "cosign", "publicKey": pem]))
            #expect(created.status == 201)
            let body = try created.json()
            #expect(body["algorithm"] as? String == "ecdsa-p256")
            #expect(body["state"] as? String == "active")
            // The id is the SHA-256 of the DER SubjectPublicKeyInfo, computed here from the PEM independently.
            let der = try #require(Data(base64Encoded: pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()))
            #expect(body["id"] as? String == SHA256.hexDigest(Array(der)))
            let id = try #require(body["id"] as? String)

            let again = try await client.request("POST", "/api/v1/keys", token: admin, json: try jsonBody(["name": "other", "publicKey": pem]))
            #expect(again.status == 409)
            let list = try await client.request("GET", "/api/v1/keys", token: admin)
            #expect(list.text.contains(id))
            #expect(try await client.request("POST", "/api/v1/keys/\(id)/revoke", token: admin).json()["state"] as? String == "revoked")
            #expect(try await client.request("GET", "/api/v1/keys", token: admin).text.contains(#""state":"revoked""#))
        }
    }

    @Test func refusesWeakAndMalformedKeysWithAReason() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let client = try live.client()
            let cases = [
                "not a key",
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                try PrivateKey.generate(.ed25519).pemEncoded,
            ]
            for pem in cases {
                let response = try await client.request("POST", "/api/v1/keys", token: admin, json: try jsonBody(["name": "bad", "publicKey": pem]))
                #expect(response.status == 422, "\(response.text)")
                #expect(((try response.json()["error"] as? [String: Any])?["message"] as? String)?.isEmpty == false)
            }
            #expect((try await client.request("GET", "/api/v1/keys", token: admin).json()["keys"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func keysAreAdminOnly() async throws {
        try await withLiveServer { live in
            let writer = try await live.token([.evidenceWrite, .clearanceRead])
            let client = try live.client()
            #expect(try await client.request("GET", "/api/v1/keys", token: writer).status == 403)
            #expect(try await client.request("POST", "/api/v1/keys", token: writer, json: #"{"name":"x","publicKey":"y"}"#).status == 403)
            #expect(try await client.request("GET", "/api/v1/keys").status == 401)
        }
    }
}

@Suite struct AttestationAPITests {
    @Test func storesAVerifiedFixtureOnceAndIdempotently() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let ci = try await live.token([.evidenceWrite], name: "ci")
            let keyID = try await live.trustKey(try Fixture.text("grype-cosign.pub"), name: "cosign", admin: admin)
            let client = try live.client()
            let envelope = try Fixture.text("grype-alpine.syft.att.json")
            let first = try await client.request("POST", "/api/v1/attestations", token: ci, json: envelope)
            #expect(first.status == 201, "\(first.text)")
            let attestations = try #require(try first.json()["attestations"] as? [[String: Any]])
            #expect(attestations.count == 1)
            #expect(attestations[0]["verifiedKeyIds"] as? [String] == [keyID])
            #expect(attestations[0]["predicateType"] as? String == "https://syft.dev/bom")
            let subjects = try #require(attestations[0]["subjects"] as? [[String: Any]])
            #expect(subjects.first?["digest"] as? String == "sha256:6af1b11bbb17f4c311e269db6530e4da2738262af5fd9064ccdf109b765860fb")

            let second = try await client.request("POST", "/api/v1/attestations", token: ci, json: envelope)
            #expect(second.status == 200)
            #expect((try second.json()["attestations"] as? [[String: Any]])?.first?["id"] as? String == attestations[0]["id"] as? String)

            let image = try await client.request(
                "GET", "/api/v1/images/sha256:6af1b11bbb17f4c311e269db6530e4da2738262af5fd9064ccdf109b765860fb", token: admin)
            #expect(image.status == 200)
            let stored = try #require(try image.json()["attestations"] as? [[String: Any]])
            #expect(stored.count == 1)
            #expect(stored.first?["postedBy"] as? String == "token:ci")
        }
    }

    @Test func slsaProvenanceIsSummarised() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            _ = try await live.trustKey(try Fixture.text("attestation-verifier-key.derived.pem"), name: "ed", admin: admin)
            let response = try await live.client().request(
                "POST", "/api/v1/attestations", token: admin, json: try Fixture.text("attestation-verifier-build.fe1c6281.json"))
            #expect(response.status == 201, "\(response.text)")
            let image = try await live.client().request(
                "GET", "/api/v1/images/sha256:58eaf5a78d580f5dbd49d31a5b733094169b31bfdf49055b74bcac2877d8f58c", token: admin)
            let provenance = try #require((try image.json()["attestations"] as? [[String: Any]])?.first?["provenance"] as? [String: Any])
            #expect(provenance["builderID"] as? String == "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/builder_go_slsa3.yml@refs/tags/v1.7.0")
            #expect(provenance["slsaVersion"] as? String == "v1")
        }
    }

    @Test func refusalsAre422WithReasonsStoreNothingAndAreAudited() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            _ = try await live.trustKey(try Fixture.text("grype-another_cosign.pub"), name: "other", admin: admin)
            let client = try live.client()
            for name in ["grype-alpine.syft.att.json", "grype-alpine-tampered.cdx.att.json"] {
                let response = try await client.request("POST", "/api/v1/attestations", token: admin, json: try Fixture.text(name))
                #expect(response.status == 422, "\(name): \(response.text)")
                let message = try #require((try response.json()["error"] as? [String: Any])?["message"] as? String)
                #expect(message.contains("signature 1"))
            }
            #expect((try await client.request("GET", "/api/v1/images", token: admin).json()["images"] as? [Any])?.isEmpty == true)
            let refusals = try await live.auditActions()
            #expect(refusals.filter { $0 == "attestation.refuse" }.count == 2)
        }
    }

    @Test func tamperingAndRevocationAreRefused() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let signer = try PrivateKey.generate(.ecdsaP256)
            let stranger = try PrivateKey.generate(.ecdsaP256)
            let keyID = try await live.trustKey(signer.publicKey.pemEncoded, name: "ci-signer", admin: admin)
            let client = try live.client()
            let digest = String(repeating: "ab", count: 32)
            func post(_ body: String) async throws -> Int { try await client.request("POST", "/api/v1/attestations", token: admin, json: body).status }

            let good = try signedEnvelope(digest: digest, key: signer)
            var object = try #require(try JSONSerialization.jsonObject(with: Data(good.utf8)) as? [String: Any])
            var payload = try #require(Data(base64Encoded: object["payload"] as! String))
            payload[payload.count - 2] ^= 0x01
            object["payload"] = payload.base64EncodedString()
            #expect(try await post(try jsonBody(object)) == 422)  // payload edit

            object = try #require(try JSONSerialization.jsonObject(with: Data(good.utf8)) as? [String: Any])
            var signatures = object["signatures"] as! [[String: Any]]
            var sig = try #require(Data(base64Encoded: signatures[0]["sig"] as! String))
            sig[sig.count / 2] ^= 0x80
            signatures[0]["sig"] = sig.base64EncodedString()
            signatures[0]["keyid"] = keyID  // a hint naming the trusted key changes nothing
            object["signatures"] = signatures
            #expect(try await post(try jsonBody(object)) == 422)  // signature bit flip

            #expect(try await post(try signedEnvelope(digest: digest, key: stranger)) == 422)  // wrong key
            #expect(try await post(try signedEnvelope(digest: digest, key: signer, payloadType: "application/json")) == 422)
            #expect(try await post(try signedEnvelope(digest: "abc", key: signer)) == 422)  // no sha256 subject

            #expect(try await post(good) == 201)
            #expect(try await client.request("POST", "/api/v1/keys/\(keyID)/revoke", token: admin).status == 200)
            #expect(try await post(try signedEnvelope(digest: String(repeating: "cd", count: 32), key: signer)) == 422)
        }
    }

    /// Keys changed by whoever changed them (here straight in the database, as another process would) count at the next
    /// post: a revoked key no longer verifies, a newly trusted one does.
    @Test func keysChangedBehindTheServersBackCountAtOnce() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let first = try PrivateKey.generate(.ecdsaP256)
            let second = try PrivateKey.generate(.ecdsaP256)
            let firstID = try await live.trustKey(first.publicKey.pemEncoded, name: "first", admin: admin)
            let client = try live.client()
            func post(_ digest: String, _ key: PrivateKey) async throws -> TestResponse {
                try await client.request("POST", "/api/v1/attestations", token: admin, json: try signedEnvelope(digest: digest, key: key))
            }
            #expect(try await post(String(repeating: "a1", count: 32), first).status == 201)

            try await live.server.database.write { db in _ = try KeyStore.revoke(id: firstID, at: Date(), in: db) }
            let refused = try await post(String(repeating: "a2", count: 32), first)
            #expect(refused.status == 422, "\(refused.text)")

            try await live.server.database.write { db in
                try KeyStore.insert(
                    TrustedKey(
                        id: second.publicKey.id, name: "second", algorithm: .ecdsaP256, bits: 256, publicKeyPEM: second.publicKey.pemEncoded,
                        predicateTypes: [], builderIDs: [], subjectPatterns: [], createdBy: "another process", createdAt: Date(), revokedAt: nil),
                    in: db)
            }
            let stored = try await post(String(repeating: "a3", count: 32), second)
            #expect(stored.status == 201, "\(stored.text)")
            let attestation = try #require((try stored.json()["attestations"] as? [[String: Any]])?.first)
            #expect(attestation["verifiedKeyIds"] as? [String] == [second.publicKey.id])
        }
    }

    @Test func keyRestrictionsAreEnforced() async throws {
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let signer = try PrivateKey.generate(.ed25519)
            _ = try await live.trustKey(
                signer.publicKey.pemEncoded, name: "restricted", admin: admin,
                restrictions: ["predicateTypes": ["https://example.com/allowed/v1"], "subjectPatterns": ["registry.example.com/team/*"]])
            let client = try live.client()
            let digest = String(repeating: "ef", count: 32)
            func post(_ body: String) async throws -> Int { try await client.request("POST", "/api/v1/attestations", token: admin, json: body).status }
            #expect(try await post(try signedEnvelope(digest: digest, predicateType: "https://example.com/other/v1", key: signer)) == 422)
            #expect(try await post(try signedEnvelope(digest: digest, predicateType: "https://example.com/allowed/v1", key: signer, name: "evil.example.com/x")) == 422)
            #expect(try await post(try signedEnvelope(digest: digest, predicateType: "https://example.com/allowed/v1", key: signer)) == 201)
        }
    }

    @Test func evidenceWriteScopeIsRequired() async throws {
        try await withLiveServer { live in
            let reader = try await live.token([.clearanceRead])
            let client = try live.client()
            #expect(try await client.request("POST", "/api/v1/attestations", token: reader, json: "{}").status == 403)
            #expect(try await client.request("POST", "/api/v1/attestations", json: "{}").status == 401)
            #expect(try await client.request("POST", "/api/v1/scans", token: reader, json: "{}").status == 403)
            #expect(try await client.request("POST", "/api/v1/sboms", token: reader, json: "{}").status == 403)
        }
    }
}
