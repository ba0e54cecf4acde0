import Foundation

/// Names read back whole after decoding, where a word-by-word language model cannot tell them: the
/// names of places after the word for their kind ("xã Miling Lin" → "xã Mường Lạn") and the standard
/// names of bodies ("Ban Tu chiic Huyin iiy" → "Ban Tổ chức Huyện ủy"). Both compare the OCR's
/// letters with a listed name under the OCR channel (`CandidateGenerator.readingCost`) against the
/// words the decoder chose, so a name the page does not show is never put in.
extension Restorer {
    /// A word put back from a list: its text, the listed name's share of the two readings' channel
    /// probability, and the decoder's reading it replaces.
    typealias ListedWord = (word: String, confidence: Double, instead: String?)

    /// The words of listed names (bodies first, then places after their kind word, which may be one
    /// a body's name put right: "huyền" → "huyện"), by piece; a mark read as ")" glued to a name's
    /// word maps to "" (it goes).
    func listedNameWords(_ pieces: [Piece], _ text: [Unicode.Scalar], positions: Decoder.Lattice, chosen: [Int],
                         entryOf: [Int32], pieceOf: [Int], fixed: [Int: String], times: Bool, upperLines: [Bool],
                         lineStarts: [Int]) -> [Int: ListedWord] {
        // Each word piece's restored key (lower case), as decoded (a word kept as the OCR read it: in
        // lower case, enough to tell the kind and head words by).
        var decoded = [String?](repeating: nil, count: pieces.count)
        // and its language-model id, by which kind and head words are looked up (hashing strings
        // for every word of a page cost more than the comparisons themselves)
        var ids = [Int32](repeating: LanguageModel.unknown, count: pieces.count)
        for (p, pi) in pieceOf.enumerated() where pi >= 0 && pieces[pi].kind == .word && positions[p].count > 0 {
            let entry = entryOf[positions.range(p).lowerBound + chosen[p]]
            if !fixed.isEmpty, let phrase = fixed[pi] {
                decoded[pi] = TokenKey.word(phrase); ids[pi] = model.lm.id(decoded[pi]!)
            } else if entry == Self.keepEntry {
                decoded[pi] = Self.string(text[pieces[pi].start..<pieces[pi].end]).lowercased(); ids[pi] = model.lm.id(decoded[pi]!)
            } else {
                decoded[pi] = model.generator.entries[Int(entry)].key; ids[pi] = model.generator.entries[Int(entry)].lmID
            }
        }
        let generator = times ? model.timesGenerator ?? model.generator : model.generator
        var out = bodyNameWords(pieces, text, decoded: decoded, ids: ids, fixed: fixed, generator: generator, upperLines: upperLines, lineStarts: lineStarts)
        for (pi, listed) in out where pieces[pi].kind == .word { decoded[pi] = TokenKey.word(listed.word); ids[pi] = model.lm.id(decoded[pi]!) }
        let places = placeNameWords(pieces, text, decoded: decoded, ids: ids, fixed: fixed, taken: out, generator: generator,
                                    upperLines: upperLines, lineStarts: lineStarts)
        out.merge(places) { body, _ in body }
        return out
    }

