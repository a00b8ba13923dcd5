import Crypto
import Evidence
import Foundation
import Testing
import TestSupport

/// Envelopes signed by the `openssl` command-line tool (an implementation independent of ours): keys generated
/// by openssl, the PAE written to a file and signed there, the signature base64-encoded into the envelope.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "skipped: /usr/bin/openssl is not installed"))
struct AttestationOpenSSLInteropTests {
    private typealias Kit = AttestationTestKit
    private typealias Builder = AttestationEnvelopeBuilder

    /// A scratch directory removed when the test ends.
    private final class Scratch {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("shipgate-dsse-openssl-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    private func openssl(_ arguments: [String]) throws {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
    }

    /// Generates a key with `genpkey`, signs the PAE of a fresh Statement with `sign`, and verifies the envelope.
    private func verifiesAnEnvelopeSignedByOpenSSL(genpkey: [String], sign: (_ key: String, _ input: String, _ output: String) -> [String]) throws {
        let scratch = try Scratch()
        let keyPath = scratch.path("key.pem")
        try openssl(["genpkey"] + genpkey + ["-out", keyPath])
        try openssl(["pkey", "-in", keyPath, "-pubout", "-out", scratch.path("pub.pem")])
        let publicKey = try PublicKey(pemEncoded: String(contentsOfFile: scratch.path("pub.pem"), encoding: .utf8))

        let payload = Builder.statement(predicateType: "https://example.com/openssl/v1")
        try Data(DSSE.pae(payloadType: DSSE.inTotoPayloadType, payload: payload)).write(to: URL(fileURLWithPath: scratch.path("pae.bin")))
        try openssl(sign(keyPath, scratch.path("pae.bin"), scratch.path("sig.bin")))
        let signature = Array(try Data(contentsOf: URL(fileURLWithPath: scratch.path("sig.bin"))))

        let body = Builder.json(payload: payload, signatures: [.init(keyID: nil, signature: signature)])
        let attestation = try Kit.expectVerified(try Kit.onlyEnvelope(body), keys: [Kit.trusted(publicKey)])
        #expect(attestation.predicateType == "https://example.com/openssl/v1")
        #expect(attestation.verifiedKeyIDs == [publicKey.id])
    }

    @Test func verifiesAnECDSAP256EnvelopeSignedByTheOpenSSLCommand() throws {
        try verifiesAnEnvelopeSignedByOpenSSL(genpkey: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]) { key, input, output in
            ["dgst", "-sha256", "-sign", key, "-out", output, input]
        }
    }

    @Test func verifiesAnEd25519EnvelopeSignedByTheOpenSSLCommand() throws {
        try verifiesAnEnvelopeSignedByOpenSSL(genpkey: ["-algorithm", "ED25519"]) { key, input, output in
            ["pkeyutl", "-sign", "-rawin", "-inkey", key, "-in", input, "-out", output]
        }
    }

    @Test func verifiesAnRSAPSSEnvelopeSignedByTheOpenSSLCommand() throws {
        try verifiesAnEnvelopeSignedByOpenSSL(genpkey: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]) { key, input, output in
            ["dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sign", key, "-out", output, input]
        }
    }
}
