import Crypto
import Domain
import Evidence
import Policy
import SQLite
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The human inputs of a decision: approvals, waivers, break-glass. Each is validated, checked for
/// separation of duties where it applies, and stored with its audit entry in one transaction.
struct DecisionActions: Sendable {
    let database: Database
    let clock: @Sendable () -> Date

    static let maxWaiverDays = 90.0
    static let defaultBreakGlassHours = 4.0
    static let maxBreakGlassHours = 24.0

    /// A person acting: approvals and waivers need a user-bound credential with at least the approver role.
    static func person(_ principal: Principal, minimum: Role) throws -> (name: String, role: Role) {
        guard let user = principal.user, let role = principal.role else {
            throw APIError.forbidden("this action needs a token bound to a user (create it with --user); service tokens cannot approve")
        }
        guard role >= minimum else { throw APIError.forbidden("this action needs the \(minimum.rawValue) role; \(user) is \(role.rawValue)") }
        return (user, role)
    }

    /// Records an approval or rejection of `digest` for `environment`.
    func record(
        verdict: Approval.Verdict, digest: Digest, environment: String, comment: String, principal: Principal
    ) async throws -> Approval {
        let person = try Self.person(principal, minimum: .approver)
        let trimmed = comment.trimmingWhitespace
        if verdict == .reject && trimmed.isEmpty { throw APIError.invalid("a rejection needs a comment saying why") }
        guard comment.utf8.count <= 4096 else { throw APIError.invalid("comment is longer than 4096 bytes") }
        let now = clock()
        let approval = Approval(
            id: RandomID.make("apr"), digest: digest, environment: environment, verdict: verdict, user: person.name, role: person.role,
            comment: trimmed, at: now)
        let refused = try await database.write { db -> Bool in
            try Self.requireEnvironment(environment, in: db)
            guard let evidence = try EvidenceStore.evidence(for: digest, in: db) else {
                throw APIError.notFound("nothing is known about \(digest.rawValue); there is nothing to approve")
            }
            // Separation of duties: whoever posted evidence for the digest cannot approve it.
            if verdict == .approve, Self.posters(of: evidence).contains(person.name) { return true }
            try DecisionStore.insert(approval, in: db)
            try AuditLog.append(
                actor: person.name, action: "approval." + verdict.rawValue, subject: "image:" + digest.rawValue,
                details: ["environment": environment, "comment": trimmed], at: now, in: db)
            return false
        }
        if refused {
            // The refusal is recorded in its own transaction: the refused change itself never happened.
            _ = try await database.write { db in
                try AuditLog.append(
                    actor: person.name, action: "approval.refuse", subject: "image:" + digest.rawValue,
                    details: ["environment": environment, "reason": "posted evidence for this digest"], at: now, in: db)
            }
            throw APIError.forbidden("\(person.name) posted evidence for this digest and cannot also approve it (separation of duties)")
        }
        return approval
    }

    /// Adds a waiver scoped to `digest` or to `repositoryPattern` (exactly one).
    func waive(
        vulnerability: String, digest: Digest?, repositoryPattern: String?, environment: String?, justification: String, expiresAt: Date,
        principal: Principal
    ) async throws -> Waiver {
        let person = try Self.person(principal, minimum: .approver)
        let waiver = try makeWaiver(
            vulnerability: vulnerability, digest: digest, repositoryPattern: repositoryPattern, environment: environment,
            justification: justification, expiresAt: expiresAt, by: person.name)
        try await store([waiver], source: "api")
        return waiver
    }

    /// Waivers from an OpenVEX document's `not_affected` / `fixed` statements, stored together or not at all.
    func waive(exemptions: [VEXExemption], environment: String?, expiresAt: Date, principal: Principal) async throws -> [Waiver] {
        let person = try Self.person(principal, minimum: .approver)
        guard !exemptions.isEmpty else {
            throw APIError.invalid("the document has no not_affected or fixed statement for a pkg:oci/…@sha256%3A… product")
        }
        let waivers = try exemptions.map {
            try makeWaiver(
                vulnerability: $0.vulnerability, digest: $0.digest, repositoryPattern: nil, environment: environment,
                justification: "OpenVEX \($0.status): \($0.justification)", expiresAt: expiresAt, by: person.name)
        }
        try await store(waivers, source: "openvex")
        return waivers
    }

