import Evidence

// libFuzzer target for `OpenVEX.exemptions(in:)` (POST /api/v1/vex turns its statements into waivers). Beyond
// "no crash": every exemption stays within the bounds the reader promises (vulnerability id ≤ 256 bytes,
// justification ≤ 1,000 characters, status "not_affected" or "fixed").

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOpenVEX(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    guard let exemptions = try? OpenVEX.exemptions(in: Array(UnsafeRawBufferPointer(start: data, count: size))) else { return 0 }
    for exemption in exemptions {
        if exemption.vulnerability.isEmpty || exemption.vulnerability.utf8.count > 256 { fatalError("vulnerability id out of bounds") }
        if exemption.justification.count > 1_000 { fatalError("justification longer than 1,000 characters") }
        if exemption.status != "not_affected" && exemption.status != "fixed" { fatalError("status \(exemption.status) became a waiver") }
    }
    return 0
}
