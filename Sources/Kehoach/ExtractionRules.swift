import Foundation

/// The extraction rules: PCRE2 patterns and vocabularies read from `rules/extract/`.
///
/// File formats (see rules/extract/README.md):
///
/// `*.vocab` — one entry a line: `canonical | other spelling | other spelling`; `#` starts a comment.
///
/// `*.rules` — blocks of
/// ```
/// pattern deadline.yearly            # id: category.name
///   truoc\s+ngay\s+(?<d>\d{1,2})/(?<m>\d{1,2})\s+hang\s+nam    # indented lines: the pattern
/// set recurrence=yearly              # constant attributes the code reads
/// + trước ngày 30/11 hằng năm => d=30; m=11    # must match, with these group values
/// - trước ngày 30/11/2023                     # must not match
/// ```
/// Patterns run on folded text (lower case, no diacritics, đ → d), so they are written that way;
/// `{vocab-name}` inserts the alternation of every spelling in `vocab-name.vocab`.
public struct ExtractionRules: Sendable {
    public struct Example: Sendable {
        public let line: Int
        public let input: String
        public let mustMatch: Bool
        public let expected: [(String, String)]
    }

    public struct Rule: Sendable {
        public let id: String
        public let file: String
        public let line: Int
        public let pattern: Pattern
        public let attributes: [String: String]
        public let examples: [Example]
        public var category: String { String(id.prefix(while: { $0 != "." })) }
    }

    public struct Vocabulary: Sendable {
        public let name: String
        public let file: String
        /// (canonical form, every spelling folded, line)
        public let entries: [(canonical: String, spellings: [String], line: Int)]
        let byFolded: [String: String]
        /// Every spelling as written (NFC, lower case).
        public let written: Set<String>

        init(name: String, file: String, entries: [(canonical: String, spellings: [String], line: Int)], written: Set<String> = []) {
            self.name = name; self.file = file; self.entries = entries; self.written = written
            var m: [String: String] = [:]
            for e in entries { for s in e.spellings { m[s] = m[s] ?? e.canonical } }
            byFolded = m
        }

        /// The canonical form of a spelling (folded before lookup, spaces collapsed).
        public func canonical(_ text: String) -> String? { byFolded[ExtractionRules.key(text)] }

        /// Regex alternation of every spelling, longest first, spaces as \s+.
        public var alternation: String {
            let all = Set(entries.flatMap(\.spellings)).sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
            return "(?:" + all.map(ExtractionRules.regexLiteral).joined(separator: "|") + ")"
        }
    }

