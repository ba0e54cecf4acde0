import Foundation
import GRDB

/// `kehoach report`: a static HTML summary of a store (figures per indicator, place and year; plan
/// against actual; charts) with the same data as CSV beside it. Charts are inline SVG with their
/// numbers written on them, so the page opens from disk, offline, and reads without colour.
public enum StoreReport {
    public struct Output {
        /// File name → content: index.html and the CSV files.
        public let files: [(name: String, text: String)]
    }

    public static func make(db path: String, wholePopulations: Set<String> = Progress.standardWholePopulations) throws -> Output {
        let queue = try Store.openReadOnly(path: path)
        let (counts, documents, perProvince) = try queue.read { db in
            func table(_ sql: String) throws -> QueryTable { try Query.table(try db.makeStatement(sql: sql)) }
            return (try table("""
                SELECT t.indicator AS indicator, t.status AS status, t.province AS province, COALESCE(t.year, d.year) AS year,
                       COUNT(*) AS figures, COUNT(DISTINCT t.document_path) AS documents
                FROM targets t JOIN documents d ON d.path = t.document_path
                WHERE d.status = 'ok'
                GROUP BY 1, 2, 3, 4
                ORDER BY t.indicator, t.status, t.province IS NULL, t.province, year
                """), try table("""
                SELECT province, COUNT(*) AS documents, SUM(status = 'failed') AS failed,
                       MIN(date) AS first_date, MAX(date) AS last_date
                FROM documents GROUP BY province ORDER BY province IS NULL, province
                """), try table("""
                SELECT COALESCE(t.province, '(unknown)') AS province, COUNT(*) AS targets
                FROM targets t JOIN documents d ON d.path = t.document_path
                WHERE d.status = 'ok' AND t.status = 'target'
                GROUP BY 1 ORDER BY targets DESC, province
                """))
        }
        let progress = try Query.progress(db: path, ProgressFilter(), wholePopulations: wholePopulations)
        let reported = QueryTable(columns: progress.columns, rows: progress.rows.filter { $0[6] != .null })
        let html = page(db: path, counts: counts, documents: documents, perProvince: perProvince, progress: progress, reported: reported)
        return Output(files: [("index.html", html), ("figures.csv", Query.renderCSV(counts)), ("progress.csv", Query.renderCSV(progress)),
                              ("documents.csv", Query.renderCSV(documents)), ("targets-per-province.csv", Query.renderCSV(perProvince))])
    }

    static func escape(_ s: String) -> String { ReviewSite.escape(s) }

    static func htmlTable(_ t: QueryTable, id: String, caption: String, columns: [String]? = nil) -> String {
        let shown = (columns ?? t.columns).compactMap { c in t.columns.firstIndex(of: c).map { (c, $0) } }
        var out = "<table id=\"\(id)\"><caption>\(escape(caption))</caption>\n<thead><tr>"
        out += shown.map { "<th scope=\"col\">\(escape($0.0.replacingOccurrences(of: "_", with: " ")))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in t.rows {
            out += "<tr>" + shown.map { _, i in
                let v = row[i]
                return v.isNumeric ? "<td class=\"n\">\(escape(v.plain))</td>" : "<td>\(escape(v.plain))</td>"
            }.joined() + "</tr>\n"
        }
        if t.rows.isEmpty { out += "<tr><td colspan=\"\(shown.count)\">None in this store.</td></tr>\n" }
        return out + "</tbody>\n</table>\n"
    }

