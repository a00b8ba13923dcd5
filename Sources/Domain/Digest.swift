/// An image digest, always `sha256:<64 lowercase hex>`: the only identity Shipgate decides on.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The full text form, `sha256:<hex>`.
    public let rawValue: String

    /// Parses `sha256:<64 lowercase hex>`; anything else (other algorithms, upper case, wrong length) throws.
    public init(parsing text: String) throws(ReferenceError) {
        guard text.hasPrefix("sha256:") else { throw .notADigest }
        let hex = text.utf8.dropFirst(7)
        guard hex.count == 64, hex.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw .malformedDigest
        }
        rawValue = text
    }

    /// Builds the digest of a bare 64-hex SHA-256 value, as found in in-toto subjects (case-folded).
    public init(sha256Hex hex: String) throws(ReferenceError) {
        try self.init(parsing: "sha256:" + hex.lowercased())
    }

    /// The 64 hex characters after `sha256:`.
    public var hex: Substring { rawValue.dropFirst(7) }

    public var description: String { rawValue }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
