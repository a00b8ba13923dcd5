import Foundation
import Testing
import TestSupport

/// `shipgate serve --config` and `--print-config`, through the real binary.
@Suite struct ConfigTests {
    /// Runs `shipgate serve` with every SHIPGATE_* variable blanked (the binary treats empty as unset), then `environment` set,
    /// so a variable in the developer's shell cannot change the outcome.
    private func serve(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLI.Result {
        var blanked = ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("SHIPGATE_") }.mapValues { _ in "" }
        blanked.merge(environment) { $1 }
        return try await CLI.run(["serve"] + arguments, environment: blanked)
    }

    private func printedConfiguration(_ result: CLI.Result) throws -> [String: [String: Any]] {
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: [String: Any]])
    }

    @Test func precedenceIsFlagThenEnvironmentThenFileThenDefault() async throws {
        let directory = try TemporaryDirectory("config")
        defer { directory.remove() }
        let file = directory.file("shipgate.json")
        try #"{"db": "file.db", "listen": "127.0.0.1:7001", "logFormat": "json", "publicDir": "file-public", "namespaceEnv": ["prod-*=production"]}"#
            .write(toFile: file, atomically: true, encoding: .utf8)

        let fileOnly = try printedConfiguration(try await serve(["--config", file, "--print-config"]))
        #expect(fileOnly["listen"]?["value"] as? String == "127.0.0.1:7001" && fileOnly["listen"]?["source"] as? String == "file")
        #expect(fileOnly["db"]?["value"] as? String == "file.db" && fileOnly["db"]?["source"] as? String == "file")
        #expect(fileOnly["logFormat"]?["value"] as? String == "json" && fileOnly["logFormat"]?["source"] as? String == "file")
        #expect(fileOnly["namespaceEnv"]?["value"] as? [String] == ["prod-*=production"])
        #expect(fileOnly["tlsCert"]?["source"] as? String == "default" && fileOnly["tlsCert"]?["value"] is NSNull)
        #expect(fileOnly["config"]?["value"] as? String == file && fileOnly["config"]?["source"] as? String == "flag")

        let environment = ["SHIPGATE_LISTEN": "127.0.0.1:7002", "SHIPGATE_DB": "env.db", "SHIPGATE_LOG_FORMAT": "text", "SHIPGATE_CONFIG": file]
        let fromEnv = try printedConfiguration(try await serve(["--print-config"], environment: environment))
        #expect(fromEnv["listen"]?["value"] as? String == "127.0.0.1:7002" && fromEnv["listen"]?["source"] as? String == "env")
        #expect(fromEnv["db"]?["value"] as? String == "env.db" && fromEnv["db"]?["source"] as? String == "env")
        #expect(fromEnv["logFormat"]?["value"] as? String == "text" && fromEnv["logFormat"]?["source"] as? String == "env")
        #expect(fromEnv["publicDir"]?["value"] as? String == "file-public" && fromEnv["publicDir"]?["source"] as? String == "file")
        #expect(fromEnv["config"]?["source"] as? String == "env")

        let fromFlags = try printedConfiguration(
            try await serve(
                ["--print-config", "--listen", "127.0.0.1:7003", "--db", "flag.db", "--log-format", "json"], environment: environment))
        #expect(fromFlags["listen"]?["value"] as? String == "127.0.0.1:7003" && fromFlags["listen"]?["source"] as? String == "flag")
        #expect(fromFlags["db"]?["value"] as? String == "flag.db" && fromFlags["db"]?["source"] as? String == "flag")
        #expect(fromFlags["logFormat"]?["value"] as? String == "json" && fromFlags["logFormat"]?["source"] as? String == "flag")

        let defaults = try printedConfiguration(try await serve(["--print-config"]))
        #expect(defaults["listen"]?["value"] as? String == "127.0.0.1:8080" && defaults["listen"]?["source"] as? String == "default")
        #expect(defaults["db"]?["value"] as? String == "shipgate.db" && defaults["config"]?["value"] is NSNull)
        #expect(defaults["answerCacheMib"]?["value"] as? Int == 256)
        let cacheFromEnv = try printedConfiguration(try await serve(["--print-config"], environment: ["SHIPGATE_ANSWER_CACHE_MIB": "512"]))
        #expect(cacheFromEnv["answerCacheMib"]?["value"] as? Int == 512 && cacheFromEnv["answerCacheMib"]?["source"] as? String == "env")
    }

    @Test func printConfigSortsKeysAndStartsNothing() async throws {
        let directory = try TemporaryDirectory("config")
        defer { directory.remove() }
        let result = try await serve(["--print-config", "--db", directory.file("s.db")])
        #expect(result.status == 0, "\(result.stderr)")
        let topLevel = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(topLevel == topLevel.sorted() && topLevel.count == 13)
        #expect(!FileManager.default.fileExists(atPath: directory.file("s.db")), "--print-config must not open the database")
    }

    @Test func unknownKeyIsAnErrorNamingTheKey() async throws {
        let directory = try TemporaryDirectory("config")
        defer { directory.remove() }
        let file = directory.file("shipgate.json")
        try #"{"listen": "127.0.0.1:7001", "listenn": "0.0.0.0:80"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await serve(["--config", file, "--print-config"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("unknown key \"listenn\""), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func wrongTypesAreErrorsNamingTheKey() async throws {
        let directory = try TemporaryDirectory("config")
        defer { directory.remove() }
        let file = directory.file("shipgate.json")
        for (json, key) in [
            (#"{"listen": 8080}"#, "listen"), (#"{"logFormat": true}"#, "logFormat"), (#"{"namespaceEnv": "prod-*=production"}"#, "namespaceEnv"),
            (#"{"namespaceEnv": ["a=b", 3]}"#, "namespaceEnv"), (#"{"db": null}"#, "db"),
            (#"{"webhookLogDays": true}"#, "webhookLogDays"), (#"{"answerCacheMib": 1.5}"#, "answerCacheMib"),
        ] {
            try json.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await serve(["--config", file, "--print-config"], environment: [:])
            #expect(result.status != 0, "\(json)")
            #expect(result.stderr.contains("key \"\(key)\" must be"), "\(json): \(result.stderr)")
        }
        for json in ["[1, 2]", "not json"] {
            try json.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try await serve(["--config", file, "--print-config"])
            #expect(result.status != 0 && result.stderr.contains("not a JSON object"), "\(json): \(result.stderr)")
        }
        let missing = try await serve(["--config", directory.file("absent.json"), "--print-config"])
        #expect(missing.status != 0 && missing.stderr.contains("cannot be read"), "\(missing.stderr)")
    }

    @Test func invalidValuesFromTheFileAreRefusedWithTheirSource() async throws {
        let directory = try TemporaryDirectory("config")
        defer { directory.remove() }
        let file = directory.file("shipgate.json")
        try #"{"logFormat": "yaml"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await serve(["--config", file, "--print-config"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("text or json") && result.stderr.contains("from file"), "\(result.stderr)")
        // 1 is a number, not `true`, even though Foundation bridges both to the same NSNumber class.
        try #"{"webhookLogDays": 1, "answerCacheMib": 1}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let ones = try printedConfiguration(try await serve(["--config", file, "--print-config"]))
        #expect(ones["webhookLogDays"]?["value"] as? Int == 1 && ones["answerCacheMib"]?["value"] as? Int == 1)
        try #"{"answerCacheMib": 0}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let noCache = try await serve(["--config", file, "--print-config"])
        #expect(noCache.status != 0)
        #expect(noCache.stderr.contains("--answer-cache-mib must be 1 to 65536") && noCache.stderr.contains("from file"), "\(noCache.stderr)")
    }

    @Test func adminPasswordIsOnlyEverShownAsSetOrUnset() async throws {
        let password = "correct horse battery staple 7f3a"
        let set = try await serve(["--print-config"], environment: ["SHIPGATE_ADMIN_PASSWORD": password])
        #expect(!set.stdout.contains(password) && !set.stderr.contains(password))
        #expect(!set.stdout.contains("7f3a"))
        let configuration = try printedConfiguration(set)
        #expect(configuration["adminPassword"]?["value"] as? String == "set")
        #expect(configuration["adminPassword"]?["source"] as? String == "env")
        let unset = try printedConfiguration(try await serve(["--print-config"]))
        #expect(unset["adminPassword"]?["value"] as? String == "unset")
    }
}
