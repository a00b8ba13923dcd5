import Crypto
import Domain
import Evidence
import Foundation
import Testing

/// SLSA provenance v1 and v0.2 predicates summarised from signed in-test statements.
@Suite struct SLSAProvenanceTests {
    private typealias Kit = AttestationTestKit
    private typealias Builder = AttestationEnvelopeBuilder

    private func verdict(predicateType: String, predicate: String) throws -> AttestationVerdict {
        let key = try PrivateKey.generate(.ecdsaP256)
        let envelope = try Builder.envelope(Builder.statement(predicateType: predicateType, predicate: predicate), signedBy: [key])
        return AttestationVerifier(keys: [Kit.trusted(key.publicKey)]).verify(envelope)
    }

    private func summary(_ predicateType: String, _ predicate: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> ProvenanceSummary?
    {
        let result = try verdict(predicateType: predicateType, predicate: predicate)
        guard case .verified(let attestation) = result, case .provenance(let summary) = attestation.predicate else {
            Issue.record("expected a provenance summary, got \(result)", sourceLocation: sourceLocation)
            return nil
        }
        return summary
    }

    private func reasons(_ predicateType: String, _ predicate: String) throws -> [String] {
        guard case .rejected(let reasons) = try verdict(predicateType: predicateType, predicate: predicate) else { return [] }
        return reasons
    }

    private static let v1 = "https://slsa.dev/provenance/v1"
    private static let v02 = "https://slsa.dev/provenance/v0.2"
    private static let commit = "ebff8dfbd609b7b22237c7719ce07f2dc7934f5f"

    @Test func readsEveryV1Field() throws {
        let predicate = """
            {"buildDefinition":{"buildType":"https://actions.github.io/buildtypes/workflow/v1",
              "externalParameters":{"workflow":{"ref":"refs/heads/main","repository":"https://github.com/org/app","path":".github/workflows/build.yml"}},
              "resolvedDependencies":[{"uri":"pkg:npm/left-pad@1.0.0","digest":{"sha256":"00"}},
                                      {"uri":"git+https://github.com/org/lib@refs/heads/main","digest":{"gitCommit":"1111111111111111111111111111111111111111"}},
                                      {"uri":"git+https://github.com/org/app@refs/heads/main","digest":{"gitCommit":"\(Self.commit.uppercased())"}}]},
             "runDetails":{"builder":{"id":"https://github.com/actions/runner/github-hosted"},
              "metadata":{"invocationId":"https://github.com/org/app/actions/runs/1/attempts/1","startedOn":"2024-11-21T10:00:00Z","finishedOn":"2024-11-21T10:05:30.5Z"}}}
            """
        let summary = try #require(try summary(Self.v1, predicate))
        #expect(summary.slsaVersion == "v1")
        #expect(summary.builderID == "https://github.com/actions/runner/github-hosted")
        #expect(summary.buildType == "https://actions.github.io/buildtypes/workflow/v1")
        #expect(summary.sourceRepository == "https://github.com/org/app")
        #expect(summary.sourceCommit == Self.commit)  // the declared repository's dependency, not the first git one
        #expect(summary.invocationID == "https://github.com/org/app/actions/runs/1/attempts/1")
        #expect(summary.startedOn == Date(timeIntervalSince1970: 1_732_183_200))
        #expect(summary.finishedOn == Date(timeIntervalSince1970: 1_732_183_530.5))
    }

    @Test func takesTheV1SourceFromTheFirstGitDependencyWhenParametersDoNotNameIt() throws {
        let predicate = """
            {"buildDefinition":{"buildType":"t","externalParameters":{"inputs":{}},
              "resolvedDependencies":[{"uri":"git+https://gitlab.example.com/group/app.git@refs/tags/v1","digest":{"sha1":"\(Self.commit)"}}]},
             "runDetails":{"builder":{"id":"b"}}}
            """
        let summary = try #require(try summary(Self.v1, predicate))
        #expect(summary.sourceRepository == "https://gitlab.example.com/group/app.git")
        #expect(summary.sourceCommit == Self.commit)
        #expect(summary.invocationID == nil && summary.startedOn == nil && summary.finishedOn == nil)
    }

    @Test func readsTheV1SourceParameterAsAURIAndKeepsUserinfo() throws {
        let predicate = """
            {"buildDefinition":{"buildType":"t","externalParameters":{"source":"git+https://ci@git.example.com/org/app@refs/heads/main"}},
             "runDetails":{"builder":{"id":"b"}}}
            """
        let summary = try #require(try summary(Self.v1, predicate))
        #expect(summary.sourceRepository == "https://ci@git.example.com/org/app")
        #expect(summary.sourceCommit == nil)
    }

    @Test func refusesV1ProvenanceWithoutABuilderID() throws {
        #expect(
            try reasons(Self.v1, #"{"buildDefinition":{"buildType":"t"},"runDetails":{"builder":{}}}"#) == [
                "SLSA provenance v1: runDetails.builder.id is missing; the builder id is what provenance is trusted for"
            ])
        #expect(try reasons(Self.v1, "{}").first?.contains("runDetails.builder.id is missing") == true)
    }

