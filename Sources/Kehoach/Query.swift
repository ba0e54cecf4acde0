import Foundation
import GRDB
import GRDBSQLite

/// A cell of a query result.
public enum QueryValue: Hashable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .string(let s): self = .text(s)
        case .blob(let b): self = .blob(b)
        }
    }

    /// As text for tables and CSV: numbers in their shortest exact form, null empty.
    public var plain: String {
        switch self {
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d): return QueryValue.number(d)
        case .text(let s): return s
        case .blob(let b): return b.base64EncodedString()
        }
    }

    static func number(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return d.isFinite ? "\(d)" : "null"
    }

    /// Roughly the memory the value holds in a result.
    var heldBytes: Int64 {
        switch self {
        case .text(let s): return 16 + Int64(s.utf8.count)
        case .blob(let b): return 16 + Int64(b.count)
        default: return 16
        }
    }

    var isNumeric: Bool {
        switch self { case .integer, .real: return true; default: return false }
    }
}

/// Rows with named columns, in a fixed order.
public struct QueryTable: Equatable, Sendable {
    public var columns: [String]
    public var rows: [[QueryValue]]
    /// Columns a table fitted to a narrow terminal may leave out, the first first (csv and json
    /// always have them all).
    public var hideFirst: [String] = []
    public init(columns: [String], rows: [[QueryValue]], hideFirst: [String] = []) {
        self.columns = columns; self.rows = rows; self.hideFirst = hideFirst
    }
}

public enum QueryFormat: String, CaseIterable, Sendable {
    case table, csv, json
}

/// Filters of `kehoach query targets`. Names (indicator, place, agency) match whatever their case
/// and diacritics: "bhxh bat buoc" finds "BHXH bắt buộc", "ha noi" finds "Hà Nội".
public struct TargetFilter: Sendable {
    /// Equal after folding.
    public var indicator: String?
    public var year: Int?
    /// target | actual
    public var status: String?
    /// rate | count | growth | amount
    public var measure: String?
    /// The document's place or province, or part of its issuer's name.
    public var place: String?
    /// Part of the name (or an alias) of an agency the document gives a duty.
    public var agency: String?
    /// Where the target is (`PlaceFilter`).
    public var places = PlaceFilter()
    /// Counts per province, district or commune instead of rows.
    public var by: RollUp?
    public var limit: Int?
    public init(indicator: String? = nil, year: Int? = nil, status: String? = nil, measure: String? = nil,
                place: String? = nil, agency: String? = nil, places: PlaceFilter = PlaceFilter(), by: RollUp? = nil, limit: Int? = nil) {
        self.indicator = indicator; self.year = year; self.status = status; self.measure = measure
        self.place = place; self.agency = agency; self.places = places; self.by = by; self.limit = limit
    }
}

/// Resolved places a row must lie in (Store: commune, district, province). Names ignore case,
/// marks and the kind ("Đắk Nông" = "tỉnh Đắk Nông"; "Kon Rẫy" = "huyện Kon Rẫy").
public struct PlaceFilter: Sendable, Equatable {
    /// The province the row lies in, or, for a province formed on 2025-07-01, the province it has
    /// lain in since ("Lâm Đồng" also finds Đắk Nông's and Bình Thuận's rows).
    public var province: String?
    public var district: String?
    public var commune: String?
    public init(province: String? = nil, district: String? = nil, commune: String? = nil) {
        self.province = province; self.district = district; self.commune = commune
    }
}

/// What `--by` counts rows per.
public enum RollUp: String, CaseIterable, Sendable {
    case province
    /// the province since 2025-07-01
    case province2025 = "province-2025"
    case district, commune

    var column: String { self == .province2025 ? "province_2025" : rawValue }
}

