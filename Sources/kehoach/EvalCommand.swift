import ArgumentParser
import Foundation
import Kehoach

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure restoration against the true texts in corpus/.",
        discussion: """
        Restores every OCR file that has a true text (corpus/raw with corpus/gold, corpus/synthetic,
        corpus/unseen/raw with corpus/unseen/gold) and scores it as tools/score does: word accuracy,
        accuracy on words with marks, the OCR's own accuracy, error reduction, and harm (words the
        OCR had right that restoring broke).

        Example:
          kehoach eval restore
          kehoach eval restore --out-dir /tmp/restored   # keep the outputs for tools/score
        """,
        subcommands: [EvalRestore.self]
    )
}

struct EvalRestore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Score restoration on corpus/.")

    @Option(help: "Corpus directory.")
    var corpus = "corpus"

    @Option(name: .customLong("out-dir"), help: ArgumentHelp("Also write each restored text to DIR/NAME.txt.", valueName: "DIR"))
    var outDir: String?

    @Flag(help: "Compare words in lower case.")
    var ignoreCase = false

    @Option(name: .customLong("param"), help: ArgumentHelp("Override a restoration weight for an experiment (NAME=VALUE; names: \(Restorer.parameterNames.joined(separator: ", "))).", valueName: "NAME=VALUE"))
    var parameters: [String] = []

    @Flag(help: "Print only the overall line.")
    var quiet = false

    @OptionGroup var rules: RulesOption

    func run() throws {
        let restorer = try Restorer.load(rulesDirectory: rules.resolve())
        for p in parameters {
            let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let v = Double(parts[1]), restorer.setParameter(parts[0], v) else {
                throw ValidationError("--param \(p): expected NAME=VALUE with NAME one of \(Restorer.parameterNames.joined(separator: ", "))")
            }
        }
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
            let raw = try TextInput.read(path: pair.raw.path)
            let gold = try String(contentsOf: pair.gold, encoding: .utf8)
            let restored = restorer.restore(raw).text
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
