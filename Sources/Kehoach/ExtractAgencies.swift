import Foundation

/// One place a body is named with a duty.
struct AgencyHit: Sendable {
    let name: String
    let role: String
    let range: Range<Int>   // folded
    let line: Int
    let text: String
}

/// Reads bodies' names out of a stretch of folded text with the agency vocabularies.
struct AgencyNames: Sendable {
    struct Token {
        let text: String
        var range: Range<Int>
        let isWord: Bool
        /// The word's number in `wordIDs`; -1 for other words and for punctuation.
        var id = -1
        var capitalized = false
        /// The first token of a line that follows a short one (ended on purpose: a heading, a list item).
        var afterShortLine = false
        var original = ""
        /// Capitals only, two or more: asked of few tokens, so not computed for every one.
        /// (NFC text: a letter is one scalar, so scalars answer for characters without grapheme breaking)
        var acronym: Bool {
            var letters = 0
            for u in original.unicodeScalars {
                if u.properties.isLowercase { return false }
                letters += 1
            }
            return letters >= 2
        }
    }

    /// Sequences of folded words, found by the number of their first word.
    struct WordList {
        /// first word's id → its sequences as word ids, longest first
        let byFirst: [[[Int]]]
    }

    /// Every word of the lists below, numbered: tokens are matched by number.
    let wordIDs: [String: Int]
    /// The same numbers found by a word's bytes (tokenizing looks up every word of a span).
    let wordIDsByBytes: ByteKeyedIndex
    let heads: WordList
    let nameWords: WordList
    /// agency-name-words as written (NFC, lower case).
    let nameWordsWritten: Set<String>
    let generics: WordList
    let continuations: WordList
    let prefixes: WordList
    /// Words a name never runs into (agency-stops.vocab): duty verbs and time words.
    let stops: WordList
    /// Collective subjects given duties (agency-groups.vocab) as token texts, longest first.
    let groups: [[String]]
    /// Collective subjects counted only as the subject of a duty (agency-group-subjects.vocab).
    let groupSubjects: [[String]]
    /// Both lists together, longest first.
    let allGroups: [[String]]
    /// The lists by their first word, so that most tokens are answered by one lookup.
    let groupsByFirst: [String: [[String]]]
    /// By word id: the word opens a group or an official's title.
    let opensGroupOrTitle: [Bool]
    let groupSubjectsByFirst: [String: [[String]]]
    let officialsByFirst: [String: [[String]]]
    /// Officials' titles (agency-officials.vocab) as token texts, longest first.
    let officials: [[String]]
    let headFull: [String: String]   // folded head → full form
    let headWritten: Set<String>
    /// The same written forms in lower case, with a capital first letter and in capitals.
    let headWrittenCased: Set<String>
    /// The heads as written, split in words, by their folded form.
    let headWrittenByFold: [String: [[Substring]]]
    let known: [(words: [String], canonical: String)]   // agency-names.vocab, folded letters per word
    /// The known names by their first word, in the vocabulary's order.
    let knownByFirst: [String: [(words: [String], joined: String, canonical: String)]]
    /// The known names of three words or more by their second word (a damaged first word is looked up by it).
    let knownBySecond: [String: [(words: [String], joined: String, canonical: String)]]
    static let places: Set<String> = ["tinh", "huyen", "xa", "pho", "tran", "phuong", "quan", "cap"]
    /// Words after which a name's remaining capitalised words are a place's name ("huyện Mường Nhé",
    /// "khu vực Gia Nghĩa - Đắk Glong"): a place's name has every syllable capitalised, so a lower-case
    /// word after it ends the body's name ("… xã Minh Sơn vận động").
    static let placeLead: Set<String> = ["tinh", "huyen", "xa", "pho", "tran", "phuong", "quan", "vuc", "ap", "khom", "thon", "nhanh"]
    /// Function words that show a stretch of lower-case words is a clause, not the field of a name.
    /// First words of the duty verbs that are also the field of a body right after its head:
    /// "Ban Tổ chức", "Ban Chỉ đạo", "Ban Quản lý", "Cục Kiểm soát …", "Ban Kiểm tra", "Quỹ Hỗ trợ …".
    static let fieldVerbs: Set<String> = ["to", "chi", "quan", "kiem", "ho", "tuyen", "giam", "phat"]
    /// Words of a clause that no body's name holds: a heading that has one after its first name is a sentence.
    static let sentenceWords: Set<String> = ["được", "để", "cho", "của", "theo", "về", "với", "là", "có", "nhằm", "bằng", "khi", "này", "do"]
    /// Words that are never the second syllable of a capitalised word ("Văn phòng Bộ là …"); few,
    /// since OCR damage makes other function words of syllables ("Y từ" for "Y tế").
    static let notSyllables: Set<String> = ["là", "được", "có", "của", "để", "cho", "tại", "với", "này"]
    /// As written (folding would take "tái định cư" for "tại").
    static let clauseWords: Set<String> = ["các", "tại", "cho", "của", "để", "trên", "về", "theo", "với", "những", "được", "là", "có",
                                           "khi", "ở", "từ", "đến", "trong", "này", "do", "nhằm", "bằng"]
    /// Name-words of a body's field (agency-name-words.vocab), which come before its place, not after.
    /// ("… Mặt trận thôn thu Quỹ phòng, chống thiên tai": "thu" collects; it names the body only before its place, "đại lý thu xã")
    static let fieldNameWords: Set<String> = ["thong ke", "y te", "thue", "lao dong", "toan dan", "chuyen nganh", "thu"]
    /// Heads that carry their level and so are whole bodies alone ("Tỉnh đoàn", "Huyện ủy").
    static let levelHeads: Set<String> = ["tinh doan", "huyen doan", "thanh doan", "quan doan", "thi doan", "tinh uy", "huyen uy", "thanh uy", "dang uy"]
    /// Whether a proper name of two capitalised words or more ends at token `e`, after the head
    /// (its first word no abbreviation: "VNPT Tuyên Quang" ends at "Quang", "Công ty TNHH MTV" is no name).
    static func properNameEnds(_ toks: [Token], at e: Int, after headEnd: Int) -> Bool {
        e - 1 >= headEnd && toks[e].capitalized && toks[e - 1].capitalized && !toks[e - 1].acronym
    }
    /// Words of tense and mood that open a predicate ("Bộ Y tế đã …"), never a field of a name.
    static let auxiliaries: Set<String> = ["đã", "sẽ", "đang", "cũng", "vẫn", "chưa", "không", "phải", "cần", "nên", "mới", "thì", "thường"]
    static let trim: Set<String> = ["cac", "va", "trong", "tai", "cua", "voi", "cung", "de", "o"]
    static let prefixWords: [[String]] = [["cac"], ["co", "quan"], ["to", "chuc"], ["don", "vi"]]

    init(rules: ExtractionRules) {
        func seqs(_ name: String) -> [[String]] {
            rules.vocabulary(name).entries.flatMap(\.spellings).map { $0.split(separator: " ").map(String.init) }
                .sorted { $0.count > $1.count }
        }
        let lists = [seqs("agency-heads"), seqs("agency-name-words"), seqs("agency-generic"), seqs("name-continuations"),
                     AgencyNames.prefixWords, seqs("agency-stops"),
                     // numbered too, so that a token is asked of the groups and titles only when its word opens one
                     [rules.vocabulary("agency-groups"), rules.vocabulary("agency-group-subjects"), rules.vocabulary("agency-officials")]
                        .flatMap { $0.entries.flatMap(\.spellings) }.compactMap { AgencyNames.tokenTexts($0).first }.map { [$0] }]
        var ids: [String: Int] = [:]
        for list in lists { for seq in list { for w in seq where ids[w] == nil { ids[w] = ids.count } } }
        wordIDs = ids
        wordIDsByBytes = ByteKeyedIndex(ids.map { (Array($0.key.utf8), $0.value) })
        let numbered = lists.map { list in
            var byFirst = [[[Int]]](repeating: [], count: ids.count)
            for seq in list where !seq.isEmpty { byFirst[ids[seq[0]]!].append(seq.map { ids[$0]! }) }
            return WordList(byFirst: byFirst)
        }
        (heads, nameWords, generics, continuations, prefixes) = (numbered[0], numbered[1], numbered[2], numbered[3], numbered[4])
        stops = numbered[5]
        var opens = [Bool](repeating: false, count: ids.count)
        for seq in lists[6] { opens[ids[seq[0]]!] = true }
        opensGroupOrTitle = opens
        groups = rules.vocabulary("agency-groups").entries.flatMap(\.spellings).map(AgencyNames.tokenTexts)
            .sorted { $0.count > $1.count }
        groupSubjects = rules.vocabulary("agency-group-subjects").entries.flatMap(\.spellings).map(AgencyNames.tokenTexts)
            .sorted { $0.count > $1.count }
        allGroups = (groups + groupSubjects).sorted { $0.count > $1.count }
        groupsByFirst = Dictionary(grouping: allGroups, by: { $0.first ?? "" })
        groupSubjectsByFirst = Dictionary(grouping: groupSubjects, by: { $0.first ?? "" })
        officials = rules.vocabulary("agency-officials").entries.flatMap(\.spellings).map(AgencyNames.tokenTexts)
            .sorted { $0.count > $1.count }
        officialsByFirst = Dictionary(grouping: officials, by: { $0.first ?? "" })
        var full: [String: String] = [:]
        for e in rules.vocabulary("agency-heads").entries { for s in e.spellings { full[s] = e.canonical } }
        headFull = full
        nameWordsWritten = rules.vocabulary("agency-name-words").written
        headWritten = rules.vocabulary("agency-heads").written
        headWrittenCased = Set(headWritten.flatMap { w in
            [w, Normalize.uppercased(String(w.prefix(1))) + w.dropFirst(), Normalize.uppercased(w)]
        })
        var byFold: [String: [[Substring]]] = [:]
        for hw in headWritten { byFold[Fold.string(hw), default: []].append(hw.split(separator: " ")) }
        headWrittenByFold = byFold
        known = rules.vocabulary("agency-names").entries.map { e in
            (Fuzzy.letters(e.canonical).split(separator: " ").map(String.init), e.canonical)
        }
        var byFirst: [String: [(words: [String], joined: String, canonical: String)]] = [:]
        for k in known where !k.words.isEmpty {
            byFirst[k.words[0], default: []].append((k.words, k.words.joined(separator: " "), k.canonical))
        }
        knownByFirst = byFirst
        var bySecond: [String: [(words: [String], joined: String, canonical: String)]] = [:]
        for k in known where k.words.count >= 3 {
            bySecond[k.words[1], default: []].append((k.words, k.words.joined(separator: " "), k.canonical))
        }
        knownBySecond = bySecond
    }