    /// A validated waiver value.
    private func makeWaiver(
        vulnerability: String, digest: Digest?, repositoryPattern: String?, environment: String?, justification: String, expiresAt: Date,
        by user: String
    ) throws -> Waiver {
        let now = clock()
        guard !vulnerability.isEmpty, vulnerability.utf8.count <= 256, !vulnerability.contains(where: \.isWhitespace) else {
            throw APIError.invalid("vulnerability must be one id such as CVE-2024-1234")
        }
        guard !justification.trimmingWhitespace.isEmpty, justification.utf8.count <= 4096 else {
            throw APIError.invalid("a waiver needs a justification (at most 4096 bytes)")
        }
        guard expiresAt > now else { throw APIError.invalid("expiresAt must be in the future") }
        guard expiresAt <= now.addingTimeInterval(Self.maxWaiverDays * 86_400) else {
            throw APIError.invalid("a waiver lasts at most \(Int(Self.maxWaiverDays)) days")
        }
        if let repositoryPattern {
            guard !repositoryPattern.isEmpty, repositoryPattern.utf8.count <= 512, repositoryPattern != "*", repositoryPattern != "**",
                (try? GlobPattern(repositoryPattern)) != nil
            else {
                throw APIError.invalid("repositoryPattern must name repositories, e.g. registry.example.com/team/*")
            }
        }
        return Waiver(
            id: RandomID.make("wvr"), vulnerability: vulnerability, digest: digest, repositoryPattern: repositoryPattern, environment: environment,
            justification: justification.trimmingWhitespace, createdBy: user, createdAt: now, expiresAt: expiresAt)
    }

    /// Stores waivers with their audit entries in one transaction.
    private func store(_ waivers: [Waiver], source: String) async throws {
        try await database.write { db in
            for waiver in waivers {
                if let environment = waiver.environment { try Self.requireEnvironment(environment, in: db) }
                try DecisionStore.insert(waiver, in: db)
                var details = [
                    "vulnerability": waiver.vulnerability, "expiresAt": Timestamp.format(waiver.expiresAt), "justification": waiver.justification,
                    "source": source,
                ]
                if let environment = waiver.environment { details["environment"] = environment }
                try AuditLog.append(
                    actor: waiver.createdBy, action: "waiver.add",
                    subject: waiver.digest.map { "image:" + $0.rawValue } ?? "repository:" + (waiver.repositoryPattern ?? ""), details: details,
                    at: waiver.createdAt, in: db)
            }
        }
    }

    /// An admin's forced clearance, flagged everywhere, for `hours` (default 4, at most 24).
    func breakGlass(digest: Digest, environment: String, justification: String, hours: Double?, principal: Principal) async throws -> BreakGlass {
        let person = try Self.person(principal, minimum: .admin)
        let hours = hours ?? Self.defaultBreakGlassHours
        guard hours > 0, hours <= Self.maxBreakGlassHours else { throw APIError.invalid("hours must be more than 0 and at most 24") }
        guard justification.trimmingWhitespace.utf8.count >= 10, justification.utf8.count <= 4096 else {
            throw APIError.invalid("break-glass needs a justification of at least 10 characters")
        }
        let now = clock()
        let record = BreakGlass(
            id: RandomID.make("brk"), digest: digest, environment: environment, justification: justification.trimmingWhitespace,
            createdBy: person.name, createdAt: now, expiresAt: now.addingTimeInterval(hours * 3600))
        try await database.write { db in
            try Self.requireEnvironment(environment, in: db)
            try DecisionStore.insert(record, in: db)
            try AuditLog.append(
                actor: person.name, action: "break-glass", subject: "image:" + digest.rawValue,
                details: ["environment": environment, "justification": record.justification, "expiresAt": Timestamp.format(record.expiresAt)],
                at: now, in: db)
            try WebhookOutbox.breakGlassCreated(record, in: db)
        }
        return record
    }

    /// An approver confirms the active break-glass of `digest` in `environment`: it stays in force until it
    /// expires but is no longer flagged. Its creator cannot confirm it.
    func confirmBreakGlass(digest: Digest, environment: String, principal: Principal) async throws -> BreakGlass {
        let person = try Self.person(principal, minimum: .approver)
        let now = clock()
        return try await database.write { db in
            guard var record = try DecisionStore.latestBreakGlass(digest: digest, environment: environment, in: db), record.isActive(at: now) else {
                throw APIError.notFound("no active break-glass for \(digest.rawValue) in \(environment)")
            }
            guard record.createdBy != person.name else {
                throw APIError.forbidden("\(person.name) broke the glass and cannot also confirm it (separation of duties)")
            }
            guard record.confirmedBy == nil else { throw APIError.conflict("already confirmed by \(record.confirmedBy ?? "")") }
            try DecisionStore.confirmBreakGlass(id: record.id, by: person.name, at: now, in: db)
            try AuditLog.append(
                actor: person.name, action: "break-glass.confirm", subject: "image:" + digest.rawValue, details: ["environment": environment],
                at: now, in: db)
            record.confirmedBy = person.name
            record.confirmedAt = now
            return record
        }
    }

    /// Identities that posted any evidence about the digest.
    static func posters(of evidence: ImageEvidence) -> Set<String> {
        Set(evidence.attestations.map(\.postedBy) + evidence.scans.map(\.postedBy) + evidence.sboms.map(\.postedBy) + evidence.configs.map(\.postedBy))
    }

    static func requireEnvironment(_ environment: String, in db: SQLiteConnection) throws {
        guard try PolicyStore.current(environment: environment, in: db) != nil else {
            throw APIError.notFound("unknown environment '\(environment)'")
        }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
