import Foundation
import XCTest
@testable import Kehoach

/// The `kehoach` binary end to end: exit statuses, and the JSON of `query` against COUNT(*).
final class BatchCommandTests: BinaryTestCase {

    private func makeRules() throws -> URL { try KehoachBinary.tinyRules(in: dir) }

    func testVersionAndAHelpThatSaysEachDefaultOnce() throws {
        let v = try kehoach(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.out.hasPrefix("kehoach "), v.out)
        // and the rules with the fingerprint batch records for them
        let fingerprint = try RulesFingerprint.compute(directory: Fixtures.repo.appendingPathComponent("rules"), version: "kehoach-batch/4 restore+extract, encodings detected")
        XCTAssertTrue(v.out.contains("rules: \(Fixtures.repo.appendingPathComponent("rules").standardizedFileURL.path) (fingerprint \(fingerprint.prefix(16))"), v.out)
        let help = try kehoach(["batch", "--help"]).out
        XCTAssertTrue(help.contains("(default: the number of"), help)
        XCTAssertFalse(help.contains("cores). (default:"), help)
    }

    func testAnUnknownWeightIsRefusedBeforeEvalRuns() throws {
        // (a run under a weight that does not exist would score nothing and blame the rules)
        let r = try kehoach(["eval", "--param", "timesChanelWeight=1"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--param timesChanelWeight=1: expected NAME=VALUE"), r.err)
        XCTAssertTrue(r.err.contains("timesChannelWeight"), r.err)
        XCTAssertFalse(r.err.contains("eval: restore"), r.err)
    }

    func testProgressSetsEachPlannedFigureBesideTheOneReportedForIt() throws {
        // A district's plan, its half-year report and its province's plan (corpus/progress).
        let input = Fixtures.repo.appendingPathComponent("corpus/progress").path
        let batch = try kehoach(["batch", input, "--out", "out", "--rules", Fixtures.repo.appendingPathComponent("rules").path, "--jobs", "1"])
        XCTAssertEqual(batch.status, 0, batch.err)
        let all = try kehoach(["query", "progress", "--db", "out/kehoach.sqlite", "--format", "csv"])
        XCTAssertEqual(all.status, 0, all.err)
        let plan = input + "/kh-2025.txt", report = input + "/bc-2025.txt"
        XCTAssertEqual(all.out, """
            indicator,measure,population,place,year,planned,actual,unit,gap,reached,planned_all,actual_all,planned_in,actual_in,commune,district,province
            BHXH tự nguyện,count,,huyện Kon Rẫy,2025,1250,1302,người,52,yes,1250 người,1302 người,\(plan):11,\(report):11,,huyện Kon Rẫy,Kon Tum
            BHYT,rate,,Kon Tum,2025,96,,%,,,96%,,\(input)/kh-tinh-2025.txt:10,,,,Kon Tum
            BHYT,rate,,huyện Kon Rẫy,2025,95.5,93.8,%,-1.7,no,95.5%,93.8%,\(plan):10,\(report):10,,huyện Kon Rẫy,Kon Tum
            BHYT,rate,học sinh,huyện Kon Rẫy,2025,100,,%,,,100%,,\(plan):12,,,huyện Kon Rẫy,Kon Tum

            """.replacingOccurrences(of: "\n", with: "\r\n"))
        // "dân số" in the plan and in the report are the whole population; the province's plan is
        // not answered by the district's report; "học sinh" is a group of its own.
        let reported = try kehoach(["query", "progress", "--db", "out/kehoach.sqlite", "--reported", "--indicator", "bhyt", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(reported.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["planned"] as? Double, 95.5)
        XCTAssertEqual(rows[0]["actual"] as? Double, 93.8)
        XCTAssertEqual(rows[0]["reached"] as? String, "no")
        XCTAssertTrue(rows[0]["population"] is NSNull)
        // filters as in query targets: refused values name the valid ones; --by has no meaning here
        let bad = try kehoach(["query", "progress", "--db", "out/kehoach.sqlite", "--measure", "share"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("not one of rate, count, growth, amount"), bad.err)
        XCTAssertNotEqual(try kehoach(["query", "progress", "--db", "out/kehoach.sqlite", "--by", "province"]).status, 0)
        XCTAssertEqual(try kehoach(["query", "progress", "--db", "out/kehoach.sqlite", "--province", "Kon Tum", "--year", "2024", "--format", "csv"]).out,
                       "indicator,measure,population,place,year,planned,actual,unit,gap,reached,planned_all,actual_all,planned_in,actual_in,commune,district,province\r\n")
    }

    func testBatchWritesEachDocumentsChangeLogBesideItsOutputs() throws {
        let rules = Fixtures.repo.appendingPathComponent("rules").path
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for name in ["langson-2021-kh-88", "konray-2025-kh-bcd"] {
            try FileManager.default.copyItem(at: Fixtures.raw.appendingPathComponent("\(name).txt"), to: input.appendingPathComponent("\(name).txt"))
        }
        XCTAssertEqual(try kehoach(["batch", "in", "--out", "out", "--rules", rules, "--jobs", "2", "--review"]).status, 0)
        // the same log `restore --changes` writes for the file
        XCTAssertEqual(try kehoach(["restore", "in/langson-2021-kh-88.txt", "--changes", "one.json", "-o", "one.txt", "--rules", rules]).status, 0)
        struct Log: Decodable { let profile: String; let changes: [RestoreChange] }
        func changes(_ path: String) throws -> [RestoreChange] {
            let log = try JSONDecoder().decode(Log.self, from: Data(contentsOf: dir.appendingPathComponent(path)))
            XCTAssertEqual(log.profile, "ocr")
            return log.changes
        }
        let logged = try changes("out/langson-2021-kh-88.changes.json")
        XCTAssertGreaterThan(logged.count, 1000)
        XCTAssertEqual(logged, try changes("one.json"))
        // --review: the review site of `kehoach review`, made from these outputs
        let page = try String(contentsOf: dir.appendingPathComponent("out/review/langson-2021-kh-88.html"), encoding: .utf8)
        XCTAssertEqual(page.components(separatedBy: "<button type=\"button\" class=\"w changed").count - 1, logged.count)
        XCTAssertTrue(try String(contentsOf: dir.appendingPathComponent("out/review/index.html"), encoding: .utf8)
            .contains("<a href=\"./konray-2025-kh-bcd.html\">konray-2025-kh-bcd.txt</a>"))
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("out/langson-2021-kh-88.txt"), encoding: .utf8),
                       try String(contentsOf: dir.appendingPathComponent("one.txt"), encoding: .utf8))
        // a log that went missing is made again; a document whose file is gone loses its log too
        try FileManager.default.removeItem(at: dir.appendingPathComponent("out/konray-2025-kh-bcd.changes.json"))
        try FileManager.default.removeItem(at: input.appendingPathComponent("langson-2021-kh-88.txt"))
        let rerun = try kehoach(["batch", "in", "--out", "out", "--rules", rules])
        XCTAssertEqual(rerun.status, 0, rerun.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/konray-2025-kh-bcd.changes.json").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/langson-2021-kh-88.changes.json").path))
        // --no-changes writes none
        XCTAssertEqual(try kehoach(["batch", "in", "--out", "out2", "--rules", rules, "--no-changes"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out2/konray-2025-kh-bcd.json").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out2/konray-2025-kh-bcd.changes.json").path))
    }

    func testBatchTakesOCREnginesOutputsAndListsOtherXMLAsNotRead() throws {
        let input = dir.appendingPathComponent("ocr")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let pages = Fixtures.repo.appendingPathComponent("corpus/ocr-outputs")
        try FileManager.default.copyItem(at: pages.appendingPathComponent("d01-page.tsv"), to: input.appendingPathComponent("a.tsv"))
        try FileManager.default.copyItem(at: pages.appendingPathComponent("d01-page.hocr"), to: input.appendingPathComponent("b.hocr"))
        try FileManager.default.copyItem(at: pages.appendingPathComponent("d01-page.alto.xml"), to: input.appendingPathComponent("c.xml"))
        try Data("<?xml version=\"1.0\"?><config/>".utf8).write(to: input.appendingPathComponent("settings.xml"))
        let run = try kehoach(["batch", "ocr", "--out", "out", "--rules", Fixtures.repo.appendingPathComponent("rules").path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.err.contains("3 files: 3 processed"), run.err)
        XCTAssertTrue(run.err.contains("1 file not read"), run.err)
        // the three are one page, restored alike with the engine's confidences
        let a = try String(contentsOf: dir.appendingPathComponent("out/a.txt"), encoding: .utf8)
        XCTAssertEqual(a, try String(contentsOf: dir.appendingPathComponent("out/b.txt"), encoding: .utf8))
        XCTAssertEqual(a, try String(contentsOf: dir.appendingPathComponent("out/c.txt"), encoding: .utf8))
        XCTAssertEqual(a, try kehoach(["restore", "ocr/a.tsv", "--rules", Fixtures.repo.appendingPathComponent("rules").path]).out)
    }

    func testQueryRefusesFilterValuesItCannotMatchAndListsTheValidOnes() throws {
        let db = try Fixtures.keyStore(dir).0.path
        for (args, said) in [(["targets", "--status", "planned"], "not one of target, actual"),
                             (["targets", "--indicator", "foo"], "not one of BHXH, BHXH bắt buộc"),
                             (["deadlines", "--before", "2025-13-45"], "--before 2025-13-45: not a date"),
                             (["deadlines", "--recurrence", "daily"], "not one of yearly, monthly, quarterly")] {
            let r = try kehoach(["query"] + args + ["--db", db])
            XCTAssertNotEqual(r.status, 0, args.joined(separator: " "))
            XCTAssertTrue(r.err.contains(said), r.err)
        }
        // case and marks do not matter in a valid one
        XCTAssertEqual(try kehoach(["query", "targets", "--status", "Target", "--indicator", "bhyt", "--db", db]).status, 0)
    }

    func testFilesThatAreNotDocumentsAreSaidAndAMissingRulesFolderIsNotABadDocument() throws {
        let rules = try makeRules()
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.raw.appendingPathComponent("konray-2023-cv.txt"), to: input.appendingPathComponent("A.TXT"))
        try Data("%PDF-1.4".utf8).write(to: input.appendingPathComponent("scan.pdf"))
        let run = try kehoach(["batch", "in", "--out", "out", "--rules", rules.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.err.contains("1 file not read (documents are *.txt, and OCR engines' *.tsv, *.hocr and ALTO *.xml): scan.pdf"), run.err)
        let report = try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: dir.appendingPathComponent("out/report.json")))
        XCTAssertEqual(report.files.map(\.status), [.ok])
        XCTAssertEqual(report.notRead?.map { ($0 as NSString).lastPathComponent }, ["scan.pdf"])
        // the program cannot run (2), which a script must tell from an input it could not read (1)
        let noRules = try kehoach(["extract", "in/A.TXT", "--rules", dir.appendingPathComponent("nowhere").path])
        XCTAssertEqual(noRules.status, 2, noRules.err)
        XCTAssertTrue(noRules.err.contains("no rules directory found"), noRules.err)
        XCTAssertEqual(try kehoach(["extract", "in/missing.txt", "--rules", rules.path]).status, 1)
    }

