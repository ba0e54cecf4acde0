import ArgumentParser
import Dispatch
import Foundation
import Kehoach

struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Restore and extract every text file under folders, in parallel, into OUT and SQLite.",
        discussion: """
        Walks each DIR for *.txt files, and OCR engines' *.tsv, *.hocr and ALTO *.xml
        outputs (read with each word's confidence, which restoration weighs; hidden
        files and folders and OUT itself are left out) and writes, mirroring the input tree, OUT/sub/NAME.txt (restored
        text), OUT/sub/NAME.json (extraction) and OUT/sub/NAME.changes.json (every
        word restoration changed, with its confidence and alternatives, as restore
        --changes writes it; --no-changes leaves it out and saves the time its
        alternatives take; --review also makes OUT/review/, the review site of
        `kehoach review`, from them), stores every document in the SQLite
        store (--db, default OUT/kehoach.sqlite) and writes the run report
        OUT/report.json (each file: ok, skipped or failed with reason and byte
        offset). With several DIRs each tree goes under OUT/<folder name>/.

        Inputs may be UTF-8, UTF-16, Windows-1258, TCVN3 (ABC), VNI or VISCII, or UTF-8
        mojibake (repaired); the encoding is detected per file, or forced for all with
        --encoding NAME. A file read as anything but UTF-8 has its encoding in the
        report ("encoding": "tcvn3") and in its JSON (source.encoding).

        A file that is empty, binary, in no encoding kehoach reads or unreadable is
        reported and recorded in the store as failed; the run goes on, and the exit
        status is 1. A rerun skips documents whose content and rules are unchanged
        and whose outputs are intact, and redoes the rest, so an interrupted run
        (Ctrl-C stops after the files in flight) is finished by running the same
        command again (a run with another --encoding redoes them all); documents
        whose files are gone are removed from OUT and the store. Results do not depend
        on --jobs.

        A document is its file's canonical path (the same tree given as "in" or as
        "/abs/in" is one set of documents) and its content: a file found again at
        another path with the same content is stored once, the other paths recorded
        in the store's document_copies table, so queries count it once (each path
        still gets its outputs).

        Every *.txt entry is processed or reported: FIFOs, devices, dangling links
        and names that are not UTF-8 (shown with \\xNN escapes) are failed entries.
        Other files (PDF, DOCX, images) are not read; they are counted on standard
        error and listed in report.json under "notRead".

        Batch writes and deletes only inside OUT: output paths recorded in the store
        that leave OUT are ignored with a warning, and no output is written through a
        symbolic link inside OUT. An output name is never silently replaced: an input
        whose outputs an earlier run into OUT made for another folder's document (for
        example "batch 2024 --out res" then "batch 2025 --out res", both holding
        x.txt) fails with kind "collision", naming both; batch both folders in one
        run instead (each then goes under OUT/<folder name>/). One run at a time
        writes into OUT: a second is refused while the lock OUT/.kehoach-batch.lock is
        held (a lock left by a killed run is taken over), and temporary files killed
        runs left are removed. When OUT/report.json cannot be written (disk full),
        the run says so and exits 1.

        Examples:
          kehoach batch archive/ --out results/
          kehoach batch 2024/ 2025/ --out results/ --db all.sqlite --jobs 4
          kehoach query targets --db results/kehoach.sqlite --indicator BHYT --year 2025
        """
    )

    @Argument(help: ArgumentHelp("Folders (or single .txt files) to process.", valueName: "DIR"))
    var inputs: [String]

    @Option(name: .customLong("out"), help: ArgumentHelp("Output folder.", valueName: "DIR"))
    var outDir: String

    @Option(name: .customLong("db"), help: ArgumentHelp("SQLite store (default: OUT/kehoach.sqlite).", valueName: "FILE"))
    var db: String?

    @Option(name: .customLong("jobs"), help: ArgumentHelp("Documents processed at once (default: the number of cores).", valueName: "N"))
    var jobs: Int?   // the help says the default; a literal default would print it a second time

    @Flag(name: .customLong("no-changes"), help: "Write no change logs (NAME.changes.json) beside the outputs.")
    var noChanges = false

    @Flag(name: .customLong("review"), help: "Also write the review site of the documents (OUT/review/index.html, as `kehoach review` makes it).")
    var review = false

    @OptionGroup var encoding: EncodingOption

    @OptionGroup var rules: RulesOption

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("Give at least one folder to process.") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1.") }
    }

    func run() throws {
        let rulesDirectory = try rules.resolve()
        let tables = try EncodingOption.tables(rulesDirectory: rulesDirectory, command: "batch")
        let processor = try BatchCommand.makeProcessor(rulesDirectory: rulesDirectory)
        // the store resolves places with the same rules (none: places are left for a later run to fill)
        let places = FileManager.default.fileExists(atPath: rulesDirectory.appendingPathComponent("places").path)
            ? try Places.load(rulesDirectory: rulesDirectory) : nil
        let runner = BatchRunner(processor: processor,
                                 options: BatchOptions(inputs: inputs, outDir: outDir, dbPath: db, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                                       places: places, encoding: try encoding.resolve(), encodingTables: tables,
                                                       changeLogs: !noChanges))
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        var interrupted = false
        interrupt.setEventHandler {
            interrupted = true
            runner.cancel()
            printError("\nkehoach batch: interrupted; finishing the files in flight (run the same command again to resume)")
        }
        interrupt.resume()

        let progress = ProgressLine(terminal: isatty(STDERR_FILENO) != 0)
        let report: BatchReport
        let started = Date()
        do {
            report = try runner.run(onProgress: progress.update)
        } catch {
            progress.finish()
            printError("kehoach batch: \(error)")
            throw ExitCode(2)
        }
        progress.finish()
        interrupt.cancel()
        let db = runner.options.resolvedDBPath
        for warning in report.warnings ?? [] { printError("kehoach batch: warning: \(warning)") }
        if let notRead = report.notRead {
            // not an error: PDFs and scans beside the text are common; said so that none goes unnoticed
            let shown = notRead.prefix(5).map { ($0 as NSString).lastPathComponent }.joined(separator: ", ")
            printError("kehoach batch: \(notRead.count) file\(notRead.count == 1 ? "" : "s") not read (documents are *.txt, and OCR engines' *.tsv, *.hocr and ALTO *.xml): \(shown)\(notRead.count > 5 ? ", …" : ""); all in report.json \"notRead\"")
        }
        for error in report.errors ?? [] { printError("kehoach batch: error: \(error)") }
        let reportPath = URL(fileURLWithPath: outDir).appendingPathComponent("report.json").path
        if let problem = runner.reportProblem {
            // The report is the run's only full account: say what is missing.
            printError("kehoach batch: error: the run report was not written (\(problem)); missing: \(reportPath)"
                       + (report.failed > 0 ? ", and the outputs of the \(report.failed) failed files named above" : ""))
        }
        printError("kehoach batch: \(report.total) files: \(report.ok) processed, \(report.skipped) unchanged, \(report.failed) failed"
                   + (report.pending > 0 ? ", \(report.pending) not reached" : "")
                   + "; report \(runner.reportProblem == nil ? reportPath : "not written"), store \(db)")
        if review {
            if noChanges { printError("kehoach batch: --review needs the change logs; no review site made with --no-changes") } else {
                try writeReview(report, tables: tables)
            }
        }
        // Throughput goes to the terminal only: the report holds no timings, so runs compare.
        let seconds = Date().timeIntervalSince(started)
        let processed = report.files.filter { $0.status == .ok }
        if !processed.isEmpty, seconds > 0 {
            let mb = Double(processed.map(\.bytes).reduce(0, +)) / 1_048_576
            printError(String(format: "kehoach batch: %d documents, %.1f MB in %.1f s: %.1f documents/s, %.2f MB/s",
                              processed.count, mb, seconds, Double(processed.count) / seconds, mb / seconds))
        }
        if interrupted || report.pending > 0 { throw ExitCode(130) }
        if report.hasFailures || runner.reportProblem != nil { throw ExitCode(1) }
    }

    /// The pipeline a batch runs.
    /// OUT/review/: a page per processed or unchanged document, made from its outputs (restored
    /// text, change log, extraction) and its input read again, and the index.
    func writeReview(_ report: BatchReport, tables: EncodingTables) throws {
        let site = URL(fileURLWithPath: outDir).appendingPathComponent("review")
        try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
        struct Log: Decodable { let profile: DamageProfile; let changes: [RestoreChange] }
        var docs: [ReviewSite.Document] = []
        var failed: [(name: String, reason: String)] = []
        let forced = try encoding.resolve()
        var pages = Set<String>()
        for entry in report.files where entry.status == .ok || entry.status == .skipped {
            guard let restoredRel = entry.restored, let jsonRel = entry.json else { continue }
            let out = URL(fileURLWithPath: outDir)
            do {
                let input = try TextInput.readText(path: entry.path, encoding: forced, tables: tables).text
                let restored = try String(contentsOf: out.appendingPathComponent(restoredRel), encoding: .utf8)
                let log = try JSONDecoder().decode(Log.self, from: Data(contentsOf: out.appendingPathComponent(BatchRunner.changeLog(of: restoredRel))))
                let extraction = try JSONDecoder().decode(ExtractionResult.self, from: Data(contentsOf: out.appendingPathComponent(jsonRel)))
                let words = Tokenizer.pieces(Array(input.unicodeScalars)).lazy.filter { $0.kind == .word }.count
                // sub/x.txt → sub__x.html: one flat folder, so that every page links to index.html alike
                let page = ReviewCommand.pageName(String(restoredRel.dropLast(4)).replacingOccurrences(of: "/", with: "__"), taken: &pages)
                let doc = ReviewSite.Document(name: String(restoredRel.dropLast(4)) + ".txt", page: page, input: input,
                                              restoration: Restoration(text: restored.hasPrefix("\u{FEFF}") ? String(restored.dropFirst()) : restored,
                                                                       changes: log.changes, wordCount: words, profile: log.profile),
                                              extraction: extraction, sha256: entry.sha256 ?? "")
                try AtomicFile.write(ReviewSite.page(doc), to: site.appendingPathComponent(page).path)
                docs.append(doc)
            } catch {
                failed.append((entry.path, FileError.describe(error, path: entry.path)))
            }
        }
        for entry in report.files where entry.status == .failed { failed.append((entry.path, entry.reason ?? "failed")) }
        try AtomicFile.write(ReviewSite.index(docs, failed: failed), to: site.appendingPathComponent("index.html").path)
        printError("kehoach batch: review site \(site.appendingPathComponent("index.html").path)")
    }

    /// Names the pipeline's code in the rules fingerprint (see `makeProcessor`).
    static let pipelineVersion = "kehoach-batch/4 restore+extract, encodings detected"

    /// The real pipeline: restore, then extract. `version` names the pipeline's code, so that a
    /// new pipeline redoes earlier outputs even where the rules did not change.
    static func makeProcessor(rulesDirectory dir: URL) throws -> DocumentProcessor {
        let restorer = try Restorer.load(rulesDirectory: dir)
        let extractor = Extractor(rules: try ExtractionRules.load(rulesDirectory: dir))
        let fingerprint = try RulesFingerprint.compute(directory: dir, version: pipelineVersion)
        return PipelineProcessor(
            rulesFingerprint: fingerprint,
            restore: { restorer.restore($0, withChanges: false).text },
            restoreLogged: { restorer.restore($0, withChanges: true, confidences: $1) },
            extract: { restored, ocr, path, sha256 in extractor.extract(text: restored, path: path, sha256: sha256, ocr: ocr) }
        )
    }
}

