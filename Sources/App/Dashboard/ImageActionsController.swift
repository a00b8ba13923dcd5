import Domain
import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The image page's forms: approve / reject, waive, break glass, confirm a break-glass. Each calls the same
/// `DecisionActions` as the API, so roles, separation of duties, validation and auditing are the API's.
enum ImageActionsController {
    static func routes(_ dashboard: Dashboard) -> [AppRoute] {
        let actions = dashboard.services.actions
        return [
            dashboard.action("/images/{digest}/approvals", minimum: .approver) { request in
                let digest = try ImageController.digest(request)
                let fields = request.fields
                guard let verdict = fields["verdict"].flatMap(Approval.Verdict.init(rawValue:)) else {
                    throw APIError.invalid("choose approve or reject")
                }
                let environment = try fields.required("environment")
                _ = try await actions.record(
                    verdict: verdict, digest: digest, environment: environment, comment: fields["comment"] ?? "", principal: request.user.principal)
                return back(to: digest, environment: environment, notice: verdict == .approve ? "approved" : "rejected")
            },
            dashboard.action("/images/{digest}/waivers", minimum: .approver) { request in
                let digest = try ImageController.digest(request)
                let fields = request.fields
                let vulnerability = try fields.required("vulnerability")
                do {
                    guard let days = fields["days"].flatMap({ Int($0) }), (1...Int(DecisionActions.maxWaiverDays)).contains(days) else {
                        throw APIError.invalid("days must be a whole number from 1 to \(Int(DecisionActions.maxWaiverDays))")
                    }
                    let environment = fields["environment"].flatMap { $0.isEmpty ? nil : $0 }
                    _ = try await actions.waive(
                        vulnerability: vulnerability, digest: digest, repositoryPattern: nil, environment: environment,
                        justification: fields["justification"] ?? "", expiresAt: dashboard.services.clock().addingTimeInterval(Double(days) * 86_400),
                        principal: request.user.principal)
                } catch let error as APIError where error.status == .unprocessableContent {
                    return try await ImageController.waiverForm(dashboard, request, error: Dashboard.sentence(error.message), vulnerability: vulnerability)
                }
                return DashboardResponse.redirect(ViewText.imageHref(digest) + "?notice=waived#vulnerabilities")
            },
            dashboard.action("/images/{digest}/break-glass", minimum: .admin) { request in
                let digest = try ImageController.digest(request)
                let fields = request.fields
                let environment = try fields.required("environment")
                var hours: Double?
                if let text = fields["hours"], !text.isEmpty {
                    guard let value = Double(text) else { throw APIError.invalid("hours must be a number from 1 to 24") }
                    hours = value
                }
                _ = try await actions.breakGlass(
                    digest: digest, environment: environment, justification: fields["justification"] ?? "", hours: hours,
                    principal: request.user.principal)
                return back(to: digest, environment: environment, notice: "break-glass")
            },
            dashboard.action("/images/{digest}/break-glass/confirm", minimum: .approver) { request in
                let digest = try ImageController.digest(request)
                let environment = try request.fields.required("environment")
                _ = try await actions.confirmBreakGlass(digest: digest, environment: environment, principal: request.user.principal)
                return back(to: digest, environment: environment, notice: "break-glass-confirmed")
            },
        ]
    }

    /// 303 to the image page, at the environment's decision.
    private static func back(to digest: Digest, environment: String, notice: String) -> HTTPResponse {
        DashboardResponse.redirect(ViewText.imageHref(digest) + "?notice=" + notice + "#env-" + ViewText.component(environment))
    }
}