    /// Standard names of bodies (body-names.txt) after their first word as decoded: see that file.
    func bodyNameWords(_ pieces: [Piece], _ text: [Unicode.Scalar], decoded: [String?], ids: [Int32], fixed: [Int: String],
                       generator: CandidateGenerator, upperLines: [Bool], lineStarts: [Int]) -> [Int: ListedWord] {
        let names = model.bodyNames
        guard !names.byHead.isEmpty else { return [:] }
        var out: [Int: ListedWord] = [:]
        var pi = 0
        while pi < pieces.count {
            defer { pi += 1 }
            let id = Int(ids[pi])
            guard id >= 0, id < names.anchors.count, names.anchors[id], pieces[pi].kind == .word, decoded[pi] != nil else { continue }
            // Names whose first word this is, compared from their second; else names whose second word
            // this is, from the word before (a head the decoder got wrong: "Din Bién phong" read
            // "Đơn Biên phòng" is "Đồn Biên phòng"). `first`: the name's token the first one read is.
            var candidates = (names.byHead[ids[pi]] ?? []).map { (name: $0, first: 1) }
            var at = pi + 1
            let previous = pi - 2
            if let seconds = names.bySecond[ids[pi]], pi >= 2, pieces[pi - 1].kind == .space, pieces[pi - 2].kind == .word,
               fixed[pi - 2] == nil, decoded[pi - 2] != nil {
                let behind = seconds.filter { $0.head != ids[pi - 2] }
                if !behind.isEmpty { candidates += behind.map { (name: $0, first: 0) } }
            }
            guard !candidates.isEmpty else { continue }
            // The words and punctuation after this word, read against the rest of the name: across
            // spaces and one line break; a ")", "]" or "!" glued to a word is that word's (a mark the
            // OCR read so).
            var tokens: [(piece: Int, glued: Int?)] = []
            var breaks = 0
            while at < pieces.count, tokens.count < names.longest + 2 {
                switch pieces[at].kind {
                case .space: at += 1; continue
                case .newline: breaks += 1; if breaks > 1 { break }; at += 1; continue
                case .word:
                    // (not a bracket that closes one opened before: "(… Trạm y tế)", nor the last of a line
                    // that opened one: "(cl) quan … giao thông huyiin)", whose first ")" is a mark)
                    // nor a "!" that ends a sentence: one is a mark only before a small letter ("t! xã")
                    if at + 1 < pieces.count, pieces[at + 1].kind == .punctuation, ")]!".unicodeScalars.contains(text[pieces[at + 1].start]),
                       text[pieces[at + 1].start] == "!" ? Self.markBeforeSmallLetter(text, after: pieces[at + 1].end)
                        : !Tokenizer.bracketOpen(text, before: pieces[at].start) && !Self.closesLineBracket(text, at: pieces[at + 1].start) {
                        tokens.append((at, at + 1)); at += 2
                    } else {
                        tokens.append((at, nil)); at += 1
                    }
                    continue
                case .punctuation: tokens.append((at, nil)); at += 1; continue
                case .number: break
                }
                break
            }
            func ocrLetters(_ t: (piece: Int, glued: Int?), glued: Bool) -> [Unicode.Scalar] {
                let end = glued ? pieces[t.glued!].end : pieces[t.piece].end
                return Array(Self.string(text[pieces[t.piece].start..<end]).lowercased().unicodeScalars)
            }
            // each token's letters prepared once, and the decoder's word's cost on them
            var prepared: [Int: (reading: CandidateGenerator.Reading, chosen: Float)] = [:]
            // the initials each token's first letter may stand for (a name whose initials do not fit
            // is passed over without a cost computed: most heads and second words open no name here)
            let firstLetters: [Unicode.Scalar] = tokens.map { pieces[$0.piece].kind == .word ? text[pieces[$0.piece].start] : " " }
            func fits(_ name: BodyNames.Name, _ first: Int) -> Bool {
                for i in first..<name.tokens.count where name.tokens[i].punctuation == nil {
                    let letter = first == 1 ? firstLetters[i - 1] : i == 0 ? text[pieces[previous].start]
                        : i == 1 ? text[pieces[pi].start] : firstLetters[i - 2]
                    if !Self.initialMayBeRead(name.initials[i], as: letter) { return false }
                }
                return true
            }
            /// The cost of reading `key` as the token (with its glued mark: no bracket is open before
            /// it), and of the decoder's word read from the same letters.
            func costs(_ key: [Unicode.Scalar], _ t: (piece: Int, glued: Int?), bound: Float) -> (name: Float, chosen: Float, glued: Bool) {
                if prepared[t.piece] == nil {
                    let reading = generator.reading(ocrLetters(t, glued: t.glued != nil))
                    prepared[t.piece] = (reading, generator.readingCost(of: Array((decoded[t.piece] ?? "").unicodeScalars), as: reading))
                }
                let p = prepared[t.piece]!
                return (generator.readingCost(of: key, as: p.reading, bound: bound), p.chosen, t.glued != nil)
            }
            /// What the name's token `i` is read against, for a name whose token `first` is the first read.
            func token(_ first: Int, _ i: Int) -> (piece: Int, glued: Int?) {
                first == 1 ? tokens[i - 1] : i == 0 ? (previous, nil) : i == 1 ? (pi, nil) : tokens[i - 2]
            }
            // A body's name opens with a capital ("Sở Y tế"; "các cơ sở y tế tính đến nay" names none).
            func capitalised(_ first: Int) -> Bool { text[pieces[first == 1 ? pi : previous].start].isUppercaseLetter }
            var best: (name: BodyNames.Name, first: Int, cost: Float, chosen: Float, glued: [Bool])?
            for (name, first) in candidates where name.tokens.count - 2 + first <= tokens.count && capitalised(first) && fits(name, first) {
                var cost: Float = 0, chosenCost: Float = 0, ok = true
                var glued = [Bool](repeating: false, count: name.tokens.count)
                let cap = bodyNameMaxCost * Float(name.words)
                for (i, nameToken) in name.tokens.enumerated().dropFirst(first) {
                    let t = token(first, i)
                    if let mark = nameToken.punctuation {
                        ok = pieces[t.piece].kind == .punctuation && text[pieces[t.piece].start] == mark
                    } else {
                        ok = pieces[t.piece].kind == .word && fixed[t.piece] == nil
                        if ok {
                            let c = costs(nameToken.key, t, bound: cap - cost)
                            cost += c.name; chosenCost += c.chosen; glued[i] = c.glued
                            ok = cost <= cap
                        }
                    }
                    if !ok { break }
                }
                guard ok, cost <= chosenCost + bodyNameSlack else { continue }
                if let b = best, b.name.words > name.words || b.name.words == name.words && b.cost - b.chosen <= cost - chosenCost { continue }
                best = (name, first, cost, chosenCost, glued)
            }
            guard let best else { continue }
            let line = lineNumber(of: pieces[pi].start, lineStarts: lineStarts)
            let confidence = 1 / (1 + exp(Double(best.cost - best.chosen)))
            var last = pi
            // in capitals where its line is, or most of its words of two letters or more are ("SG KHOA
            // HOC VA CONG NGHE" beside the motto, a line not in capitals as a whole)
            let read = best.name.tokens.indices.dropFirst(best.first).filter { best.name.tokens[$0].punctuation == nil }
                .map { token(best.first, $0).piece }.map { text[pieces[$0].start..<pieces[$0].end] }.filter { $0.count >= 2 }
            let capitals = upperLines[line - 1] || read.filter({ Casing.of($0, lineIsUpper: false) == .upper }).count * 2 > read.count
            for (i, nameToken) in best.name.tokens.enumerated().dropFirst(best.first) {
                let t = token(best.first, i)
                last = max(last, t.glued ?? t.piece)
                guard nameToken.punctuation == nil else { continue }
                let word = text[pieces[t.piece].start..<pieces[t.piece].end]
                // (a word in capitals on a line of capitals past the name's first line keeps them)
                let wordLine = lineNumber(of: pieces[t.piece].start, lineStarts: lineStarts)
                let inCapitals = capitals || wordLine != line && upperLines[wordLine - 1] && Casing.of(word, lineIsUpper: false) == .upper
                let written = Self.phraseCase(nameToken.written, as: word, Normalize.fold(nameToken.written), inCapitals: inCapitals)
                // (recorded even where it is the OCR word as read: the decoder's other word must not stand)
                out[t.piece] = (written, confidence, decoded[t.piece])
                if best.glued[i], let glued = t.glued { out[glued] = ("", confidence, nil) }
            }
            // the level after the name, in small letters, where the decoder chose a word a letter away:
            // "huyền" or "huyJn" read for "huyện", "trình" for "tỉnh" (not "Chính phủ hướng dẫn")
            let after = best.name.tokens.count - 2 + best.first
            if after < tokens.count, case let t = tokens[after], pieces[t.piece].kind == .word, fixed[t.piece] == nil,
               text[pieces[t.piece].start].properties.isLowercase, let chosenKey = decoded[t.piece] {
                let level = names.levels.filter { Fuzzy.distance(Normalize.fold($0), Normalize.fold(chosenKey), limit: 1) <= 1 }
                    .map { ($0, costs(Array($0.unicodeScalars), t, bound: .infinity)) }.min { $0.1.name < $1.1.name }
                if let (word, c) = level, c.name <= c.chosen + bodyNameSlack, word != chosenKey || c.glued {
                    if word != chosenKey { out[t.piece] = (word, 1 / (1 + exp(Double(c.name - c.chosen))), chosenKey) }
                    if c.glued, let glued = t.glued { out[glued] = ("", 1, nil) }
                    last = max(last, t.glued ?? t.piece)
                }
            }
            pi = last
        }
        return out
    }

