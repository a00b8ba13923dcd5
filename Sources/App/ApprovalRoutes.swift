import Domain
import Evidence
import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Approvals, waivers and break-glass over the API (user-bound tokens; the dashboard uses the same actions).
enum ApprovalRoutes {
    struct NewApproval: Decodable {
        let environment: String
        let decision: String
        let comment: String?
    }

    struct NewWaiver: Decodable {
        let environment: String?
        let vulnerability: String
        let justification: String
        let expiresAt: String
        let repositoryPattern: String?
    }

    struct NewBreakGlass: Decodable {
        let environment: String
        let justification: String
        let hours: Double?
    }

    struct WaiverView: Encodable {
        let id: String
        let vulnerability: String
        let digest: String?
        let repositoryPattern: String?
        let environment: String?
        let expiresAt: String
        let createdBy: String
    }

    static func routes(_ services: Services) -> [AppRoute] {
        let actions = services.actions
        return [
            AppRoute(
                method: .POST, pattern: "/api/v1/images/{digest}/approvals", access: .scope(.approvalsWrite),
                summary: "Approve or reject a digest for an environment (user token, approver role; not by whoever posted its evidence)",
                requestSchema: "NewApproval", responseSchema: "ApprovalRecord", successStatus: 201, otherResponses: [404: ("Unknown environment, or nothing known about the digest", nil)], maxBodyBytes: 16 * 1024
            ) { request in
                let digest = try ClearanceRoutes.reference(request.parameter("digest"))
                let body = try JSONBody.decode(NewApproval.self, from: request.http)
                guard let verdict = Approval.Verdict(rawValue: body.decision) else { throw APIError.invalid("decision must be approve or reject") }
                let approval = try await actions.record(
                    verdict: verdict, digest: digest, environment: body.environment, comment: body.comment ?? "", principal: request.actor)
                struct View: Encodable { let id, digest, environment, decision, user, at: String }
                return JSONBody.response(
                    .created,
                    View(
                        id: approval.id, digest: digest.rawValue, environment: approval.environment, decision: approval.verdict.rawValue,
                        user: approval.user, at: Timestamp.format(approval.at)))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/images/{digest}/waivers", access: .scope(.approvalsWrite),
                summary: "Waive one vulnerability id for a digest until expiresAt (at most 90 days)", requestSchema: "NewWaiver",
                responseSchema: "WaiverRecord", successStatus: 201, otherResponses: [404: ("Unknown environment", nil)], maxBodyBytes: 16 * 1024
            ) { request in
                let digest = try ClearanceRoutes.reference(request.parameter("digest"))
                let body = try JSONBody.decode(NewWaiver.self, from: request.http)
                guard body.repositoryPattern == nil else { throw APIError.invalid("repositoryPattern belongs on POST /api/v1/waivers") }
                return try await waive(body, digest: digest, actions: actions, principal: request.actor)
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/waivers", access: .scope(.approvalsWrite),
                summary: "Waive one vulnerability id for every image of a repository pattern until expiresAt", requestSchema: "NewWaiver",
                responseSchema: "WaiverRecord", successStatus: 201, otherResponses: [404: ("Unknown environment", nil)], maxBodyBytes: 16 * 1024
            ) { request in
                let body = try JSONBody.decode(NewWaiver.self, from: request.http)
                guard body.repositoryPattern != nil else { throw APIError.invalid("missing field 'repositoryPattern'") }
                return try await waive(body, digest: nil, actions: actions, principal: request.actor)
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/vex", access: .scope(.approvalsWrite),
                summary: "Turn an OpenVEX document's not_affected/fixed statements for pkg:oci digests into waivers (?expiresAt= required, ?env=)",
                requestSchema: "OpenVEX", responseSchema: "WaiverList", successStatus: 201, query: [QueryParameter(name: "expiresAt", required: true, description: "when the waivers end (at most 90 days ahead)", type: "date-time"), QueryParameter(name: "env", required: false, description: "only this environment")], maxBodyBytes: 4 * 1024 * 1024
            ) { request in
                guard let expiresText = request.http.queryValue("expiresAt"), let expiresAt = Timestamp.parse(expiresText) else {
                    throw APIError.badRequest("pass ?expiresAt=<RFC 3339 instant, at most 90 days ahead>")
                }
                let exemptions: [VEXExemption]
                do {
                    exemptions = try OpenVEX.exemptions(in: request.http.body)
                } catch let error as EvidenceError {
                    throw EvidenceService.apiError(error)
                }
                let waivers = try await actions.waive(
                    exemptions: exemptions, environment: request.http.queryValue("env"), expiresAt: expiresAt, principal: request.actor)
                struct List: Encodable { let waivers: [WaiverView] }
                return JSONBody.response(.created, List(waivers: waivers.map(view)))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/images/{digest}/break-glass", access: .scope(.admin),
                summary: "Force clearance for a few hours (admin user; flagged everywhere)", requestSchema: "NewBreakGlass",
                responseSchema: "BreakGlassRecord", successStatus: 201, otherResponses: [404: ("Unknown environment", nil)], maxBodyBytes: 16 * 1024
            ) { request in
                let digest = try ClearanceRoutes.reference(request.parameter("digest"))
                let body = try JSONBody.decode(NewBreakGlass.self, from: request.http)
                let record = try await actions.breakGlass(
                    digest: digest, environment: body.environment, justification: body.justification, hours: body.hours, principal: request.actor)
                struct View: Encodable { let id, digest, environment, createdBy, expiresAt: String }
                return JSONBody.response(
                    .created,
                    View(
                        id: record.id, digest: digest.rawValue, environment: record.environment, createdBy: record.createdBy,
                        expiresAt: Timestamp.format(record.expiresAt)))
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/images/{digest}/break-glass/confirm", access: .scope(.approvalsWrite),
                summary: "An approver confirms an active break-glass: still in force until it expires, no longer flagged",
                requestSchema: "BreakGlassConfirmation", responseSchema: "BreakGlassRecord", otherResponses: [404: ("No active break-glass", nil), 409: ("Confirmed already", nil)], maxBodyBytes: 16 * 1024
            ) { request in
                let digest = try ClearanceRoutes.reference(request.parameter("digest"))
                struct Body: Decodable { let environment: String }
                let body = try JSONBody.decode(Body.self, from: request.http)
                let record = try await actions.confirmBreakGlass(digest: digest, environment: body.environment, principal: request.actor)
                struct View: Encodable { let id, digest, environment, createdBy, expiresAt, confirmedBy: String }
                return JSONBody.response(
                    .ok,
                    View(
                        id: record.id, digest: digest.rawValue, environment: record.environment, createdBy: record.createdBy,
                        expiresAt: Timestamp.format(record.expiresAt), confirmedBy: record.confirmedBy ?? ""))
            },
        ]
    }

    private static func waive(_ body: NewWaiver, digest: Digest?, actions: DecisionActions, principal: Principal) async throws -> HTTPResponse {
        guard let expiresAt = Timestamp.parse(body.expiresAt) else { throw APIError.invalid("expiresAt must be an RFC 3339 instant") }
        let waiver = try await actions.waive(
            vulnerability: body.vulnerability, digest: digest, repositoryPattern: body.repositoryPattern, environment: body.environment,
            justification: body.justification, expiresAt: expiresAt, principal: principal)
        return JSONBody.response(.created, view(waiver))
    }

    private static func view(_ waiver: Waiver) -> WaiverView {
        WaiverView(
            id: waiver.id, vulnerability: waiver.vulnerability, digest: waiver.digest?.rawValue, repositoryPattern: waiver.repositoryPattern,
            environment: waiver.environment, expiresAt: Timestamp.format(waiver.expiresAt), createdBy: waiver.createdBy)
    }
}
