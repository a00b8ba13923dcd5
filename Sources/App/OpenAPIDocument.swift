import Evidence
import HTTPCore

/// The OpenAPI 3.1 description of the API, generated from the route table so it cannot drift from it.
enum OpenAPIDocument {
    /// The document is built as a JSON value.
    typealias Value = JSONValue

    static func make(routes: [AppRoute], version: String) -> Value {
        var paths: [String: [String: Value]] = [:]
        for route in routes where route.documented {
            paths[route.pattern, default: [:]][route.method.rawValue.lowercased()] = operation(route)
        }
        return .object([
            "openapi": .string("3.1.0"),
            "info": .object([
                "title": .string("Shipgate"),
                "version": .string(version),
                "description": .string("Decides which container image digests are cleared for which environment."),
            ]),
            "paths": .object(paths.mapValues { .object($0) }),
            "components": .object([
                "securitySchemes": .object(["bearer": .object(["type": .string("http"), "scheme": .string("bearer")])]),
                "schemas": .object(schemas),
            ]),
        ])
    }

    private static func operation(_ route: AppRoute) -> Value {
        var responses: [String: Value] = [
            String(route.successStatus): .object(
                ["description": .string("Success")].merging(
                    route.responseSchema.map { ["content": jsonContent($0)] } ?? [:], uniquingKeysWith: { $1 }))
        ]
        var operation: [String: Value] = [
            "summary": .string(route.summary),
            "operationId": .string(operationID(route)),
        ]
        let parameters = route.pattern.split(separator: "/").filter { $0.hasPrefix("{") }.map { segment -> Value in
            let name = segment.dropFirst().dropLast().replacing("...", with: "")
            return .object([
                "name": .string(String(name)), "in": .string("path"), "required": .bool(true), "schema": .object(["type": .string("string")]),
            ])
        }
        let queryParameters = route.query.map { parameter -> Value in
            let schema: Value =
                switch parameter.type {
                case "integer": .object(["type": .string("integer")])
                case "date-time": .object(["type": .string("string"), "format": .string("date-time")])
                default: .object(["type": .string("string")])
                }
            return .object([
                "name": .string(parameter.name), "in": .string("query"), "required": .bool(parameter.required),
                "description": .string(parameter.description), "schema": schema,
            ])
        }
        if !(parameters + queryParameters).isEmpty { operation["parameters"] = .array(parameters + queryParameters) }
        if let schema = route.requestSchema {
            operation["requestBody"] = .object(["required": .bool(true), "content": jsonContent(schema)])
            responses["400"] = errorResponse("Malformed JSON")
            responses["413"] = errorResponse("Body too large")
            responses["415"] = errorResponse("Not application/json")
            responses["422"] = errorResponse("Well-formed but invalid")
        }
        if route.pattern.hasPrefix("/api/") || route.pattern.hasPrefix("/k8s/") {
            responses["400"] = responses["400"] ?? errorResponse("Malformed request (parameter, reference or body)")
            if route.method == .POST || route.method == .PUT {
                responses["503"] = errorResponse("The database is busy or unavailable; nothing was changed")
                responses["507"] = errorResponse("The disk is full; nothing was changed")
            }
        }
        for (status, (description, schema)) in route.otherResponses {
            responses[String(status)] = schema.map { .object(["description": .string(description), "content": jsonContent($0)]) } ?? errorResponse(description)
        }
        if case .scope(let scope) = route.access {
            operation["security"] = .array([.object(["bearer": .array([])])])
            operation["x-required-scope"] = .string(scope.rawValue)
            responses["401"] = errorResponse("Missing, invalid, expired or revoked token")
            responses["403"] = errorResponse("The token lacks the '\(scope.rawValue)' scope")
        }
        operation["responses"] = .object(responses)
        return .object(operation)
    }

