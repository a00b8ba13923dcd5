import Crypto
import Foundation
import TestSupport

/// Files in `Tests/CryptoTests/Fixtures` (see its README for sources and licenses), found relative to this file.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func text(_ name: String) throws -> String { try String(contentsOf: url(name), encoding: .utf8) }

    static func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url(name))) }
}

/// A DSSE envelope's signed bytes (PAE) and first signature, for checking published signatures.
struct PublishedSignature: Sendable {
    let pae: [UInt8]
    let signature: [UInt8]

    /// Reads the envelope in `name` (a JSON object, or the first line of a `.jsonl` file).
    init(envelope name: String) throws {
        let data = try Data(contentsOf: Fixtures.url(name))
        let json = name.hasSuffix(".jsonl") ? Data(data.split(separator: UInt8(ascii: "\n")).first ?? data[...]) : data
        guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any],
            let payloadType = object["payloadType"] as? String,
            let payloadBase64 = object["payload"] as? String,
            let payload = Data(base64Encoded: payloadBase64),
            let signatures = object["signatures"] as? [[String: Any]],
            let sigBase64 = signatures.first?["sig"] as? String,
            let signature = Data(base64Encoded: sigBase64)
        else { throw TestFailure("\(name) is not a DSSE envelope") }
        // DSSE v1 PAE: "DSSEv1" SP len(type) SP type SP len(payload) SP payload (lengths in ASCII decimal).
        let type = Array(payloadType.utf8)
        pae = Array("DSSEv1 \(type.count) ".utf8) + type + Array(" \(payload.count) ".utf8) + Array(payload)
        self.signature = Array(signature)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the system temporary directory; call `remove()` when done.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("CryptoTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ bytes: [UInt8], to name: String) throws -> String {
        try Data(bytes).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    @discardableResult
    func write(_ text: String, to name: String) throws -> String { try write(Array(text.utf8), to: name) }

    func read(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: url.appendingPathComponent(name))) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The `openssl` command-line tool: an implementation independent of our wrapper's code paths.
enum OpenSSLCLI {
    static let path = "/usr/bin/openssl"
    static let isAvailable = FileManager.default.isExecutableFile(atPath: path)

    /// Runs `openssl arguments…`; throws with its stderr on a non-zero exit. Returns stdout.
    @discardableResult
    static func run(_ arguments: [String]) throws -> [UInt8] {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Every command here writes little to stdout; stderr goes to its own pipe, read after stdout reaches EOF.
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
        return Array(stdout)
    }

    /// A key pair from `openssl genpkey <options>` as (private PKCS#8 PEM, public SPKI PEM).
    static func generateKeyPair(_ options: [String]) throws -> KeyPairPEM {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try run(["genpkey"] + options + ["-out", directory.path("key.pem")])
        try run(["pkey", "-in", directory.path("key.pem"), "-pubout", "-out", directory.path("pub.pem")])
        return KeyPairPEM(
            privatePEM: String(decoding: try directory.read("key.pem"), as: UTF8.self),
            publicPEM: String(decoding: try directory.read("pub.pem"), as: UTF8.self))
    }

    /// `openssl pkey -pubin -outform DER | openssl dgst -sha256`, as lowercase hex.
    static func publicKeyID(pemFile: String) throws -> String {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try run(["pkey", "-pubin", "-in", pemFile, "-outform", "DER", "-out", directory.path("key.der")])
        // `-r` prints "<hex> *<file>".
        let line = String(decoding: try run(["dgst", "-sha256", "-r", directory.path("key.der")]), as: UTF8.self)
        return String(line.prefix { $0 != " " })
    }
}

struct KeyPairPEM: Sendable {
    let privatePEM: String
    let publicPEM: String
}

/// Key pairs made once per test run by the `openssl` CLI (RSA generation is the slow part).
enum CLIKeys {
    static let rsa1024 = Result { try OpenSSLCLI.generateKeyPair(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]) }
    static let rsa2048 = Result { try OpenSSLCLI.generateKeyPair(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]) }
    static let p256 = Result { try OpenSSLCLI.generateKeyPair(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]) }
    static let p384 = Result { try OpenSSLCLI.generateKeyPair(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]) }
    static let ed25519 = Result { try OpenSSLCLI.generateKeyPair(["-algorithm", "ED25519"]) }
}

/// Keys made once per test run by `PrivateKey.generate`.
enum GeneratedKeys {
    static let p256 = Result { try PrivateKey.generate(.ecdsaP256) }
    static let p384 = Result { try PrivateKey.generate(.ecdsaP384) }
    static let ed25519 = Result { try PrivateKey.generate(.ed25519) }
    static let rsa2048 = Result { try PrivateKey.generate(.rsa(bits: 2048)) }

    static func key(_ algorithm: PublicKeyAlgorithm) throws -> PrivateKey {
        switch algorithm {
        case .ecdsaP256: try p256.get()
        case .ecdsaP384: try p384.get()
        case .ed25519: try ed25519.get()
        case .rsa: try rsa2048.get()
        }
    }
}

extension Array where Element == UInt8 {
    /// A copy with bit `bit` (0 = most significant bit of byte 0) inverted.
    func flippingBit(_ bit: Int) -> [UInt8] {
        var copy = self
        copy[bit / 8] ^= 0x80 >> UInt8(bit % 8)
        return copy
    }

    /// Raw r||s from a DER ECDSA-Sig-Value (test-side parser, independent of the library's encoder).
    func ecdsaRawSignature(coordinateBytes: Int) throws -> [UInt8] {
        var index = 0
        func readLength() throws -> Int {
            guard index < count else { throw TestFailure("truncated DER") }
            let first = Int(self[index]); index += 1
            if first < 0x80 { return first }
            guard first == 0x81, index < count else { throw TestFailure("unexpected DER length") }
            defer { index += 1 }
            return Int(self[index])
        }
        func readInteger() throws -> [UInt8] {
            guard index < count, self[index] == 0x02 else { throw TestFailure("expected INTEGER") }
            index += 1
            let length = try readLength()
            guard index + length <= count else { throw TestFailure("truncated INTEGER") }
            defer { index += length }
            let magnitude = Array(self[index..<index + length].drop { $0 == 0 })
            guard magnitude.count <= coordinateBytes else { throw TestFailure("INTEGER too large") }
            return [UInt8](repeating: 0, count: coordinateBytes - magnitude.count) + magnitude
        }
        guard first == 0x30 else { throw TestFailure("expected SEQUENCE") }
        index = 1
        _ = try readLength()
        return try readInteger() + readInteger()
    }

    /// The DER INTEGER contents of r in an ECDSA-Sig-Value (with any leading zero octet).
    var ecdsaDERr: [UInt8] {
        // SEQUENCE header is two bytes for P-256/P-384; then 0x02, length, contents.
        let length = Int(self[3])
        return Array(self[4..<4 + length])
    }
}

extension String {
    /// Hex decoding for test vectors.
    var hexBytes: [UInt8] {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
        }
        return bytes
    }
}
