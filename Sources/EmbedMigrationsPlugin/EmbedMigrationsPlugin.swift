import Foundation
import PackagePlugin

/// Embeds every `migrations/NNNN_name.sql` of the package into the target as Swift source,
/// so the binary carries its schema from any working directory and inside the container
/// image, while `migrations/` stays the one source of truth.
@main
struct EmbedMigrationsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let directory = context.package.directoryURL.appending(path: "migrations")
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) migrations",
                executable: try context.tool(named: "embed-migrations").url,
                arguments: [output.path()] + files.map { $0.path() },
                inputFiles: files + [directory],
                outputFiles: [output])
        ]
    }
}
