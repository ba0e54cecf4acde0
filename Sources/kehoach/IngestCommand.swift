import ArgumentParser
import Foundation
import Kehoach

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load extraction results (JSON lines) into the SQLite store.",
        discussion: """
        Each line holds one document's extraction, as `kehoach extract --jsonl` prints
        it; use this to load results computed elsewhere (Spark, Hadoop Streaming: see
        docs/scale-out.md). A document already in the store (same source.path) is
        replaced in one transaction. A line that is not an extraction is reported with
        its number and skipped; the exit status is then 1. "-" reads standard input.

        Examples:
          kehoach ingest part-00000.jsonl part-00001.jsonl --db plans.sqlite
          hdfs dfs -cat /out/plans/part-* | kehoach ingest - --db plans.sqlite
        """
    )

    @Argument(help: ArgumentHelp("JSON-lines files (\"-\" for standard input).", valueName: "FILE.jsonl"))
    var files: [String]

    @Option(name: .customLong("db"), help: ArgumentHelp("SQLite store to load into (created if missing).", valueName: "FILE"))
    var db: String

    func validate() throws {
        if files.isEmpty { throw ValidationError("Give at least one JSON-lines file (or - for standard input).") }
    }

    func run() throws {
        let store = try Store(path: db)
        var stored = 0, bad = 0
        for file in files {
            do {
                let summary = try store.ingestJSONL(path: file)
                stored += summary.stored
                bad += summary.failures.count
                for failure in summary.failures.prefix(20) { printError("kehoach ingest: \(file): \(failure)") }
                if summary.failures.count > 20 { printError("kehoach ingest: \(file): … \(summary.failures.count - 20) more bad lines") }
            } catch {
                printError("kehoach ingest: \(error)")
                bad += 1
            }
        }
        try store.finish()
        printError("kehoach ingest: \(stored) documents stored in \(db)" + (bad > 0 ? ", \(bad) lines or files not loaded" : ""))
        if bad > 0 { throw ExitCode(1) }
    }
}