/// On a terminal, one refreshing line (files done/total, MB/s, ETA) with failures printed above
/// it; otherwise a plain log line per file.
final class ProgressLine: @unchecked Sendable {
    let terminal: Bool
    private var lastDraw = Date.distantPast
    private var drawn = false
    private var failed = 0

    init(terminal: Bool) { self.terminal = terminal }

    func update(_ p: BatchProgress) {
        let e = p.entry
        if e.status == .failed { failed += 1 }
        if !terminal {
            var line = "kehoach batch: [\(p.done)/\(p.total)] \(e.status.rawValue) \(e.path)"
            if e.status == .failed {
                line += ": \(e.kind ?? "error"): \(e.reason ?? "")" + (e.byteOffset.map { " at byte \($0)" } ?? "")
            } else if let encoding = e.encoding {
                line += " (read as \(encoding))"
            }
            printError(line)
            return
        }
        if e.status == .failed {
            clear()
            printError("failed \(e.path): \(e.reason ?? "")" + (e.byteOffset.map { " at byte \($0)" } ?? ""))
        }
        let now = Date()
        guard p.done == p.total || now.timeIntervalSince(lastDraw) >= 0.1 || e.status == .failed else { return }
        lastDraw = now
        let pct = p.total > 0 ? 100 * p.done / p.total : 100
        let rate = p.bytesPerSecond / 1_048_576
        let eta = p.done == p.total ? "0:00" : p.eta.map { ProgressLine.clock($0) } ?? "--:--"
        var line = "[\(p.done)/\(p.total)] \(pct)%  \(String(format: "%.2f", rate)) MB/s  ETA \(eta)"
        if failed > 0 { line += "  \(failed) failed" }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        drawn = true
    }

    func finish() { if terminal && drawn { FileHandle.standardError.write(Data("\n".utf8)); drawn = false } }

    private func clear() { if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)); drawn = false } }

    static func clock(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