    @Test(arguments: [
        (#"{"runDetails":{"builder":{"id":5}}}"#, "SLSA provenance v1: runDetails.builder.id must be a string, not a number"),
        (#"{"runDetails":{"builder":"b"}}"#, "SLSA provenance v1: runDetails.builder must be an object, not a string"),
        (#"{"buildDefinition":[],"runDetails":{"builder":{"id":"b"}}}"#, "SLSA provenance v1: buildDefinition must be an object, not an array"),
        (
            #"{"buildDefinition":{"resolvedDependencies":{}},"runDetails":{"builder":{"id":"b"}}}"#,
            "SLSA provenance v1: buildDefinition.resolvedDependencies must be an array, not an object"
        ),
        (
            #"{"runDetails":{"builder":{"id":"b"},"metadata":{"startedOn":"yesterday"}}}"#,
            "SLSA provenance v1: runDetails.metadata.startedOn is not an RFC 3339 time"
        ),
    ])
    func refusesV1FieldsOfTheWrongType(predicate: String, reason: String) throws {
        #expect(try reasons(Self.v1, predicate) == [reason])
    }

    @Test func readsEveryV02Field() throws {
        let predicate = """
            {"builder":{"id":"https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.10.0"},
             "buildType":"https://github.com/slsa-framework/slsa-github-generator/generic@v1",
             "invocation":{"configSource":{"uri":"git+https://github.com/org/app@refs/tags/v14","digest":{"sha1":"\(Self.commit)"},"entryPoint":".github/workflows/release.yml"}},
             "metadata":{"buildInvocationId":"8373486918-1","buildStartedOn":"2024-03-01T12:00:00Z","buildFinishedOn":"2024-03-01T12:10:00Z"},
             "materials":[{"uri":"git+https://github.com/org/other@refs/heads/main","digest":{"sha1":"2222222222222222222222222222222222222222"}}]}
            """
        let summary = try #require(try summary(Self.v02, predicate))
        #expect(summary.slsaVersion == "v0.2")
        #expect(summary.builderID.hasSuffix("generator_generic_slsa3.yml@refs/tags/v1.10.0"))
        #expect(summary.buildType == "https://github.com/slsa-framework/slsa-github-generator/generic@v1")
        #expect(summary.sourceRepository == "https://github.com/org/app")
        #expect(summary.sourceCommit == Self.commit)
        #expect(summary.invocationID == "8373486918-1")
        #expect(summary.startedOn == Date(timeIntervalSince1970: 1_709_294_400))
        #expect(summary.finishedOn == Date(timeIntervalSince1970: 1_709_295_000))
    }

    @Test func fallsBackToV02MaterialsWithoutAConfigSource() throws {
        let predicate = """
            {"builder":{"id":"b"},"materials":[{"uri":"pkg:docker/alpine@3","digest":{"sha256":"00"}},{"uri":"git+https://github.com/org/app@refs/heads/main","digest":{"sha1":"\(Self.commit)"}}]}
            """
        let summary = try #require(try summary(Self.v02, predicate))
        #expect(summary.sourceRepository == "https://github.com/org/app")
        #expect(summary.sourceCommit == Self.commit)
        #expect(summary.buildType == nil)
    }

    @Test func refusesV02ProvenanceWithoutABuilderID() throws {
        #expect(
            try reasons(Self.v02, #"{"buildType":"t"}"#) == [
                "SLSA provenance v0.2: builder.id is missing; the builder id is what provenance is trusted for"
            ])
        #expect(
            try reasons(Self.v02, #"{"builder":{"id":"b"},"invocation":"x"}"#) == ["SLSA provenance v0.2: invocation must be an object, not a string"]
        )
    }
}
