// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "shipgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "shipgate", targets: ["shipgate"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
    ],
    targets: [
        // C shims over system libraries.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "CPosix", cSettings: [.define("_GNU_SOURCE")]),
        .target(name: "CSQLiteWAL", dependencies: ["CSQLite"]),

        // Pure and infrastructure modules.
        .target(name: "HTTPCore", swiftSettings: strict),
        .target(name: "Crypto", dependencies: ["COpenSSL"], swiftSettings: strict),
        .target(name: "HTTPServer", dependencies: ["HTTPCore", "Crypto", "CPosix"], swiftSettings: strict),
        .target(name: "SQLite", dependencies: ["CSQLite", "CSQLiteWAL", "CPosix"], swiftSettings: strict),
        .target(name: "Domain", swiftSettings: strict),
        .target(name: "Evidence", dependencies: ["Domain", "Crypto"], swiftSettings: strict),
        .target(name: "Policy", dependencies: ["Domain"], swiftSettings: strict),
        .target(
            name: "Store", dependencies: ["Domain", "SQLite", "Crypto"], swiftSettings: strict,
            plugins: ["EmbedMigrationsPlugin"]),
        .target(
            name: "App",
            dependencies: [
                "HTTPCore", "HTTPServer", "SQLite", "Store", "Crypto", "Domain", "Evidence", "Policy",
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            exclude: ["Templates"], swiftSettings: strict, plugins: ["EmbedMigrationsPlugin"]),
        .executableTarget(
            name: "shipgate",
            dependencies: [
                "App", "Crypto", "Domain", "Evidence", "HTTPCore", "HTTPServer", "SQLite", "Store",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "shipgate-bench", dependencies: ["App", "TestSupport", "Crypto", "Domain", "SQLite", "Store"], swiftSettings: strict),
        .target(name: "TestSupport", dependencies: ["App", "SQLite", "Store", "Crypto", "CPosix", "HTTPCore", "HTTPServer", "Domain"], swiftSettings: strict),

        // Build-time embedding of migrations/*.sql into the Store module.
        .executableTarget(name: "embed-migrations", swiftSettings: strict),
        .plugin(
            name: "EmbedMigrationsPlugin", capability: .buildTool(), dependencies: ["embed-migrations"],
            path: "Sources/EmbedMigrationsPlugin"),

        // Tests: one target per module, plus end-to-end tests against the real server.
        .testTarget(name: "HTTPCoreTests", dependencies: ["HTTPCore"], swiftSettings: strict),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "HTTPCore", "Crypto", "CPosix", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], swiftSettings: strict),
        .testTarget(name: "StoreTests", dependencies: ["Store", "SQLite", "Domain", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "CryptoTests", dependencies: ["Crypto", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "DomainTests", dependencies: ["Domain"], swiftSettings: strict),
        .testTarget(name: "EvidenceTests", dependencies: ["Evidence", "Crypto", "Domain", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "PolicyTests", dependencies: ["Policy"], swiftSettings: strict),
        .testTarget(
            name: "CLITests", dependencies: ["shipgate", "App", "TestSupport", "Crypto", "Domain", "HTTPCore", "HTTPServer", "SQLite", "Store"],
            exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "AppTests", dependencies: ["App", "TestSupport", "HTTPCore", "HTTPServer", "Store", "SQLite", "Domain", "Crypto", "CPosix"], exclude: ["Fixtures"],
            swiftSettings: strict),
        // Real headless Chromium over WebDriver against the live dashboard; external scanners (sslyze, sqlmap) as tests.
        .testTarget(name: "BrowserTests", dependencies: ["App", "TestSupport", "HTTPCore", "Domain", "Crypto"], swiftSettings: strict),
        .testTarget(name: "SecurityScanTests", dependencies: ["App", "TestSupport", "Crypto", "Domain", "Store"], swiftSettings: strict),
    ]
)
