import Crypto
import Domain
import Foundation

// Evidence documents built in tests with real keys and real encoders.

/// JSON request bodies built with a real encoder, so PEM newlines and quotes are escaped correctly.
public func jsonBody(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

extension LiveServer {
    /// Registers a trusted key through the API and returns its id.
    public func trustKey(_ pem: String, name: String, admin: String, restrictions: [String: [String]] = [:]) async throws -> String {
        var body: [String: Any] = ["name": name, "publicKey": pem]
        for (field, values) in restrictions { body[field] = values }
        let response = try await client().request("POST", "/api/v1/keys", token: admin, json: try jsonBody(body))
        guard response.status == 201, let id = try response.json()["id"] as? String else {
            throw TestClientError(description: "key registration failed: \(response.status) \(response.text)")
        }
        return id
    }
}

/// An in-toto Statement about `digest`, signed into a DSSE envelope with `key`.
public func signedEnvelope(
    digest: String, predicateType: String = "https://example.com/test/v1", predicate: [String: Any] = ["ok": true], key: PrivateKey,
    payloadType: String = "application/vnd.in-toto+json", name: String = "registry.example.com/team/app"
) throws -> String {
    let statement: [String: Any] = [
        "_type": "https://in-toto.io/Statement/v1", "subject": [["name": name, "digest": ["sha256": digest]]], "predicateType": predicateType,
        "predicate": predicate,
    ]
    let payload = Array(try JSONSerialization.data(withJSONObject: statement, options: [.sortedKeys]))
    let signature = try key.signature(for: DSSEPAE.encode(payloadType: payloadType, payload: payload))
    return try jsonBody([
        "payloadType": payloadType, "payload": Base64.encode(payload), "signatures": [["keyid": "", "sig": Base64.encode(signature)]],
    ])
}

/// PAE written out in the test from the DSSE spec, independent of the server's implementation.
public enum DSSEPAE {
    public static func encode(payloadType: String, payload: [UInt8]) -> [UInt8] {
        Array("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8) + payload
    }
}

/// A Trivy report with the given findings (id, severity, fixed version), built in the test.
public func trivyReport(
    _ findings: [(String, String, String)], createdAt: Date, artifactName: String = "registry.example.com/team/app"
) throws -> String {
    try jsonBody([
        "SchemaVersion": 2, "CreatedAt": Timestamp.format(createdAt), "ArtifactName": artifactName, "ArtifactType": "container_image",
        "Results": [[
            "Target": "app", "Class": "os-pkgs", "Type": "debian",
            "Vulnerabilities": findings.map { ["VulnerabilityID": $0.0, "PkgName": "libexample", "InstalledVersion": "1.0", "FixedVersion": $0.2, "Severity": $0.1] },
        ]],
    ])
}

