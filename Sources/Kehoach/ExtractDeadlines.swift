import Foundation

extension Extractor {
    // MARK: deadlines

    func deadlines(_ doc: Document, agencyHits: [AgencyHit]) -> [ExtractionResult.Deadline] {
        let t = doc.t
        var out: [(Int, ExtractionResult.Deadline)] = []
        var taken: [Range<Int>] = []
        for r in rules.rules("deadline") {
            for m in r.pattern.matches(in: t.folded) {
                if taken.contains(where: { $0.overlaps(m.range) }) { continue }
                taken.append(m.range)
                func int(_ g: String) -> Int? { m.range(g).flatMap { Int(t.text($0)) } }
                let hasDate = r.pattern.names["d"] != nil || r.pattern.names["m"] != nil || r.pattern.names["y"] != nil
                // a quarter is due in its last month ("quý III" → 9); the OCR reads "I" as "1", "l", "|"
                let quarter = m.range("q").flatMap { Extractor.quarter(t.foldedText($0)) }.map { $0 * 3 }
                if m.range("q") != nil && quarter == nil { continue }
                let month = int("m") ?? quarter ?? r.attributes["month"].flatMap { Int($0) }
                let year = int("y") ?? (r.attributes["year"] == "document" ? doc.year : nil)
                let date = hasDate ? VietnameseDate.iso(day: int("d"), month: month, year: year) : nil
                if hasDate && date == nil { continue }
                // A date before the document's own is a cut-off or a past result ("Đến ngày 31/12/2023,
                // toàn quận có …" in a 2024 plan), never a term still to be met.
                if let date, let own = doc.info.date, Extractor.before(date, own) { continue }
                // a second date in the phrase ("trước ngày 15/6 và 15/12 hằng năm")
                let second = int("m2").flatMap { m2 in VietnameseDate.iso(day: int("d2"), month: m2, year: year) }
                    ?? m.range("q2").flatMap { Extractor.quarter(t.foldedText($0)) }.flatMap { q in
                        VietnameseDate.iso(day: nil, month: q * 3, year: int("y2") ?? year)
                    }
                // Who: the body of the heading above, else the nearest body named before in the paragraph.
                var who: [String] = []
                if let h = heading(at: m.range.lowerBound, doc.headings) {
                    var i = h
                    while true {
                        if !doc.headings[i].agencies.isEmpty { who = doc.headings[i].agencies; break }
                        let lv = doc.headings[i].level
                        guard let parent = doc.headings[..<i].lastIndex(where: { $0.level < lv }) else { break }
                        i = parent
                    }
                }
                if who.isEmpty, let hit = agencyHits.last(where: { $0.range.upperBound <= m.range.lowerBound && m.range.lowerBound - $0.range.upperBound < 400 }) {
                    who = [hit.name]
                }
                let text = ExtractionRules.collapse(String(t.text(m.range).filter { $0 != "*" }))
                for d in [date] + (second.map { [$0] } ?? []) {
                    out.append((m.range.lowerBound, .init(date: d, recurrence: r.attributes["recurrence"],
                                     text: text, agencies: who, line: t.line(ofFolded: m.range.lowerBound))))
                }
            }
        }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// A quarter's number from its Roman or Arabic numeral, with the OCR's "1", "l", "|", "[", "'"
    /// for "I" and "H" for "II".
    static func quarter(_ s: String) -> Int? {
        if let n = Int(s), (1...4).contains(n) { return n }
        var ones = 0
        for c in s.dropLast(s.hasSuffix("v") ? 1 : 0) {
            if "il1|[]'!".contains(c) { ones += 1 } else if c == "h" { ones += 2 } else { return nil }
        }
        // "IV" with its "I" read as two marks ("['V")
        if s.hasSuffix("v") { return ones <= 2 ? 4 : nil }
        return (1...3).contains(ones) ? ones : nil
    }

    /// Whether an ISO date ("2023-12-31", "2024-12", "2024") lies before another, compared to the
    /// precision both have; recurring dates ("--06-15") are never before anything.
    static func before(_ a: String, _ b: String) -> Bool {
        guard !a.hasPrefix("-"), !b.hasPrefix("-") else { return false }
        let n = min(a.count, b.count)
        return a.prefix(n) < b.prefix(n)
    }
}
