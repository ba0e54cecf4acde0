import Foundation
import XCTest
@testable import Kehoach

/// Spec cases (rules/extract/cases/*.cases): parsing names file and line of a malformed case; a failing
/// case that is not pending fails `rules check`; a pending case that passes is reported; --rebalance
/// flips the marks; the shipped cases pass.
final class ExtractCasesTests: XCTestCase {
    static let extractor = Extractor(rules: try! ExtractionRules.load(rulesDirectory: Fixtures.repo.appendingPathComponent("rules")))

    let header = "# test cases\n\n"
    let passing = "> - Báo cáo kết quả toàn đợt trước ngày 17/3/2025.\n= 2025-03-17\n"
    let failing = "> - Báo cáo kết quả toàn đợt trước ngày 17/3/2025.\n= 2025-04-30\n"

    func testParsesCasesAndForms() {
        let text = header + """
        @ somewhere:3
        > Tỷ lệ bao phủ BHYT đạt 99,6% dân số
        =  BHYT |rate| target | 99.60 | %
        pending: not yet

        > Căn cứ Luật Tổ chức Chính phủ ngày 25 tháng 12 năm 2001;
        = nothing

        """
        let (cases, problems) = ExtractCases.parse(text: text, file: "cases/targets.cases", kind: "targets")
        XCTAssertEqual(problems, [])
        XCTAssertEqual(cases.count, 2)
        XCTAssertEqual(cases[0].line, 4)
        XCTAssertEqual(cases[0].expected, ["BHYT | rate | target | 99.6 | %"])
        XCTAssertEqual(cases[0].pending, "not yet")
        XCTAssertEqual(cases[1].expected, [])
        XCTAssertNil(cases[1].pending)
    }

    func testParseErrorsNameFileAndLine() {
        let text = header + """
        > 4. Phòng Y tế huyện
        = Phòng Y tế huyện | leads

        > a passage with no expectation

        = 2025-01 | yearly
        > stray
        = x
        what is this
        """
        let (_, agencyProblems) = ExtractCases.parse(text: text, file: "cases/agencies.cases", kind: "agencies")
        XCTAssertTrue(agencyProblems.contains { $0.file == "cases/agencies.cases" && $0.line == 4 && $0.message.contains("role 'leads'") }, "\(agencyProblems)")
        XCTAssertTrue(agencyProblems.contains { $0.line == 6 && $0.message.contains("no '=' line") }, "\(agencyProblems)")
        XCTAssertTrue(agencyProblems.contains { $0.line == 8 && $0.message.contains("no passage") }, "\(agencyProblems)")
        XCTAssertTrue(agencyProblems.contains { $0.line == 11 && $0.message.contains("what is this") }, "\(agencyProblems)")
        let (_, targetProblems) = ExtractCases.parse(text: header + "> x\n= BHYT | rate | target | nhiều | %\n", file: "cases/targets.cases", kind: "targets")
        XCTAssertEqual(targetProblems.map(\.line), [4])
        let (_, named) = ExtractCases.load(files: [("cases/dates.cases", header)])
        XCTAssertTrue(named.first?.message.contains("named after its kind") == true)
    }

    func testOutcomesAndDiagnostics() {
        let (cases, problems) = ExtractCases.parse(text: header + passing + "\n" + failing + "\n" + failing + "pending: known gap\n\n" + passing + "pending: was a gap\n",
                                                  file: "cases/deadlines.cases", kind: "deadlines")
        XCTAssertEqual(problems, [])
        let outcomes = ExtractCases.run(cases, extractor: Self.extractor)
        XCTAssertEqual(outcomes.map(\.passed), [true, false, false, true])
        let d = ExtractCases.diagnostics(outcomes)
        XCTAssertEqual(d.filter { $0.severity == .error }.map(\.line), [6], "\(d)")
        XCTAssertTrue(d[0].message.contains("expected 2025-04-30, got 2025-03-17"), d[0].message)
        XCTAssertEqual(d.filter { $0.severity == .warning }.map(\.line), [13], "\(d)")
    }

    func testRebalanceFlipsMarks() {
        let text = header + "@ a\n" + failing + "\n" + passing + "pending: was a gap\n"
        let (cases, _) = ExtractCases.parse(text: text, file: "cases/deadlines.cases", kind: "deadlines")
        let out = ExtractCases.rebalance(text: text, outcomes: ExtractCases.run(cases, extractor: Self.extractor))
        XCTAssertEqual(out, header + "@ a\n" + failing + "pending: misses 2025-04-30; also gives 2025-03-17\n\n" + passing)
        let (again, _) = ExtractCases.parse(text: out, file: "cases/deadlines.cases", kind: "deadlines")
        XCTAssertTrue(ExtractCases.diagnostics(ExtractCases.run(again, extractor: Self.extractor)).isEmpty)
    }

    /// In a copy of the real rules: the shipped cases pass; an added failing case is an error at its
    /// line; a pending one that passes is a warning; --rebalance fixes both.
    func testRulesCheckRunsCases() throws {
        let rules = try scratch().appendingPathComponent("rules")
        try FileManager.default.copyItem(at: Fixtures.repo.appendingPathComponent("rules"), to: rules)
        XCTAssertEqual(RulesCheck.run(rulesDirectory: rules).filter { $0.file.contains("/cases/") }, [])

        let file = rules.appendingPathComponent("extract/cases/deadlines.cases")
        var text = try String(contentsOf: file, encoding: .utf8)
        if !text.hasSuffix("\n") { text += "\n" }
        let firstLine = text.split(separator: "\n", omittingEmptySubsequences: false).count + 1
        text += "\n" + failing + "\n" + passing + "pending: was a gap\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let found = RulesCheck.run(rulesDirectory: rules).filter { $0.file.hasSuffix("extract/cases/deadlines.cases") }
        XCTAssertEqual(found.filter { $0.severity == .error }.map(\.line), [firstLine], "\(found)")
        XCTAssertEqual(found.filter { $0.severity == .warning }.map(\.line), [firstLine + 3], "\(found)")

        let changed = try RulesCheck.rebalanceCases(rulesDirectory: rules)
        XCTAssertEqual(changed.map { [$0.unpended, $0.pended] }, [[1, 1]])
        XCTAssertEqual(RulesCheck.run(rulesDirectory: rules).filter { $0.file.contains("/cases/") }, [])
    }

    /// The brief asks for at least 400 cases over the five kinds.
    func testShippedCasesCount() throws {
        let dir = Fixtures.repo.appendingPathComponent("rules/extract/cases")
        var files: [(name: String, text: String)] = []
        for kind in ExtractCases.kinds {
            files.append(("cases/\(kind).cases", try String(contentsOf: dir.appendingPathComponent("\(kind).cases"), encoding: .utf8)))
        }
        let (cases, problems) = ExtractCases.load(files: files)
        XCTAssertEqual(problems, [])
        XCTAssertGreaterThanOrEqual(cases.count, 400)
        XCTAssertEqual(Set(cases.map(\.kind)), Set(ExtractCases.kinds))
    }
}
