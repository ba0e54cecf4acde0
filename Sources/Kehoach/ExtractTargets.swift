import Foundation

/// Word lists compiled to patterns once: indicators, cue words, populations.
struct Lexicon: Sendable {
    let vocab: ExtractionRules.Vocabulary
    let pattern: Pattern?

    init(_ rules: ExtractionRules, _ name: String) {
        vocab = rules.vocabulary(name)
        pattern = vocab.entries.isEmpty ? nil : try? Pattern(#"(?<![\p{L}\p{N}])"# + vocab.alternation + #"(?![\p{L}\p{N}])"#)
    }

    func all(_ s: String) -> [(range: Range<Int>, canonical: String)] {
        guard let pattern else { return [] }
        return pattern.matches(in: s).map { ($0.range, vocab.canonical(Pattern.substring(s, $0.range)) ?? "") }
    }

    func contains(_ s: String) -> Bool { pattern?.firstMatch(in: s) != nil }

    /// A match that starts exactly at the start of `s` (after spaces).
    func prefix(_ s: Substring) -> String? {
        let trimmed = String(s.drop(while: { $0 == " " || $0 == "\n" }))
        guard let m = pattern?.firstMatch(in: trimmed), m.range.lowerBound == 0 else { return nil }
        return vocab.canonical(Pattern.substring(trimmed, m.range))
    }
}

extension Extractor {
    // MARK: text windows on folded bytes

    /// Start of the sentence around `pos`: after ". ", ";", a blank line, or before a list item or heading line.
    func sentenceStart(_ b: [UInt8], _ pos: Int, limit: Int = 700) -> Int {
        var i = pos - 1
        let stop = max(0, pos - limit)
        while i >= stop {
            let c = b[i]
            if c == UInt8(ascii: ";") { return i + 1 }
            if c == UInt8(ascii: "."), i + 1 < b.count, b[i + 1] == 0x20 || b[i + 1] == 0x0A { return i + 1 }
            if c == 0x0A {
                // blank line or a list item / heading starting on the next line
                var j = i + 1
                while j < pos, b[j] == 0x20 { j += 1 }
                if j < pos, b[j] == UInt8(ascii: "-") || b[j] == UInt8(ascii: "+") { return j + 1 }
                var k = i - 1
                while k >= 0, b[k] == 0x20 { k -= 1 }
                if k < 0 || b[k] == 0x0A { return i + 1 }
            }
            i -= 1
        }
        return max(stop, 0)
    }

    func sentenceEnd(_ b: [UInt8], _ pos: Int, limit: Int = 400) -> Int {
        var i = pos
        let stop = min(b.count, pos + limit)
        while i < stop {
            let c = b[i]
            if c == UInt8(ascii: ";") { return i }
            if c == UInt8(ascii: "."), i + 1 >= b.count || b[i + 1] == 0x20 || b[i + 1] == 0x0A { return i }
            if c == 0x0A {
                var j = i + 1
                while j < b.count, b[j] == 0x20 { j += 1 }
                if j >= b.count || b[j] == 0x0A || b[j] == UInt8(ascii: "-") || b[j] == UInt8(ascii: "+") { return i }
            }
            i += 1
        }
        return stop
    }