    private static func operationID(_ route: AppRoute) -> String {
        let words = route.pattern.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }
        return route.method.rawValue.lowercased() + words.joined()
    }

    private static func jsonContent(_ schema: String) -> Value {
        .object(["application/json": .object(["schema": .object(["$ref": .string("#/components/schemas/" + schema)])])])
    }

    private static func errorResponse(_ description: String) -> Value {
        .object(["description": .string(description), "content": jsonContent("Error")])
    }

    private static func object(_ properties: [String: Value], required: [String]) -> Value {
        .object(["type": .string("object"), "properties": .object(properties), "required": .array(required.map { .string($0) })])
    }

    private static let string: Value = .object(["type": .string("string")])
    private static let optionalString: Value = .object(["type": .array([.string("string"), .string("null")])])
    private static let scopes: Value = .object([
        "type": .string("array"),
        "items": .object(["enum": .array(["evidence:write", "clearance:read", "deployments:write", "approvals:write", "admin"].map { .string($0) })]),
    ])
    private static let role: Value = .object(["enum": .array(["admin", "approver", "viewer"].map { .string($0) })])

    private static let schemas: [String: Value] = [
        "Error": object(
            ["error": object(["code": string, "message": string], required: ["code", "message"])], required: ["error"]),
        "Status": object(["status": string, "migrations": .object(["type": .string("integer")])], required: ["status"]),
        "NewUser": object(["name": string, "role": role, "password": .object(["type": .string("string"), "minLength": .integer(12)])], required: ["name", "role", "password"]),
        "NewPassword": object(["password": .object(["type": .string("string"), "minLength": .integer(12)])], required: ["password"]),
        "User": object(["name": string, "role": role, "createdAt": string], required: ["name"]),
        "UserList": object(["users": .object(["type": .string("array"), "items": .object(["$ref": .string("#/components/schemas/User")])])], required: ["users"]),
        "NewToken": object(
            ["name": string, "scopes": scopes, "user": optionalString, "expiresAt": .object(["type": .array([.string("string"), .string("null")]), "format": .string("date-time")])],
            required: ["name", "scopes"]),
        "CreatedToken": object(
            ["id": string, "token": string, "name": string, "scopes": scopes, "user": optionalString, "expiresAt": optionalString],
            required: ["id", "token", "name", "scopes"]),
        "Token": object(
            [
                "id": string, "name": string, "scopes": scopes, "user": optionalString, "createdBy": string, "createdAt": string,
                "expiresAt": optionalString, "revokedAt": optionalString,
                "state": .object(["enum": .array(["active", "expired", "revoked"].map { .string($0) })]),
            ], required: ["id", "name", "scopes", "state"]),
        "TokenList": object(["tokens": .object(["type": .string("array"), "items": .object(["$ref": .string("#/components/schemas/Token")])])], required: ["tokens"]),
        "RevokedToken": object(["id": string, "state": string], required: ["id", "state"]),
        "NewKey": object(
            ["name": string, "publicKey": string, "predicateTypes": strings, "builderIds": strings, "subjectPatterns": strings],
            required: ["name", "publicKey"]),
        "Key": object(
            [
                "id": string, "name": string, "algorithm": string, "bits": integer,
                "state": .object(["enum": .array([.string("active"), .string("revoked")])]), "predicateTypes": strings, "builderIds": strings,
                "subjectPatterns": strings, "createdBy": string, "createdAt": string, "revokedAt": optionalString,
            ], required: ["id", "name", "algorithm", "state"]),
        "KeyList": object(["keys": arrayOf("Key")], required: ["keys"]),
        "RevokedKey": object(["id": string, "state": string], required: ["id", "state"]),
        "Envelope": .object([
            "description": .string("A DSSE envelope {payloadType, payload, signatures[{keyid, sig}]}, a Sigstore bundle, or JSON Lines of them"),
            "type": .string("object"),
        ]),
        "AttestationList": object(
            [
                "attestations": .object([
                    "type": .string("array"),
                    "items": object(
                        [
                            "id": string, "predicateType": string, "verifiedKeyIds": strings, "created": boolean,
                            "subjects": .object(["type": .string("array"), "items": object(["name": string, "digest": string], required: ["digest"])]),
                        ], required: ["id", "predicateType", "subjects", "verifiedKeyIds"]),
                ])
            ], required: ["attestations"]),
        "ScanReport": .object(["description": .string("Trivy JSON, Grype JSON or SARIF 2.1.0"), "type": .string("object")]),
        "Scan": object(
            [
                "id": string, "digest": string, "scanner": string, "format": string, "counts": counts, "secrets": integer, "findings": integer,
                "created": boolean,
            ], required: ["id", "digest", "scanner", "counts", "secrets"]),
        "SBOMDocument": .object(["description": .string("CycloneDX 1.4–1.6 JSON or SPDX 2.2/2.3 JSON"), "type": .string("object")]),
        "SBOM": object(
            ["id": string, "digest": string, "format": string, "specVersion": string, "components": integer, "created": boolean],
            required: ["id", "digest", "format", "components"]),
        "ImageConfig": .object(["description": .string("An OCI image config blob"), "type": .string("object")]),
        "ConfigFacts": object(
            [
                "digest": string, "user": string, "runsAsRoot": boolean, "nonNumericUser": boolean, "exposedPorts": strings, "envNames": strings,
                "secretEnv": strings, "hasHealthcheck": boolean,
            ], required: ["digest", "user", "runsAsRoot", "exposedPorts", "secretEnv"]),
        "ImageList": object(
            [
                "images": .object([
                    "type": .string("array"),
                    "items": object(["digest": string, "names": strings, "firstSeenAt": string, "lastEvidenceAt": string], required: ["digest"]),
                ]),
                "next": optionalString,
            ], required: ["images"]),
        "ImageDetail": object(
            [
                "digest": string, "names": strings, "aliases": strings, "firstSeenAt": string, "lastEvidenceAt": string,
                "attestations": anyArray, "scans": anyArray, "sboms": anyArray, "configs": anyArray,
            ], required: ["digest", "attestations", "scans", "sboms", "configs"]),
        "Clearance": object(
            [
                "digest": string, "environment": string, "cleared": boolean, "mode": string, "policyVersion": integer, "decidedAt": string,
                "validUntil": optionalString, "breakGlass": boolean, "receipt": optionalString,
                "reasons": .object([
                    "type": .string("array"), "items": object(["rule": string, "passed": boolean, "message": string], required: ["rule", "passed", "message"]),
                ]),
            ], required: ["digest", "environment", "cleared", "mode", "policyVersion", "decidedAt", "reasons"]),
        "ClearanceOrError": .object([
            "anyOf": .array([.object(["$ref": .string("#/components/schemas/Clearance")]), .object(["$ref": .string("#/components/schemas/Error")])])
        ]),
        "ClearanceBatch": object(["environment": string, "digests": strings], required: ["environment", "digests"]),
        "ClearanceResults": object(["results": arrayOf("Clearance")], required: ["results"]),
        "JWKS": object(["keys": anyArray], required: ["keys"]),
        "Policy": .object(["description": .string("A policy document: attestations, vulnerabilities, imageConfig, sbom, approvals, promotion, validForHours, mode"), "type": .string("object")]),
        "PolicyVersion": object(["environment": string, "version": integer], required: ["environment", "version"]),
        "PolicyDocument": object(
            ["environment": string, "version": integer, "policy": .object(["$ref": .string("#/components/schemas/Policy")]), "createdBy": string, "createdAt": string],
            required: ["environment", "version", "policy"]),
        "NewApproval": object(
            ["environment": string, "decision": .object(["enum": .array([.string("approve"), .string("reject")])]), "comment": string],
            required: ["environment", "decision"]),
        "ApprovalRecord": object(["id": string, "digest": string, "environment": string, "decision": string, "user": string, "at": string], required: ["id"]),
        "NewWaiver": object(
            ["environment": optionalString, "vulnerability": string, "justification": string, "expiresAt": string, "repositoryPattern": optionalString],
            required: ["vulnerability", "justification", "expiresAt"]),
        "WaiverRecord": object(
            ["id": string, "vulnerability": string, "digest": optionalString, "repositoryPattern": optionalString, "environment": optionalString, "expiresAt": string, "createdBy": string],
            required: ["id", "vulnerability", "expiresAt"]),
        "NewBreakGlass": object(["environment": string, "justification": string, "hours": .object(["type": .string("number")])], required: ["environment", "justification"]),
        "NewDeployment": object(["digest": string, "environment": string, "target": string], required: ["digest", "environment", "target"]),
        "Deployment": object(
            [
                "id": string, "digest": string, "environment": string, "target": string, "reportedBy": string, "reportedAt": string, "cleared": boolean,
                "drift": boolean,
            ], required: ["digest", "environment", "target", "cleared", "drift"]),
        "DeploymentList": object(["deployments": arrayOf("Deployment")], required: ["deployments"]),
        "AdmissionReview": .object(["description": .string("Kubernetes admission.k8s.io/v1 AdmissionReview"), "type": .string("object")]),
        "ImageReview": .object(["description": .string("Kubernetes imagepolicy.k8s.io/v1alpha1 ImageReview"), "type": .string("object")]),
        "OpenVEX": .object(["description": .string("An OpenVEX document (https://openvex.dev/ns)"), "type": .string("object")]),
        "WaiverList": object(["waivers": arrayOf("WaiverRecord")], required: ["waivers"]),
        "BreakGlassConfirmation": object(["environment": string], required: ["environment"]),
        "BreakGlassRecord": object(["id": string, "digest": string, "environment": string, "createdBy": string, "expiresAt": string], required: ["id", "expiresAt"]),
    ]

    private static let integer: Value = .object(["type": .string("integer")])
    private static let boolean: Value = .object(["type": .string("boolean")])
    private static let strings: Value = .object(["type": .string("array"), "items": .object(["type": .string("string")])])
    private static let anyArray: Value = .object(["type": .string("array"), "items": .object(["type": .string("object")])])
    private static let counts: Value = object(
        ["CRITICAL": integer, "HIGH": integer, "MEDIUM": integer, "LOW": integer, "UNKNOWN": integer],
        required: ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"])

    private static func arrayOf(_ schema: String) -> Value {
        .object(["type": .string("array"), "items": .object(["$ref": .string("#/components/schemas/" + schema)])])
    }
}

/// `GET /api/v1/openapi.json`.
enum OpenAPIRoutes {
    static func route(documenting routes: [AppRoute], version: String) -> AppRoute {
        let own = AppRoute(method: .GET, pattern: "/api/v1/openapi.json", access: .anyone, summary: "This OpenAPI document") { _ in
            preconditionFailure("replaced below")
        }
        let document = JSONBody.response(.ok, OpenAPIDocument.make(routes: routes + [own], version: version))
        return AppRoute(method: .GET, pattern: own.pattern, access: .anyone, summary: own.summary) { _ in document }
    }
}