public struct DeadlineFilter: Sendable {
    /// Dated deadlines on or before this ISO date ("2025-12-31"); a month "2025-12" counts as
    /// its first day; yearly, monthly and relative deadlines (no year) never match a date bound.
    public var before: String?
    /// Dated deadlines on or after this ISO date.
    public var after: String?
    /// yearly | monthly | quarterly
    public var recurrence: String?
    /// Part of the name of an agency the deadline names.
    public var agency: String?
    public var place: String?
    public var places = PlaceFilter()
    public var by: RollUp?
    public var limit: Int?
    public init(before: String? = nil, after: String? = nil, recurrence: String? = nil, agency: String? = nil,
                place: String? = nil, places: PlaceFilter = PlaceFilter(), by: RollUp? = nil, limit: Int? = nil) {
        self.before = before; self.after = after; self.recurrence = recurrence; self.agency = agency
        self.place = place; self.places = places; self.by = by; self.limit = limit
    }
}

public struct DocumentFilter: Sendable {
    public var place: String?
    /// ok | failed
    public var status: String?
    /// Part of the document kind, folded ("ke hoach").
    public var kind: String?
    public var year: Int?
    public var places = PlaceFilter()
    public var by: RollUp?
    public var limit: Int?
    public init(place: String? = nil, status: String? = nil, kind: String? = nil, year: Int? = nil,
                places: PlaceFilter = PlaceFilter(), by: RollUp? = nil, limit: Int? = nil) {
        self.place = place; self.status = status; self.kind = kind; self.year = year; self.places = places; self.by = by; self.limit = limit
    }
}

/// `kehoach query`: read-only questions to the store. Results are ordered by document path and
/// the item's position in the document, so they do not depend on how the store was filled.
public enum Query {
    public struct Rejected: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func targets(db path: String, _ f: TargetFilter) throws -> QueryTable {
        var clauses: [String] = []
        var args: [DatabaseValueConvertible?] = []
        if let v = f.indicator { clauses.append("t.indicator_folded = ?"); args.append(Store.fold(v)) }
        if let v = f.year { clauses.append("t.year = ?"); args.append(v) }
        if let v = f.status { clauses.append("t.status = ?"); args.append(v) }
        if let v = f.measure { clauses.append("t.measure = ?"); args.append(v) }
        if let v = f.place { placeClause(v, &clauses, &args) }
        if let v = f.agency {
            clauses.append("""
                EXISTS (SELECT 1 FROM agencies a WHERE a.document_path = t.document_path
                        AND (a.name_folded LIKE ? ESCAPE '\\' OR a.aliases_folded LIKE ? ESCAPE '\\'
                             OR kh_agency_key(a.name) LIKE ? ESCAPE '\\' OR kh_agency_key(a.aliases) LIKE ? ESCAPE '\\'))
                """)
            let pattern = contains(v), key = containsKey(v)
            args.append(pattern); args.append(pattern); args.append(key); args.append(key)
            // (a filter of no letters, "%", has no key: it matches no name by key)
        }
        placesClause(f.places, "t", &clauses, &args)
        if let by = f.by {
            let g = "t.\(by.column)"
            return try run(db: path, sql: """
                SELECT \(g) AS \(by.column), t.indicator AS indicator, t.measure AS measure, t.status AS status, t.unit AS unit,
                       COUNT(*) AS targets, COUNT(DISTINCT t.document_path) AS documents, MIN(t.value) AS min, MAX(t.value) AS max
                FROM targets t JOIN documents d ON d.path = t.document_path
                \(whereSQL(clauses))
                GROUP BY \(g), t.indicator, t.measure, t.status, t.unit
                ORDER BY \(g) IS NULL, \(g), t.indicator, t.measure, t.status, t.unit
                \(limitSQL(f.limit))
                """, arguments: args)
        }
        // the place columns come last, so that the columns before them keep their positions
        let sql = """
            SELECT t.document_path AS document, d.number AS number, d.place AS place, t.indicator AS indicator,
                   t.measure AS measure, t.status AS status, t.value AS value, t.unit AS unit,
                   t.population AS population, t.year AS year, t.line AS line, t.text AS text,
                   t.commune AS commune, t.district AS district, t.province AS province, t.province_2025 AS province_2025
            FROM targets t JOIN documents d ON d.path = t.document_path
            \(whereSQL(clauses))
            ORDER BY t.document_path, t.ord
            \(limitSQL(f.limit))
            """
        var table = try run(db: path, sql: sql, arguments: args)
        table.hideFirst = ["commune", "district", "number", "line", "province_2025", "place", "population", "measure"]
        return table
    }