    /// Horizontal bars, one per row: label, bar, number.
    static func barChart(_ rows: [(label: String, value: Double)], id: String, title: String, unit: String) -> String {
        guard let top = rows.map(\.value).max(), top > 0 else { return "<p>No \(escape(unit)) to chart.</p>\n" }
        let rowHeight = 26, labelWidth = 190, barWidth = 420, height = rows.count * rowHeight + 10
        var svg = "<svg id=\"\(id)\" role=\"img\" aria-labelledby=\"\(id)-title\" width=\"\(labelWidth + barWidth + 80)\" height=\"\(height)\" viewBox=\"0 0 \(labelWidth + barWidth + 80) \(height)\">\n"
        svg += "<title id=\"\(id)-title\">\(escape(title))</title>\n"
        for (i, r) in rows.enumerated() {
            let y = i * rowHeight + 5, w = max(1, Int((r.value / top * Double(barWidth)).rounded()))
            svg += "<g class=\"bar\"><title>\(escape(r.label)): \(QueryValue.number(r.value)) \(escape(unit))</title>"
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 17)\" text-anchor=\"end\">\(escape(r.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(w)\" height=\"\(rowHeight - 8)\" fill=\"#2b5d9b\"></rect>"
            svg += "<text x=\"\(labelWidth + w + 6)\" y=\"\(y + 17)\">\(QueryValue.number(r.value))</text></g>\n"
        }
        return svg + "</svg>\n"
    }

    /// A bar per indicator and place: the reported figure against the planned one (the plan's mark).
    static func progressBars(_ t: QueryTable) -> String {
        func col(_ name: String) -> Int { t.columns.firstIndex(of: name)! }
        var out = "<ul class=\"progress\" aria-label=\"Reported against planned\">\n"
        for row in t.rows {
            guard let p = Double(row[col("planned")].plain), let a = Double(row[col("actual")].plain), p > 0 else { continue }
            let unit = row[col("unit")].plain, place = row[col("place")].plain, year = row[col("year")].plain
            let what = [row[col("indicator")].plain, row[col("measure")].plain, row[col("population")].plain].filter { !$0.isEmpty }.joined(separator: " · ")
            let share = a / p, reached = a >= p
            let scale = max(1.0, share)   // the bar's full width is the larger of plan and actual
            let label = "\(what), \(place) \(year): \(QueryValue.number(a))\(unit == "%" ? "%" : " " + unit) reported of \(QueryValue.number(p))\(unit == "%" ? "%" : " " + unit) planned (\(Int((share * 100).rounded()))%)"
            out += "<li><span class=\"what\">\(escape(label))</span>"
            out += "<span class=\"track\" role=\"meter\" aria-valuemin=\"0\" aria-valuemax=\"\(QueryValue.number(p))\" aria-valuenow=\"\(QueryValue.number(a))\" aria-label=\"\(escape(label))\">"
            out += "<span class=\"fill \(reached ? "reached" : "short")\" style=\"width: \(String(format: "%.1f", share / scale * 100))%\"></span>"
            out += "<span class=\"plan\" style=\"left: \(String(format: "%.1f", 1 / scale * 100))%\" title=\"planned\"></span></span>"
            out += "<span class=\"verdict\">\(reached ? "reached" : "short by \(QueryValue.number(((p - a) * 1000).rounded() / 1000))")</span></li>\n"
        }
        return out + "</ul>\n"
    }

    static func page(db: String, counts: QueryTable, documents: QueryTable, perProvince: QueryTable, progress: QueryTable, reported: QueryTable) -> String {
        let docCount = documents.rows.reduce(0) { $0 + (Int($1[1].plain) ?? 0) }
        let provinces = perProvince.rows.map { (label: $0[0].plain, value: Double($0[1].plain) ?? 0) }
        let style = """
            body { font: 16px/1.5 "Noto Serif", "Liberation Serif", serif; color: #1a1a1a; margin: 1rem 1.5rem 3rem; max-width: 72rem; }
            h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
            table { border-collapse: collapse; margin: .5rem 0; } caption { text-align: left; font-weight: bold; padding: .25rem 0; }
            th, td { border-bottom: 1px solid #d0d0d0; padding: .15rem .6rem; text-align: left; vertical-align: top; } td.n { text-align: right; }
            svg text { font: 13px sans-serif; fill: #1a1a1a; }
            ul.progress { list-style: none; padding: 0; } ul.progress li { margin: .6rem 0; }
            .what { display: block; }
            .track { position: relative; display: inline-block; width: 28rem; height: 1rem; background: #e6e6e6; vertical-align: middle; }
            .fill { position: absolute; left: 0; top: 0; bottom: 0; } .fill.reached { background: #1e6b30; } .fill.short { background: #a65e00; }
            .plan { position: absolute; top: -.2rem; bottom: -.2rem; width: 3px; margin-left: -1px; background: #1a1a1a; }
            .verdict { margin-left: .6rem; }
            a:focus { outline: 3px solid #0b57d0; }
            """
        return ReviewSite.head(title: "kehoach report — \((db as NSString).lastPathComponent)", style: style) + """
            <body>
            <main>
            <h1>Report of \(escape((db as NSString).lastPathComponent))</h1>
            <p>\(docCount) documents; \(counts.rows.reduce(0) { $0 + (Int($1[4].plain) ?? 0) }) figures; \(reported.rows.count) planned figures with a reported one beside them.
            The same data as CSV: <a href="figures.csv">figures.csv</a>, <a href="progress.csv">progress.csv</a>, <a href="documents.csv">documents.csv</a>, <a href="targets-per-province.csv">targets-per-province.csv</a>.</p>
            <h2 id="progress">Reported against planned</h2>
            <p>Each bar is the reported figure; the black mark is the plan (matching rule: <code>kehoach query progress --help</code>).</p>
            \(progressBars(reported))
            \(htmlTable(progress, id: "progress-table", caption: "Plan against actual, every planned figure",
                        columns: ["indicator", "measure", "population", "place", "year", "planned", "actual", "unit", "gap", "reached", "planned_in", "actual_in"]))
            <h2 id="per-province">Planned figures per province</h2>
            \(barChart(provinces, id: "targets-per-province", title: "Planned figures (status target) per province", unit: "planned figures"))
            <h2 id="figures">Figures per indicator, place and year</h2>
            \(htmlTable(counts, id: "figures-table", caption: "Figures per indicator, status, province and year"))
            <h2 id="documents">Documents per province</h2>
            \(htmlTable(documents, id: "documents-table", caption: "Documents per province (failed: files that could not be read)"))
            </main>
            </body>
            </html>

            """
    }
}
