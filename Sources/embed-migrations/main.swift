import Foundation

// Writes a Swift file holding each file's identifier (its name without extension) and text, in file-name order.
// Usage: embed-migrations OUTPUT.swift FILE.sql...            (migrations, for Store)
//        embed-migrations --templates OUTPUT.swift FILE...    (dashboard templates, for App)
var arguments = Array(CommandLine.arguments.dropFirst())
let templates = arguments.first == "--templates"
if templates { arguments.removeFirst() }
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: embed-migrations [--templates] OUTPUT.swift FILE...\n".utf8))
    exit(2)
}

var source =
    templates
    ? """
    // Generated at build time from Sources/App/Templates/*.mustache. Do not edit.

    /// The dashboard templates shipped with this binary, by name.
    let embeddedTemplateSources: [(name: String, text: String)] = [

    """
    : """
    // Generated at build time from migrations/*.sql. Do not edit.

    /// The migrations shipped with this binary, in the order they apply.
    let embeddedMigrationSources: [(identifier: String, sql: String)] = [

    """
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    let identifier = url.deletingPathExtension().lastPathComponent
    let text = try String(contentsOf: url, encoding: .utf8)
    // A raw string with enough #s that no sequence inside the text can end it.
    var hashes = "#"
    while text.contains("\"" + hashes) { hashes += "#" }
    source += "    (\(templates ? "name" : "identifier"): \"\(identifier)\", \(templates ? "text" : "sql"): \(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)),\n"
}
source += "]\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