    public static func deadlines(db path: String, _ f: DeadlineFilter) throws -> QueryTable {
        var clauses: [String] = []
        var args: [DatabaseValueConvertible?] = []
        // Dates are periods: "2025-12" is the whole month, "2025" the whole year. A deadline is kept
        // when its period overlaps the asked one: it starts on or before --before's end and ends on
        // or after --after's start.
        if f.before != nil || f.after != nil { clauses.append("x.date IS NOT NULL AND x.date NOT LIKE '-%'") }
        if let v = f.before { clauses.append("\(Self.periodStart("x.date")) <= ?"); args.append(Period.end(v) ?? v) }
        if let v = f.after { clauses.append("\(Self.periodEnd("x.date")) >= ?"); args.append(Period.start(v) ?? v) }
        if let v = f.recurrence { clauses.append("x.recurrence = ?"); args.append(v) }
        if let v = f.agency {
            clauses.append("(x.agencies_folded LIKE ? ESCAPE '\\' OR kh_agency_key(x.agencies) LIKE ? ESCAPE '\\')")
            args.append(contains(v)); args.append(containsKey(v))
        }
        if let v = f.place { placeClause(v, &clauses, &args) }
        placesClause(f.places, "x", &clauses, &args)
        if let by = f.by {
            let g = "x.\(by.column)"
            let dated = "x.date IS NOT NULL AND x.date NOT LIKE '-%'"
            return try run(db: path, sql: """
                SELECT \(g) AS \(by.column), COUNT(*) AS deadlines, COUNT(DISTINCT x.document_path) AS documents,
                       SUM(CASE WHEN \(dated) THEN 1 ELSE 0 END) AS dated,
                       MIN(CASE WHEN \(dated) THEN x.date END) AS earliest, MAX(CASE WHEN \(dated) THEN x.date END) AS latest
                FROM deadlines x JOIN documents d ON d.path = x.document_path
                \(whereSQL(clauses))
                GROUP BY \(g)
                ORDER BY \(g) IS NULL, \(g)
                \(limitSQL(f.limit))
                """, arguments: args)
        }
        let sql = """
            SELECT x.document_path AS document, d.number AS number, d.place AS place, x.date AS date,
                   x.recurrence AS recurrence,
                   (SELECT group_concat(j.value, '; ') FROM json_each(x.agencies) j) AS agencies,
                   x.line AS line, x.text AS text,
                   x.commune AS commune, x.district AS district, x.province AS province, x.province_2025 AS province_2025
            FROM deadlines x JOIN documents d ON d.path = x.document_path
            \(whereSQL(clauses))
            ORDER BY x.document_path, x.ord
            \(limitSQL(f.limit))
            """
        var table = try run(db: path, sql: sql, arguments: args)
        table.hideFirst = ["commune", "district", "number", "line", "province_2025", "place", "recurrence"]
        return table
    }

