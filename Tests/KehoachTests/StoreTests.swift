import GRDB
import XCTest
@testable import Kehoach

final class StoreTests: XCTestCase {
    func testKeysAreStoredWithFoldedNames() throws {
        let dir = try scratch()
        let (store, results) = try Fixtures.keyStore(dir)
        try store.dbQueue.read { db in
            XCTAssertEqual(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"), ["v1", "v2 document copies", "v3 places"])
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents"), 4)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM targets"), 16 + 6 + 9 + 10)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deadlines"), 12 + 1 + 8 + 3)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agencies"), 11 + 9 + 25 + 13)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM legal_refs"), 2 + 4 + 0 + 4)
            let doc = try Row.fetchOne(db, sql: "SELECT * FROM documents WHERE path = 'corpus/raw/langson-2021-kh-88.txt'")!
            XCTAssertEqual(doc["place"] as String, "Lạng Sơn")
            XCTAssertEqual(doc["place_folded"] as String, "lang son")
            XCTAssertEqual(doc["province"] as String, "Lạng Sơn")
            XCTAssertEqual(doc["issuer_folded"] as String, "uy ban nhan dan tinh lang son")
            XCTAssertEqual(doc["year"] as Int, 2021)
            XCTAssertEqual(doc["number"] as String, "88/KH-UBND")
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT name_folded FROM agencies WHERE name = 'Bảo hiểm xã hội tỉnh'"),
                           "bao hiem xa hoi tinh")
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT indicator_folded FROM targets WHERE indicator = 'BHXH bắt buộc' LIMIT 1"),
                           "bhxh bat buoc")
            // Items keep the order of the JSON.
            let lines = try Int.fetchAll(db, sql: "SELECT line FROM targets WHERE document_path LIKE '%langson%' ORDER BY ord")
            XCTAssertEqual(lines, results["langson-2021-kh-88"]!.targets.map(\.line))
        }
        XCTAssertNil(Store.province(issuer: "Ủy ban nhân dân huyện Kon Rẫy"))
        XCTAssertEqual(Store.province(issuer: "Ủy ban nhân dân thành phố Hà Nội"), "Hà Nội")
        XCTAssertEqual(Store.fold("  Ủy ban   nhân dân\tĐắk Lắk "), "uy ban nhan dan dak lak")
    }

    func testReingestReplacesEveryRowOfTheDocument() throws {
        let dir = try scratch()
        let (store, results) = try Fixtures.keyStore(dir)
        var r = results["konray-2023-cv"]!
        r.targets = Array(r.targets.prefix(3))
        r.deadlines = []
        r.agencies = [.init(name: "Công an huyện", role: "lead", text: "Công an huyện chủ trì", line: 5)]
        r.document.title = "Đã sửa"
        try store.replace(r)
        try store.dbQueue.read { db in
            let path = r.source.path
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents"), 4)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM targets WHERE document_path = ?", arguments: [path]), 3)
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deadlines WHERE document_path = ?", arguments: [path]), 0)
            XCTAssertEqual(try String.fetchAll(db, sql: "SELECT name FROM agencies WHERE document_path = ?", arguments: [path]), ["Công an huyện"])
            XCTAssertEqual(try String.fetchOne(db, sql: "SELECT title_folded FROM documents WHERE path = ?", arguments: [path]), "da sua")
            // The other documents are untouched.
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM targets"), 3 + 6 + 9 + 10)
        }
        // A failure record replaces the document and its rows.
        try store.recordFailure(path: r.source.path, sha256: nil, kind: "binary", detail: "binary data", byteOffset: 7)
        try store.dbQueue.read { db in
            XCTAssertEqual(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM targets WHERE document_path = ?", arguments: [r.source.path]), 0)
            XCTAssertEqual(try Row.fetchOne(db, sql: "SELECT status, error_offset FROM documents WHERE path = ?", arguments: [r.source.path])!,
                           ["status": "failed", "error_offset": 7])
        }
    }

    func testIngestJSONLinesReportsBadLinesAndReplaces() throws {
        let dir = try scratch()
        var lines: [String] = []
        for name in Fixtures.keyNames {
            lines.append(String(decoding: try Fixtures.keyResult(name).jsonData(pretty: false), as: UTF8.self))
        }
        lines.insert("{\"schema\": \"kehoach.extract/1\", \"document\": {}}", at: 2)   // line 3: no source
        lines.insert("", at: 4)                                                        // blank: ignored
        lines.append("not json")                                                       // line 7
        let file = dir.appendingPathComponent("part-00000.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)

        let store = try Store(path: dir.appendingPathComponent("s.sqlite").path)
        let summary = try store.ingestJSONL(path: file.path, chunkSize: 2)
        XCTAssertEqual(summary.stored, 4)
        XCTAssertEqual(summary.failures.map(\.line), [3, 7])
        XCTAssertEqual(summary.failures[0].reason, "not an extraction result: missing field source")
        let again = try store.ingestJSONL(path: file.path)
        XCTAssertEqual(again.stored, 4)
        try store.finish()
        XCTAssertEqual(try Fixtures.dump(dir.appendingPathComponent("s.sqlite").path),
                       try Fixtures.dump(Fixtures.keyStore(try scratch()).0.path))
    }

    func testMissingOrForeignDatabaseIsRefused() throws {
        let dir = try scratch()
        XCTAssertThrowsError(try Store.openReadOnly(path: dir.appendingPathComponent("none.sqlite").path)) { error in
            XCTAssertTrue("\(error)".contains("no such database"), "\(error)")
        }
        let other = dir.appendingPathComponent("other.sqlite").path
        try DatabaseQueue(path: other).write { try $0.execute(sql: "CREATE TABLE t(x)") }
        XCTAssertThrowsError(try Query.targets(db: other, TargetFilter())) { error in
            XCTAssertTrue("\(error)".contains("not a kehoach database"), "\(error)")
        }
    }
}
