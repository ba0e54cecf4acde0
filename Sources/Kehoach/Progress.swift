import Foundation
import GRDB

/// Filters of `kehoach query progress`. Names ignore case and diacritics, as in `TargetFilter`.
public struct ProgressFilter: Sendable {
    /// Equal after folding. `khác` is left out unless asked for: its figures are of any kind.
    public var indicator: String?
    public var year: Int?
    /// rate | count | growth | amount
    public var measure: String?
    /// The document's place or province, or part of its issuer's name.
    public var place: String?
    public var places = PlaceFilter()
    /// Only indicators with both a planned and a reported figure.
    public var reportedOnly = false
    public var limit: Int?
    public init(indicator: String? = nil, year: Int? = nil, measure: String? = nil, place: String? = nil,
                places: PlaceFilter = PlaceFilter(), reportedOnly: Bool = false, limit: Int? = nil) {
        self.indicator = indicator; self.year = year; self.measure = measure; self.place = place
        self.places = places; self.reportedOnly = reportedOnly; self.limit = limit
    }
}

/// Plan against actual: which planned figure a reported one answers.
///
/// A planned figure (status `target`) and a reported one (`actual`) are of the same indicator when
/// they agree on all of:
/// - indicator, measure and unit;
/// - population, where "dân số", "lực lượng lao động trong độ tuổi", a table's total row and no
///   population at all are the same (rules/extract/whole-populations.vocab); any other population
///   ("học sinh", "xã Ninh Quới") matches only itself;
/// - place: the province, district and commune the store resolved for the figure (a province's
///   plan does not answer for one of its districts); a figure whose province is unknown is matched
///   only within its own document;
/// - year: the figure's own, else its document's.
/// For each such indicator, place and year the row lists every planned and reported figure with
/// the documents and lines they come from; the gap is the latest report's first figure less the
/// latest plan's figure nearest to it in ratio (documents by their date, figures in a document by
/// line; a plan sets a total and an increase: the report answers the one of its size).
public enum Progress {
    /// Folded spellings of the populations that mean everyone (whole-populations.vocab).
    public static func wholePopulations(rulesDirectory: URL) -> Set<String> {
        let path = rulesDirectory.appendingPathComponent("extract/whole-populations.vocab").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return wholePopulations(vocabulary: text)
    }

    static func wholePopulations(vocabulary text: String) -> Set<String> {
        var out = Set<String>()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            for spelling in line.split(separator: "|") {
                let folded = Store.fold(String(spelling))
                if !folded.isEmpty { out.insert(folded) }
            }
        }
        return out
    }

    /// The standard rules' list (beside the binary, $KEHOACH_RULES or ./rules).
    public static let standardWholePopulations: Set<String> = {
        guard let dir = try? RulesLocator.directory() else { return [] }
        return wholePopulations(rulesDirectory: dir)
    }()

    struct Figure {
        let document: String, number: String?, date: String?
        let indicator: String, measure: String, status: String, unit: String
        let value: Double, population: String?, populationKey: String
        let year: Int?, line: Int
        let commune: String?, district: String?, province: String?
        /// Documents in the order they were issued, undated last; figures in a document by line.
        var order: (String, String, Int) { (date ?? "9999", document, line) }
    }

    struct Key: Hashable {
        let indicator: String, measure: String, unit: String, population: String
        let province: String?, district: String?, commune: String?
        /// Set only when the province is unknown: such a figure is matched within its document.
        let document: String?
        let year: Int?
    }
}