    public static func documents(db path: String, _ f: DocumentFilter) throws -> QueryTable {
        var clauses: [String] = []
        var args: [DatabaseValueConvertible?] = []
        if let v = f.place { placeClause(v, &clauses, &args) }
        if let v = f.status { clauses.append("d.status = ?"); args.append(v) }
        if let v = f.kind { clauses.append("d.kind_folded LIKE ? ESCAPE '\\'"); args.append(contains(v)) }
        if let v = f.year { clauses.append("d.year = ?"); args.append(v) }
        placesClause(f.places, "d", &clauses, &args)
        if let by = f.by {
            let g = "d.\(by.column)"
            return try run(db: path, sql: """
                SELECT \(g) AS \(by.column), COUNT(*) AS documents, SUM(d.status = 'failed') AS failed,
                       SUM((SELECT COUNT(*) FROM targets t WHERE t.document_path = d.path)) AS targets,
                       SUM((SELECT COUNT(*) FROM deadlines x WHERE x.document_path = d.path)) AS deadlines
                FROM documents d
                \(whereSQL(clauses))
                GROUP BY \(g)
                ORDER BY \(g) IS NULL, \(g)
                \(limitSQL(f.limit))
                """, arguments: args)
        }
        let sql = """
            SELECT d.path AS path, d.status AS status, d.kind AS kind, d.number AS number, d.issuer AS issuer,
                   d.place AS place, d.date AS date, d.title AS title, d.signer AS signer,
                   (SELECT COUNT(*) FROM targets t WHERE t.document_path = d.path) AS targets,
                   (SELECT COUNT(*) FROM deadlines x WHERE x.document_path = d.path) AS deadlines,
                   (SELECT COUNT(*) FROM agencies a WHERE a.document_path = d.path) AS agencies,
                   (SELECT COUNT(*) FROM legal_refs r WHERE r.document_path = d.path) AS refs,
                   d.error_kind AS error_kind, d.error AS error, d.error_offset AS error_offset,
                   d.commune AS commune, d.district AS district, d.province AS province, d.province_2025 AS province_2025,
                   d.commune_2025 AS commune_2025
            FROM documents d
            \(whereSQL(clauses))
            ORDER BY d.path
            \(limitSQL(f.limit))
            """
        var table = try run(db: path, sql: sql, arguments: args)
        table.hideFirst = ["commune_2025", "province_2025", "commune", "district", "error_offset", "refs", "agencies", "deadlines", "signer", "number", "kind", "place", "issuer"]
        return table
    }

    /// Runs one SELECT (or WITH … SELECT) on a read-only connection; anything else is refused
    /// before it reaches SQLite's own read-only guard. At most `limit` rows are read: the statement
    /// stops there, so even an endless recursive query ends. `budget` ends runaway ones.
    public static func sql(db path: String, _ sql: String, limit: Int? = nil, budget: QueryBudget = QueryBudget()) throws -> QueryTable {
        let head = leadingKeyword(sql)
        guard head == "select" || head == "with" else {
            throw Rejected(description: "only SELECT queries are allowed (got \(head.isEmpty ? "nothing" : head.uppercased()))")
        }
        let queue = try Store.openReadOnly(path: path)
        return try queue.read { db in
            disableAddressLeaks(db)
            let statement: Statement
            do {
                let statements = try db.allStatements(sql: sql)
                guard let first = try statements.next() else { throw Rejected(description: "no statement given") }
                // A second statement that does not even compile is still a second statement.
                var more = true
                do { more = try statements.next() != nil } catch {}
                guard !more else {
                    throw Rejected(description: "one statement per call: this text goes on after the first statement ends")
                }
                statement = first
            } catch let error as DatabaseError {
                throw Rejected(description: describe(error))
            }
            guard statement.isReadonly else { throw Rejected(description: "only read-only queries are allowed") }
            return try budget.enforce(on: db) { try table(statement, limit: limit, maxBytes: budget.memoryBytes) }
        }
    }

    /// fts3_tokenizer(name) returns a pointer into the process (and with two arguments installs
    /// one): replaced, for query connections, by a function that refuses.
    static func disableAddressLeaks(_ db: Database) {
        for count in [1, 2] {
            db.add(function: DatabaseFunction("fts3_tokenizer", argumentCount: count, pure: false) { _ in
                throw Rejected(description: "fts3_tokenizer is not available in queries")
            })
        }
    }

    /// What a user is told of a failed query: SQLite's own message, without the library's advice
    /// to programmers or the statement echoed back.
    public static func describe(_ error: Error) -> String {
        guard let error = error as? DatabaseError else { return "\(error)" }
        switch error.resultCode {
        case .SQLITE_INTERRUPT: return "the query was interrupted"
        case .SQLITE_NOMEM: return "the query ran out of memory"
        case .SQLITE_MISUSE: return "the query could not be run"
        default: return "SQL error: " + (error.message ?? "code \(error.resultCode.rawValue)")
        }
    }