    /// Folded text as the tokenizer cuts it: words, and each other character alone.
    static func tokenTexts(_ s: String) -> [String] {
        var out: [String] = []
        var word = ""
        for c in s {
            if c.isLetter || c.isNumber { word.append(c); continue }
            if !word.isEmpty { out.append(word); word = "" }
            if !c.isWhitespace { out.append(String(c)) }
        }
        if !word.isEmpty { out.append(word) }
        return out
    }

    /// Tokens of a collective subject at i ("các cơ quan, đơn vị", "Trưởng thôn, bản"), or 0.
    func group(_ toks: [Token], _ i: Int, subjectsOnly: Bool = false) -> Int {
        guard toks[i].id >= 0, opensGroupOrTitle[toks[i].id] else { return 0 }
        for g in (subjectsOnly ? groupSubjectsByFirst : groupsByFirst)[toks[i].text] ?? [] where i + g.count <= toks.count {
            var ok = true
            for (k, w) in g.enumerated() where toks[i + k].text != w { ok = false; break }
            if ok { return g.count }
        }
        return 0
    }

    /// Tokens of an official's title at i, or 0.
    func official(_ toks: [Token], _ i: Int) -> Int {
        guard toks[i].id >= 0, opensGroupOrTitle[toks[i].id] else { return 0 }
        for g in officialsByFirst[toks[i].text] ?? [] where i + g.count <= toks.count {
            var ok = true
            for (k, w) in g.enumerated() where toks[i + k].text != w { ok = false; break }
            if ok { return g.count }
        }
        return 0
    }

    /// Whether an official's title ends right before token i ("Phó Chủ tịch | Ủy ban nhân dân tỉnh").
    func afterOfficial(_ toks: [Token], _ i: Int) -> Bool {
        (max(0, i - 4)..<i).contains { official(toks, $0) == i - $0 }
    }

    /// The bodies headed by the officials named in the tokens: after a title, or from the kind of
    /// body that ends it ("Trưởng phòng Y tế huyện" → "Phòng Y tế huyện").
    func officialsBodies(_ toks: [Token]) -> [Found] {
        var out: [Found] = []
        var k = 0
        while k < toks.count {
            let n = official(toks, k)
            guard n > 0 else { k += 1; continue }
            var start = k + n
            var t = toks
            // the written form decides: "Thủ trưởng" does not end in "Trường"
            for p in (k + 1)..<(k + n) {
                t[p].capitalized = true
                if head(t, p) == k + n - p { start = p; break }
                t[p].capitalized = toks[p].capitalized
            }
            if let f = name(at: start, t) {
                out.append(Found(start: start, end: f.end, generic: f.generic))
                k = max(f.end, k + n)
            } else { k += n }
        }
        return out
    }

    /// A word token for `text` alone.
    func word(_ text: String) -> Token {
        var tok = Token(text: text, range: 0..<0, isWord: true)
        tok.id = wordIDs[text] ?? -1
        return tok
    }

    static let placeWords = ["tinh": "tỉnh", "huyen": "huyện"]

    /// A word that can only be a damaged "huyện": "huy" and two or three more letters, two edits away at most.
    static func damagedHuyen(_ folded: String) -> Bool {
        folded.hasPrefix("huy") && (5...6).contains(folded.count) && folded != "huyen" && folded.allSatisfy { $0.isLetter }
            && Fuzzy.distance(folded, "huyen", limit: 2) <= 2
    }

    /// A body's name as the administration spells it, when its opening words are a name of
    /// agency-names.vocab with a damaged letter or two ("Phòng Giáo dục và Pdo tạo huyện" →
    /// "Phòng Giáo dục và Đào tạo huyện"), and with a last word one letter from "tỉnh"/"huyện"
    /// written as that word ("… Hợp tác xã trình").
    func canonical(_ name: String) -> String {
        var words = name.split(separator: " ").map(String.init)
        let letters = words.map { Fuzzy.letters($0) }
        // the original words that hold the first n lettered words
        func prefix(_ n: Int) -> Int? {
            var seen = 0
            for (i, l) in letters.enumerated() where !l.isEmpty {
                seen += 1
                if seen == n { return i + 1 }
            }
            return nil
        }
        let lettered = letters.filter { !$0.isEmpty }
        var best: (end: Int, canonical: String, d: Int)?
        var tie = false
        for k in lettered.first.flatMap({ knownByFirst[$0] }) ?? [] where k.words.count <= lettered.count {
            guard let end = prefix(k.words.count) else { continue }
            let text = lettered.prefix(k.words.count).joined(separator: " ")
            let want = k.joined
            let a = Fuzzy.allowance(want.utf8.count)
            let d = Fuzzy.distance(text, want, limit: a)
            guard d <= a else { continue }
            if best == nil || d < best!.d || d == best!.d && end > best!.end { best = (end, k.canonical, d); tie = false }
            else if d == best!.d && end == best!.end && k.canonical != best!.canonical { tie = true }
        }
        if let b = best, !tie {
            // punctuation after the name stays ("Hiệp hội Doanh nghiệp, Liên minh …")
            let last = words[b.end - 1]
            let tail = String(last.reversed().prefix { !$0.isLetter && !$0.isNumber }.reversed())
            let written = words[0..<b.end].joined(separator: " ")
            let same = Normalize.lowercased(String(written.dropLast(tail.count))) == Normalize.lowercased(b.canonical)
            if !same { words.replaceSubrange(0..<b.end, with: [b.canonical + tail]) }
        }
        // a damaged "huyện" anywhere after the head ("Phòng Y tế huyiin", "… huyiin, Hội đồng …")
        for w in words.indices.dropFirst() where words[w].first?.isLowercase == true {
            let tail = String(words[w].reversed().prefix { !$0.isLetter }.reversed())
            let l = Fuzzy.letters(String(words[w].dropLast(tail.count)))
            if AgencyNames.damagedHuyen(l) { words[w] = "huyện" + tail }
            // "khu việc" for "khu vực": after "khu" a word near "vực" is it
            if Fuzzy.letters(words[w - 1]) == "khu", l != "vuc", l.hasPrefix("v"), l.count <= 4,
               Fuzzy.distance(l, "vuc", limit: 2) <= 2 { words[w] = "vực" + tail }
        }
        if words.count >= 3, let last = words.last, last.first?.isLowercase == true {
            let l = Fuzzy.letters(last)
            if l.count >= 4, match(nameWords, [word(l)], 0) == 0 {
                // (the second syllable of a capitalised word, itself a word, is no damage: "Viện Vệ sinh" is not "Vệ tỉnh")
                let isWord = words[words.count - 2].first?.isUppercase == true
                    && Vietnamese.isValidSyllable(Normalize.lowercased(String(last.filter(\.isLetter))))
                for (p, written) in AgencyNames.placeWords where l != p && !isWord && Fuzzy.distance(l, p, limit: 1) <= 1 || l == p && last != written {
                    words[words.count - 1] = written
                    break
                }
            }
        }
        return words.joined(separator: " ")
    }

