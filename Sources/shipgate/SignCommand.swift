import ArgumentParser
import Crypto
import Domain
import Evidence

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

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

        let statement = InTotoStatementV1(subject: subjects, predicateType: predicateType, predicate: predicateValue)
        let payload: [UInt8]
        do {
            payload = try Self.encode(statement)
        } catch {
            throw Self.fail("cannot serialise the statement: \(error)")
        }
        guard payload.count <= DSSE.maxPayloadBytes else {
            throw Self.fail("the statement is \(payload.count) bytes; servers accept at most \(DSSE.maxPayloadBytes)")
        }
        let signed = DSSE.pae(payloadType: DSSE.inTotoPayloadType, payload: payload)
        let signature: [UInt8]
        do {
            signature = try signingKey.signature(for: signed)
        } catch {
            throw Self.fail("signing failed: \(error)")
        }
        // Cheap insurance that what we hand out verifies with the public half we name in `keyid`.
        guard signingKey.publicKey.isValidSignature(signature, for: signed) else {
            throw Self.fail("the signature does not verify with the key's own public key; nothing was written")
        }
        let envelope = DSSEEnvelopeJSON(
            payloadType: DSSE.inTotoPayloadType, payload: Base64.encode(payload),
            signatures: [.init(keyid: signingKey.publicKey.id, sig: Base64.encode(signature))])
        let json: [UInt8]
        do {
            json = try Self.encode(envelope) + [0x0A]
        } catch {
            throw Self.fail("cannot serialise the envelope: \(error)")
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
    private func parseSubjects() throws -> [InTotoStatementV1.Subject] {
        guard !subject.isEmpty else { throw Self.fail("give at least one --subject NAME@sha256:… (or sha256:…)") }
        guard subject.count <= Limits.subjects else { throw Self.fail("at most \(Limits.subjects) subjects per statement") }
        var subjects: [InTotoStatementV1.Subject] = []
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
            let entry = InTotoStatementV1.Subject(name: reference.name ?? "_", digest: ["sha256": String(reference.digest.hex)])
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
    private func readPredicate() throws -> JSONNode {
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
        let value: JSONNode
        do {
            value = try JSONDecoder().decode(JSONNode.self, from: Data(bytes))
        } catch {
            throw Self.fail("the predicate in \(source) is not valid JSON")
        }
        guard case .object = value else {
            throw Self.fail("the predicate in \(source) must be a JSON object, not \(value.kindDescription)")
        }
        return value
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

    /// Canonical-enough JSON: sorted keys, `/` unescaped (predicate type URIs stay readable), no whitespace.
    private static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Prints `message` to stderr and returns the exit-2 error to throw.
    static func fail(_ message: String) -> ExitCode {
        Output.message("shipgate sign: \(message)")
        return ExitCode(2)
    }
}

/// An in-toto Statement v1 (in-toto/attestation `spec/v1/statement.md`).
struct InTotoStatementV1: Encodable {
    /// One ResourceDescriptor with a name and a digest set.
    struct Subject: Encodable, Equatable {
        let name: String
        let digest: [String: String]
    }

    let type = "https://in-toto.io/Statement/v1"
    let subject: [Subject]
    let predicateType: String
    let predicate: JSONNode

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case subject, predicateType, predicate
    }
}

/// A DSSE envelope as JSON (secure-systems-lab/dsse `envelope.md`), payload and signatures in standard Base64.
struct DSSEEnvelopeJSON: Encodable {
    /// One signature and the hint naming its key.
    struct Signature: Encodable {
        let keyid: String
        let sig: String
    }

    let payloadType: String
    let payload: String
    let signatures: [Signature]
}

/// Any JSON value, decoded so that it re-encodes to the same meaning (integers stay integers, exact to 64 bits).
enum JSONNode: Codable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case array([JSONNode])
    case object([String: JSONNode])

    /// "an object", "a string", … for messages.
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .unsigned, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    init(from decoder: any Decoder) throws {
        if let members = try? decoder.container(keyedBy: AnyKey.self) {
            var object: [String: JSONNode] = [:]
            for key in members.allKeys { object[key.stringValue] = try members.decode(JSONNode.self, forKey: key) }
            self = .object(object)
            return
        }
        if var elements = try? decoder.unkeyedContainer() {
            var array: [JSONNode] = []
            while !elements.isAtEnd { array.append(try elements.decode(JSONNode.self)) }
            self = .array(array)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? single.decode(UInt64.self) {
            self = .unsigned(value)
        } else if let value = try? single.decode(Double.self) {
            self = .double(value)
        } else {
            self = .string(try single.decode(String.self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let members):
            var container = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in members { try container.encode(value, forKey: AnyKey(stringValue: key)) }
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .integer(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .unsigned(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }

    /// Object member names as coding keys.
    struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A local file could not be read or written; `description` names the cause (errno text), never the contents.
struct LocalFileError: Error, CustomStringConvertible {
    let description: String

    /// The error for the failed call that just set `errno`.
    static func errno(_ code: Int32) -> LocalFileError { LocalFileError(description: String(cString: strerror(code))) }
}

/// Small, careful file access for the CLI: bounded reads, exclusive or replacing writes with an explicit mode, fsync.
enum LocalFile {
    /// True when anything (also a dangling symlink) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Removes `path`, ignoring errors (cleanup after a failure).
    static func remove(_ path: String) {
        _ = unlink(path)
    }

    /// The whole regular file (or FIFO, e.g. `<(…)`), at most `limit` bytes.
    static func read(_ path: String, limit: Int) throws(LocalFileError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .errno(Glibc.errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .errno(Glibc.errno) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw LocalFileError(description: "it is a directory") }
        return try readAll(fd, limit: limit)
    }

    /// Everything on standard input until end of file, at most `limit` bytes.
    static func readStandardInput(limit: Int) throws(LocalFileError) -> [UInt8] {
        try readAll(0, limit: limit)
    }

    /// Writes `bytes` to `path` with permission bits `mode`: a new file only (O_EXCL, which also refuses a symlink) unless
    /// `replacing`. A new file is fsynced, so a key or envelope reported as written survives a crash.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t, replacing: Bool) throws(LocalFileError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (replacing ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        guard fd >= 0 else {
            let code = Glibc.errno
            throw code == EEXIST ? LocalFileError(description: "the file exists already") : .errno(code)
        }
        var failure: LocalFileError?
        // The umask may only have removed bits; for a fresh file make the mode exactly what was asked.
        if !replacing, fchmod(fd, mode) != 0 { failure = .errno(Glibc.errno) }
        var offset = 0
        while failure == nil, offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if Glibc.errno == EINTR { continue }
                failure = .errno(Glibc.errno)
            } else {
                offset += written
            }
        }
        // fsync on a pipe or terminal (`--out /dev/stdout`) fails with EINVAL: nothing to make durable there.
        if failure == nil, fsync(fd) != 0, Glibc.errno != EINVAL { failure = .errno(Glibc.errno) }
        if close(fd) != 0, failure == nil, Glibc.errno != EINTR { failure = .errno(Glibc.errno) }
        if let failure {
            if !replacing { remove(path) }
            throw failure
        }
    }

    private static func readAll(_ fd: Int32, limit: Int) throws(LocalFileError) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw .errno(Glibc.errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: buffer[..<n])
            guard bytes.count <= limit else { throw LocalFileError(description: "larger than \(limit) bytes") }
        }
    }
}
