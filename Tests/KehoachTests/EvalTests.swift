import Foundation
import XCTest
@testable import Kehoach

/// `kehoach eval`: the extraction metric gives tools/score's figures, the comparison fails on drops
/// and names them, and the real corpus passes against the committed baseline.
final class EvalTests: XCTestCase {
    // MARK: extraction metric, against figures tools/score extract printed for the same files

    static let key = #"""
    {"document": {"kind": "KẾ HOẠCH", "number": "42/KH-UBND", "date": "2025-03-01", "issuer": "UBND xã Ngọc Phụng", "place": null},
     "references": [{"number": "793/QĐ-UBND", "date": "2022-12-09"}, {"number": "12/NQ-HĐND", "date": null}],
     "targets": [{"indicator": "BHYT", "status": "target", "value": 95.5, "unit": "%", "measure": "rate"},
                 {"indicator": "BHXH", "status": "actual", "value": 2403, "unit": "người", "measure": "count"}],
     "deadlines": [{"date": "2025-11-30", "recurrence": "yearly"}, {"date": "2025-06", "recurrence": null}],
     "agencies": [{"name": "Bảo hiểm xã hội huyện", "aliases": ["BHXH huyện"], "role": "lead"},
                  {"name": "Ủy ban nhân dân xã", "role": "support"}, {"name": "Phòng Tài chính", "role": "support"}]}
    """#
    static let output = #"""
    {"document": {"kind": "Kế hoạch", "number": "42/KH-UBND", "date": "2025-03", "issuer": "Uỷ ban nhân dân xã Ngọc Phụng"},
     "references": [{"number": "793/QD-UBND", "date": "2022-12-09"}, {"number": "99/QĐ-TTg", "date": null}],
     "targets": [{"indicator": "bhyt", "status": "target", "value": 95.5004, "unit": "%", "measure": "rate"},
                 {"indicator": "BHXH", "status": "actual", "value": 2403, "unit": "người", "measure": ""}],
     "deadlines": [{"date": "2025-11-30", "recurrence": "yearly"}, {"date": "2025-11-30", "recurrence": null}, {"date": "2025-07"}],
     "agencies": [{"name": "BHXH huyện", "role": "lead"}, {"name": "UBND xã", "role": "lead"}, {"name": "Công an xã", "role": "support"}]}
    """#

    func testExtractMetricMatchesScorer() throws {
        let s = ExtractMetric.scoreDocument(key: try JSONValue.parse(Data(Self.key.utf8)), output: try JSONValue.parse(Data(Self.output.utf8)))
        func c(_ tp: Int, _ fp: Int, _ fn: Int, _ second: Int) -> ExtractMetric.ArrayCounts {
            var a = ExtractMetric.ArrayCounts(); a.tp = tp; a.fp = fp; a.fn = fn; a.secondRight = second; return a
        }
        XCTAssertEqual(s.arrays["references"], c(1, 1, 1, 1))
        XCTAssertEqual(s.arrays["targets"], c(2, 0, 0, 1))
        XCTAssertEqual(s.arrays["deadlines"], c(1, 1, 1, 1))
        XCTAssertEqual(s.arrays["agencies"], c(2, 1, 1, 1))
        XCTAssertEqual(s.document.map(\.field), ["kind", "number", "date", "issuer"])
        XCTAssertEqual(s.document.map(\.right), [true, true, false, true])
        XCTAssertEqual(ExtractMetric.prf(s.arrays["agencies"]!).f1, 0.6667)
        XCTAssertEqual(s.found["agencies"], ["baohiemxahoihuyen", "uybannhandanxa"])
        XCTAssertEqual(s.missed["agencies"], ["phongtaichinh"])
    }

    func testFoldLikeScorer() {
        XCTAssertEqual(ExtractMetric.fold("Quyết  Định 12/QĐ"), "quyetdinh12/qd")
        XCTAssertEqual(ExtractMetric.foldName("UBND tỉnh Lạng Sơn."), "uybannhandantinhlangson")
        XCTAssertEqual(ExtractMetric.foldName("Sở GD&ĐT"), "sogiaoducvadaotao")
    }

    // MARK: comparison

    private func figures(_ metrics: [String: Double], words: [String: [String]] = [:],
                         entities: [String: [String: EvalFigures.EntityOutcome]] = [:]) -> EvalFigures {
        var f = EvalFigures()
        f.metrics = metrics; f.words = words; f.entities = entities
        return f
    }

    func testComparisonGatesDropsBeyondTolerance() {
        let base = figures(["restore.all.accuracy": 0.9, "restore.all.harm": 10, "extract.all.f1": 0.8,
                            "restore.doc.real/x.accuracy": 0.9, "restore.all.words": 100, "extract.targets.f1": 0.5])
        let same = EvalComparison(run: EvalRun(figures: base, errors: [], notes: []), baseline: base)
        XCTAssertTrue(same.passed)
        let small = figures(["restore.all.accuracy": 0.896, "restore.all.harm": 13, "extract.all.f1": 0.81,
                             "restore.doc.real/x.accuracy": 0.5, "restore.all.words": 90, "extract.targets.f1": 0.5])
        XCTAssertTrue(EvalComparison(run: EvalRun(figures: small, errors: [], notes: []), baseline: base).passed,
                      "drops within tolerance, and per-document figures, must not fail")
        let worse = figures(["restore.all.accuracy": 0.89, "restore.all.harm": 14, "extract.all.f1": 0.8,
                             "restore.doc.real/x.accuracy": 0.9, "restore.all.words": 100])
        let c = EvalComparison(run: EvalRun(figures: worse, errors: [], notes: []), baseline: base)
        XCTAssertFalse(c.passed)
        XCTAssertEqual(c.dropped.map(\.name).sorted(), ["extract.targets.f1", "restore.all.accuracy", "restore.all.harm"])
        XCTAssertTrue(EvalFormat.summary(c).contains("restore.all.accuracy 0.9000 → 0.8900"))
        let junit = EvalFormat.junit.render(c)
        XCTAssertTrue(junit.contains(#"failures="3""#), junit)
        XCTAssertTrue(junit.contains(#"name="restore.all.harm"><failure"#), junit)
        let json = try? JSONValue.parse(Data(EvalFormat.json.render(c).utf8))
        XCTAssertEqual(json?["passed"], .bool(false))
        XCTAssertTrue(EvalFormat.markdown.render(c).contains("| `restore.all.accuracy` | 0.9000 | 0.8900 | -0.0100 | ❌ dropped |"))
        XCTAssertFalse(EvalComparison(run: EvalRun(figures: base, errors: ["rules do not load"], notes: []), baseline: base).passed)
        XCTAssertFalse(EvalComparison(run: EvalRun(figures: base, errors: [], notes: []), baseline: nil).passed)
    }

    func testDiffNamesWordsAndEntities() {
        let base = figures(["restore.all.accuracy": 0.5],
                           words: ["real/x": ["L2 110", "L5 01"]],
                           entities: ["x": ["targets": .init(found: ["a", "b"], spurious: ["s"], missed: [])]])
        let now = figures(["restore.all.accuracy": 0.5],
                          words: ["real/x": ["L2 100", "L5 11"]],
                          entities: ["x": ["targets": .init(found: ["a", "c"], spurious: [], missed: ["b"])]])
        let c = EvalComparison(run: EvalRun(figures: now, errors: [], notes: []), baseline: base)
        XCTAssertEqual(c.diffs.count, 2)
        let words = c.diffs.first { $0.document == "real/x" }!
        XCTAssertEqual(words.newlyWrong.map(\.line), [2])
        XCTAssertEqual(words.newlyRight.map(\.line), [5])
        let ents = c.diffs.first { $0.document == "x" }!
        XCTAssertEqual(ents.lost, ["targets: b"])
        XCTAssertEqual(ents.gained, ["targets: c"])
        XCTAssertEqual(ents.goneSpurious, ["targets: s"])
    }

    func testBaselineIsStable() throws {
        let f = figures(["b": 1, "a": 0.25], words: ["d": ["L1 1"]])
        let d1 = try f.data(), d2 = try EvalFigures(from: f).data()
        XCTAssertEqual(d1, d2)
        let text = String(decoding: d1, as: UTF8.self)
        XCTAssertLessThan(text.range(of: "\"a\"")!.lowerBound, text.range(of: "\"b\"")!.lowerBound)
    }

    // MARK: the real corpus (the slow part: two full runs)

    func testUntouchedRulesPassAgainstBaseline() throws {
        let corpus = Fixtures.repo.appendingPathComponent("corpus")
        let baseline = try EvalFigures.load(path: corpus.appendingPathComponent("baseline.json").path)
        let run = Evaluator.run(corpus: corpus, rulesDirectory: Fixtures.repo.appendingPathComponent("rules"))
        let c = EvalComparison(run: run, baseline: baseline, corpus: corpus)
        XCTAssertTrue(c.passed, EvalFormat.text.render(c))
        XCTAssertEqual(c.dropped.map(\.name), [])
        XCTAssertGreaterThan(run.figures.metrics["restore.all.accuracy"] ?? 0, 0.85)
        // The dev set is scored clean and through OCR, per typeface and per document, with entity outcomes.
        for name in ["extract.dev_clean.all.f1", "extract.dev_ocr.all.f1", "extract.dev_ocr.face.freeserif.targets.f1",
                     "extract.dev_ocr.face.liberation-serif.all.f1", "extract.dev_clean.doc.d01-dakglong-kh-bhxh.f1",
                     "extract.dev_ocr.document.accuracy", "restore.dev_ocr.face.liberation-serif.accuracy"] {
            XCTAssertNotNil(run.figures.metrics[name], name)
        }
        XCTAssertEqual(run.figures.entities.keys.filter { $0.hasPrefix("dev-clean/") }.count, 14)
        XCTAssertEqual(run.figures.entities.keys.filter { $0.hasPrefix("dev-ocr/") }.count, 14)
        XCTAssertNil(run.figures.metrics["restore.doc.dev/d01-dakglong-kh-bhxh.accuracy"], "dev OCR stays out of restore.all")
    }

    /// Emptying the largest dictionary restoration reads must make eval fail and name what dropped, not crash.
    func testEmptiedLargestDictionaryFails() throws {
        let dir = try scratch()
        let rules = dir.appendingPathComponent("rules")
        try FileManager.default.copyItem(at: Fixtures.repo.appendingPathComponent("rules"), to: rules)
        let corpus = Fixtures.repo.appendingPathComponent("corpus")
        let baseline = try EvalFigures.load(path: corpus.appendingPathComponent("baseline.json").path)

        // The largest dictionary restoration reads: syllables.txt (it then proposes only lexicon forms).
        // (places.txt is larger, but only the build commands read it.)
        let largest = "restore/syllables.txt"
        try Data().write(to: rules.appendingPathComponent(largest))
        let c = EvalComparison(run: Evaluator.run(corpus: corpus, rulesDirectory: rules), baseline: baseline, corpus: corpus)
        XCTAssertFalse(c.passed)
        let dropped = Set(c.dropped.map(\.name))
        XCTAssertTrue(dropped.contains("restore.all.accuracy"), "dropped: \(dropped.sorted())")
        XCTAssertTrue(EvalFormat.text.render(c).contains("eval: FAILED: dropped beyond tolerance"))
        XCTAssertFalse(c.diffs.flatMap(\.newlyWrong).isEmpty)

        // The largest file of all, the language model: restoration cannot load, so the OCR text is scored unrestored.
        try Data().write(to: rules.appendingPathComponent("restore/ngrams.bin"))
        try Data("# syllables\na\n".utf8).write(to: rules.appendingPathComponent(largest))
        let run = Evaluator.run(corpus: corpus, rulesDirectory: rules)
        XCTAssertTrue(run.errors.contains { $0.contains("restoration rules do not load") }, "\(run.errors)")
        let lm = EvalComparison(run: run, baseline: baseline, corpus: corpus)
        XCTAssertFalse(lm.passed)
        XCTAssertTrue(Set(lm.dropped.map(\.name)).isSuperset(of: ["restore.all.accuracy", "restore.real.accuracy", "restore.unseen.accuracy"]))
    }
}

private extension EvalFigures {
    /// A round trip through the baseline's own JSON.
    init(from other: EvalFigures) throws {
        self = try JSONDecoder().decode(EvalFigures.self, from: other.data())
    }
}