    /// `shortLine`: a line of fewer folded bytes than this ended before the page's margin (see `wrapWidth`);
    /// `lineStarts`: the folded offsets where the document's lines start, ascending (to find the span's line
    /// without scanning back over a long one).
    func tokenize(_ t: FoldedText, _ range: Range<Int>, ob: [UInt8], fb: [UInt8]? = nil, shortLine: Int = 0, lineStarts: [Int] = []) -> [Token] {
        let b = fb ?? Array(t.folded.utf8)
        var out: [Token] = []
        out.reserveCapacity(range.count / 4 + 4)
        var i = range.lowerBound
        var lineStart = i
        if shortLine > 0, !lineStarts.isEmpty { lineStart = lineStarts[lineNumber(of: i, lineStarts: lineStarts) - 1] }
        var lineBreak = false
        while i < range.upperBound {
            let c = b[i]
            if c == 0x0A {
                lineBreak = lineBreak || i - lineStart < shortLine
                lineStart = i + 1
                i += 1; continue
            }
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1; continue }
            // an apostrophe after a letter is OCR residue of a horn ("Sổ'", "THU'C"), not a word
            if c == 0x27, i > range.lowerBound, b[i - 1] >= 0x61 && b[i - 1] <= 0x7A || b[i - 1] >= 0x80 { i += 1; continue }
            // so is a bracket or bar glued to a word's end ("Y tế] huyện"): no name holds one
            if c == 0x5D || c == 0x7C || c == 0x7D, i > range.lowerBound, b[i - 1] >= 0x61 && b[i - 1] <= 0x7A || b[i - 1] >= 0x80 { i += 1; continue }
            let isWordByte = { (c: UInt8) -> Bool in
                (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c >= 0x80
            }
            if isWordByte(c) {
                var j = i
                while j < range.upperBound, isWordByte(b[j]) { j += 1 }
                var tok = Token(text: String(decoding: b[i..<j], as: UTF8.self), range: i..<j, isWord: true)
                tok.id = wordIDsByBytes.value(b[i..<j]) ?? -1
                // "huyiin", "huylin": "huyện" as OCR and restoration leave it, read as the place word
                if tok.id < 0, AgencyNames.damagedHuyen(tok.text) {
                    tok = Token(text: "huyen", range: i..<j, isWord: true)
                    tok.id = wordIDs["huyen"] ?? -1
                }
                // "khu việc": "khu vực" with a damaged word
                if tok.id < 0, out.last?.text == "khu", tok.text.hasPrefix("v"), tok.text.count <= 4,
                   Fuzzy.distance(tok.text, "vuc", limit: 2) <= 2 {
                    tok = Token(text: "vuc", range: i..<j, isWord: true)
                    tok.id = wordIDs["vuc"] ?? -1
                }
                let o = t.toOriginal[i]
                tok.capitalized = AgencyNames.upperAt(ob, o)
                let oe = t.toOriginal[j]
                tok.original = String(decoding: ob[o..<min(max(o, oe), ob.count)], as: UTF8.self)
                tok.afterShortLine = lineBreak
                out.append(tok)
                i = j
            } else {
                out.append(Token(text: String(UnicodeScalar(c)), range: i..<(i + 1), isWord: false))
                i += 1
            }
            lineBreak = false
        }
        return out
    }

    static func upperAt(_ ob: [UInt8], _ o: Int) -> Bool {
        guard o < ob.count else { return false }
        let c = ob[o]
        if c < 0x80 { return c >= 0x41 && c <= 0x5A }
        let len = utf8Length(lead: c)
        if c >= 0xC0, o + len <= ob.count {
            let v = utf8Scalar(ob, at: o).value
            if v < 0x2000 { return characterIsUppercaseBelow2000[v] }
        }
        let s = String(decoding: ob[o..<min(ob.count, o + len)], as: UTF8.self)
        return s.first?.isUppercase == true
    }

    /// Length of the longest sequence of `list` matching word tokens at i, or 0.
    func match(_ list: WordList, _ toks: [Token], _ i: Int) -> Int {
        guard i < toks.count, toks[i].id >= 0 else { return 0 }
        for seq in list.byFirst[toks[i].id] where i + seq.count <= toks.count {
            var ok = true
            for k in 1..<seq.count where toks[i + k].id != seq[k] { ok = false; break }
            if ok { return seq.count }
        }
        return 0
    }

    /// A name-word at token i (agency-name-words.vocab), unless the text's marks make it another word:
    /// "thủ tục" is not the "thu" of "đại lý thu", "tái cấu trúc" not "tại". Place words are matched
    /// folded whatever their marks: restoration misreads them most ("phương" for "phường").
    func nameWord(_ toks: [Token], _ i: Int) -> Int {
        let n = match(nameWords, toks, i)
        guard n == 1, !AgencyNames.placeSeqs.contains(toks[i].text) else { return n }
        return AgencyNames.written(toks[i], asOneOf: nameWordsWritten) ? 1 : 0
    }

    /// Whether a token is written as one of `forms` (lower case, with marks), or has no marks to say otherwise.
    static func written(_ tok: Token, asOneOf forms: Set<String>) -> Bool {
        tok.original.utf8.allSatisfy({ $0 < 0x80 }) || forms.contains(Normalize.lowercased(tok.original))
    }

    /// Whether token k is a function word trimmed from a name's end ("các", "và", "của"); as the second
    /// syllable of a capitalised word, only when its marks say so ("cửa" in "Bộ phận Một cửa" is no "của").
    static func trimmed(_ toks: [Token], _ k: Int) -> Bool {
        guard trim.contains(toks[k].text) else { return false }
        guard k > 0, toks[k - 1].isWord, toks[k - 1].capitalized, !toks[k - 1].acronym else { return true }
        return written(toks[k], asOneOf: trimWritten)
    }
    static let trimWritten: Set<String> = ["các", "và", "trong", "tại", "của", "với", "cùng", "để", "ở"]

    /// A head at token i whose written form agrees with the vocabulary (diacritics checked when the text has any).
    func head(_ toks: [Token], _ i: Int) -> Int {
        let n = match(heads, toks, i)
        guard n > 0 else { return 0 }
        // "Khoa học" is a field ("Sở Khoa học và Công nghệ"), not a department "Khoa"
        if n == 1, toks[i].text == "khoa", i + 1 < toks.count, toks[i + 1].text == "hoc" { return 0 }
        let asWritten = n == 1 ? toks[i].original : toks[i..<(i + n)].map(\.original).joined(separator: " ")
        // most heads stand as the vocabulary writes them, capitalised or in capitals: no case mapping
        if headWrittenCased.contains(asWritten) { return n }
        let written = Normalize.lowercased(asWritten)
        if headWritten.contains(written) { return n }
        // a head without diacritics in a text without them (OCR); not "Quy định" read as "Quỹ"
        if written.unicodeScalars.allSatisfy({ $0.value < 0x80 }) {
            if i + n >= toks.count || !toks[i + n].isWord || toks[i + n].original.unicodeScalars.allSatisfy({ $0.value < 0x80 }) { return n }
        }
        // a head of several words with other diacritics on one of them ("Bản phát triển", "tờ phụ trách")
        if n >= 2 {
            let ww = written.split(separator: " ")
            for hs in headWrittenByFold[Fold.string(written)] ?? [] where hs.count == n {
                if zip(hs, ww).filter({ $0 != $1 }).count <= 1 { return n }
            }
        }
        // other diacritics, but the words after it make a known name ("Sổ' Giáo dục và Đào tạo")
        return knownName(toks, i) ? n : 0
    }

    /// A heading's segment whose opening words are a known name with a damaged first word ("Hai Liên
    /// hiệp Phụ nữ huyện" → "Hội Liên hiệp Phụ nữ huyện"); other segments as they are.
    func knownOpening(_ segment: String) -> String {
        guard let c = segment.first, c.isUppercase else { return segment }
        let ws = segment.split(separator: " ").map(String.init)
        guard ws.count >= 3, let candidates = knownBySecond[Fuzzy.letters(ws[1])],
              knownByFirst[Fuzzy.letters(ws[0])] == nil else { return segment }
        let ft = FoldedText(ws[0])
        if head(tokenize(ft, 0..<ft.folded.utf8.count, ob: Array(ws[0].utf8)), 0) > 0 { return segment }
        // words of letters only: a dash between two parts of a name ("Lao động - Thương binh") is no word of it
        let wordAt = ws.indices.filter { !Fuzzy.letters(ws[$0]).isEmpty }
        let letters = wordAt.map { Fuzzy.letters(ws[$0]) }
        var best: (n: Int, canonical: String, d: Int)?
        for k in candidates where k.words.count <= letters.count {
            let text = letters.prefix(k.words.count).joined(separator: " ")
            let want = k.joined
            // the damage is in the first word: the others are the name's
            guard Array(letters[1..<k.words.count]) == Array(k.words[1...]) else { continue }
            let d = Fuzzy.distance(text, want, limit: 2)
            if d <= 2, best == nil || d < best!.d { best = (k.words.count, k.canonical, d) }
        }
        guard let b = best else { return segment }
        return ([b.canonical] + ws[(wordAt[b.n - 1] + 1)...]).joined(separator: " ")
    }

