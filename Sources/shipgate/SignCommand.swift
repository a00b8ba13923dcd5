import ArgumentParser
import Crypto
import Domain
import Evidence

/// `shipgate sign`: an in-toto Statement v1 about image digests, signed into a DSSE envelope with a PEM private key.
struct SignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign an in-toto attestation (DSSE envelope) about image digests with a PEM private key.",
        discussion: """
            Builds an in-toto Statement v1 whose subjects are the --subject digests and whose predicate is the \
            JSON object in --predicate, signs it as a DSSE envelope (payloadType application/vnd.in-toto+json) \
            with an unencrypted PKCS#8 PEM key (ECDSA P-256/P-384 or Ed25519, e.g. from `shipgate keygen`), and \
            writes the envelope JSON to stdout or --out. POST it to /api/v1/attestations. Exit status 0 on \
            success, 2 on any refusal or error (64 for a malformed command line).
            """)

    /// Bounds on inputs read from files: far above real keys and predicates, below anything the server would refuse anyway.
    enum Limits {
        static let keyBytes = 64 * 1024
        static let predicateBytes = DSSE.maxPayloadBytes - 64 * 1024
        static let predicateTypeBytes = 1_024
        static let subjects = 1_000
        static let predicateDepth = 64
    }

    @Option(help: ArgumentHelp("Unencrypted PEM private key (PKCS#8 \"PRIVATE KEY\", or \"EC PRIVATE KEY\").", valueName: "file"))
    var key: String

    @Option(help: ArgumentHelp("The predicate type URI, e.g. https://slsa.dev/provenance/v1.", valueName: "uri"))
    var predicateType: String

    @Option(help: ArgumentHelp("An image digest: name@sha256:<64 hex> or sha256:<64 hex> (repeatable; tags are refused).", valueName: "ref"))
    var subject: [String] = []

    @Option(help: ArgumentHelp("File holding the predicate, a JSON object ('-' reads stdin).", valueName: "file"))
    var predicate: String

    @Option(help: ArgumentHelp("Write the envelope to this file instead of stdout.", valueName: "file"))
    var out: String?

    func run() async throws {
        let subjects = try parseSubjects()
        let predicateType = try checkedPredicateType()
        let predicateValue = try readPredicate()
        let signingKey = try readKey()

        let json: [UInt8]
        do {
            json =
                try DSSESigner.inTotoEnvelope(subjects: subjects, predicateType: predicateType, predicate: predicateValue, key: signingKey)
                + [0x0A]
        } catch {
            throw Self.fail("\(error)")
        }
        let summary = "\(subjects.count) subject\(subjects.count == 1 ? "" : "s") with key \(signingKey.publicKey.id)"
        if let out {
            do {
                try LocalFile.write(json, to: out, mode: 0o644, replacing: true)
            } catch {
                throw Self.fail("cannot write \(out): \(error)")
            }
            Output.message("Signed \(summary); wrote \(out).")
        } else {
            Output.message("Signed \(summary).")
            print(String(decoding: json.dropLast(), as: UTF8.self))
        }
    }

    /// Every `--subject` as an in-toto subject; tags and malformed digests are refused, exact repeats dropped.
    private func parseSubjects() throws -> [Subject] {
        guard !subject.isEmpty else { throw Self.fail("give at least one --subject NAME@sha256:… (or sha256:…)") }
        guard subject.count <= Limits.subjects else { throw Self.fail("at most \(Limits.subjects) subjects per statement") }
        var subjects: [Subject] = []
        for text in subject {
            let reference: ImageReference
            do {
                reference = try ImageReference(parsing: text)
            } catch .tagOnly {
                throw Self.fail(
                    "'\(CheckCommand.printable(text))' is a tag reference; a signature must name a digest: resolve it first "
                        + "(e.g. crane digest IMAGE, or docker buildx imagetools inspect) and pass name@sha256:…")
            } catch {
                throw Self.fail("--subject '\(CheckCommand.printable(text))': \(error)")
            }
            // in-toto's convention for a subject without a meaningful name.
            let entry = Subject(name: reference.name ?? "_", digest: reference.digest)
            if !subjects.contains(entry) { subjects.append(entry) }
        }
        return subjects
    }

    /// A TypeURI: a scheme, no whitespace or control characters, within the server's length limit.
    private func checkedPredicateType() throws -> String {
        let bytes = Array(predicateType.utf8)
        guard !bytes.isEmpty, bytes.count <= Limits.predicateTypeBytes else {
            throw Self.fail("--predicate-type must be a URI of 1 to \(Limits.predicateTypeBytes) bytes")
        }
        let isAlpha = { (b: UInt8) in (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
        let schemeEnd = bytes.firstIndex(of: UInt8(ascii: ":")) ?? 0
        let scheme = bytes[..<schemeEnd]
        let schemeIsValid =
            !scheme.isEmpty && isAlpha(scheme[0])
            && scheme.allSatisfy { isAlpha($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E }
        guard schemeIsValid, bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw Self.fail("--predicate-type '\(CheckCommand.printable(predicateType))' is not a URI (e.g. https://slsa.dev/provenance/v1)")
        }
        return predicateType
    }

    /// The predicate file (or stdin) parsed as JSON; anything but an object is refused.
    private func readPredicate() throws -> [String: JSONValue] {
        let source = predicate == "-" ? "stdin" : predicate
        let bytes: [UInt8]
        do {
            bytes = predicate == "-" ? try LocalFile.readStandardInput(limit: Limits.predicateBytes) : try LocalFile.read(predicate, limit: Limits.predicateBytes)
        } catch {
            throw Self.fail("cannot read the predicate from \(source): \(error)")
        }
        do {
            try JSONDepthGuard.check(bytes, maxDepth: Limits.predicateDepth)
        } catch {
            throw Self.fail("the predicate in \(source) is not usable JSON: \(error)")
        }
        guard let value = JSONValue.decode(bytes) else {
            throw Self.fail("the predicate in \(source) is not valid JSON")
        }
        guard case .object(let members) = value else {
            throw Self.fail("the predicate in \(source) must be a JSON object, not \(value.kindDescription)")
        }
        return members
    }

    /// The private key; the file's bytes are overwritten once parsed (best effort: the PEM string copy remains).
    private func readKey() throws -> PrivateKey {
        var bytes: [UInt8]
        do {
            bytes = try LocalFile.read(key, limit: Limits.keyBytes)
        } catch {
            throw Self.fail("cannot read the key \(key): \(error)")
        }
        defer { for index in bytes.indices { bytes[index] = 0 } }
        do {
            return try PrivateKey(pemEncoded: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw Self.fail("\(key) is not a usable private key: \(error)")
        }
    }

    /// Prints `message` to stderr and returns the exit-2 error to throw.
    static func fail(_ message: String) -> ExitCode {
        Output.message("shipgate sign: \(message)")
        return ExitCode(2)
    }
}
