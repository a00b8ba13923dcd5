#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Any JSON value, decoded so that it re-encodes to the same meaning (integers stay integers, exact to 64 bits).
///
/// Verification walks untrusted documents with it field by field with precise type checks (a wrong type becomes
/// a clear rejection, never a crash or a silently ignored field), but only on payloads whose signature has already
/// verified and only for small parts of them (subjects, provenance); large predicates are handed on as bytes
/// (`JSONSlice`). Signing (`DSSESigner`) encodes predicates with it.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// Every integer that fits `Int64`.
    case integer(Int64)
    /// Integers above `Int64.max` that fit `UInt64`, so they do not lose precision as doubles.
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The kind name used in error messages ("a string", "an object", …).
    public var kindDescription: String { kind.description }

    /// The members when this is an object.
    var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The elements when this is an array.
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The text when this is a string.
    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// Member `key` of an object; nil for a missing key or a non-object.
    subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Decodes one JSON document; nil when the bytes are not valid JSON (including nesting deeper than 512 levels).
    public static func decode(_ bytes: some Collection<UInt8>) -> JSONValue? {
        JSONValueParser.parse(bytes)
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value; numbers become `.integer`, then `.unsigned`, then `.double`, whichever holds them exactly.
    public init(from decoder: any Decoder) throws {
        // The cheapest probe first: most leaves are strings, and every failed probe costs a thrown DecodingError.
        let single = try decoder.singleValueContainer()
        if let value = try? single.decode(String.self) {
            self = .string(value)
        } else if single.decodeNil() {
            self = .null
        } else if let members = try? decoder.container(keyedBy: JSONAnyKey.self) {
            var object: [String: JSONValue] = [:]
            object.reserveCapacity(members.allKeys.count)
            // Duplicate member names: the decoder keeps the first occurrence only.
            for key in members.allKeys { object[key.stringValue] = try members.decode(JSONValue.self, forKey: key) }
            self = .object(object)
        } else if var elements = try? decoder.unkeyedContainer() {
            var array: [JSONValue] = []
            array.reserveCapacity(elements.count ?? 0)
            while !elements.isAtEnd { array.append(try elements.decode(JSONValue.self)) }
            self = .array(array)
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? single.decode(UInt64.self) {
            self = .unsigned(value)
        } else {
            self = .double(try single.decode(Double.self))
        }
    }

    /// Encodes the value as it was decoded; object member order is the encoder's (`.sortedKeys` for stable output).
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .object(let members):
            var container = encoder.container(keyedBy: JSONAnyKey.self)
            for (key, value) in members { try container.encode(value, forKey: JSONAnyKey(stringValue: key)) }
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .integer(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .unsigned(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .double(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        }
    }
}
