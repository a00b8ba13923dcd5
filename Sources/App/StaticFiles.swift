import Crypto
import HTTPCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The dashboard's static assets, read once at startup from `Public/` into an allowlist.
/// A request can only ever name a file that was in the list, so `..`, absolute paths and symlinks
/// leaving the directory cannot be expressed; symlinks are not followed at all.
public struct StaticFiles: Sendable {
    struct Asset: Sendable {
        let body: [UInt8]
        let contentType: String
        let etag: String
    }

    private let assets: [String: Asset]
    /// Files larger than this are not served (Public/ holds small assets only).
    static let maxFileBytes = 4 * 1024 * 1024

    /// Loads every regular file below `root`; a missing directory yields an empty set.
    public init(root: String) {
        var assets: [String: Asset] = [:]
        Self.walk(root, relative: "", into: &assets, depth: 0)
        self.assets = assets
    }

    /// The relative paths served, sorted.
    public var paths: [String] { assets.keys.sorted() }

    /// Answers `GET /static/{file...}` for the decoded relative path `file`.
    func response(for file: String, request: HTTPRequest) -> HTTPResponse? {
        guard let asset = assets[file] else { return nil }
        var headers = HTTPHeaders()
        headers.set("ETag", asset.etag)
        headers.set("Cache-Control", "public, max-age=300, must-revalidate")
        if let tags = request.headers["If-None-Match"],
            tags == "*" || tags.split(separator: ",").contains(where: { $0.filter { $0 != " " } == asset.etag || $0.filter { $0 != " " } == "W/" + asset.etag })
        {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.set("Content-Type", asset.contentType)
        return HTTPResponse(status: .ok, headers: headers, body: asset.body)
    }

    private static func walk(_ directory: String, relative: String, into assets: inout [String: Asset], depth: Int) {
        guard depth < 8, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        // Database files are never assets, whatever directory they were left in.
        let databaseSuffixes = [".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite", ".sqlite-wal", ".sqlite-shm"]
        for name in names where !name.hasPrefix(".") && !databaseSuffixes.contains(where: { name.lowercased().hasSuffix($0) }) {
            let path = directory + "/" + name
            let key = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(path, relative: key, into: &assets, depth: depth + 1)
            case S_IFREG where Int(info.st_size) <= maxFileBytes:
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let body = Array(data)
                assets[key] = Asset(body: body, contentType: contentType(for: name), etag: "\"" + SHA256.hexDigest(body).prefix(32) + "\"")
            default:
                continue  // symlinks, devices, oversized files
            }
        }
    }

    static func contentType(for name: String) -> String {
        switch name.split(separator: ".").last?.lowercased() ?? "" {
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt": "text/plain; charset=utf-8"
        case "json": "application/json"
        case "html": "text/html; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
