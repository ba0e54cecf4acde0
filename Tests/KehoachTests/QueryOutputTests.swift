import Foundation
import XCTest
@testable import Kehoach

/// Output that fits a terminal (issue 16, item 5): tables fit $COLUMNS, --wide and files get every
/// cell whole; JSON keeps null fields, as docs/extraction.md shows them.
final class QueryOutputTests: XCTestCase {
    private var dir: URL!
    private var db = ""

    override func setUpWithError() throws {
        dir = try scratch()
        db = try Fixtures.keyStore(dir).0.path
    }

    private func lines(_ s: String) -> [Substring] { s.split(separator: "\n") }

    func testTableFitsColumnsAndSaysWhatItLeftOut() throws {
        for width in [60, 80, 100, 160] {
            let r = try KehoachBinary.run(["query", "targets", "--db", db, "--indicator", "BHYT"], environment: ["COLUMNS": "\(width)"])
            XCTAssertEqual(r.status, 0, r.err)
            let body = lines(r.out).dropLast()   // the footer is a sentence, wrapped by the terminal
            XCTAssertEqual(body.count, 2 + 19)
            for l in body { XCTAssertLessThanOrEqual(l.count, width, "COLUMNS=\(width): \(l)") }
            let footer = String(lines(r.out).last!)
            XCTAssertTrue(footer.hasPrefix("(19 rows; not shown in \(width) columns: "), footer)
            XCTAssertTrue(footer.hasSuffix("--wide shows all)"), footer)
            // what matters stays: the indicator, the value, the text (cut, with "…"), the document's end
            // (at 60 the headers are cut too)
            let header = body.first!.split(separator: " ").map(String.init)
            for column in ["document", "indicator", "value", "text"] where width >= 80 { XCTAssertTrue(header.contains(column), "\(width): \(header)") }
            XCTAssertEqual(header.count, width >= 160 ? 13 : 8, "\(width): \(header)")
            XCTAssertTrue(body.dropFirst(2).allSatisfy { $0.hasPrefix("…") || $0.hasPrefix("corpus/") }, "\(width)")
            XCTAssertTrue(r.out.contains("cv.txt "), "a path keeps its end")
            XCTAssertTrue(r.out.contains("…"))
        }
        // A roll-up is narrow enough: nothing left out.
        let by = try KehoachBinary.run(["query", "targets", "--db", db, "--by", "province"], environment: ["COLUMNS": "100"])
        XCTAssertTrue(lines(by.out).last!.hasPrefix("(") && !by.out.contains("not shown"), by.out)
    }

    func testWideAndAFileGetEveryCellWhole() throws {
        let longest = try Fixtures.keyResult("konray-2023-cv").targets.map(\.text).max { $0.count < $1.count }!
        XCTAssertGreaterThan(longest.count, 60)
        let wide = try KehoachBinary.run(["query", "targets", "--db", db, "--wide"], environment: ["COLUMNS": "80"])
        XCTAssertEqual(wide.status, 0, wide.err)
        XCTAssertTrue(wide.out.contains(longest))
        XCTAssertTrue(wide.out.contains("province_2025"))
        XCTAssertFalse(wide.out.contains("…"))
        XCTAssertFalse(wide.out.contains("not shown"))
        // standard output a pipe (as a file) and no COLUMNS: whole, the same table as --wide
        let piped = try KehoachBinary.run(["query", "targets", "--db", db], environment: ["COLUMNS": ""])
        XCTAssertEqual(piped.out, wide.out)
        XCTAssertEqual(Query.fit(natural: [10, 50], headers: [4, 4], numeric: [false, false], hideFirst: [], width: 40).widths, [10, 28])
        XCTAssertEqual(Query.fit(natural: [10, 5], headers: [4, 4], numeric: [false, true], hideFirst: [], width: nil).widths, [10, 5])
    }

    func testJSONKeepsNullFields() throws {
        // query: every column of every row, null where the store has nothing
        let r = try KehoachBinary.run(["query", "targets", "--db", db, "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(Set(rows.map { $0.count }), [16])
        XCTAssertTrue(rows.contains { $0["population"] is NSNull })
        XCTAssertTrue(rows.contains { $0["commune"] is NSNull })
        // extract: the contract's optional fields are written as null, not left out
        let gold = Fixtures.repo.appendingPathComponent("corpus/gold/langson-2021-kh-88.gold.txt").path
        let e = try KehoachBinary.run(["extract", "--restored", gold])
        XCTAssertEqual(e.status, 0, e.err)
        let object = try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as! [String: Any]
        let document = object["document"] as! [String: Any]
        XCTAssertEqual(Set(document.keys), ["kind", "number", "issuer", "place", "date", "title", "signer"])
        XCTAssertTrue(document["signer"] is NSNull)
        let targets = object["targets"] as! [[String: Any]]
        XCTAssertTrue(targets.allSatisfy { $0.keys.contains("population") && $0.keys.contains("year") })
        XCTAssertTrue(targets.contains { $0["population"] is NSNull })
        let deadlines = object["deadlines"] as! [[String: Any]]
        XCTAssertTrue(deadlines.allSatisfy { $0.keys.contains("recurrence") && $0.keys.contains("date") })
        // and such lines still load
        let jsonl = try KehoachBinary.run(["extract", "--restored", "--jsonl", gold])
        let file = dir.appendingPathComponent("x.jsonl")
        try Data(jsonl.out.utf8).write(to: file)
        let ingest = try KehoachBinary.run(["ingest", file.path, "--db", dir.appendingPathComponent("x.sqlite").path])
        XCTAssertEqual(ingest.status, 0, ingest.err)
    }
}
