import Domain

extension EnvironmentPolicy: Codable {
    /// Decodes and validates like `PolicyParser.parse`, except that environment names in `promotion` cannot be
    /// checked here (no list of environments); a value that fails validation throws `PolicyError`.
    public init(from decoder: any Decoder) throws {
        let document = try PolicyJSON(from: decoder)
        self = try PolicyReader(environment: nil, knownEnvironments: nil).policy(document)
    }

    /// Encodes the canonical document (the same shape `PolicyParser.encode` writes).
    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
