import Crypto
import Foundation
import Testing
import TestSupport

/// The OpenSSL command line, as an independent verifier of what `shipgate sign` produces.
enum OpenSSLTool {
    static let path = "/usr/bin/openssl"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Runs `openssl arguments…`; returns the exit status and stdout+stderr.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await TestThread.run {
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
    }
}

/// A DSSE envelope as written by `shipgate sign`, decoded by the test itself.
struct SignedEnvelope {
    let payloadType: String
    let payload: [UInt8]
    let keyID: String
    let signature: [UInt8]
    let statement: [String: Any]

    init(_ json: String) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["payloadType", "payload", "signatures"])
        payloadType = try #require(object["payloadType"] as? String)
        let payloadText = try #require(object["payload"] as? String)
        payload = Array(try #require(Data(base64Encoded: payloadText)))
        let signatures = try #require(object["signatures"] as? [[String: Any]])
        #expect(signatures.count == 1)
        keyID = try #require(signatures.first?["keyid"] as? String)
        let signatureText = try #require(signatures.first?["sig"] as? String)
        signature = Array(try #require(Data(base64Encoded: signatureText)))
        statement = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
    }

    /// PAE written out here from the DSSE spec, independent of the implementation under test.
    var pae: [UInt8] { DSSEPAE.encode(payloadType: payloadType, payload: payload) }
}

@Suite struct SignCommandTests {
    static let digestA = "sha256:" + String(repeating: "a1", count: 32)
    static let digestB = "sha256:" + String(repeating: "0b", count: 32)

    /// `shipgate keygen --out dir/name`, expecting success; returns the printed key id.
    static func keygen(_ prefix: String, algorithm: String = "ecdsa-p256") async throws -> String {
        let result = try await CLI.run(["keygen", "--out", prefix, "--algorithm", algorithm])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(result.stdout.split(separator: "\n").last.map(String.init))
    }

