import Crypto
import Domain
import SQLite
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The events a webhook can subscribe to.
enum WebhookEvent: String, CaseIterable, Sendable {
    case imageCleared = "image.cleared"
    case imageUncleared = "image.uncleared"
    case breakGlassCreated = "breakglass.created"
    case driftDetected = "drift.detected"
    case waiverExpiring = "waiver.expiring"
}

/// Queues event deliveries inside the caller's write, so an event exists exactly when its cause committed.
enum WebhookOutbox {
    /// The body every receiver gets; `text` makes it postable to a Slack incoming webhook as is.
    struct Payload: Encodable {
        let id: String
        let event: String
        let at: String
        let text: String
        let data: [String: String]
    }

    /// One delivery per enabled webhook subscribed to `event`.
    static func enqueue(_ event: WebhookEvent, data: [String: String], text: String, at date: Date, in db: SQLiteConnection) throws {
        let subscribers = try WebhookStore.subscribers(of: event.rawValue, in: db)
        guard !subscribers.isEmpty else { return }
        let at = Timestamp.format(date)
        // Due now by the wall clock: the retry schedule runs on real time even when tests move the decision clock.
        let dueMillis = Int64(Date().timeIntervalSince1970 * 1000)
        for webhook in subscribers {
            let id = RandomID.make("dlv")
            let payload = Payload(id: id, event: event.rawValue, at: at, text: text, data: data)
            let body = String(decoding: try JSONBody.encoder.encode(payload), as: UTF8.self)
            try WebhookStore.enqueue(id: id, webhookID: webhook.id, event: event.rawValue, payload: body, createdAt: at, dueMillis: dueMillis, in: db)
        }
    }

    /// `breakglass.created` for a new break-glass record.
    static func breakGlassCreated(_ record: BreakGlass, in db: SQLiteConnection) throws {
        try enqueue(
            .breakGlassCreated,
            data: [
                "id": record.id, "digest": record.digest.rawValue, "environment": record.environment, "createdBy": record.createdBy,
                "justification": record.justification, "expiresAt": Timestamp.format(record.expiresAt),
            ],
            text:
                ":rotating_light: Shipgate: \(slack(record.createdBy)) broke the glass for \(record.digest.rawValue) in \(slack(record.environment)) "
                + "until \(Timestamp.format(record.expiresAt)): \(slack(record.justification))",
            at: record.createdAt, in: db)
    }

    /// `drift.detected` for a deployment report of a digest that is not cleared in its environment.
    static func driftDetected(_ deployment: DeploymentStore.Deployment, in db: SQLiteConnection) throws {
        try enqueue(
            .driftDetected,
            data: [
                "deploymentId": deployment.id, "digest": deployment.digest.rawValue, "environment": deployment.environment,
                "target": deployment.target, "reportedBy": deployment.reportedBy,
            ],
            text:
                ":warning: Shipgate: drift: \(deployment.digest.rawValue) runs at \(slack(deployment.target)) in \(slack(deployment.environment)) "
                + "but is not cleared there",
            at: deployment.reportedAt, in: db)
    }

    /// `image.cleared` or `image.uncleared`: the decision for (digest, environment) flipped since it was last announced.
    static func decisionFlipped(_ decision: Decision, in db: SQLiteConnection) throws {
        var data = [
            "digest": decision.digest.rawValue, "environment": decision.environment, "cleared": String(decision.cleared),
            "policyVersion": String(decision.policyVersion), "mode": decision.mode.rawValue, "breakGlass": String(decision.breakGlass),
            "decidedAt": Timestamp.format(decision.decidedAt),
        ]
        if let validUntil = decision.validUntil { data["validUntil"] = Timestamp.format(validUntil) }
        let failing = decision.reasons.filter { !$0.passed }
        if !failing.isEmpty { data["reasons"] = failing.map { "\($0.rule): \($0.message)" }.joined(separator: "; ") }
        let text: String
        if decision.cleared {
            let how = decision.breakGlass ? " by break-glass" : (decision.mode == .dryRun ? " (dry-run policy)" : "")
            text = ":white_check_mark: Shipgate: \(decision.digest.rawValue) is now cleared\(how) for \(slack(decision.environment)) (policy v\(decision.policyVersion))"
        } else {
            let why = failing.first.map { ": \(slack($0.message))" } ?? ""
            text = ":no_entry: Shipgate: \(decision.digest.rawValue) is no longer cleared for \(slack(decision.environment))\(why)"
        }
        try enqueue(decision.cleared ? .imageCleared : .imageUncleared, data: data, text: text, at: decision.decidedAt, in: db)
    }

    /// `waiver.expiring` for a waiver that expires within the configured window.
    static func waiverExpiring(_ waiver: Waiver, at now: Date, in db: SQLiteConnection) throws {
        var data = [
            "id": waiver.id, "vulnerability": waiver.vulnerability, "expiresAt": Timestamp.format(waiver.expiresAt),
            "createdBy": waiver.createdBy, "justification": waiver.justification,
        ]
        if let digest = waiver.digest { data["digest"] = digest.rawValue }
        if let pattern = waiver.repositoryPattern { data["repositoryPattern"] = pattern }
        if let environment = waiver.environment { data["environment"] = environment }
        let scope = waiver.digest?.rawValue ?? slack(waiver.repositoryPattern ?? "")
        let environment = waiver.environment.map { " in \(slack($0))" } ?? ""
        try enqueue(
            .waiverExpiring, data: data,
            text:
                ":hourglass: Shipgate: the waiver of \(slack(waiver.vulnerability)) for \(scope)\(environment) expires at "
                + "\(Timestamp.format(waiver.expiresAt)); renew it or fix the finding",
            at: now, in: db)
    }

    /// Slack's mrkdwn needs only &, < and > escaped.
    static func slack(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