    /// The words of place names read back from the gazetteer (places.txt), by piece: a run of
    /// capitalised words right after the word for a unit's kind ("xã", "huyện", "thị trấn") is that
    /// unit's name, so it is compared with every listed name of as many words under the OCR channel,
    /// and the cheapest taken where it costs at most `placeNameSlack` more than the decoder's reading
    /// ("xã Miling Lin" → "xã Mường Lạn", "huyện Chu Sé" → "huyện Chư Sê"). The language model alone
    /// prefers common words ("Miệng Lớn"); the name's kind word is the evidence it lacks. After an
    /// opener (place-openers.txt: "Đồn Biên phòng Miling Lin") the name must fit at least as well as
    /// the decoder's words (`placeOpenerSlack`). Where the decoder kept a word the channel cannot spell
    /// ("[a"), only `placeNameMaxCost` per word bounds the name. `instead` is the decoder's reading,
    /// `confidence` the name's share of the two readings' channel probability.
    func placeNameWords(_ pieces: [Piece], _ text: [Unicode.Scalar], decoded: [String?], ids: [Int32], fixed: [Int: String],
                        taken: [Int: ListedWord], generator: CandidateGenerator, upperLines: [Bool],
                        lineStarts: [Int]) -> [Int: ListedWord] {
        // (the list is indexed on first use: a page without a unit's kind word never needs it)
        var listed: PlaceNames?
        var names: PlaceNames { if listed == nil { listed = model.places }; return listed! }
        let contexts = model.placeContexts
        /// The word piece after `pi` across one space on the same line, if any.
        func nextWord(_ pi: Int) -> Int? {
            guard pi + 2 < pieces.count, pieces[pi + 1].kind == .space, pieces[pi + 2].kind == .word else { return nil }
            return pi + 2
        }
        var out: [Int: ListedWord] = [:]
        var pi = 0
        while pi < pieces.count {
            defer { pi += 1 }
            guard pieces[pi].kind == .word, decoded[pi] != nil else { continue }
            // a kind or opener of two words, else of one
            var found: PlaceContexts.Context?, last = pi
            if let pairs = contexts.pairs[ids[pi]], let next = nextWord(pi), let context = pairs[ids[next]] {
                found = context; last = next
            } else {
                found = contexts.single[ids[pi]]
            }
            guard let found else { continue }
            let kind = found.text, opener = found.opener
            let slack = opener ? placeOpenerSlack : placeNameSlack
            // The run after the kind, then each one a list adds to it ("các xã Mường Lạn, Chiềng
            // Khương và Mường Sai"): the same kind of unit.
            var at = last
            var listed = false
            while let run = capitalisedRun(after: at) {
                at = readRun(run, kind: kind, opener: opener, slack: slack, inList: listed)
                guard let next = listGoesOn(after: at) else { break }
                at = next; listed = true
            }
            pi = at
        }
        return out

        /// Up to four capitalised words after `at` (not into a fixed phrase's words, put back as the
        /// phrase writes them, nor a body's name already read).
        func capitalisedRun(after at: Int) -> [Int]? {
            var run: [Int] = []
            var at = at
            while run.count < 4, let next = nextWord(at), fixed[next] == nil, taken[next] == nil,
                  text[pieces[next].start].isUppercaseLetter || text[pieces[next].start] == "[" {
                run.append(next); at = next
            }
            return run.isEmpty ? nil : run
        }

        /// The piece before the next name of a list: after ", " or " và ".
        func listGoesOn(after at: Int) -> Int? {
            if at + 1 < pieces.count, pieces[at + 1].kind == .punctuation, text[pieces[at + 1].start] == "," { return at + 1 }
            if let word = nextWord(at), ids[word] == contexts.and { return word }
            return nil
        }

        /// Reads the run's first words as the listed name they fit best, if any; returns the last
        /// piece of the name (or of the run).
        func readRun(_ run: [Int], kind: String, opener: Bool, slack: Float, inList: Bool) -> Int {
            let ocr = run.map { Array(Self.string(text[pieces[$0].start..<pieces[$0].end]).lowercased().unicodeScalars) }
            let readings = ocr.map { generator.reading($0) }
            let initials = ocr.map { Set(Self.lettersRead(as: $0.first!)) }
            for k in stride(from: run.count, through: 1, by: -1) {
                // a name of one word only as the whole run right after the kind ("TỈNH CHU TICH" is no
                // "thị trấn Chũ", nor "Hồ Chí Minh, Chi tịch" a list going on), and where the page's
                // letters fit it better than the words chosen
                guard let byLetter = names.byLengthAndLetter[k], k > 1 || run.count == 1 && !inList else { continue }
                let chosenKeys = run.prefix(k).map { decoded[$0] ?? "" }
                // the decoder read a listed name ("Lương Minh", its trigrams know the names): it stands
                if names.keys.contains(chosenKeys.joined(separator: " ")) { return run[k - 1] }
                var chosenCost: Float = 0
                for i in 0..<k { chosenCost += generator.readingCost(of: Array(chosenKeys[i].unicodeScalars), as: readings[i]) }
                var best: PlaceNames.Name?
                var bestCost = min(chosenCost + (k == 1 ? min(slack, placeOpenerSlack) : slack), placeNameMaxCost * Float(k))
                // (names whose first two initials the OCR could have read so; the others untouched)
                let seconds = k > 1 ? Self.lettersRead(as: ocr[1].first!) : []
                for letter in Self.lettersRead(as: ocr[0].first!) {
                    guard let group = byLetter[letter] else { continue }
                    for n in group.second.indices where k == 1 || seconds.contains(group.second[n]) {
                        let name = group.names[n]
                        guard (2..<max(2, k)).allSatisfy({ initials[$0].contains(name.initials[$0]) }) else { continue }
                        var cost: Float = name.kind == kind || opener ? 0 : 0.5
                        for i in 0..<k where cost <= bestCost {
                            var c = generator.readingCost(of: name.keys[i], as: readings[i], bound: bestCost - cost)
                            // a capital Đ read as P (see wordOptions)
                            if name.keys[i].first == "đ", ocr[i].first == "p" {
                                c = min(c, generator.readingCost(of: name.keys[i], as: ["đ"] + ocr[i].dropFirst(), bound: bestCost - cost) + capitalDAsPCost)
                            }
                            cost += c
                        }
                        if cost <= bestCost, best == nil || cost < bestCost { best = name; bestCost = cost }
                    }
                }
                guard let best else { continue }
                let confidence = 1 / (1 + exp(Double(bestCost - chosenCost)))
                // A name is in capitals when its line is, or its longer words are ("Hil CHANH" in a
                // header is "HẢI CHÁNH", the OCR having read the first small; a two-letter word's case says little).
                let line = lineNumber(of: pieces[run[0]].start, lineStarts: lineStarts)
                let long = run.prefix(k).map { text[pieces[$0].start..<pieces[$0].end] }.filter { $0.count > 2 }
                let upper = upperLines[line - 1] || long.contains { Casing.of($0, lineIsUpper: false) == .upper }
                for (i, piece) in run.prefix(k).enumerated() {
                    out[piece] = (upper ? Normalize.uppercased(best.written[i]) : best.written[i], confidence,
                                  upper ? Normalize.uppercased(chosenKeys[i]) : Normalize.uppercased(String(chosenKeys[i].prefix(1))) + chosenKeys[i].dropFirst())
                }
                return run[k - 1]
            }
            return run.last!
        }
    }

