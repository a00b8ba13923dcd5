import Crypto
import Domain
@testable import Evidence

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// libFuzzer target for DSSE envelopes (one, a Sigstore bundle, JSON Lines) and the in-toto statement inside.
// Signatures of fuzzed input never verify, so besides the verifier's pre-payload checks (with one real trusted
// key) the statement and predicate readers that normally run only after a good signature are called directly
// on every envelope's payload.

/// The Ed25519 key of the attestation-verifier fixture (Tests/EvidenceTests/Fixtures/dsse), trusted without restrictions.
let fuzzVerifier: AttestationVerifier = {
    let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAc0W4PBIeoNn/w7ONaZWHGLhDXoywVS+InWlVhmk+G4k=\n-----END PUBLIC KEY-----\n"
    let publicKey = try! PublicKey(pemEncoded: pem)
    let key = TrustedKey(
        id: publicKey.id, name: "fuzz", algorithm: .ed25519, bits: 256, publicKeyPEM: pem, predicateTypes: [], builderIDs: [],
        subjectPatterns: [], createdBy: "fuzz", createdAt: Date(timeIntervalSince1970: 0), revokedAt: nil)
    return AttestationVerifier(keys: [TrustedVerificationKey(key: key, publicKey: publicKey)])
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDSSE(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    // The raw bytes as a statement too, so the fuzzer can reach the statement reader without base64 in the way.
    readStatement(bytes)
    guard let envelopes = try? DSSE.parseEnvelopes(bytes) else { return 0 }
    for envelope in envelopes {
        _ = fuzzVerifier.verify(envelope)
        readStatement(envelope.payload)
    }
    return 0
}

/// What `AttestationVerifier.verify` does with a payload once a signature verified.
func readStatement(_ payload: [UInt8]) {
    guard let statement = try? InTotoStatement.parse(payload) else { return }
    if SLSAProvenance.isProvenance(statement.predicateType) {
        _ = try? SLSAProvenance.summarize(predicateType: statement.predicateType, predicate: statement.predicateObject())
    } else {
        _ = try? PredicateSummarizer.summarize(predicateType: statement.predicateType, predicate: statement.predicateText)
    }
}
