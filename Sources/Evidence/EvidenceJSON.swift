#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Decodes untrusted JSON into narrow `Decodable` structs and turns decoder errors into client-safe `EvidenceError`s.
enum EvidenceJSON {
    /// Decodes `bytes` as `T`; `what` names the document in error messages (e.g. "Trivy report").
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws(EvidenceError) -> T {
        do {
            return try withUncopiedData(bytes) { try JSONDecoder().decode(T.self, from: $0) }
        } catch let error as EvidenceError {
            throw error
        } catch let error as DecodingError {
            throw describe(error, what: what)
        } catch {
            throw EvidenceError(.invalid, "\(what) could not be read")
        }
    }

    /// Whether `bytes` are syntactically valid JSON (used only on the error path, to tell 400 from 415).
    static func isValidJSON(_ bytes: [UInt8]) -> Bool {
        (try? withUncopiedData(bytes) { try JSONDecoder().decode(IgnoredJSON.self, from: $0) }) != nil
    }

    /// Runs `body` with a `Data` view of `bytes` rather than a copy: a scan or SBOM may be 64 MiB, and `Data(bytes)`
    /// would hold a second copy of it for the whole decode. The view must not outlive `body`; decoded values never keep it.
    private static func withUncopiedData<R>(_ bytes: [UInt8], _ body: (Data) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return try body(Data()) }
            return try body(Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none))
        }
    }

    /// Maps a decoder error to a message naming only our own field path, never input values.
    private static func describe(_ error: DecodingError, what: String) -> EvidenceError {
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return EvidenceError(.malformed, "not valid JSON")
        case .dataCorrupted(let context):
            return EvidenceError(.invalid, "\(what): \(path(context.codingPath)) is not valid")
        case .keyNotFound(let key, let context):
            return EvidenceError(.invalid, "\(what): required field \(path(context.codingPath + [key])) is missing")
        case .valueNotFound(_, let context):
            return EvidenceError(.invalid, "\(what): \(path(context.codingPath)) must not be null")
        case .typeMismatch(_, let context):
            return EvidenceError(.invalid, "\(what): \(path(context.codingPath)) has the wrong type")
        @unknown default:
            return EvidenceError(.invalid, "\(what) could not be read")
        }
    }

    /// `Results[3].Vulnerabilities[0].Severity`; keys that are not plain identifiers (dictionary keys from input) become `…`.
    private static func path(_ keys: [any CodingKey]) -> String {
        guard !keys.isEmpty else { return "the document" }
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                let name = key.stringValue
                let plain =
                    !name.isEmpty && name.utf8.count <= 40
                    && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
                text += (text.isEmpty ? "" : ".") + (plain ? name : "…")
            }
        }
        return text
    }
}

/// Accepts any JSON value and keeps nothing: for keys whose presence matters but whose content does not.
struct IgnoredJSON: Decodable, Sendable {
    init(from decoder: any Decoder) throws {}
}

/// A number that producers write either as a JSON number or as a numeric string (SARIF `security-severity`).
struct LenientNumber: Decodable, Sendable {
    /// nil when the string is not a number.
    let value: Double?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
        } else {
            value = Double(try container.decode(String.self).trimmingASCIIWhitespace())
        }
    }
}

extension EvidenceJSON {
    /// The error for a document no format claims: 415 when it is JSON (or XML), 400 when it is not JSON at all.
    static func unrecognised(_ bytes: [UInt8], kind: JSONTopLevel.Kind, _ message: String) -> EvidenceError {
        if kind == .markup || isValidJSON(bytes) { return EvidenceError(.unsupported, message) }
        return EvidenceError(.malformed, "not valid JSON")
    }
}