    /// Whether the word tokens from i spell a name of agency-names.vocab, allowing a damaged letter or two.
    func knownName(_ toks: [Token], _ i: Int) -> Bool {
        guard i < toks.count, toks[i].isWord, toks[i].capitalized else { return false }
        var words: [String] = []
        var k = i
        while k < toks.count, words.count < 12 {
            if toks[k].isWord { words.append(toks[k].text) } else if !"-,&".contains(toks[k].text) { break }
            k += 1
        }
        for kn in knownByFirst[words[0]] ?? [] where kn.words.count >= 2 && kn.words.count <= words.count {
            if Fuzzy.close(words.prefix(kn.words.count).joined(separator: " "), kn.joined) { return true }
        }
        return false
    }

    /// A name starting at token i: (end token index exclusive, is generic) or nil.
    func name(at i: Int, _ toks: [Token]) -> (end: Int, generic: Bool)? {
        guard i < toks.count, toks[i].isWord else { return nil }
        // "Ban hành …", "Tổ chức Hội nghị …", "Trường hợp …": a verb or phrase, not a head
        if match(stops, toks, i) > 0 { return nil }
        // a collective subject, with its place ("Các hội, đoàn thể huyện", "các đại lý thu trên địa bàn")
        let gr = group(toks, i)
        if gr > 0 && gr >= match(generics, toks, i) {
            var e = i + gr
            while e < toks.count {
                // "các chi bộ thôn, khu phố": a place word after a comma is more of the same group
                if toks[e].text == ",", e > i + gr, case let c = match(continuations, toks, e + 1), c > 0, !toks[e + 1].capitalized { e += 1 + c; continue }
                // what the group deals in, in abbreviations: "các đại lý thu BHXH, BHYT"
                if toks[e].isWord, toks[e].acronym, head(toks, e) == 0 || e == i + gr { e += 1; continue }
                if toks[e].text == ",", e > i + gr, toks[e - 1].acronym, e + 1 < toks.count, toks[e + 1].isWord, toks[e + 1].acronym, head(toks, e + 1) == 0 { e += 2; continue }
                let n = match(nameWords, toks, e)
                if n == 0 { break }
                e += n
            }
            while e > i + gr, AgencyNames.trimmed(toks, e - 1) { e -= 1 }
            return (e, false)
        }
        let g = match(generics, toks, i)
        var prefix = match(prefixes, toks, i)
        var h = prefix > 0 ? head(toks, i + prefix) : 0
        if h > 0 && prefix > 0 && toks[i].text != "cac" && !toks[i + prefix].capitalized { h = 0 }
        if h == 0 { prefix = 0; h = head(toks, i) }
        guard h > 0, prefix > 0 || toks[i].capitalized else {
            return g > 0 ? (i + g, true) : nil
        }
        var k = i + prefix + h
        let headEnd = k
        // a place word has been read: the capitalised words after it are the place's name
        var place = false
        while k < toks.count {
            let tok = toks[k]
            // a name does not run on past a line that stopped short of the margin: what follows starts
            // a sentence ("3.4. Đề nghị Báo và Phát thanh, Truyền hình Gia Lai" / "Tăng thời lượng …")
            if tok.afterShortLine && k > headEnd { break }
            if tok.isWord {
                // a duty verb or time word ends the name even capitalised ("… huyện Chủ trì", "… tỉnh
                // Vận động"), except as the field right after the head ("Ban Tổ chức")
                if k > headEnd && (match(stops, toks, k) > 0 || official(toks, k) > 0) { break }
                // right after the head only the verbs that are no body's field ("MTTQ Phối hợp", but "Ban Tổ chức")
                if k == headEnd && match(stops, toks, k) > 0 && !AgencyNames.fieldVerbs.contains(toks[k].text) { break }
                // "… Lai Châu và các cơ sở giáo dục nghề nghiệp": "và các" and a noun that is no place opens
                // a group of other bodies ("… huyện và các xã, thị trấn" goes on)
                if k > headEnd, tok.text == "va", k + 2 < toks.count, toks[k + 1].text == "cac", toks[k + 2].isWord,
                   !toks[k + 2].capitalized, nameWord(toks, k + 2) == 0 { break }
                // "Trung ương" after a place word: a name-word of two syllables, whatever its capitals
                if tok.capitalized && place, case let nw = match(nameWords, toks, k), nw > 1 { k += nw; continue }
                if tok.capitalized {
                    // a second body: "… huyện và Ủy ban nhân dân các xã"
                    // (the cheap tests first: the head test builds the word as written)
                    if k > headEnd && toks[k - 1].isWord
                        && (toks[k - 1].capitalized || AgencyNames.places.contains(toks[k - 1].text) || place && toks[k - 1].text == "va"
                            // a head that names its level is a whole body: "Tỉnh đoàn và Hội Liên hiệp Phụ nữ tỉnh"
                            || toks[k - 1].text == "va" && k - 1 == headEnd && headEnd >= i + 2 && AgencyNames.levelHeads.contains(toks[(headEnd - 2)..<headEnd].map(\.text).joined(separator: " "))
                            // … or a name closed by a proper name: "VNPT Tuyên Quang và Bưu điện tỉnh …"
                            || toks[k - 1].text == "va" && AgencyNames.properNameEnds(toks, at: k - 2, after: headEnd))
                        && head(toks, k) > 0 { break }
                    if k == headEnd && toks[k].text == "ubnd" && head(toks, k) > 0 { break }
                    k += 1; continue
                }
                if tok.text.allSatisfy(\.isNumber) { k += 1; continue }
                let n = nameWord(toks, k)
                // "quận" is not the first half of "quản lý", "quản trị", "quần chúng", "quan trọng", "quan tâm"
                // (OCR leaves "quan", "quần" for "quận" too, so the word alone decides nothing)
                if n == 1 && tok.text == "quan", k + 1 < toks.count, ["ly", "tri", "chung", "trong", "tam", "he", "diem"].contains(toks[k + 1].text) { break }
                // a field's word after the place is a clause's ("… Y tế huyện thống kê số người bị thương")
                if n > 0, place, AgencyNames.fieldNameWords.contains(n == 1 ? tok.text : tok.text + " " + toks[k + 1].text) { break }
                if n > 0 {
                    if isPlace(toks, k, n) { place = true }
                    k += n; continue
                }
                // the second syllable of a capitalised word: "Giáo dục", "Kế hoạch", "Y tế" (not of a place's name)
                // (not after two capitalised words: "VNPT Tuyên Quang xóa 46 thôn" — a proper name is whole)
                if k > headEnd && !place && !AgencyNames.properNameEnds(toks, at: k - 1, after: headEnd) {
                    let prev = toks[k - 1]
                    if prev.isWord && prev.capitalized && !prev.acronym
                        && !AgencyNames.notSyllables.contains(Normalize.lowercased(tok.original)) { k += 1; continue }
                }
                // a field of lower-case words up to the body's place ("Ban Quản lý dự án đầu tư xây dựng huyện")
                if !place, let e = field(toks, k), k == headEnd || k - headEnd <= 2 && e - k <= 4 || e - k <= 2 { k = e; continue }
                // a short field closing the name where the names end ("Phòng Quản lý du lịch, Phòng Kế
                // hoạch - Tài chính (thuộc Sở)", "Trung tâm Thông tin, Xúc tiến du lịch" in a heading)
                if !place, k > headEnd, k - headEnd <= 12, let e = fieldToEnd(toks, k) { k = e; continue }
                break
            }
            if tok.text == "-" || tok.text == "&" || tok.text == "/" {
                if k + 1 < toks.count, toks[k + 1].isWord, match(stops, toks, k + 1) == 0,
                   toks[k + 1].capitalized || toks[k + 1].text.count <= 3 { k += 1; continue }
                // "khu vực Quận Bình Tân - huyện Bình Chánh": a second place
                if place, k + 1 < toks.count, case let n = match(nameWords, toks, k + 1), n > 0, isPlace(toks, k + 1, n) { k += 1; continue }
                break
            }
            if tok.text == ",", k + 1 < toks.count {
                let n = match(continuations, toks, k + 1)
                if n > 0 && match(heads, toks, k + 1) == 0 || n > 0 && !toks[k + 1].capitalized { k += 1 + n; continue }
                // "BHXH, BHYT xã": a list of abbreviations inside one name
                if toks[k - 1].acronym, toks[k + 1].acronym, head(toks, k + 1) == 0 { k += 2; continue }
                // a field of several subjects: "Văn hóa, Thể thao và Truyền thông"
                if !place, fieldAfterComma(toks, k + 1) { k += 1; continue }
                break
            }
            break
        }
        while k > headEnd, !toks[k - 1].isWord || !toks[k - 1].capitalized && AgencyNames.trimmed(toks, k - 1) { k -= 1 }
        let words = toks[i..<k].filter(\.isWord).count
        if g > 0 && g >= k - i { return (i + g, true) }
        // "các phòng", "cơ quan BHXH": a head alone is a group, not a body
        let content = words - prefix
        let multiwordHead = h > 1
        if words < 2 || content < 2 && !multiwordHead || prefix > 0 && k == headEnd && !multiwordHead {
            return g > 0 ? (i + g, true) : (prefix > 0 ? (k, true) : nil)
        }
        return (k, false)
    }