    /// The text from `start` to `end` with parentheses that close before `end` removed; when `end` lies
    /// inside an open parenthesis, only the text after it.
    func withoutParentheses(_ b: [UInt8], _ start: Int, _ end: Int) -> String {
        var out: [UInt8] = []
        var depth = 0
        var stack: [Int] = []
        for i in start..<end {
            let c = b[i]
            if c == UInt8(ascii: "(") { depth += 1; stack.append(out.count); continue }
            if c == UInt8(ascii: ")") {
                if depth > 0 { depth -= 1; out.removeSubrange(stack.removeLast()...) ; out.append(0x20) }
                continue
            }
            out.append(c)
        }
        if let open = stack.first { out = Array(out[open...]) }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: targets

    func targets(_ doc: Document) -> [ExtractionResult.Target] {
        let t = doc.t
        let b = Array(t.folded.utf8)
        let indicators = lexicons["indicators"]!
        let others = lexicons["other-indicators"]!
        let growth = lexicons["growth-words"]!
        let targetWords = lexicons["target-words"]!
        let populations = lexicons["populations"]!
        let units = rules.vocabulary("units")
        let planKinds = ["ke hoach", "chuong trinh", "quyet dinh", "nghi quyet", "de an", "chi thi"]
        let isPlan = doc.info.kind.map { planKinds.contains(ExtractionRules.key($0)) } ?? true
        var out: [(Int, ExtractionResult.Target)] = []
        var taken: [Range<Int>] = []
        for r in rules.rules("target") {
            for m in r.pattern.matches(in: t.folded) {
                guard let vr = m.range("value"), let value = VietnameseNumber.parse(t.text(vr)) else { continue }
                if taken.contains(where: { $0.overlaps(m.range) }) { continue }
                taken.append(m.range)
                let unit: String
                if let u = m.range("unit") { unit = units.canonical(t.text(u)) ?? ExtractionRules.collapse(t.text(u)) }
                else { unit = r.attributes["unit"] ?? "" }
                var measure = r.attributes["measure"] ?? (unit == "%" ? "rate" : unit == "đồng" ? "amount" : "count")
                let sStart = sentenceStart(b, vr.lowerBound)
                let sEnd = max(sentenceEnd(b, m.range.upperBound), m.range.upperBound)
                let before = withoutParentheses(b, sStart, vr.lowerBound)
                let after = String(decoding: b[m.range.upperBound..<sEnd], as: UTF8.self)
                // Indicator.
                var indicator: String
                if others.contains(before) {
                    indicator = "khác"
                } else if let last = indicators.all(before).last {
                    indicator = last.canonical
                } else if let first = indicators.all(after).first {
                    indicator = first.canonical
                } else if r.attributes["status"] != nil || r.id.hasSuffix("table-row") {
                    let from = max(0, vr.lowerBound - 1200)
                    indicator = indicators.all(String(decoding: b[from..<vr.lowerBound], as: UTF8.self)).last?.canonical ?? "khác"
                } else {
                    indicator = "khác"
                }
                if measure == "amount" || unit == "đơn vị" && indicator != "khác" && !before.contains("tham gia") { indicator = "khác" }
                // Growth rather than share: the clause or the heading above says so.
                if measure == "rate" {
                    var ctx = before
                    if let h = heading(at: vr.lowerBound, doc.headings) { ctx += " " + doc.headings[h].foldedTitle }
                    if growth.contains(ctx) || before.split(separator: " ").last == "tang" { measure = "growth" }
                }
                // Status.
                let status: String
                if let s = r.attributes["status"] { status = s }
                else if isPlan { status = "target" }
                else {
                    let clauseStart = before.lastIndex(where: { $0 == "," || $0 == "(" }).map { before.index(after: $0) } ?? before.startIndex
                    let clause = String(before[clauseStart...])
                    status = targetWords.contains(clause) || targetWords.contains(before) && !before.contains(" dat ") ? "target" : "actual"
                }
                // Population.
                var population: String?
                if let p = m.range("population") {
                    population = ExtractionRules.collapse(t.text(p))
                } else if unit == "%" {
                    if let p = populations.prefix(Substring(after)) { population = p }
                    else if before.contains("do tuoi lao dong") { population = "độ tuổi lao động" }
                }
                // Year.
                var year = doc.year
                let sentence = before + " " + after
                if let y = yearPattern.matches(in: sentence).compactMap({ Int(Pattern.substring(sentence, $0.groups[1]!)) }).last,
                   (1990...2100).contains(y) { year = y }
                let textStart = sStart
                out.append((vr.lowerBound, .init(indicator: indicator, measure: measure, status: status, value: value, unit: unit,
                                 population: population, year: year,
                                 text: ExtractionRules.collapse(String(t.text(textStart..<m.range.upperBound).filter { $0 != "*" })),
                                 line: t.line(ofFolded: vr.lowerBound))))
            }
        }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
