import Foundation

/// Extracts the contract's entities (docs/extraction.md) from one restored document with the
/// patterns and vocabularies of `rules/extract/`. Stage "extract" of the pipeline.
///
///     let rules = try ExtractionRules.load(rulesDirectory: dir)
///     let result = Extractor(rules: rules).extract(text: text, path: "plan.txt", sha256: digest)
public struct Extractor: Sendable {
    public let rules: ExtractionRules
    let names: AgencyNames
    let lexicons: [String: Lexicon]
    let yearPattern = try! Pattern(#"nam\s+(\d{4})\b"#)

    public init(rules: ExtractionRules) {
        self.rules = rules
        self.names = AgencyNames(rules: rules)
        var l: [String: Lexicon] = [:]
        for name in ["indicators", "other-indicators", "growth-words", "target-words", "populations"] { l[name] = Lexicon(rules, name) }
        lexicons = l
    }

    public func extract(text: String, path: String, sha256: String) -> ExtractionResult {
        let t = FoldedText(Normalize.nfc(text))
        var doc = Document(t: t)
        doc.info = header(t)
        doc.year = doc.info.date.flatMap { Int($0.prefix(4)) }
        doc.headings = headings(t)
        if let issuer = doc.info.issuer {
            doc.issuerKeys.insert(Extractor.agencyKey(issuer))
            let words = Fold.string(issuer).split(separator: " ")
            if words.count >= 5 { doc.issuerKeys.insert(Extractor.agencyKey(words.prefix(5).joined(separator: " "))) }
        }
        var result = ExtractionResult(source: .init(path: path, sha256: sha256), document: doc.info)
        result.references = references(t)
        let agencyHits = agencies(&doc)
        result.agencies = mergeAgencies(agencyHits, doc: doc)
        result.targets = targets(doc)
        result.deadlines = deadlines(doc, agencyHits: agencyHits)
        return result
    }

    // MARK: document

    struct Document {
        let t: FoldedText
        var info = ExtractionResult.DocumentInfo()
        var year: Int?
        var headings: [Heading] = []
        var issuerLevel: String?
        var issuerKeys: Set<String> = []
    }

    struct Heading {
        let level: Int
        let start: Int        // folded offset of the line
        let end: Int          // folded end of the title
        let title: String     // original, cleaned
        let foldedTitle: String
        let line: Int
        var agencies: [String] = []
        var isDuty = false
    }

    func header(_ t: FoldedText) -> ExtractionResult.DocumentInfo {
        var info = ExtractionResult.DocumentInfo()
        let headerEnd = t.folded.utf8.count
        // Number.
        var numberLine: Int?
        var suffix: String?
        if let r = rules.rule("document.number"), let m = r.pattern.firstMatch(in: t.folded) {
            numberLine = t.line(ofFolded: m.range.lowerBound)
            let running = m.range("running").map { t.text($0) } ?? ""
            let suf = m.range("suffix").map { t.text($0).filter { !$0.isWhitespace } } ?? ""
            suffix = suf
            if !running.isEmpty { info.number = running + "/" + suf }
        }
        // Place and date: the first "…, ngày … tháng … năm …" in the first lines.
        // the header: the first lines only (patterns there are not anchored on a literal)
        let headerBytes = t.lineStarts.count > 40 ? t.toOriginalInverse(lineStart: 40) : t.folded.utf8.count
        let head = Pattern.substring(t.folded, 0..<headerBytes)
        if let r = rules.rule("document.date") {
            for m in r.pattern.matches(in: head) where t.line(ofFolded: m.range.lowerBound) <= max(20, (numberLine ?? 0) + 10) {
                func int(_ g: String) -> Int? {
                    m.range(g).flatMap { r in
                        var s = t.text(r)
                        // a tens digit read as "/", "|" or "l" ("ngày /3"): the pattern admits it before a digit only
                        if let f = s.first, "/|lI".contains(f), s.count == 2 { s = "1" + s.dropFirst() }
                        return Int(s)
                    }
                }
                info.date = VietnameseDate.iso(day: int("d"), month: int("m"), year: int("y"))
                if let p = m.range("place") {
                    let words = ExtractionRules.collapse(t.text(p).replacingOccurrences(of: "*", with: " ")).split(separator: " ")
                    var place: [Substring] = []
                    for w in words.reversed() {
                        guard let c = w.first, c.isUppercase, !(w.count > 1 && w.allSatisfy { !$0.isLowercase }) else { break }
                        place.insert(w, at: 0)
                    }
                    if !place.isEmpty { info.place = place.joined(separator: " ") }
                }
                break
            }
        }
        // Kind: a line that is only a kind, in capitals; else a "V/v" line makes it a công văn.
        if let r = rules.rule("document.kind") {
            for m in r.pattern.matches(in: t.folded) {
                guard let k = m.range("kind") else { continue }
                let s = ExtractionRules.collapse(t.text(k))
                if s == Normalize.uppercased(s) {
                    // the kind with its diacritics, whatever marks the OCR left
                    info.kind = rules.vocabulary("document-kinds").canonical(s).map { Normalize.uppercased($0) } ?? s
                    info.title = titleLines(t, after: t.line(ofFolded: m.range.upperBound))
                    break
                }
            }
        }
        if info.kind == nil, let r = rules.rule("document.kind-vv"), let m = r.pattern.firstMatch(in: t.folded),
           t.line(ofFolded: m.range.lowerBound) <= 30 {
            info.kind = r.attributes["kind"]
            let l = t.line(ofFolded: m.range.lowerBound)
            info.title = titleLines(t, after: l - 1)
        }
        // Issuer: the body named by the number's suffix ("KH-UBND") or the header, and the unit line.
        if let r = rules.rule("document.unit") {
            let limit = (numberLine ?? 6) + 1
            for m in r.pattern.matches(in: t.folded) where t.line(ofFolded: m.range.lowerBound) <= limit {
                guard let lv = m.range("level"), let nm = m.range("name") else { continue }
                let levelText = t.text(lv), nameText = cleanMarks(t.text(nm))
                guard levelText == Normalize.uppercased(levelText), !nameText.isEmpty else { continue }
                let firstLines = t.folded.prefix(600)
                let foldedSuffix = suffix.map { ExtractionRules.key($0) } ?? ""
                let body: String
                if foldedSuffix.hasSuffix("ubnd") { body = "Ủy ban nhân dân" }
                else if foldedSuffix.hasSuffix("hdnd") { body = "Hội đồng nhân dân" }
                else if firstLines.contains("uy ban nhan dan") { body = "Ủy ban nhân dân" }
                else if firstLines.contains("hoi dong nhan dan") { body = "Hội đồng nhân dân" }
                else { continue }
                // a unit's name is a few capitalised words ("LẠNG SƠN", "HỒ CHÍ MINH")
                let unitWords = nameText.split(separator: " ").prefix { w in w.allSatisfy { $0.isLetter } }.prefix(4)
                guard !unitWords.isEmpty else { continue }
                info.issuer = body + " " + Normalize.lowercased(ExtractionRules.collapse(levelText)) + " " + titleCase(unitWords.joined(separator: " "))
                break
            }
        }
        // Signer: the last line, when it is a person's name (2–5 capitalised words).
        let tail = t.original.utf8.count > 3000 ? Pattern.substring(t.original, (t.original.utf8.count - 3000)..<t.original.utf8.count) : t.original
        let lines = tail.split(separator: "\n", omittingEmptySubsequences: true).suffix(8)
            .map { cleanMarks(String($0)) }.filter { !$0.isEmpty }
        if let last = lines.last {
            let words = last.split(separator: " ")
            if (2...5).contains(words.count), words.allSatisfy({ $0.first?.isUppercase == true && $0.dropFirst().contains(where: \.isLowercase) }) {
                info.signer = last
            }
        }
        _ = headerEnd
        return info
    }

    /// The non-empty lines after `line` (1-based) up to the next empty line, joined.
    func titleLines(_ t: FoldedText, after line: Int) -> String? {
        let from = t.lineStarts[min(line, t.lineStarts.count - 1)]
        let to = t.lineStarts[min(line + 12, t.lineStarts.count - 1)]
        let lines: [Substring] = [""] + (to > from ? Pattern.substring(t.original, from..<to) : "").split(separator: "\n", omittingEmptySubsequences: false)
        var i = 1
        var parts: [String] = []
        while i < lines.count && cleanMarks(String(lines[i])).isEmpty { i += 1 }
        while i < lines.count, parts.count < 6 {
            let s = cleanMarks(String(lines[i]))
            if s.isEmpty { break }
            parts.append(s)
            i += 1
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    func cleanMarks(_ s: String) -> String {
        ExtractionRules.collapse(String(s.map { "*#\\_".contains($0) ? " " : $0 }))
    }

    func titleCase(_ s: String) -> String {
        s.split(separator: " ").map { w -> String in
            let lower = Normalize.lowercased(String(w))
            return Normalize.uppercased(String(lower.prefix(1))) + lower.dropFirst()
        }.joined(separator: " ")
    }

    // MARK: structure

    func headings(_ t: FoldedText) -> [Heading] {
        guard let r = rules.rule("structure.heading") else { return [] }
        let duty = rules.vocabulary("duty-sections")
        let dutyWords = duty.entries.flatMap(\.spellings)
        var out: [Heading] = []
        for m in r.pattern.matches(in: t.folded) {
            guard let num = m.range("num"), let title = m.range("title") else { continue }
            let n = t.foldedText(num)
            let level: Int
            if n.first.map({ "ivx".contains($0) }) == true && n.hasSuffix(".") && n.count <= 5 && n.dropLast().allSatisfy({ "ivx".contains($0) }) {
                level = 1
            } else if n.first?.isNumber == true {
                level = 1 + n.split(separator: ".").count
            } else { level = 6 }
            var h = Heading(level: level, start: m.range.lowerBound, end: title.upperBound, title: cleanMarks(t.text(title)),
                            foldedTitle: ExtractionRules.collapse(t.foldedText(title)), line: t.line(ofFolded: m.range.lowerBound))
            h.isDuty = dutyWords.contains { h.foldedTitle.contains($0) } || Extractor.fuzzyDuty(h.foldedTitle, dutyWords)
            out.append(h)
        }
        return out
    }

    /// A heading whose opening words are a duty-section heading with a damaged letter or two
    /// ("TỔ CHỨC THU'CƯ HIỆN"); the heading may add a few words ("… KẾ HOẠCH").
    static func fuzzyDuty(_ title: String, _ dutyWords: [String]) -> Bool {
        let words = Fuzzy.letters(title).split(separator: " ")
        for d in dutyWords {
            let known = Fuzzy.letters(d)
            let n = known.split(separator: " ").count
            guard words.count >= n, words.count <= n + 3 else { continue }
            if Fuzzy.close(words.prefix(n).joined(separator: " "), known) { return true }
        }
        return false
    }

    /// The index of the innermost heading above a folded offset.
    func heading(at offset: Int, _ hs: [Heading]) -> Int? {
        var lo = 0, hi = hs.count - 1, found: Int? = nil
        while lo <= hi {
            let mid = (lo + hi) / 2
            if hs[mid].start <= offset { found = mid; lo = mid + 1 } else { hi = mid - 1 }
        }
        return found
    }

    // MARK: references

    func references(_ t: FoldedText) -> [ExtractionResult.Reference] {
        var out: [ExtractionResult.Reference] = []
        var seen = Set<String>()
        let kinds = rules.vocabulary("document-kinds")
        for r in rules.rules("reference") {
            for m in r.pattern.matches(in: t.folded) {
                guard let k = m.range("kind"), let n = m.range("number") else { continue }
                let number = t.text(n).filter { !$0.isWhitespace }
                let key = ExtractionRules.key(number)
                if seen.contains(key) { continue }
                seen.insert(key)
                let kind = kinds.canonical(t.text(k)) ?? ExtractionRules.collapse(t.text(k))
                let date = m.range("date").flatMap { VietnameseDate.parse(t.text($0)) }
                out.append(.init(kind: kind, number: number, date: date,
                                 text: ExtractionRules.collapse(t.text(m.range)), line: t.line(ofFolded: m.range.lowerBound)))
            }
        }
        return out.sorted { $0.line < $1.line }
    }
}
