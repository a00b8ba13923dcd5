/// Why a string is not an acceptable image reference.
public enum ReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    case notADigest
    case malformedDigest
    case tagOnly
    case malformedName

    public var description: String {
        switch self {
        case .notADigest: "not a digest reference: expected sha256:<64 hex> or name@sha256:<64 hex>"
        case .malformedDigest: "malformed digest: expected sha256: followed by 64 lowercase hex characters"
        case .tagOnly: "a tag is not accepted where a decision is made: resolve the image to its digest (name@sha256:…)"
        case .malformedName: "malformed repository name before '@'"
        }
    }
}

/// An image reference pinned by digest: `sha256:…` or `name@sha256:…` (the name is metadata only).
public struct ImageReference: Hashable, Sendable {
    /// The repository name as given (e.g. `ghcr.io/acme/api`), without tag; nil for a bare digest.
    public let name: String?
    /// The digest that identifies the image.
    public let digest: Digest

    /// Parses a reference; a tag-only reference (`repo:tag`, `repo`) is refused with `.tagOnly`.
    public init(parsing text: String) throws(ReferenceError) {
        // Byte scans: every clearance question parses one of these.
        if let at = text.utf8.lastIndex(of: UInt8(ascii: "@")) {
            var name = String(text[..<at])
            digest = try Digest(parsing: String(text[text.utf8.index(after: at)...]))
            // `repo:tag@sha256:…` is valid; the digest wins and the tag is dropped.
            if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = String(name[..<colon]) }
            guard Self.isValidName(name) else { throw .malformedName }
            self.name = name
        } else if text.hasPrefix("sha256:") {
            digest = try Digest(parsing: text)
            name = nil
        } else if Self.looksLikeOtherAlgorithm(text) {
            throw .notADigest
        } else {
            // `repo`, `repo:tag`, `registry:5000/repo:tag`: a name without a digest.
            throw Self.isValidName(text) ? .tagOnly : .notADigest
        }
    }

    /// `sha512:…`, `md5:…`: an algorithm prefix followed by hex, which is a digest we refuse, not a tag.
    static func looksLikeOtherAlgorithm(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let algorithm = text[..<colon], value = text[text.index(after: colon)...]
        return !algorithm.isEmpty && !algorithm.contains("/") && value.count >= 32
            && value.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46) }
    }

    /// Repository names: lowercase alphanumerics and `._-/:` (registry port), no spaces, 1–255 bytes.
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x5F
                || byte == 0x2D || byte == 0x2F || byte == 0x3A
        }
    }
}
