import Foundation

/// Spec cases for extraction (rules/extract/cases/*.cases): short passages of real text, each with the
/// exact entities of one kind the contract (docs/extraction.md, corpus/dev/ANNOTATION-NOTES.md) says it
/// holds, kept as data the way Duckling and Recognizers-Text keep theirs. `kehoach rules check` runs
/// them: a case that fails is an error unless it is marked `pending:` (a known gap of the extractor);
/// a pending case that passes is reported so that its mark can go. The format is described in
/// rules/extract/cases/README.md.
public enum ExtractCases {
    /// The kinds of entity a cases file can hold; the file is named after its kind.
    public static let kinds = ["targets", "deadlines", "agencies", "references", "document"]

    public struct Case: Sendable, Equatable {
        public let file: String
        /// Line of the case's first `>` line.
        public let line: Int
        public let kind: String
        public var passage: [String]
        /// Lines of the document the passage is read in (its kind, place and date: "BÁO CÁO",
        /// "Bát Xát, ngày 15 tháng 10 năm 2024"), extracted before the passage, as a reference time is
        /// given to a Duckling case: whether "Năm 2024, …" reports or plans depends on the year of the document.
        public var context: [String] = []
        /// Expected entities in compact form, normalized; empty for `= nothing`.
        public var expected: [String]
        public var pending: String?
        /// The expected entities as written in the file, for messages.
        public var written: [String] = []
    }

    public struct Outcome: Sendable {
        public let testCase: Case
        /// The output's entities of the case's kind as a case would write them.
        public let actual: [String]
        public let passed: Bool
        /// Expected entities not found (compared form) and output entities not expected (as written).
        public var missing: [String] = [], extra: [String] = []
    }

