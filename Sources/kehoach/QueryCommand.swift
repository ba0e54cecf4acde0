import ArgumentParser
import Foundation
import Kehoach

extension QueryFormat: ExpressibleByArgument {}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Ask the SQLite store for targets, deadlines or documents, or run a SELECT.",
        discussion: """
        Name filters (--indicator, --place, --agency) ignore case and diacritics: "ha
        noi" finds "Hà Nội", "bhxh bat buoc" finds "BHXH bắt buộc". The store is
        opened read-only.

        Examples:
          kehoach query targets --db results/kehoach.sqlite --indicator BHYT --year 2025
          kehoach query targets --db plans.sqlite --place "ha noi" --status target --format csv > bhyt.csv
          kehoach query deadlines --db plans.sqlite --before 2025-12-31 --agency "bao hiem xa hoi"
          kehoach query documents --db plans.sqlite --status failed
          kehoach query sql --db plans.sqlite "SELECT indicator, COUNT(*) FROM targets GROUP BY indicator"
        """,
        subcommands: [Targets.self, Deadlines.self, Documents.self, SQL.self]
    )

    struct Common: ParsableArguments {
        @Option(name: .customLong("db"), help: ArgumentHelp("SQLite store.", valueName: "FILE"))
        var db: String

        @Option(name: .customLong("format"), help: ArgumentHelp("table, csv (RFC 4180) or json (an array of objects).", valueName: "FORMAT"))
        var format: QueryFormat = .table

        @Option(name: .customLong("limit"), help: ArgumentHelp("At most N rows.", valueName: "N"))
        var limit: Int?

        func emit(_ make: () throws -> QueryTable) throws {
            do {
                let table = try make()
                FileHandle.standardOutput.write(Data(Query.render(table, format: format).utf8))
            } catch {
                printError("kehoach query: \(Query.describe(error))")
                throw ExitCode(1)
            }
        }
    }

    struct Targets: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Figures the plans set or report (coverage rates, counts, growth, amounts).")
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("BHXH, BHXH bắt buộc, BHXH tự nguyện, BHTN, BHYT or khác.", valueName: "NAME")) var indicator: String?
        @Option(help: ArgumentHelp("Target year.", valueName: "YEAR")) var year: Int?
        @Option(help: ArgumentHelp("target or actual.", valueName: "STATUS")) var status: String?
        @Option(help: ArgumentHelp("rate, count, growth or amount.", valueName: "MEASURE")) var measure: String?
        @Option(help: ArgumentHelp("Place or province of the document, or part of its issuer.", valueName: "NAME")) var place: String?
        @Option(help: ArgumentHelp("Part of the name of an agency the document gives a duty; abbreviations (BHXH, UBND…), case and marks do not matter.", valueName: "NAME")) var agency: String?

        func validate() throws {
            try checkOneOf(indicator, ["BHXH", "BHXH bắt buộc", "BHXH tự nguyện", "BHTN", "BHYT", "khác"], "--indicator")
            try checkOneOf(status, ["target", "actual"], "--status")
            try checkOneOf(measure, ["rate", "count", "growth", "amount"], "--measure")
        }

        func run() throws {
            try common.emit {
                try Query.targets(db: common.db, TargetFilter(indicator: indicator, year: year, status: status?.lowercased(), measure: measure?.lowercased(),
                                                              place: place, agency: agency, limit: common.limit))
            }
        }
    }

    struct Deadlines: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Dates by which something must be done.")
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("Due in a period that starts on or before this date: YYYY-MM-DD, YYYY-MM or YYYY (a deadline dated 2025-12 is the whole month); recurring deadlines are left out.", valueName: "DATE")) var before: String?
        @Option(help: ArgumentHelp("Due in a period that ends on or after this date (YYYY-MM-DD, YYYY-MM or YYYY).", valueName: "DATE")) var after: String?
        @Option(help: ArgumentHelp("yearly, monthly or quarterly.", valueName: "KIND")) var recurrence: String?
        @Option(help: ArgumentHelp("Part of the name of an agency the deadline names; abbreviations (BHXH, UBND…), case and marks do not matter.", valueName: "NAME")) var agency: String?
        @Option(help: ArgumentHelp("Place or province of the document, or part of its issuer.", valueName: "NAME")) var place: String?

        func validate() throws {
            for (option, d) in [("--before", before), ("--after", after)] {
                if let d, Period.parse(d) == nil {
                    throw ValidationError("\(option) \(d): not a date; give YYYY-MM-DD, YYYY-MM or YYYY (a real day: 2025-02-28, not 2025-02-30).")
                }
            }
            try checkOneOf(recurrence, ["yearly", "monthly", "quarterly"], "--recurrence")
        }

        func run() throws {
            try common.emit {
                try Query.deadlines(db: common.db, DeadlineFilter(before: before, after: after, recurrence: recurrence?.lowercased(),
                                                                  agency: agency, place: place, limit: common.limit))
            }
        }
    }

    struct Documents: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Documents in the store, with counts and, for failed files, why.")
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("Place or province, or part of the issuer.", valueName: "NAME")) var place: String?
        @Option(help: ArgumentHelp("ok or failed.", valueName: "STATUS")) var status: String?
        @Option(help: ArgumentHelp("Part of the document kind (\"ke hoach\").", valueName: "KIND")) var kind: String?
        @Option(help: ArgumentHelp("Year of the document's date.", valueName: "YEAR")) var year: Int?

        func validate() throws { try checkOneOf(status, ["ok", "failed"], "--status") }

        func run() throws {
            try common.emit {
                try Query.documents(db: common.db, DocumentFilter(place: place, status: status?.lowercased(), kind: kind, year: year, limit: common.limit))
            }
        }
    }

    struct SQL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sql",
            abstract: "Run one SELECT on the store (read-only).",
            discussion: "Tables: documents, targets, deadlines, agencies, legal_refs; *_folded columns hold case- and "
                + "diacritic-free copies of names. Exactly one statement per call. --limit N stops the statement after N rows. "
                + "A query that runs longer than --timeout or needs more memory than --max-memory is stopped with a message "
                + "and exit status 1.")
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("Stop the query after this many seconds (default 60).", valueName: "SECONDS"))
        var timeout: Double = 60
        @Option(name: .customLong("max-memory"), help: ArgumentHelp("Stop the query when it needs more than this many megabytes (default 512).", valueName: "MB"))
        var maxMemory: Int = 512
        @Argument(help: ArgumentHelp("The SELECT statement.", valueName: "SQL")) var sql: String

        func validate() throws {
            if !(timeout > 0) { throw ValidationError("--timeout takes a number of seconds above 0.") }
            if maxMemory <= 0 { throw ValidationError("--max-memory takes a number of megabytes above 0.") }
        }

        func run() throws {
            try common.emit {
                try Query.sql(db: common.db, sql, limit: common.limit,
                              budget: QueryBudget(seconds: timeout, memoryBytes: Int64(maxMemory) << 20))
            }
        }
    }
}

/// Refuses a filter value outside `allowed` (compared without case or marks), naming the valid ones:
/// a misspelt value would otherwise match nothing and look like an empty answer.
func checkOneOf(_ value: String?, _ allowed: [String], _ option: String) throws {
    guard let value else { return }
    if allowed.contains(where: { Store.fold($0) == Store.fold(value) }) { return }
    throw ValidationError("\(option) \(value): not one of \(allowed.joined(separator: ", ")).")
}
