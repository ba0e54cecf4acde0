import Foundation
import XCTest
@testable import Kehoach

/// `kehoach rules check`: the shipped rules pass; each kind of breakage, made in a copy of the
/// real rules, is reported at its file and line.
final class RulesCheckTests: XCTestCase {
    private var rules: URL!

    override func setUpWithError() throws {
        let dir = try scratch()
        rules = dir.appendingPathComponent("rules")
        try FileManager.default.copyItem(at: Fixtures.repo.appendingPathComponent("rules"), to: rules)
    }

    private func file(_ relative: String) -> URL { rules.appendingPathComponent(relative) }

    private func lines(_ relative: String) throws -> [String] {
        try String(contentsOf: file(relative), encoding: .utf8).components(separatedBy: "\n")
    }

    private func write(_ relative: String, _ lines: [String]) throws {
        try lines.joined(separator: "\n").write(to: file(relative), atomically: true, encoding: .utf8)
    }

    /// Appends a line and returns its 1-based line number.
    @discardableResult
    private func append(_ relative: String, _ line: String) throws -> Int {
        var l = try lines(relative)
        if l.last == "" { l.removeLast() }
        l.append(line)
        try write(relative, l + [""])
        return l.count
    }

    private func errors() -> [RuleDiagnostic] { RulesCheck.run(rulesDirectory: rules).filter { $0.severity == .error } }

    private func assertError(_ relative: String, line: Int?, containing text: String, file: StaticString = #filePath, lineNo: UInt = #line) {
        let found = errors()
        let hit = found.contains { $0.file.hasSuffix(relative) && (line == nil || $0.line == line) && $0.message.contains(text) }
        XCTAssertTrue(hit, "no error '\(text)' at \(relative):\(line.map(String.init) ?? "?"); got:\n" + found.map(\.description).joined(separator: "\n"),
                      file: file, line: lineNo)
    }

    func testShippedRulesHaveNoErrors() {
        let found = errors()
        XCTAssertEqual(found, [], found.map(\.description).joined(separator: "\n"))
    }

    func testDuplicateSyllable() throws {
        let first = try lines("restore/syllables.txt").first { !$0.hasPrefix("#") && !$0.isEmpty }!
        let n = try append("restore/syllables.txt", first)
        assertError("restore/syllables.txt", line: n, containing: "duplicate syllable '\(first)'")
    }

    func testInvalidSyllable() throws {
        let n = try append("restore/syllables.txt", "qwx")
        assertError("restore/syllables.txt", line: n, containing: "not a valid Vietnamese syllable")
    }

    func testPlaceSyllablesAreAllowedAndPlacesNeedAKind() throws {
        // "kon" breaks phonotactics (k before o) but names places; once the place is gone, it is an error.
        XCTAssertTrue(try lines("restore/syllables.txt").contains("kon"))
        try write("restore/places.txt", try lines("restore/places.txt").filter { !$0.contains("Kon") })
        let n = try lines("restore/syllables.txt").firstIndex(of: "kon")! + 1
        assertError("restore/syllables.txt", line: n, containing: "'kon' is not a valid Vietnamese syllable nor one of a name in restore/places.txt")
        let bad = try append("restore/places.txt", "Kon Tum")
        assertError("restore/places.txt", line: bad, containing: "expected the kind of unit")
    }

    func testPhrasesNeedTwoWordsOnce() throws {
        let one = try append("restore/phrases.txt", "BHYT")
        assertError("restore/phrases.txt", line: one, containing: "a term of two or more words")
        let twice = try append("restore/phrases.txt", "tỷ lệ bao phủ")
        assertError("restore/phrases.txt", line: twice, containing: "duplicate term 'tỷ lệ bao phủ'")
    }

    func testFixedPhrasesAreLongValidAndFindable() throws {
        let short = try append("restore/fixed-phrases.txt", "Ủy ban")
        assertError("restore/fixed-phrases.txt", line: short, containing: "four words or more")
        let unmarked = try append("restore/fixed-phrases.txt", "Độc lập tự chủ")
        assertError("restore/fixed-phrases.txt", line: unmarked, containing: "needs a word without marks")
        let twice = try append("restore/fixed-phrases.txt", "Uy ban nhan dan")
        assertError("restore/fixed-phrases.txt", line: twice, containing: "duplicate phrase")
    }