    /// Parses one cases file. `kind` comes from the file name (targets.cases → "targets").
    public static func parse(text: String, file: String, kind: String) -> (cases: [Case], problems: [RuleDiagnostic]) {
        var cases: [Case] = [], problems: [RuleDiagnostic] = []
        var current: Case?
        var context: [String] = []
        var sawExpectation = false, malformed = false
        func flush(_ n: Int) {
            defer { malformed = false }
            if let c = current {
                if malformed { current = nil; sawExpectation = false; return }
                if !sawExpectation {
                    problems.append(RuleDiagnostic(file: file, line: c.line, message: "case has no '=' line (write '= nothing' for a passage that must yield none)"))
                } else {
                    cases.append(c)
                }
            }
            current = nil; sawExpectation = false
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        for (i, raw) in lines.enumerated() {
            let n = i + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { flush(n); continue }
            if line.hasPrefix("#") { continue }
            if raw.hasPrefix(">") {
                let text = String(raw.dropFirst()).hasPrefix(" ") ? String(raw.dropFirst(2)) : String(raw.dropFirst())
                if current != nil && sawExpectation { flush(n) }
                if current == nil {
                    current = Case(file: file, line: n, kind: kind, passage: [], expected: [], pending: nil)
                    current!.context = context; context = []
                }
                current!.passage.append(Normalize.nfc(text))
            } else if line.hasPrefix("=") {
                guard current != nil else {
                    problems.append(RuleDiagnostic(file: file, line: n, message: "'=' line with no passage ('>' lines) before it")); continue
                }
                let body = line.dropFirst().trimmingCharacters(in: .whitespaces)
                if body == "nothing" {
                    if !current!.expected.isEmpty { problems.append(RuleDiagnostic(file: file, line: n, message: "'= nothing' in a case that expects entities")) }
                    sawExpectation = true
                    continue
                }
                switch normalize(kind: kind, Normalize.nfc(body)) {
                case .success(let s):
                    current!.expected.append(s); current!.written.append(Normalize.nfc(body)); sawExpectation = true
                case .failure(let e):
                    // Reported here; the case is dropped rather than run with half its expectations.
                    problems.append(RuleDiagnostic(file: file, line: n, message: e.message))
                    sawExpectation = true; malformed = true
                }
            } else if line.hasPrefix("pending:") {
                guard current != nil else {
                    problems.append(RuleDiagnostic(file: file, line: n, message: "'pending:' with no case before it")); continue
                }
                let reason = line.dropFirst("pending:".count).trimmingCharacters(in: .whitespaces)
                if reason.isEmpty { problems.append(RuleDiagnostic(file: file, line: n, message: "'pending:' needs a reason")) }
                current!.pending = reason
            } else if line.hasPrefix("context:") {
                if current != nil && sawExpectation { flush(n) }
                let text = line.dropFirst("context:".count).trimmingCharacters(in: .whitespaces)
                if current != nil { current!.context.append(Normalize.nfc(text)) } else { context.append(Normalize.nfc(text)) }
            } else if line.hasPrefix("@") {
                continue  // where the passage comes from
            } else {
                problems.append(RuleDiagnostic(file: file, line: n, message: "expected '>' (passage), '=' (entity), 'context: line', 'pending: reason', '@ source' or '#' comment, got '\(line.prefix(40))'"))
            }
        }
        flush(lines.count + 1)
        return (cases, problems)
    }

    struct FormError: Error { let message: String }

    static func fields(_ s: String) -> [String] {
        s.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A value as the cases write it: no trailing zeros, no exponent.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        var s = String(format: "%.6f", v)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    static func nullable(_ s: String) -> String { s.isEmpty || s == "null" ? "null" : s }

    /// The compact form written in a case, checked and brought to the form `compact` gives outputs.
    static func normalize(kind: String, _ s: String) -> Result<String, FormError> {
        let f = fields(s)
        switch kind {
        case "targets":
            guard f.count == 5 else { return .failure(FormError(message: "a target is 'indicator | measure | status | value | unit', got '\(s)'")) }
            guard ["rate", "count", "growth", "amount"].contains(f[1]) else { return .failure(FormError(message: "measure '\(f[1])' is not rate, count, growth or amount")) }
            guard ["target", "actual"].contains(f[2]) else { return .failure(FormError(message: "status '\(f[2])' is not target or actual")) }
            guard let v = Double(f[3]) else { return .failure(FormError(message: "value '\(f[3])' is not a number (write 99.6, 1860000000)")) }
            return .success(target(f[0], f[1], f[2], v, f[4]))
        case "deadlines":
            guard f.count <= 2, !f[0].isEmpty else { return .failure(FormError(message: "a deadline is 'date' or 'date | recurrence', got '\(s)'")) }
            return .success(deadline(nullable(f[0]), f.count > 1 ? nullable(f[1]) : "null"))
        case "agencies":
            guard f.count == 2, !f[0].isEmpty else { return .failure(FormError(message: "an agency is 'name | role', got '\(s)'")) }
            guard ["lead", "support", "assigned"].contains(f[1]) else { return .failure(FormError(message: "role '\(f[1])' is not lead, support or assigned")) }
            return .success(agency(f[0], f[1]))
        case "references":
            guard f.count == 3, !f[1].isEmpty else { return .failure(FormError(message: "a reference is 'kind | number | date', got '\(s)'")) }
            return .success(reference(f[0], f[1], nullable(f[2])))
        case "document":
            guard let colon = s.firstIndex(of: ":") else { return .failure(FormError(message: "a document field is 'field: value', got '\(s)'")) }
            let field = s[..<colon].trimmingCharacters(in: .whitespaces)
            let value = s[s.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard ["kind", "number", "date", "issuer"].contains(field) else { return .failure(FormError(message: "document field '\(field)' is not kind, number, date or issuer")) }
            return .success(document(field, nullable(value)))
        default:
            return .failure(FormError(message: "unknown kind '\(kind)'"))
        }
    }

    // The forms compared: what the scorer compares, plus the field it reports beside (measure, role, date…).
    static func target(_ indicator: String, _ measure: String, _ status: String, _ value: Double, _ unit: String) -> String {
        "\(indicator) | \(measure) | \(status) | \(number(value)) | \(unit)"
    }
    static func deadline(_ date: String, _ recurrence: String) -> String { recurrence == "null" ? date : "\(date) | \(recurrence)" }
    static func agency(_ name: String, _ role: String) -> String { "\(ExtractMetric.foldName(name)) | \(role)" }
    static func reference(_ kind: String, _ number: String, _ date: String) -> String { "\(kind) | \(ExtractMetric.fold(number)) | \(date)" }
    static func document(_ field: String, _ value: String) -> String {
        if value == "null" { return "\(field): null" }
        switch field {
        case "issuer": return "issuer: \(ExtractMetric.foldName(value))"
        case "number": return "number: \(ExtractMetric.fold(value))"
        default: return "\(field): \(value)"
        }
    }

    /// The output's entities of one kind in the compared form (for `document`, every field).
    public static func compact(kind: String, _ r: ExtractionResult) -> [String] {
        switch kind {
        case "targets": return r.targets.map { target($0.indicator, $0.measure, $0.status, $0.value, $0.unit) }
        case "deadlines": return r.deadlines.map { deadline($0.date ?? "null", $0.recurrence ?? "null") }
        case "agencies": return r.agencies.map { agency($0.name, $0.role) }
        case "references": return r.references.map { reference($0.kind, $0.number, $0.date ?? "null") }
        case "document":
            let d = r.document
            return [document("kind", d.kind ?? "null"), document("number", d.number ?? "null"),
                    document("date", d.date ?? "null"), document("issuer", d.issuer ?? "null")]
        default: return []
        }
    }

    /// The output's entities as a case would be written (names as output, not folded), for pending notes.
    public static func readable(kind: String, _ r: ExtractionResult) -> [String] {
        switch kind {
        case "targets": return r.targets.map { target($0.indicator, $0.measure, $0.status, $0.value, $0.unit) }
        case "agencies": return r.agencies.map { "\($0.name) | \($0.role)" }
        case "references": return r.references.map { "\($0.kind) | \($0.number) | \($0.date ?? "null")" }
        case "document":
            let d = r.document
            return ["kind: \(d.kind ?? "null")", "number: \(d.number ?? "null")", "date: \(d.date ?? "null")", "issuer: \(d.issuer ?? "null")"]
        default: return compact(kind: kind, r)
        }
    }

    /// Whether the output is exactly the case's entities (as sets; for `document`, the fields listed).
    public static func passes(_ c: Case, _ r: ExtractionResult) -> Bool {
        let actual = compact(kind: c.kind, r)
        if c.kind == "document" {
            return c.expected.allSatisfy(actual.contains)
        }
        return Set(actual) == Set(c.expected)
    }

    /// Runs every case through the extractor, each passage on its own as restored text.
    public static func run(_ cases: [Case], extractor: Extractor) -> [Outcome] {
        cases.map { c in
            // a blank line after the context, as after a document's header, so that no sentence runs into it
            let text = (c.context.isEmpty ? c.passage : c.context + [""] + c.passage).joined(separator: "\n") + "\n"
            let r = extractor.extract(text: text, path: "case.txt", sha256: "")
            let compared = compact(kind: c.kind, r), written = readable(kind: c.kind, r)
            var o = Outcome(testCase: c, actual: written, passed: passes(c, r))
            o.missing = zip(c.expected, c.written).filter { !compared.contains($0.0) }.map(\.1)
            if c.kind != "document" {
                o.extra = zip(compared, written).filter { !c.expected.contains($0.0) }.map(\.1)
            }
            return o
        }
    }

    /// The cases files of a directory (rules/extract/cases), parsed; `files` are (name relative to the
    /// extract directory, text).
    public static func load(files: [(name: String, text: String)]) -> (cases: [Case], problems: [RuleDiagnostic]) {
        var cases: [Case] = [], problems: [RuleDiagnostic] = []
        for f in files {
            let base = ((f.name as NSString).lastPathComponent as NSString).deletingPathExtension
            guard kinds.contains(base) else {
                problems.append(RuleDiagnostic(file: f.name, line: 1, message: "a cases file is named after its kind (\(kinds.map { $0 + ".cases" }.joined(separator: ", ")))"))
                continue
            }
            let (c, p) = parse(text: f.text, file: f.name, kind: base)
            cases += c; problems += p
        }
        return (cases, problems)
    }

    /// Diagnostics for `rules check`: an error per failing case not marked pending, a warning per
    /// pending case that now passes, and a summary warning-free count in none.
    public static func diagnostics(_ outcomes: [Outcome]) -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        for o in outcomes {
            let c = o.testCase
            let want = c.written.isEmpty ? "nothing" : c.written.joined(separator: "; ")
            let got = o.actual.isEmpty ? "nothing" : o.actual.joined(separator: "; ")
            if !o.passed && c.pending == nil {
                out.append(RuleDiagnostic(file: c.file, line: c.line, message: "case fails: '\(c.passage.joined(separator: " / ").prefix(80))' expected \(want), got \(got)"))
            } else if o.passed, c.pending != nil {
                out.append(RuleDiagnostic(file: c.file, line: c.line, severity: .warning, message: "pending case now passes (remove its 'pending:' line, or run rules check --rebalance)"))
            }
        }
        return out
    }

    /// What a failing case lacks and has too much, for a pending mark: "misses X; also gives Y".
    static func failure(_ o: Outcome) -> String {
        var parts: [String] = []
        if !o.missing.isEmpty { parts.append("misses " + o.missing.joined(separator: "; ")) }
        if !o.extra.isEmpty { parts.append("also gives " + o.extra.joined(separator: "; ")) }
        if o.testCase.kind == "document" { parts.append("gives " + o.actual.joined(separator: "; ")) }
        return parts.isEmpty ? "fails" : parts.joined(separator: "; ")
    }

    /// A cases file rewritten so that its marks match the outcomes: the `pending:` line of a passing case
    /// removed, a failing case not pending marked `pending: misses …; also gives …` (for review: the expectation
    /// may be right and the extractor wrong, or the case wrong).
    public static func rebalance(text: String, outcomes: [Outcome]) -> String {
        var byLine: [Int: Outcome] = [:]
        for o in outcomes { byLine[o.testCase.line] = o }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Walk cases from the end so that insertions and removals keep earlier line numbers valid.
        for (start, o) in byLine.sorted(by: { $0.key > $1.key }) {
            var end = start - 1  // index of the case's last non-blank line
            var pendingIndex: Int?
            var i = start - 1
            while i < lines.count {
                let t = lines[i].trimmingCharacters(in: .whitespaces)
                if t.isEmpty { break }
                if i > start - 1, t.hasPrefix(">"), lines[i - 1].trimmingCharacters(in: .whitespaces).hasPrefix("=") { break }
                if t.hasPrefix("pending:") { pendingIndex = i }
                end = i
                i += 1
            }
            if o.passed, let p = pendingIndex {
                lines.remove(at: p)
            } else if !o.passed, pendingIndex == nil {
                lines.insert("pending: " + failure(o), at: end + 1)
            }
        }
        return lines.joined(separator: "\n")
    }
}
