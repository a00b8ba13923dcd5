import Policy

// libFuzzer target for the policy JSON parser and reader (`PolicyParser.parse`). Beyond "no crash": an accepted
// policy survives its own canonical encoding (what PUT stores and GET returns) unchanged, and that encoding is
// a fixed point, so a stored policy always reads back as the policy that was checked.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    let environments: Set<String> = ["staging", "production"]
    guard let policy = try? PolicyParser.parse(bytes, environment: "production", knownEnvironments: environments) else { return 0 }
    let encoded = PolicyParser.encode(policy)
    let reread: EnvironmentPolicy
    do {
        reread = try PolicyParser.parse(encoded, environment: "production", knownEnvironments: environments)
    } catch {
        fatalError("the canonical encoding of an accepted policy is refused: \(error)")
    }
    if reread != policy { fatalError("an accepted policy changed through its canonical encoding") }
    if PolicyParser.encode(reread) != encoded { fatalError("the canonical encoding is not a fixed point") }
    return 0
}
