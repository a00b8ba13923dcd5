import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Typed field access for signed statements: a missing optional field is nil, but a field of the wrong type is a
/// rejection naming the field, so a malformed statement is refused instead of being half-understood.
extension [String: JSONValue] {
    /// An optional string member; absent, null and "" all read as nil.
    func optionalString(_ key: String, at path: String) throws(AttestationRejection) -> String? {
        switch self[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text.isEmpty ? nil : text
        case let other?: throw AttestationRejection("\(path)\(key) must be a string, not \(other.kindDescription)")
        }
    }

    /// A required non-empty string member.
    func requiredString(_ key: String, at path: String) throws(AttestationRejection) -> String {
        guard let text = try optionalString(key, at: path) else { throw AttestationRejection("\(path)\(key) is missing") }
        return text
    }

    /// An optional object member; absent or null reads as nil.
    func optionalObject(_ key: String, at path: String) throws(AttestationRejection) -> [String: JSONValue]? {
        switch self[key] {
        case nil, .null?: return nil
        case .object(let members)?: return members
        case let other?: throw AttestationRejection("\(path)\(key) must be an object, not \(other.kindDescription)")
        }
    }

    /// An optional array member; absent or null reads as nil.
    func optionalArray(_ key: String, at path: String) throws(AttestationRejection) -> [JSONValue]? {
        switch self[key] {
        case nil, .null?: return nil
        case .array(let elements)?: return elements
        case let other?: throw AttestationRejection("\(path)\(key) must be an array, not \(other.kindDescription)")
        }
    }

    /// An optional RFC 3339 instant; a string that is not one is a rejection.
    func optionalTime(_ key: String, at path: String) throws(AttestationRejection) -> Date? {
        guard let text = try optionalString(key, at: path) else { return nil }
        guard let date = Timestamp.parse(text) else { throw AttestationRejection("\(path)\(key) is not an RFC 3339 time") }
        return date
    }
}
