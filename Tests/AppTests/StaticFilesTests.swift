import App
import Foundation
import Testing
import TestSupport

@Suite struct StaticFilesTests {
    /// A Public/ directory with a stylesheet, a nested script, and a symlink pointing outside it.
    static func withPublicServer(_ body: (LiveServer) async throws -> Void) async throws {
        let assets = try TemporaryDirectory("public")
        defer { assets.remove() }
        try FileManager.default.createDirectory(atPath: assets.file("Public/js"), withIntermediateDirectories: true)
        try "body { color: black; }".write(toFile: assets.file("Public/site.css"), atomically: true, encoding: .utf8)
        try "console.log(1)".write(toFile: assets.file("Public/js/app.js"), atomically: true, encoding: .utf8)
        try "top secret".write(toFile: assets.file("secret.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: assets.file("Public/leak.txt"), withDestinationPath: assets.file("secret.txt"))
        try FileManager.default.createSymbolicLink(atPath: assets.file("Public/up"), withDestinationPath: assets.path)
        try await withLiveServer({ $0.publicDirectory = assets.file("Public") }, body)
    }

    @Test func servesFilesWithTypeETagAndCaching() async throws {
        try await Self.withPublicServer { live in
            let client = try live.client()
            let css = try await client.request("GET", "/static/site.css")
            #expect(css.status == 200)
            #expect(css.text == "body { color: black; }")
            #expect(css.header("Content-Type") == "text/css; charset=utf-8")
            #expect(css.header("Cache-Control")?.contains("max-age") == true)
            #expect(css.header("X-Content-Type-Options") == "nosniff")
            let etag = try #require(css.header("ETag"))
            let again = try await client.request("GET", "/static/site.css", headers: [("If-None-Match", etag)])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            let js = try await client.request("GET", "/static/js/app.js")
            #expect(js.status == 200)
            #expect(js.header("Content-Type") == "text/javascript; charset=utf-8")
            let head = try await client.request("HEAD", "/static/site.css")
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "22")
        }
    }

    @Test(arguments: [
        "/static/../Package.swift", "/static/%2e%2e/secret.txt", "/static/%2E%2E%2Fsecret.txt", "/static/js/../../secret.txt",
        "/static//etc/passwd", "/static/%2Fetc%2Fpasswd", "/static/leak.txt", "/static/up/secret.txt", "/static/js%00.css",
        "/static/", "/static/js",
    ])
    func refusesTraversalAndSymlinks(path: String) async throws {
        try await Self.withPublicServer { live in
            let response = try await live.client().request("GET", path)
            #expect(response.status == 404 || response.status == 400, "\(path) -> \(response.status)")
            #expect(!response.text.contains("top secret"))
        }
    }
}

@Suite struct PublicDirectoryTests {
    @Test func refusesToStartWhenThePublicDirectoryHoldsTheDatabase() async throws {
        let directory = try TemporaryDirectory("public-db")
        defer { directory.remove() }
        var options = ServerOptions()
        options.databasePath = directory.file("shipgate.db")
        options.publicDirectory = directory.path
        options.listen = ListenAddress(host: "127.0.0.1", port: 0)
        options.logOutput = { _ in }
        await #expect(throws: APIError.self) { _ = try await ShipgateServer.start(options) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("shipgate.db")))
    }

    @Test func databaseFilesAreNeverAssets() throws {
        let directory = try TemporaryDirectory("assets")
        defer { directory.remove() }
        for name in ["app.css", "old.db", "old.db-wal", "x.sqlite"] {
            try "x".write(toFile: directory.file(name), atomically: true, encoding: .utf8)
        }
        #expect(StaticFiles(root: directory.path).paths == ["app.css"])
    }
}

@Suite struct OpenAPITests {
    @Test func documentIsOpenAPI31AndListsEveryEndpoint() async throws {
        try await withLiveServer { live in
            let response = try await live.client().request("GET", "/api/v1/openapi.json")
            #expect(response.status == 200)
            let document = try response.json()
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            for (path, method) in [
                ("/healthz", "get"), ("/readyz", "get"), ("/metrics", "get"), ("/api/v1/openapi.json", "get"), ("/api/v1/users", "post"),
                ("/api/v1/users", "get"), ("/api/v1/users/{name}/password", "post"), ("/api/v1/tokens", "post"), ("/api/v1/tokens", "get"),
                ("/api/v1/tokens/{id}/revoke", "post"),
            ] {
                #expect(paths[path]?[method] != nil, "\(method) \(path) is not documented")
            }
            let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
            // Every $ref resolves.
            let refs = response.text.components(separatedBy: "#/components/schemas/").dropFirst().map { $0.prefix { $0 != "\"" } }
            for ref in refs { #expect(schemas[String(ref)] != nil, "dangling $ref \(ref)") }
        }
    }

    @Test func documentPassesTheOpenAPISpecValidator() async throws {
        let probe = ChildProcess()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import openapi_spec_validator"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else {
            print("SKIP documentPassesTheOpenAPISpecValidator: python3 is not installed")
            return
        }
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            print("SKIP documentPassesTheOpenAPISpecValidator: python3 module openapi-spec-validator is not installed")
            return
        }
        try await withLiveServer { live in
            let response = try await live.client().request("GET", "/api/v1/openapi.json")
            let file = live.directory.file("openapi.json")
            try Data(response.body).write(to: URL(fileURLWithPath: file))
            let validator = ChildProcess()
            validator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            validator.arguments = ["python3", "-c", "import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))", file]
            let pipe = Pipe()
            validator.standardError = pipe
            try validator.run()
            validator.waitUntilExit()
            let errors = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(validator.terminationStatus == 0, "\(errors.suffix(2000))")
        }
    }
}
