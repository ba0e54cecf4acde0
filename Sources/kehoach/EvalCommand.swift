import ArgumentParser
import Foundation
import Kehoach

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure restoration and extraction on corpus/ and compare with the baseline.",
        discussion: """
        Restores every OCR file that has a true text (corpus/raw with corpus/gold,
        corpus/synthetic, corpus/unseen/raw with corpus/unseen/gold) and scores it as
        tools/score does: word accuracy, accuracy on words with marks, the OCR's own
        accuracy, error reduction, and harm (words the OCR had right that restoring
        broke), per document, per group and overall. Then extracts from each restored
        corpus/raw file that has an answer key in corpus/keys and scores it as
        tools/score extract does (precision, recall, F1 per array, micro F1, document
        fields). The dev set is scored the same way: corpus/dev/docs taken as restored
        text (extract.dev_clean.*) and corpus/dev/ocr restored first (extract.dev_ocr.*,
        with its restoration as restore.dev_ocr.*), per typeface named in
        corpus/dev/typefaces.tsv (.face.NAME.) and per document; corpus/dev2, ten
        documents written apart from the rules, corpus/dev3, six kept unseen, and
        corpus/dev4, dev5 and dev6, written later apart from the rules, likewise
        (extract.dev2_* … extract.dev6_*).

        The figures are compared with corpus/baseline.json: the run fails (exit 1)
        when an overall or per-group accuracy, error reduction, precision, recall or
        F1 drops by more than
        --tolerance, or harm rises by more than --harm-tolerance, and names those metrics, the
        words newly wrong or right and the entities lost or gained.

        Example:
          kehoach eval                              # compare with corpus/baseline.json
          kehoach eval --format markdown            # a table for a pull-request comment
          kehoach eval --update-baseline            # record the figures after an intended change
          kehoach eval restore --out-dir /tmp/out   # restoration only, keeping the outputs
        """,
        subcommands: [EvalCompare.self, EvalRestore.self],
        defaultSubcommand: EvalCompare.self
    )
}

struct EvalCompare: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare", abstract: "Score restoration and extraction on corpus/ against the baseline (the default).")

    @Option(help: "Corpus directory (default: ./corpus, or the one beside the rules directory).")
    var corpus: String?

    @Option(help: ArgumentHelp("Baseline figures (default: CORPUS/baseline.json).", valueName: "FILE"))
    var baseline: String?

    @Flag(help: "Record the figures as the new baseline (does not fail on drops).")
    var updateBaseline = false

    @Option(help: "Largest allowed drop of an accuracy, error reduction, precision, recall or F1 (absolute).")
    var tolerance = 0.005

    @Option(help: "Largest allowed rise of harm (words the OCR had right that restoring broke).")
    var harmTolerance = 3

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, markdown, json, junit }

    @Option(help: "Output format: text, markdown, json or junit.")
    var format: Format = .text

    @OptionGroup var parameters: RestoreParameterOption

    @OptionGroup var rules: RulesOption

    func run() throws {
        let rulesDir: URL
        if let explicit = rules.directory { rulesDir = URL(fileURLWithPath: explicit) } else { rulesDir = try rules.resolve() }
        let corpusDir: URL
        if let corpus {
            corpusDir = URL(fileURLWithPath: corpus)
        } else if FileManager.default.fileExists(atPath: "corpus/gold") {
            corpusDir = URL(fileURLWithPath: "corpus")
        } else {
            corpusDir = rulesDir.standardizedFileURL.deletingLastPathComponent().appendingPathComponent("corpus")
        }
        let baselinePath = baseline ?? corpusDir.appendingPathComponent("baseline.json").path
        if updateBaseline && !parameters.parameters.isEmpty {
            throw ValidationError("--update-baseline records the rules' own weights: drop --param")
        }
        let start = Date()
        let run = Evaluator.run(corpus: corpusDir, rulesDirectory: rulesDir, progress: format == .text ? { printError("eval: \($0)") } : nil,
                                configure: parameters.apply(to:))
        var old: EvalFigures?
        if FileManager.default.fileExists(atPath: baselinePath) {
            do { old = try EvalFigures.load(path: baselinePath) } catch {
                throw ValidationError("\(baselinePath): not a kehoach eval baseline (\(error))")
            }
        }
        let comparison = EvalComparison(run: run, baseline: old, tolerance: tolerance, harmTolerance: harmTolerance, corpus: corpusDir)
        print(EvalFormat(rawValue: format.rawValue)!.render(comparison), terminator: "")
        printError(String(format: "eval: %.1f s", Date().timeIntervalSince(start)))
        if updateBaseline {
            guard run.errors.isEmpty else {
                printError("eval: not updating the baseline: the run had errors")
                throw ExitCode(1)
            }
            try AtomicFile.write(run.figures.data(), to: baselinePath)
            printError("eval: wrote \(baselinePath)")
            return
        }
        if old == nil { printError("eval: no baseline at \(baselinePath); record one with --update-baseline") }
        if !comparison.passed { throw ExitCode(1) }
    }
}

struct EvalRestore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Score restoration on corpus/.")

    @Option(help: "Corpus directory.")
    var corpus = "corpus"

    @Option(name: .customLong("out-dir"), help: ArgumentHelp("Also write each restored text to DIR/NAME.txt.", valueName: "DIR"))
    var outDir: String?

    @Flag(help: "Compare words in lower case.")
    var ignoreCase = false

    @OptionGroup var parameters: RestoreParameterOption

    @Flag(help: "Print only the overall line.")
    var quiet = false

    @OptionGroup var rules: RulesOption

    func run() throws {
        let restorer = try Restorer.load(rulesDirectory: rules.resolve())
        try parameters.apply(to: restorer)
        let pairs = EvalCorpus(root: URL(fileURLWithPath: corpus)).restorePairs()
        guard !pairs.isEmpty else { throw ValidationError("no gold/raw pairs under \(corpus)") }
        var byGroup: [String: RestoreMetric.Counts] = [:]
        var total = RestoreMetric.Counts()
        func row(_ name: String, _ c: RestoreMetric.Counts) -> String {
            name.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(format: " words=%5d accuracy=%.4f marked=%.4f input=%.4f reduction=%.4f harm=%d",
                         c.words, c.accuracy, c.markedAccuracy, c.inputAccuracy, c.errorReduction, c.harm)
        }
        for pair in pairs {
            let decoded = try TextInput.readText(path: pair.raw.path)
            let raw = decoded.text
            let gold = try String(contentsOf: pair.gold, encoding: .utf8)
            let restored = restorer.restore(raw, confidences: decoded.confidences).text
            if let outDir { try AtomicFile.write(restored, to: URL(fileURLWithPath: outDir).appendingPathComponent(pair.name + ".txt").path) }
            let c = try RestoreMetric.score(gold: gold, output: restored, input: raw, ignoreCase: ignoreCase)
            if !quiet { print(row("\(pair.group)/\(pair.name)", c)) }
            byGroup[pair.group, default: .init()] = byGroup[pair.group, default: .init()] + c
            total = total + c
        }
        for (group, c) in byGroup.sorted(by: { $0.key < $1.key }) { print(row("ALL \(group)", c)) }
        print(row("ALL", total))
    }
}
