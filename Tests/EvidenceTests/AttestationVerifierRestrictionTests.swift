import Crypto
import Domain
import Evidence
import Testing

/// Per-key restrictions: predicate types, subject patterns and builder ids narrow what a verified key vouches for.
@Suite struct AttestationVerifierRestrictionTests {
    private typealias Kit = AttestationTestKit
    private typealias Builder = AttestationEnvelopeBuilder

    private static let builderID =
        "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@refs/tags/v2.0.0"
    private static let provenance = """
        {"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1"},"runDetails":{"builder":{"id":"\(builderID)"}}}
        """

    private func signed(_ payload: [UInt8], by key: PrivateKey) throws -> DSSEEnvelope {
        try Builder.envelope(payload, signedBy: [key])
    }

    @Test func aKeyMaySignOnlyItsAllowedPredicateTypes() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let envelope = try signed(Builder.statement(predicateType: "https://example.com/other/v1"), by: key)
        let allowed = Kit.trusted(key.publicKey, name: "builder", predicateTypes: ["https://example.com/other/v1"])
        _ = try Kit.expectVerified(envelope, keys: [allowed])
        let restricted = Kit.trusted(key.publicKey, name: "builder", predicateTypes: ["https://slsa.dev/provenance/v1"])
        let reasons = try Kit.expectRejected(envelope, keys: [restricted])
        #expect(reasons == ["key 'builder' (\(key.publicKey.id.prefix(12))) is not allowed to sign predicate type 'https://example.com/other/v1'"])
    }

    @Test func aRestrictedKeyIsDroppedWhileAnUnrestrictedCosignerStillCounts() throws {
        let restricted = try PrivateKey.generate(.ecdsaP256)
        let open = try PrivateKey.generate(.ed25519)
        let envelope = try Builder.envelope(Builder.statement(), signedBy: [restricted, open])
        let attestation = try Kit.expectVerified(
            envelope, keys: [Kit.trusted(restricted.publicKey, predicateTypes: ["https://slsa.dev/provenance/v1"]), Kit.trusted(open.publicKey)])
        #expect(attestation.verifiedKeyIDs == [open.publicKey.id])
    }

    @Test func everySubjectMustMatchOneOfTheKeysPatterns() throws {
        let key = try PrivateKey.generate(.ed25519)
        let payload = Builder.statement(subjects: [
            ("registry.example.com/team/app", ["sha256": Builder.digestA]), ("registry.example.com/other/app", ["sha256": Builder.digestB]),
        ])
        let envelope = try signed(payload, by: key)
        let reasons = try Kit.expectRejected(
            envelope, keys: [Kit.trusted(key.publicKey, name: "team", subjectPatterns: ["registry.example.com/team/*"])])
        #expect(
            reasons == [
                "key 'team' (\(key.publicKey.id.prefix(12))) is not allowed to attest subject 'registry.example.com/other/app': it matches none of the key's subject patterns"
            ])
        let both = Kit.trusted(key.publicKey, subjectPatterns: ["registry.example.com/team/*", "registry.example.com/other/*"])
        #expect(try Kit.expectVerified(envelope, keys: [both]).subjects.count == 2)
    }

    @Test(arguments: [
        ("registry.example.com/team/*", "registry.example.com/team/app", true),
        ("registry.example.com/team/*", "registry.example.com/team/sub/app", false),
        ("registry.example.com/team/*", "registry.example.com/team/", true),
        ("registry.example.com/**", "registry.example.com/team/sub/app", true),
        ("registry.example.com/**/app", "registry.example.com/team/sub/app", true),
        ("registry.example.com/**/app", "registry.example.com/team/sub/web", false),
        ("*", "app", true),
        ("*", "team/app", false),
        ("**", "team/app", true),
        ("team/*", "registry.example.com/team/app", false),
        ("registry.example.com/team/app", "registry.example.com/team/app-evil", false),
        ("registry.example.com/team/app", "Registry.example.com/team/app", false),
        ("registry.example.com/*/app", "registry.example.com/team/app", true),
        ("registry.example.com/t*m/app", "registry.example.com/team/app", true),
        ("ghcr.io/org/*", "", false),
    ])
    func subjectPatternsAreAnchoredGlobs(pattern: String, name: String, matches: Bool) throws {
        let key = try PrivateKey.generate(.ed25519)
        let envelope = try signed(Builder.statement(subjects: [(name, ["sha256": Builder.digestA])]), by: key)
        let verdict = AttestationVerifier(keys: [Kit.trusted(key.publicKey, subjectPatterns: [pattern])]).verify(envelope)
        if case .verified = verdict {
            #expect(matches, "\(pattern) should not match \(name)")
        } else {
            #expect(!matches, "\(pattern) should match \(name): \(verdict)")
        }
    }

    @Test func aBuilderRestrictedKeyVouchesOnlyForItsBuilders() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let envelope = try signed(Builder.statement(predicateType: "https://slsa.dev/provenance/v1", predicate: Self.provenance), by: key)
        _ = try Kit.expectVerified(envelope, keys: [Kit.trusted(key.publicKey, builderIDs: [Self.builderID])])
        let reasons = try Kit.expectRejected(
            envelope, keys: [Kit.trusted(key.publicKey, name: "ci", builderIDs: ["https://example.com/other-builder"])])
        #expect(reasons == ["key 'ci' (\(key.publicKey.id.prefix(12))) is not allowed to vouch for builder id '\(Self.builderID)'"])
    }

    @Test func aBuilderRestrictedKeyDoesNotCountForNonProvenance() throws {
        let key = try PrivateKey.generate(.ecdsaP256)
        let envelope = try signed(Builder.statement(), by: key)
        let reasons = try Kit.expectRejected(envelope, keys: [Kit.trusted(key.publicKey, name: "ci", builderIDs: [Self.builderID])])
        #expect(reasons.count == 1)
        #expect(reasons[0].hasSuffix("is restricted to SLSA provenance from listed builders, and this statement is not SLSA provenance"))
    }

    @Test func everyDroppedKeyGivesItsOwnReason() throws {
        let first = try PrivateKey.generate(.ecdsaP256)
        let second = try PrivateKey.generate(.ed25519)
        let envelope = try Builder.envelope(Builder.statement(), signedBy: [first, second])
        let reasons = try Kit.expectRejected(
            envelope,
            keys: [
                Kit.trusted(first.publicKey, name: "a", predicateTypes: ["https://slsa.dev/provenance/v1"]),
                Kit.trusted(second.publicKey, name: "b", subjectPatterns: ["elsewhere/*"]),
            ])
        #expect(reasons.count == 2)
        #expect(reasons.contains { $0.hasPrefix("key 'a'") } && reasons.contains { $0.hasPrefix("key 'b'") })
    }
}
