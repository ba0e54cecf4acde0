import ArgumentParser
import Foundation
import Kehoach

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a static HTML report of a store: plan against actual, figures per place and year, charts, and the same data as CSV.",
        discussion: """
        Writes into --out: index.html (opens from disk, no network: progress bars of each
        reported figure against its plan, the plan-against-actual table, a chart of the
        planned figures per province, the figures per indicator, status, province and year,
        and the documents per province) and the same data as CSV: progress.csv (as
        `kehoach query progress`), figures.csv, documents.csv, targets-per-province.csv.

        Example:
          kehoach batch scans/ --out results/
          kehoach report --db results/kehoach.sqlite --out results/report/
        """
    )

    @Option(name: .customLong("db"), help: ArgumentHelp("SQLite store (made by batch or ingest).", valueName: "FILE"))
    var db: String

    @Option(name: .customLong("out"), help: ArgumentHelp("Folder for the report (made if missing).", valueName: "DIR"))
    var out: String

    func run() throws {
        warnWithoutWholePopulations("report")
        do {
            if try Store.upgradeIfOld(path: db) { printError("kehoach report: \(db): made by an older kehoach; upgraded in place (places resolved)") }
            let report = try StoreReport.make(db: db)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (name, text) in report.files { try AtomicFile.write(text, to: (out as NSString).appendingPathComponent(name)) }
            printError("kehoach report: \((out as NSString).appendingPathComponent("index.html"))")
        } catch {
            printError("kehoach report: \(Query.describe(error))")
            throw ExitCode(1)
        }
    }
}
