import Evidence

// libFuzzer target for `ImageConfigParser` (OCI/Docker image config, bare config, Trivy's ImageConfig).
// Beyond "no crash": env values never reach the facts, so no env value may appear among the env names.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageConfig(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    guard let facts = try? ImageConfigParser.parse(Array(UnsafeRawBufferPointer(start: data, count: size))) else { return 0 }
    if facts.envNames.contains(where: { $0.contains("=") }) { fatalError("an env name carries a value") }
    return 0
}
