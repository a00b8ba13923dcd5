import Evidence

// libFuzzer target for the Grype reader of `ScanParser`: the named format and auto-detection. Any outcome but a
// crash, a trap or an out-of-bounds read is fine; a thrown EvidenceError is the API's 4xx.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGrypeReport(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    _ = try? ScanParser.parse(bytes, format: .grype)
    _ = try? ScanParser.parse(bytes)
    return 0
}
