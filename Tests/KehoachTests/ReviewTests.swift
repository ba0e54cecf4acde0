import Foundation
import XCTest
@testable import Kehoach

/// `kehoach review`'s site as a reader's browser shows it (headless Chromium: the DOM after its
/// script ran), and the corrections it exports, applied by `kehoach restore --apply-corrections`.
final class ReviewTests: BinaryTestCase {
    let document = "langson-2021-kh-88"
    var input: String { Fixtures.raw.appendingPathComponent("\(document).txt").path }
    var rules: String { Fixtures.repo.appendingPathComponent("rules").path }

    /// .ci/run installs Debian's chromium; elsewhere the test says what it needs.
    func chromium() throws -> String {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                let path = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        throw XCTSkip("needs a headless Chromium (Debian: apt-get install chromium)")
    }

    /// The page's DOM once its script has run.
    func render(_ page: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try chromium())
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", "--virtual-time-budget=10000",
                       "--user-data-dir=\(dir.appendingPathComponent("chromium-profile").path)", "--dump-dom", page.absoluteString]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        return String(decoding: data, as: UTF8.self)
    }

    func count(_ s: String, _ of: String) -> Int { s.components(separatedBy: of).count - 1 }

    func testThePageShowsBothTextsLineByLineWithChangesAlternativesAndLinkedEntities() throws {
        let made = try kehoach(["review", input, "--out", "site", "--rules", rules])
        XCTAssertEqual(made.status, 0, made.err)
        let log = try kehoach(["restore", input, "--changes", "changes.json", "-o", "restored.txt", "--rules", rules])
        XCTAssertEqual(log.status, 0, log.err)
        let changes = (try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("changes.json"))) as! [String: Any])["changes"] as! [[String: Any]]
        let text = try String(contentsOfFile: input, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)

        let dom = try render(dir.appendingPathComponent("site/\(document).html"))
        // one row per line, the OCR text beside the restored text
        XCTAssertEqual(count(dom, "<tr id=\"L"), lines)
        XCTAssertTrue(dom.contains("<tr id=\"L3\"><th scope=\"row\"><a href=\"#L3\">3</a></th><td class=\"ocr\" lang=\"vi\"><del>KE</del> <del>HOACH</del></td>"), dom)
        // every change of the change log is marked, and the uncertain ones lit
        XCTAssertEqual(count(dom, "<button type=\"button\" class=\"w changed"), changes.count)
        let uncertain = changes.filter { ($0["confidence"] as! Double) < 0.9 }
        XCTAssertGreaterThan(uncertain.count, 0)
        XCTAssertEqual(count(dom, "<button type=\"button\" class=\"w changed low\""), uncertain.count)
        // an uncertain word carries what the OCR read, its confidence and its alternatives
        let u = uncertain[0], alternatives = u["alternatives"] as! [[String: Any]]
        XCTAssertTrue(dom.contains("data-line=\"\(u["line"]!)\""))
        XCTAssertTrue(dom.contains("title=\"OCR: \(ReviewSite.escape(u["from"] as! String)) · confidence "), String(describing: u))
        if let first = alternatives.first { XCTAssertTrue(dom.contains("alternatives: \(ReviewSite.escape(first["text"] as! String)) ("), String(describing: u)) }
        // every entity links to a line that is on the page
        let links = dom.components(separatedBy: "<a href=\"#L").dropFirst().map { $0.prefix { $0.isNumber } }
        XCTAssertGreaterThan(links.count, lines)
        for l in links { XCTAssertTrue(dom.contains("<tr id=\"L\(l)\">"), "link to line \(l)") }
        XCTAssertTrue(dom.contains("<h2 id=\"targets\">Targets ("), dom)
        XCTAssertTrue(dom.contains("Kế hoạch") || dom.contains("KẾ HOẠCH"))

        // the index: the document with its counts, sorted by the column a reader selects
        let index = try render(dir.appendingPathComponent("site/index.html"))
        XCTAssertTrue(index.contains("<a href=\"./\(document).html\">\(document).txt</a>"), index)
        XCTAssertTrue(index.contains("<td data-value=\"\(changes.count)\">\(changes.count)</td>"), index)
        XCTAssertEqual(count(index, "<button type=\"button\" data-column="), 8)
    }

    func testCorrectionsExportedFromThePageRemakeTheCorrectedTextExactly() throws {
        XCTAssertEqual(try kehoach(["review", input, "--out", "site", "--rules", rules]).status, 0)
        XCTAssertEqual(try kehoach(["restore", input, "-o", "restored.txt", "--rules", rules]).status, 0)
        // A reader's session, scripted: the first changed word corrected, the second accepted,
        // then "Export corrections"; the file the page would download is caught and shown.
        let harness = """
            <!DOCTYPE html><html><body><pre id="out">waiting</pre>
            <iframe id="page" src="\(document).html"></iframe>
            <script>
            document.getElementById("page").addEventListener("load", () => {
              const w = document.getElementById("page").contentWindow, d = w.document;
              w.URL.createObjectURL = (blob) => { blob.text().then((t) => { document.getElementById("out").textContent = t; }); return "about:blank"; };
              w.HTMLAnchorElement.prototype.click = function () {};
              const words = d.querySelectorAll("button.w.changed");
              words[0].click();
              d.getElementById("editor-text").value = "Sửa";
              d.getElementById("editor").requestSubmit();
              words[1].click();
              d.getElementById("editor-accept").click();
              d.getElementById("export").click();
            });
            </script></body></html>
            """
        try harness.write(to: dir.appendingPathComponent("site/harness.html"), atomically: true, encoding: .utf8)
        let dom = try render(dir.appendingPathComponent("site/harness.html"))
        guard let start = dom.range(of: "<pre id=\"out\">"), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            return XCTFail(dom)
        }
        let exported = String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        let corrections = try Corrections.load(Data(exported.utf8), path: "exported")
        XCTAssertEqual(corrections.document, "\(document).txt")
        XCTAssertEqual(corrections.corrections.count, 1)
        XCTAssertEqual(corrections.accepted?.count, 1)
        let c = corrections.corrections[0]
        XCTAssertEqual(c.corrected, "Sửa")
        try Data(exported.utf8).write(to: dir.appendingPathComponent("corrections.json"))

        // applied: the restored text with that one word replaced, nothing else
        let applied = try kehoach(["restore", input, "--apply-corrections", "corrections.json", "-o", "fixed.txt", "--rules", rules])
        XCTAssertEqual(applied.status, 0, applied.err)
        var lines = try String(contentsOf: dir.appendingPathComponent("restored.txt"), encoding: .utf8).components(separatedBy: "\n")
        var line = Array(lines[c.line - 1].unicodeScalars)
        XCTAssertEqual(String(String.UnicodeScalarView(line[(c.column - 1)..<(c.column - 1 + c.text.unicodeScalars.count)])), c.text)
        line.replaceSubrange((c.column - 1)..<(c.column - 1 + c.text.unicodeScalars.count), with: "Sửa".unicodeScalars)
        lines[c.line - 1] = String(String.UnicodeScalarView(line))
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("fixed.txt"), encoding: .utf8), lines.joined(separator: "\n"))

        // corrections made on another restoration: refused with the line named, nothing written
        var stale = corrections
        stale.corrections[0].text = "không"
        try JSONEncoder().encode(stale).write(to: dir.appendingPathComponent("stale.json"))
        let refused = try kehoach(["restore", input, "--apply-corrections", "stale.json", "-o", "stale.txt", "--rules", rules])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.err.contains("line \(c.line), column \(c.column): expected \"không\""), refused.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("stale.txt").path))
        // corrections of another file, or made under another profile, are refused too
        var elsewhere = corrections
        elsewhere.sha256 = String(repeating: "0", count: 64)
        try JSONEncoder().encode(elsewhere).write(to: dir.appendingPathComponent("elsewhere.json"))
        let other = try kehoach(["restore", input, "--apply-corrections", "elsewhere.json", "-o", "other.txt", "--rules", rules])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.err.contains("was made on another file"), other.err)
        XCTAssertEqual(corrections.profile, .ocr)
        let profiled = try kehoach(["restore", input, "--apply-corrections", "corrections.json", "--profile", "stripped", "-o", "p.txt", "--rules", rules])
        XCTAssertEqual(profiled.status, 1)
        XCTAssertTrue(profiled.err.contains("restored as ocr, not --profile stripped"), profiled.err)
        // and a file that is no corrections file stops the command before any output
        try Data("{}".utf8).write(to: dir.appendingPathComponent("bogus.json"))
        let bogus = try kehoach(["restore", input, "--apply-corrections", "bogus.json", "--rules", rules])
        XCTAssertEqual(bogus.status, 2)
        XCTAssertTrue(bogus.err.contains("bogus.json: not a corrections file"), bogus.err)
        XCTAssertEqual(bogus.out, "")
    }

    func testTheStoreReportShowsPlanAgainstActualAndChartsWithTheirDataAsCSV() throws {
        // a district's plan, its report and its province's plan, and the public documents
        let made = try kehoach(["batch", Fixtures.repo.appendingPathComponent("corpus/progress").path, Fixtures.raw.path,
                                "--out", "out", "--rules", rules, "--no-changes"])
        XCTAssertEqual(made.status, 0, made.err)
        let report = try kehoach(["report", "--db", "out/kehoach.sqlite", "--out", "report"])
        XCTAssertEqual(report.status, 0, report.err)
        func csv(_ name: String) throws -> [String] {
            try String(contentsOf: dir.appendingPathComponent("report/\(name)"), encoding: .utf8).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        }
        // progress.csv is `query progress` as CSV
        let progress = try csv("progress.csv")
        XCTAssertEqual(progress.joined(separator: "\r\n") + "\r\n",
                       try kehoach(["query", "progress", "--db", "out/kehoach.sqlite", "--format", "csv"]).out)
        let dom = try render(dir.appendingPathComponent("report/index.html"))
        // a meter per planned figure with a reported one, the plan's and the report's figures in its name
        let answered = try kehoach(["query", "progress", "--db", "out/kehoach.sqlite", "--reported", "--format", "csv"]).out
            .components(separatedBy: "\r\n").filter { !$0.isEmpty }.count - 1
        XCTAssertGreaterThanOrEqual(answered, 2)
        XCTAssertEqual(count(dom, "role=\"meter\""), answered)
        XCTAssertTrue(dom.contains("aria-label=\"BHYT · rate, huyện Kon Rẫy 2025: 93.8% reported of 95.5% planned (98%)\""), dom)
        XCTAssertTrue(dom.contains("aria-label=\"BHXH tự nguyện · count, huyện Kon Rẫy 2025: 1302 người reported of 1250 người planned (104%)\""), dom)
        // the chart: a bar per province of targets-per-province.csv, its number written beside it
        let provinces = try csv("targets-per-province.csv").dropFirst()
        XCTAssertGreaterThanOrEqual(provinces.count, 3)
        XCTAssertEqual(count(dom, "<g class=\"bar\">"), provinces.count)
        for row in provinces {
            let cells = row.components(separatedBy: ",")
            XCTAssertTrue(dom.contains("<title>\(cells[0]): \(cells[1]) planned figures</title>"), row)
        }
        // the tables hold the CSV's rows
        let figures = try csv("figures.csv")
        let table = dom.components(separatedBy: "<table id=\"figures-table\">")[1].components(separatedBy: "</table>")[0]
        XCTAssertEqual(count(table, "<tr>") - 1, figures.count - 1)
        // a store that is not there: said, exit 1
        let missing = try kehoach(["report", "--db", "nothing.sqlite", "--out", "r2"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("nothing.sqlite"), missing.err)
    }
}
