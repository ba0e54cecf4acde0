import Foundation
import XCTest
@testable import Kehoach

/// Files in the encodings archivists hold (corpus/encodings: one passage of a dev-set plan in UTF-16,
/// Windows-1258, TCVN3, VNI, VISCII and as mojibake, made by other converters than kehoach's; see
/// corpus/encodings/README.md) read as their UTF-8 twin, through the commands a user runs.
final class EncodingTests: BinaryTestCase {
    static let fixtures = Fixtures.repo.appendingPathComponent("corpus/encodings")
    static let twin = fixtures.appendingPathComponent("d01.utf-8.txt").path

    /// File → the encoding detection must name (and the report and JSON give).
    static let expected: [(file: String, encoding: String, said: String)] = [
        ("d01.utf-16le-bom.txt", "utf-16le", "read as UTF-16LE (detected: byte order mark)"),
        ("d01.utf-16be-bom.txt", "utf-16be", "read as UTF-16BE (detected: byte order mark)"),
        ("d01.utf-16le.txt", "utf-16le", "read as UTF-16LE (detected: no byte order mark; NULs in every other byte)"),
        ("d01.utf-16be.txt", "utf-16be", "read as UTF-16BE (detected: no byte order mark; NULs in every other byte)"),
        ("d01.windows-1258.txt", "windows-1258", "read as Windows-1258 (detected: "),
        ("d01.tcvn3.txt", "tcvn3", "read as TCVN3 (ABC) (detected: "),
        ("d01.vni.txt", "vni", "read as VNI (detected: "),
        ("d01.viscii.txt", "viscii", "read as VISCII (detected: "),
        ("d01.mojibake.txt", "utf-8-mojibake", "read as UTF-8 mojibake (detected: UTF-8 read as Windows-1252 and saved again as UTF-8; repaired, "),
    ]

