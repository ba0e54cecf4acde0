import ArgumentParser
import Foundation
import Kehoach

extension QueryFormat: ExpressibleByArgument {}
extension RollUp: ExpressibleByArgument {}

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Ask the SQLite store for targets, deadlines or documents, or run a SELECT.",
        discussion: """
        Name filters (--indicator, --place, --agency, --province, --district, --commune)
        ignore case and diacritics: "ha noi" finds "Hà Nội", "bhxh bat buoc" finds "BHXH
        bắt buộc". The store is opened read-only (a store an older kehoach made is first
        upgraded in place, once, when the file is writable).

        Places: every document, target and deadline carries the commune, district and
        province it lies in (resolved from the issuer's unit and the gazetteer in
        rules/places/), and province_2025, the province that holds it since the
        reorganisation of 2025-07-01 (63 provinces became 34, districts were abolished).
        --province matches either, so "Lâm Đồng" also finds the plans of Đắk Nông and
        Bình Thuận; --by province (or province-2025, district, commune) counts per place
        instead of listing rows. A place the store cannot tell is empty (null).

        Output: a table fits the terminal: its widest text columns are narrowed and
        their long cells cut with "…" (paths keep their end); numbers are never cut.
        The width is $COLUMNS when set, else the terminal's; output to a file or a
        pipe is not cut (set COLUMNS to cut it). --wide prints every cell whole. csv and
        json are never cut; json writes a missing value as null.

        Examples:
          kehoach query targets --db results/kehoach.sqlite --indicator BHYT --year 2025
          kehoach query targets --db plans.sqlite --indicator BHYT --status target --by province
          kehoach query targets --db plans.sqlite --province "Đắk Nông" --format csv > daknong.csv
          kehoach query targets --db plans.sqlite --place "ha noi" --status target --format csv > bhyt.csv
          kehoach query progress --db plans.sqlite --indicator BHYT --year 2025 --reported
          kehoach query deadlines --db plans.sqlite --before 2025-12-31 --agency "bao hiem xa hoi"
          kehoach query documents --db plans.sqlite --status failed
          kehoach query sql --db plans.sqlite "SELECT indicator, COUNT(*) FROM targets GROUP BY indicator"
        """,
        subcommands: [Targets.self, Progress.self, Deadlines.self, Documents.self, SQL.self]
    )

    struct Common: ParsableArguments {
        @Option(name: .customLong("db"), help: ArgumentHelp("SQLite store.", valueName: "FILE"))
        var db: String

        @Option(name: .customLong("format"), help: ArgumentHelp("table, csv (RFC 4180) or json (an array of objects).", valueName: "FORMAT"))
        var format: QueryFormat = .table

        @Option(name: .customLong("limit"), help: ArgumentHelp("At most N rows.", valueName: "N"))
        var limit: Int?

        @Flag(name: .customLong("wide"), help: ArgumentHelp("Table: print every cell whole, however wide (by default a table fits $COLUMNS or the terminal; a file or pipe gets it whole)."))
        var wide = false

        func emit(_ make: () throws -> QueryTable) throws {
            do {
                if try Store.upgradeIfOld(path: db) {
                    printError("kehoach query: \(db): made by an older kehoach; upgraded in place (places resolved)")
                }
                let table = try make()
                FileHandle.standardOutput.write(Data(Query.render(table, format: format, width: wide ? nil : terminalWidth()).utf8))
            } catch {
                printError("kehoach query: \(Query.describe(error))")
                throw ExitCode(1)
            }
        }
    }

    /// Places a row must lie in, and what to count per.
    struct PlaceOptions: ParsableArguments {
        @Option(help: ArgumentHelp("Province the row lies in, then or since 2025-07-01 (\"Đắk Nông\"; \"Lâm Đồng\" also finds Đắk Nông's and Bình Thuận's).", valueName: "NAME"))
        var province: String?
        @Option(help: ArgumentHelp("District the row lies in (\"Kon Rẫy\" or \"huyện Kon Rẫy\").", valueName: "NAME"))
        var district: String?
        @Option(help: ArgumentHelp("Commune (xã, phường, thị trấn) the row lies in.", valueName: "NAME"))
        var commune: String?
        @Option(help: ArgumentHelp("Count per province, province-2025, district or commune instead of listing rows.", valueName: "PLACE"))
        var by: RollUp?

        var filter: PlaceFilter { PlaceFilter(province: province, district: district, commune: commune) }

        func validate() throws {
            // a province no row can have is refused, the provinces listed
            if let province, let places = Places.standard {
                let names = places.provinceNames
                let f = Query.bareName(province, kinds: ["tinh", "thanh pho", "tp"])
                if !names.contains(where: { Store.fold($0) == f }) {
                    throw ValidationError("--province \(province): not a province; give one of \(names.sorted().joined(separator: ", ")).")
                }
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
        @OptionGroup var places: PlaceOptions

        func validate() throws {
            try checkOneOf(indicator, ["BHXH", "BHXH bắt buộc", "BHXH tự nguyện", "BHTN", "BHYT", "khác"], "--indicator")
            try checkOneOf(status, ["target", "actual"], "--status")
            try checkOneOf(measure, ["rate", "count", "growth", "amount"], "--measure")
        }

        func run() throws {
            try common.emit {
                try Query.targets(db: common.db, TargetFilter(indicator: indicator, year: year, status: status?.lowercased(), measure: measure?.lowercased(),
                                                              place: place, agency: agency, places: places.filter, by: places.by, limit: common.limit))
            }
        }
    }

    struct Progress: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plan against actual: each indicator's planned figure beside the figure reported for it, and the gap.",
            discussion: """
            A planned figure (status target) and a reported one (actual) answer each other
            when they agree on indicator, measure and unit; on population ("dân số", "lực
            lượng lao động trong độ tuổi", a total row and none at all are the same: rules/
            extract/whole-populations.vocab; "học sinh" matches only "học sinh"); on place
            (the province, district and commune resolved for each: a province's plan does not
            answer for a district's report; a figure whose province is unknown is matched only
            in its own document); and on year (the figure's, else its document's).

            One row per indicator, population, place and year that has a planned figure:
            actual is the latest report's first figure (documents ordered by their date),
            planned the latest plan's figure nearest to it in ratio (a plan may set a total
            and the year's increase; without a report, its first; figures ten times apart
            count different things and are not set side by side), gap = actual - planned, reached = actual >= planned (not
            given for khác, whose figures may be ones to lower). planned_all and actual_all
            list every figure, planned_in and actual_in where each was read (FILE:LINE).
            Figures of indicator khác are left out unless --indicator khác asks for them, and
            then only those whose population names what they count.

            Examples:
              kehoach query progress --db plans.sqlite --indicator BHYT --year 2025
              kehoach query progress --db plans.sqlite --province "Kon Tum" --reported --format csv > progress.csv
            """)
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("BHXH, BHXH bắt buộc, BHXH tự nguyện, BHTN, BHYT or khác.", valueName: "NAME")) var indicator: String?
        @Option(help: ArgumentHelp("Year the figures are for.", valueName: "YEAR")) var year: Int?
        @Option(help: ArgumentHelp("rate, count, growth or amount.", valueName: "MEASURE")) var measure: String?
        @Option(help: ArgumentHelp("Place or province of the document, or part of its issuer.", valueName: "NAME")) var place: String?
        @Flag(help: "Only indicators with a reported figure beside the planned one.") var reported = false
        @OptionGroup var places: PlaceOptions

        func validate() throws {
            try checkOneOf(indicator, ["BHXH", "BHXH bắt buộc", "BHXH tự nguyện", "BHTN", "BHYT", "khác"], "--indicator")
            try checkOneOf(measure, ["rate", "count", "growth", "amount"], "--measure")
            if places.by != nil { throw ValidationError("--by counts rows of targets, deadlines or documents; progress lists each indicator once per place already.") }
        }

        func run() throws {
            warnWithoutWholePopulations("query progress")
            try common.emit {
                try Query.progress(db: common.db, ProgressFilter(indicator: indicator, year: year, measure: measure?.lowercased(), place: place,
                                                                 places: places.filter, reportedOnly: reported, limit: common.limit))
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
        @OptionGroup var places: PlaceOptions

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
                                                                  agency: agency, place: place, places: places.filter, by: places.by, limit: common.limit))
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
        @OptionGroup var places: PlaceOptions

        func validate() throws { try checkOneOf(status, ["ok", "failed"], "--status") }

        func run() throws {
            try common.emit {
                try Query.documents(db: common.db, DocumentFilter(place: place, status: status?.lowercased(), kind: kind, year: year,
                                                                  places: places.filter, by: places.by, limit: common.limit))
            }
        }
    }

    struct SQL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sql",
            abstract: "Run one SELECT on the store (read-only).",
            discussion: "Tables: documents, targets, deadlines, agencies, legal_refs; *_folded columns hold case- and "
                + "diacritic-free copies of names; documents, targets and deadlines have commune, district, province and "
                + "province_2025 (documents also commune_2025). Exactly one statement per call. --limit N stops the statement after N rows. "
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

