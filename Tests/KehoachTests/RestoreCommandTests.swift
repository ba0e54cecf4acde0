import Foundation
import XCTest
@testable import Kehoach

/// `kehoach restore` run as a user runs it: real files in, exact text out, bad input refused with
/// the file named and nothing half-written.
final class RestoreCommandTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        _ = try KehoachBinary.url()
        dir = try scratch()
    }

    @discardableResult
    private func kehoach(_ args: [String], stdin: Data? = nil) throws -> KehoachBinary.Result {
        try KehoachBinary.run(["restore", "--rules", Fixtures.repo.appendingPathComponent("rules").path] + args, in: dir, stdin: stdin)
    }

    private func write(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    func testRestoresARealFileToStdoutAndFile() throws {
        let raw = Fixtures.raw.appendingPathComponent("konray-2025-kh-bcd.txt").path
        let r = try kehoach([raw])
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.components(separatedBy: "\n")
        let rawLines = try String(contentsOfFile: raw, encoding: .utf8).components(separatedBy: "\n")
        XCTAssertEqual(lines.count, rawLines.count)
        XCTAssertEqual(lines[0], " KẾ HOẠCH")
        XCTAssertEqual(lines[2], "Thực hiện chính sách bảo hiểm xã hội, bảo hiểm y tế năm 2025")

        let out = dir.appendingPathComponent("out.txt").path
        let changes = dir.appendingPathComponent("changes.json").path
        XCTAssertEqual(try kehoach([raw, "-o", out, "--changes", changes]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), r.out)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: changes))) as! [String: Any]
        let list = json["changes"] as! [[String: Any]]
        XCTAssertGreaterThan(list.count, 500)
        XCTAssertEqual(list[0]["from"] as? String, "KE")
        XCTAssertEqual(list[0]["to"] as? String, "KẾ")
        XCTAssertEqual(list[0]["line"] as? Int, 1)
        XCTAssertEqual(list[0]["column"] as? Int, 2)
        XCTAssertNotNil(list[0]["confidence"] as? Double)
        XCTAssertNotNil(list[0]["alternatives"] as? [Any])
    }

    func testTextTypedWithoutMarksGetsThemBackWithItsLettersAndTheProfileIsLogged() throws {
        // A plan typed without a Vietnamese keyboard: auto takes it as stripped, restores marks only.
        let typed = try write("khongdau.txt", Data("ke hoach phat trien doi tuong tham gia bao hiem y te nam 2025\nnuoi ong lay mat o vung nui, con duong bui mu mit\n".utf8))
        let changes = dir.appendingPathComponent("c.json").path
        let r = try kehoach([typed, "--changes", changes])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.hasPrefix("kế hoạch phát triển đối tượng tham gia bảo hiểm y tế năm 2025\n"), r.out)
        // every letter as typed: only marks (and đ) added
        XCTAssertEqual(Normalize.stripMarks(r.out), String(decoding: try Data(contentsOf: URL(fileURLWithPath: typed)), as: UTF8.self))
        let log = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: changes))) as! [String: Any]
        XCTAssertEqual(log["profile"] as? String, "stripped")
        // Forced to OCR, the channel may change letters ("mat" → "mẫu"); the log says which profile.
        let ocr = try kehoach([typed, "--profile", "ocr", "--changes", changes])
        XCTAssertNotEqual(Normalize.stripMarks(ocr.out), Normalize.stripMarks(r.out))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: changes))) as! [String: Any])["profile"] as? String, "ocr")
        // An OCR reading is not taken for typed text; clean gives the text back.
        let scan = try kehoach([], stdin: Data("Thuc hién chinh sich bao hiém x4 hdi cho nguoi lao dong\n".utf8))
        XCTAssertEqual(scan.out, "Thực hiện chính sách bảo hiểm xã hội cho người lao động\n")
        XCTAssertEqual(try kehoach(["--profile", "clean"], stdin: Data("ke hoach\n".utf8)).out, "ke hoach\n")
        XCTAssertNotEqual(try kehoach(["--profile", "bogus"], stdin: Data("ke hoach\n".utf8)).status, 0)
    }

    func testTesseractTSVHOCRAndALTOAreReadWithTheEnginesConfidences() throws {
        // One page of dev d01 rendered and read by Tesseract 5 (eng, --psm 6) in its three formats.
        let dir = Fixtures.repo.appendingPathComponent("corpus/ocr-outputs")
        let gold = try String(contentsOf: dir.appendingPathComponent("d01-page.gold.txt"), encoding: .utf8)
        var outputs: [String] = []
        for (file, format) in [("d01-page.tsv", "tesseract-tsv"), ("d01-page.hocr", "hocr"), ("d01-page.alto.xml", "alto")] {
            let r = try kehoach([dir.appendingPathComponent(file).path])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.err.contains("read as \(format) output, 742 words with the engine's confidence"), r.err)
            outputs.append(r.out)
        }
        XCTAssertEqual(Set(outputs).count, 1, "the three formats are one reading")
        // line for line with the page
        XCTAssertEqual(outputs[0].split(separator: "\n", omittingEmptySubsequences: false).count,
                       gold.split(separator: "\n", omittingEmptySubsequences: false).count)
        // the same words as plain text restore as well, and the confidences make it better
        let reading = OCROutput.read(try String(contentsOf: dir.appendingPathComponent("d01-page.tsv"), encoding: .utf8))!
        let plain = try kehoach([], stdin: Data(reading.text.utf8))
        let withConfidences = try RestoreMetric.score(gold: gold, output: outputs[0], input: reading.text)
        let without = try RestoreMetric.score(gold: gold, output: plain.out, input: reading.text)
        XCTAssertGreaterThan(withConfidences.accuracy, without.accuracy)
        XCTAssertLessThanOrEqual(withConfidences.harm, without.harm)
    }

    func testStandardInput() throws {
        let r = try kehoach([], stdin: Data("Thuc hién chinh sich\n".utf8))
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "Thực hiện chính sách\n")
    }

    func testBadInputsAreNamedAndTheRestStillRestored() throws {
        let good = try write("good.txt", Data("bao hiém x4 hdi\n".utf8))
        let empty = try write("empty.txt", Data())
        let invalid = try write("latin1.txt", Data([0x42, 0x61, 0x6F, 0x20, 0xE9, 0x0A]))
        let binary = try write("junk.bin", Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00]))
        let missing = dir.appendingPathComponent("nowhere.txt").path
        let outDir = dir.appendingPathComponent("restored").path
        let r = try kehoach([empty, good, invalid, binary, missing, "--out-dir", outDir])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("\(empty): file is empty"), r.err)
        XCTAssertTrue(r.err.contains("\(invalid): invalid UTF-8 (0xE9) at byte 4; not Vietnamese text in Windows-1258, VISCII, TCVN3 (ABC) or VNI either: convert the file to UTF-8 first, or name its encoding with --encoding\n"), r.err)
        XCTAssertTrue(r.err.contains("\(binary): binary data, not text (control byte 0x02) at byte 4"), r.err)
        XCTAssertTrue(r.err.contains("\(missing): no such file"), r.err)
        let written = try FileManager.default.contentsOfDirectory(atPath: outDir).sorted()
        XCTAssertEqual(written, ["good.txt"], "no output, partial or empty, for the failed inputs")
        XCTAssertEqual(try String(contentsOfFile: outDir + "/good.txt", encoding: .utf8), "bảo hiểm xã hội\n")
    }

    func testOversizedFileIsRefused() throws {
        var big = Data(capacity: 50 * 1_048_576)
        let line = Data("Thuc hién chinh sich bao hiém x4 hdi nam 2025\n".utf8)
        while big.count < 50 * 1_048_576 { big.append(line) }
        let path = try write("big.txt", big)
        let out = dir.appendingPathComponent("big.out").path
        let r = try kehoach([path, "-o", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("\(path): file is 50.0 MB, over the 20.0 MB limit for one document"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testUsageErrors() throws {
        let a = try write("a.txt", Data("a\n".utf8)), b = try write("b.txt", Data("b\n".utf8))
        let r = try kehoach([a, b])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("Several inputs need --out-dir DIR."), r.err)
    }

    // Issue 13: what comes out is NFC text with the input's byte order mark, and only Vietnamese
    // words change.

    func testOutputIsNFCEvenWhereTheInputHasALoneCombiningMark() throws {
        // "đ" + U+0301 has no precomposed form: NFC input keeps the mark apart from its letter.
        let r = try kehoach([], stdin: Data([0xC4, 0x91, 0xC6, 0xB0, 0x61, 0x20, 0xC4, 0x91, 0xCC, 0x81, 0x61, 0x0A]))
        XCTAssertEqual(r.status, 0, r.err)
        let nfc = r.out.precomposedStringWithCanonicalMapping
        XCTAssertEqual(Array(r.out.utf8), Array(nfc.utf8), "not NFC: \(r.out.unicodeScalars.map { String($0.value, radix: 16) })")
        XCTAssertTrue(r.out.hasPrefix("đưa "), r.out)
        XCTAssertEqual(r.out.filter { $0 == "\n" }.count, 1)
    }

    func testByteOrderMarkIsKeptWhereTheInputHadOne() throws {
        let withMark = try write("bom.txt", Data([0xEF, 0xBB, 0xBF] + Array("Thuc hién chinh sich\n".utf8)))
        let withoutMark = try write("plain.txt", Data("Thuc hién chinh sich\n".utf8))
        let a = try kehoach([withMark]), b = try kehoach([withoutMark])
        XCTAssertEqual(a.status, 0, a.err)
        XCTAssertEqual(Array(a.out.utf8), [0xEF, 0xBB, 0xBF] + Array("Thực hiện chính sách\n".utf8))
        XCTAssertEqual(Array(b.out.utf8), Array("Thực hiện chính sách\n".utf8))
        let out = dir.appendingPathComponent("bom.out.txt").path
        XCTAssertEqual(try kehoach([withMark, "-o", out]).status, 0)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: out))), Array(a.out.utf8))
    }

    func testWordsOfOtherScriptsAreLeftAsTheyAre() throws {
        let foreign = ["北京", "東京都", "Москва", "Αθήνα", "กรุงเทพ", "서울", "القاهرة", "दिल्ली"]
        for word in foreign {
            let r = try kehoach([], stdin: Data("Thuc hién chinh sich \(word) nam 2025\n\(word)\n".utf8))
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertEqual(r.out, "Thực hiện chính sách \(word) năm 2025\n\(word)\n")
        }
    }

    func testUTF16IsReadWithOrWithoutAByteOrderMark() throws {
        let text = "Thuc hién chinh sich bao hiém x4 hdi\n"
        let le = try write("le-bom.txt", Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!)
        let be = try write("be-bom.txt", Data([0xFE, 0xFF]) + text.data(using: .utf16BigEndian)!)
        let bare = try write("le.txt", text.data(using: .utf16LittleEndian)!)
        let outDir = dir.appendingPathComponent("restored").path
        let r = try kehoach([le, be, bare, "--out-dir", outDir])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.err.split(separator: "\n").map(String.init), [
            "kehoach restore: \(le): read as UTF-16LE (detected: byte order mark)",
            "kehoach restore: \(be): read as UTF-16BE (detected: byte order mark)",
            "kehoach restore: \(bare): read as UTF-16LE (detected: no byte order mark; NULs in every other byte)",
        ])
        // Written as UTF-8, the text of the same file in UTF-8.
        let utf8 = try kehoach([try write("utf8.txt", Data(text.utf8))]).out
        XCTAssertEqual(utf8, "Thực hiện chính sách bảo hiểm xã hội\n")
        for name in ["le-bom.txt", "be-bom.txt", "le.txt"] {
            XCTAssertEqual(try String(contentsOfFile: outDir + "/" + name, encoding: .utf8), utf8, name)
        }
        // A file with a stray NUL is still binary.
        let junk = try write("junk.txt", Data("Thuc hién\u{0}chinh sich\n".utf8))
        XCTAssertTrue(try kehoach([junk]).err.contains("binary data, not text (control byte 0x00) at byte 10"))
    }
}
