/// Exposed-port spellings: `8080/tcp`, `53/udp`, `9000/sctp` (OCI `ExposedPorts` keys).
enum PortSpec {
    /// The canonical lowercase form, or nil when malformed. A bare `8080` (OCI's default protocol, tcp) is accepted
    /// only when reading image configs, never in a policy, where the protocol must be explicit.
    static func canonical(_ text: String, allowBare: Bool) -> String? {
        let parts = text.lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 || (allowBare && parts.count == 1) else { return nil }
        let number = parts[0]
        guard !number.isEmpty, number.count <= 5, number.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), number.first != "0",
            let port = Int(number), (1...65535).contains(port)
        else { return nil }
        let proto = parts.count == 2 ? String(parts[1]) : "tcp"
        guard ["tcp", "udp", "sctp"].contains(proto) else { return nil }
        return "\(port)/\(proto)"
    }
}
