import Domain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An instant as pages show it: machine-readable for `<time datetime>`, short for people.
struct TimeView: Sendable {
    let iso: String
    let text: String

    init(_ date: Date) {
        iso = Timestamp.format(date)
        // "2026-11-29T09:51:41.123Z" -> "2026-11-29 09:51 UTC"
        let utf8 = Array(iso.utf8)
        text = utf8.count >= 16 ? String(decoding: utf8[0..<10], as: UTF8.self) + " " + String(decoding: utf8[11..<16], as: UTF8.self) + " UTC" : iso
    }
}

/// A list for a template: `any` guards the surrounding markup (an empty array and zero are not falsy in Mustache).
struct Listing<Item>: Sendable where Item: Sendable {
    let items: [Item]
    let any: Bool
    let total: Int

    init(_ items: [Item]) {
        self.items = items
        any = !items.isEmpty
        total = items.count
    }
}

/// Text helpers for links and labels built from data.
enum ViewText {
    /// Percent-encodes one path segment or query value: everything but RFC 3986 unreserved characters.
    static func component(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + hex[Int(byte >> 4)] + hex[Int(byte & 0xF)]
            }
        }
        return out
    }

    private static let hex = "0123456789ABCDEF".map(String.init)

    /// The image page of `digest` (a validated digest needs no encoding: `sha256:` and hex are path-safe).
    static func imageHref(_ digest: Digest) -> String { "/images/" + digest.rawValue }

    /// `sha256:0123456789ab…` for tables.
    static func short(_ digest: Digest) -> String { String(digest.rawValue.prefix(19)) + "…" }

    /// A query string from pairs, each value encoded; empty values are left out.
    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { name, value in value.flatMap { $0.isEmpty ? nil : name + "=" + component($0) } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
