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
    /// The spellings of duty-sections.vocab, and each one's letters with its number of words.
    let dutyWords: [String]
    let dutyLetters: [(letters: String, words: Int)]
    let yearPattern = try! Pattern(#"nam\s+(\d{4})\b"#)
    /// Each agency name's canonical spelling and merging key, made once (they depend on this
    /// extractor's vocabularies).
    let canonicalNames = MemoTable<(name: String, key: String)>()
    /// Whether a folded heading is a damaged duty-section heading (`fuzzyDuty`), asked once per heading.
    let dutyHeadings = MemoTable<Bool>()
    /// The gazetteer's names of one kind of unit with their folded letters, made when a header first
    /// asks (not at start-up: most runs never need the 9,000 names).
    let placeLetters = MemoTable<[(name: String, letters: String)]>()

    public init(rules: ExtractionRules) {
        self.rules = rules
        self.names = AgencyNames(rules: rules)
        var l: [String: Lexicon] = [:]
        for name in ["indicators", "other-indicators", "growth-words", "target-words", "populations", "actual-cues", "past-sections", "plan-sections", "table-columns", "vote-shares"] { l[name] = Lexicon(rules, name) }
        lexicons = l
        dutyWords = rules.vocabulary("duty-sections").entries.flatMap(\.spellings)
        dutyLetters = dutyWords.map { d in
            let known = Fuzzy.letters(d)
            return (known, known.split(separator: " ").count)
        }
    }

    /// `ocr`: the text restoration started from (line for line), when there was one; names of
    /// places in the header are checked against it.
    public func extract(text: String, path: String, sha256: String, ocr: String? = nil) -> ExtractionResult {
        // Lines are cut at "\n" alone: other endings (CRLF, CR, U+2028…) become "\n" first.
        let ocr = ocr.map { Normalize.nfc(LineEnds.lf($0)) }
        let lfText = LineEnds.lf(text)
        let text = ocr.map { Extractor.keepNames(restored: Normalize.nfc(lfText), ocr: $0) } ?? lfText
        let t = FoldedText(Normalize.nfc(text))
        var doc = Document(t: t)
        doc.fromOCR = ocr != nil
        let ocrLines = ocr.map { $0.pieces(separatedBy: "\n") }
        doc.info = header(t, ocrLines: ocrLines)
        doc.year = doc.info.date.flatMap { Int($0.prefix(4)) }
        doc.headings = headings(t)
        if let issuer = doc.info.issuer {
            doc.issuerKeys.insert(Extractor.agencyKey(issuer))
            let words = Fold.string(issuer).split(separator: " ")
            if words.count >= 5 { doc.issuerKeys.insert(Extractor.agencyKey(words.prefix(5).joined(separator: " "))) }
        }
        var result = ExtractionResult(source: .init(path: path, sha256: sha256), document: doc.info)
        result.references = references(t, own: doc.info.number)
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
        /// Restored from an OCR reading: digits may stand for letters ("6" for "ô", "13" for "là").
        var fromOCR = false
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

    func header(_ t: FoldedText, ocrLines: [Substring]? = nil) -> ExtractionResult.DocumentInfo {
        // The same group of a rule matched on the OCR text's line `line` (1-based), if any.
        func ocrGroup(_ r: ExtractionRules.Rule, _ line: Int, _ group: String) -> String? {
            guard let ls = ocrLines, line >= 1, line <= ls.count else { return nil }
            let ot = FoldedText(String(ls[line - 1]))
            guard let m = r.pattern.firstMatch(in: ot.folded), let g = m.range(group) else { return nil }
            return ot.text(g)
        }
        // The OCR's words at the place of `words` in line `line`: by position when the line kept its
        // number of words, else from the rule's group on the OCR line.
        func ocrWords(_ words: [String], line: Int, rule r: ExtractionRules.Rule, group: String, fromEnd: Bool) -> [String]? {
            guard let ls = ocrLines, line >= 1, line <= ls.count, !words.isEmpty else { return nil }
            func split(_ s: String) -> [String] {
                s.split(whereSeparator: { $0.isWhitespace }).map { String($0.filter { !"*#\\_,;:.".contains($0) }) }
            }
            let restoredLine = split(Pattern.substring(t.original, t.lineStarts[line - 1]..<(line < t.lineStarts.count ? t.lineStarts[line] : t.original.utf8.count)))
            let ocrLine = split(String(ls[line - 1]))
            if restoredLine.count == ocrLine.count, restoredLine.count >= words.count {
                for j in 0...(restoredLine.count - words.count) where Array(restoredLine[j..<(j + words.count)]) == words {
                    return Array(ocrLine[j..<(j + words.count)])
                }
            }
            guard let g = ocrGroup(r, line, group) else { return nil }
            let ws = split(cleanMarks(g)).filter { !$0.isEmpty }
            guard ws.count >= words.count else { return nil }
            return fromEnd ? Array(ws.suffix(words.count)) : Array(ws.prefix(words.count))
        }
        var placeSources: [(restored: [String], ocr: [String]?)] = []
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
            let year = m.range("year").map { t.text($0) + "/" } ?? ""
            if !running.isEmpty { info.number = running + (m.range("party") != nil ? "-" : "/") + year + suf }
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
                    if !place.isEmpty {
                        info.place = place.joined(separator: " ")
                        let ws = place.map(String.init)
                        placeSources.append((ws, ocrWords(ws, line: t.line(ofFolded: p.lowerBound), rule: r, group: "place", fromEnd: true)))
                    }
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
                    // the kind with its diacritics, whatever marks the OCR left, or the kind one damaged
                    // letter away ("KU HOẠCH", "TỪ TRÌNH")
                    let kinds = rules.vocabulary("document-kinds")
                    // a damaged kind is taken in the header only: further down, a line "CÔNG DÂN" is no "CÔNG VĂN"
                    let inHeader = t.line(ofFolded: m.range.lowerBound) <= 30
                    // or two letters away from the kind the number's code names ("KI) HOUCH" over "08/KH-BCĐ",
                    // "CHU THO" over "19/CT-UBND"): two damaged readings that agree
                    let coded = suffix.map { Extractor.kindOfCode($0, rules.vocabulary("document-codes")) }
                    let known = kinds.canonical(s) ?? (inHeader ? kinds.entries.first { e in
                        e.spellings.contains { Fuzzy.close(Fuzzy.letters(s), Fuzzy.letters($0)) }
                    }?.canonical : nil) ?? (inHeader ? coded.flatMap { c in
                        c != "Công văn" && Fuzzy.distance(Fuzzy.letters(s), Fuzzy.letters(c), limit: 2) <= 2 ? c : nil
                    } : nil)
                    // the pattern lets each marked vowel be any letters: a line no kind is close to is none
                    guard let known else { continue }
                    info.kind = Normalize.uppercased(known)
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
            // "Số: 1414/TCT-CS V/v hỗ trợ …": the subject begins after the number on its line
            if let v = m.range("vv"), let title = info.title {
                let before = cleanMarks(t.text(t.toOriginalInverse(lineStart: l - 1)..<v.lowerBound))
                if title.hasPrefix(before) { info.title = String(title.dropFirst(before.count)).trimmingCharacters(in: .whitespaces) }
            }
        }
        // Issuer: the body named by the number's suffix ("KH-UBND") or the header, and the unit line.
        if let r = rules.rule("document.unit") {
            let limit = (numberLine ?? 6) + 1
            // the last unit line of the header: of a parent above the issuer, the lower one
            for m in r.pattern.matches(in: t.folded).reversed() where t.line(ofFolded: m.range.lowerBound) <= limit {
                guard let lv = m.range("level"), let nm = m.range("name") else { continue }
                let levelText = t.text(lv), nameText = cleanMarks(t.text(nm))
                guard levelText == Normalize.uppercased(levelText), !nameText.isEmpty else { continue }
                // "HUYỆN ỦY MƯỜNG NHÉ", "TỈNH ĐOÀN SÓC TRĂNG": a Party or Youth Union committee, not a
                // unit line (the grave accent tells "ĐOÀN" from the place word "Đoan", as in Đoan Hùng)
                if let w = nameText.split(separator: " ").first,
                   ExtractionRules.key(String(w)) == "uy" || Normalize.uppercased(String(w)) == "ĐOÀN" { continue }
                let unitLine = t.line(ofFolded: m.range.lowerBound)
                let firstLines = t.folded.prefix(600)
                let foldedSuffix = suffix.map { ExtractionRules.key($0) } ?? ""
                let body: String
                if let parent = parentAbove(t, line: unitLine) { body = parent }
                else if foldedSuffix.hasSuffix("ubnd") { body = "Ủy ban nhân dân" }
                else if foldedSuffix.hasSuffix("hdnd") { body = "Hội đồng nhân dân" }
                else if firstLines.contains("uy ban nhan dan") || firstLines.contains("ubnd ") { body = "Ủy ban nhân dân" }
                else if firstLines.contains("hoi dong nhan dan") || firstLines.contains("hdnd ") { body = "Hội đồng nhân dân" }
                else { continue }
                // a unit's name is a few capitalised words ("LẠNG SƠN", "HỒ CHÍ MINH")
                func words(_ s: String) -> [String] {
                    // letters and apostrophes ("M'ĐRẮK", "EA H'LEO")
                    s.split(separator: " ").prefix { w in w.allSatisfy { $0.isLetter || "'’".contains($0) } }
                        .prefix(4).map(String.init)
                }
                var unitWords = words(nameText)
                guard !unitWords.isEmpty else { continue }
                let ocrUnit = ocrWords(unitWords, line: t.line(ofFolded: nm.lowerBound), rule: r, group: "name", fromEnd: false)
                let unitSource = (restored: unitWords, ocr: ocrUnit)
                unitWords = Extractor.placeName([unitSource] + placeSources)
                if let first = placeSources.first, ocrLines != nil {
                    info.place = Extractor.placeName([first, unitSource]).joined(separator: " ")
                }
                // the level as the vocabulary writes it (the OCR's "HUYIN" is a huyện)
                let level = rules.vocabulary("unit-levels").canonical(levelText) ?? ExtractionRules.collapse(levelText)
                if let known = gazetteerName(unitWords.joined(separator: " "), level: level) {
                    unitWords = known.split(separator: " ").map(String.init)
                    if let p = info.place, p != known,
                       Fuzzy.distance(Fuzzy.letters(p), Fuzzy.letters(known), limit: 3) <= 2 { info.place = known }
                }
                let place = Normalize.lowercased(level) + " " + titleCase(unitWords.joined(separator: " "))
                info.issuer = body + " " + place
                // a body printed under the unit line, above the number ("VĂN PHÒNG"; "SỞ Y TẾ")
                if let sub = headerBody(t, after: t.line(ofFolded: m.range.lowerBound), before: numberLine ?? 0) {
                    info.issuer = sub.hasField ? sub.name + " " + place : sub.name + " " + body + " " + place
                }
                break
            }
        }
        // No unit line (a ministry, a Sở, a social-insurance office): the body the header block names.
        if info.issuer == nil, let n = numberLine { info.issuer = headerIssuer(t, before: n) }
        // Signer: the last line, when it is a person's name (2–5 capitalised words).
        let tail = t.original.utf8.count > 3000 ? Pattern.substring(t.original, (t.original.utf8.count - 3000)..<t.original.utf8.count) : t.original
        let lines = tail.pieces(separatedBy: "\n").filter { !$0.isEmpty }.suffix(8)
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

    /// The unit's name as the gazetteer (restore/places.txt) writes it, when the name read is not
    /// there and one name of that kind is within a letter or two of it ("Kỳ Sin" → "Kỳ Sơn",
    /// "Ngục Lục" → "Ngọc Lặc", "Mỹ'drak" → "M'Đrắk"); nil when it is there, or none or several are near.
    func gazetteerName(_ name: String, level: String) -> String? {
        let kind = ExtractionRules.key(level)
        guard let listed = rules.places[kind], !name.isEmpty else { return nil }
        let names = placeLetters.value(kind) { listed.map { ($0, Fuzzy.letters($0)) } }
        let letters = Fuzzy.letters(name)
        // the letters of one listed name: its marks, which an English model's reading lost ("NAM PO" → "Nậm Pồ")
        let same = names.filter { $0.letters == letters }
        if !same.isEmpty {
            let spellings = Set(same.map { Normalize.lowercased($0.name) })
            return spellings.count == 1 && Normalize.lowercased(name) != spellings.first! ? same[0].name : nil
        }
        let limit = max(1, min(2, letters.utf8.count / 4))
        var best: [String] = [], bestDistance = limit + 1
        for n in names where abs(n.letters.utf8.count - letters.utf8.count) <= limit {
            let d = Fuzzy.distance(n.letters, letters, limit: limit)
            if d < bestDistance { best = [n.name]; bestDistance = d } else if d == bestDistance { best.append(n.name) }
        }
        return best.count == 1 && bestDistance <= limit ? best[0] : nil
    }

    /// A place's name read in one or more places of the header (the unit line, the date line), each
    /// as restored and as the OCR read it. Restoration knows no place names and may change their
    /// letters ("Kon" → "Lợn"); so for each word: the first reading where restoration only added
    /// marks and that is a Vietnamese syllable; else an OCR reading that is a syllable; else the
    /// OCR's word where its readings agree and restoration changed them all; else, where the OCR
    /// line already had its diacritics (not an English model's output), the OCR word; else the
    /// first restored word.
    static func placeName(_ sources: [(restored: [String], ocr: [String]?)]) -> [String] {
        guard let base = sources.first?.restored, !base.isEmpty else { return sources.first?.restored ?? [] }
        let baseKey = Fuzzy.letters(base.joined(separator: " "))
        let usable = sources.filter { s in
            s.restored.count == base.count && s.ocr?.count == base.count
                && Fuzzy.close(Fuzzy.letters(s.restored.joined(separator: " ")), baseKey)
        }
        func valid(_ w: String) -> Bool { Vietnamese.isValidSyllable(Normalize.lowercased(w)) }
        func fold(_ w: String) -> String { Fuzzy.letters(w) }
        func marked(_ ws: [String]) -> Bool { ws.contains { $0.unicodeScalars.contains { $0.value >= 0x80 } } }
        // a reading from another source, in the casing of the first ("NỘI" in "Hà Nội")
        func cased(_ w: String, _ i: Int) -> String {
            let b = base[i]
            if b == Normalize.uppercased(b) { return Normalize.uppercased(w) }
            let lower = Normalize.lowercased(w)
            return b.first?.isUppercase == true ? Normalize.uppercased(String(lower.prefix(1))) + lower.dropFirst() : lower
        }
        return base.indices.map { i in cased(pick(i), i) }
        func pick(_ i: Int) -> String {
            for s in usable where fold(s.restored[i]) == fold(s.ocr![i]) && valid(s.restored[i]) { return s.restored[i] }
            for s in usable where valid(s.ocr![i]) { return s.ocr![i] }
            // two readings of the OCR agree and restoration changed the letters of both ("KON", "Kon")
            if usable.count >= 2, Set(usable.map { fold($0.ocr![i]) }).count == 1,
               usable.allSatisfy({ fold($0.restored[i]) != fold($0.ocr![i]) }) { return usable[0].ocr![i] }
            for s in usable where marked(s.ocr!) && fold(s.restored[i]) != fold(s.ocr![i]) { return s.ocr![i] }
            return base[i]
        }
    }

    /// A body's name on a header line between the unit line `after` and the number line `before`
    /// (1-based), printed in capitals and opening with a head of header-bodies.vocab; `hasField`
    /// when words follow the head ("SỞ Y TẾ" names its own field, "VĂN PHÒNG" is the parent's).
    func headerBody(_ t: FoldedText, after: Int, before: Int) -> (name: String, hasField: Bool)? {
        guard before > after + 1 else { return nil }
        let organs = rules.vocabulary("header-organs")
        for l in (after + 1)..<before {
            let line = repairedHeaderLine(headerLeftColumn(t, line: l))
            guard Extractor.headerCapitals(line) else { continue }
            let folded = ExtractionRules.key(line)
            guard let head = headerHead(folded) else { return nil }
            // "BAN THƯỜNG TRỰC" under "ỦY BAN MTTQ VIỆT NAM / XÃ …" is the parent's organ, like "VĂN PHÒNG"
            if let organ = organs.canonical(line) { return (organ, false) }
            // a long name wraps over the lines down to the number ("BAN CHỈ ĐẠO PHÒNG, CHỐNG TỘI PHẠM, /
            // TỆ NẠN XÃ HỘI VÀ …")
            var name = line
            for k in (l + 1)..<before {
                let more = headerLeftColumn(t, line: k)
                guard Extractor.headerCapitals(more) else { break }
                name += " " + more
            }
            return (officialCase(name, t), folded != head)
        }
        return nil
    }

    /// The parent body printed on the line above a unit line ("ỦY BAN MTTQ VIỆT NAM" / "XÃ LƯƠNG
    /// MINH"), when it is a body other than the people's committee or council (which the number's
    /// code and the header name in the usual way).
    func parentAbove(_ t: FoldedText, line: Int) -> String? {
        guard line > 1 else { return nil }
        let above = repairedHeaderLine(headerLeftColumn(t, line: line - 1))
        guard Extractor.headerCapitals(above) else { return nil }
        let folded = ExtractionRules.key(above)
        if folded.hasPrefix("uy ban nhan dan") || folded.hasPrefix("hoi dong nhan dan") || folded.hasPrefix("ubnd") || folded.hasPrefix("hdnd") { return nil }
        guard headerHead(folded) != nil else { return nil }
        return officialCase(above, t)
    }

    /// The head of header-bodies.vocab a header line (folded) opens with, if any.
    func headerHead(_ folded: String) -> String? {
        rules.vocabulary("header-bodies").entries.lazy.flatMap(\.spellings).first { folded == $0 || folded.hasPrefix($0 + " ") }
    }

    /// A header line printed in capitals (and not empty of letters).
    static func inCapitals(_ line: String) -> Bool {
        !line.isEmpty && line == Normalize.uppercased(line) && line.contains(where: \.isLetter)
    }

    /// A header line in capitals but for one word of three or more, which restoration of an OCR
    /// reading may leave in lower case ("TRUNG TÂM Y Tế HUYỆN KRÔNG PẮC").
    static func headerCapitals(_ line: String) -> Bool {
        if inCapitals(line) { return true }
        let words = line.split(separator: " ").filter { $0.contains(where: \.isLetter) }
        return words.count >= 3 && words.filter { $0 != Normalize.uppercased(String($0)) }.count <= 1
            && words.first.map { $0 == Normalize.uppercased(String($0)) } == true
    }

    /// A header line whose first word the OCR damaged, given back where the rest spells a known
    /// body ("SG KHOA HỌC VÀ CÔNG NGHỆ" → "SỞ KHOA HỌC VÀ CÔNG NGHỆ", agency-names.vocab).
    func repairedHeaderLine(_ line: String) -> String {
        guard headerHead(ExtractionRules.key(line)) == nil, line.split(separator: " ").count >= 3 else { return line }
        let repaired = names.knownOpening(line)
        if repaired != line { return Normalize.uppercased(repaired) }
        // a head of several words with a damaged word ("BẢO HIỂM XÃ Hil HUYỆN GÒ DẦU")
        let words = line.split(separator: " ").map(String.init)
        let letters = words.map { Fuzzy.letters($0) }
        for e in rules.vocabulary("header-bodies").entries {
            let head = e.canonical.split(separator: " ")
            guard head.count >= 3, head.count < words.count else { continue }
            let want = Fuzzy.letters(e.canonical)
            if Fuzzy.close(letters.prefix(head.count).joined(separator: " "), want) {
                return ([Normalize.uppercased(e.canonical)] + words[head.count...]).joined(separator: " ")
            }
        }
        return line
    }

    /// Proper names inside names of bodies, written with capitals whatever the rule for the field.
    static let properNames: Set<String> = ["viet nam", "chinh phu", "quoc hoi", "trung uong", "nha nuoc"]

    /// A body's name printed in capitals, written as the document writes it elsewhere ("SỞ Y TẾ" →
    /// "Sở Y tế" where the text says "Sở Y tế"); else by the rule for names of bodies (Nghị định
    /// 30/2020/NĐ-CP, Phụ lục II): the kind of body as header-bodies.vocab writes it, a capital on
    /// the first word of the field and of each part after "-", "," or "và", acronyms kept, the
    /// level in lower case and the place's name with capitals.
    func officialCase(_ upper: String, _ t: FoldedText) -> String {
        let words = upper.split(separator: " ").map(String.init)
        guard !words.isEmpty else { return upper }
        let keys = words.map { ExtractionRules.key($0) }
        if let written = writtenInText(keys, t) { return written }
        var out: [String] = []
        var i = 0
        // the kind of body, as the vocabulary writes it ("Ban Quản lý", "Thủ tướng Chính phủ")
        for e in rules.vocabulary("header-bodies").entries.sorted(by: { $0.canonical.count > $1.canonical.count }) {
            let k = ExtractionRules.key(e.canonical).split(separator: " ").map(String.init)
            if k.count <= keys.count, Array(keys[0..<k.count]) == k {
                out.append(e.canonical); i = k.count; break
            }
        }
        let levels = Set(rules.vocabulary("unit-levels").entries.flatMap(\.spellings))
        // "Huyện ủy", "Tỉnh đoàn": a committee named by its unit, so a place follows
        let committee = i == 2 && levels.contains(keys[0]) && ["uy", "doan"].contains(keys[1])
        var capital = true, place = committee
        while i < words.count {
            let w = words[i], lower = Normalize.lowercased(w)
            let two = i + 1 < words.count ? keys[i] + " " + keys[i + 1] : ""
            if !place, levels.contains(two) { out.append(lower + " " + Normalize.lowercased(words[i + 1])); i += 2; place = true; continue }
            if !place, levels.contains(keys[i]) { out.append(lower); i += 1; place = true; continue }
            let acronym = w.count >= 2 && w.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "&" } && !Vietnamese.isValidSyllable(lower)
            if acronym { out.append(w) }
            else if place || capital || Extractor.properNames.contains(two)
                        || i > 0 && Extractor.properNames.contains(keys[i - 1] + " " + keys[i]) { out.append(sentenceCase(w)) }
            else { out.append(lower) }
            capital = w == "-" || w.hasSuffix(",") || keys[i] == "va"
            if keys[i] == "va" { out[out.count - 1] = lower }
            i += 1
        }
        return out.joined(separator: " ")
    }

    /// The words `keys` (folded) where the text writes them not all in capitals, if it does.
    func writtenInText(_ keys: [String], _ t: FoldedText) -> String? {
        let b = Array(t.folded.utf8)
        let needle = keys.map { Array($0.utf8) }
        guard let first = needle.first, !first.isEmpty else { return nil }
        func isWord(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c >= 0x80 }
        var i = 0
        outer: while i + first.count <= b.count {
            defer { i += 1 }
            guard b[i] == first[0], i == 0 || !isWord(b[i - 1]) else { continue }
            var p = i
            for (n, w) in needle.enumerated() {
                if n > 0 {
                    let q = p
                    while p < b.count, b[p] == 0x20 || b[p] == 0x0A || b[p] == 0x09 { p += 1 }
                    if p == q && isWord(w[0]) { continue outer }
                }
                guard p + w.count <= b.count, b[p..<(p + w.count)].elementsEqual(w) else { continue outer }
                p += w.count
            }
            guard p == b.count || !isWord(b[p]) else { continue }
            let text = cleanMarks(t.text(i..<p))
            // not "cục Kiểm lâm" out of "Chi cục Kiểm lâm"
            if text != Normalize.uppercased(text), text.first?.isUppercase == true { return ExtractionRules.collapse(text) }
        }
        return nil
    }

    /// The issuer named by the header's top-left block above the number line `before` (1-based):
    /// the lowest line in capitals that opens with a head of header-bodies.vocab, with the lines
    /// that continue it; a bare head ("VĂN PHÒNG") takes its parent's name from the line above.
    func headerIssuer(_ t: FoldedText, before: Int) -> String? {
        let heads = rules.vocabulary("header-bodies").entries.flatMap(\.spellings)
        var lines: [String] = []
        for l in 1..<max(1, min(before, 9)) {
            var line = headerLeftColumn(t, line: l)
            // the motto beside it ("BỘ Y TẾ CỘNG HÒA XÃ HỘI …")
            if let r = line.range(of: "CỘNG HÒA") ?? line.range(of: "CỘNG HOÀ") { line = String(line[..<r.lowerBound]) }
            line = line.trimmingCharacters(in: CharacterSet(charactersIn: " -–—*_=.,"))
            let folded = ExtractionRules.key(line)
            guard line.contains(where: \.isLetter), !folded.hasPrefix("doc lap") else { continue }
            guard Extractor.headerCapitals(line) else { break }
            lines.append(repairedHeaderLine(line))
        }
        guard let i = lines.lastIndex(where: { headerHead(ExtractionRules.key($0)) != nil }) else { return nil }
        var name = lines[i...].joined(separator: " ")
        if heads.contains(ExtractionRules.key(name)), i > 0 { name += " " + lines[i - 1] }
        // a parent and its body side by side on one line ("BỘ TÀI CHÍNH TỔNG CỤC THUẾ"): from the
        // last head of two or more words that starts a later word
        let words = name.split(separator: " "), keys = ExtractionRules.key(name).split(separator: " ")
        if words.count == keys.count, words.count > 2,
           let j = (1..<(keys.count - 1)).last(where: { j in
               heads.contains { h in h.contains(" ") && keys[j...].joined(separator: " ").hasPrefix(h + " ") }
           }) {
            name = words[j...].joined(separator: " ")
        }
        return officialCase(name, t)
    }

    /// Line `line` (1-based) of a header, its left column only: a side-by-side header puts the motto beside it.
    func headerLeftColumn(_ t: FoldedText, line l: Int) -> String {
        let from = t.lineStarts[l - 1], to = l < t.lineStarts.count ? t.lineStarts[l] : t.original.utf8.count
        var column = String(Pattern.substring(t.original, from..<to)).components(separatedBy: "   ")[0]
        // the OCR reads a side-by-side header with single spaces: the motto starts the right column
        // ("PHÒNG GIÁO DỤC VÀ ĐÀO TẠO Độc lập - Tự do - Hạnh phúc")
        if let motto = Extractor.mottoStart, column.utf8.count > 12 {
            let ft = FoldedText(column)
            if let m = motto.firstMatch(in: ft.folded), m.range.lowerBound > 0 {
                column = Pattern.substring(column, 0..<ft.originalRange(m.range).lowerBound)
            }
        }
        return cleanMarks(column)
    }

    /// Where the motto begins on a header line, as the unit line's pattern ends a unit's name.
    static let mottoStart = try? Pattern(#"\s(?:cong\s+hoa|doc\s+lap|d\S{1,4}\s+\S{1,4}\s*-\s*t\S{0,3}\)?\s+do\b)"#)

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
            if endsTitle(s, after: parts.last) { break }
            parts.append(s)
            i += 1
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// Whether line `s` opens a numbered heading or item ("II. …", "3.2. …", "b) …": structure.heading).
    func opensNumberedHeading(_ s: String) -> Bool {
        rules.rule("structure.heading")?.pattern.firstMatch(in: ExtractionRules.key(s)).map { $0.range.lowerBound == 0 } == true
    }

    /// Whether line `s` is past the title: the preamble, salutation or enacting formula
    /// (title-stops.vocab), a rule of dashes, a numbered heading, or the authority enacting it alone
    /// on a line in capitals (enacting-authorities.vocab) after a title line that does not run on.
    func endsTitle(_ s: String, after previous: String?) -> Bool {
        let key = ExtractionRules.key(s)
        // on a word's end: "Căn cứ" opens the preamble, "căn cước" may be the title's
        func opens(_ spelling: String) -> Bool {
            let k = ExtractionRules.key(spelling)
            guard key.hasPrefix(k) else { return false }
            guard let next = key.dropFirst(k.count).unicodeScalars.first, let last = k.unicodeScalars.last else { return true }
            return !(next.isLetterCharacter || next.isNumberCharacter) || !(last.isLetterCharacter || last.isNumberCharacter)
        }
        if rules.vocabulary("title-stops").entries.contains(where: { $0.spellings.contains(where: opens) }) { return true }
        guard let previous else { return false }
        // the motto or the place-and-date line, when the header is printed after the subject line
        if let r = rules.rule("document.date"), r.pattern.firstMatch(in: key) != nil { return true }
        if !s.unicodeScalars.contains(where: \.isLetterCharacter) { return true }
        if opensNumberedHeading(s) { return true }
        guard s == Normalize.uppercased(s), s.split(separator: " ").count <= 12 else { return false }
        let runsOn: Set<String> = ["cua", "voi", "cho", "va", "tai", "ve", "thuoc", "doi", "giua", "den", "theo", "trong", "tren", "nham"]  // not "tu": từ, but also tự, tư
        if let last = ExtractionRules.key(previous).split(separator: " ").last, runsOn.contains(String(last)) { return false }
        return rules.vocabulary("enacting-authorities").entries.contains { e in e.spellings.contains { key.hasPrefix(ExtractionRules.key($0) + " ") || key == ExtractionRules.key($0) } }
    }

    func cleanMarks(_ s: String) -> String {
        // the marks made spaces, then spaces collapsed
        s.plainJoined(whereSeparator: { $0.isWhitespaceCharacter || "*#\\_".unicodeScalars.contains($0) })
            ?? s.split(whereSeparator: { $0.isWhitespace || "*#\\_".contains($0) }).joined(separator: " ")
    }

    func titleCase(_ s: String) -> String {
        s.split(separator: " ").map { sentenceCase(String($0)) }.joined(separator: " ")
    }

    /// Lower case with a capital first letter ("SỞ Y TẾ" → "Sở y tế").
    func sentenceCase(_ s: String) -> String {
        let lower = Normalize.lowercased(s)
        return Normalize.uppercased(String(lower.prefix(1))) + lower.dropFirst()
    }

    // MARK: structure

    func headings(_ t: FoldedText) -> [Heading] {
        guard let r = rules.rule("structure.heading") else { return [] }
        var out: [Heading] = []
        for m in r.pattern.matches(in: t.folded) {
            guard let num = m.range("num"), let title = m.range("title") else { continue }
            let n = t.foldedText(num)
            let level: Int
            if n.hasPrefix("dieu") {
                level = 1
            } else if n.first.map({ "ivx".contains($0) }) == true && n.hasSuffix(".") && n.count <= 6 && n.dropLast().allSatisfy({ "ivxl".contains($0) }) {
                level = 1
            } else if n.first?.isNumber == true {
                level = 1 + n.split(separator: ".").count
            } else { level = 6 }
            var h = Heading(level: level, start: m.range.lowerBound, end: title.upperBound, title: cleanMarks(t.text(title)),
                            foldedTitle: ExtractionRules.collapse(t.foldedText(title)), line: t.line(ofFolded: m.range.lowerBound))
            let folded = h.foldedTitle
            h.isDuty = dutyWords.contains { folded.firstOffset(of: $0) != nil }
                || dutyHeadings.value(folded) { Extractor.fuzzyDuty(folded, dutyLetters) }
            out.append(h)
        }
        return out
    }

    /// A heading whose opening words are a duty-section heading with a damaged letter or two
    /// ("TỔ CHỨC THU'CƯ HIỆN"); the heading may add a few words ("… KẾ HOẠCH").
    static func fuzzyDuty(_ title: String, _ dutyLetters: [(letters: String, words: Int)]) -> Bool {
        let words = Fuzzy.letters(title).split(separator: " ")
        // the opening of n words, made once for each n and only when its length can be close
        var openings: [Int: String] = [:]
        for (known, n) in dutyLetters {
            guard words.count >= n, words.count <= n + 3 else { continue }
            let length = words.prefix(n).reduce(n - 1) { $0 + $1.utf8.count }
            guard abs(length - known.utf8.count) <= Fuzzy.allowance(known.utf8.count) else { continue }
            let opening = openings[n] ?? words.prefix(n).joined(separator: " ")
            openings[n] = opening
            if Fuzzy.close(opening, known) { return true }
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

    /// `own`: the document's own number, which is not a cited document.
    func references(_ t: FoldedText, own: String? = nil) -> [ExtractionResult.Reference] {
        var out: [ExtractionResult.Reference] = []
        var seen = Set<String>()
        if let own { seen.insert(ExtractionRules.key(own.filter { !$0.isWhitespace })) }
        let kinds = rules.vocabulary("document-kinds")
        for r in rules.rules("reference") {
            for m in r.pattern.matches(in: t.folded) {
                guard let n = m.range("number") else { continue }
                // OCR's "[", "|", "\\" for "/" and dashes for "-"
                let number0 = String(t.text(n).filter { !$0.isWhitespace }.map { c -> Character in
                    "[|\\".contains(c) ? "/" : "—–".contains(c) ? "-" : c
                })
                let number = Extractor.legislatureDigits(number0)
                let key = ExtractionRules.key(number)
                if seen.contains(key) { continue }
                seen.insert(key)
                // no kind word (the OCR damaged it): the kind the number's code names
                let kind = m.range("kind").map { k in kinds.canonical(t.text(k)) ?? ExtractionRules.collapse(t.text(k)) }
                    ?? Extractor.kindOfCode(number, rules.vocabulary("document-codes"))
                let date = m.range("date").flatMap { VietnameseDate.parse(t.text($0)) }
                out.append(.init(kind: kind, number: number, date: date,
                                 text: ExtractionRules.collapse(t.text(m.range)), line: t.line(ofFolded: m.range.lowerBound)))
            }
        }
        return Extractor.mergingDamagedCopies(out.sorted { $0.line < $1.line })
    }

    /// The National Assembly's term in a code ("QH15", "UBTVQH11") with the "I" or "l" the OCR reads
    /// for "1" given back ("44/2024/QHI15" → "44/2024/QH15" is not guessed: only the letters become 1).
    static func legislatureDigits(_ number: String) -> String {
        guard number.contains("QH"), let r = number.range(of: #"QH[0-9Il|]{2}(?![0-9A-Za-z])"#, options: .regularExpression) else { return number }
        let digits = number[number.index(r.lowerBound, offsetBy: 2)..<r.upperBound].map { "Il|".contains($0) ? "1" : $0 }
        return number.replacingCharacters(in: r, with: "QH" + String(digits))
    }

    /// A document cites the same decision several times and the OCR damages some of the copies'
    /// codes ("1237/QĐ-TTg", then "1237/QĐ-TT", "1237/QĐ-TTeg"): a later number with the same running
    /// number, the same kind and a code one or two letters off the first is that one again.
    static func mergingDamagedCopies(_ refs: [ExtractionResult.Reference]) -> [ExtractionResult.Reference] {
        var out: [ExtractionResult.Reference] = []
        for r in refs {
            let (n, code) = split(r.number)
            let copy = out.contains { o in
                let (on, ocode) = split(o.number)
                return on == n && o.kind == r.kind && code != ocode
                    && Fuzzy.distance(Fold.string(code), Fold.string(ocode), limit: 3) <= min(2, max(0, min(code.count, ocode.count) - 2))
            }
            if !copy { out.append(r) }
        }
        return out
    }

    /// "1237/QĐ-TTg" → ("1237", "QĐ-TTg"); "16/2017/QH14" → ("16/2017", "QH14").
    private static func split(_ number: String) -> (String, String) {
        guard let slash = number.lastIndex(of: "/") else { return (number, "") }
        return (String(number[..<slash]), String(number[number.index(after: slash)...]))
    }

    /// The kind a document number's code names ("125/KH-SYT" → Kế hoạch); a code that starts with
    /// a body ("1286/UBND-NN") is a công văn's.
    static func kindOfCode(_ number: String, _ codes: ExtractionRules.Vocabulary) -> String {
        let code = number.split(whereSeparator: { "/[|\\".contains($0) }).first { $0.first?.isLetter == true } ?? ""
        let first = code.split(whereSeparator: { "-—–".contains($0) }).first.map(String.init) ?? ""
        return codes.canonical(first) ?? "Công văn"
    }
}
