import Foundation
import XCTest

/// Issue 13: the same answer whatever the line endings. Real corpus documents are written with
/// CRLF, CR, NEL, U+2028, U+2029 or a mix, and `kehoach extract` and `kehoach restore` must say
/// what they say of the LF file: the same entities on the same lines, the same restored words,
/// and the file's own endings written back.
final class LineEndingTests: XCTestCase {
    private var dir: URL!
    private let rules = Fixtures.repo.appendingPathComponent("rules").path

    override func setUpWithError() throws {
        _ = try KehoachBinary.url()
        dir = try scratch()
    }

    /// Each ending a text file may use, by name.
    private static let endings: [(name: String, ending: String)] = [
        ("crlf", "\r\n"), ("cr", "\r"), ("nel", "\u{85}"), ("line-separator", "\u{2028}"), ("paragraph-separator", "\u{2029}"),
    ]

    /// `text` with its n-th "\n" replaced by `endings[n % endings.count]`.
    private func withEndings(_ text: String, _ endings: [String]) -> String {
        var out = ""
        var n = 0
        for c in text.unicodeScalars {
            if c == "\n" { out += endings[n % endings.count]; n += 1 } else { out.unicodeScalars.append(c) }
        }
        return out
    }

    /// Copies of `files` under dir/NAME/ with every "\n" replaced by `endings` in turn.
    private func converted(_ files: [URL], _ name: String, _ endings: [String]) throws -> [String] {
        let folder = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try files.map { file in
            let target = folder.appendingPathComponent(file.lastPathComponent)
            try Data(withEndings(try String(contentsOf: file, encoding: .utf8), endings).utf8).write(to: target)
            return target.path
        }
    }

    /// The extraction of each line of `extract --jsonl` output, `source` (path and hash) left out.
    private func extractions(_ args: [String]) throws -> [NSDictionary] {
        let r = try KehoachBinary.run(["extract", "--rules", rules, "--jsonl"] + args, in: dir)
        XCTAssertEqual(r.status, 0, r.err)
        return try r.out.split(separator: "\n").map { line in
            var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            object["source"] = nil
            return object as NSDictionary
        }
    }

    private func txtFiles(_ folder: String) throws -> [URL] {
        let url = Fixtures.repo.appendingPathComponent(folder)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { $0.hasSuffix(".txt") }.sorted()
            .map { url.appendingPathComponent($0) }
    }

    func testRestoredTextsGiveTheSameExtractionWhateverTheLineEndings() throws {
        let files = try txtFiles("corpus/gold") + txtFiles("corpus/dev/docs")
        XCTAssertGreaterThan(files.count, 10)
        let lf = try extractions(["--restored"] + files.map(\.path))
        XCTAssertEqual(lf.count, files.count)
        var variants = Self.endings.map { ($0.name, [$0.ending]) }
        variants.append(("mixed", Self.endings.map(\.ending) + ["\n"]))
        for (name, endings) in variants {
            let other = try extractions(["--restored"] + converted(files, name, endings))
            XCTAssertEqual(other.count, files.count, name)
            for (i, file) in files.enumerated() where i < other.count {
                XCTAssertEqual(other[i], lf[i], "\(name): \(file.lastPathComponent)")
            }
        }
    }

    func testOCRTextsGiveTheSameExtractionWithCRLFOrCREndings() throws {
        let files = try txtFiles("corpus/raw")
        let lf = try extractions(files.map(\.path))
        XCTAssertEqual(lf.count, files.count)
        for (name, ending) in Self.endings.prefix(2) {
            let other = try extractions(converted(files, name, [ending]))
            XCTAssertEqual(other.count, files.count, name)
            for (i, file) in files.enumerated() where i < other.count {
                XCTAssertEqual(other[i], lf[i], "\(name): \(file.lastPathComponent)")
            }
        }
    }

    func testRestoreWritesEachLineBackWithItsOwnEnding() throws {
        let raw = Fixtures.raw.appendingPathComponent("konray-2025-kh-bcd.txt")
        let endings = Self.endings.map(\.ending) + ["\n"]
        let mixed = try converted([raw], "mixed", endings)[0]
        let lfChanges = dir.appendingPathComponent("lf.changes.json").path
        let mixedChanges = dir.appendingPathComponent("mixed.changes.json").path
        let lf = try KehoachBinary.run(["restore", "--rules", rules, raw.path, "--changes", lfChanges], in: dir)
        XCTAssertEqual(lf.status, 0, lf.err)
        let other = try KehoachBinary.run(["restore", "--rules", rules, mixed, "--changes", mixedChanges], in: dir)
        XCTAssertEqual(other.status, 0, other.err)
        XCTAssertEqual(Array(other.out.utf8), Array(withEndings(lf.out, endings).utf8))
        func changes(_ path: String) throws -> NSArray {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! NSDictionary)["changes"] as! NSArray
        }
        XCTAssertGreaterThan(try changes(lfChanges).count, 500)
        XCTAssertEqual(try changes(mixedChanges), try changes(lfChanges))
    }

    func testLoneCREndingsNumberTheLines() throws {
        let file = dir.appendingPathComponent("cr.txt")
        try Data("KE HOACH\rThuc hién chinh sich\r".utf8).write(to: file)
        let changes = dir.appendingPathComponent("cr.changes.json").path
        let r = try KehoachBinary.run(["restore", "--rules", rules, file.path, "--changes", changes], in: dir)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "KẾ HOẠCH\rThực hiện chính sách\r")
        let list = (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: changes))) as! NSDictionary)["changes"] as! [NSDictionary]
        XCTAssertEqual(list.map { "\($0["line"]!):\($0["column"]!) \($0["to"]!)" },
                       ["1:1 KẾ", "1:4 HOẠCH", "2:1 Thực", "2:6 hiện", "2:11 chính", "2:17 sách"])
    }
}
