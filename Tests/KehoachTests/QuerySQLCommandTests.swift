import Foundation
import XCTest

/// Issue 13: `kehoach query sql` is bounded. Run as a user runs it, on a real store: --limit stops
/// the statement, runaway queries end with a message, one statement per call, no addresses leak,
/// the store is never written, and SQLite's own words reach the user without a library's advice.
final class QuerySQLCommandTests: XCTestCase {
    private var dir: URL!
    private var db = ""

    override func setUpWithError() throws {
        _ = try KehoachBinary.url()
        dir = try scratch()
        db = try Fixtures.keyStore(dir).0.path
    }

    private func sql(_ statement: String, _ options: [String] = []) throws -> KehoachBinary.Result {
        try KehoachBinary.run(["query", "sql", "--db", db, "--format", "csv"] + options + [statement], in: dir)
    }

    private let endless = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "

    func testLimitStopsAnEndlessQuery() throws {
        let r = try sql(endless + "SELECT x FROM n", ["--limit", "3"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "x\r\n1\r\n2\r\n3\r\n")
        XCTAssertEqual(try sql("SELECT path FROM documents ORDER BY path", ["--limit", "0"]).out, "path\r\n")
    }

    func testARunawayQueryIsStoppedByTheTimeBudget() throws {
        let r = try sql(endless + "SELECT count(*) FROM n", ["--timeout", "0.5"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.out, "")
        XCTAssertEqual(r.err, "kehoach query: the query ran for more than 0.5 s and was stopped "
                       + "(raise the budget with --timeout SECONDS, or narrow the query or add --limit N)\n")
    }

    func testAQueryNeedingTooMuchMemoryIsStopped() throws {
        // A 200 MB string built inside SQLite, then an endless result held for printing.
        let big = try sql("SELECT length(replace(hex(zeroblob(100000000)), '0', '1')) AS n", ["--max-memory", "64"])
        XCTAssertEqual(big.status, 1)
        XCTAssertEqual(big.err, "kehoach query: the query needed more than 64 MB and was stopped "
                       + "(raise the budget with --max-memory MB, or narrow the query or add --limit N)\n")
        let rows = try sql(endless + "SELECT printf('%.1000c', 'x') FROM n", ["--max-memory", "16"])
        XCTAssertEqual(rows.status, 1)
        XCTAssertTrue(rows.err.contains("needed more than 16 MB"), rows.err)
        XCTAssertEqual(try sql("SELECT length(replace(hex(zeroblob(1000)), '0', '1')) AS n", ["--max-memory", "64"]).out, "n\r\n2000\r\n")
    }

    func testExactlyOneStatementPerCall() throws {
        for text in ["SELECT 1; SELECT 2", "SELECT 1; DELETE FROM targets", "SELECT 1; not sql at all"] {
            let r = try sql(text)
            XCTAssertEqual(r.status, 1, text)
            XCTAssertEqual(r.out, "", text)
            XCTAssertEqual(r.err, "kehoach query: one statement per call: this text goes on after the first statement ends\n", text)
        }
        XCTAssertEqual(try sql("SELECT 1 AS one;  -- done\n").out, "one\r\n1\r\n")
        XCTAssertEqual(try sql("SELECT COUNT(*) AS n FROM targets").out, "n\r\n\(try targetCount())\r\n")
    }

    func testFTS3TokenizerGivesNoAddress() throws {
        for text in ["SELECT hex(fts3_tokenizer('simple')) AS p", "SELECT fts3_tokenizer('simple', x'0000000000000000') AS p"] {
            let r = try sql(text)
            XCTAssertEqual(r.status, 1, text)
            XCTAssertEqual(r.out, "", text)
            XCTAssertEqual(r.err, "kehoach query: SQL error: fts3_tokenizer is not available in queries\n", text)
        }
    }

    func testErrorsAreSQLiteMessagesWithoutLibraryAdvice() throws {
        let r = try sql("SELECT * FROM nowhere")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.err, "kehoach query: SQL error: no such table: nowhere\n")
        let syntax = try sql("SELECT FROM WHERE")
        XCTAssertEqual(syntax.status, 1)
        XCTAssertEqual(syntax.err, "kehoach query: SQL error: near \"FROM\": syntax error\n")
        for result in [r, syntax] {
            XCTAssertFalse(result.err.contains("Database."), result.err)
            XCTAssertFalse(result.err.contains("while executing"), result.err)
        }
    }

    func testTheStoreIsOpenedReadOnly() throws {
        let before = try Data(contentsOf: URL(fileURLWithPath: db))
        for text in ["DELETE FROM targets", "WITH x AS (SELECT 1) DELETE FROM targets", "PRAGMA journal_mode = WAL"] {
            let r = try sql(text)
            XCTAssertEqual(r.status, 1, text)
            XCTAssertTrue(r.err.hasPrefix("kehoach query: only SELECT queries are allowed") || r.err.hasPrefix("kehoach query: only read-only"), r.err)
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: db)), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["keys.sqlite"])
    }

    private func targetCount() throws -> Int {
        try Fixtures.keyNames.reduce(0) { $0 + (try Fixtures.keyResult($1)).targets.count }
    }
}
