import Domain
import Testing

@Suite struct ImageReferenceTests {
    static let hex = String(repeating: "ab", count: 32)

    @Test func acceptsBareDigest() throws {
        let reference = try ImageReference(parsing: "sha256:" + Self.hex)
        #expect(reference.name == nil)
        #expect(reference.digest.rawValue == "sha256:" + Self.hex)
        #expect(reference.digest.hex == Substring(Self.hex))
    }

    @Test(arguments: [
        ("ghcr.io/acme/api@sha256:", "ghcr.io/acme/api"),
        ("registry:5000/team/app@sha256:", "registry:5000/team/app"),
        ("acme/api:1.2.3@sha256:", "acme/api"),
    ])
    func acceptsNamedDigest(prefix: String, name: String) throws {
        let reference = try ImageReference(parsing: prefix + Self.hex)
        #expect(reference.name == name)
        #expect(reference.digest.hex == Substring(Self.hex))
    }

    @Test(arguments: ["acme/api:latest", "acme/api", "nginx:1.25", "registry:5000/app:v1"])
    func refusesTagOnly(text: String) {
        #expect(throws: ReferenceError.tagOnly) { try ImageReference(parsing: text) }
    }

    @Test(arguments: [
        ("sha256:" + String(repeating: "AB", count: 32), ReferenceError.malformedDigest),
        ("sha256:abc", .malformedDigest),
        ("sha256:" + String(repeating: "ab", count: 32) + "00", .malformedDigest),
        ("sha512:" + String(repeating: "ab", count: 64), .notADigest),
        ("acme/api@sha512:" + String(repeating: "ab", count: 64), .notADigest),
        ("Acme/API@sha256:" + String(repeating: "ab", count: 32), .malformedName),
        ("acme api@sha256:" + String(repeating: "ab", count: 32), .malformedName),
        ("", .notADigest),
    ])
    func refusesMalformed(text: String, error: ReferenceError) {
        #expect(throws: error) { try ImageReference(parsing: text) }
    }

    @Test func digestFromBareHexFoldsCase() throws {
        let digest = try Digest(sha256Hex: String(repeating: "AB", count: 32))
        #expect(digest.rawValue == "sha256:" + Self.hex)
    }
}

@Suite struct PrincipalTests {
    @Test func serviceTokenHasItsScopes() {
        let principal = Principal(name: "token:ci", user: nil, role: nil, grantedScopes: [.evidenceWrite])
        #expect(principal.allows(.evidenceWrite))
        #expect(!principal.allows(.clearanceRead))
    }

    @Test func adminScopeImpliesEveryScope() {
        let principal = Principal(name: "token:root", user: nil, role: nil, grantedScopes: [.admin])
        #expect(Scope.allCases.allSatisfy(principal.allows))
    }

    @Test(arguments: [
        (Role.viewer, [Scope.clearanceRead]),
        (.approver, [.clearanceRead, .approvalsWrite]),
        (.admin, Scope.allCases),
    ])
    func userTokenIsNarrowedByRole(role: Role, allowed: [Scope]) {
        let principal = Principal(name: "u", user: "u", role: role, grantedScopes: [.admin])
        #expect(principal.effectiveScopes == Set(allowed))
    }

    @Test func userTokenNeverExceedsItsOwnScopes() {
        let principal = Principal(name: "a", user: "a", role: .admin, grantedScopes: [.clearanceRead])
        #expect(principal.effectiveScopes == [.clearanceRead])
    }

    @Test(arguments: ["alice", "ci-bot_2", "a.b", "A1"])
    func acceptsNames(name: String) { #expect(Naming.isValidName(name)) }

    @Test(arguments: ["", "-lead", "has space", "<script>", String(repeating: "x", count: 65), "ünïcode"])
    func refusesNames(name: String) { #expect(!Naming.isValidName(name)) }
}