    /// The place words (agency-name-words) that a place's own name may follow.
    static let placeSeqs: Set<String> = ["tinh", "huyen", "xa", "phuong", "quan", "thi xa", "thi tran", "thanh pho",
                                         "khu vuc", "ap", "khom", "thon", "chi nhanh"]

    func isPlace(_ toks: [Token], _ k: Int, _ n: Int) -> Bool {
        // asked of every name-word: one or two words, no String built for one
        guard n <= 2, n == 1 ? AgencyNames.placeSeqs.contains(toks[k].text)
                : AgencyNames.placeSeqs.contains(toks[k].text + " " + toks[k + 1].text) else { return false }
        // other diacritics are OCR damage ("huyền", "phương"), but "quan" is too often "cơ quan", "quần chúng"
        return toks[k].text != "quan" || Normalize.lowercased(toks[k].original) == "quận"
    }

    /// End of a field of lower-case words from k that runs to a place word ("dự án đầu tư xây dựng
    /// huyện", "bồi thường, hỗ trợ và tái định cư huyện") or, short, to a capitalised name ("rừng
    /// phòng hộ Ea Rớt"); nil when the words read as a clause (a function word, a duty verb, a number).
    func field(_ toks: [Token], _ k: Int) -> Int? {
        var j = k
        var words = 0
        var sawComma = false
        // a duty verb first: a clause ("Sở Y tế kiểm tra …"); later ones may be the field's ("bồi thường, hỗ trợ")
        if match(stops, toks, k) > 0 { return nil }
        while j < toks.count, words <= 14 {
            let t = toks[j]
            if !t.isWord {
                if t.text == ",", j + 1 < toks.count, toks[j + 1].isWord, !toks[j + 1].capitalized { sawComma = true; j += 1; continue }
                return nil
            }
            // "Đội Quản lý thị trường số 4"
            if t.text == "so", words >= 1, j + 1 < toks.count, toks[j + 1].text.allSatisfy(\.isNumber) { return j }
            // "Viện Vệ sinh dịch tễ Trung ương": a name-word of two syllables closes the field whatever its capitals
            if t.capitalized, words >= 1, case let n2 = match(nameWords, toks, j), n2 >= 2, t.text == "trung" || isPlace(toks, j, n2) { return j }
            if t.capitalized {
                // a short field before a proper name that closes the name ("rừng phòng hộ Ea Rớt,")
                guard words >= 1 && words <= 3 && head(toks, j) == 0 else { return nil }
                var e = j
                while e < toks.count, toks[e].isWord && toks[e].capitalized && match(stops, toks, e) == 0 || toks[e].text == "-" { e += 1 }
                // a capitalised word's second syllable closing the names ("… công cộng và Dinh dưỡng, Phòng …")
                if e > j, e < toks.count, toks[e].isWord, !toks[e].capitalized, toks[e - 1].isWord, match(stops, toks, e) == 0,
                   nameWord(toks, e) == 0, e + 1 == toks.count || toks[e + 1].text == "," || toks[e + 1].text == ";" { e += 1 }
                // … or before a duty verb or the lower-case words of the sentence, when the proper name has two
                // words or more: a place's ("Ban Quản lý các khu công nghiệp Bình Dương rà soát …")
                return e == toks.count || !toks[e].isWord && toks[e].text != "-"
                    || e - j >= 2 && !sawComma && toks[e].isWord && !toks[e].capitalized ? j : nil
            }
            if AgencyNames.clauseWords.contains(Normalize.lowercased(t.original)) || t.text.contains(where: \.isNumber) { return nil }
            // another body's name ("… vili ủy ban nhân dân các xã"): not a field
            if match(heads, toks, j) >= 2 { return nil }
            let n = nameWord(toks, j)
            if n > 0 && isPlace(toks, j, n) { return words >= 1 ? j : nil }
            if n > 0 { words += n; j += n; continue }
            words += 1; j += 1
        }
        return nil
    }

    /// End of one to four lower-case words from k that close a name: the tokens end after them, or
    /// a "(" or a comma before another body's head follows; nil when they read as a clause.
    func fieldToEnd(_ toks: [Token], _ k: Int) -> Int? {
        var j = k
        while j < toks.count, j - k < 6, toks[j].isWord, !toks[j].capitalized, match(stops, toks, j) == 0,
              !AgencyNames.clauseWords.contains(Normalize.lowercased(toks[j].original)), !toks[j].text.contains(where: \.isNumber),
              !AgencyNames.auxiliaries.contains(Normalize.lowercased(toks[j].original)),
              nameWord(toks, j) == 0 { j += 1 }
        guard j > k else { return nil }
        if j == toks.count || toks[j].text == "(" { return j }
        // five or six words only where the names end ("Bộ phận Tiếp nhận và Trả kết quả thủ tục hành chính")
        guard j - k <= 4 else { return nil }
        if toks[j].text == ",", j + 1 < toks.count, toks[j + 1].capitalized, head(toks, j + 1) > 0 { return j }
        // "Đội Cảnh sát giao thông - Trật tự": the field goes on past a dash
        if toks[j].text == "-", j + 1 < toks.count, toks[j + 1].isWord, toks[j + 1].capitalized, match(stops, toks, j + 1) == 0 { return j }
        // "Phòng Cảnh sát kinh tế Công an tỉnh", "Ban Tác chiến Bộ Chỉ huy …": a unit of the armed forces
        // named with its parent (other bodies name a parent after a verb: "Bộ Xây dựng đề nghị Ủy ban …")
        if toks[j].isWord, toks[j].capitalized, ["cong", "bo"].contains(toks[j].text), j + 1 < toks.count,
           ["an", "chi", "doi"].contains(toks[j + 1].text), head(toks, j) > 0 { return j }
        return nil
    }

    /// After a comma: capitalised words, "và", a capitalised word — more of one field ("Văn hóa, Thể
    /// thao và Truyền thông"), not a second body.
    func fieldAfterComma(_ toks: [Token], _ k: Int) -> Bool {
        var j = k
        guard j < toks.count, toks[j].isWord, toks[j].capitalized, head(toks, j) == 0, match(stops, toks, j) == 0 else { return false }
        while j < toks.count, toks[j].isWord, toks[j].text != "va", match(stops, toks, j) == 0,
              toks[j].capitalized || j > k && toks[j - 1].capitalized && match(nameWords, toks, j) == 0 { j += 1 }
        if j + 1 < toks.count && toks[j].text == "va" && toks[j + 1].isWord && toks[j + 1].capitalized
            && head(toks, j + 1) == 0 && j - k <= 4 { return true }
        // the last field of a name that closes the names ("Trung tâm Thông tin, Xúc tiến du lịch" ending a
        // heading): a capitalised word, then lower-case ones to the end
        guard j > k, j < toks.count else { return false }
        if !toks[j].capitalized && fieldToEnd(toks, j) == toks.count { return true }
        // … or the body's place closing the name ("Trung tâm Văn hóa, Truyền thông huyện" in a heading)
        let n = match(nameWords, toks, j)
        return n > 0 && isPlace(toks, j, n) && (j + n == toks.count || toks[j + n].text == "," || toks[j + n].text == "(")
    }

    struct Found { let start: Int; let end: Int; let generic: Bool }

    /// All names in the tokens, left to right.
    func scan(_ toks: [Token]) -> [Found] {
        var out: [Found] = []
        var i = 0
        while i < toks.count {
            if let n = name(at: i, toks) {
                out.append(Found(start: i, end: n.end, generic: n.generic))
                i = n.end
            } else { i += 1 }
        }
        return out
    }

    static let separators: Set<String> = [",", ";", "va", "cung", "voi", "\"", "-", "+"]

    func gapIsSeparator(_ toks: [Token], _ from: Int, _ to: Int) -> Bool {
        (from..<to).allSatisfy { AgencyNames.separators.contains(toks[$0].text) }
    }

    /// Groups of names joined only by separators.
    func runs(_ found: [Found], _ toks: [Token]) -> [[Found]] {
        var out: [[Found]] = []
        for f in found {
            if let last = out.last?.last, last.end < f.start, gapIsSeparator(toks, last.end, f.start) { out[out.count - 1].append(f) } else { out.append([f]) }
        }
        return out
    }