extension Query {
    public static func progress(db path: String, _ f: ProgressFilter,
                                wholePopulations: Set<String> = Progress.standardWholePopulations) throws -> QueryTable {
        var clauses = ["d.status = 'ok'"]
        var args: [DatabaseValueConvertible?] = []
        let other = Store.fold("khác")
        if let v = f.indicator { clauses.append("t.indicator_folded = ?"); args.append(Store.fold(v)) } else {
            clauses.append("t.indicator_folded != ?"); args.append(other)
        }
        if let v = f.year { clauses.append("COALESCE(t.year, d.year) = ?"); args.append(v) }
        if let v = f.measure { clauses.append("t.measure = ?"); args.append(v) }
        if let v = f.place { placeClause(v, &clauses, &args) }
        placesClause(f.places, "t", &clauses, &args)
        let sql = """
            SELECT t.document_path, d.number, d.date, t.indicator, t.measure, t.status, t.unit, t.value,
                   t.population, t.population_folded, COALESCE(t.year, d.year), t.line, t.commune, t.district, t.province
            FROM targets t JOIN documents d ON d.path = t.document_path
            WHERE \(clauses.joined(separator: " AND "))
            """
        let queue = try Store.openReadOnly(path: path)
        let figures: [Progress.Figure] = try queue.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
                let folded: String? = r[9]
                let population = folded.map { wholePopulations.contains($0) ? "" : $0 } ?? ""
                return Progress.Figure(document: r[0], number: r[1], date: r[2], indicator: r[3], measure: r[4], status: r[5], unit: r[6],
                                       value: r[7], population: population.isEmpty ? nil : r[8], populationKey: population,
                                       year: r[10], line: r[11], commune: r[12], district: r[13], province: r[14])
            }
        }
        var groups: [Progress.Key: [Progress.Figure]] = [:]
        for g in figures {
            // a figure of another kind is only comparable where its population names what it counts
            if Store.fold(g.indicator) == other && g.populationKey.isEmpty { continue }
            let key = Progress.Key(indicator: g.indicator, measure: g.measure, unit: g.unit, population: g.populationKey,
                                   province: g.province, district: g.district, commune: g.commune,
                                   document: g.province == nil ? g.document : nil, year: g.year)
            groups[key, default: []].append(g)
        }
        func source(_ g: Progress.Figure) -> String { "\(g.document):\(g.line)" }
        func figure(_ g: Progress.Figure) -> String { QueryValue.number(g.value) + (g.unit == "%" ? "%" : " " + g.unit) }
        var rows: [(sort: [String], values: [QueryValue])] = []
        for (key, all) in groups {
            let planned = all.filter { $0.status == "target" }.sorted { $0.order < $1.order }
            let reported = all.filter { $0.status == "actual" }.sorted { $0.order < $1.order }
            guard !planned.isEmpty else { continue }
            // the first figure of the latest report (a document states its headline figure before
            // the details: "đạt 92,3% …; riêng học sinh 72,4%"), and the latest plan's figure of
            // its order of magnitude (a plan sets the total and the year's increase: 40.660 people
            // in all, 86 more); without a report, the plan's first
            let latestPlan = planned.last!.document
            var actual = reported.last.flatMap { last in reported.first { $0.document == last.document } }
            let candidates = planned.filter { $0.document == latestPlan }
            func distance(_ g: Progress.Figure) -> Double {
                guard let a = actual?.value else { return 0 }
                guard a > 0, g.value > 0 else { return a == g.value ? 0 : .infinity }
                return abs(log(a / g.value))
            }
            let plan = candidates.min { distance($0) < distance($1) }!
            // ten times apart they count different things (a year's increase against the total): no answer
            if distance(plan) > log(10.0) { actual = nil }
            if f.reportedOnly && actual == nil { continue }
            let gap = actual.map { $0.value - plan.value }
            let place = key.commune ?? key.district ?? key.province
            let sample = planned[0]
            rows.append((
                sort: [key.indicator, key.measure, key.province ?? "~", key.district ?? "", key.commune ?? "", key.year.map { String($0) } ?? "", key.population],
                values: [
                    .text(key.indicator), .text(key.measure), sample.population.map { .text($0) } ?? .null,
                    place.map { .text($0) } ?? .null, key.year.map { .integer(Int64($0)) } ?? .null,
                    .real(plan.value), actual.map { .real($0.value) } ?? .null, .text(key.unit),
                    gap.map { .real(($0 * 1000).rounded() / 1000) } ?? .null,
                    // (a figure of another kind may be one to lower: "giảm tỷ lệ hộ nghèo")
                    actual.flatMap { Store.fold($0.indicator) == other ? nil : .text($0.value >= plan.value ? "yes" : "no") } ?? .null,
                    .text(planned.map(figure).joined(separator: "; ")), .text(reported.map(figure).joined(separator: "; ")),
                    .text(planned.map(source).joined(separator: "; ")), .text(reported.map(source).joined(separator: "; ")),
                    key.commune.map { .text($0) } ?? .null, key.district.map { .text($0) } ?? .null, key.province.map { .text($0) } ?? .null,
                ]))
        }
        rows.sort { $0.sort.lexicographicallyPrecedes($1.sort) }
        var values = rows.map(\.values)
        if let limit = f.limit { values = Array(values.prefix(max(0, limit))) }
        var table = QueryTable(columns: ["indicator", "measure", "population", "place", "year", "planned", "actual", "unit", "gap", "reached",
                                         "planned_all", "actual_all", "planned_in", "actual_in", "commune", "district", "province"],
                               rows: values)
        table.hideFirst = ["commune", "district", "province", "planned_all", "actual_all", "population", "measure"]
        return table
    }
}
