import App
import ArgumentParser

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create the database if needed and apply pending migrations.")

    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let (db, migrations, applied) = try await ShipgateDatabase.open(path: database.db, migrationsDirectory: database.migrationsDirectory)
        await db.close()
        Output.message(applied.isEmpty ? "Up to date: \(migrations.count) migrations applied." : "Applied: \(applied.joined(separator: ", ")).")
    }
}
