import Domain
import HTTPCore
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/v1/clearance/{ref}`, the batch form and the receipt keys: the question deploy scripts ask.
enum ClearanceRoutes {
    /// The interface-contract body of one answer.
    struct Answer: Encodable {
        let digest: String
        let environment: String
        let cleared: Bool
        let mode: String
        let policyVersion: Int
        let decidedAt: String
        let validUntil: String?
        let reasons: [DecisionReason]
        let breakGlass: Bool
        let receipt: String?
    }

    /// What the receipt signs.
    struct ReceiptPayload: Encodable {
        let digest: String
        let environment: String
        let cleared: Bool
        let policyVersion: Int
        let decidedAt: String
        let validUntil: String?
    }

    struct BatchRequest: Decodable {
        let environment: String
        let digests: [String]
    }

    static let maxBatch = 1000

    static func routes(_ services: Services) -> [AppRoute] {
        let receipts = services.receipts
        let answers = services.answers
        // One answer, from the snapshot its request was authenticated in.
        let single: ReadHandler = { request, db in
            guard let environment = request.http.queryValue("env"), !environment.isEmpty else {
                throw APIError.badRequest("pass the environment as ?env=, e.g. ?env=production")
            }
            let digest = try reference(request.parameter("ref"))
            do {
                let answer = try answers.answers([digest], environment: environment, in: db)[0]
                services.metrics.recordDecision(environment: environment, cleared: answer.cleared, breakGlass: answer.breakGlass)
                return JSONBody.response(answer.status, encoded: answer.body)
            } catch let error as APIError where error.status.code < 500 {
                throw error
            } catch {
                services.log.error("decision failed for \(digest.rawValue) in \(environment): \(error)")
                return failClosed(digest: digest, environment: environment, now: services.clock())
            }
        }
        // The same answer when it is cached; nil otherwise (and for anything `single` would refuse).
        let cached: ImmediateHandler = { request, db in
            guard let environment = request.http.queryValue("env"), !environment.isEmpty, let digest = try? reference(request.parameter("ref")),
                let answer = try answers.cachedAnswer(digest, environment: environment, in: db)
            else { return nil }
            services.metrics.recordDecision(environment: environment, cleared: answer.cleared, breakGlass: answer.breakGlass)
            return JSONBody.response(answer.status, encoded: answer.body)
        }
        return [
            AppRoute(
                method: .GET, pattern: "/api/v1/clearance/{ref}", access: .scope(.clearanceRead),
                summary: "Is this digest cleared for ?env=? 200 cleared, 403 not cleared, 404 nothing known; fail closed",
                responseSchema: "Clearance",
                query: [QueryParameter(name: "env", required: true, description: "the environment, e.g. production")],
                otherResponses: [
                    403: ("Not cleared (a clearance answer)", "ClearanceOrError"),
                    404: ("Nothing known about the digest (a clearance answer), or an unknown environment", "ClearanceOrError"),
                    503: ("The decision could not be computed: not cleared", "Clearance"),
                ],
                readHandler: single, immediateHandler: cached
            ) { request in
                try await services.database.read { db in try single(request, db) }
            },
            AppRoute(
                method: .POST, pattern: "/api/v1/clearance:batch", access: .scope(.clearanceRead),
                summary: "Decisions for up to 1,000 digests in one environment", requestSchema: "ClearanceBatch",
                responseSchema: "ClearanceResults", otherResponses: [404: ("Unknown environment", nil), 503: ("The decisions could not be computed: not cleared", "Clearance")], maxBodyBytes: 256 * 1024
            ) { request in
                let body = try JSONBody.decode(BatchRequest.self, from: request.http)
                guard !body.digests.isEmpty, body.digests.count <= maxBatch else {
                    throw APIError.invalid("digests must hold 1 to \(maxBatch) references")
                }
                let digests = try body.digests.map(reference)
                do {
                    let results = try await answers.answers(digests, environment: body.environment)
                    // {"results":[…]} from the answers' own encodings.
                    var encoded = Array(#"{"results":["#.utf8)
                    for (index, result) in results.enumerated() {
                        if index > 0 { encoded.append(UInt8(ascii: ",")) }
                        encoded += result.body
                    }
                    encoded += Array("]}".utf8)
                    return JSONBody.response(.ok, encoded: encoded)
                } catch let error as APIError where error.status.code < 500 {
                    throw error
                } catch {
                    services.log.error("batch decision failed in \(body.environment): \(error)")
                    return failClosed(digest: digests[0], environment: body.environment, now: services.clock())
                }
            },
            AppRoute(
                method: .GET, pattern: "/api/v1/receipt-keys", access: .anyone,
                summary: "JWKS of the Ed25519 keys that sign clearance receipts", responseSchema: "JWKS"
            ) { _ in
                // A rotation by another process shows up here too.
                try await services.database.read { db in try receipts.reload(ifChangedSince: FactEpochs.read(digest: nil, in: db).global, in: db) }
                return JSONBody.response(.ok, try receipts.jwks())
            },
        ]
    }

    /// `sha256:…` or `name@sha256:…`; anything else is a 400 that says to resolve tags to digests.
    static func reference(_ text: String) throws -> Digest {
        guard let digest = try EvidenceService.digest(fromParameter: text) else { throw APIError.badRequest("missing image reference") }
        return digest
    }

    /// The JSON of `decision`'s answer, with a receipt when cleared.
    static func encodedAnswer(_ decision: Decision, receipts: ReceiptKeys) throws -> [UInt8] {
        ClearanceJSON.answer(try answer(decision, receipts: receipts))
    }

    static func answer(_ decision: Decision, receipts: ReceiptKeys) throws -> Answer {
        let decidedAt = Timestamp.format(decision.decidedAt)
        let validUntil = decision.validUntil.map(Timestamp.format)
        let receipt = decision.cleared
            ? try receipts.sign(
                payload: ClearanceJSON.receiptPayload(
                    ReceiptPayload(
                        digest: decision.digest.rawValue, environment: decision.environment, cleared: true,
                        policyVersion: decision.policyVersion, decidedAt: decidedAt, validUntil: validUntil)))
            : nil
        return Answer(
            digest: decision.digest.rawValue, environment: decision.environment, cleared: decision.cleared, mode: decision.mode.rawValue,
            policyVersion: decision.policyVersion, decidedAt: decidedAt, validUntil: validUntil, reasons: decision.reasons,
            breakGlass: decision.breakGlass, receipt: receipt)
    }

    /// A server error while deciding is a 503 whose body still says `cleared: false`.
    static func failClosed(digest: Digest, environment: String, now: Date) -> HTTPResponse {
        JSONBody.response(
            .serviceUnavailable,
            Answer(
                digest: digest.rawValue, environment: environment, cleared: false, mode: PolicyMode.enforce.rawValue, policyVersion: 0,
                decidedAt: Timestamp.format(now), validUntil: nil,
                reasons: [DecisionReason(rule: "error", passed: false, message: "the decision could not be computed; not cleared (retry later)")],
                breakGlass: false, receipt: nil))
    }
}
