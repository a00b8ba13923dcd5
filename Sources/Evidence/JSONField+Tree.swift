/// How a small document's fields are read: through `JSONDecoder`, or from the tree `JSONValueParser` builds. Both give
/// the same fields (tests hold them to it); the tree costs far less, but holds the whole document, so large documents
/// (a multi-MiB signed SBOM) keep the decoder, which materialises only the members asked for.
enum JSONReader: Sendable, CaseIterable {
    case decoder, tree

    /// Documents up to this size are read as a tree.
    static let treeLimit = 256 * 1024

    /// The reader for a document of `count` bytes.
    static func forDocument(of count: Int) -> JSONReader { count <= treeLimit ? .tree : .decoder }
}

/// The narrow field types read from an already parsed `JSONValue` instead of through `JSONDecoder`, with exactly
/// the outcomes their `Decodable` conformances give (a member that is absent or `null` reads as nil, as
/// `decodeIfPresent` reads it). Used for small documents, where parsing the whole tree costs less than the decoder.
extension JSONValue {
    /// The kind, as `JSONKindProbe` reports it.
    var kind: JSONSlice.Kind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .integer, .unsigned, .double: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }

    /// Member `key` of an object as an optional member decodes: nil when absent or `null`.
    func presentMember(_ key: String) -> JSONValue? {
        guard let member = objectValue?[key], member != .null else { return nil }
        return member
    }
}

extension JSONKindProbe {
    /// The probe of a member: nil when absent or `null`.
    init?(member: JSONValue?) {
        guard let member else { return nil }
        self.init(kind: member.kind)
    }
}

extension JSONField where Value == String {
    /// An optional string member: nil when absent or `null`, else its text or the kind it has instead.
    init?(string member: JSONValue?) {
        guard let member else { return nil }
        if case .string(let text) = member { self = .value(text) } else { self = .mismatch(member.kind) }
    }
}

extension JSONField {
    /// An optional member whose `Value` is read from an object (any object reads, as every member of `Value` is
    /// itself optional): nil when absent or `null`, else `read` of its members or the kind it has instead.
    init?(object member: JSONValue?, _ read: (JSONValue) -> Value) {
        guard let member else { return nil }
        if case .object = member { self = .value(read(member)) } else { self = .mismatch(member.kind) }
    }

    /// An optional array member read element by element with `element`, only when it has at most `Limit.maximum`.
    init?<Element, Limit>(array member: JSONValue?, _ element: (JSONValue) -> JSONField<Element>)
    where Value == BoundedJSONArray<Element, Limit> {
        guard let member else { return nil }
        guard case .array(let elements) = member else {
            self = .mismatch(member.kind)
            return
        }
        self = .value(
            BoundedJSONArray(contents: elements.count > Limit.maximum ? .tooMany(elements.count) : .elements(elements.map(element))))
    }
}
