import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON text columns: values Shipgate wrote itself, so a decoding failure means corruption.
enum JSONColumn {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String?, column: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Timestamp.parse(text) else { throw StoreError.invalid("unreadable instant in \(column)") }
            return date
        }
        guard let text, let value = try? decoder.decode(T.self, from: Data(text.utf8)) else {
            throw StoreError.invalid("unreadable JSON in \(column)")
        }
        return value
    }
}

/// The provenance column, written on the ingest path of every signed build: directly, byte for byte what `encode`
/// writes (a test holds the two to it).
extension JSONColumn {
    static func provenanceText(_ summary: ProvenanceSummary) -> String {
        var json = JSONWriter(capacity: 256)
        json.raw("{")
        // In byte order of the names, as sorted keys come; absent optionals are left out, as the encoder leaves them.
        let members: [(String, String?)] = [
            ("buildType", summary.buildType), ("builderID", summary.builderID), ("finishedOn", summary.finishedOn.map(Timestamp.format)),
            ("invocationID", summary.invocationID), ("slsaVersion", summary.slsaVersion), ("sourceCommit", summary.sourceCommit),
            ("sourceRepository", summary.sourceRepository), ("startedOn", summary.startedOn.map(Timestamp.format)),
        ]
        for (name, value) in members {
            guard let value else { continue }
            if json.bytes.count > 1 { json.raw(",") }
            json.raw("\"\(name)\":")
            json.string(value)
        }
        json.raw("}")
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

/// The columns decisions read, decoded by `ColumnJSON` instead of Foundation's decoder.
extension JSONColumn {
    static func provenance(from text: String?, column: String) throws -> ProvenanceSummary {
        try read(text, column: column) { value throws(ColumnJSONError) in
            let fields = try value.members()
            return ProvenanceSummary(
                slsaVersion: try fields.text("slsaVersion"), builderID: try fields.text("builderID"), buildType: try fields.optionalText("buildType"),
                sourceRepository: try fields.optionalText("sourceRepository"), sourceCommit: try fields.optionalText("sourceCommit"),
                invocationID: try fields.optionalText("invocationID"), startedOn: try fields.optionalInstant("startedOn"),
                finishedOn: try fields.optionalInstant("finishedOn"))
        }
    }

    static func imageConfigFacts(from text: String?, column: String) throws -> ImageConfigFacts {
        try read(text, column: column) { value throws(ColumnJSONError) in
            let fields = try value.members()
            var labels: [String: String] = [:]
            guard let labelObject = fields["labels"] else { throw ColumnJSONError() }
            for (name, label) in try labelObject.members() { labels[name] = try label.text() }
            return ImageConfigFacts(
                user: try fields.text("user"), runsAsRoot: try fields.flag("runsAsRoot"), nonNumericUser: try fields.flag("nonNumericUser"),
                exposedPorts: try fields.texts("exposedPorts"), envNames: try fields.texts("envNames"), secretEnv: try fields.texts("secretEnv"),
                labels: labels, entrypoint: try fields.texts("entrypoint"), cmd: try fields.texts("cmd"), hasHealthcheck: try fields.flag("hasHealthcheck"))
        }
    }

    static func sbomComponents(from text: String?, column: String) throws -> [SBOMComponent] {
        try read(text, column: column) { value throws(ColumnJSONError) in
            guard case .array(let elements) = value else { throw ColumnJSONError() }
            var components: [SBOMComponent] = []
            for element in elements {
                let fields = try element.members()
                components.append(
                    SBOMComponent(name: try fields.text("name"), version: try fields.optionalText("version"), purl: try fields.optionalText("purl")))
            }
            return components
        }
    }

    private static func read<T>(_ text: String?, column: String, _ build: (ColumnJSON.Value) throws(ColumnJSONError) -> T) throws -> T {
        do throws(ColumnJSONError) {
            guard let text else { throw ColumnJSONError() }
            return try build(try ColumnJSON.parse(text))
        } catch {
            throw StoreError.invalid("unreadable JSON in \(column)")
        }
    }
}
