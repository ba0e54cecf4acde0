import GRDB
import XCTest
@testable import Kehoach

final class QueryTests: XCTestCase {
    private var db = ""

    override func setUpWithError() throws {
        db = try Fixtures.keyStore(try scratch()).0.path
    }

    private func count(_ sql: String) throws -> Int {
        try Store.openReadOnly(path: db).read { try Int.fetchOne($0, sql: sql)! }
    }

    private func jsonRows(_ table: QueryTable) throws -> [[String: Any]] {
        try JSONSerialization.jsonObject(with: Data(Query.render(table, format: .json).utf8)) as! [[String: Any]]
    }

    func testTargetsByIndicatorAsJSONMatchCount() throws {
        let rows = try jsonRows(try Query.targets(db: db, TargetFilter(indicator: "BHYT")))
        XCTAssertEqual(rows.count, try count("SELECT COUNT(*) FROM targets WHERE indicator = 'BHYT'"))
        XCTAssertEqual(rows.count, 19)
        XCTAssertEqual(Set(rows.map { $0["indicator"] as! String }), ["BHYT"])
        // Ordered by document then position; values are JSON numbers.
        XCTAssertEqual(rows[0]["document"] as? String, "corpus/raw/konray-2023-cv.txt")
        XCTAssertTrue(rows[0]["value"] is NSNumber)
        XCTAssertEqual(rows.map { $0["document"] as! String }, rows.map { $0["document"] as! String }.sorted())
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(indicator: "bhyt")).rows.count, 19)
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(indicator: "BHYT", year: 2025)).rows.count, 12)
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(indicator: "BHYT", status: "actual")).rows.count, 2)
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(indicator: "bhxh bat buoc")).rows.count,
                       try count("SELECT COUNT(*) FROM targets WHERE indicator = 'BHXH bắt buộc'"))
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(indicator: "BHYT", limit: 5)).rows.count, 5)
    }

    func testNameFiltersIgnoreCaseAndDiacritics() throws {
        for place in ["Lạng Sơn", "lang son", "LANG  SON"] {
            let t = try Query.targets(db: db, TargetFilter(place: place))
            XCTAssertEqual(t.rows.count, 9, place)
            XCTAssertEqual(Set(t.rows.map { $0[0] }), [.text("corpus/raw/langson-2021-kh-88.txt")])
        }
        XCTAssertEqual(try Query.documents(db: db, DocumentFilter(place: "kon ray")).rows.count, 1)
        XCTAssertEqual(try Query.documents(db: db, DocumentFilter(place: "ngoc phung")).rows.count, 1)
        XCTAssertEqual(try Query.documents(db: db, DocumentFilter(place: "Hà Nội")).rows.count, 0)
        // Agency: documents giving "Bảo hiểm xã hội huyện" a duty; Lạng Sơn's is written "BHXH huyện,
        // thành phố", which the abbreviation now finds (its "Bảo hiểm xã hội tỉnh" would not).
        let byAgency = try Query.targets(db: db, TargetFilter(agency: "bao hiem xa hoi huyen"))
        XCTAssertEqual(Set(byAgency.rows.map { $0[0] }), [.text("corpus/raw/konray-2023-cv.txt"), .text("corpus/raw/konray-2025-kh-bcd.txt"),
                                                          .text("corpus/raw/ngocphung-2025-kh-42.txt"), .text("corpus/raw/langson-2021-kh-88.txt")])
        XCTAssertEqual(byAgency.rows.count, 16 + 6 + 10 + 9)
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(agency: "bao hiem xa hoi tinh lao cai")).rows.count, 0)
        // Wildcards in a filter are literal.
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(agency: "%")).rows.count, 0)
    }

    func testDeadlines() throws {
        let before = try Query.deadlines(db: db, DeadlineFilter(before: "2023-12-31"))
        XCTAssertEqual(before.rows.count, 8)
        let dates = before.rows.map { $0[3].plain }
        XCTAssertEqual(dates, ["2023-12-31", "2023-10-16", "2023-10-16", "2023-10-31", "2023-12", "2023-10-16", "2023-10-13", "2023-11-01"])
        XCTAssertEqual(try Query.deadlines(db: db, DeadlineFilter(after: "2024-01-01")).rows.map { $0[3].plain },
                       ["2024-12", "2025-12", "2025-10-31"])
        XCTAssertEqual(try Query.deadlines(db: db, DeadlineFilter(recurrence: "yearly")).rows.count,
                       try count("SELECT COUNT(*) FROM deadlines WHERE recurrence = 'yearly'"))
        let all = try Query.deadlines(db: db, DeadlineFilter())
        XCTAssertEqual(all.rows.count, 24)
        XCTAssertEqual(all.columns, ["document", "number", "place", "date", "recurrence", "agencies", "line", "text",
                                     "commune", "district", "province", "province_2025"])
    }

    func testDeadlineAgencyFilterFoldsNames() throws {
        let names = try Store.openReadOnly(path: db).read { try String.fetchAll($0, sql: "SELECT agencies FROM deadlines") }
        let expected = names.filter { json in
            (try! JSONDecoder().decode([String].self, from: Data(json.utf8))).contains { Store.fold($0).contains("phong tai chinh") }
        }.count
        XCTAssertGreaterThan(expected, 0)
        XCTAssertEqual(try Query.deadlines(db: db, DeadlineFilter(agency: "PHONG TAI CHINH")).rows.count, expected)
        XCTAssertEqual(try Query.deadlines(db: db, DeadlineFilter(agency: "Phòng Tài chính")).rows.count, expected)
    }

    func testAgencyFiltersExpandAbbreviationsAndDatesArePeriods() throws {
        // "BHXH huyện" is "Bảo hiểm xã hội huyện" (issue 16: it found nothing, the full name 118)
        let full = try Query.targets(db: db, TargetFilter(agency: "bao hiem xa hoi huyen")).rows.count
        XCTAssertGreaterThan(full, 0)
        XCTAssertEqual(try Query.targets(db: db, TargetFilter(agency: "BHXH huyện")).rows.count, full)
        let dFull = try Query.deadlines(db: db, DeadlineFilter(agency: "uy ban nhan dan")).rows.count
        XCTAssertGreaterThan(dFull, 0)
        XCTAssertEqual(try Query.deadlines(db: db, DeadlineFilter(agency: "UBND")).rows.count, dFull)
        // A deadline dated "2025-12" is the whole month: after 2025-12-01 and before 2025-12-15 both keep it.
        XCTAssertTrue(try Query.deadlines(db: db, DeadlineFilter(after: "2025-12-01")).rows.map { $0[3].plain }.contains("2025-12"))
        XCTAssertTrue(try Query.deadlines(db: db, DeadlineFilter(before: "2023-12-15")).rows.map { $0[3].plain }.contains("2023-12"))
        // A filter given as a month or a year covers it whole.
        XCTAssertEqual(try Query.deadlines(db: db, DeadlineFilter(before: "2023")).rows.count,
                       try Query.deadlines(db: db, DeadlineFilter(before: "2023-12-31")).rows.count)
        XCTAssertNil(Period.parse("2025-13-45")); XCTAssertNil(Period.parse("2025-02-30")); XCTAssertNil(Period.parse("25-1-1"))
        XCTAssertNil(Period.parse("+202")); XCTAssertNil(Period.parse("2025-+1"))
        XCTAssertEqual(Period.parse("2024-02")?.end, "2024-02-29")
    }

    func testSQLIsReadOnly() throws {
        let before = try count("SELECT COUNT(*) FROM targets")
        for sql in ["DELETE FROM targets", "update targets set value = 0", "DROP TABLE targets", "  insert into documents(path, status) values ('x', 'ok')",
                    "SELECT 1; DELETE FROM targets", "WITH x AS (SELECT 1) DELETE FROM targets", "PRAGMA journal_mode = WAL",
                    "ATTACH DATABASE 'x.sqlite' AS x", "-- comment\nDELETE FROM targets"] {
            XCTAssertThrowsError(try Query.sql(db: db, sql), sql) { error in
                XCTAssertTrue(error is Query.Rejected, "\(sql): \(error)")
            }
        }
        XCTAssertEqual(try count("SELECT COUNT(*) FROM targets"), before)
        let t = try Query.sql(db: db, "/* how many */ select indicator, count(*) as n from targets group by indicator order by indicator")
        XCTAssertEqual(t.columns, ["indicator", "n"])
        XCTAssertEqual(t.rows.first { $0[0] == .text("BHYT") }?[1], .integer(19))
        XCTAssertEqual(try Query.sql(db: db, "WITH x AS (SELECT 2 AS v) SELECT v FROM x").rows, [[.integer(2)]])
    }

    func testRendering() throws {
        let table = QueryTable(columns: ["name", "value", "note"], rows: [
            [.text("Hà Nội"), .real(99.6), .text("a, \"quoted\"\nline")],
            [.text("Lạng Sơn"), .integer(55112), .null],
        ])
        XCTAssertEqual(Query.render(table, format: .csv),
                       "name,value,note\r\nHà Nội,99.6,\"a, \"\"quoted\"\"\nline\"\r\nLạng Sơn,55112,\r\n")
        XCTAssertEqual(Query.render(table, format: .json),
                       "[\n  {\"name\": \"Hà Nội\", \"value\": 99.6, \"note\": \"a, \\\"quoted\\\"\\nline\"},\n  {\"name\": \"Lạng Sơn\", \"value\": 55112, \"note\": null}\n]\n")
        XCTAssertEqual(Query.render(table, format: .table),
                       "name      value  note\n--------  -----  ----------------\nHà Nội     99.6  a, \"quoted\" line\nLạng Sơn  55112\n(2 rows)\n")
        XCTAssertEqual(Query.render(QueryTable(columns: ["a"], rows: []), format: .json), "[]\n")
        XCTAssertEqual(Query.leadingKeyword("  /* x */ -- y\n (SELECT 1)"), "select")
    }
}
