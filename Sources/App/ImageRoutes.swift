import Crypto
import Domain
import HTTPCore
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading evidence: the image list, one image's evidence, raw evidence for admins.
enum ImageRoutes {
    struct ImageItem: Encodable {
        let digest: String
        let names: [String]
        let firstSeenAt: String
        let lastEvidenceAt: String
    }

    struct ImageDetail: Encodable {
        struct Attestation: Encodable {
            let id: String
            let predicateType: String
            let kind: String
            let provenance: ProvenanceSummary?
            let keys: [KeyReference]
            let postedBy: String
            let receivedAt: String
        }

        struct Scan: Encodable {
            let id: String
            let format: String
            let scanner: String
            let scannerVersion: String?
            let scannedAt: String
            let receivedAt: String
            let counts: SeverityCounts
            let fixableCounts: SeverityCounts
            let secrets: Int
            let signed: Bool
            let attestationId: String?
            let postedBy: String
        }

        struct SBOM: Encodable {
            let id: String
            let format: String
            let specVersion: String
            let components: Int
            let topLevel: [SBOMComponent]
            let signed: Bool
            let postedBy: String
            let receivedAt: String
        }

        struct Config: Encodable {
            let id: String
            let source: String
            let facts: EvidenceRoutes.ConfigView
            let postedBy: String
            let receivedAt: String
        }

        let digest: String
        let names: [String]
        let aliases: [String]
        let firstSeenAt: String
        let lastEvidenceAt: String
        let attestations: [Attestation]
        let scans: [Scan]
        let sboms: [SBOM]
        let configs: [Config]
    }

    static func routes(_ services: Services) -> [AppRoute] {
        let database = services.database
        return [
            AppRoute(
                method: .GET, pattern: "/api/v1/images", access: .scope(.clearanceRead), summary: "Images with evidence, newest first (?limit=, ?cursor=)",
                responseSchema: "ImageList"
            , query: [QueryParameter(name: "limit", required: false, description: "1 to 500, default 50", type: "integer"), QueryParameter(name: "cursor", required: false, description: "the next value of the previous page")]) { request in
                let limit = try Self.limit(request.http.queryValue("limit"))
                let cursor = try request.http.queryValue("cursor").map(Self.decodeCursor)
                let items = try await database.read { db in try EvidenceStore.images(before: cursor, limit: limit + 1, in: db) }
                struct List: Encodable {
                    let images: [ImageItem]
                    let next: String?
                }
                let page = Array(items.prefix(limit))
                let next = items.count > limit ? page.last.map { encodeCursor(at: Timestamp.format($0.lastEvidenceAt), digest: $0.digest.rawValue) } : nil
                return JSONBody.response(
                    .ok,
                    List(
                        images: page.map {
                            ImageItem(
                                digest: $0.digest.rawValue, names: $0.names, firstSeenAt: Timestamp.format($0.firstSeenAt),
                                lastEvidenceAt: Timestamp.format($0.lastEvidenceAt))
                        }, next: next))
            },
            AppRoute(
                method: .GET, pattern: "/api/v1/images/{digest}", access: .scope(.clearanceRead),
                summary: "Everything known about a digest: attestations, scans, SBOMs, config facts, aliases", responseSchema: "ImageDetail"
            , otherResponses: [404: ("Nothing is known about the digest", nil)]) { request in
                guard let digest = try EvidenceService.digest(fromParameter: request.parameter("digest")) else { throw APIError.badRequest("missing digest") }
                guard let evidence = try await database.read({ db in try EvidenceStore.evidence(for: digest, in: db) }) else {
                    throw APIError.notFound("nothing is known about \(digest.rawValue)")
                }
                return JSONBody.response(.ok, detail(evidence))
            },
            AppRoute(
                method: .GET, pattern: "/api/v1/evidence/{sha256}", access: .scope(.admin),
                summary: "Raw evidence bytes by their SHA-256 (withheld when they carried secret material)"
            , otherResponses: [404: ("No evidence with that hash", nil), 410: ("The raw document carried secret material and was not kept", nil)]) { request in
                let hash = request.parameter("sha256")
                guard hash.utf8.count == 64, hash.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                    throw APIError(.badRequest, "bad_hash", "expected 64 lowercase hex characters")
                }
                guard let blob = try await database.read({ db in try EvidenceStore.blob(sha256: hash, in: db) }) else {
                    throw APIError.notFound("no evidence with that hash")
                }
                guard let content = blob.content else {
                    throw APIError(.gone, "withheld", "the raw document is not kept: \(blob.withheldReason ?? "it carried secret material")")
                }
                var headers = HTTPHeaders()
                headers.set("Content-Type", "application/octet-stream")
                headers.set("Content-Disposition", "attachment; filename=\"\(hash).json\"")
                headers.set("X-Shipgate-Media-Type", blob.mediaType)
                return HTTPResponse(status: .ok, headers: headers, body: content)
            },
        ]
    }

    static func detail(_ evidence: ImageEvidence) -> ImageDetail {
        ImageDetail(
            digest: evidence.digest.rawValue, names: evidence.names, aliases: evidence.aliases, firstSeenAt: Timestamp.format(evidence.firstSeenAt),
            lastEvidenceAt: Timestamp.format(evidence.lastEvidenceAt),
            attestations: evidence.attestations.map {
                .init(
                    id: $0.id, predicateType: $0.predicateType, kind: $0.predicateKind, provenance: $0.provenance, keys: $0.keys,
                    postedBy: $0.postedBy, receivedAt: Timestamp.format($0.receivedAt))
            },
            scans: evidence.scans.map {
                .init(
                    id: $0.id, format: $0.format.rawValue, scanner: $0.scanner, scannerVersion: $0.scannerVersion,
                    scannedAt: Timestamp.format($0.scannedAt), receivedAt: Timestamp.format($0.receivedAt), counts: $0.counts,
                    fixableCounts: $0.fixableCounts, secrets: $0.secrets, signed: $0.isSigned, attestationId: $0.attestationID, postedBy: $0.postedBy)
            },
            sboms: evidence.sboms.map {
                .init(
                    id: $0.id, format: $0.format.rawValue, specVersion: $0.specVersion, components: $0.componentCount, topLevel: $0.topLevel,
                    signed: $0.attestationID != nil, postedBy: $0.postedBy, receivedAt: Timestamp.format($0.receivedAt))
            },
            configs: evidence.configs.map {
                .init(
                    id: $0.id, source: $0.source, facts: EvidenceRoutes.configView(evidence.digest, $0.facts), postedBy: $0.postedBy,
                    receivedAt: Timestamp.format($0.receivedAt))
            })
    }

    private static func limit(_ text: String?) throws -> Int {
        guard let text else { return 50 }
        guard let value = Int(text), (1...500).contains(value) else { throw APIError.badRequest("limit must be a number from 1 to 500") }
        return value
    }

    private static func encodeCursor(at: String, digest: String) -> String { Base64URL.encode(Array("\(at)\n\(digest)".utf8)) }

    private static func decodeCursor(_ text: String) throws -> (at: String, digest: String) {
        guard let bytes = Base64URL.decode(text), let parts = Optional(String(decoding: bytes, as: UTF8.self).split(separator: "\n")),
            parts.count == 2
        else { throw APIError.badRequest("malformed cursor") }
        return (String(parts[0]), String(parts[1]))
    }
}
