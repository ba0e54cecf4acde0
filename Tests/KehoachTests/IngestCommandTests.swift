import Foundation
import XCTest

/// Issue 13: `kehoach ingest` checks each line against the contract it claims and names the line
/// and the field it refuses; a file it cannot read leaves no empty database behind.
final class IngestCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        _ = try KehoachBinary.url()
        dir = try scratch()
    }

    private func kehoach(_ args: [String]) throws -> KehoachBinary.Result {
        try KehoachBinary.run(args, in: dir)
    }

    /// A real extraction (an answer key's) as a JSON object, to be spoiled one field at a time.
    private func extraction(_ name: String = "konray-2025-kh-bcd") throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Fixtures.keyResult(name).jsonData(pretty: false)) as! [String: Any]
    }

    private func write(_ name: String, _ objects: [[String: Any]]) throws -> String {
        let lines = try objects.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return name
    }

    private func withPath(_ object: [String: Any], _ path: String) -> [String: Any] {
        var o = object
        var source = o["source"] as! [String: Any]
        source["path"] = path
        o["source"] = source
        return o
    }

    private func documentPaths(_ db: String) throws -> String {
        try kehoach(["query", "sql", "--db", db, "--format", "csv", "SELECT path FROM documents ORDER BY path"]).out
    }

    func testAPathHoldingNULIsRefusedNotMergedWithAnother() throws {
        let good = try extraction()
        let file = try write("nul.jsonl", [withPath(good, "plans/a.txt"), withPath(good, "plans/b.txt\u{0}one"),
                                           withPath(good, "plans/b.txt\u{0}two")])
        let r = try kehoach(["ingest", file, "--db", "s.sqlite"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.err, """
            kehoach ingest: nul.jsonl: line 2: not an extraction result: source.path: holds a NUL character (U+0000), which no file path can
            kehoach ingest: nul.jsonl: line 3: not an extraction result: source.path: holds a NUL character (U+0000), which no file path can
            kehoach ingest: 1 documents stored in s.sqlite, 2 lines or files not loaded

            """)
        XCTAssertEqual(try documentPaths("s.sqlite"), "path\r\nplans/a.txt\r\n")
    }

    func testAnUnknownSchemaIsRefused() throws {
        var other = try extraction()
        other["schema"] = "kehoach.extract/2"
        var none = try extraction()
        none["schema"] = nil
        let file = try write("schema.jsonl", [other, none, try extraction("konray-2023-cv")])
        let r = try kehoach(["ingest", file, "--db", "s.sqlite"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("""
            schema.jsonl: line 1: not an extraction result: unknown schema "kehoach.extract/2" (this kehoach reads "kehoach.extract/1")
            """), r.err)
        XCTAssertTrue(r.err.contains("schema.jsonl: line 2: not an extraction result: missing field schema\n"), r.err)
        XCTAssertEqual(try documentPaths("s.sqlite"), "path\r\ncorpus/raw/konray-2023-cv.txt\r\n")
    }

    func testAWrongNumberTypeIsReportedAsSuchNotAsInvalidJSON() throws {
        func spoiled(_ list: String, _ field: String, _ value: Any) throws -> [String: Any] {
            var o = try extraction()
            var items = o[list] as! [[String: Any]]
            items[0][field] = value
            o[list] = items
            return o
        }
        let file = try write("types.jsonl", [
            try spoiled("targets", "line", 1.5), try spoiled("targets", "value", "12"), try spoiled("agencies", "line", NSNull()),
            try spoiled("targets", "year", 2025.5), try spoiled("targets", "status", "planned"), try spoiled("references", "line", 0),
        ])
        let r = try kehoach(["ingest", file, "--db", "s.sqlite"])
        XCTAssertEqual(r.status, 1)
        let reasons = r.err.split(separator: "\n").map { String($0) }
        XCTAssertEqual(reasons, [
            "kehoach ingest: types.jsonl: line 1: not an extraction result: targets[0].line: expected a whole number, found the number 1.5",
            "kehoach ingest: types.jsonl: line 2: not an extraction result: targets[0].value: expected a number, found \"12\"",
            "kehoach ingest: types.jsonl: line 3: not an extraction result: agencies[0].line: expected a whole number, found null",
            "kehoach ingest: types.jsonl: line 4: not an extraction result: targets[0].year: expected a whole number, found the number 2025.5",
            "kehoach ingest: types.jsonl: line 5: not an extraction result: targets[0].status: \"planned\" is not one of \"actual\", \"target\"",
            "kehoach ingest: types.jsonl: line 6: not an extraction result: references[0].line: 0 is not a line number (lines count from 1)",
            "kehoach ingest: 0 documents stored in s.sqlite, 6 lines or files not loaded",
        ])
        try "{\"schema\": \"kehoach.extract/1\",\n".write(to: dir.appendingPathComponent("cut.jsonl"), atomically: true, encoding: .utf8)
        let cut = try kehoach(["ingest", "cut.jsonl", "--db", "s.sqlite"])
        XCTAssertTrue(cut.err.hasPrefix("kehoach ingest: cut.jsonl: line 1: not an extraction result: invalid JSON"), cut.err)
    }

    func testTheMapStepsLinesLoadIntoTheStoreBatchMakesOfTheSameFiles() throws {
        // the archive: two public documents and an empty file, named through a "./" and a ".."
        let archive = dir.appendingPathComponent("archive")
        try FileManager.default.createDirectory(at: archive.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for name in ["konray-2023-cv", "langson-2021-kh-88"] {
            try FileManager.default.copyItem(at: Fixtures.raw.appendingPathComponent("\(name).txt"), to: archive.appendingPathComponent("\(name).txt"))
        }
        try Data().write(to: archive.appendingPathComponent("empty.txt"))
        let real = archive.resolvingSymlinksInPath().path
        let paths = ["\(real)/./konray-2023-cv.txt", "\(real)/sub/../langson-2021-kh-88.txt", "\(real)/empty.txt"]
        // the map step: a line per path, the empty file's an error record, exit 0
        let map = try KehoachBinary.run(["extract", "--jsonl"], in: dir, stdin: Data((paths.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(map.status, 0, map.err)
        let lines = map.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let record = try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as! [String: Any]
        XCTAssertEqual((record["error"] as? [String: Any])?["kind"] as? String, "empty")
        try map.out.write(to: dir.appendingPathComponent("map.jsonl"), atomically: true, encoding: .utf8)
        let ingest = try kehoach(["ingest", "map.jsonl", "--db", "cluster.sqlite"])
        XCTAssertEqual(ingest.status, 0, ingest.err)
        XCTAssertTrue(ingest.err.contains("2 documents stored in cluster.sqlite, 1 recorded as failed"), ingest.err)
        // batch of the same files: the same documents, figures, duties and references, row for row
        _ = try kehoach(["batch", "archive", "--out", "out", "--db", "batch.sqlite", "--no-changes", "--rules", Fixtures.repo.appendingPathComponent("rules").path])
        let columns = "path, sha256, status, error_kind, error, kind, number, issuer, place, province, date, year, title, signer, commune, district"
        for sql in ["SELECT \(columns) FROM documents ORDER BY path", "SELECT * FROM targets ORDER BY document_path, ord",
                    "SELECT * FROM deadlines ORDER BY document_path, ord", "SELECT * FROM agencies ORDER BY document_path, ord",
                    "SELECT * FROM legal_refs ORDER BY document_path, ord"] {
            let a = try kehoach(["query", "sql", "--db", "batch.sqlite", "--format", "csv", sql]).out
            let b = try kehoach(["query", "sql", "--db", "cluster.sqlite", "--format", "csv", sql]).out
            XCTAssertEqual(a, b, sql)
            XCTAssertGreaterThan(a.components(separatedBy: "\r\n").count, 3, sql)
        }
        // a map step that cannot run says so with its own status: no rules where $KEHOACH_RULES points
        let norules = try KehoachBinary.run(["extract", "--jsonl"], in: dir, stdin: Data((paths[0] + "\n").utf8),
                                            environment: ["KEHOACH_RULES": dir.appendingPathComponent("nothing").path])
        XCTAssertEqual(norules.status, 2)
        XCTAssertEqual(norules.out, "")
        XCTAssertTrue(norules.err.contains("no rules directory found"), norules.err)
    }

    func testAMissingInputCreatesNoDatabase() throws {
        let r = try kehoach(["ingest", "nowhere.jsonl", "--db", "new.sqlite"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.err, "kehoach ingest: nowhere.jsonl: no such file\nkehoach ingest: nothing to load; new.sqlite not created\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
        // With one readable file beside the missing one, that one is loaded and the missing one named.
        let file = try write("one.jsonl", [try extraction()])
        let both = try kehoach(["ingest", "nowhere.jsonl", file, "--db", "new.sqlite"])
        XCTAssertEqual(both.status, 1)
        XCTAssertEqual(both.err, "kehoach ingest: nowhere.jsonl: no such file\n"
                       + "kehoach ingest: 1 documents stored in new.sqlite, 1 lines or files not loaded\n")
    }
}
