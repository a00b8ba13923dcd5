import CSQLite
import Testing

@testable import SQLite

@Suite struct SQLiteConnectionTests {
    @Test func typedValuesRoundTrip() async throws {
        try await withDatabase { db, _ in
            try await db.write { conn in
                try conn.execute("CREATE TABLE v(id INTEGER PRIMARY KEY, t TEXT, b BLOB, i INTEGER, r REAL, n)")
            }
            let text = "a\u{0}b — ünïcødé 🚢"
            let bytes: [UInt8] = Array(0...255)
            let cases: [(text: String?, blob: [UInt8]?, int: Int64?, real: Double?)] = [
                (text, bytes, Int64.max, Double.pi),
                ("", [], Int64.min, -0.0),
                (nil, nil, nil, nil),
                ("x", [0], 0, Double.greatestFiniteMagnitude),
            ]
            for value in cases {
                try await db.write { conn in
                    try conn.execute(
                        "INSERT INTO v(t, b, i, r, n) VALUES (?, ?, ?, ?, ?)",
                        [value.text, value.blob, value.int, value.real, Optional<String>.none])
                }
            }
            let rows = try await db.read { try $0.query("SELECT t, b, i, r, n FROM v ORDER BY id") }
            #expect(rows.count == cases.count)
            for (row, value) in zip(rows, cases) {
                #expect(row.string(0) == value.text)
                #expect(row.blob(1) == value.blob)
                #expect(row.int64(2) == value.int)
                #expect(row.double(3) == value.real)
                #expect(row[4] == .null)
            }
            // Empty text and empty blob stay empty values, not NULL.
            #expect(rows[1][0] == .text(""))
            #expect(rows[1][1] == .blob([]))
            #expect(rows[0].string(0)?.utf8.count == text.utf8.count)
        }
    }

    @Test func boolsAndIntsBindAndReadBack() async throws {
        try await withDatabase { db, _ in
            let row = try await db.read { conn in
                try conn.queryOne("SELECT ? AS yes, ? AS no, ? AS number, 2 AS two, 'x' AS text", [true, false, 42])
            }
            let r = try #require(row)
            #expect(r.bool(0) == true)
            #expect(r.bool("no") == false)
            #expect(r.int("number") == 42)
            #expect(r.bool("two") == nil)  // only 0 and 1 are booleans: fail closed
            #expect(r.int("text") == nil)  // another storage class is not silently converted
            #expect(r["TEXT"] == .text("x"))  // column names match case-insensitively, like SQLite
            #expect(r.columnNames == ["yes", "no", "number", "two", "text"])
        }
    }

    @Test func queryOneReturnsNilWithoutRows() async throws {
        try await withDatabase { db, _ in
            let row = try await db.read { try $0.queryOne("SELECT 1 WHERE 0") }
            #expect(row == nil)
        }
    }

    @Test func cachedStatementsAreReused() async throws {
        try await withDatabase { db, _ in
            let (before, after, cached) = try await db.write { conn in
                try conn.execute("CREATE TABLE t(x INTEGER)")
                let before = conn.preparedStatementCount
                for i in 0..<20 { try conn.execute("INSERT INTO t(x) VALUES (?)", [i]) }
                return (before, conn.preparedStatementCount, conn.cachedStatementCount)
            }
            #expect(after == before + 1)
            #expect(cached == 2)
            let sum = try await db.read { try $0.queryOne("SELECT sum(x) FROM t")?.int(0) }
            #expect(sum == 190)
        }
    }

    @Test func executeScriptRunsEveryStatement() async throws {
        try await withDatabase { db, _ in
            let count = try await db.write { conn in
                try conn.executeScript(
                    """
                    -- a comment first
                    CREATE TABLE a(x INTEGER);
                    CREATE TABLE b(y TEXT NOT NULL);
                    INSERT INTO a(x) VALUES (1), (2);
                    SELECT * FROM a;  /* a statement returning rows is stepped through */
                    INSERT INTO b(y) VALUES ('semi;colon');
                    -- trailing comment
                    """)
                return try conn.queryOne("SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b)")?.int(0)
            }
            #expect(count == 3)
        }
    }

