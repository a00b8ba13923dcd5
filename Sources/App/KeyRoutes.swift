import Domain
import HTTPCore

/// `/api/v1/keys` (admin): trusted public keys for attestation signatures.
enum KeyRoutes {
    struct NewKey: Decodable {
        let name: String
        let publicKey: String
        let predicateTypes: [String]?
        let builderIds: [String]?
        let subjectPatterns: [String]?
    }

    struct KeyView: Encodable {
        let id: String
        let name: String
        let algorithm: String
        let bits: Int
        let state: String
        let predicateTypes: [String]
        let builderIds: [String]
        let subjectPatterns: [String]
        let createdBy: String
        let createdAt: String
        let revokedAt: String?

        init(_ key: TrustedKey) {
            id = key.id
            name = key.name
            algorithm = key.algorithm.rawValue
            bits = key.bits
            state = key.isActive ? "active" : "revoked"
            predicateTypes = key.predicateTypes
            builderIds = key.builderIDs
            subjectPatterns = key.subjectPatterns
            createdBy = key.createdBy
            createdAt = Timestamp.format(key.createdAt)
            revokedAt = key.revokedAt.map(Timestamp.format)
        }
    }

    static func routes(_ services: Services) -> [AppRoute] {
        let evidence = services.evidence
        return [
            AppRoute(
                method: .POST, pattern: "/api/v1/keys", access: .scope(.admin), summary: "Register a trusted public key (PEM SubjectPublicKeyInfo)",
                requestSchema: "NewKey", responseSchema: "Key", successStatus: 201, otherResponses: [409: ("The key or the name is registered already", nil)], maxBodyBytes: 64 * 1024
            ) { request in
                let body = try JSONBody.decode(NewKey.self, from: request.http)
                let key = try await evidence.addKey(
                    name: body.name, pem: body.publicKey, predicateTypes: body.predicateTypes ?? [], builderIDs: body.builderIds ?? [],
                    subjectPatterns: body.subjectPatterns ?? [], actor: request.actor.name)
                return JSONBody.response(.created, KeyView(key))
            },
            AppRoute(method: .GET, pattern: "/api/v1/keys", access: .scope(.admin), summary: "List trusted keys", responseSchema: "KeyList") { _ in
                struct List: Encodable { let keys: [KeyView] }
                return JSONBody.response(.ok, List(keys: try await evidence.keys().map(KeyView.init)))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/keys/{id}/revoke", access: .scope(.admin), summary: "Revoke a trusted key",
                responseSchema: "RevokedKey"
            , otherResponses: [404: ("No such key", nil)]) { request in
                let id = request.parameter("id")
                try await evidence.revokeKey(id: id, actor: request.actor.name)
                struct Revoked: Encodable { let id: String; let state: String }
                return JSONBody.response(.ok, Revoked(id: id, state: "revoked"))
            },
        ]
    }
}