    func text(_ t: FoldedText, _ toks: [Token], _ f: Found) -> String {
        AgencyNames.clean(t.text(toks[f.start].range.lowerBound..<toks[f.end - 1].range.upperBound))
    }

    /// A name with a capital first letter, the rest as written.
    static func withCapital(_ n: String) -> String {
        guard let c = n.first, c.isLowercase else { return n }
        return c.uppercased() + n.dropFirst()
    }

    static func clean(_ s: String) -> String {
        var words: [Substring] = []
        // "*" is a space; on plain text that is a split at "*" too
        // (no Foundation here: this runs for every name read, and its String search is slow)
        let split = s.plainSplit(whereSeparator: { $0.isWhitespaceCharacter || $0 == "*" })
            ?? s.split(whereSeparator: { $0.isWhitespace || $0 == "*" })
        for w in split {
            if let last = words.last, last.utf8.count == w.utf8.count, last.lowercased() == w.lowercased(), w.first?.isLetter == true { continue }
            words.append(w)
        }
        var out = words.joined(separator: " ")
        // OCR residue glued to words ("Phòng Y tế] huyện", "thị) trấn"): never part of a name
        if out.utf8.contains(where: { $0 == 0x5D || $0 == 0x7C || $0 == 0x7D || $0 == 0x21 }) { out.removeAll { "]|}!".contains($0) } }
        if !out.utf8.contains(UInt8(ascii: "(")) { out.removeAll { $0 == ")" } }
        while let l = out.last, ",;:.".contains(l) { out.removeLast() }
        return out
    }
}

extension Extractor {
    /// The abbreviations agency keys expand.
    static let abbreviations = ["ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "bhxh": "bao hiem xa hoi",
                                "bhyt": "bao hiem y te", "bhtn": "bao hiem that nghiep", "mttq": "mat tran to quoc",
                                "bcd": "ban chi dao", "ldtbxh": "lao dong thuong binh va xa hoi", "tp": "thanh pho"]

