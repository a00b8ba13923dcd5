import ArgumentParser
import Crypto

/// `shipgate keygen --out PREFIX`: a signing key pair for `shipgate sign` (PREFIX.key private, PREFIX.pub public).
struct KeygenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a key pair for signing attestations with `shipgate sign`.",
        discussion: """
            Writes PREFIX.key (unencrypted PKCS#8 PEM, mode 0600) and PREFIX.pub (PEM SubjectPublicKeyInfo), \
            never overwriting an existing file, and prints the key id (hex SHA-256 of the DER public key) \
            alone on the last line of stdout. Register PREFIX.pub with `shipgate key add` or POST /api/v1/keys; \
            keep PREFIX.key in your CI system's secret store.
            """)

    /// The algorithms offered; names as `--algorithm` spells them.
    enum Algorithm: String, ExpressibleByArgument, CaseIterable {
        case ecdsaP256 = "ecdsa-p256"
        case ecdsaP384 = "ecdsa-p384"
        case ed25519

        var keyAlgorithm: PublicKeyAlgorithm {
            switch self {
            case .ecdsaP256: .ecdsaP256
            case .ecdsaP384: .ecdsaP384
            case .ed25519: .ed25519
            }
        }
    }

    @Option(help: ArgumentHelp("Path prefix of the files to write: PREFIX.key and PREFIX.pub.", valueName: "prefix"))
    var out: String

    @Option(help: "The key algorithm.")
    var algorithm: Algorithm = .ecdsaP256

    func run() async throws {
        guard !out.isEmpty else { throw Self.fail("--out must not be empty") }
        let privatePath = out + ".key", publicPath = out + ".pub"
        // Checked up front so a refusal leaves nothing behind; O_EXCL below still closes the race.
        for path in [privatePath, publicPath] where LocalFile.exists(path) {
            throw Self.fail("\(path) exists already; refusing to overwrite a key (choose another --out or remove it)")
        }
        let key: PrivateKey
        do {
            key = try PrivateKey.generate(algorithm.keyAlgorithm)
        } catch {
            throw Self.fail("key generation failed: \(error)")
        }
        do {
            try LocalFile.write(Array(key.pemEncoded.utf8), to: privatePath, mode: 0o600, replacing: false)
        } catch {
            throw Self.fail("cannot write \(privatePath): \(error)")
        }
        do {
            try LocalFile.write(Array(key.publicKey.pemEncoded.utf8), to: publicPath, mode: 0o644, replacing: false)
        } catch {
            // Half a key pair is useless and a private key nobody knows about is a liability.
            LocalFile.remove(privatePath)
            throw Self.fail("cannot write \(publicPath): \(error)")
        }
        Output.message("Wrote \(privatePath) (private key, mode 0600) and \(publicPath) (\(algorithm.rawValue)); key id:")
        print(key.publicKey.id)
    }

    /// Prints `message` to stderr and returns the exit-2 error to throw.
    static func fail(_ message: String) -> ExitCode {
        Output.message("shipgate keygen: \(message)")
        return ExitCode(2)
    }
}
