import Foundation

// Writes a Swift file holding each migration's identifier and SQL text, in file-name order.
// Usage: embed-migrations OUTPUT.swift FILE.sql...
let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: embed-migrations OUTPUT.swift FILE.sql...\n".utf8))
    exit(2)
}

var source = """
    // Generated at build time from migrations/*.sql. Do not edit.

    /// The migrations shipped with this binary, in the order they apply.
    let embeddedMigrationSources: [(identifier: String, sql: String)] = [

    """
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    let identifier = url.deletingPathExtension().lastPathComponent
    let sql = try String(contentsOf: url, encoding: .utf8)
    // A raw string with enough #s that no sequence inside the SQL can end it.
    var hashes = "#"
    while sql.contains("\"" + hashes) { hashes += "#" }
    source += "    (identifier: \"\(identifier)\", sql: \(hashes)\"\"\"\n\(sql)\n\"\"\"\(hashes)),\n"
}
source += "]\n"
try source.write(toFile: output, atomically: true, encoding: .utf8)