    static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }


    private func write(_ name: String, _ data: Data) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    // MARK: restore, extract, batch

    func testEachEncodingRestoresToWhatItsUTF8TwinRestoresTo() throws {
        let twin = try kehoach(["restore", Self.twin])
        XCTAssertEqual(twin.status, 0, twin.err)
        XCTAssertEqual(twin.err, "", "UTF-8 is read without a word")
        // The passage is clean text: it restores to itself.
        XCTAssertEqual(twin.out, try String(contentsOfFile: Self.twin, encoding: .utf8))
        let out = dir.appendingPathComponent("restored").path
        let files = Self.expected.map { Self.path($0.file) }
        let r = try kehoach(["restore", "--out-dir", out] + files)
        XCTAssertEqual(r.status, 0, r.err)
        let notes = r.err.split(separator: "\n").map(String.init)
        XCTAssertEqual(notes.count, files.count, r.err)
        for (e, path) in zip(Self.expected, files) {
            let restored = try String(contentsOfFile: out + "/" + e.file, encoding: .utf8)
            XCTAssertEqual(restored, twin.out, e.file)
            XCTAssertTrue(notes.contains { $0.hasPrefix("kehoach restore: \(path): \(e.said)") }, "\(e.file): \(r.err)")
        }
        // The change log names the encoding too; UTF-8's leaves it out.
        let log = dir.appendingPathComponent("tcvn3.changes.json").path
        XCTAssertEqual(try kehoach(["restore", Self.path("d01.tcvn3.txt"), "-o", dir.appendingPathComponent("x.txt").path, "--changes", log]).status, 0)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: log))) as! [String: Any]
        XCTAssertEqual(json["encoding"] as? String, "tcvn3")
        XCTAssertEqual(try kehoach(["restore", Self.twin, "-o", dir.appendingPathComponent("y.txt").path, "--changes", log]).status, 0)
        XCTAssertNil((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: log))) as! [String: Any])["encoding"])
    }

    func testEachEncodingExtractsWhatItsTwinDoesAndTheJSONNamesTheEncoding() throws {
        let files = [Self.twin] + Self.expected.map { Self.path($0.file) }
        let r = try kehoach(["extract", "--jsonl"] + files)
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\n").map { Data($0.utf8) }
        XCTAssertEqual(lines.count, files.count)
        let results = try lines.map { try ExtractionContract.result(fromJSONLine: $0) }   // what ingest accepts
        let twin = results[0]
        XCTAssertNil(twin.source.encoding)
        XCTAssertFalse(String(decoding: lines[0], as: UTF8.self).contains("\"encoding\""), "UTF-8 output is as it was")
        XCTAssertFalse(twin.agencies.isEmpty && twin.references.isEmpty, "the passage holds entities")
        for (e, result) in zip(Self.expected, results.dropFirst()) {
            XCTAssertEqual(result.source.encoding, e.encoding, e.file)
            // the digest of the file's bytes, as batch keys a document (the text is the twin's:
            // every entity below is, and the restore tests compare the texts)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.path(e.file)))
            XCTAssertEqual(result.source.sha256, sha256Hex(bytes), e.file)
            var same = result
            same.source = twin.source
            XCTAssertEqual(same, twin, e.file)
        }
        // Pretty JSON of one file.
        let one = try kehoach(["extract", Self.path("d01.vni.txt")])
        XCTAssertTrue(one.out.contains("\"encoding\" : \"vni\""), one.out)
    }

    func testBatchReportsTheEncodingOfEachDocument() throws {
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let names = ["d01.utf-8.txt", "d01.tcvn3.txt", "d01.vni.txt", "d01.utf-16be.txt", "d01.mojibake.txt", "d01.windows-1258.txt"]
        for n in names { try FileManager.default.copyItem(atPath: Self.path(n), toPath: input.appendingPathComponent(n).path) }
        let first = try kehoach(["batch", "in", "--out", "out", "--jobs", "2"])
        XCTAssertEqual(first.status, 0, first.err)
        XCTAssertTrue(first.err.contains("ok \(input.path)/d01.tcvn3.txt (read as tcvn3)"), first.err)
        let out = dir.appendingPathComponent("out")
        func report() throws -> BatchReport { try JSONDecoder().decode(BatchReport.self, from: Data(contentsOf: out.appendingPathComponent("report.json"))) }
        let want: [String: String?] = ["d01.utf-8.txt": nil, "d01.tcvn3.txt": "tcvn3", "d01.vni.txt": "vni", "d01.utf-16be.txt": "utf-16be",
                                       "d01.mojibake.txt": "utf-8-mojibake", "d01.windows-1258.txt": "windows-1258"]
        let twinText = try String(contentsOf: out.appendingPathComponent("d01.utf-8.txt"), encoding: .utf8)
        for e in try report().files {
            let name = URL(fileURLWithPath: e.path).lastPathComponent
            XCTAssertEqual(e.status, .ok, name)
            XCTAssertEqual(e.encoding, want[name]!, name)
            XCTAssertEqual(try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8), twinText, name)
            let json = try JSONDecoder().decode(ExtractionResult.self, from: Data(contentsOf: out.appendingPathComponent(e.json!)))
            XCTAssertEqual(json.source.encoding, want[name]!, name)
        }
        let raw = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        XCTAssertTrue(raw.contains("\"encoding\" : \"tcvn3\""), raw)
        // A rerun skips them all and still says what each was read as.
        let second = try kehoach(["batch", "in", "--out", "out"])
        XCTAssertEqual(second.status, 0, second.err)
        XCTAssertEqual(try report().files.map(\.status), Array(repeating: .skipped, count: names.count))
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: try report().files.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0.encoding) }), want)
        // --encoding forces one for every file, and outputs made without it are redone.
        let forced = try kehoach(["batch", "in", "--out", "out", "--encoding", "vni"])
        XCTAssertEqual(forced.status, 1, forced.err)
        let byName = Dictionary(uniqueKeysWithValues: try report().files.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        XCTAssertEqual(byName["d01.vni.txt"]?.status, .ok)
        XCTAssertEqual(byName["d01.vni.txt"]?.encoding, "vni")
        XCTAssertEqual(byName["d01.utf-16be.txt"]?.status, .failed, "NULs are not VNI")
        XCTAssertEqual(byName["d01.utf-16be.txt"]?.kind, "binary")
        XCTAssertEqual(byName["d01.tcvn3.txt"]?.encoding, "vni", "read as told, whatever it reads like")
    }

    // MARK: --encoding

    func testEncodingForcesOneAndUTF8IsNotRepairedWhenForced() throws {
        let twin = try String(contentsOfFile: Self.twin, encoding: .utf8)
        // The right name (or an alias) gives the twin; the note says it was given.
        for (file, name) in [("d01.tcvn3.txt", "tcvn3"), ("d01.tcvn3.txt", "ABC"), ("d01.windows-1258.txt", "cp1258"),
                             ("d01.viscii.txt", "viscii"), ("d01.utf-16le.txt", "utf-16"), ("d01.utf-16be.txt", "utf-16be"),
                             ("d01.mojibake.txt", "utf-8-mojibake"), ("d01.utf-8.txt", "auto")] {
            let r = try kehoach(["restore", "--profile", "clean", "--encoding", name, Self.path(file)])
            XCTAssertEqual(r.status, 0, "\(file) \(name): \(r.err)")
            XCTAssertEqual(r.out, twin, "\(file) --encoding \(name)")
            if name != "auto" { XCTAssertTrue(r.err.hasSuffix("(as --encoding says)\n"), r.err) }
        }
        // Another encoding is obeyed, and gives other text.
        let wrong = try kehoach(["restore", "--profile", "clean", "--encoding", "windows-1258", Self.path("d01.viscii.txt")])
        XCTAssertEqual(wrong.status, 0, wrong.err)
        XCTAssertNotEqual(wrong.out, twin)
        XCTAssertEqual(wrong.out.components(separatedBy: "\n").count, twin.components(separatedBy: "\n").count)
        // UTF-8 forced: mojibake stays as it is, and an 8-bit file is refused at its first bad byte.
        let asIs = try kehoach(["restore", "--profile", "clean", "--encoding", "utf-8", Self.path("d01.mojibake.txt")])
        XCTAssertEqual(asIs.out, try String(contentsOfFile: Self.path("d01.mojibake.txt"), encoding: .utf8))
        XCTAssertEqual(asIs.err, "")
        let refused = try kehoach(["restore", "--encoding", "utf-8", Self.path("d01.tcvn3.txt")])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.err.contains("d01.tcvn3.txt: invalid UTF-8 (0xF1) at byte 0; convert the file to UTF-8 first\n"), refused.err)
        // A byte the encoding leaves undefined is named.
        let undefined = try write("u.txt", Data("Kế hoạch".utf8) + Data([0x81, 0x0A]))
        let r = try kehoach(["restore", "--encoding", "vni", undefined])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("u.txt: byte 0x81 is not a character in VNI at byte 12"), r.err)
    }

    func testABadEncodingNameIsRefusedWithTheValidOnes() throws {
        for command in [["restore"], ["extract"], ["batch", "--out", "o"]] {
            let r = try kehoach(command + ["--encoding", "latin-9", Self.twin])
            XCTAssertEqual(r.status, 64, r.err)
            XCTAssertTrue(r.err.contains("--encoding latin-9: unknown encoding; give one of auto, utf-8, utf-16, utf-16le, utf-16be, windows-1258, tcvn3, vni, viscii, utf-8-mojibake"), r.err)
            let help = try kehoach(Array(command.prefix(1)) + ["--help"]).out
            XCTAssertTrue(help.contains("--encoding <NAME>"), help)
            XCTAssertTrue(help.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
                .contains("tcvn3, vni, viscii"), help)
        }
    }

    // MARK: what stays refused

    func testAFileThatIsNotTextInAnyEncodingIsStillRefused() throws {
        let passage = try Data(contentsOf: URL(fileURLWithPath: Self.twin))
        // Compressed data: binary.
        let gz = try write("scan.txt", try gzip(passage))
        // French in Windows-1252: not UTF-8, and not Vietnamese in any 8-bit encoding.
        let french = try write("lettre.txt", Data("La réunion du comité a été reportée à une date ultérieure.\n".utf8.map { $0 }).latin1())
        // Bytes of no language: every byte from 0x80 up, with spaces.
        let noise = try write("noise.txt", Data((0x80...0xFF).flatMap { [UInt8($0), UInt8($0 % 7 == 0 ? 0x20 : 0x61)] }))
        // A passage of the twin, one byte short: UTF-16 that ends in half a character.
        let half = try write("half.txt", try Data(contentsOf: URL(fileURLWithPath: Self.path("d01.utf-16le-bom.txt"))).dropLast())
        let r = try kehoach(["restore", "--out-dir", "o", gz, french, noise, half])
        XCTAssertEqual(r.status, 1)
        let lines = r.err.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, r.err)
        XCTAssertTrue(lines[0].hasPrefix("kehoach restore: \(gz): binary data, not text (control byte 0x"), lines[0])
        XCTAssertEqual(lines[1], "kehoach restore: \(french): invalid UTF-8 (0xE9) at byte 4; not Vietnamese text in Windows-1258, VISCII, TCVN3 (ABC) or VNI either: convert the file to UTF-8 first, or name its encoding with --encoding")
        XCTAssertTrue(lines[2].hasPrefix("kehoach restore: \(noise): invalid UTF-8 (0x80) at byte 0; not Vietnamese text in"), lines[2])
        XCTAssertEqual(lines[3], "kehoach restore: \(half): UTF-16 text that ends in half a character at byte 1818")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("o").path)) ?? [], [])
        // A stray NUL in UTF-8 text is binary, as before; in UTF-16 it is named as a character.
        let nul = try write("nul.txt", Data("Thuc hién\u{0}chinh sich\n".utf8))
        XCTAssertTrue(try kehoach(["restore", nul]).err.contains("binary data, not text (control byte 0x00) at byte 10"))
        let nul16 = try write("nul16.txt", Data([0xFF, 0xFE]) + "Kế hoạch\u{0}số 1\n".data(using: .utf16LittleEndian)!)
        XCTAssertTrue(try kehoach(["restore", nul16]).err.contains("binary data, not text (control character U+0000) at byte 18"))
    }

    func gzip(_ data: Data) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-c", "-n"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(data)
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return out
    }

    // MARK: the library: detection stays off UTF-8, and the edges of each decoder

    /// Every UTF-8 text of the corpus reads exactly as before detection existed: UTF-8, NFC.
    func testEveryCorpusTextStillReadsAsUTF8() throws {
        let tables = try EncodingTables.load(rulesDirectory: Fixtures.repo.appendingPathComponent("rules"))
        let corpus = Fixtures.repo.appendingPathComponent("corpus")
        let walker = FileManager.default.enumerator(atPath: corpus.path)!
        var n = 0
        while let rel = walker.nextObject() as? String {
            guard rel.hasSuffix(".txt"), !rel.hasPrefix("encodings/"), !rel.hasPrefix("fuzz/") else { continue }
            let data = try Data(contentsOf: corpus.appendingPathComponent(rel))
            let d = try TextInput.decodeText(data, path: rel, tables: tables)
            XCTAssertEqual(d.encoding, .utf8, rel)
            XCTAssertEqual(d.text, try TextInput.decode(data, path: rel, encoding: .utf8), rel)
            n += 1
        }
        XCTAssertGreaterThan(n, 50)
    }

    func testTCVN3PutsBackTheCapitalsItsCapitalsFontDrew() throws {
        let tables = try EncodingTables.load(rulesDirectory: Fixtures.repo.appendingPathComponent("rules"))
        let table = try XCTUnwrap(tables.tables[.tcvn3])
        func read(_ text: String) -> String {
            // What an ABC typist's file holds: the small letters' bytes for the toned capitals.
            let folded = text.unicodeScalars.map { u in table.capitals.first { $0.value == u }?.key ?? u }
            return table.restoreCapitals(String(String.UnicodeScalarView(folded)))
        }
        for text in ["TỈNH ĐẮK NÔNG", "ỦY BAN NHÂN DÂN TỈNH", "Ủy ban nhân dân tỉnh", "Số: 36/KH-UBND", "KẾ HOẠCH",
                     "Kế hoạch số 5. Ủy ban giao", "Năm 2024;\nỦy ban huyện", "- Ủy ban xã", "a) Ủy ban xã",
                     "HUYỆN ĐẮK GLONG               Độc lập - Tự do - Hạnh phúc", "TRƯỜNG HỢP Ở TỈNH", "Giao cho ủy ban xã,\nủy thác cho"] {
            XCTAssertEqual(read(text), text)
        }
    }

    func testVISCIICapitalsOnControlBytesAreLettersNotBinary() throws {
        let tables = try EncodingTables.load(rulesDirectory: Fixtures.repo.appendingPathComponent("rules"))
        let table = try XCTUnwrap(tables.tables[.viscii])
        let text = "LỄ KỶ NIỆM NGÀY THÀNH LẬP TRƯỜNG\nỶ lại, Ỹ, Ỵ: những chữ hoa VISCII đặt ở byte điều khiển.\n"
        var encode: [Unicode.Scalar: UInt8] = [:]
        for b in 0..<256 { if let s = table.single[b] { encode[s] = UInt8(b) } }
        let bytes = try text.unicodeScalars.map { try XCTUnwrap(encode[$0], String($0)) }
        XCTAssertTrue(bytes.contains(0x14))
        let d = try TextInput.decodeText(Data(bytes), path: "v.txt", tables: tables)
        XCTAssertEqual(d.encoding, .viscii)
        XCTAssertEqual(d.text, text)
        // Without the VISCII table the control byte is binary, as before.
        XCTAssertThrowsError(try TextInput.decodeText(Data(bytes), path: "v.txt")) { e in
            XCTAssertEqual((e as? InputError)?.kind, .binary)
        }
    }

    func testMojibakeIsRepairedOnlyWhenTheWholeTextIsMojibakeOfVietnamese() throws {
        func read(_ s: String) throws -> DecodedText { try TextInput.decodeText(Data(s.utf8), path: "m.txt") }
        /// The text's UTF-8 bytes read one by one in a Windows code page (undefined bytes as Latin-1).
        func misread(_ s: String, as page: String) -> String {
            var out = String.UnicodeScalarView()
            for b in s.utf8 { out.append(icuDecode(page, [b])?.unicodeScalars.first ?? Unicode.Scalar(b)) }
            return String(out)
        }
        XCTAssertEqual(try read("Tá»ˆNH ĐẮK NÔNG").encoding, .utf8, "one word of mojibake among right text: left alone")
        let one = try read(misread("TỈNH ĐẮK NÔNG\n", as: "windows-1252"))
        XCTAssertEqual(one.encoding, .utf8Mojibake)
        XCTAssertEqual(one.text, "TỈNH ĐẮK NÔNG\n")
        // Through Windows-1258 ("Ă" for 0xC3), and twice over.
        let vn = "Hà Nội, ngày 12 tháng 02 năm 2025"
        XCTAssertEqual(try read(misread(vn, as: "windows-1258")).text, vn)
        let evidence = try read(misread(vn, as: "windows-1258")).evidence ?? ""
        XCTAssertTrue(evidence.hasPrefix("UTF-8 read as Windows-1258"), evidence)
        XCTAssertEqual(try read(misread(misread("Cộng hòa xã hội", as: "windows-1252"), as: "windows-1252")).text, "Cộng hòa xã hội")
        // French mojibake is not Vietnamese: left as it is.
        XCTAssertEqual(try read("Le comitÃ© a Ã©tÃ© rÃ©uni").encoding, .utf8)
    }

    func testUTF16EdgesAreRefusedWithTheByte() throws {
        let lone = Data([0xFF, 0xFE, 0x4B, 0x00, 0x00, 0xD8, 0x20, 0x00])
        XCTAssertThrowsError(try TextInput.decodeText(lone, path: "s.txt")) { e in
            XCTAssertEqual((e as? InputError)?.description, "s.txt: invalid UTF-16 (lone surrogate 0xD800) at byte 4")
        }
        let blank = Data([0xFE, 0xFF, 0x00, 0x20, 0x00, 0x0A])
        XCTAssertThrowsError(try TextInput.decodeText(blank, path: "b.txt")) { e in XCTAssertEqual((e as? InputError)?.kind, .empty) }
        // An emoji (a surrogate pair) is text.
        XCTAssertEqual(try TextInput.decodeText(Data([0xFF, 0xFE]) + "Kế 🙂\n".data(using: .utf16LittleEndian)!, path: "e.txt").text, "Kế 🙂\n")
    }
}

private extension Data {
    /// The UTF-8 text's characters as Latin-1 bytes (for text that has them all).
    func latin1() -> Data { String(decoding: self, as: UTF8.self).data(using: .isoLatin1)! }
}
