import Evidence

// libFuzzer target for `SBOMParser` (CycloneDX and SPDX JSON). Any outcome but a crash, a trap or an
// out-of-bounds read is fine; a thrown EvidenceError is the API's 4xx.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSBOM(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    _ = try? SBOMParser.parse(Array(UnsafeRawBufferPointer(start: data, count: size)))
    return 0
}