    /// Whether a space and a small letter follow `after`: what a "!" read for a mark stands before.
    static func markBeforeSmallLetter(_ text: [Unicode.Scalar], after: Int) -> Bool {
        after + 1 < text.count && text[after] == " " && text[after + 1].properties.isLowercase
    }

    /// Whether the ")" or "]" at `at` is the last on its line after an opener earlier on it: then it
    /// closes that one, and any before it stood for marks.
    static func closesLineBracket(_ text: [Unicode.Scalar], at: Int) -> Bool {
        let closer = text[at], opener: Unicode.Scalar = closer == ")" ? "(" : "["
        var k = at + 1
        while k < text.count, text[k] != "\n" { if text[k] == closer { return false }; k += 1 }
        k = at - 1
        while k >= 0, text[k] != "\n" { if text[k] == opener { return true }; k -= 1 }
        return false
    }

    /// Whether a word whose first letter (without marks) is `initial` may have been read with `ocr`
    /// first: the same letter, Đ read as P, and a marked vowel read as another vowel or a stroke
    /// ("iiy" for "ủy", "fy" and "ly" for "Ủy", "[a" for "Ia").
    static func initialMayBeRead(_ initial: Unicode.Scalar, as ocr: Unicode.Scalar) -> Bool {
        let letters = lettersRead(as: ocr)
        if letters.contains(initial) { return true }
        return "aeiouy".unicodeScalars.contains(initial) && "aeiouylfj1[|".unicodeScalars.contains(letters[0])
    }

    /// The first letters (without marks) a listed name may have where the OCR read `ocr` first: the
    /// same letter, or Đ read as P, I read as l, "[" or "1".
    static func lettersRead(as ocr: Unicode.Scalar) -> [Unicode.Scalar] {
        // (ASCII lowered by hand: this runs for every word a name or a place could start at)
        let o = ocr.value < 0x80 ? Unicode.Scalar(UInt8(ocr.value) | (65...90 ~= ocr.value ? 0x20 : 0))
            : (Normalize.fold(String(ocr)).unicodeScalars.first ?? ocr)
        switch o {
        case "p": return ["p", "d"]
        case "l": return ["l", "i"]
        case "[", "1": return ["i"]
        default: return [o]
        }
    }

}