    /// Loading failed: every problem found, by file and line.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let diagnostics: [RuleDiagnostic]
        public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
    }

    public let rules: [Rule]
    public let vocabularies: [String: Vocabulary]
    /// Names of Vietnam's administrative units by kind ("huyen" → ["Kỳ Sơn", …]), from
    /// restore/places.txt beside the extraction rules: a header's place name the OCR damaged is put
    /// right against them (`Extractor.gazetteerName`). Empty when the file is not there.
    public var places: [String: [String]] = [:]

    public func rules(_ category: String) -> [Rule] { rules.filter { $0.category == category } }
    public func rule(_ id: String) -> Rule? { rules.first { $0.id == id } }
    public func vocabulary(_ name: String) -> Vocabulary {
        vocabularies[name] ?? Vocabulary(name: name, file: "", entries: [])
    }

    /// Reads every `*.vocab` and `*.rules` file of `rulesDirectory/extract` (or of `rulesDirectory`
    /// itself when it has no `extract` folder). Throws `LoadError` naming file and line for a bad
    /// line, an unknown vocabulary, or a pattern PCRE2 refuses.
    public static func load(rulesDirectory: URL) throws -> ExtractionRules {
        var dir = rulesDirectory.appendingPathComponent("extract")
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) || !isDir.boolValue { dir = rulesDirectory }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        var files: [(name: String, text: String)] = []
        for name in names where name.hasSuffix(".rules") || name.hasSuffix(".vocab") {
            let path = dir.appendingPathComponent(name).path
            do {
                files.append((name, try TextInput.read(path: path, encoding: .utf8)))   // rule files are UTF-8, never guessed
            } catch {
                throw LoadError(diagnostics: [RuleDiagnostic(file: path, line: 0, message: "\(error)")])
            }
        }
        if files.isEmpty {
            throw LoadError(diagnostics: [RuleDiagnostic(file: dir.path, line: 0, message: "no .rules or .vocab files")])
        }
        let (rules, diagnostics) = parse(files: files)
        if var rules, !diagnostics.contains(where: { $0.severity == .error }) {
            let placesFile = dir.deletingLastPathComponent().appendingPathComponent("restore/places.txt")
            if let text = try? String(contentsOf: placesFile, encoding: .utf8) { rules.places = placeNames(text) }
            return rules
        }
        throw LoadError(diagnostics: diagnostics)
    }

    /// places.txt's lines ("huyện Kỳ Sơn") by the folded word of their kind.
    static func placeNames(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        let kinds = ["thành phố", "thị xã", "thị trấn", "tỉnh", "huyện", "quận", "xã", "phường", "đặc khu"]
        for raw in lines(text) {
            let line = Normalize.nfc(stripComment(raw).trimmingCharacters(in: .whitespaces))
            guard let kind = kinds.first(where: { line.hasPrefix($0 + " ") }) else { continue }
            out[key(kind), default: []].append(String(line.dropFirst(kind.count + 1)))
        }
        return out
    }

    /// Parses rule and vocabulary texts given in memory (`name` ends in .rules or .vocab).
    /// Returns the rules (nil when there were errors) and every diagnostic.
    public static func parse(files: [(name: String, text: String)]) -> (ExtractionRules?, [RuleDiagnostic]) {
        var diagnostics: [RuleDiagnostic] = []
        var vocabularies: [String: Vocabulary] = [:]
        for (name, text) in files where name.hasSuffix(".vocab") {
            var entries: [(canonical: String, spellings: [String], line: Int)] = []
            var written = Set<String>()
            for (i, raw) in lines(text).enumerated() {
                let line = stripComment(raw).trimmingCharacters(in: .whitespaces)
                if line.isEmpty { continue }
                let parts = line.split(separator: "|").map { Normalize.nfc($0.trimmingCharacters(in: .whitespaces)) }
                if parts.contains(where: \.isEmpty) {
                    diagnostics.append(RuleDiagnostic(file: name, line: i + 1, message: "empty spelling in '\(line)'"))
                    continue
                }
                var spellings: [String] = []
                for p in parts { written.insert(Normalize.lowercased(p)) }
                for p in parts where !spellings.contains(key(p)) { spellings.append(key(p)) }
                entries.append((parts[0], spellings, i + 1))
            }
            let vname = String(name.dropLast(".vocab".count))
            vocabularies[vname] = Vocabulary(name: vname, file: name, entries: entries, written: written)
        }
        var rules: [Rule] = []
        var seen: [String: String] = [:]
        let placeholder = try! Pattern(#"\{([a-z][a-z0-9_-]*)\}"#, caseless: false)
        for (name, text) in files where name.hasSuffix(".rules") {
            struct Block {
                var id: String; var line: Int; var source = ""; var attributes: [String: String] = [:]
                var examples: [Example] = []
            }
            var current: Block?
            func finish() {
                guard let b = current else { return }
                current = nil
                if b.source.isEmpty {
                    diagnostics.append(RuleDiagnostic(file: name, line: b.line, message: "pattern \(b.id) has no pattern lines"))
                    return
                }
                if !b.examples.contains(where: \.mustMatch) {
                    diagnostics.append(RuleDiagnostic(file: name, line: b.line, severity: .warning, message: "pattern \(b.id) has no '+' example"))
                }
                // Expand {vocabulary} placeholders.
                var expanded = ""
                var last = 0
                var ok = true
                for m in placeholder.matches(in: b.source) {
                    let vname = Pattern.substring(b.source, m.groups[1]!)
                    guard let v = vocabularies[vname] else {
                        diagnostics.append(RuleDiagnostic(file: name, line: b.line, message: "pattern \(b.id): no vocabulary '\(vname).vocab' for {\(vname)}"))
                        ok = false
                        continue
                    }
                    expanded += Pattern.substring(b.source, last..<m.range.lowerBound) + v.alternation
                    last = m.range.upperBound
                }
                expanded += Pattern.substring(b.source, last..<b.source.utf8.count)
                guard ok else { return }
                do {
                    let p = try Pattern(expanded)
                    rules.append(Rule(id: b.id, file: name, line: b.line, pattern: p, attributes: b.attributes, examples: b.examples))
                } catch let e as Pattern.CompileError {
                    diagnostics.append(RuleDiagnostic(file: name, line: b.line, message: "pattern \(b.id): \(e.message) (at offset \(e.offset) of the expanded pattern)"))
                } catch {
                    diagnostics.append(RuleDiagnostic(file: name, line: b.line, message: "pattern \(b.id): \(error)"))
                }
            }
            for (i, raw) in lines(text).enumerated() {
                let n = i + 1
                if raw.trimmingCharacters(in: .whitespaces).isEmpty || raw.hasPrefix("#") { continue }
                if raw.hasPrefix("pattern ") {
                    finish()
                    let id = stripComment(String(raw.dropFirst(8))).trimmingCharacters(in: .whitespaces)
                    if id.isEmpty || id.contains(" ") || !id.contains(".") {
                        diagnostics.append(RuleDiagnostic(file: name, line: n, message: "pattern id must be category.name, got '\(id)'"))
                    } else if let other = seen[id] {
                        diagnostics.append(RuleDiagnostic(file: name, line: n, message: "pattern id \(id) already used at \(other)"))
                    }
                    seen[id] = "\(name):\(n)"
                    current = Block(id: id, line: n)
                } else if raw.hasPrefix(" ") || raw.hasPrefix("\t") {
                    guard current != nil else {
                        diagnostics.append(RuleDiagnostic(file: name, line: n, message: "pattern text outside a 'pattern ID' block"))
                        continue
                    }
                    current!.source += raw.trimmingCharacters(in: .whitespaces)
                } else if raw.hasPrefix("set ") {
                    guard current != nil else {
                        diagnostics.append(RuleDiagnostic(file: name, line: n, message: "'set' outside a 'pattern ID' block")); continue
                    }
                    for kv in stripComment(String(raw.dropFirst(4))).split(separator: ";") {
                        let parts = kv.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                        if parts.count == 2 { current!.attributes[parts[0]] = parts[1] } else {
                            diagnostics.append(RuleDiagnostic(file: name, line: n, message: "'set' wants name=value, got '\(kv)'"))
                        }
                    }
                } else if raw.hasPrefix("+ ") || raw.hasPrefix("- ") {
                    guard current != nil else {
                        diagnostics.append(RuleDiagnostic(file: name, line: n, message: "example outside a 'pattern ID' block")); continue
                    }
                    let body = String(raw.dropFirst(2))
                    if raw.hasPrefix("+ ") {
                        var input = body
                        var expected: [(String, String)] = []
                        if let arrow = body.range(of: " => ") {
                            input = String(body[..<arrow.lowerBound])
                            for kv in body[arrow.upperBound...].split(separator: ";") {
                                let parts = kv.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                                if parts.count == 2 { expected.append((parts[0], Normalize.nfc(parts[1]))) } else {
                                    diagnostics.append(RuleDiagnostic(file: name, line: n, message: "expected values are group=value; got '\(kv)'"))
                                }
                            }
                        }
                        current!.examples.append(Example(line: n, input: Normalize.nfc(input), mustMatch: true, expected: expected))
                    } else {
                        current!.examples.append(Example(line: n, input: Normalize.nfc(body), mustMatch: false, expected: []))
                    }
                } else {
                    diagnostics.append(RuleDiagnostic(file: name, line: n, message: "unrecognised line (want 'pattern ID', indented pattern, 'set', '+ example' or '- example')"))
                }
            }
            finish()
        }
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return (hasErrors ? nil : ExtractionRules(rules: rules, vocabularies: vocabularies), diagnostics)
    }

    /// Runs every pattern's examples: each `+` line must match (with the group values it names, compared
    /// on the original text with spaces collapsed), each `-` line must not. One diagnostic per failure,
    /// at the example's file and line. Empty when all pass.
    public func checkExamples() -> [RuleDiagnostic] {
        var out: [RuleDiagnostic] = []
        for rule in rules {
            for ex in rule.examples {
                let text = FoldedText(ex.input)
                let matches = rule.pattern.matches(in: text.folded)
                if !ex.mustMatch {
                    if let m = matches.first {
                        out.append(RuleDiagnostic(file: rule.file, line: ex.line, message: "\(rule.id) matches '\(text.text(m.range))' in an example that must not match"))
                    }
                    continue
                }
                if matches.isEmpty {
                    out.append(RuleDiagnostic(file: rule.file, line: ex.line, message: "\(rule.id) does not match '\(ex.input)'"))
                    continue
                }
                var best: [String] = []
                var passed = false
                for m in matches {
                    var wrong: [String] = []
                    for (group, want) in ex.expected {
                        guard rule.pattern.names[group] != nil else { wrong.append("no group '\(group)'"); continue }
                        let got = m.range(group).map { ExtractionRules.collapse(text.text($0)) }
                        if got != want { wrong.append("\(group)=\(got.map { "'\($0)'" } ?? "unset"), want '\(want)'") }
                    }
                    if wrong.isEmpty { passed = true; break }
                    if best.isEmpty || wrong.count < best.count { best = wrong }
                }
                if !passed {
                    out.append(RuleDiagnostic(file: rule.file, line: ex.line, message: "\(rule.id): " + best.joined(separator: ", ")))
                }
            }
        }
        return out
    }

    // MARK: helpers

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
    }

    /// Drops a trailing "  # comment" (a # preceded by whitespace; "#" inside a pattern must be \#).
    static func stripComment(_ s: String) -> String {
        if s.hasPrefix("#") { return "" }
        if let r = s.range(of: " #") { return String(s[..<r.lowerBound]) }
        return s
    }

    /// Folded, spaces collapsed: the key vocabularies are looked up by.
    static func key(_ s: String) -> String {
        let folded = Fold.string(s)
        return folded.plainJoined(whereSeparator: { $0 == " " || $0 == "\n" })
            ?? folded.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
    }

    static func collapse(_ s: String) -> String {
        s.plainJoined(whereSeparator: \.isWhitespaceCharacter) ?? s.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func regexLiteral(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == " " { out += #"\s+"# } else if #"\^$.|?*+()[]{}/-&"#.contains(ch) { out += "\\" + String(ch) } else { out.append(ch) }
        }
        return out
    }
}
