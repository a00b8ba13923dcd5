import Domain
import HTTPCore
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/api/v1/deployments`: what runs where, and drift (deployed but not cleared).
enum DeploymentRoutes {
    struct NewDeployment: Decodable {
        let digest: String
        let environment: String
        let target: String
    }

    struct View: Encodable {
        let id: String
        let digest: String
        let environment: String
        let target: String
        let reportedBy: String
        let reportedAt: String
        let cleared: Bool
        let drift: Bool
    }

    static func routes(_ services: Services) -> [AppRoute] {
        let database = services.database
        let decisions = services.decisions
        return [
            AppRoute(
                method: .POST, pattern: "/api/v1/deployments", access: .scope(.deploymentsWrite),
                summary: "Report that a digest runs at a target (cluster/namespace/workload) of an environment", requestSchema: "NewDeployment",
                responseSchema: "Deployment", successStatus: 201, otherResponses: [404: ("Unknown environment", nil)], maxBodyBytes: 16 * 1024
            ) { request in
                let body = try JSONBody.decode(NewDeployment.self, from: request.http)
                let digest = try ClearanceRoutes.reference(body.digest)
                guard !body.target.trimmingWhitespace.isEmpty, body.target.utf8.count <= 512 else {
                    throw APIError.invalid("target must be 1 to 512 bytes, e.g. prod-eu/payments/api")
                }
                let now = services.clock()
                let deployment = DeploymentStore.Deployment(
                    id: RandomID.make("dep"), digest: digest, environment: body.environment, target: body.target, reportedBy: request.actor.name,
                    reportedAt: now)
                // Decided first so that drift.detected is queued in the same transaction as the report.
                let cleared = try await decided(digest, environment: body.environment, decisions: decisions)
                try await database.write { db in
                    try DecisionActions.requireEnvironment(body.environment, in: db)
                    try DeploymentStore.insert(deployment, in: db)
                    try AuditLog.append(
                        actor: request.actor.name, action: "deployment.report", subject: "image:" + digest.rawValue,
                        details: ["environment": body.environment, "target": body.target], at: now, in: db)
                    if !cleared { try WebhookOutbox.driftDetected(deployment, in: db) }
                }
                return JSONBody.response(.created, view(deployment, cleared: cleared))
            },
            AppRoute(
                method: .GET, pattern: "/api/v1/deployments", access: .scope(.clearanceRead),
                summary: "The latest deployment per target (?env=), with its current decision and drift", responseSchema: "DeploymentList"
            , query: [QueryParameter(name: "env", required: false, description: "only this environment")]) { request in
                let environment = request.http.queryValue("env")
                let deployments = try await database.read { db in try DeploymentStore.latest(environment: environment, in: db) }
                var views: [View] = []
                for deployment in deployments {
                    views.append(view(deployment, cleared: try await decided(deployment.digest, environment: deployment.environment, decisions: decisions)))
                }
                struct List: Encodable { let deployments: [View] }
                return JSONBody.response(.ok, List(deployments: views))
            },
        ]
    }

    /// Whether the digest is cleared now; any failure to decide counts as not cleared (drift is reported, never hidden).
    private static func decided(_ digest: Digest, environment: String, decisions: DecisionService) async throws -> Bool {
        do {
            return try await decisions.decide(digest, environment: environment).cleared
        } catch let error as APIError where error.status == .notFound {
            return false
        }
    }

    private static func view(_ deployment: DeploymentStore.Deployment, cleared: Bool) -> View {
        View(
            id: deployment.id, digest: deployment.digest.rawValue, environment: deployment.environment, target: deployment.target,
            reportedBy: deployment.reportedBy, reportedAt: Timestamp.format(deployment.reportedAt), cleared: cleared, drift: !cleared)
    }
}
