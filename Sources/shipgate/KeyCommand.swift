import App
import ArgumentParser
import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage the public keys trusted to sign attestations.", subcommands: [Add.self, Revoke.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Trust a public key (PEM SubjectPublicKeyInfo: ECDSA P-256/P-384, Ed25519, RSA ≥ 2048).")

        @OptionGroup var database: DatabaseOption
        @Option(help: "A name for the key (e.g. the CI system that signs with it).") var name: String
        @Option(help: "The PEM public key file.") var file: String
        @Option(help: "Only accept attestations of this predicate type (repeatable).") var predicateType: [String] = []
        @Option(help: "Only accept SLSA provenance from this builder id (repeatable).") var builderId: [String] = []
        @Option(help: "Only accept subjects whose name matches this pattern, * within a path segment, ** across (repeatable).")
        var subjectPattern: [String] = []

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            let pem = String(decoding: data, as: UTF8.self)
            let key = try await withDatabase(database) { services in
                try await services.evidence.addKey(
                    name: name, pem: pem, predicateTypes: predicateType, builderIDs: builderId, subjectPatterns: subjectPattern, actor: "cli")
            }
            Output.message("Trusted key '\(key.name)' (\(key.algorithm.rawValue)).")
            print(key.id)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a trusted key by id; later verifications and decisions ignore it.")

        @OptionGroup var database: DatabaseOption
        @Argument(help: "The key id (hex SHA-256 of the DER public key).") var id: String

        func run() async throws {
            try await withDatabase(database) { services in try await services.evidence.revokeKey(id: id, actor: "cli") }
            Output.message("Revoked key \(id).")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List trusted keys.")

        @OptionGroup var database: DatabaseOption

        func run() async throws {
            let keys = try await withDatabase(database) { services in try await services.evidence.keys() }
            print("ID\tNAME\tALGORITHM\tSTATE\tPREDICATE TYPES")
            for key in keys {
                print(
                    [key.id, key.name, key.algorithm.rawValue, key.isActive ? "active" : "revoked", key.predicateTypes.joined(separator: ",")]
                        .joined(separator: "\t"))
            }
        }
    }
}