    func testPlaceOpenersAreShortAndInLowerCase() throws {
        let capital = try append("restore/place-openers.txt", "Biên phòng")
        assertError("restore/place-openers.txt", line: capital, containing: "'Biên' is not a word in lower case")
        let long = try append("restore/place-openers.txt", "trung học phổ thông")
        assertError("restore/place-openers.txt", line: long, containing: "one or two words")
        let twice = try append("restore/place-openers.txt", "thpt")
        assertError("restore/place-openers.txt", line: twice, containing: "duplicate opener")
    }

    func testNonNFCEntry() throws {
        let n = try append("restore/syllables.txt", "nghie\u{0302}\u{0323}p")  // nghiệp, decomposed
        assertError("restore/syllables.txt", line: n, containing: "NFC")
    }

    func testLexiconFormThatIsASyllable() throws {
        let n = try append("restore/lexicon.tsv", "VI\tabbreviation\tnot really")
        assertError("restore/lexicon.tsv", line: n, containing: "is also the Vietnamese syllable 'vi'")
    }

    func testLexiconFormTwiceWithTwoKinds() throws {
        let n = try append("restore/lexicon.tsv", "VssID\tcode\tagain")
        assertError("restore/lexicon.tsv", line: n, containing: "listed as code and as foreign")
    }

    func testConfusionRows() throws {
        let row = try lines("restore/confusions.tsv").first { !$0.hasPrefix("#") && !$0.isEmpty }!
        let dup = try append("restore/confusions.tsv", row)
        let bad = try append("restore/confusions.tsv", "a\tb\t3\tcheap")
        let short = try append("restore/confusions.tsv", "a\tb\t3")
        assertError("restore/confusions.tsv", line: dup, containing: "duplicate confusion")
        assertError("restore/confusions.tsv", line: bad, containing: "COST 'cheap' is not a number")
        assertError("restore/confusions.tsv", line: short, containing: "expected TRUE<TAB>OCR<TAB>COUNT<TAB>COST")
    }

    func testMissingHeader() throws {
        let l = try lines("restore/confusions.tsv")
        try write("restore/confusions.tsv", Array(l.drop { $0.hasPrefix("#") }))
        assertError("restore/confusions.tsv", line: 1, containing: "missing header")
    }

    func testTruncatedAndEmptyLanguageModel() throws {
        let path = file("restore/ngrams.bin")
        let data = try Data(contentsOf: path)
        try data.prefix(data.count / 2).write(to: path)
        assertError("restore/ngrams.bin", line: 1, containing: "unreadable language model")
        try Data().write(to: path)
        assertError("restore/ngrams.bin", line: 1, containing: "empty language model")
    }

    func testEmptySyllableList() throws {
        try Data().write(to: file("restore/syllables.txt"))
        assertError("restore/syllables.txt", line: 1, containing: "missing header")
        assertError("restore/syllables.txt", line: nil, containing: "no syllables")
    }

    func testGithubFormat() {
        let d = RuleDiagnostic(file: "rules/extract/a,b.rules", line: 7, message: "50% off\nnext")
        XCTAssertEqual(RulesCheck.format(d, github: true), "::error file=rules/extract/a%2Cb.rules,line=7::50%25 off%0Anext")
        XCTAssertEqual(RulesCheck.format(d, github: false), "rules/extract/a,b.rules:7: error: 50% off\nnext")
    }

    // MARK: extraction rules (need the extraction code, merged from the extract branch)

    /// The first indented pattern line of a .rules file, and its index.
    private func firstPatternLine(_ relative: String) throws -> Int? {
        let l = try lines(relative)
        guard let p = l.firstIndex(where: { $0.hasPrefix("pattern ") }) else { return nil }
        return l[(p + 1)...].firstIndex { $0.hasPrefix(" ") || $0.hasPrefix("\t") }
    }

    private func extractRuleFiles() throws -> [String] {
        try XCTSkipUnless(ExtractionBridge.available, "extraction not merged yet")
        let names = try FileManager.default.contentsOfDirectory(atPath: file("extract").path).filter { $0.hasSuffix(".rules") }.sorted()
        try XCTSkipIf(names.isEmpty, "no extraction rules")
        return names.map { "extract/" + $0 }
    }

