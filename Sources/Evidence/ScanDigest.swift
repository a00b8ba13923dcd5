import Domain

/// Digest and repository extraction from the forms scanners write: `repo@sha256:…`, `sha256:…`, `pkg:oci/…@sha256%3A…`.
enum ScanDigest {
    /// `registry/app@sha256:<hex>` → (`registry/app`, digest); nil for anything else (empty strings, other algorithms).
    static func repoDigest(_ text: String) -> (repository: String, digest: Digest)? {
        guard let at = text.lastIndex(of: "@") else { return nil }
        guard let digest = digest(String(text[text.index(after: at)...])) else { return nil }
        return (repository(fromReference: String(text[..<at])), digest)
    }

    /// `sha256:<hex>` with the hex case-folded; nil for anything else.
    static func digest(_ text: String) -> Digest? {
        guard text.hasPrefix("sha256:") else { return nil }
        return try? Digest(sha256Hex: String(text.dropFirst(7)))
    }

    /// `registry:5000/app:1.2` → `registry:5000/app`; a digest suffix is dropped too. Empty for empty input.
    static func repository(fromReference text: String) -> String {
        var name = Substring(text)
        if let at = name.firstIndex(of: "@") { name = name[..<at] }
        // A ':' after the last '/' starts a tag; one before it belongs to a registry port.
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") { name = name[..<colon] }
        return String(name)
    }

    /// The digest in an OCI package URL version, `pkg:oci/name@sha256%3A<hex>?…` (or an unencoded `:`); nil otherwise.
    static func ociPurlDigest(_ purl: String) -> Digest? {
        guard purl.hasPrefix("pkg:oci/"), let at = purl.firstIndex(of: "@") else { return nil }
        var version = purl[purl.index(after: at)...]
        if let end = version.firstIndex(where: { $0 == "?" || $0 == "#" }) { version = version[..<end] }
        // Only the version is decoded: real purls carry badly encoded qualifiers that must not spoil it.
        guard let decoded = percentDecoded(version) else { return nil }
        return digest(decoded)
    }

    /// Percent-decodes `text`; nil on a malformed escape or invalid UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}

/// An insertion-ordered set of strings, for repositories and aliases.
struct OrderedStrings {
    private(set) var values: [String] = []
    private var seen: Set<String> = []

    /// Appends `value` unless it is empty or already present.
    mutating func append(_ value: String) {
        guard !value.isEmpty, seen.insert(value).inserted else { return }
        values.append(value)
    }
}
