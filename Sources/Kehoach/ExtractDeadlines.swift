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
                let month = int("m") ?? r.attributes["month"].flatMap { Int($0) }
                let year = int("y") ?? (r.attributes["year"] == "document" ? doc.year : nil)
                let date = hasDate ? VietnameseDate.iso(day: int("d"), month: month, year: year) : nil
                if hasDate && date == nil { continue }
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
                out.append((m.range.lowerBound, .init(date: date, recurrence: r.attributes["recurrence"],
                                 text: ExtractionRules.collapse(String(t.text(m.range).filter { $0 != "*" })),
                                 agencies: who, line: t.line(ofFolded: m.range.lowerBound))))
            }
        }
        return out.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
