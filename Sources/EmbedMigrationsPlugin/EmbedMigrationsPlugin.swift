import Foundation
import PackagePlugin

/// Embeds text files into a target as Swift source, so the binary carries them from any working directory
/// and inside the container image:
/// - into `Store`, every `migrations/NNNN_name.sql` of the package (`migrations/` stays the one source of truth);
/// - into `App`, every `Sources/App/Templates/*.mustache` (the dashboard's templates).
@main
struct EmbedMigrationsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        if target.name == "App" {
            return [try embed(context: context, directory: context.package.directoryURL.appending(path: "Sources/App/Templates"), fileExtension: "mustache",
                              output: "EmbeddedTemplates.swift", what: "templates", extraArguments: ["--templates"])]
        }
        return [try embed(context: context, directory: context.package.directoryURL.appending(path: "migrations"), fileExtension: "sql",
                          output: "EmbeddedMigrations.swift", what: "migrations", extraArguments: [])]
    }

    private func embed(
        context: PluginContext, directory: URL, fileExtension: String, output name: String, what: String, extraArguments: [String]
    ) throws -> Command {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == fileExtension }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: name)
        return .buildCommand(
            displayName: "Embedding \(files.count) \(what)",
            executable: try context.tool(named: "embed-migrations").url,
            arguments: extraArguments + [output.path()] + files.map { $0.path() },
            inputFiles: files + [directory],
            outputFiles: [output])
    }
}