    /// Folded key for merging spellings of one body: abbreviations expanded, "cơ quan" dropped, punctuation ignored.
    static func agencyKey(_ name: String) -> String {
        let folded = Fold.string(name)
        var words = (folded.plainSplit(whereSeparator: { !($0.isLetterCharacter || $0.isNumberCharacter || $0 == "&") })
            ?? folded.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "&") })).map(String.init)
        words = words.flatMap { (abbreviations[$0] ?? $0).split(separator: " ").map(String.init) }
        if words.starts(with: ["co", "quan"]) { words.removeFirst(2) }
        return words.joined()
    }

    /// The width of the document's wrapped lines: the upper quartile of its lines' lengths (folded
    /// bytes), so that headings and list items, which end before the margin, fall below it.
    static func wrapWidth(lineStarts: [Int], count: Int) -> Int {
        // a line runs from its start to the next one's, less its newline; the last one to the end
        var lengths = zip(lineStarts, lineStarts.dropFirst()).map { $1 - 1 - $0 }
        if let last = lineStarts.last { lengths.append(count - last) }
        lengths = lengths.filter { $0 > 2 }
        guard !lengths.isEmpty else { return 0 }
        lengths.sort()
        return lengths[lengths.count * 3 / 4]
    }

    func agencies(_ doc: inout Document) -> [AgencyHit] {
        let t = doc.t
        let ob = Array(t.original.utf8)
        let fb = Array(t.folded.utf8)
        let lineStarts = [0] + fb.indices.filter { fb[$0] == 0x0A }.map { $0 + 1 }
        let shortLine = Self.wrapWidth(lineStarts: lineStarts, count: fb.count) * 4 / 5
        var hits: [AgencyHit] = []
        // the same names recur: each one's key is made once (by its bytes: equal Strings may differ in them)
        var issuers: [[UInt8]: Bool] = [:]
        func isIssuer(_ name: String) -> Bool {
            guard !doc.issuerKeys.isEmpty else { return false }
            let bytes = Array(name.utf8)
            if let known = issuers[bytes] { return known }
            let answer = self.isIssuer(name, doc)
            issuers[bytes] = answer
            return answer
        }
        // Headings of the duties section, and headings anywhere that are nothing but bodies' names
        // ("1. Bảo hiểm xã hội huyện", "6. Đề nghị Huyện đoàn, Hội Cựu chiến binh huyện" in a công văn).
        var dutyLevel: Int?
        for i in doc.headings.indices {
            let h = doc.headings[i]
            if h.isDuty { dutyLevel = h.level; continue }
            if let d = dutyLevel, h.level <= d { dutyLevel = nil }
            var title = h.title
            // "5. Công an huyện (cơ quan thường trực Ban Chỉ đạo huyện)": a remark on the body, not a body
            if title.hasSuffix(")"), let open = title.range(of: " (", options: .backwards), open.lowerBound > title.startIndex {
                title = String(title[..<open.lowerBound])
            }
            // a heading of bodies that runs on to the next line ("7. Đề nghị Ngân hàng … huyện Bình Liêu,\nHội Nông dân huyện")
            var runsOn = false
            if title.hasSuffix(","), h.end < fb.count, fb[h.end] == 0x0A || fb[h.end] == 0x20 {
                var e = h.end
                while e < fb.count, fb[e] == 0x0A || fb[e] == 0x20 { e += 1 }
                var f = e
                while f < fb.count, fb[f] != 0x0A { f += 1 }
                let next = t.text(e..<f)
                let nt = FoldedText(next)
                let ntoks = names.tokenize(nt, 0..<nt.folded.utf8.count, ob: Array(next.utf8))
                let np = names.scan(ntoks)
                if let last = np.last, np.first!.start == 0, names.runs(np, ntoks).count == 1, last.end == ntoks.count || names.gapIsSeparator(ntoks, last.end, ntoks.count) {
                    title += " " + next; runsOn = true
                }
            }
            var folded = ExtractionRules.key(title)
            for p in ["de nghi ", "doi voi ", "giao "] where folded.hasPrefix(p) {
                title = String(title.dropFirst(p.count)); folded = String(folded.dropFirst(p.count))
            }
            // OCR: "Đã nghỉ) Hai Liên hiệp Phụ nữ huyện, Điện Biên phòng Mỹ Lý" — the request word and
            // the bodies' opening words damaged; known names put right before reading
            if dutyLevel != nil || title.count < 120 {
                let words = title.split(separator: " ", maxSplits: 2)
                // ("Đại nghị", "Đã nghỉ": the second word whole, the first a d-word of three letters at most)
                if words.count == 3, Fuzzy.distance(Fuzzy.letters(words[0] + " " + words[1]), "de nghi", limit: 1) <= 1
                    || words.count == 3 && Fuzzy.letters(String(words[1])) == "nghi" && Fuzzy.letters(String(words[0])).hasPrefix("d") && words[0].count <= 3 {
                    title = String(words[2])
                }
                title = title.utf8.contains(UInt8(ascii: ",")) ? title.components(separatedBy: ", ").map { names.knownOpening($0) }.joined(separator: ", ")
                    : names.knownOpening(title)
            }
            let hadColon = title.utf8.contains(UInt8(ascii: ":"))
            if let c = title.utf8.firstIndex(of: UInt8(ascii: ":")) { title = String(title[..<c]) }
            let ft = FoldedText(title)
            var toks = names.tokenize(ft, 0..<ft.folded.utf8.count, ob: Array(title.utf8))
            // in a heading, a head after "," or "và" starts the next body even in lower case
            // ("Bộ phận Tiếp nhận và Trả kết quả phường, công chức Văn phòng - Thống kê")
            // a heading opens with a capital: a lower-case head there is the OCR's ("e) ủy ban nhân dân các
            // xã", its "Ủ" read as "ly" and restored in lower case)
            if let f = toks.firstIndex(where: \.isWord), !toks[f].capitalized, names.head(toks, f) > 0 { toks[f].capitalized = true }
            for k in toks.indices.dropFirst() where toks[k].isWord && !toks[k].capitalized && toks[k].text != "ban"
                && (toks[k - 1].text == "," || toks[k - 1].text == "va") && names.head(toks, k) > 0 { toks[k].capitalized = true }
            // "8. Chủ tịch Ủy ban nhân dân các xã, phường": the section is the body's the official heads
            if let f = toks.firstIndex(where: \.isWord), f == 0, case let n = names.official(toks, f), n > 0, n < toks.count,
               names.head(toks, n) > 0 {
                toks = Array(toks[n...])
                toks[0].capitalized = true
            }
            // every name of a heading that is only names, when it names several
            let parts = names.scan(toks)
            let rs = names.runs(parts, toks)
            // "…, Công ty TNHH MTV Lâm nghiệp Bảo Lâm và các chủ rừng là tổ chức": a group of bodies
            // closing the list is one more body given the section's duties
            var tailGroup: String?
            if let last = parts.last, rs.count == 1, parts.first!.start == 0, last.end < toks.count {
                var k = last.end
                while k < toks.count, toks[k].text == "," || toks[k].text == "va" { k += 1 }
                // a duty word ends the list, but not a noun after "là" ("… là tổ chức": bodies that are organisations)
                if k > last.end, k < toks.count, toks[k].text == "cac", toks.count - k <= 12,
                   !(k..<toks.count).contains(where: { names.match(names.stops, toks, $0) > 0 && toks[$0 - 1].text != "la" }),
                   let lastWord = toks.last, lastWord.isWord {
                    tailGroup = AgencyNames.withCapital(AgencyNames.clean(ft.text(toks[k].range.lowerBound..<toks[toks.count - 1].range.upperBound)))
                }
            }
            // what follows the names: nothing, or a duty verb ("Trung tâm Y tế huyện - Chủ trì")
            var rest = parts.last?.end ?? 0
            var dash = false
            while rest < toks.count, !toks[rest].isWord { dash = dash || toks[rest].text == "-"; rest += 1 }
            let verbAfter = rest < toks.count && names.match(names.stops, toks, rest) > 0
            let dashedVerb = dash && verbAfter
            let onlyNames = !parts.isEmpty && rs.count == 1 && parts.first!.start == 0 && parts.contains { !$0.generic }
                && (names.gapIsSeparator(toks, parts.last!.end, toks.count) || dashedVerb || tailGroup != nil)
            // outside a duty section, not an item of an enumeration ("3. Bộ Ngoại giao;")
            // or one line of a run of numbered lines with nothing between them ("9. Bộ Xây dựng:" read by
            // the OCR for "9. Bộ Xây dựng;", between "8. …" and "10. …"): items, not bodies given duties
            func adjacent(_ a: Heading, _ b: Heading) -> Bool {
                guard a.level == b.level, a.end <= b.start else { return false }
                var e = a.end
                while e < b.start, fb[e] == 0x0A || fb[e] == 0x20 { e += 1 }
                return e >= b.start
            }
            let inRun = i + 1 < doc.headings.count && adjacent(h, doc.headings[i + 1]) || i > 0 && adjacent(doc.headings[i - 1], h)
            let listItem = h.title.utf8.contains(UInt8(ascii: ";")) || h.title.hasSuffix(",") && !runsOn || h.title.hasSuffix(".") || inRun && dutyLevel == nil
            // a heading of several names may be long ("4. Vườn quốc gia …, Vườn quốc gia …, Ban Quản lý rừng
            // phòng hộ …, Công ty TNHH MTV … và các chủ rừng là tổ chức"); one name is at most 24 words
            guard dutyLevel != nil || onlyNames && !listItem && toks.filter(\.isWord).count <= (parts.count > 1 ? 40 : 24) else { continue }
            var found: [String] = []
            // a numbered item that is a sentence about its bodies: they are assigned its duty, not heads of a section
            var sentenceRole: String?
            if onlyNames && (parts.count > 1 || tailGroup != nil) {
                for f in parts { found.append(names.text(ft, toks, f)) }
                if let tailGroup { found.append(tailGroup) }
            } else if verbAfter, !parts.isEmpty, rs.count == 1, parts.first!.start == 0 {
                // "Đề nghị Ủy ban nhân dân xã phối hợp": the names before the verb, never the verb
                for f in parts where !f.generic { found.append(names.text(ft, toks, f)) }
            } else {
                guard let first = names.name(at: 0, toks)
                    ?? (names.head(toks, 0) > 0 && toks[0].capitalized && names.match(names.stops, toks, 0) == 0 ? (end: names.head(toks, 0), generic: false) : nil)
                else { continue }
                let wordCount = toks.filter(\.isWord).count
                // (an official's title before the body is left out: "Chủ tịch Ủy ban nhân dân các xã")
                let whole = AgencyNames.clean(ft.text(toks[0].range.lowerBound..<toks[toks.count - 1].range.upperBound))
                // "1. Bảo hiểm xã hội huyện chủ trì, phối hợp với …" (an article's item is a sentence): the subject;
                // so too when the words after it read as a clause ("… các xã, thị trấn căn cứ chỉ tiêu được giao …")
                let verbAfterFirst = first.end < toks.count && names.match(names.stops, toks, first.end) > 0
                    || toks[first.end...].contains { $0.isWord && AgencyNames.sentenceWords.contains(Normalize.lowercased($0.original)) }
                // several bodies and a word or two of the sentence the heading line wraps ("… huyện và các hội,
                // đoàn thể huyện phối" / "hợp …"): the bodies
                let severalThenCut = parts.count >= 2 && rs.count == 1 && parts[0].start == 0
                    && toks[parts[parts.count - 1].end...].filter(\.isWord).count <= 2
                if onlyNames {
                    found.append(names.text(ft, toks, parts[0]))
                } else if severalThenCut {
                    sentenceRole = "assigned"
                    for f in parts where !f.generic { found.append(names.text(ft, toks, f)) }
                } else if verbAfterFirst {
                    // "X chủ trì, phối hợp …" leads (ANNOTATION-NOTES), any other duty is assigned
                    sentenceRole = first.end + 1 < toks.count && toks[first.end].text == "chu" && toks[first.end + 1].text == "tri" ? "lead" : "assigned"
                    if !first.generic { found.append(names.text(ft, toks, .init(start: 0, end: first.end, generic: false))) }
                } else if (hadColon || !title.utf8.contains(UInt8(ascii: ";")) && title.firstOffset(of: ". ") == nil) && wordCount <= 18
                            && (first.end == toks.count || hadColon || h.end - h.start < 120 && !title.utf8.contains(UInt8(ascii: ";"))) {
                    // groups listed one after another, each opened by "các" ("Các trường học, các Ban Quản
                    // lý chợ trên địa bàn phường"), are as many bodies
                    let groups = whole.components(separatedBy: ", ")
                    // a duty verb ends the names: "a) Các trường mầm non, tiểu học, THCS rà soát cơ sở vật chất, …"
                    // is a sentence whose subject is assigned its duty
                    // (a verb in lower case, not a noun of a group: "các tổ chức Đoàn thể", "các Ban Quản lý chợ")
                    if let v = toks.indices.first(where: { $0 > first.end - 1 && $0 > 0 && toks[$0].isWord && !toks[$0].capitalized
                        && !["cac", "nhung"].contains(toks[$0 - 1].text) && names.match(names.stops, toks, $0) > 0 }),
                       toks[..<v].contains(where: \.isWord) {
                        var e = v
                        while e > 0, !toks[e - 1].isWord { e -= 1 }
                        found.append(AgencyNames.clean(ft.text(toks[0].range.lowerBound..<toks[e - 1].range.upperBound)))
                        sentenceRole = "assigned"
                    } else if groups.count >= 2, groups.allSatisfy({ Fold.string($0).hasPrefix("cac ") }) {
                        found += groups
                    } else {
                        found.append(whole)
                    }
                } else if !first.generic {
                    found.append(names.text(ft, toks, .init(start: 0, end: first.end, generic: false)))
                }
            }
            found = found.filter { !isIssuer($0) }
            var unique: [String] = []
            for f in found where !unique.contains(f) { unique.append(f) }
            doc.headings[i].agencies = unique
            // "4. Đề nghị Liên đoàn Lao động huyện tăng cường giám sát …": an item of running text, not the heading of a section
            let role = sentenceRole ?? (!onlyNames && !hadColon && verbAfter && !dash ? "assigned" : "lead")
            for n in unique {
                // a name starts with a capital ("ủy ban nhân dân các xã" the OCR left in lower case)
                hits.append(AgencyHit(name: AgencyNames.withCapital(n), role: role, range: h.start..<h.end, line: h.line, text: h.title))
            }
        }
        // Inline patterns; a numbered heading that gave its bodies is not read again as an item.
        let headingLines = Set(doc.headings.filter { !$0.agencies.isEmpty }.map(\.line))
        for r in rules.rules("agency") {
            let ruleRole = r.attributes["role"] ?? "assigned"
            let take = r.attributes["take"] ?? "first"
            for m in r.pattern.matches(in: t.folded) {
                let span: Range<Int>
                var role = ruleRole
                if r.attributes["names"] == "before" {
                    span = clauseStart(fb, m.range.lowerBound, reach: Int(r.attributes["reach"] ?? "") ?? 200)..<m.range.lowerBound
                    // "(Chi cục Thuế …, Chi cục Thống kê … phối hợp với BHXH huyện)": helpers named beside a duty
                    if let pr = r.attributes["paren-role"], span.lowerBound > 0, fb[span.lowerBound - 1] == UInt8(ascii: "(") { role = pr }
                } else if let g = m.range("names") { span = g } else { continue }
                var chosen: [(String, Range<Int>)] = []
                var bareItem = false
                if take == "lines" {
                    for lineText in t.text(span).split(separator: "\n") {
                        var s = String(lineText).trimmingCharacters(in: .whitespaces)
                        while let f = s.first, "-+•*".contains(f) { s.removeFirst() }
                        s = AgencyNames.clean(s)
                        // an official addressed stands for the body heading it ("Hiệu trưởng các trường THPT" →
                        // "Các trường THPT"), as in a Quyết định's closing article (ANNOTATION-NOTES)
                        let lt = FoldedText(s)
                        let ltoks = names.tokenize(lt, 0..<lt.folded.utf8.count, ob: Array(s.utf8))
                        if let f = ltoks.firstIndex(where: \.isWord), names.official(ltoks, f) > 0,
                           let body = names.officialsBodies(ltoks).first, !body.generic {
                            s = AgencyNames.withCapital(names.text(lt, ltoks, body))
                        }
                        if !s.isEmpty && !isIssuer(s) { chosen.append((s, span)) }
                    }
                } else {
                    let toks = names.tokenize(t, span, ob: ob, fb: fb, shortLine: shortLine, lineStarts: lineStarts)
                    guard !toks.isEmpty else { continue }
                    let found = names.scan(toks)
                    let runs = names.runs(found, toks)
                    var run: [AgencyNames.Found] = []
                    switch take {
                    case "last":
                        if let last = runs.last, last.last!.end == toks.count || names.gapIsSeparator(toks, last.last!.end, toks.count),
                           !names.afterOfficial(toks, last.first!.start),
                           last.first!.start == 0 || !["truc", "cua", "vien"].contains(toks[last.first!.start - 1].text) { run = last }
                    case "officials":
                        run = names.officialsBodies(toks)
                    case "subject":
                        // names that open the stretch and are followed at once by a duty verb
                        // not the document's own act ("Ban Chỉ đạo ban hành Kế hoạch"), not a list of schemes ("BHXH, BHTN, BHYT")
                        if let first = runs.first, first.first!.start == 0, let e = first.last?.end, e < toks.count,
                           names.match(names.stops, toks, e) > 0, !(toks[e].text == "ban" && e + 1 < toks.count && toks[e + 1].text == "hanh"),
                           !toks[0..<e].allSatisfy({ !$0.isWord || $0.acronym }) { run = first }
                    case "whole":
                        if runs.count == 1, let only = runs.first, names.gapIsSeparator(toks, 0, only.first!.start),
                           names.gapIsSeparator(toks, only.last!.end, toks.count) { run = only }
                    case "all":
                        if runs.count == 1, let only = runs.first, only.first!.start == 0,
                           names.gapIsSeparator(toks, only.last!.end, toks.count) { run = only }
                    default:
                        if let first = runs.first, names.gapIsSeparator(toks, 0, first.first!.start) { run = first }
                    }
                    // "3. Bộ Ngoại giao;": a name with no duty after it is an item of an enumeration
                    if let last = run.last { bareItem = last.end >= toks.count || !toks[last.end].isWord && toks[last.end].text != "," }
                    for f in run where !f.generic {
                        // "phối hợp với các cơ quan, đơn vị": a group of bodies counts as a subject only
                        if (role == "support" || r.attributes["groups"] == "no") && names.group(toks, f.start, subjectsOnly: true) > 0 { continue }
                        // "phối hợp với các bộ phận phụ trách …": a plural of a kind of body in lower case is
                        // a group too, unless agency-groups.vocab names it ("các đại lý thu")
                        if role == "support", toks[f.start].text == "cac", f.start + 1 < toks.count, !toks[f.start + 1].capitalized,
                           names.group(toks, f.start) == 0 { continue }
                        // a body read from the end of a title: "phòng Y tế huyện" → "Phòng Y tế huyện"
                        let n = AgencyNames.withCapital(names.text(t, toks, f))
                        if !isIssuer(n) {
                            chosen.append((n, toks[f.start].range.lowerBound..<toks[f.end - 1].range.upperBound))
                        }
                    }
                }
                guard !chosen.isEmpty else { continue }
                if r.id == "agency.item-subject" && headingLines.contains(t.line(ofFolded: m.range.lowerBound)) { continue }
                if r.id == "agency.item-subject" && bareItem { continue }
                let text = ExtractionRules.collapse(t.text(m.range))
                for (n, range) in chosen {
                    hits.append(AgencyHit(name: n, role: role, range: range, line: t.line(ofFolded: range.lowerBound), text: text))
                }
            }
        }
        // Nothing after the signature block: "Nơi nhận" lists receivers, not duties.
        if let cut = t.folded.firstOffset(of: "noi nhan") {
            hits = hits.filter { $0.range.lowerBound < cut }
        }
        return hits.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }

    /// Start of the clause that ends at `pos`: after a bracket, ";", ":", ". " or a blank line (at most 200 bytes back).
    func clauseStart(_ b: [UInt8], _ pos: Int, reach: Int = 200) -> Int {
        var i = pos - 1
        let stop = max(0, pos - reach)
        while i >= stop {
            let c = b[i]
            if c == UInt8(ascii: "(") || c == UInt8(ascii: ")") || c == UInt8(ascii: ";") || c == UInt8(ascii: ":") { return i + 1 }
            if c == UInt8(ascii: "."), i + 1 < b.count, b[i + 1] == 0x20 || b[i + 1] == 0x0A { return i + 1 }
            if c == 0x0A {
                var k = i - 1
                while k >= 0, b[k] == 0x20 { k -= 1 }
                if k < 0 || b[k] == 0x0A { return i + 1 }
            }
            i -= 1
        }
        // no boundary within reach: start at a word
        var j = stop
        while j < pos, b[j] != 0x20, b[j] != 0x0A { j += 1 }
        return j
    }

    func isIssuer(_ name: String, _ doc: Document) -> Bool {
        !doc.issuerKeys.isEmpty && doc.issuerKeys.contains(Extractor.agencyKey(name))
    }

    func mergeAgencies(_ hits: [AgencyHit], doc: Document) -> [ExtractionResult.Agency] {
        var order: [String] = []
        var groups: [String: [AgencyHit]] = [:]
        for var h in hits {
            // the same names recur: each spelled and keyed once
            let c = canonicalNames.value(h.name) {
                let name = names.canonical(h.name)
                return (name: name, key: Extractor.agencyKey(name))
            }
            h = AgencyHit(name: c.name, role: h.role, range: h.range, line: h.line, text: h.text)
            let k = c.key
            if k.isEmpty { continue }
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(h)
        }
        // A report's account of past work names bodies that did something, not bodies given a duty
        // (ANNOTATION-NOTES): a body named only under a heading of results ("I. KẾT QUẢ THỰC HIỆN",
        // "Tình hình …", past-sections.vocab) is not listed; one also given a duty keeps its first line.
        let sections = sectionStatuses(doc, openingOnly: true)
        func inPast(_ h: AgencyHit) -> Bool {
            h.role != "lead" && heading(at: h.range.lowerBound, doc.headings).map { sections[$0] == .past } == true
        }
        order.removeAll { k in groups[k]!.allSatisfy(inPast) }
        return order.map { k in
            let g = groups[k]!
            var spellings: [String] = []
            for h in g where !spellings.contains(h.name) { spellings.append(h.name) }
            let name = spellings.max { $0.count < $1.count }!
            let first = g.min { $0.line < $1.line }!
            let role = g.contains(where: { $0.role == "lead" }) ? "lead" : first.role
            return ExtractionResult.Agency(name: name, role: role, aliases: spellings.filter { $0 != name }, text: first.text, line: first.line)
        }.sorted { $0.line < $1.line }
    }
}

