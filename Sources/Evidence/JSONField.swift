/// The kind of a JSON value, learnt with the least decoding work: no member or element below it is decoded.
struct JSONKindProbe: Decodable, Sendable {
    let kind: JSONSlice.Kind

    init(kind: JSONSlice.Kind) {
        self.kind = kind
    }

    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            kind = .null
        } else if (try? single.decode(String.self)) != nil {
            kind = .string
        } else if (try? single.decode(Bool.self)) != nil {
            kind = .bool
        } else if (try? decoder.unkeyedContainer()) != nil {
            kind = .array
        } else if (try? decoder.container(keyedBy: JSONAnyKey.self)) != nil {
            kind = .object
        } else {
            kind = .number
        }
    }
}

/// A member of untrusted JSON decoded as `Value` when it has the expected shape, otherwise only its kind,
/// so a wrong type becomes a precise message instead of a decoding failure, and an unexpected huge value
/// is never materialised.
enum JSONField<Value: Decodable>: Decodable {
    case value(Value)
    case mismatch(JSONSlice.Kind)

    init(from decoder: any Decoder) throws {
        if let value = try? Value(from: decoder) {
            self = .value(value)
        } else {
            self = .mismatch(try JSONKindProbe(from: decoder).kind)
        }
    }
}

/// Any member name, for probing whether a value is an object.
struct JSONAnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// An array member decoded element by element only when it has at most `limit` elements; the count is
/// checked first (from the decoder's index), so an oversized array costs nothing to refuse.
struct BoundedJSONArray<Element: Decodable, Limit: JSONArrayLimit>: Decodable {
    enum Contents {
        case elements([JSONField<Element>])
        case tooMany(Int)
    }

    let contents: Contents

    init(contents: Contents) {
        self.contents = contents
    }

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        let count = container.count ?? Int.max
        guard count <= Limit.maximum else {
            contents = .tooMany(count)
            return
        }
        var elements: [JSONField<Element>] = []
        elements.reserveCapacity(count)
        while !container.isAtEnd { elements.append(try container.decode(JSONField<Element>.self)) }
        contents = .elements(elements)
    }
}

/// The most elements a `BoundedJSONArray` decodes.
protocol JSONArrayLimit {
    static var maximum: Int { get }
}