    @Test func executeScriptStopsAtTheFailingStatementAndNamesIt() async throws {
        try await withDatabase { db, _ in
            let error = await #expect(throws: SQLiteError.self) {
                try await db.write { conn in
                    try conn.executeScript("CREATE TABLE a(x); INSERT INTO missing VALUES (1); CREATE TABLE c(z);")
                }
            }
            #expect(error?.sql?.contains("INSERT INTO missing") == true)
            #expect(error?.sql?.contains("CREATE") == false)
            // The throwing job rolled back: table a does not exist either.
            let tables = try await db.read { try $0.query("SELECT name FROM sqlite_schema WHERE name IN ('a', 'c')") }
            #expect(tables.isEmpty)
        }
    }

    @Test func executeRefusesSeveralStatements() async throws {
        try await withDatabase { db, _ in
            let error = await #expect(throws: SQLiteError.self) {
                try await db.write { try $0.execute("CREATE TABLE a(x); CREATE TABLE b(y)") }
            }
            #expect(error?.code == SQLITE_MISUSE)
            // A trailing semicolon and comment are one statement.
            try await db.write { try $0.execute("CREATE TABLE a(x); -- done") }
        }
    }

    @Test func wrongArgumentCountThrows() async throws {
        try await withDatabase { db, _ in
            let error = await #expect(throws: SQLiteError.self) {
                try await db.read { try $0.query("SELECT ?, ?", [1]) }
            }
            #expect(error?.code == SQLITE_MISUSE)
        }
    }

    @Test func foreignKeyViolationThrowsConstraintError() async throws {
        try await withDatabase { db, _ in
            try await db.write { conn in
                try conn.executeScript(
                    """
                    CREATE TABLE parent(id INTEGER PRIMARY KEY);
                    CREATE TABLE child(id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent(id));
                    """)
            }
            let error = try await #require(throws: SQLiteError.self) {
                try await db.write { try $0.execute("INSERT INTO child(parent_id) VALUES (?)", [99]) }
            }
            #expect(error.isConstraintViolation)
            #expect(error.code == SQLITE_CONSTRAINT)
            #expect(error.extendedCode == SQLITE_CONSTRAINT | (3 << 8))  // SQLITE_CONSTRAINT_FOREIGNKEY
            #expect(!error.isBusy && !error.isFull)
        }
    }

    @Test func errorsCarryTheSQLButNotBoundValues() async throws {
        try await withDatabase { db, _ in
            let secret = "hunter2-very-secret-token"
            let sql = "INSERT INTO tokens(value) VALUES (?)"
            try await db.write { conn in
                try conn.execute("CREATE TABLE tokens(value TEXT NOT NULL UNIQUE)")
                try conn.execute(sql, [secret])
            }
            let error = try await #require(throws: SQLiteError.self) {
                try await db.write { try $0.execute(sql, [secret]) }
            }
            #expect(error.sql == sql)
            #expect(error.isConstraintViolation)
            #expect(!error.description.contains(secret))
            #expect(!error.message.contains(secret))
            #expect(!String(reflecting: error).contains(secret))
            #expect(error.description.contains("UNIQUE constraint failed"))
        }
    }

    @Test func transactionControlAndConnectionPragmasAreRefusedInsideBodies() async throws {
        try await withDatabase { db, _ in
            for sql in ["COMMIT", "ROLLBACK", "BEGIN", "SAVEPOINT x", "RELEASE shipgate_write_job", "PRAGMA synchronous = OFF",
                "PRAGMA foreign_keys = OFF", "ATTACH DATABASE 'other.sqlite' AS other"]
            {
                let error = await #expect(throws: SQLiteError.self) {
                    try await db.write { try $0.execute(sql) }
                }
                #expect(error?.code == SQLITE_AUTH, "\(sql)")
            }
            let readError = await #expect(throws: SQLiteError.self) {
                try await db.read { try $0.executeScript("SELECT 1; COMMIT;") }
            }
            #expect(readError?.code == SQLITE_AUTH)
            // Reading a pragma is fine, and the writer still works normally afterwards.
            let sync = try await db.write { try $0.queryOne("PRAGMA synchronous")?.int(0) }
            #expect(sync == 2)
        }
    }

    @Test func readersAreReadOnly() async throws {
        try await withDatabase { db, _ in
            try await db.write { try $0.execute("CREATE TABLE t(x)") }
            let error = try await #require(throws: SQLiteError.self) {
                try await db.read { try $0.execute("INSERT INTO t VALUES (1)") }
            }
            #expect(error.code == SQLITE_READONLY)
        }
    }
}