    func testBatchExitsNonZeroWhenAFileFailsAndResumes() throws {
        let rules = try makeRules()
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Fixtures.raw.appendingPathComponent("konray-2023-cv.txt"), to: input.appendingPathComponent("a.txt"))
        try FileManager.default.copyItem(at: Fixtures.raw.appendingPathComponent("langson-2021-kh-88.txt"), to: input.appendingPathComponent("sub/b.txt"))
        try Data([0x41, 0x42, 0xC3, 0x28]).write(to: input.appendingPathComponent("sub/c.txt"))

        let first = try kehoach(["batch", "in", "--out", "out", "--rules", rules.path, "--jobs", "2"])
        XCTAssertEqual(first.status, 1, first.err)
        XCTAssertTrue(first.err.contains("failed \(dir.path)/in/sub/c.txt: invalid-utf8"), first.err)
        XCTAssertTrue(first.err.contains("3 files: 2 processed, 0 unchanged, 1 failed"), first.err)
        let report = try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: dir.appendingPathComponent("out/report.json")))
        XCTAssertEqual(report.files.map(\.status), [.ok, .ok, .failed])
        XCTAssertEqual(report.files[2].byteOffset, 2)
        let restored = try String(contentsOf: dir.appendingPathComponent("out/sub/b.txt"), encoding: .utf8)
        XCTAssertEqual(restored.components(separatedBy: "\n").count,
                       try String(contentsOf: input.appendingPathComponent("sub/b.txt"), encoding: .utf8).components(separatedBy: "\n").count,
                       "restoration keeps the lines")

        let second = try kehoach(["batch", "in", "--out", "out", "--rules", rules.path])
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.err.contains("3 files: 0 processed, 2 unchanged, 1 failed"), second.err)

        try FileManager.default.removeItem(at: input.appendingPathComponent("sub/c.txt"))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("out/a.json"))
        let third = try kehoach(["batch", "in", "--out", "out", "--rules", rules.path])
        XCTAssertEqual(third.status, 0, third.err)
        XCTAssertTrue(third.err.contains("2 files: 1 processed, 1 unchanged, 0 failed"), third.err)
    }

    func testIngestThenQueryJSONMatchesCount() throws {
        var jsonl = Data()
        for name in Fixtures.keyNames {
            jsonl.append(try Fixtures.keyResult(name).jsonData(pretty: false))
            jsonl.append(0x0A)
        }
        let ingest = try kehoach(["ingest", "-", "--db", "k.sqlite"], stdin: jsonl)
        XCTAssertEqual(ingest.status, 0, ingest.err)
        XCTAssertTrue(ingest.err.contains("4 documents stored"), ingest.err)

        let json = try kehoach(["query", "targets", "--db", "k.sqlite", "--indicator", "BHYT", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.err)
        let rows = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [[String: Any]]
        let count = try kehoach(["query", "sql", "--db", "k.sqlite", "--format", "csv", "SELECT COUNT(*) AS n FROM targets WHERE indicator = 'BHYT'"])
        XCTAssertEqual(count.out, "n\r\n19\r\n")
        XCTAssertEqual(rows.count, 19)

        let place = try kehoach(["query", "targets", "--db", "k.sqlite", "--place", "LANG SON", "--format", "csv"])
        XCTAssertEqual(place.out.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 1 + 9)

        let write = try kehoach(["query", "sql", "--db", "k.sqlite", "DELETE FROM targets"])
        XCTAssertEqual(write.status, 1)
        XCTAssertTrue(write.err.contains("only SELECT queries are allowed"), write.err)
        XCTAssertEqual(try kehoach(["query", "sql", "--db", "k.sqlite", "--format", "csv", "SELECT COUNT(*) AS n FROM targets"]).out, "n\r\n41\r\n")

        let bad = try kehoach(["ingest", "-", "--db", "k.sqlite"], stdin: Data("{}\n".utf8))
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("line 1: not an extraction result"), bad.err)
    }

    /// Issue 13: a batch writes each restored file with its input's line endings and byte order
    /// mark, and extracts the same entities on the same lines as from the LF file.
    func testBatchKeepsLineEndingsAndByteOrderMark() throws {
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let raw = try String(contentsOf: Fixtures.raw.appendingPathComponent("konray-2025-kh-bcd.txt"), encoding: .utf8)
        try Data(raw.utf8).write(to: input.appendingPathComponent("lf.txt"))
        try Data([0xEF, 0xBB, 0xBF] + Array(raw.replacingOccurrences(of: "\n", with: "\r\n").utf8))
            .write(to: input.appendingPathComponent("crlf.txt"))
        let r = try kehoach(["batch", "in", "--out", "out", "--rules", Fixtures.repo.appendingPathComponent("rules").path, "--jobs", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        let out = dir.appendingPathComponent("out")
        let lf = try String(contentsOf: out.appendingPathComponent("lf.txt"), encoding: .utf8)
        XCTAssertTrue(lf.hasPrefix(" KẾ HOẠCH\n"), lf)
        XCTAssertEqual(Array(try Data(contentsOf: out.appendingPathComponent("crlf.txt"))),
                       [0xEF, 0xBB, 0xBF] + Array(lf.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        func entities(_ name: String) throws -> NSDictionary {
            var o = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(name))) as! [String: Any]
            o["source"] = nil
            return o as NSDictionary
        }
        XCTAssertEqual(try entities("crlf.json"), try entities("lf.json"))
    }
}
