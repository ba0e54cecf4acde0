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
        replaced in one transaction. Each line is checked against the contract its
        "schema" names (kehoach.extract/1); a line that breaks it (invalid JSON, an
        unknown schema, a missing field, a value of the wrong type, a path holding NUL)
        is reported with its number and the field, and skipped (exit status 1). A
        file that cannot be read is reported; when none can, no database is created.
        "-" reads standard input.

        An error record (a line with "error", which `extract --jsonl` prints for a file
        it could not read) stores that document as failed, as batch records one, and
        is no bad line. An absolute source.path is stored as batch keys documents
        (folders and links resolved), so that a cluster job's output and a batch store
        of the same files hold the same documents; a relative one is stored as given.

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
        var stored = 0, bad = 0, failedDocuments = 0
        // Inputs are checked before the store is opened, so that a run that can read nothing
        // leaves no empty database behind.
        let readable = files.filter { file in
            guard let problem = Self.unreadable(file) else { return true }
            printError("kehoach ingest: \(file): \(problem)")
            bad += 1
            return false
        }
        guard !readable.isEmpty else {
            printError("kehoach ingest: nothing to load; \(db) " + (FileManager.default.fileExists(atPath: db) ? "left as it was" : "not created"))
            throw ExitCode(1)
        }
        let store = try Store(path: db)
        for file in readable {
            do {
                let summary = try store.ingestJSONL(path: file)
                stored += summary.stored
                failedDocuments += summary.failedDocuments
                bad += summary.failures.count
                for failure in summary.failures.prefix(20) { printError("kehoach ingest: \(file): \(failure)") }
                if summary.failures.count > 20 { printError("kehoach ingest: \(file): … \(summary.failures.count - 20) more bad lines") }
            } catch {
                printError("kehoach ingest: \(error)")
                bad += 1
            }
        }
        try store.finish()
        printError("kehoach ingest: \(stored) documents stored in \(db)"
                   + (failedDocuments > 0 ? ", \(failedDocuments) recorded as failed (error records: query documents --status failed)" : "")
                   + (bad > 0 ? ", \(bad) lines or files not loaded" : ""))
        if bad > 0 { throw ExitCode(1) }
    }

    /// Why `file` cannot be read, or nil ("-", standard input, always can).
    static func unreadable(_ file: String) -> String? {
        guard file != "-" else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a directory, not a JSON-lines file" }
        return FileManager.default.isReadableFile(atPath: file) ? nil : "cannot be opened for reading (permissions?)"
    }
}