    static func writePredicate(_ directory: TemporaryDirectory, _ text: String = #"{"builder":{"id":"https://ci.example.com/run/7"},"ok":true,"n":[1,2.5,-3]}"#) throws -> String {
        let path = directory.file("predicate.json")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ["ecdsa-p256", "ed25519"])
    func keygenWritesAPrivateKeyOnlyTheOwnerCanReadAndPrintsTheKeyID(algorithm: String) async throws {
        let directory = try TemporaryDirectory("keygen")
        defer { directory.remove() }
        let id = try await Self.keygen(directory.file("signer"), algorithm: algorithm)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.file("signer.key"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let privatePEM = try String(contentsOfFile: directory.file("signer.key"), encoding: .utf8)
        #expect(privatePEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let privateKey = try PrivateKey(pemEncoded: privatePEM)
        let publicKey = try PublicKey(pemEncoded: try String(contentsOfFile: directory.file("signer.pub"), encoding: .utf8))
        #expect(publicKey.id == id && privateKey.publicKey.id == id)
        #expect(publicKey.algorithm == (algorithm == "ed25519" ? .ed25519 : .ecdsaP256))
    }

    @Test func keygenRefusesToOverwriteEitherFile() async throws {
        let directory = try TemporaryDirectory("keygen")
        defer { directory.remove() }
        _ = try await Self.keygen(directory.file("signer"))
        let before = try String(contentsOfFile: directory.file("signer.key"), encoding: .utf8)
        let again = try await CLI.run(["keygen", "--out", directory.file("signer")])
        #expect(again.status == 2)
        #expect(again.stderr.contains("exists already") && again.stdout.isEmpty)
        #expect(try String(contentsOfFile: directory.file("signer.key"), encoding: .utf8) == before)

        // Only the public half exists: still refused, and no private key is left behind.
        try "keep me".write(toFile: directory.file("other.pub"), atomically: true, encoding: .utf8)
        let partial = try await CLI.run(["keygen", "--out", directory.file("other")])
        #expect(partial.status == 2)
        #expect(!FileManager.default.fileExists(atPath: directory.file("other.key")))
        #expect(try String(contentsOfFile: directory.file("other.pub"), encoding: .utf8) == "keep me")
        #expect(try await CLI.run(["keygen", "--out", directory.file("x"), "--algorithm", "rsa"]).status != 0)
    }

    @Test(arguments: ["ecdsa-p256", "ed25519"])
    func envelopesVerifyWithTheOpenSSLCommandLine(algorithm: String) async throws {
        guard OpenSSLTool.isInstalled else {
            print("SKIP envelopesVerifyWithTheOpenSSLCommandLine: \(OpenSSLTool.path) is not installed")
            return
        }
        let directory = try TemporaryDirectory("sign")
        defer { directory.remove() }
        let keyID = try await Self.keygen(directory.file("signer"), algorithm: algorithm)
        let signed = try await CLI.run([
            "sign", "--key", directory.file("signer.key"), "--predicate-type", "https://slsa.dev/provenance/v1", "--subject",
            "registry.example.com/team/app:1.2@\(Self.digestA)", "--subject", Self.digestB, "--predicate", try Self.writePredicate(directory),
        ])
        #expect(signed.status == 0, "\(signed.stderr)")
        let envelope = try SignedEnvelope(signed.stdout)
        #expect(envelope.payloadType == "application/vnd.in-toto+json")
        #expect(envelope.keyID == keyID)

        // The Statement: in-toto v1, subjects from the references (tag dropped, bare digest named "_"), predicate as given.
        #expect(envelope.statement["_type"] as? String == "https://in-toto.io/Statement/v1")
        #expect(envelope.statement["predicateType"] as? String == "https://slsa.dev/provenance/v1")
        let subjects = try #require(envelope.statement["subject"] as? [[String: Any]])
        #expect(subjects.map { $0["name"] as? String } == ["registry.example.com/team/app", "_"])
        #expect(subjects.map { ($0["digest"] as? [String: String])?["sha256"] } == [String(Self.digestA.dropFirst(7)), String(Self.digestB.dropFirst(7))])
        let predicate = try #require(envelope.statement["predicate"] as? [String: Any])
        #expect((predicate["builder"] as? [String: String])?["id"] == "https://ci.example.com/run/7")
        #expect(predicate["n"] as? [Double] == [1, 2.5, -3])
        // Serialised with sorted keys.
        #expect(String(decoding: envelope.payload, as: UTF8.self).hasPrefix(#"{"_type":"https://in-toto.io/Statement/v1","predicate":{"builder""#))

        try Data(envelope.pae).write(to: URL(fileURLWithPath: directory.file("pae.bin")))
        try Data(envelope.signature).write(to: URL(fileURLWithPath: directory.file("sig.bin")))
        let verification =
            algorithm == "ed25519"
            ? try await OpenSSLTool.run([
                "pkeyutl", "-verify", "-pubin", "-inkey", directory.file("signer.pub"), "-rawin", "-in", directory.file("pae.bin"), "-sigfile",
                directory.file("sig.bin"),
            ])
            : try await OpenSSLTool.run([
                "dgst", "-sha256", "-verify", directory.file("signer.pub"), "-signature", directory.file("sig.bin"), directory.file("pae.bin"),
            ])
        #expect(verification.status == 0, "\(verification.output)")
        #expect(verification.output.contains("Verified"))

        // The independent verifier really checks: one flipped payload byte fails.
        var tampered = envelope.pae
        tampered[tampered.count - 2] ^= 0x01
        try Data(tampered).write(to: URL(fileURLWithPath: directory.file("pae.bin")))
        let refused =
            algorithm == "ed25519"
            ? try await OpenSSLTool.run([
                "pkeyutl", "-verify", "-pubin", "-inkey", directory.file("signer.pub"), "-rawin", "-in", directory.file("pae.bin"), "-sigfile",
                directory.file("sig.bin"),
            ])
            : try await OpenSSLTool.run([
                "dgst", "-sha256", "-verify", directory.file("signer.pub"), "-signature", directory.file("sig.bin"), directory.file("pae.bin"),
            ])
        #expect(refused.status != 0)
    }

    @Test func signsWithKeysMadeByOpenSSLAndWritesToOut() async throws {
        guard OpenSSLTool.isInstalled else {
            print("SKIP signsWithKeysMadeByOpenSSLAndWritesToOut: \(OpenSSLTool.path) is not installed")
            return
        }
        let directory = try TemporaryDirectory("sign")
        defer { directory.remove() }
        // P-384 as PKCS#8 from genpkey, P-256 as a traditional "EC PRIVATE KEY" from ecparam.
        let keys: [(file: String, generate: [String], digest: String)] = [
            ("p384.pem", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", directory.file("p384.pem")], "-sha384"),
            ("p256.pem", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", directory.file("p256.pem")], "-sha256"),
        ]
        let predicate = try Self.writePredicate(directory)
        for key in keys {
            #expect(try await OpenSSLTool.run(key.generate).status == 0)
            #expect(try await OpenSSLTool.run(["pkey", "-in", directory.file(key.file), "-pubout", "-out", directory.file(key.file + ".pub")]).status == 0)
            let out = directory.file(key.file + ".dsse.json")
            let signed = try await CLI.run([
                "sign", "--key", directory.file(key.file), "--predicate-type", "https://example.com/test/v1", "--subject", Self.digestA,
                "--predicate", predicate, "--out", out,
            ])
            #expect(signed.status == 0, "\(signed.stderr)")
            #expect(signed.stdout.isEmpty)
            let envelope = try SignedEnvelope(try String(contentsOfFile: out, encoding: .utf8))
            let publicKey = try PublicKey(pemEncoded: try String(contentsOfFile: directory.file(key.file + ".pub"), encoding: .utf8))
            #expect(envelope.keyID == publicKey.id)
            try Data(envelope.pae).write(to: URL(fileURLWithPath: directory.file("pae.bin")))
            try Data(envelope.signature).write(to: URL(fileURLWithPath: directory.file("sig.bin")))
            let verification = try await OpenSSLTool.run([
                "dgst", key.digest, "-verify", directory.file(key.file + ".pub"), "-signature", directory.file("sig.bin"), directory.file("pae.bin"),
            ])
            #expect(verification.status == 0, "\(key.file): \(verification.output)")
        }
    }

    @Test func theServerAcceptsTheEnvelopeForTheSignedDigest() async throws {
        let directory = try TemporaryDirectory("sign")
        defer { directory.remove() }
        let keyID = try await Self.keygen(directory.file("ci"), algorithm: "ed25519")
        // The predicate comes from stdin this time.
        let signed = try await CLI.run(
            [
                "sign", "--key", directory.file("ci.key"), "--predicate-type", "https://example.com/test/v1", "--subject",
                "registry.example.com/team/app@\(Self.digestA)", "--predicate", "-",
            ], input: #"{"result":"passed"}"#)
        #expect(signed.status == 0, "\(signed.stderr)")
        try await withLiveServer { live in
            let admin = try await live.token([.admin])
            let trusted = try await live.trustKey(try String(contentsOfFile: directory.file("ci.pub"), encoding: .utf8), name: "ci", admin: admin)
            #expect(trusted == keyID)
            let response = try await live.client().request("POST", "/api/v1/attestations", token: admin, json: signed.stdout)
            #expect(response.status == 201, "\(response.text)")
            let attestations = try #require(try response.json()["attestations"] as? [[String: Any]])
            #expect(attestations.count == 1)
            #expect(attestations.first?["verifiedKeyIds"] as? [String] == [keyID])
            let subjects = try #require(attestations.first?["subjects"] as? [[String: Any]])
            #expect(subjects.map { $0["digest"] as? String } == [Self.digestA])
        }
    }

    @Test func refusesTagsNonObjectPredicatesAndUnusableKeysWithExitStatus2() async throws {
        let directory = try TemporaryDirectory("sign")
        defer { directory.remove() }
        _ = try await Self.keygen(directory.file("signer"))
        let predicate = try Self.writePredicate(directory)
        func sign(key: String? = nil, subject: String = Self.digestA, predicate path: String? = nil, type: String = "https://example.com/t/v1", input: String? = nil)
            async throws -> CLI.Result
        {
            try await CLI.run(
                [
                    "sign", "--key", key ?? directory.file("signer.key"), "--predicate-type", type, "--subject", subject, "--predicate",
                    path ?? predicate,
                ], input: input)
        }

        let tag = try await sign(subject: "registry.example.com/team/app:1.2")
        #expect(tag.status == 2 && tag.stdout.isEmpty)
        #expect(tag.stderr.contains("tag reference") && tag.stderr.contains("@sha256:"))
        let badDigest = try await sign(subject: "sha256:1234")
        #expect(badDigest.status == 2 && badDigest.stderr.contains("malformed digest"))

        let array = try await sign(predicate: "-", input: "[1,2]")
        #expect(array.status == 2 && array.stdout.isEmpty)
        #expect(array.stderr.contains("must be a JSON object, not an array"))
        let notJSON = try await sign(predicate: "-", input: "{oops")
        #expect(notJSON.status == 2 && notJSON.stderr.contains("not valid JSON"))
        let missingPredicate = try await sign(predicate: directory.file("nope.json"))
        #expect(missingPredicate.status == 2 && missingPredicate.stderr.contains("No such file"))

        let missingKey = try await sign(key: directory.file("absent.key"))
        #expect(missingKey.status == 2 && missingKey.stderr.contains("cannot read the key"))
        let publicAsPrivate = try await sign(key: directory.file("signer.pub"))
        #expect(publicAsPrivate.status == 2 && publicAsPrivate.stderr.contains("not a usable private key"))
        #expect(!publicAsPrivate.stderr.contains("BEGIN"))

        let notAURI = try await sign(type: "not a uri")
        #expect(notAURI.status == 2 && notAURI.stderr.contains("not a URI"))
        #expect(try await CLI.run(["sign", "--key", directory.file("signer.key"), "--predicate-type", "https://e/x", "--predicate", predicate]).status != 0)
    }
}