    /// The first keyword, comments and white space skipped, in lower case.
    static func leadingKeyword(_ sql: String) -> String {
        var s = Substring(sql)
        while true {
            s = s.drop(while: { $0.isWhitespace || $0 == "(" })
            if s.hasPrefix("--") {
                s = s.drop(while: { $0 != "\n" })
            } else if s.hasPrefix("/*") {
                guard let end = s.range(of: "*/") else { return "" }
                s = s[end.upperBound...]
            } else {
                break
            }
        }
        return String(s.prefix(while: { $0.isLetter })).lowercased()
    }

    static func placeClause(_ place: String, _ clauses: inout [String], _ args: inout [DatabaseValueConvertible?]) {
        let f = Store.fold(place)
        clauses.append("(d.place_folded = ? OR d.province_folded = ? OR d.issuer_folded LIKE ? ESCAPE '\\')")
        args.append(f); args.append(f); args.append(contains(place))
    }

    /// Resolved-place filters on the table aliased `a` (t, x or d), each name compared folded, with
    /// or without its kind.
    static func placesClause(_ f: PlaceFilter, _ a: String, _ clauses: inout [String], _ args: inout [DatabaseValueConvertible?]) {
        if let v = f.province {
            let bare = bareName(v, kinds: ["tinh", "thanh pho", "tp"])
            clauses.append("(\(a).province_folded = ? OR \(a).province_2025_folded = ?)")
            args.append(bare); args.append(bare)
        }
        for (value, column, kinds) in [(f.district, "district", ["huyen", "quan", "thi xa", "thanh pho"]),
                                       (f.commune, "commune", ["xa", "phuong", "thi tran", "dac khu"])] {
            guard let value else { continue }
            let bare = bareName(value, kinds: kinds + (column == "district" ? ["tp", "tx"] : []))
            let full = Store.fold(value)
            clauses.append("\(a).\(column)_folded IN (\(Array(repeating: "?", count: kinds.count + 1).joined(separator: ", ")))")
            // a name given with its kind must be of that kind; one without may be of any
            if full != bare { args.append(full.hasPrefix("tp ") ? "thanh pho " + bare : full.hasPrefix("tx ") ? "thi xa " + bare : full) }
            else { args.append(bare) }
            for k in kinds { args.append(full != bare ? nil : k + " " + bare) }
        }
    }

    /// The folded name without a leading kind word ("tinh dak nong" → "dak nong").
    public static func bareName(_ name: String, kinds: [String]) -> String {
        let f = Store.fold(name)
        for k in kinds where f.hasPrefix(k + " ") { return String(f.dropFirst(k.count + 1)) }
        return f
    }

    /// A LIKE pattern for "contains the body", on agency keys (`Extractor.agencyKey`).
    static func containsKey(_ s: String) -> String {
        let key = Extractor.agencyKey(s)
        guard !key.isEmpty else { return "|" }   // no stored key is "|": nothing matches
        return likeContaining(key)
    }

    /// SQL for the first and last day of a stored date that may be a month ("2025-12") or a year.
    static func periodStart(_ column: String) -> String {
        "(CASE length(\(column)) WHEN 4 THEN \(column) || '-01-01' WHEN 7 THEN \(column) || '-01' ELSE \(column) END)"
    }
    static func periodEnd(_ column: String) -> String {
        "(CASE length(\(column)) WHEN 4 THEN \(column) || '-12-31' WHEN 7 THEN \(column) || '-31' ELSE \(column) END)"
    }

    /// A LIKE pattern for "contains the folded text".
    static func contains(_ text: String) -> String { likeContaining(Store.fold(text)) }

    /// A LIKE pattern (ESCAPE '\\') for "contains `s` literally": its wildcards escaped.
    static func likeContaining(_ s: String) -> String {
        var escaped = ""
        for c in s {
            if c == "\\" || c == "%" || c == "_" { escaped.append("\\") }
            escaped.append(c)
        }
        return "%" + escaped + "%"
    }