/// The width a table is fitted to: $COLUMNS when set (even when the output is a pipe: the user
/// asked), else the terminal's when standard output is one; nil (no fitting) for a file or a pipe,
/// whose reader wants every cell.
func terminalWidth() -> Int? {
    if let c = ProcessInfo.processInfo.environment["COLUMNS"], let n = Int(c.trimmingCharacters(in: .whitespaces)), n > 0 { return n }
    guard isatty(STDOUT_FILENO) != 0 else { return nil }
    var size = winsize()
    if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return 100
}

/// Refuses a filter value outside `allowed` (compared without case or marks), naming the valid ones:
/// a misspelt value would otherwise match nothing and look like an empty answer.
func checkOneOf(_ value: String?, _ allowed: [String], _ option: String) throws {
    guard let value else { return }
    if allowed.contains(where: { Store.fold($0) == Store.fold(value) }) { return }
    throw ValidationError("\(option) \(value): not one of \(allowed.joined(separator: ", ")).")
}

/// `query progress` and `report` pair "dân số" with a figure that names no population through
/// rules/extract/whole-populations.vocab; without it they still run, pairing only equal
/// populations, and say so.
func warnWithoutWholePopulations(_ command: String) {
    if Kehoach.Progress.standardWholePopulations.isEmpty {
        printError("kehoach \(command): warning: no rules/extract/whole-populations.vocab found (set KEHOACH_RULES); figures are paired only where their populations are written alike")
    }
}