    func testUnbalancedGroupInPattern() throws {
        for relative in try extractRuleFiles() {
            guard let i = try firstPatternLine(relative) else { continue }
            var l = try lines(relative)
            l[i] += "(?:"
            try write(relative, l)
            let found = errors()
            XCTAssertTrue(found.contains { $0.file.hasSuffix(relative) && $0.line >= 1 && $0.line <= i + 1 },
                          "no error in \(relative) at or before line \(i + 1); got:\n" + found.map(\.description).joined(separator: "\n"))
            return
        }
        XCTFail("no pattern found in the extraction rules")
    }

    func testConflictingVocabularyEntry() throws {
        _ = try extractRuleFiles()
        let n = try append("extract/count-units.vocab", "người | đơn vị")
        assertError("extract/count-units.vocab", line: n, containing: "means 'người' here but 'đơn vị'")
    }

    /// The command itself: exit status 1 and GitHub annotations naming file and line.
    func testCommandExitStatusAndGithubFormat() throws {
        func run() throws -> (Int32, String) {
            let r = try KehoachBinary.run(["rules", "check", "--rules", rules.path, "--format", "github"])
            return (r.status, r.out)
        }
        XCTAssertEqual(try run().0, 0)
        let n = try append("restore/syllables.txt", "qwx")
        let (status, out) = try run()
        XCTAssertEqual(status, 1)
        XCTAssertTrue(out.contains("::error file=\(file("restore/syllables.txt").path),line=\(n)::'qwx' is not a valid Vietnamese syllable"), out)
    }

    func testExampleThatNoLongerMatches() throws {
        for relative in try extractRuleFiles() {
            var l = try lines(relative)
            guard let i = l.firstIndex(where: { $0.hasPrefix("+ ") }) else { continue }
            l[i] = "+ qqq zzz xxx"
            try write(relative, l)
            assertError(relative, line: i + 1, containing: "does not match")
            return
        }
        XCTFail("no example found in the extraction rules")
    }

    func testEncodingTableRowsAreCheckedAndEveryLetterMustBeThere() throws {
        let table = "encodings/tcvn3.tsv"
        let bad = try append(table, "ZZ\tU+00E1\t-\t\u{E1} LATIN SMALL LETTER A WITH ACUTE")
        assertError(table, line: bad, containing: "'ZZ' is not one or two hex bytes")
        let first = try lines(table).firstIndex { $0.hasPrefix("B8\t") }! + 1
        let twice = try append(table, "B8\tU+00E1\t-")
        assertError(table, line: twice, containing: "bytes B8 already mapped on line \(first)")
        let capital = try append(table, "41 42\tU+00E1\tU+00C0")
        assertError(table, line: capital, containing: "CAPITAL U+00C0 is not the capital of U+00E1")
        let shown = try append(table, "41 43\tU+00E1\t-\tà LATIN SMALL LETTER A WITH ACUTE")
        assertError(table, line: shown, containing: "the character shown, 'à', is not U+00E1")
        // A letter no byte gives: the table cannot read Vietnamese.
        try write(table, try lines(table).filter { !$0.hasPrefix("B8\t") && !$0.hasPrefix("41 4") && !$0.hasPrefix("ZZ") })
        assertError(table, line: 1, containing: "no bytes for 1 Vietnamese letter(s): á")   // Á is still byte C1, the Windows-1252 letter
        // And the commands refuse to start with a broken table, naming it.
        try write(table, try lines(table) + ["B9\tU+00E1"])
        let r = try KehoachBinary.run(["restore", "--rules", rules.path], stdin: Data("a\n".utf8))
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("tcvn3.tsv:"), r.err)
        XCTAssertTrue(r.err.contains("expected BYTES<TAB>U+XXXX<TAB>CAPITAL (or -), found 2 column(s)"), r.err)
    }

    func testUnknownEncodingTableIsAWarning() throws {
        try "# VPS\n80\tU+1EA0\t-\n".write(to: file("encodings/vps.tsv"), atomically: true, encoding: .utf8)
        let found = RulesCheck.run(rulesDirectory: rules).filter { $0.file.hasSuffix("encodings/vps.tsv") }
        XCTAssertEqual(found.map(\.severity), [.warning])
        XCTAssertTrue(found[0].message.contains("unknown encoding table: nothing reads it (tables: tcvn3, vni, viscii)"), found[0].message)
    }
}