    private static func whereSQL(_ clauses: [String]) -> String {
        clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: "\n  AND ")
    }

    private static func limitSQL(_ limit: Int?) -> String {
        limit.map { "LIMIT \(max(0, $0))" } ?? ""
    }

    private static func run(db path: String, sql: String, arguments: [DatabaseValueConvertible?]) throws -> QueryTable {
        let queue = try Store.openReadOnly(path: path)
        return try queue.read { db in
            let statement = try db.makeStatement(sql: sql)
            statement.arguments = StatementArguments(arguments)
            return try table(statement)
        }
    }

    /// The statement's rows, reading no further than `limit` rows; stops when the rows held pass
    /// `maxBytes`, which would otherwise grow without end however little SQLite itself holds.
    static func table(_ statement: Statement, limit: Int? = nil, maxBytes: Int64 = .max) throws -> QueryTable {
        let columns = statement.columnNames
        var rows: [[QueryValue]] = []
        if let limit, limit <= 0 { return QueryTable(columns: columns, rows: rows) }
        let cursor = try Row.fetchCursor(statement)
        var bytes: Int64 = 0
        while let row = try cursor.next() {
            let values = Array(row.databaseValues.map(QueryValue.init))
            bytes += values.reduce(16) { $0 + $1.heldBytes }
            if bytes > maxBytes { throw QueryBudget.Exceeded(description: QueryBudget.memoryMessage(maxBytes)) }
            rows.append(values)
            if let limit, rows.count >= limit { break }
        }
        return QueryTable(columns: columns, rows: rows)
    }

    // MARK: Rendering

    /// `width`: for tables, the columns to fit in (a terminal's); nil prints every cell whole.
    public static func render(_ table: QueryTable, format: QueryFormat, width: Int? = nil) -> String {
        switch format {
        case .json: return renderJSON(table)
        case .csv: return renderCSV(table)
        case .table: return renderTable(table, width: width)
        }
    }

    /// An array of objects, keys in column order, one object per line.
    static func renderJSON(_ table: QueryTable) -> String {
        if table.rows.isEmpty { return "[]\n" }
        var out = "[\n"
        for (i, row) in table.rows.enumerated() {
            out += "  {"
            for (k, value) in row.enumerated() {
                if k > 0 { out += ", " }
                out += jsonString(table.columns[k]) + ": "
                switch value {
                case .null: out += "null"
                case .integer(let n): out += String(n)
                case .real(let d): out += number(d)
                case .text(let s): out += jsonString(s)
                case .blob(let b): out += jsonString(b.base64EncodedString())
                }
            }
            out += i == table.rows.count - 1 ? "}\n" : "},\n"
        }
        return out + "]\n"
    }

    private static func number(_ d: Double) -> String { QueryValue.number(d) }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// RFC 4180: CRLF line ends; fields with comma, quote, CR or LF quoted, quotes doubled.
    static func renderCSV(_ table: QueryTable) -> String {
        func field(_ s: String) -> String {
            if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return s
        }
        var out = table.columns.map(field).joined(separator: ",") + "\r\n"
        for row in table.rows {
            out += row.map { field($0.plain) }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// Aligned columns for reading, numbers right-aligned, each row on one line (line breaks and
    /// tabs in a cell shown as spaces). Without a `width`, every cell is whole. With one, a wider
    /// table is fitted to it (`fit`): columns empty in every row, then those of `hideFirst`, are
    /// left out while the others would
    /// not get their least width (a footer names them), then the widest text columns are narrowed
    /// and their longer cells cut with "…" (paths keep their end: "…/konray-2023-cv.txt");
    /// numbers are never cut.
    static func renderTable(_ table: QueryTable, width: Int? = nil) -> String {
        func cell(_ v: QueryValue) -> String {
            v.plain.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
                .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\t", with: " ")
        }
        let cells = table.rows.map { $0.map(cell) }
        let natural = table.columns.indices.map { k in cells.reduce(table.columns[k].count) { max($0, $1[k].count) } }
        let numeric = table.columns.indices.map { k in
            table.rows.contains { $0[k].isNumeric } && table.rows.allSatisfy { $0[k].isNumeric || $0[k] == .null }
        }
        // columns empty in every row go first: they say nothing
        let empty = table.columns.indices.filter { k in table.rows.allSatisfy { $0[k] == .null || $0[k] == .text("") } }
        let hideable = empty + table.hideFirst.compactMap { table.columns.firstIndex(of: $0) }.filter { !empty.contains($0) }
        let (shown, widths) = fit(natural: natural, headers: table.columns.map(\.count), numeric: numeric, hideFirst: hideable, width: width)
        let pathColumns = Set(["document", "path"])
        func cut(_ s: String, _ w: Int, keepEnd: Bool = false) -> String {
            guard s.count > w else { return s }
            guard w > 1 else { return String(repeating: "…", count: max(0, w)) }
            return keepEnd ? "…" + s.suffix(w - 1) : s.prefix(w - 1) + "…"
        }
        func pad(_ s: String, _ w: Int, right: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return right ? fill + s : s + fill
        }
        func line(_ parts: [String]) -> String {
            var l = parts.joined(separator: "  ")
            while l.hasSuffix(" ") { l.removeLast() }
            return l + "\n"
        }
        var out = line(shown.map { k in pad(cut(table.columns[k], widths[k]), widths[k], right: false) })
        out += line(shown.map { String(repeating: "-", count: widths[$0]) })
        for (r, row) in cells.enumerated() {
            out += line(shown.map { k in
                pad(cut(row[k], widths[k], keepEnd: pathColumns.contains(table.columns[k])), widths[k], right: table.rows[r][k].isNumeric)
            })
        }
        out += "(\(table.rows.count) row\(table.rows.count == 1 ? "" : "s")"
        let hidden = table.columns.indices.filter { !shown.contains($0) }.map { table.columns[$0] }
        if !hidden.isEmpty, let width {
            out += "; not shown in \(width) columns: \(hidden.joined(separator: ", ")); --wide shows all"
        }
        return out + ")\n"
    }

    /// The columns shown and the width of each, for a table `width` characters wide (two spaces
    /// between columns). A column's least width is its header's (at least 6; a narrower column
    /// stays as it is); numbers keep theirs whole. Columns of `hideFirst` are left out, in that
    /// order, while the rest do not fit at their least widths or a text column would get less than
    /// 20 characters. Then every text column is capped at the largest width C that fits and what
    /// is left goes back to the capped columns, left to right. When nothing more can be left out
    /// and the least widths do not fit, text columns go down to 4 characters, headers cut too;
    /// below that the line runs over. Without a width: all, whole.
    static func fit(natural: [Int], headers: [Int], numeric: [Bool], hideFirst: [Int], width: Int?) -> (shown: [Int], widths: [Int]) {
        let all = Array(natural.indices)
        guard let width, !natural.isEmpty else { return (all, natural) }
        func total(_ ws: [Int], _ shown: [Int]) -> Int { shown.reduce(2 * (shown.count - 1)) { $0 + ws[$1] } }
        if total(natural, all) <= width { return (all, natural) }
        let floors = all.map { numeric[$0] ? natural[$0] : min(natural[$0], max(6, headers[$0])) }
        func layout(_ shown: [Int], floors: [Int]) -> [Int]? {
            func capped(_ c: Int) -> [Int] { all.map { numeric[$0] ? natural[$0] : max(floors[$0], min(natural[$0], c)) } }
            guard total(floors, shown) <= width else { return nil }
            var lo = 0, hi = natural.max()!
            while lo < hi {   // the largest cap that fits
                let mid = (lo + hi + 1) / 2
                if total(capped(mid), shown) <= width { lo = mid } else { hi = mid - 1 }
            }
            var ws = capped(lo)
            var spare = width - total(ws, shown)
            for k in shown where spare > 0 && ws[k] < natural[k] {
                let more = min(spare, natural[k] - ws[k])
                ws[k] += more; spare -= more
            }
            return ws
        }
        var shown = all
        var queue = hideFirst
        while true {
            if let ws = layout(shown, floors: floors), shown.allSatisfy({ numeric[$0] || ws[$0] >= min(natural[$0], 20) }) || queue.isEmpty {
                return (shown, ws)
            }
            guard !queue.isEmpty else {
                // nothing more to leave out: headers are cut too, text columns down to 4
                let least = all.map { numeric[$0] ? natural[$0] : min(natural[$0], 4) }
                return (shown, layout(shown, floors: least) ?? least)
            }
            let k = queue.removeFirst()
            shown.removeAll { $0 == k }
        }
    }
}

/// Time and memory one `query sql` statement may use. A query that passes either is stopped and
/// the user told which budget it hit and how to raise it.
public struct QueryBudget: Sendable {
    public var seconds: Double
    /// Bytes SQLite may allocate while the statement runs, and bytes of rows the result may hold.
    public var memoryBytes: Int64

    public init(seconds: Double = 60, memoryBytes: Int64 = 512 << 20) {
        self.seconds = seconds; self.memoryBytes = memoryBytes
    }

    public struct Exceeded: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    static func memoryMessage(_ bytes: Int64) -> String {
        "the query needed more than \(bytes >> 20) MB and was stopped (raise the budget with --max-memory MB, or narrow the query or add --limit N)"
    }

    /// Runs `body` with SQLite checking the clock every few thousand steps (a progress handler)
    /// and refusing allocations past the memory budget (a hard heap limit, process-wide, put back after).
    func enforce<T>(on db: Database, _ body: () throws -> T) throws -> T {
        // the heap limit is the process's: queries that set and put it back one at a time
        sqliteHeapLimitLock.lock()
        defer { sqliteHeapLimitLock.unlock() }
        let clock = QueryClock(ProcessInfo.processInfo.systemUptime + seconds)
        let connection = db.sqliteConnection
        sqlite3_progress_handler(connection, 10_000, { context in
            let clock = Unmanaged<QueryClock>.fromOpaque(context!).takeUnretainedValue()
            if ProcessInfo.processInfo.systemUptime > clock.deadline { clock.expired = true; return 1 }
            return 0
        }, Unmanaged.passUnretained(clock).toOpaque())
        let previousLimit = sqlite3_hard_heap_limit64(memoryBytes)
        defer {
            sqlite3_hard_heap_limit64(previousLimit)
            sqlite3_progress_handler(connection, 0, nil, nil)
        }
        do {
            return try withExtendedLifetime(clock) { try body() }
        } catch let error as DatabaseError where clock.expired || error.resultCode == .SQLITE_INTERRUPT {
            throw Exceeded(description: "the query ran for more than \(QueryValue.number(seconds)) s and was stopped "
                           + "(raise the budget with --timeout SECONDS, or narrow the query or add --limit N)")
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOMEM {
            throw Exceeded(description: Self.memoryMessage(memoryBytes))
        }
    }
}

/// The deadline a progress handler checks, and whether it stopped the query for it.
private final class QueryClock {
    let deadline: Double
    var expired = false
    init(_ deadline: Double) { self.deadline = deadline }
}

/// A date given to a filter: a day, a month or a year, checked, and the days it starts and ends.
public enum Period {
    /// nil when `s` is no valid YYYY, YYYY-MM or YYYY-MM-DD.
    public static func parse(_ s: String) -> (start: String, end: String)? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              parts[0].count == 4, let year = Int(parts[0]), parts.dropFirst().allSatisfy({ $0.count == 2 }) else { return nil }
        if parts.count == 1 { return ("\(parts[0])-01-01", "\(parts[0])-12-31") }
        guard let month = Int(parts[1]), (1...12).contains(month) else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        if parts.count == 2 { return ("\(parts[0])-\(parts[1])-01", "\(parts[0])-\(parts[1])-\(days)") }
        guard let day = Int(parts[2]), (1...days).contains(day) else { return nil }
        return (s, s)
    }
    public static func start(_ s: String) -> String? { parse(s)?.start }
    public static func end(_ s: String) -> String? { parse(s)?.end }
}

/// SQLite's hard heap limit is the process's: `query sql` budgets set and restore it one at a time.
private let sqliteHeapLimitLock = NSLock()
