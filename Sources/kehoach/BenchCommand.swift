import ArgumentParser
import Dispatch
import Foundation
import Kehoach

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput in this build (use a release build: swift build -c release).",
        discussion: """
        Reads the corpus documents once with an empty candidate cache (what new text
        costs), then repeats them until at least --mb megabytes and processes them one
        document at a time, on one core and then on --jobs cores (words met before come
        from the cache, as in a long batch), reporting MB/s, documents/s and peak memory.

        Examples:
          .build/release/kehoach bench restore --mb 10
          .build/release/kehoach bench extract --mb 10 --jobs 2
          .build/release/kehoach bench restore --param beamMargin=12   (a setting's cost)
        """
    )

    enum Stage: String, ExpressibleByArgument, CaseIterable { case restore, extract }

    @Argument(help: "What to measure: restore or extract (extract includes restoration).")
    var stage: Stage = .restore

    @Option(help: "Megabytes of text to process.")
    var mb = 10.0

    @Option(help: "Parallel jobs for the second run (default: the core count).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Corpus directory whose raw/*.txt are repeated.")
    var corpus = "corpus"

    @OptionGroup var parameters: RestoreParameterOption

    @OptionGroup var rules: RulesOption

    func run() throws {
        let rulesDir = try rules.resolve()
        let loadStart = Date()
        let pipeline = try BenchPipeline(stage: stage, rulesDirectory: rulesDir)
        let loadSeconds = Date().timeIntervalSince(loadStart)
        try parameters.apply(to: pipeline.restorer)
        let rawDir = URL(fileURLWithPath: corpus).appendingPathComponent("raw")
        let names = try FileManager.default.contentsOfDirectory(atPath: rawDir.path).filter { $0.hasSuffix(".txt") }.sorted()
        let texts = try names.map { try TextInput.read(path: rawDir.appendingPathComponent($0).path) }
        var docs: [String] = []
        var bytes = 0
        while Double(bytes) < mb * 1_048_576 {
            for t in texts { docs.append(t); bytes += t.utf8.count }
        }
        let model = pipeline.restorer.model
        print(String(format: "rules loaded in %.3f s (%d syllables, %d lexicon forms, %d confusion rows; language model %d tokens, %d bigrams, %d trigrams; ICU %@)",
                     loadSeconds, model.syllableCount, model.lexiconCount, model.confusions.rows, model.lm.vocabularySize,
                     model.lm.bigramCount, model.lm.trigramCount, Normalize.icuVersion))
        print("\(docs.count) documents, \(TextInput.formatBytes(bytes))")
        // The repeats below find each OCR word's candidates cached, as a long batch does for the
        // words it has met; reading the documents once with an empty cache shows what new text costs.
        let coldBytes = texts.reduce(0) { $0 + $1.utf8.count }
        let coldStart = cpuSeconds()
        for t in texts { pipeline.process(t) }
        print(String(format: "%@ cold cache (%d distinct documents, %@, once): %.2f MB per CPU-second", stage.rawValue, texts.count,
                     TextInput.formatBytes(coldBytes), Double(coldBytes) / 1_048_576 / (cpuSeconds() - coldStart)))
        for j in Set([1, jobs]).sorted() {
            let start = Date()
            let cpuStart = cpuSeconds()
            DispatchQueue.concurrentPerform(iterations: j) { worker in
                var i = worker
                while i < docs.count {
                    pipeline.process(docs[i])
                    i += j
                }
            }
            let seconds = Date().timeIntervalSince(start)
            let cpu = cpuSeconds() - cpuStart
            // CPU time tells what the code costs when other work shares the machine.
            print(String(format: "%@ jobs=%d: %.2f MB/s, %.1f documents/s (%.2f s wall; %.2f MB per CPU-second)", stage.rawValue, j,
                         Double(bytes) / 1_048_576 / seconds, Double(docs.count) / seconds, seconds,
                         Double(bytes) / 1_048_576 / cpu))
        }
        print("peak memory: \(peakMemory())")
    }

    func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    func peakMemory() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return "unknown" }
        let kb = Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return TextInput.formatBytes(kb * 1024)
    }
}

/// What one benchmark iteration runs on a document.
struct BenchPipeline: @unchecked Sendable {
    let stage: BenchCommand.Stage
    let restorer: Restorer
    let extractor: Extractor?

    init(stage: BenchCommand.Stage, rulesDirectory: URL) throws {
        self.stage = stage
        restorer = try Restorer.load(rulesDirectory: rulesDirectory)
        extractor = stage == .extract ? Extractor(rules: try ExtractionRules.load(rulesDirectory: rulesDirectory)) : nil
    }

    func process(_ text: String) {
        let restored = restorer.restore(text, withChanges: false).text
        if let extractor { _ = extractor.extract(text: restored, path: "bench.txt", sha256: "", ocr: text) }
    }
}