/// Character's isUppercase of each scalar below U+2000 alone (Vietnamese letters among them), asked once.
private let characterIsUppercaseBelow2000: [Bool] = (0..<0x2000).map { v in
    Unicode.Scalar(UInt32(v)).map { Character($0).isUppercase } ?? false
}

/// Numbers by byte strings, in an open-addressing table: found from a slice of bytes without making
/// a String or running SipHash.
struct ByteKeyedIndex: Sendable {
    private var slots: [Int32]            // index into `entries`, −1 for empty
    private var entries: [(key: [UInt8], value: Int)] = []
    private let mask: Int

    init(_ pairs: [([UInt8], Int)]) {
        var size = 16
        while size < pairs.count * 2 { size *= 2 }
        mask = size - 1
        slots = [Int32](repeating: -1, count: size)
        for (key, value) in pairs {
            var i = Self.hash(key[...]) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(entries.count)
            entries.append((key, value))
        }
    }

    private static func hash(_ bytes: ArraySlice<UInt8>) -> Int {
        var h: UInt64 = 0xCBF29CE484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001B3 }
        return Int(truncatingIfNeeded: h ^ h >> 29)
    }

    func value(_ bytes: ArraySlice<UInt8>) -> Int? {
        var i = Self.hash(bytes) & mask
        while slots[i] >= 0 {
            let entry = entries[Int(slots[i])]
            if entry.key.elementsEqual(bytes) { return entry.value }
            i = (i + 1) & mask
        }
        return nil
    }
}
