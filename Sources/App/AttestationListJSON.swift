import Domain

extension EvidenceRoutes {
    /// The `AttestationList` answer to a signed-attestation post, written directly: it is on the ingest path of every
    /// build. Byte for byte what `JSONBody.encoder` writes for the same views (a test holds the two to it).
    static func attestationListJSON(_ views: [AttestationView]) -> [UInt8] {
        var json = JSONWriter(capacity: 256 * max(1, views.count))
        json.raw("{\"attestations\":")
        json.array(views) { json, view in
            json.raw("{\"created\":")
            json.bool(view.created)
            json.raw(",\"id\":")
            json.string(view.id)
            json.raw(",\"predicateType\":")
            json.string(view.predicateType)
            json.raw(",\"subjects\":")
            json.array(view.subjects) { json, subject in
                json.raw("{\"digest\":")
                json.string(subject.digest)
                json.raw(",\"name\":")
                json.string(subject.name)
                json.raw("}")
            }
            json.raw(",\"verifiedKeyIds\":")
            json.strings(view.verifiedKeyIds)
            json.raw("}")
        }
        json.raw("}")
        return json.bytes
    }
}
