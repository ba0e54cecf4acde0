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

    /// The end of the last match in `s`, if any.
    func lastEnd(_ s: String) -> Int? { all(s).last?.range.upperBound }

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
                // a numbered line ("2. ", "a) ") starts a new item
                if j < pos, isItemNumber(b, j) { return i + 1 }
                // a line after one that ends with ":" starts an item of the list it leads
                if k >= 0, b[k] == UInt8(ascii: ":") { return i + 1 }
            }
            i -= 1
        }
        return max(stop, 0)
    }

    /// Whether a list or heading number ("2.", "2.1.", "IV.", "a)") starts at `j`.
    func isItemNumber(_ b: [UInt8], _ j: Int) -> Bool {
        var k = j
        while k < b.count, (b[k] >= 0x30 && b[k] <= 0x39) || b[k] == UInt8(ascii: ".") { k += 1 }
        if k > j, k < b.count, b[k - 1] == UInt8(ascii: "."), b[k] == 0x20 { return true }
        if j + 1 < b.count, b[j] >= 0x61, b[j] <= 0x7A, b[j + 1] == UInt8(ascii: ")") { return true }
        return false
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
                if isItemNumber(b, j) { return i }
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

    /// Every figure a plan sets or a report says was reached, found by how plans state figures
    /// (not by a list of sentences): a number, then what it counts — "%" (a share, or growth where
    /// the clause says "tăng … so với"), money ("tỷ đồng" multiplied out into đồng), or the noun
    /// printed after it (an open class: count-units.vocab keeps compounds whole; not-figures.vocab,
    /// place-units.vocab and number-labels.vocab say which numbers are not figures). Tables are
    /// read by their header (`tableTargets`). For each figure the indicator comes from its clause,
    /// else its sentence, else the list's lead line or the heading above; the status from cue words
    /// in its clause, then the paragraph, then the section it stands in, then the document's kind.
    func targets(_ doc: Document) -> [ExtractionResult.Target] {
        let t = doc.t
        let b = Array(t.folded.utf8)
        // a number's shape: target.number in targets.rules
        guard let numberPattern = rules.rule("target.number")?.pattern else { return [] }
        let sections = sectionStatuses(doc)
        let table = tableTargets(doc, sections: sections)
        var out: [(Int, ExtractionResult.Target)] = table.targets
        for m in numberPattern.matches(in: t.folded) {
            guard let vr = m.range("v") else { continue }
            let line = t.line(ofFolded: vr.lowerBound)
            if table.lines.contains(line) { continue }
            guard let figure = figure(doc, b, m, vr) else { continue }
            let sStart = sentenceStart(b, vr.lowerBound)
            let sEnd = max(sentenceEnd(b, figure.end), figure.end)
            let before = String(decoding: b[sStart..<vr.lowerBound], as: UTF8.self)
            let beforeClean = withoutParentheses(b, sStart, vr.lowerBound)
            let after = String(decoding: b[figure.end..<sEnd], as: UTF8.self)
            if isThreshold(before: before, after: after) { continue }
            if figure.unit == "%" || m.range("of") != nil, lexicons["vote-shares"]!.contains(before + " " + after) { continue }
            let indicator = indicator(doc, b, figure: figure, at: vr.lowerBound, sentenceStart: sStart,
                                      before: beforeClean, after: after)
            var measure = figure.measure
            if measure == "rate", isGrowth(before: beforeClean, after: after) || grownInContext(doc, b, at: vr.lowerBound, sentenceStart: sStart, before: beforeClean) {
                measure = "growth"
            }
            // a share over 100 % is a misread figure, but a plan can be done beyond itself: "bằng 117,5%
            // kế hoạch", "đạt 102,5% dự toán" (ANNOTATION-NOTES "Completion ratios"), up to twice over
            let ofPlan = ["ke hoach", "so voi ke hoach", "du toan", "so voi du toan", "chi tieu"].contains { after.hasPrefix(" " + $0) || after.hasPrefix($0) }
            if measure == "rate", figure.value > 100, !(ofPlan && figure.value <= 200) { continue }
            let status = status(doc, b, at: vr.lowerBound, sentenceStart: sStart, before: before,
                                after: after, sections: sections)
            var population: String?
            if figure.unit == "%" {
                population = lexicons["populations"]!.prefix(Substring(after))
                if population == nil, beforeClean.containsBytes("do tuoi lao dong") { population = "độ tuổi lao động" }
                // or named after the share's word: "Tỷ lệ học sinh tham gia BHYT đạt 100%"
                // (not "người dân" of "người dân tộc Hrê": an ethnic group is no population of the list)
                if population == nil, let r = beforeClean.range(of: "ty le ", options: .backwards),
                   r.lowerBound == beforeClean.startIndex || beforeClean[beforeClean.index(before: r.lowerBound)] == " ",
                   !beforeClean[r.upperBound...].hasPrefix("nguoi dan toc") {
                    population = lexicons["populations"]!.prefix(beforeClean[r.upperBound...])
                }
            }
            // the clause's own year: not one a parenthesis after the figure gives ("đạt 58% vào năm 2027 (năm 2024 đạt 52,4%)")
            let year = namedYear(clauseText(before)).flatMap { y in doc.year.map { y < $0 } == true ? y : nil }
                ?? namedYear(before + " " + Extractor.beforeParenthesis(after)) ?? doc.year
            let text = ExtractionRules.collapse(String(t.text(sStart..<figure.end).filter { $0 != "*" }))
            out.append((vr.lowerBound, .init(indicator: indicator, measure: measure, status: status, value: figure.value,
                                             unit: figure.unit, population: population, year: year,
                                             text: text.hasPrefix("- ") || text.hasPrefix("+ ") ? String(text.dropFirst(2)) : text,
                                             line: line)))
        }
        // One item per (indicator, status, value, unit), at its first place: the identity the
        // contract scores by; a plan repeats its figures (summary, then the section's duties).
        var seen = Set<String>()
        return out.sorted { $0.0 < $1.0 }.map(\.1).filter { f in
            seen.insert("\(f.indicator)|\(f.status)|\(f.value)|\(f.unit)").inserted
        }
    }

    struct Figure {
        var value: Double
        var unit: String
        var measure: String
        var end: Int          // folded offset after the unit
        var unitWord: String  // folded unit, for the indicator rules
    }

    /// What a number counts, from the words printed after it; nil when it is not a figure.
    func figure(_ doc: Document, _ b: [UInt8], _ m: Pattern.Match, _ vr: Range<Int>) -> Figure? {
        let t = doc.t
        let raw = t.text(vr)
        guard var value = VietnameseNumber.parse(raw) else { return nil }
        // a phone number or an identifier: a leading zero and many digits
        if raw.hasPrefix("0"), raw.filter(\.isNumber).count >= 6 { return nil }
        let before = String(decoding: b[max(0, vr.lowerBound - 60)..<vr.lowerBound], as: UTF8.self)
        if labelBefore(t, b, vr.lowerBound) { return nil }
        if fromWithoutRange(t, b, vr) { return nil }
        var i = (m.range("of") ?? vr).upperBound
        while i < b.count, b[i] == 0x20 { i += 1 }
        // "%" and "‰": a share
        if i < b.count, b[i] == UInt8(ascii: "%") {
            if m.range("of") != nil { return nil }
            return Figure(value: value, unit: "%", measure: "rate", end: i + 1, unitWord: "%")
        }
        let originalAfter = t.text(i..<min(b.count, i + 1)).unicodeScalars.first
        if originalAfter == "‰" { return Figure(value: value, unit: "‰", measure: "rate", end: i + 1, unitWord: "‰") }
        // the words after the number, folded and as printed
        let words = nextWords(t, b, from: i, count: 5)
        guard let first = words.first else { return nil }
        // money: "đồng", "triệu đồng", "tỷ đồng", "nghìn tỷ đồng"
        var k = 0
        var multiplier = 1.0
        while k < words.count, let f = Extractor.moneyMultipliers[words[k].folded] { multiplier *= f; k += 1 }
        // "118 đồng chí", "đồng bào": people, not money
        let person = k == 0 && words.count > 1 && words[0].folded == "dong" && ["chi", "bao"].contains(words[1].folded)
        if !person, k < words.count, words[k].folded == "dong" || words[k].folded == "vnd",
           k > 0 || Normalize.lowercased(words[k].original).hasPrefix("đ") || words[k].folded == "vnd" {
            if m.range("of") != nil { return nil }
            // "150,000 đồng": commas typed as thousands separators (a sum of đồng has no decimals)
            if multiplier == 1, raw.range(of: #"^\d{1,3}(,\d{3})+$"#, options: .regularExpression) != nil {
                value = Double(raw.filter(\.isNumber)) ?? value
            }
            value = (value * multiplier).rounded()
            guard value.isFinite else { return nil }   // "tỷ tỷ tỷ …" after a huge number
            return Figure(value: value, unit: "đồng", measure: "amount", end: words[k].range.upperBound, unitWord: "dong")
        }
        // a rate per a number of people: "120 ca/100.000 dân"
        if words.count >= 2, b.count > first.range.upperBound, b[first.range.upperBound] == UInt8(ascii: "/"),
           let per = Extractor.perPattern?.firstMatch(in: String(decoding: b[first.range.upperBound..<min(b.count, first.range.upperBound + 40)], as: UTF8.self)) {
            let end = first.range.upperBound + per.range.upperBound
            return Figure(value: value, unit: ExtractionRules.collapse(t.text(first.range.lowerBound..<end)), measure: "rate", end: end, unitWord: first.folded)
        }
        // a quantity per time or per head, kept whole as the rates per population are: "125 tấn/ngày"
        if b.count > first.range.upperBound + 1, b[first.range.upperBound] == UInt8(ascii: "/"), first.isLetters,
           let per = nextWords(t, b, from: first.range.upperBound + 1, count: 1).first,
           per.range.lowerBound == first.range.upperBound + 1,
           ["ngay", "thang", "nam", "tuan", "gio", "nguoi", "ho"].contains(per.folded) {
            let end = per.range.upperBound
            return Figure(value: value, unit: Normalize.lowercased(t.text(first.range.lowerBound..<end)), measure: "count", end: end, unitWord: first.folded)
        }
        guard first.isLetters, first.isLowercase || first.folded == "ha" || first.folded == "km" else { return nil }
        let pair = words.count >= 2 ? first.folded + " " + words[1].folded : ""
        let triple = words.count >= 3 ? pair + " " + words[2].folded : ""
        // compounds stay whole: "chủ hộ", "phòng học", "tổ dân phố"
        var unitEnd = first.range.upperBound
        var unitKey = first.folded
        let countUnits = rules.vocabulary("count-units"), placeUnits = rules.vocabulary("place-units")
        for candidate in [triple, pair] where !candidate.isEmpty {
            if countUnits.canonical(candidate) != nil || placeUnits.canonical(candidate) != nil {
                let n = candidate.split(separator: " ").count
                if words[n - 1].isLetters { unitEnd = words[n - 1].range.upperBound; unitKey = candidate; break }
            }
        }
        if rules.vocabulary("not-figures").canonical(unitKey) != nil { return nil }
        var printed = Normalize.lowercased(ExtractionRules.collapse(t.text(first.range.lowerBound..<unitEnd)))
        let listed = countUnits.canonical(unitKey)
        // "210 con bò" is a count, "giảm còn 5" is not: a listed unit that folds like a function
        // word counts only when spelled as listed
        if Extractor.functionWords.contains(unitKey), listed.map(Normalize.lowercased) != printed { return nil }
        // units of places describe the area ("10 phường"), unless stated as a share ("11/11 xã")
        let place = placeUnits.canonical(unitKey)
        if place != nil, m.range("of") == nil, !placesAchieving(b, before: clauseText(before), after: unitEnd) { return nil }
        if value >= 1900, value <= 2100, !raw.containsBytes("."), !raw.containsBytes(",") && unitKey == "nam" { return nil }
        // "cách nhà dân khoảng 20 m": a distance that places something, not a length to build
        if unitKey == "m" || unitKey == "km", clauseText(before).split(whereSeparator: \.isWhitespace).contains("cach") { return nil }
        // an unlisted noun is a unit only after a quantity cue ("ít nhất 12 chòi canh"): otherwise the
        // word after a number is more often an OCR fragment or a verb ("16 tham", "6 hoàn")
        // in an OCR reading a bare "6" is as often "ô", "ở", "có" ("xe 6 tô", "6 địa phương", "được 6
        // chức") and "13", "14" are "là" ("cũng 13 người", "trẻ em 14 con"): counts only after a quantity cue
        if doc.fromOCR, ["6", "13", "14"].contains(raw), !quantityCueBefore(t, b, vr.lowerBound) { return nil }
        if listed == nil, place == nil {
            guard first.isLowercase, Vietnamese.isValidSyllable(Normalize.lowercased(first.original)),
                  quantityCueBefore(t, b, vr.lowerBound) else { return nil }
            // an unlisted counted noun is mostly a two-syllable word ("55 chính sách", "50 cử tri"):
            // the classifiers that stand alone are listed
            if words.count >= 2, words[1].isLetters, words[1].isLowercase, !Extractor.functionWords.contains(words[1].folded),
               first.range.upperBound < words[1].range.lowerBound, b[first.range.upperBound] == 0x20,
               Vietnamese.isValidSyllable(Normalize.lowercased(words[1].original)) {
                unitEnd = words[1].range.upperBound
                printed = Normalize.lowercased(ExtractionRules.collapse(t.text(first.range.lowerBound..<unitEnd)))
            }
        }
        // the unit as printed, unless the list spells it otherwise ("héc ta" → "ha")
        let canonical = listed ?? place
        let unit = canonical.map { Fold.string($0) == Fold.string(printed) ? printed : $0 } ?? printed
        // "toàn huyện có 67 trường công lập (24 trường mầm non, …)": what the area has, its schools,
        // clinics and firms, describes it and is no figure (ANNOTATION-NOTES "Not figures": "58 trường")
        if Extractor.inventoryUnits.contains(unitKey), inventoryBefore(b, vr.lowerBound) { return nil }
        // "có 11 thôn với 2.385 hộ, 8.916 nhân khẩu", "… với khoảng 21.400 hộ dân, 3 chợ": what the place's parts hold describes it
        if partsHoldBefore(b, vr.lowerBound) { return nil }
        return Figure(value: value, unit: unit, measure: "count", end: unitEnd, unitWord: unitKey)
    }

    /// Institutions an area is described by when it "has" them (folded).
    static let inventoryUnits: Set<String> = ["truong", "tram y te", "co so", "benh vien", "doanh nghiep", "nhan khau", "diem truong"]
    /// "<area> (hiện) có|gồm [hơn|khoảng]" right before a number, or an open bracket listing the parts
    /// of such a figure ("có 67 trường (24 trường mầm non, 22 …").
    static let areaHas = try? Pattern(#"(?:toan\s+(?:huyen|xa|tinh|quan|thi\s+xa|thanh\s+pho|phuong|thi\s+tran)|tren\s+dia\s+ban(?:\s+[a-z]+){0,4}|(?:huyen|xa|tinh|phuong|quan|thi\s+xa|thanh\s+pho)(?:\s+[a-z]+){1,3})\s+(?:hien\s+(?:nay\s+)?)?(?:co|gom)\s+(?:hon\s+|khoang\s+|tren\s+)?(?:\d[\d.,]*\s+[a-z ]{2,40}\(\s*(?:[^()]*,\s*)?)?$"#)

    /// "có N thôn (xã, tổ dân phố …) với [H hộ, ]" right before a number.
    static let partsWith = try? Pattern(#"(?:co|gom)\s+\d[\d.,]*\s+(?:thon|ban|ap|lang|to\s+dan\s+pho|khu\s+pho|xa|phuong|thi\s+tran|don\s+vi\s+hanh\s+chinh)(?:\s*,\s*[a-z ]{2,20})?\s+voi\s+(?:(?:hon\s+|khoang\s+|tren\s+)?[\d.,]+\s+[a-z ]{2,20},\s*)*(?:hon\s+|khoang\s+|tren\s+)?$"#)

    func partsHoldBefore(_ b: [UInt8], _ pos: Int) -> Bool {
        let s = sentenceStartBefore(b, pos)
        // (the pattern needs "với": most figures are answered without running it)
        guard let p = Extractor.partsWith, b[s..<pos].firstRange(of: Array(" voi ".utf8)) != nil else { return false }
        return p.firstMatch(in: String(decoding: b[s..<pos], as: UTF8.self)) != nil
    }

    func inventoryBefore(_ b: [UInt8], _ pos: Int) -> Bool {
        let s = sentenceStartBefore(b, pos)
        guard let p = Extractor.areaHas else { return false }
        let text = String(decoding: b[s..<pos], as: UTF8.self)
        return p.firstMatch(in: text) != nil
    }

    /// Where the sentence before folded offset `pos` starts: after a line break, ";" or ". ", at most 160 bytes back.
    func sentenceStartBefore(_ b: [UInt8], _ pos: Int) -> Int {
        var s = pos
        while s > 0, pos - s < 160, b[s - 1] != 0x0A, b[s - 1] != UInt8(ascii: ";"),
              !(b[s - 1] == 0x20 && s >= 2 && b[s - 2] == UInt8(ascii: ".")) { s -= 1 }
        return s
    }

    /// "từ N" needs its other end ("từ 97% trở lên", "từ 52,36% xuống còn 45,18%", "từ 21% đến
    /// 40%"); without one in its clause the number is no figure but a letter the OCR read as digits
    /// ("Ty 16 hộ nghèo" for "Tỷ lệ hộ nghèo", restored "từ 16 hộ").
    func fromWithoutRange(_ t: FoldedText, _ b: [UInt8], _ vr: Range<Int>) -> Bool {
        var s = vr.lowerBound
        while s > 0, b[s - 1] == 0x20 { s -= 1 }
        guard s >= 2, b[s - 2] == UInt8(ascii: "t"), b[s - 1] == UInt8(ascii: "u"), s < 3 || !Extractor.isWordByte(b[s - 3]) else { return false }
        let word = Normalize.lowercased(t.text((s - 2)..<s))
        guard word == "từ" || word == "tu" else { return false }
        var e = vr.upperBound
        let limit = min(b.count, e + 90)
        while e < limit, b[e] != UInt8(ascii: ";"), !(b[e] == UInt8(ascii: ".") && (e + 1 >= b.count || b[e + 1] == 0x20 || b[e + 1] == 0x0A)) { e += 1 }
        let rest = " " + String(decoding: b[vr.upperBound..<e], as: UTF8.self).replacingOccurrences(of: "\n", with: " ") + " "
        return !Extractor.rangeEnds.contains { rest.containsBytes($0) }
    }

    static let rangeEnds = [" tro len ", " tro xuong ", " tro di ", " den ", " toi ", " xuong ", " len ", " - ", " – ", "-", "–"]

    /// Whether the last one or two words before a number are a quantity cue (quantity-cues.vocab).
    func quantityCueBefore(_ t: FoldedText, _ b: [UInt8], _ pos: Int) -> Bool {
        lastWordsListed(rules.vocabulary("quantity-cues"), t, b, pos, words: 2)
    }

    static let moneyMultipliers: [String: Double] = ["nghin": 1e3, "ngan": 1e3, "trieu": 1e6, "ty": 1e9, "ti": 1e9]
    static let perPattern = try? Pattern(#"^/\s*\d{1,3}(?:\.\d{3})*\s+\p{L}+"#)
    /// Words that cannot be the unit of a count: the number before them is not a figure
    /// ("trên 3 tháng và" is caught by not-figures.vocab; "Điều 5 của" by number-labels.vocab).
    static let functionWords: Set<String> = [
        "va", "voi", "cua", "la", "co", "duoc", "da", "trong", "tren", "duoi", "so", "theo", "tai", "cho", "den",
        "tu", "ve", "de", "cac", "nhung", "moi", "nay", "do", "thi", "ma", "hoac", "hay", "nam", "dat",
        "tang", "giam", "con", "trieu", "ty", "nghin", "ngan", "tro", "len", "xuong", "gom", "bao", "nhu",
        "khi", "neu", "vao", "ra", "di", "o", "thuoc",
    ]

    struct Word {
        let range: Range<Int>   // folded
        let folded: String
        let original: String
        // folded text has no marks left: a byte outside a–z is a symbol ("1€"), not a letter
        var isLetters: Bool { !folded.isEmpty && folded.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7A } }
        var isLowercase: Bool { original.first.map { !$0.isUppercase } ?? false }
    }

    /// Up to `count` words from `from` on the same line, stopping at punctuation other than "-".
    func nextWords(_ t: FoldedText, _ b: [UInt8], from: Int, count: Int) -> [Word] {
        var out: [Word] = []
        var i = from
        while out.count < count, i < b.count {
            while i < b.count, b[i] == 0x20 { i += 1 }
            let s = i
            while i < b.count, b[i] != 0x20, b[i] != 0x0A, !Extractor.wordStops.contains(b[i]) { i += 1 }
            if i == s { break }
            let r = s..<i
            out.append(Word(range: r, folded: Pattern.substring(t.folded, r), original: t.text(r)))
            if i < b.count, b[i] != 0x20 { break }
        }
        return out
    }

    static let wordStops: Set<UInt8> = Set(",;:.()[]\"'/%".utf8)

    /// The last words before a number name a part or a code rather than a quantity ("Điều 5",
    /// "tiêu chí số 5", "mức độ 2", "khóm 4", "năm 2025"). Spelled as listed: folded, "đội 4" is
    /// "dời 64 hộ", "mục 2" is "mức 95%", "bản 3" is "bán 50 con"; a word the OCR left without any
    /// mark is taken on its letters.
    func labelBefore(_ t: FoldedText, _ b: [UInt8], _ pos: Int) -> Bool {
        lastWordsListed(rules.vocabulary("number-labels"), t, b, pos, words: 3)
    }

    /// Whether the last one to `words` words before `pos` are an entry of `vocab` spelled as listed
    /// (folded alike is not enough: "mối" is not the cue "mới", "dời" not the label "đội"); a word
    /// the OCR left without any mark is taken on its letters. On bytes: it runs for every number.
    func lastWordsListed(_ vocab: ExtractionRules.Vocabulary, _ t: FoldedText, _ b: [UInt8], _ pos: Int, words: Int) -> Bool {
        var starts: [Int] = []
        var i = pos
        // a few words back at most: a text without spaces (a damaged file) must not be walked to its start
        // for every number
        let floor = max(0, pos - 120)
        while i > floor, b[i - 1] == 0x20 || b[i - 1] == 0x0A { i -= 1 }
        let end = i
        while starts.count < words, i > floor {
            while i > floor, b[i - 1] == 0x20 || b[i - 1] == 0x0A { i -= 1 }
            let e = i
            while i > floor, b[i - 1] != 0x20, b[i - 1] != 0x0A { i -= 1 }
            if i == e || i == floor && i > 0 { break }
            starts.append(i)
        }
        // the folded words are looked up as the vocabulary keys them (one space between words)
        var key: [UInt8] = []
        for s in starts {
            key.removeAll(keepingCapacity: true)
            for c in b[s..<end] {
                let c = c == 0x0A ? 0x20 : c
                if c == 0x20, key.last == 0x20 { continue }
                key.append(c)
            }
            guard vocab.byFolded[String(decoding: key, as: UTF8.self)] != nil else { continue }
            let printed = Normalize.lowercased(ExtractionRules.collapse(t.text(s..<end)))
            if vocab.written.contains(printed) || printed.unicodeScalars.allSatisfy(\.isASCII) { return true }
        }
        return false
    }

    /// "vụ ngộ độc từ 30 người mắc trở lên": a number that bounds a category after a noun is not a
    /// figure; "đạt từ 95% trở lên" (after a verb of reaching) is.
    func isThreshold(before: String, after: String) -> Bool {
        let words = Extractor.lastWords(before, 3)
        guard words.last == "tu" || words.suffix(2).joined(separator: " ") == "tu du" else { return false }
        guard Extractor.firstWords(after, 4).joined(separator: " ").containsBytes("tro len") else { return false }
        let head = words.dropLast(words.last == "du" ? 2 : 1).last.map(String.init) ?? ""
        return !Extractor.reachVerbs.contains(head)
    }

    /// The last or first `n` words of a folded text (split at spaces and line breaks), without
    /// splitting all of it: these run for every figure on its whole sentence.
    static func lastWords(_ s: String, _ n: Int) -> [Substring] {
        var out: [Substring] = []
        var end = s.utf8.endIndex
        var i = end
        while out.count < n, i > s.utf8.startIndex {
            let prev = s.utf8.index(before: i)
            let c = s.utf8[prev]
            if c == 0x20 || c == 0x0A {
                if i < end { out.append(s[i..<end]) }
                end = prev
            }
            i = prev
        }
        if out.count < n, i < end { out.append(s[i..<end]) }
        return out.reversed()
    }

    static func firstWords(_ s: String, _ n: Int) -> [Substring] {
        var out: [Substring] = []
        var start = s.utf8.startIndex
        var i = start
        while out.count < n, i < s.utf8.endIndex {
            let c = s.utf8[i]
            if c == 0x20 || c == 0x0A {
                if start < i { out.append(s[start..<i]) }
                start = s.utf8.index(after: i)
            }
            i = s.utf8.index(after: i)
        }
        if out.count < n, start < i { out.append(s[start..<i]) }
        return out
    }

    static let reachVerbs: Set<String> = ["dat", "dau", "phan", "tang", "len", "giam", "con", "muc", "la", "chiem", "nang"]

    // MARK: indicator

    func indicator(_ doc: Document, _ b: [UInt8], figure: Figure, at pos: Int, sentenceStart: Int,
                   before: String, after: String) -> String {
        let indicators = lexicons["indicators"]!
        let others = lexicons["other-indicators"]!
        if figure.measure == "amount" { return "khác" }
        // a count of something other than people is an activity or a stock ("24 hội nghị", "500 thẻ
        // BHYT"), unless its clause counts participants ("600 chủ hộ … tham gia BHXH tự nguyện")
        let clauseAfter = after.split(separator: ",").first.map(String.init) ?? after
        if figure.measure == "count", figure.unitWord != "nguoi",
           !(clauseAfter.containsBytes("tham gia") || before.containsBytes("tham gia")) { return "khác" }
        if figure.measure == "count", figure.unitWord == "don vi" || figure.unitWord == "doanh nghiep" { return "khác" }
        let clause = clauseText(before)
        if others.contains(clause) || others.contains(clauseAfter) { return "khác" }
        // "100% học sinh, sinh viên tham gia BHYT": the population printed after a share or a count
        // of people says what they take part in, across its commas
        if figure.unit == "%" || figure.unitWord == "nguoi", let c = after.unicodeScalars.first(where: { $0 != " " }),
           CharacterSet.letters.contains(c) {
            // within a few words, before another clause begins ("…, trong đó nông dân … tham gia BHXH tự nguyện")
            var phrase = String(after.prefix { !";.(".contains($0) && !$0.isNumber })
            if let r = phrase.utf8.firstRange(of: "trong do".utf8) { phrase = String(phrase[..<r.lowerBound]) }
            if let first = indicators.all(phrase).first,
               phrase.utf8.prefix(first.range.lowerBound).split(whereSeparator: { $0 == 0x20 || $0 == 0x0A }).count <= 12 {
                return first.canonical
            }
        }
        // a clause without an indicator of its own takes the sentence's subject, unless that is
        // something other than coverage ("giao dịch BHXH điện tử …, đảm bảo đạt 100%")
        if indicators.all(clause).isEmpty, indicators.all(clauseAfter).isEmpty, others.contains(before) { return "khác" }
        if let last = indicators.all(before).last { return last.canonical }
        if let first = indicators.all(clauseAfter).first { return first.canonical }
        // inside parentheses ("đạt 96,3% kế hoạch (kế hoạch giao 4.285 người)"): the sentence around them,
        // then the list item the sentence belongs to ("- BHTN: 3.264 người; tỷ lệ … (kế hoạch giao 7,2%)")
        let outer = outsideParentheses(b, sentenceStart, pos)
        if let last = indicators.all(outer).last { return last.canonical }
        if let start = itemStart(b, sentenceStart), let last = indicators.all(outsideParentheses(b, start, pos)).last {
            return last.canonical
        }
        // the list's lead line ("Số người tham gia BHXH bắt buộc:") or the heading above
        if let lead = leadText(b, sentenceStart), let last = indicators.all(lead).last, !others.contains(lead) {
            return last.canonical
        }
        if let h = heading(at: pos, doc.headings) {
            let title = doc.headings[h].foldedTitle
            if !doc.headings[h].isDuty, let last = indicators.all(title).last, !others.contains(title) { return last.canonical }
        }
        return "khác"
    }

    /// The text from `start` to `end` without any parenthesized part, closed or still open at `end`.
    func outsideParentheses(_ b: [UInt8], _ start: Int, _ end: Int) -> String {
        var out: [UInt8] = []
        var depth = 0
        for i in start..<end {
            let c = b[i]
            if c == UInt8(ascii: "(") { depth += 1 } else if c == UInt8(ascii: ")") { depth = max(0, depth - 1) } else if depth == 0 { out.append(c) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Where the list item holding `pos` starts: a line opening with "-", "+" or an item number, at
    /// most four lines up and not across a blank line; nil when `pos` is in no item.
    func itemStart(_ b: [UInt8], _ pos: Int) -> Int? {
        var lineStart = pos
        for _ in 0..<5 {
            while lineStart > 0, b[lineStart - 1] != 0x0A { lineStart -= 1 }
            var j = lineStart
            while j < b.count, b[j] == 0x20 { j += 1 }
            if j >= b.count || b[j] == 0x0A { return nil }
            if b[j] == UInt8(ascii: "-") || b[j] == UInt8(ascii: "+") || isItemNumber(b, j) { return j }
            if lineStart == 0 { return nil }
            lineStart -= 1
        }
        return nil
    }

    /// The text after the last clause boundary (",", "(", ":") of `before`.
    /// Units of places counted for what they reach, not to describe the area: "xây dựng thêm 3 xã đạt
    /// tiêu chí", "công nhận 03 làng du lịch", "5 thôn hoàn thành" (but "toàn huyện có 10 xã").
    func placesAchieving(_ b: [UInt8], before: String, after: Int) -> Bool {
        let lead = before.split(whereSeparator: \.isWhitespace).suffix(3).joined(separator: " ")
        if ["them", "cong nhan", "xay dung", "phan dau"].contains(where: { lead.hasSuffix($0) || lead.contains($0 + " ") }) { return true }
        let next = String(decoding: b[after..<min(b.count, after + 60)], as: UTF8.self)
        let words = next.split(whereSeparator: { $0 == " " || $0 == "\n" }).prefix(6).map(String.init)
        let stop = words.firstIndex(where: { $0.hasSuffix(",") || $0.hasSuffix(";") || $0.hasSuffix(".") }) ?? words.count - 1
        let phrase = " " + words.prefix(stop + 1).joined(separator: " ") + " "
        return [" dat ", " hoan thanh ", " duoc cong nhan ", " ve dich "].contains { phrase.contains($0) }
    }

    /// The text up to its first "(" when the parenthesis holds a figure of its own: that is another
    /// clause's ("đạt 58% vào năm 2027 (năm 2024 đạt 52,4%)"); a parenthesis of a time alone
    /// ("(năm 2023)") is the figure's.
    static func beforeParenthesis(_ s: String) -> String {
        guard let i = s.firstIndex(of: "(") else { return s }
        let inner = s[s.index(after: i)...].prefix { $0 != ")" }
        let numbers = inner.split(whereSeparator: { !$0.isNumber && $0 != "," && $0 != "." })
        let ownFigure = inner.contains("%") || numbers.contains { n in !(n.count == 4 && n.allSatisfy(\.isNumber)) }
        return ownFigure ? String(s[..<i]) : s
    }

    func clauseText(_ before: String) -> String {
        guard let i = before.lastIndex(where: { $0 == "," || $0 == "(" || $0 == ":" }) else { return before }
        return String(before[before.index(after: i)...])
    }

    /// The lead line of the list item starting at `start`: the nearest line above that ends with ":",
    /// within the few lines of the list.
    func leadText(_ b: [UInt8], _ start: Int) -> String? {
        var i = start - 1
        var lines = 0
        while i > 0, lines < 12 {
            if b[i] == 0x0A {
                lines += 1
                var k = i - 1
                while k >= 0, b[k] == 0x20 { k -= 1 }
                if k < 0 || b[k] == 0x0A { return nil }
                if b[k] == UInt8(ascii: ":") {
                    var s = k
                    while s > 0, b[s - 1] != 0x0A { s -= 1 }
                    return String(decoding: b[s..<k], as: UTF8.self)
                }
            }
            i -= 1
        }
        return nil
    }

    // MARK: measure, status, year

    func isGrowth(before: String, after: String) -> Bool {
        let clause = clauseText(before)
        let lastWords = Extractor.lastWords(clause, 3)
        let rising = lastWords.contains("tang") || lastWords.contains("giam")
        let compared = Extractor.firstWords(after, 3).joined(separator: " ").hasPrefix("so voi")
            || after.containsBytes("so voi cung ky") || after.hasPrefix(" so voi")
        if rising && (compared || lastWords.last == "tang") { return true }
        return lexicons["growth-words"]!.contains(clause)
    }

    /// A bare share under a lead line or heading about growth ("b) Tốc độ phát triển số người tham
    /// gia … (năm sau so với năm trước)" over "- BHXH bắt buộc: 3,36%."), unless its own clause says
    /// it is a share ("tỷ lệ bao phủ").
    func grownInContext(_ doc: Document, _ b: [UInt8], at pos: Int, sentenceStart: Int, before: String) -> Bool {
        if before.containsBytes("ty le") || before.containsBytes("bao phu") || before.containsBytes("chiem") { return false }
        let growth = lexicons["growth-words"]!
        if let lead = leadText(b, sentenceStart), growth.contains(lead) { return true }
        if let h = heading(at: pos, doc.headings), growth.contains(doc.headings[h].foldedTitle) { return true }
        return false
    }

    enum SectionKind { case past, plan }

    /// Each heading's kind of section (results reported, or what is to be done), inherited by the
    /// headings below it that do not say.
    /// `openingOnly`: a heading's kind is told only by the words it opens with ("I. KẾT QUẢ THỰC HIỆN",
    /// not "5. Các cơ quan, đơn vị báo cáo kết quả thực hiện …" nor "3. Bộ phận Tiếp nhận và Trả kết quả").
    func sectionStatuses(_ doc: Document, openingOnly: Bool = false) -> [SectionKind?] {
        let past = lexicons["past-sections"]!, plan = lexicons["plan-sections"]!, actual = lexicons["actual-cues"]!
        var out: [SectionKind?] = []
        for (i, h) in doc.headings.enumerated() {
            var kind: SectionKind?
            let title = h.foldedTitle
            // a heading that is a whole sentence ("1. Số người tham gia … đạt 151.000 người") is an item
            let isItem = title.utf8.count > 90 || title.contains(where: \.isNumber) && !title.containsBytes("nam")
            // a sentence heading that reports ("1. Qua theo dõi … tính đến 30/9/2023 chưa đạt … Cụ thể:")
            // introduces results, whatever plan words it repeats
            if openingOnly {
                if !isItem {
                    if past.all(title).first?.range.lowerBound == 0 { kind = .past } else if plan.all(title).first?.range.lowerBound == 0 { kind = .plan }
                }
            } else if isItem, actual.contains(title) { kind = .past } else if !isItem || h.level <= 2 {
                let p = past.all(title).first?.range.lowerBound, q = plan.all(title).first?.range.lowerBound
                if let p, q == nil || p < q! { kind = .past } else if q != nil { kind = .plan }
            }
            if kind == nil, let parent = doc.headings[..<i].lastIndex(where: { $0.level < h.level }) { kind = out[parent] }
            out.append(kind)
        }
        return out
    }

    func status(_ doc: Document, _ b: [UInt8], at pos: Int, sentenceStart: Int, before: String, after: String,
                sections: [SectionKind?]) -> String {
        let targetWords = lexicons["target-words"]!, actual = lexicons["actual-cues"]!
        // the clause the figure stands in: after the last ",", ";", ":" or an open "("
        let clause = clauseText(before)
        let clauseStart = pos - clause.utf8.count
        // "trở lên" bounds the figure it follows: before this one it defines a category ("nợ từ 3 tháng trở lên là 4.865 triệu đồng")
        func cues(_ s: String) -> [(range: Range<Int>, canonical: String)] { targetWords.all(s).filter { $0.canonical != "trở lên" } }
        let t = cues(clause).last?.range.upperBound
        let a = [actual.lastEnd(clause), pastTenseEnd(doc.t, b, clauseStart, pos).map { $0 - clauseStart }].compactMap { $0 }.max()
        if let t, a == nil || t > a! { return "target" }
        if a != nil { return "actual" }
        // a past year in the figure's own clause: "(năm 2024 đạt 52,4%)" beside a plan's figure
        if let dy = doc.year, let y = namedYear(clause), y < dy { return "actual" }
        let section: SectionKind? = heading(at: pos, doc.headings).flatMap { sections[$0] }
        // a plan figure quoted in parentheses does not make its sentence a plan's ("(chỉ tiêu giao dưới 1,2%), tập trung ở 19 doanh nghiệp")
        let before = outsideParentheses(b, sentenceStart, pos)
        let reported = actual.contains(before) || pastTenseEnd(doc.t, b, sentenceStart, pos) != nil
        // "đạt 96,3% kế hoạch": a completion ratio is reached, except where a plan sets it
        let afterWords = Extractor.firstWords(after, 2).joined(separator: " ")
        if afterWords.hasPrefix("ke hoach") {
            if section != .plan { return "actual" }
        }
        // the sentence, then the paragraph: a cut-off or a result ("Tính đến ngày 30/9/2024, …")
        if reported { return section == .plan && !cues(before).isEmpty ? "target" : "actual" }
        if !cues(before).isEmpty { return "target" }
        if let dy = doc.year, let y = namedYear(before + " " + Extractor.beforeParenthesis(after)), y < dy { return "actual" }
        let paragraph = paragraphText(b, pos)
        // the paragraph's first cue frames it ("Mục tiêu trong đợt cao điểm: không để xảy ra …; 100% …")
        if section != .plan {
            let firstActual = [actual.all(paragraph).first?.range.lowerBound,
                               pastTenseEnd(doc.t, b, pos - paragraph.utf8.count, pos).map { $0 - (pos - paragraph.utf8.count) }].compactMap { $0 }.min()
            let firstTarget = cues(paragraph).first
            if let a = firstActual, a < (firstTarget?.range.lowerBound ?? Int.max) { return "actual" }
            // a paragraph that opens with the goal ("Mục tiêu trong đợt cao điểm: …; 100% bếp ăn …")
            // sets targets even under a heading of results
            if let f = firstTarget, ["mục tiêu", "phấn đấu"].contains(f.canonical), f.range.lowerBound < (firstActual ?? Int.max) { return "target" }
        }
        if let section { return section == .past ? "actual" : "target" }
        let kind = doc.info.kind.map(ExtractionRules.key) ?? ""
        return kind == "bao cao" ? "actual" : "target"
    }

    /// The end of the last "đã" (the past tense) between two folded offsets. Not in actual-cues.vocab:
    /// folded it is "da", as "đa" ("đa chiều") and "da" are, so it is told by its printed marks.
    func pastTenseEnd(_ t: FoldedText, _ b: [UInt8], _ start: Int, _ end: Int) -> Int? {
        var found: Int?
        var i = start
        while i + 1 < end {
            if b[i] == UInt8(ascii: "d"), b[i + 1] == UInt8(ascii: "a"),
               i == start || !Extractor.isWordByte(b[i - 1]), i + 2 >= b.count || !Extractor.isWordByte(b[i + 2]),
               Normalize.lowercased(t.text(i..<(i + 2))) == "đã" {
                found = i + 2
            }
            i += 1
        }
        return found
    }

    static func isWordByte(_ c: UInt8) -> Bool { c >= 0x80 || (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) }

    /// The paragraph before `pos`: back to a blank line or a heading line.
    func paragraphText(_ b: [UInt8], _ pos: Int) -> String {
        var i = pos - 1
        while i > 0 {
            if b[i] == 0x0A {
                var k = i - 1
                while k >= 0, b[k] == 0x20 { k -= 1 }
                if k < 0 || b[k] == 0x0A { break }
                var j = i + 1
                while j < pos, b[j] == 0x20 { j += 1 }
                if j < pos, isItemNumber(b, j) { i = j; break }
            }
            i -= 1
        }
        return String(decoding: b[max(0, i)..<pos], as: UTF8.self)
    }

    /// A year the clause names as its time ("năm 2024", "năm học 2023 - 2024"), not as a base of
    /// comparison ("so với năm 2023", "cùng kỳ năm 2023").
    func namedYear(_ s: String) -> Int? {
        for m in yearPattern.matches(in: s).reversed() {
            guard let y = Int(Pattern.substring(s, m.groups[1]!)), (1990...2100).contains(y) else { continue }
            let lead = String(Pattern.substring(s, max(0, m.range.lowerBound - 14)..<m.range.lowerBound))
            if lead.hasSuffix("so voi ") || lead.hasSuffix("cung ky ") || lead.hasSuffix("voi ") { continue }
            // "rừng trồng các năm 2022 - 2024": years that describe what is counted, not when
            if lead.hasSuffix("cac ") { continue }
            return y
        }
        return nil
    }
}
