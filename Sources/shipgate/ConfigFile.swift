import Foundation

/// The optional JSON file given to `shipgate serve --config`: keys match the flags, every key optional.
struct ConfigFile: Equatable {
    var db: String?
    var listen: String?
    var tlsCert: String?
    var tlsKey: String?
    var publicDir: String?
    var migrationsDir: String?
    var logFormat: String?
    var namespaceEnv: [String]?
    var waiverExpiringHours: Int?
    var webhookLogDays: Int?
    var answerCacheMib: Int?

    /// The keys a config file may hold, in the order `--help` lists the flags.
    static let keys = [
        "db", "listen", "tlsCert", "tlsKey", "publicDir", "migrationsDir", "logFormat", "namespaceEnv", "waiverExpiringHours", "webhookLogDays",
        "answerCacheMib",
    ]

    /// Reads and validates the file; unknown keys and wrong types are errors naming the key, so a typo never silently falls back to a default.
    static func load(path: String) throws(ConfigFileError) -> ConfigFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigFileError("config file \(path): cannot be read")
        }
        return try parse(data, path: path)
    }

    /// Validates the JSON text of a config file; `path` only names the file in errors.
    static func parse(_ data: Data, path: String) throws(ConfigFileError) -> ConfigFile {
        guard let object = try? JSONSerialization.jsonObject(with: data), let entries = object as? [String: Any] else {
            throw ConfigFileError("config file \(path): not a JSON object")
        }
        var file = ConfigFile()
        for key in entries.keys.sorted() {
            let value = entries[key]!
            switch key {
            case "db": file.db = try string(value, key: key, path: path)
            case "listen": file.listen = try string(value, key: key, path: path)
            case "tlsCert": file.tlsCert = try string(value, key: key, path: path)
            case "tlsKey": file.tlsKey = try string(value, key: key, path: path)
            case "publicDir": file.publicDir = try string(value, key: key, path: path)
            case "migrationsDir": file.migrationsDir = try string(value, key: key, path: path)
            case "logFormat": file.logFormat = try string(value, key: key, path: path)
            case "namespaceEnv":
                let strings = (value as? [Any])?.compactMap { $0 as? String }
                guard let strings, strings.count == (value as? [Any])?.count else {
                    throw ConfigFileError("config file \(path): key \"namespaceEnv\" must be an array of strings")
                }
                file.namespaceEnv = strings
            case "waiverExpiringHours": file.waiverExpiringHours = try integer(value, key: key, path: path)
            case "webhookLogDays": file.webhookLogDays = try integer(value, key: key, path: path)
            case "answerCacheMib": file.answerCacheMib = try integer(value, key: key, path: path)
            default:
                throw ConfigFileError("config file \(path): unknown key \"\(key)\" (known: \(keys.joined(separator: ", ")))")
            }
        }
        return file
    }

    private static func integer(_ value: Any, key: String, path: String) throws(ConfigFileError) -> Int {
        // JSON true/false must not pass as 1/0, nor 1.5 as 1. `is Bool` would also match the numbers 0 and 1, so the
        // number's own type tells booleans apart ("c", a char, is how a boolean NSNumber reports itself).
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c", let integer = Int(exactly: number.doubleValue) else {
            throw ConfigFileError("config file \(path): key \"\(key)\" must be a whole number")
        }
        return integer
    }

    private static func string(_ value: Any, key: String, path: String) throws(ConfigFileError) -> String {
        // NSNumber never bridges to String, so `1` or `true` land here as wrong types rather than text.
        guard let text = value as? String, !text.isEmpty else {
            throw ConfigFileError("config file \(path): key \"\(key)\" must be a non-empty string")
        }
        return text
    }
}

/// A config file that cannot be used; the message names the file and the offending key.
struct ConfigFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Where an effective setting came from, strongest first.
enum SettingSource: String {
    case flag, env, file, `default`
}

/// One effective setting and where it came from.
struct Setting<Value> {
    var value: Value
    var source: SettingSource

    /// Precedence: flag > environment > config file > default.
    static func resolve(flag: Value?, env: Value?, file: Value?, default fallback: Value) -> Setting<Value> {
        if let flag { return Setting(value: flag, source: .flag) }
        if let env { return Setting(value: env, source: .env) }
        if let file { return Setting(value: file, source: .file) }
        return Setting(value: fallback, source: .default)
    }

    /// The same precedence for a setting without a default (nil when nothing gives it); a separate name because
    /// `resolve(flag: nil as String?, …)` with `Value == String?` would count an absent flag as given.
    static func resolveOptional<Wrapped>(flag: Wrapped?, env: Wrapped?, file: Wrapped?) -> Setting<Wrapped?> where Value == Wrapped? {
        if let flag { return Setting(value: flag, source: .flag) }
        if let env { return Setting(value: env, source: .env) }
        if let file { return Setting(value: file, source: .file) }
        return Setting(value: nil, source: .default)
    }
}

/// Everything `shipgate serve` runs with, each value with its source; `--print-config` shows it.
struct EffectiveServeConfiguration {
    var config: Setting<String?>
    var db: Setting<String>
    var listen: Setting<String>
    var tlsCert: Setting<String?>
    var tlsKey: Setting<String?>
    var publicDir: Setting<String>
    var migrationsDir: Setting<String?>
    var logFormat: Setting<String>
    var namespaceEnv: Setting<[String]>
    var waiverExpiringHours: Setting<Int>
    var webhookLogDays: Setting<Int>
    var answerCacheMib: Setting<Int>
    /// Only whether it is set is ever shown; the value stays out of every printout.
    var adminPassword: Setting<String?>

    /// Pretty JSON with sorted keys: `{"listen": {"source": "env", "value": "…"}, …}`; the admin password as `set`/`unset`.
    func json() -> String {
        func entry<V>(_ setting: Setting<V>, _ value: Any) -> [String: Any] { ["value": value, "source": setting.source.rawValue] }
        func optional(_ value: String?) -> Any { value ?? NSNull() }
        let object: [String: Any] = [
            "config": entry(config, optional(config.value)),
            "db": entry(db, db.value),
            "listen": entry(listen, listen.value),
            "tlsCert": entry(tlsCert, optional(tlsCert.value)),
            "tlsKey": entry(tlsKey, optional(tlsKey.value)),
            "publicDir": entry(publicDir, publicDir.value),
            "migrationsDir": entry(migrationsDir, optional(migrationsDir.value)),
            "logFormat": entry(logFormat, logFormat.value),
            "namespaceEnv": entry(namespaceEnv, namespaceEnv.value),
            "waiverExpiringHours": entry(waiverExpiringHours, waiverExpiringHours.value),
            "webhookLogDays": entry(webhookLogDays, webhookLogDays.value),
            "answerCacheMib": entry(answerCacheMib, answerCacheMib.value),
            "adminPassword": entry(adminPassword, adminPassword.value == nil ? "unset" : "set"),
        ]
        // Every value above is a string, number, array of strings, null or dictionary, so serialisation cannot fail.
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
