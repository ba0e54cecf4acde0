import XCTest
@testable import Kehoach

/// The rule files under rules/extract: every example passes, and a broken rule set is reported.
final class ExtractRulesTests: XCTestCase {
    static var rulesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("rules")
    }

    func testEveryExampleInTheRuleFilesPasses() throws {
        let rules = try ExtractionRules.load(rulesDirectory: Self.rulesDirectory)
        XCTAssertGreaterThan(rules.rules.count, 15)
        let problems = rules.checkExamples()
        XCTAssertEqual(problems, [], problems.map(\.description).joined(separator: "\n"))
    }

    func testFailingExamplesAreReportedByFileAndLine() throws {
        let text = """
        # test rules
        pattern deadline.date
          truoc\\s+ngay\\s+(?<d>\\d{1,2})/(?<m>\\d{1,2})
        + trước ngày 30/11 => d=30; m=12
        - trước ngày 1/2
        + sau ngày 3/4
        """
        let (rules, diagnostics) = ExtractionRules.parse(files: [("t.rules", text)])
        XCTAssertEqual(diagnostics.filter { $0.severity == .error }, [])
        let problems = try XCTUnwrap(rules).checkExamples()
        XCTAssertEqual(problems.map(\.line), [4, 5, 6])
        XCTAssertTrue(problems.allSatisfy { $0.file == "t.rules" })
        XCTAssertTrue(problems[0].message.contains("m='11', want '12'"), problems[0].message)
    }

    func testInvalidPatternIsAnErrorNamingFileAndLine() {
        let text = """
        # broken on purpose
        pattern reference.bad
          (?<kind>quyet dinh\\s+(?<number>\\d+
        + Quyết định 12
        """
        let (rules, diagnostics) = ExtractionRules.parse(files: [("bad.rules", text)])
        XCTAssertNil(rules)
        XCTAssertEqual(diagnostics.count, 1)
        XCTAssertEqual(diagnostics.first?.file, "bad.rules")
        XCTAssertEqual(diagnostics.first?.line, 2)
        XCTAssertEqual(diagnostics.first?.severity, .error)
        XCTAssertTrue(diagnostics.first?.message.contains("missing closing parenthesis") == true, diagnostics.first?.message ?? "")
    }

    func testUnknownVocabularyAndBadLinesAreErrors() {
        let text = """
        pattern target.x
          {no-such-list}\\d+
        + 12
        what is this
        """
        let (_, diagnostics) = ExtractionRules.parse(files: [("x.rules", text)])
        XCTAssertEqual(diagnostics.map(\.line).sorted(), [1, 4])
    }

    func testLoadThrowsWithDiagnostics() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kehoach-rules-\(UUID().uuidString)/extract")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        try "pattern a.b\n  (unbalanced\n+ x\n".write(to: dir.appendingPathComponent("a.rules"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExtractionRules.load(rulesDirectory: dir.deletingLastPathComponent())) { error in
            let e = error as! ExtractionRules.LoadError
            XCTAssertEqual(e.diagnostics.first?.file, "a.rules")
            XCTAssertEqual(e.diagnostics.first?.line, 1)
        }
    }

    func testVocabularyMatchesWithoutDiacritics() throws {
        let (rules, _) = ExtractionRules.parse(files: [("indicators.vocab", "BHXH tự nguyện | bảo hiểm xã hội tự nguyện\nBHYT\n")])
        let v = try XCTUnwrap(rules).vocabulary("indicators")
        XCTAssertEqual(v.canonical("Bao hiem xa hoi tu nguyen"), "BHXH tự nguyện")
        XCTAssertEqual(v.canonical("bhyt"), "BHYT")
        XCTAssertNil(v.canonical("BHTN"))
    }
}

final class ExtractNumbersTests: XCTestCase {
    func testNumbers() {
        XCTAssertEqual(VietnameseNumber.parse("55.112"), 55112)
        XCTAssertEqual(VietnameseNumber.parse("948.288.562"), 948288562)
        XCTAssertEqual(VietnameseNumber.parse("22,73"), 22.73)
        XCTAssertEqual(VietnameseNumber.parse("0,67"), 0.67)
        XCTAssertEqual(VietnameseNumber.parse("1478"), 1478)
        XCTAssertEqual(VietnameseNumber.parse("22.73"), 22.73)
        XCTAssertEqual(VietnameseNumber.parse("1.316"), 1316)
        XCTAssertEqual(VietnameseNumber.parse("95 ,57"), 95.57)
        XCTAssertNil(VietnameseNumber.parse("abc"))
        XCTAssertNil(VietnameseNumber.parse("1,2,3"))
    }

    func testDates() {
        XCTAssertEqual(VietnameseDate.parse("16/10/2023"), "2023-10-16")
        XCTAssertEqual(VietnameseDate.parse("ngày 16/10/2023"), "2023-10-16")
        XCTAssertEqual(VietnameseDate.parse("ngày 5 tháng 3 năm 2024"), "2024-03-05")
        XCTAssertEqual(VietnameseDate.parse("tháng 12 năm 2025"), "2025-12")
        XCTAssertEqual(VietnameseDate.parse("31 tháng 12 năm 2013"), "2013-12-31")
        XCTAssertEqual(VietnameseDate.parse("30/11"), "--11-30")
        XCTAssertEqual(VietnameseDate.iso(day: 25, month: nil, year: nil), "---25")
        XCTAssertEqual(VietnameseDate.iso(day: 8, month: 0, year: 2025), "2025")
        XCTAssertEqual(VietnameseDate.iso(day: nil, month: nil, year: 2023), "2023")
        XCTAssertEqual(VietnameseDate.iso(day: 31, month: 2, year: 2024), "2024-02")
        XCTAssertNil(VietnameseDate.parse("không có ngày"))
    }

    func testFoldedTextMapsBackToTheOriginal() throws {
        let t = FoldedText("Số: 88/KH-UBND\nQuyết định số 975/QĐ-UBND")
        XCTAssertTrue(t.folded.hasPrefix("so: 88/kh-ubnd\nquyet dinh so 975/qd-ubnd"))
        let p = try Pattern(#"\d+/qd-ubnd"#)
        let m = try XCTUnwrap(p.firstMatch(in: t.folded))
        XCTAssertEqual(t.text(m.range), "975/QĐ-UBND")
        XCTAssertEqual(t.line(ofFolded: m.range.lowerBound), 2)
    }
}
