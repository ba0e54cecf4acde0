import Foundation

/// One word the restorer changed, for an archivist to review (`kehoach restore --changes`).
public struct RestoreChange: Codable, Equatable, Sendable {
    /// 1-based line and column (in characters) of the word in the input.
    public let line: Int
    public let column: Int
    public let from: String
    public let to: String
    /// Posterior probability of `to` among the candidates, 0…1.
    public let confidence: Double
    public let alternatives: [Alternative]

    public struct Alternative: Codable, Equatable, Sendable {
        public let text: String
        public let confidence: Double
    }
}

/// The change log of a restoration, as `restore --changes` and `batch` write it (NAME.changes.json).
public enum ChangeLog {
    struct File: Encodable {
        let source: String
        /// The damage profile the text was restored under (`--profile`, or the one auto chose).
        let profile: DamageProfile
        /// The input's encoding when it was not UTF-8 ("tcvn3", "utf-16le"; TextEncoding).
        let encoding: String?
        let changes: [RestoreChange]
    }

    public static func json(_ changes: [RestoreChange], source: String, profile: DamageProfile = .ocr, encoding: String? = nil) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(File(source: source, profile: profile, encoding: encoding, changes: changes))
        data.append(0x0A)
        return data
    }
}

/// Restored text: the input's lines, spacing, numbers and punctuation, with words restored.
public struct Restoration: Sendable {
    public let text: String
    public let changes: [RestoreChange]
    /// Word tokens seen (changed or not).
    public let wordCount: Int
    /// The damage the text was restored as having (chosen from the text under `.auto`).
    public var profile: DamageProfile = .ocr

    public init(text: String, changes: [RestoreChange], wordCount: Int, profile: DamageProfile = .ocr) {
        self.text = text; self.changes = changes; self.wordCount = wordCount; self.profile = profile
    }
}

/// What happened to a text's words, which decides what restoration may do to them.
public enum DamageProfile: String, Codable, Sendable, CaseIterable {
    /// Chosen from the text itself (`Restorer.detectProfile`).
    case auto
    /// Read by an OCR model that does not know Vietnamese: marks lost or turned into other letters,
    /// digits and symbols; letters themselves may be wrong.
    case ocr
    /// Read the same way from pages set in a Times-like face (Times New Roman, which Vietnamese
    /// administrative documents must use, or Liberation Serif): the OCR turns marked vowels into
    /// "i", "l" and "ll" ("ngilli" for "người", "Huytin" for "Huyện"), and restoration reads them with
    /// the channel learned from such pages (rules/restore/confusions-times.tsv).
    case ocrTimes = "ocr-times"
    /// Typed without marks (không dấu): every letter is right, only marks and đ are missing. Marks
    /// are restored and letters left alone.
    case stripped
    /// Already right: the text is given back as it is.
    case clean
}

/// The restoration pipeline: normalize → tokenize → candidates → decode, then the casing and
/// change log. Thread-safe: one instance serves a whole batch.
public final class Restorer: @unchecked Sendable {
    public let model: RestoreModel
    public var decoder = Decoder()
    /// Weight of the channel cost against the language model's.
    public var channelWeight: Float = 1.0
    /// Cost of keeping a plain-ASCII word the vocabulary does not know: capitalized (a name?) or not.
    public var keepNameCost: Float = 10.0
    public var keepUnknownCost: Float = 15.0
    /// Keeping a consonant-only word (an abbreviation) the lexicon lacks, where one differing by đ
    /// is there ("LDTB" beside "LĐTB").
    public var keepAbbreviationCost: Float = 2.0
    static let vowels: Set<Unicode.Scalar> = ["a", "e", "i", "o", "u", "y"]
    /// Extra cost of a dictionary syllable the language model never saw: `<unk>` pools the
    /// probability of tens of thousands of rare tokens, and one syllable has a small share of it.
    public var unseenSyllableCost: Float = 12.0
    /// Options kept per word after ranking by spelling and frequency.
    public var maxOptions = 8
    /// Channel cost of a capital Đ read as P (see `wordOptions`).
    public var capitalDAsPCost: Float = 1
    public var priorWeight: Float = 0.7
    /// Options this far behind the best by spelling and frequency together are dropped: most
    /// words then keep two to four, which is what keeps decoding fast.
    public var priorMargin: Float = 6
    /// Options whose spelling cost is this far behind the closest one are dropped.
    public var optionMargin: Float = 9
    /// Weight of a word's frequency among the marked forms of a word typed without marks, where
    /// nothing on the page tells them apart.
    public var strippedPriorWeight: Float = 0.3
    /// Cost of keeping as typed a word of such a text that is no syllable without marks (see `strippedOptions`).
    public var strippedKeepCost: Float = 10
    /// Options kept per word of such a text: more than an OCR word's, since nothing but frequency
    /// ranks them before the language model ("ban" has a dozen marked forms; 8 lost 0.002 of accuracy).
    public var strippedMaxOptions = 16
    /// An OCR word at or above this confidence has its letters right 96 % of the time (see `weigh`).
    public var sureConfidence = 0.9
    /// Extra cost of an option that changes the letters of a word the OCR was sure of.
    public var confidentLetterCost: Float = 5
    /// Below this confidence a word is seldom right as read (see `weigh`).
    public var unsureConfidence = 0.5
    /// Extra cost of keeping as written a word the OCR was unsure of.
    public var unsureKeepCost: Float = 2
    /// Cost of reading "10" as "lệ" or "lở", "0" as "ở" on a Times-like page, beyond the channel's (see `restoreLF`).
    public var timesDigitsAsLettersCost: Float = 2
    /// Numbers a Times-like page makes of letters, and the letters they look like.
    static let timesDigitReadings = ["10": "lo", "0": "o"]
    /// Weight of the channel cost on a Times-like page, whose readings are more ambiguous.
    public var timesChannelWeight: Float = 1.0
    /// How much more a place name's reading may cost than the words the decoder chose for the same
    /// capitalised run after a unit's kind ("xã Miling Lin": "Mường Lạn" against "Miệng Lớn"): a
    /// name's syllables are rare in running text, so the language model alone would not pick them.
    public var placeNameSlack: Float = 6
    /// The most a place name may cost per word: beyond it the run is some other name (a hamlet's, a
    /// person's) that the list does not hold, and the decoder's reading stands.
    public var placeNameMaxCost: Float = 9
    public var placeOpenerSlack: Float = 0
    /// The same for a standard name of a body after its first word (body-names.txt).
    public var bodyNameSlack: Float = 6
    public var bodyNameMaxCost: Float = 9

    private let cacheLock = NSLock()
    private var wordCache = WordOptionsCache(limit: 200_000)
    /// The options of words on Times-like pages, under their own channel.
    private var timesWordCache = WordOptionsCache(limit: 200_000)
    /// The options of the letters a Times-like page's "10" and "0" may stand for (timesDigitReadings), made once.
    private var timesDigitOptions: [String: (options: [Decoder.Option], entries: [Int32])] = [:]

    public init(model: RestoreModel) {
        self.model = model
        asciiPunctuation = (0..<128).map { model.lm.id(String(UnicodeScalar(UInt8($0)))) }
        surfaces = model.generator.entries.flatMap { e -> [String] in
            // A written form with capitals ("VssID", "QĐ") is fixed; a lower-case one ("internet")
            // takes the word's casing like any syllable.
            if let written = e.written, written != e.key { return [written, written, written] }
            return [e.key, e.key.prefix(1).uppercased() + e.key.dropFirst(), e.key.uppercased()]
        }
    }

    public static func load(rulesDirectory: URL) throws -> Restorer {
        Restorer(model: try RestoreModel.load(rulesDirectory: rulesDirectory))
    }

    /// The tunable weights by name, for `kehoach eval restore --param NAME=VALUE` experiments.
    public static let parameterNames = ["channelWeight", "keepNameCost", "keepUnknownCost", "unseenSyllableCost",
                                        "maxOptions", "priorWeight", "priorMargin", "optionMargin", "beam", "beamMargin",
                                        "candidateMargin", "candidateCeiling", "capitalDAsPCost", "strippedPriorWeight", "strippedKeepCost", "strippedMaxOptions",
                                        "sureConfidence", "confidentLetterCost", "unsureConfidence", "unsureKeepCost",
                                        "timesChannelWeight", "timesDigitsAsLettersCost", "placeNameSlack", "placeNameMaxCost", "placeOpenerSlack", "bodyNameSlack", "bodyNameMaxCost"]

    public func setParameter(_ name: String, _ value: Double) -> Bool {
        switch name {
        case "channelWeight": channelWeight = Float(value)
        case "keepNameCost": keepNameCost = Float(value)
        case "keepUnknownCost": keepUnknownCost = Float(value)
        case "unseenSyllableCost": unseenSyllableCost = Float(value)
        case "maxOptions": maxOptions = Int(value)
        case "priorWeight": priorWeight = Float(value)
        case "optionMargin": optionMargin = Float(value)
        case "priorMargin": priorMargin = Float(value)
        case "beam": decoder.beam = Int(value)
        case "beamMargin": decoder.beamMargin = Float(value)
        case "candidateMargin": model.generator.margin = Float(value); model.timesGenerator?.margin = Float(value)
        case "candidateCeiling": model.generator.ceiling = Float(value); model.timesGenerator?.ceiling = Float(value)
        case "strippedPriorWeight": strippedPriorWeight = Float(value)
        case "strippedKeepCost": strippedKeepCost = Float(value)
        case "strippedMaxOptions": strippedMaxOptions = Int(value)
        case "sureConfidence": sureConfidence = value
        case "confidentLetterCost": confidentLetterCost = Float(value)
        case "unsureConfidence": unsureConfidence = value
        case "unsureKeepCost": unsureKeepCost = Float(value)
        case "capitalDAsPCost": capitalDAsPCost = Float(value)
        case "timesChannelWeight": timesChannelWeight = Float(value)
        case "timesDigitsAsLettersCost": timesDigitsAsLettersCost = Float(value)
        case "placeNameSlack": placeNameSlack = Float(value)
        case "placeNameMaxCost": placeNameMaxCost = Float(value)
        case "placeOpenerSlack": placeOpenerSlack = Float(value)
        case "bodyNameSlack": bodyNameSlack = Float(value)
        case "bodyNameMaxCost": bodyNameMaxCost = Float(value)
        default: return false
        }
        cacheLock.lock(); wordCache.removeAll(); timesWordCache.removeAll(); timesDigitOptions.removeAll(); cacheLock.unlock()
        return true
    }

    /// An option's vocabulary entry, or −1 for keeping the OCR word as it stands.
    static let keepEntry: Int32 = -1

    /// Restores `input`. `withChanges: false` skips the per-word confidence computation that only
    /// the change log needs.
    /// Any line endings (CRLF, CR, U+2028…) are read as line breaks and written back as they were.
    /// `profile`: what happened to the text (`.auto`: judged from the text, `detectProfile`).
    /// `confidences`: the OCR engine's confidence in each word (0…1) by the scalar offset of its
    /// first character in `input` (a TSV, hOCR or ALTO reading: `DecodedText.confidences`, whose
    /// text has only LF line ends).
    public func restore(_ input: String, withChanges: Bool = true, profile: DamageProfile = .auto,
                        confidences: [Int: Double]? = nil) -> Restoration {
        let (lf, ends) = LineEnds.split(input)
        var r = restoreLF(lf, withChanges: withChanges, profile: profile, confidences: ends.areAllLF ? confidences : nil)
        if !ends.areAllLF { r = Restoration(text: ends.applied(to: r.text), changes: r.changes, wordCount: r.wordCount, profile: r.profile) }
        return r
    }

    /// The damage a text shows: typed without marks when hardly a word carries one (at most one in a
    /// hundred: a name or a foreign word typed with them), hardly any has a digit or a symbol inside
    /// it, and nearly all words in small letters spell a syllable without its marks (at most 4 % do
    /// not; OCR readings of Times-like pages also carry few marks, but 40 % of their small words
    /// spell none: "hollch", "cdc"); clean when most words carry marks and those nearly all
    /// spell syllables; else OCR. Texts of fewer than five words are OCR's.
    public func detectProfile(_ pieces: [Piece], _ text: [Unicode.Scalar]) -> DamageProfile {
        func hasMark(_ w: ArraySlice<Unicode.Scalar>) -> Bool { w.contains { $0.value >= 0x80 && $0.isLetterCharacter } }
        var words = 0, marked = 0, damaged = 0
        for p in pieces where p.kind == .word {
            let w = text[p.start..<p.end]
            guard w.count >= 2 else { continue }
            words += 1
            if hasMark(w) { marked += 1 }
            if w.contains(where: { Tokenizer.isDigit($0) || Tokenizer.isLetterLike($0) || Tokenizer.isApostrophe($0) }) { damaged += 1 }
        }
        guard words >= 5 else { return .ocr }
        let ocr = timesLike(pieces, text, words: words) ? DamageProfile.ocrTimes : .ocr
        // Already right: most words marked, and the marked ones nearly all syllables (an English
        // model's reading spells two in five at most: "hién", "sich", "x4"). Restoring such text
        // could only break words ("về già" → "về giá"), so it is given back as it is.
        if marked * 10 >= words * 4, damaged * 200 <= words {
            // 100 marked words spread over the text decide it, and an OCR reading is told after a
            // dozen: checking every word cost a fifth of restoring an OCR page
            let stride = max(1, marked / 100)
            var invalid = 0, asked = 0, seen = 0
            for p in pieces where p.kind == .word && invalid <= 10 {
                let w = text[p.start..<p.end]
                // abbreviations in capitals ("HĐTP", "QĐ") are no syllables either way
                guard hasMark(w), w.allSatisfy(\.isLetterCharacter),
                      !(w.count <= 6 && w.allSatisfy(\.isUppercaseLetter)) else { continue }
                seen += 1
                guard seen % stride == 0 else { continue }
                asked += 1
                if !Vietnamese.isValidSyllable(TokenKey.word(Self.string(w))) { invalid += 1 }
            }
            if asked > 0 && invalid <= 10 && invalid * 10 <= asked { return .clean }
        }
        guard marked * 100 <= words, damaged * 50 <= words else { return ocr }
        // Words in small letters only: a capital starts the names and foreign words general text
        // is full of ("Shizuoka", "Saturn": 5 % of a stripped encyclopaedia's words), while an OCR
        // reading's unspelled words are mostly small ("phiic", "ngudi": 11 % or more of them).
        let byFold = model.entriesByFold
        var spelt = 0, asked = 0
        for p in pieces where p.kind == .word && p.end - p.start >= 2 {
            let w = text[p.start..<p.end]
            guard w.allSatisfy({ $0.value < 0x80 && !$0.properties.isUppercase }) else { continue }
            asked += 1
            if byFold[Self.string(w)] != nil { spelt += 1 }
        }
        return asked > 0 && (asked - spelt) * 25 <= asked ? .stripped : ocr
    }

    /// An OCR reading of a Times-like page: 3 % or more of its words (and three at least) hold "ll", "il" or "ii", which
    /// no Vietnamese syllable spells and which such pages make of marked vowels ("ngilli", "Huyiin").
    /// On the dev OCR the 17 Liberation Serif pages have 8–22 % such words, the 27 FreeSerif pages and
    /// the real scans of corpus/raw under 1 %.
    private func timesLike(_ pieces: [Piece], _ text: [Unicode.Scalar], words: Int) -> Bool {
        guard model.timesConfusions != nil else { return false }
        var thin = 0
        for p in pieces where p.kind == .word && p.end - p.start >= 2 {
            // Roman numerals ("II", "VIII") are no reading of a mark
            if text[p.start..<p.end].allSatisfy({ "IVXLC".unicodeScalars.contains($0) }) { continue }
            var previous: Unicode.Scalar = " "
            for s in text[p.start..<p.end] {
                let lower: Unicode.Scalar = s == "I" ? "i" : s == "L" ? "l" : s
                if (previous == "i" || previous == "l") && (lower == "l" || (lower == "i" && previous == "i")) { thin += 1; break }
                previous = lower
            }
        }
        // (and three such words at least: one "email" in a line of ten is no page of a face)
        return thin >= 3 && thin * 100 >= words * 3
    }

    /// `restore` of text whose lines all end with "\n".
    private func restoreLF(_ input: String, withChanges: Bool, profile requested: DamageProfile,
                           confidences: [Int: Double]? = nil) -> Restoration {
        let text = Array(Normalize.nfc(input).unicodeScalars)
        let pieces = Tokenizer.pieces(text)
        let profile = requested == .auto ? detectProfile(pieces, text) : requested
        if profile == .clean {
            return Restoration(text: Self.string(text[...]), changes: [], wordCount: pieces.lazy.filter { $0.kind == .word }.count, profile: .clean)
        }
        // Prose typed without marks is decoded with the general model where the rules have one.
        let general = profile == .stripped ? model.general : nil
        let (protected, codes) = protectedPieces(pieces, text)
        let fixed = fixedPhraseWords(pieces, text, protected: protected).merging(romanHeadingNumbers(pieces, text)) { phrase, _ in phrase }
        var positions = Decoder.Lattice()
        var entryOf: [Int32] = []              // per option of the lattice, in its order: vocabulary entry
        var pieceOf: [Int] = []                // per position: index of its piece, −1 for a boundary
        positions.reserve(pieces.count)
        entryOf.reserveCapacity(pieces.count * 3); pieceOf.reserveCapacity(pieces.count)
        var newlines = 0
        var words = 0
        var typedAt: [Int] = []                // positions of words typed without marks
        for (pi, piece) in pieces.enumerated() {
            switch piece.kind {
            case .space: continue
            case .newline:
                newlines += 1
                // A blank line ends a paragraph; a single break is only where the page wrapped.
                if newlines == 2 {
                    positions.append(Decoder.Option(lmID: LanguageModel.boundary, cost: 0))
                    entryOf.append(Self.keepEntry); pieceOf.append(-1)
                }
                continue
            case .number:
                // Times-like pages read "lệ" as "10" ("TH 10 bao phủ" for "Tỷ lệ bao phủ", "sạt 10" for
                // "sạt lở") and "ở" as "0": such a number after a word may be the syllables the letters
                // it looks like stand for, at a cost; the language model decides.
                if profile == .ocrTimes, let letters = Self.timesDigitReadings[Self.string(text[piece.start..<piece.end])],
                   pi >= 2, pieces[pi - 1].kind == .space, pieces[pi - 2].kind == .word,
                   pi + 1 == pieces.count || pieces[pi + 1].kind == .space || pieces[pi + 1].kind == .newline {
                    let (options, found) = timesDigitWordOptions(letters)
                    var lattice = [Decoder.Option(lmID: LanguageModel.number, cost: 0)]
                    entryOf.append(Self.keepEntry)
                    for (option, entry) in zip(options, found) where entry != Self.keepEntry {
                        lattice.append(Decoder.Option(lmID: option.lmID, cost: option.cost + timesDigitsAsLettersCost))
                        entryOf.append(entry)
                    }
                    positions.append(lattice); pieceOf.append(pi)
                    newlines = 0
                    continue
                }
                positions.append(Decoder.Option(lmID: LanguageModel.number, cost: 0))
            case .punctuation:
                positions.append(Decoder.Option(lmID: punctuationID(text[piece.start]), cost: 0))
            case .word:
                words += 1
                let word = text[piece.start..<piece.end]
                if let phraseWord = fixed[pi] {
                    positions.append(Decoder.Option(lmID: model.lm.id(TokenKey.word(phraseWord)), cost: 0))
                } else if protected[pi] {
                    positions.append(Decoder.Option(lmID: model.lm.id(TokenKey.word(Self.string(word))), cost: 0))
                } else if profile == .stripped, !codes[pi], let (options, found) = strippedOptions(word, general: general) {
                    positions.append(options)
                    typedAt.append(positions.count - 1)
                    entryOf.append(contentsOf: found)
                    pieceOf.append(pi)
                    newlines = 0
                    continue
                } else {
                    let first = positions.options.count
                    appendOptions(of: word, inCode: codes[pi], times: profile == .ocrTimes, to: &positions, entries: &entryOf)
                    if let confidences, let confidence = ocrConfidence(of: piece, in: text, confidences) {
                        weigh(&positions, from: first, entries: entryOf, word: word, confidence: confidence)
                    }
                    pieceOf.append(pi)
                    newlines = 0
                    continue
                }
            }
            newlines = 0
            entryOf.append(Self.keepEntry); pieceOf.append(pi)
        }
        var lm = model.lm
        var chosen = decoder.decode(positions, lm: lm)
        // Prose typed without marks is decoded with the general model as well, and the reading
        // the text is likelier under is kept: plans read best with the administrative model alone,
        // other prose with Wikipedia's words beside it.
        if let general {
            var typedPositions = [Bool](repeating: false, count: positions.count)
            for p in typedAt { typedPositions[p] = true }
            let renumbered = renumbered(positions, entries: entryOf, pieceOf: pieceOf, typed: typedPositions, pieces, text, in: general)
            let generalChosen = decoder.decode(renumbered, lm: general.lm)
            if decoder.pathCost(renumbered, generalChosen, lm: general.lm) < decoder.pathCost(positions, chosen, lm: model.lm) {
                positions = renumbered; chosen = generalChosen; lm = general.lm
            }
        }

        // Rebuild the text: every scalar of the input, restored words in place of the OCR ones.
        let typed = profile == .stripped
        let lineStarts = lineStartOffsets(text)
        let upperLines = upperCaseLines(text, lineStarts)
        let listed = typed ? [:] : listedNameWords(pieces, text, positions: positions, chosen: chosen, entryOf: entryOf, pieceOf: pieceOf,
                                                  fixed: fixed, times: profile == .ocrTimes, upperLines: upperLines, lineStarts: lineStarts)
        var replacement: [(piece: Int, text: String)] = []
        var changes: [RestoreChange] = []
        /// A piece put back by a rule rather than the decoder (a fixed phrase's word, a listed name's,
        /// a heading's numeral), with its change.
        func put(_ pi: Int, _ word: String, confidence: Double = 1, alternatives: [RestoreChange.Alternative] = []) {
            replacement.append((pi, word))
            guard withChanges else { return }
            let line = lineNumber(of: pieces[pi].start, lineStarts: lineStarts)
            changes.append(RestoreChange(line: line, column: pieces[pi].start - lineStarts[line - 1] + 1,
                                         from: Self.string(text[pieces[pi].start..<pieces[pi].end]), to: word,
                                         confidence: confidence, alternatives: alternatives))
        }
        var linesBefore = 0   // lines starting at or before the piece: its 1-based line (pieces come in order)
        for (p, pi) in pieceOf.enumerated() where pi >= 0 && pieces[pi].kind != .punctuation && positions[p].count > 0 {
            let entry = entryOf[positions.range(p).lowerBound + chosen[p]]
            guard entry != Self.keepEntry, listed[pi] == nil else { continue }
            let piece = pieces[pi]
            let word = text[piece.start..<piece.end]
            while linesBefore < lineStarts.count, lineStarts[linesBefore] <= piece.start { linesBefore += 1 }
            let line = linesBefore
            // Typed text's case is as meant ("So: 15/UBND-VX" is "Số:" though its line is mostly
            // capitals); the readings below are the OCR's
            var casing = Casing.of(word, lineIsUpper: !typed && upperLines[line - 1])
            if piece.kind == .number { casing = upperLines[line - 1] ? .upper : .lower }   // "10" read for "lệ"
            // "Iy" for "lý": a capital I the OCR read for l says nothing about case.
            if casing == .title, text[piece.start] == "I", model.generator.entries[Int(entry)].key.hasPrefix("l") { casing = .lower }
            // "ly" for "Ủy": the capital's hook read as an l; a small ủ is never read so (but "lu"
            // may be a small "ưu" or "lâu": only "ủy" is taken). Times-like pages read it "fly".
            if casing == .lower, text[piece.start] == "l" || (text[piece.start] == "f" && word.dropFirst().first == "l"),
               Fold.string(model.generator.entries[Int(entry)].key) == "uy" { casing = .title }
            // "BO", "SO" in running text: the OCR reads a small marked o (ộ, ở, ồ) as a capital O, and
            // on Times-like pages as a U ("TU" for "Tổ", "SU" for "Sở"), so a two-letter syllable is
            // "Bộ", not "BỘ"; abbreviations ("CO" kept as written) are not syllables.
            // (Not beside a word in capitals: "XÃ VU HỒI" in a header line beside the motto.)
            if !typed, casing == .upper, !upperLines[line - 1], piece.end - piece.start == 2,
               text[piece.start + 1] == "O" || text[piece.start + 1] == "U",
               model.generator.entries[Int(entry)].written == nil,
               !besideCapitals(pieces, pi, text) { casing = .title }
            var restored = surface(entry, casing: casing)
            // and letter by letter: typed "dh", "ubnd" stay in small letters, not "ĐH", "UBND"
            if typed { restored = Self.inCase(of: word, restored) }
            // A trailing apostrophe the word did not read as a horn is a quote: it stays.
            if let last = word.last, Tokenizer.isApostrophe(last), !Self.hasHorn(restored) {
                restored.unicodeScalars.append(last)
            }
            guard !restored.unicodeScalars.elementsEqual(word) else { continue }
            replacement.append((pi, restored))
            guard withChanges else { continue }
            let original = Self.string(word)
            let posterior = decoder.localPosterior(positions, chosen: chosen, at: p, lm: lm)
            let alternatives = posterior.enumerated()
                .filter { $0.offset != chosen[p] && $0.element >= 0.01 }
                .sorted { $0.element > $1.element }
                .prefix(3)
                .map { alt -> RestoreChange.Alternative in
                    let e = entryOf[positions.range(p).lowerBound + alt.offset]
                    let text = e == Self.keepEntry ? original : surface(e, casing: casing)
                    return .init(text: typed ? Self.inCase(of: word, text) : text, confidence: rounded(alt.element))
                }
            changes.append(RestoreChange(line: line, column: piece.start - lineStarts[line - 1] + 1, from: original,
                                         to: restored, confidence: rounded(posterior[chosen[p]]), alternatives: alternatives))
        }
        for (pi, phraseWord) in fixed where !phraseWord.unicodeScalars.elementsEqual(text[pieces[pi].start..<pieces[pi].end]) {
            put(pi, phraseWord)
        }
        for (pi, name) in listed where !name.word.unicodeScalars.elementsEqual(text[pieces[pi].start..<pieces[pi].end]) {
            put(pi, name.word, confidence: rounded(name.confidence),
                alternatives: name.instead.map { [.init(text: $0, confidence: rounded(1 - name.confidence))] } ?? [])
        }
        // "|." opening a line is the Roman numeral I of a section heading: a pipe before a full
        // stop is never punctuation of its own.
        for (pi, piece) in pieces.enumerated() where piece.kind == .punctuation && text[piece.start] == "|"
            && pi + 1 < pieces.count && text[pieces[pi + 1].start] == "." && (pi == 0 || pieces[pi - 1].kind == .newline) {
            put(pi, "I")
        }
        changes.sort { ($0.line, $0.column) < ($1.line, $1.column) }
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 2)
        var copied = 0
        replacement.sort { $0.piece < $1.piece }
        for (pi, r) in replacement {
            Self.appendUTF8(text[copied..<pieces[pi].start], to: &out)
            out.append(contentsOf: r.utf8)
            copied = pieces[pi].end
        }
        Self.appendUTF8(text[copied...], to: &out)
        // A restored word before a mark that joins nothing in the input (a lone combining accent)
        // may compose with it: the output is made NFC again.
        return Restoration(text: Normalize.nfc(String(decoding: out, as: UTF8.self)), changes: changes, wordCount: words, profile: profile)
    }

    /// "Il.", "Ill.", "ll." opening a line: the Roman numeral of a section heading ("II. MỤC TIÊU"), whose
    /// strokes the OCR read as small l's or ones, put back in capitals before the language model
    /// reads the line (as a word, "Il" would be restored to "Ở" and the section lost).
    private func romanHeadingNumbers(_ pieces: [Piece], _ text: [Unicode.Scalar]) -> [Int: String] {
        var out: [Int: String] = [:]
        for (pi, piece) in pieces.enumerated() where piece.kind == .word && (2...3).contains(piece.end - piece.start) {
            let word = text[piece.start..<piece.end]
            guard word.allSatisfy({ $0 == "I" || $0 == "l" || $0 == "1" }), word.contains("l") || word.contains("1"),
                  pi + 1 < pieces.count, pieces[pi + 1].kind == .punctuation, text[pieces[pi + 1].start] == ".",
                  pi == 0 || pieces[pi - 1].kind == .newline
                    || (pieces[pi - 1].kind == .space && (pi == 1 || pieces[pi - 2].kind == .newline)) else { continue }
            out[pi] = String(repeating: "I", count: word.count)
        }
        return out
    }

    /// The words of fixed phrases (fixed-phrases.txt) the OCR damaged, by piece: a window of a line's
    /// words whose letters are each within an edit of the phrase's (two for words of four letters or
    /// more); a phrase of six words or more may have one word damaged beyond that (not its last) and is
    /// looked for in the first 20 lines and 300 words only (the national name and motto), a shorter one needs half its words exact and is
    /// only tried where its first unmarked word stands. The phrase comes in capitals where most of
    /// the window's letters are capitals.
    private func fixedPhraseWords(_ pieces: [Piece], _ text: [Unicode.Scalar], protected: [Bool]) -> [Int: String] {
        guard !model.fixedPhrases.isEmpty else { return [:] }
        // the word pieces and their lines, once
        var words: [Int] = [], lineOf: [Int] = []
        var lineNumber = 1
        for (pi, piece) in pieces.enumerated() {
            if piece.kind == .newline { lineNumber += 1 } else if piece.kind == .word { words.append(pi); lineOf.append(lineNumber) }
        }
        var out: [Int: String] = [:]
        var folded: [Int: String] = [:]
        func letters(_ pi: Int) -> String {
            if let f = folded[pi] { return f }
            let f = Fuzzy.letters(Self.string(text[pieces[pi].start..<pieces[pi].end]))
            folded[pi] = f
            return f
        }
        func sameASCII(_ pi: Int, _ word: String) -> Bool {
            let w = text[pieces[pi].start..<pieces[pi].end]
            return w.count == word.utf8.count && zip(w, word.utf8).allSatisfy { $0.value < 0x80 && UInt8($0.value) | 0x20 == $1 }
        }
        for phrase in model.fixedPhrases {
            let n = phrase.folded.count
            let long = n >= 6
            // a long phrase anywhere in the first 20 lines; a short one where its unmarked word stands
            var starts: [Int] = []
            if long {
                // (and in the first 300 words: a text with few line breaks has long lines)
                var s = 0
                while s < min(words.count, 300), lineOf[s] <= 20 { starts.append(s); s += 1 }
            } else if let a = phrase.anchor {
                for i in words.indices where i >= a && sameASCII(words[i], phrase.folded[a]) { starts.append(i - a) }
            }
            var free = 0   // matches do not overlap: a window starts after the last one taken
            for s in starts where s >= free && s + n <= words.count && lineOf[s] == lineOf[s + n - 1] {
                var far = 0, exact = 0, total = 0
                for k in 0..<n where far <= (long ? 1 : 0) {
                    let want = phrase.folded[k]
                    let limit = want.utf8.count >= 4 ? 2 : 1
                    let got = letters(words[s + k])
                    let d = Fuzzy.distance(got, want, limit: limit)
                    if d <= limit { total += d; if d == 0 { exact += 1 }; continue }
                    // the one word the OCR lost inside a long phrase: not its last (the phrase may end
                    // short and the line go on: "… VIỆT So: 12/KH"), not a protected word, about its length
                    if k == n - 1 || protected[words[s + k]] || abs(got.utf8.count - want.utf8.count) > 2 { far = 2 } else { far += 1 }
                }
                guard far <= (long ? 1 : 0), long ? total <= n : exact * 2 >= n else { continue }
                var upper = 0, lower = 0
                for k in 0..<n { for c in text[pieces[words[s + k]].start..<pieces[words[s + k]].end] where c.isCasedLetter { if c.isUppercaseLetter { upper += 1 } else { lower += 1 } } }
                for k in 0..<n {
                    let word = text[pieces[words[s + k]].start..<pieces[words[s + k]].end]
                    let written = Self.string(word)
                    // a word already right but for its case or tone placement stays as written ("Ủy ban Nhân dân", "Uỷ")
                    out[words[s + k]] = TokenKey.word(written) == TokenKey.word(phrase.written[k]) ? written
                        : Self.phraseCase(phrase.written[k], as: word, phrase.folded[k], inCapitals: upper > lower)
                }
                free = s + n
            }
        }
        return out
    }

    /// A fixed phrase's word in the case the OCR word shows: capitals in a line of capitals (whose
    /// marked letters the OCR may read small: "Hil"), a capital first where the OCR word has one or
    /// reads it as a tall stroke ("ly", "fy", "1Y" for "Ủy"), else small ("với ủy ban nhân dân tỉnh").
    static func phraseCase(_ phraseWord: String, as word: ArraySlice<Unicode.Scalar>, _ folded: String, inCapitals: Bool) -> String {
        let letter = word.first(where: \.isCasedLetter)
        // "Ip" for "lập": a capital I the OCR read for l says nothing about case
        let iForL = letter == "I" && folded.hasPrefix("l")
        let letterUpper = (letter?.isUppercaseLetter ?? true) && !iForL
        if inCapitals && letterUpper { return Normalize.uppercased(phraseWord) }
        let lower = Normalize.lowercased(phraseWord)
        let first = word.first!
        // a stroke the OCR read for a capital's shape, not for the letter itself ("1ap" is "lập")
        let standIn = "lf10|".unicodeScalars.contains(first) && !folded.hasPrefix("l") && !(first == "0" && folded.hasPrefix("o"))
        if letterUpper && letter != nil || standIn {
            return Normalize.uppercased(String(lower.prefix(1))) + lower.dropFirst()
        }
        return lower
    }

    /// Whether `word` has ơ or ư (any tone, either case).
    static func hasHorn(_ word: String) -> Bool {
        word.lowercased().unicodeScalars.contains { s in
            let vowel = Vietnamese.toneTable[s]?.0
            return vowel == "ơ" || vowel == "ư"
        }
    }

    /// Language-model ids of ASCII punctuation, looked up once.
    private let asciiPunctuation: [Int32]

    private func punctuationID(_ s: Unicode.Scalar) -> Int32 {
        s.value < 128 ? asciiPunctuation[Int(s.value)] : model.lm.id(String(s))
    }

    /// A String from scalars by direct UTF-8 encoding (String.UnicodeScalarView appends are slow).
    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        if scalars.allSatisfy({ $0.value < 0x80 }) {
            return String(unsafeUninitializedCapacity: scalars.count) { buf in
                for (i, s) in scalars.enumerated() { buf[i] = UInt8(s.value) }
                return scalars.count
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 3)
        appendUTF8(scalars, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendUTF8(_ scalars: ArraySlice<Unicode.Scalar>, to out: inout [UInt8]) {
        for s in scalars {
            let v = s.value
            switch v {
            case 0..<0x80: out.append(UInt8(v))
            case 0x80..<0x800: out.append(UInt8(0xC0 | v >> 6)); out.append(UInt8(0x80 | v & 0x3F))
            case 0x800..<0x10000:
                out.append(UInt8(0xE0 | v >> 12)); out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
            default:
                out.append(UInt8(0xF0 | v >> 18)); out.append(UInt8(0x80 | v >> 12 & 0x3F))
                out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
            }
        }
    }

    private func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

    /// Appends the options of one OCR word to the lattice and their entries to `entries`: from the
    /// cache, or worked out and cached.
    private func appendOptions(of word: ArraySlice<Unicode.Scalar>, inCode: Bool, times: Bool, to positions: inout Decoder.Lattice,
                               entries: inout [Int32]) {
        cacheLock.lock()
        // (Each cache is read in place: a copy of one held across the insert below would copy it whole.)
        let range = times ? timesWordCache.find(word, inCode: inCode) : wordCache.find(word, inCode: inCode)
        if let range {
            positions.append(times ? timesWordCache.options[range] : wordCache.options[range])
            entries.append(contentsOf: times ? timesWordCache.entries[range] : wordCache.entries[range])
            cacheLock.unlock()
            return
        }
        cacheLock.unlock()
        let (options, found) = wordOptions(Self.string(word), inCode: inCode, times: times)
        cacheLock.lock()
        if times {
            timesWordCache.insert(word, inCode: inCode, options: options, entries: found)
        } else {
            wordCache.insert(word, inCode: inCode, options: options, entries: found)
        }
        cacheLock.unlock()
        positions.append(options)
        entries.append(contentsOf: found)
    }

    /// The OCR's confidence in the word a piece belongs to (the piece "Glong" of the OCR word
    /// "Glong,": the run of the text between spaces that holds it).
    private func ocrConfidence(of piece: Piece, in text: [Unicode.Scalar], _ confidences: [Int: Double]) -> Double? {
        var start = piece.start
        while start > 0, text[start - 1] != " ", text[start - 1] != "\n" { start -= 1 }
        return confidences[start]
    }

    /// The engine's confidence weighed into a word's options: a word it was sure of has its
    /// letters right far more often (its marks are still an English model's), so options that
    /// change its letters cost `confidentLetterCost` more; a word it was unsure of is seldom right
    /// as read, so keeping it as written costs `unsureKeepCost` more.
    private func weigh(_ positions: inout Decoder.Lattice, from first: Int, entries: [Int32], word: ArraySlice<Unicode.Scalar>,
                       confidence: Double) {
        let letters = Fold.string(Self.string(word).lowercased())
        for k in first..<positions.options.count {
            let entry = entries[k]
            if entry == Self.keepEntry {
                if confidence < unsureConfidence { positions.addCost(unsureKeepCost, at: k) }
            } else if confidence >= sureConfidence, Fold.string(model.generator.entries[Int(entry)].key) != letters {
                positions.addCost(confidentLetterCost, at: k)
            }
        }
    }

    /// Options for a word of a text typed without marks: the vocabulary's words with its letters
    /// ("ban" → bạn, bán, bàn, bản, ban, …, "dan" → dân, đàn …), no cost between them (nothing
    /// on the page tells them apart: the language model does), the most frequent first; the word
    /// kept as typed when none has its letters (a name, a foreign word). Nil for a word with marks
    /// or other scripts' letters, which takes the OCR path.
    /// Tokens and costs are the main model's (`renumbered` gives them in the general model's).
    private func strippedOptions(_ word: ArraySlice<Unicode.Scalar>, general: RestoreModel.GeneralModel?) -> ([Decoder.Option], [Int32])? {
        guard word.allSatisfy({ $0.value < 0x80 }) else { return nil }
        let written = Self.string(word)
        let key = written.lowercased()
        let capitalized = word.first?.isUppercaseLetter ?? false
        var found = (model.entriesByFold[key] ?? []).map { Candidate(entry: $0, cost: 0) }
        if !capitalized { found.removeAll { model.generator.entries[Int($0.entry)].nameOnly } }
        // (kept by the lower of the two models' rarities where there are two: `renumbered` may decode with either)
        func rarityOf(_ entry: Int32) -> Float {
            let main = rarity(model.generator.entries[Int(entry)].lmID)
            guard let general else { return main }
            return min(main, general.lm.rarity(general.entryIDs[Int(entry)]))
        }
        // Typed in small letters, a word is no abbreviation or Roman numeral of the lexicon ("v.v.", "dh").
        if !capitalized {
            found.removeAll { model.generator.entries[Int($0.entry)].written.map { $0 == $0.uppercased() } ?? false }
        }
        found.sort { rarityOf($0.entry) < rarityOf($1.entry) }
        if found.count > strippedMaxOptions { found.removeLast(found.count - strippedMaxOptions) }
        var options: [Decoder.Option] = []
        var entries: [Int32] = []
        for c in found {
            let entry = model.generator.entries[Int(c.entry)]
            options.append(Decoder.Option(lmID: entry.lmID, cost: strippedCost(entry, rarity: rarity(entry.lmID))))
            entries.append(c.entry)
        }
        // A capitalised word that is no syllable as typed ("Lee", "Cup") may be a name or a foreign
        // word that only looks like one with marks ("Lêê", "Cúp"): kept, the context decides.
        if capitalized, !options.isEmpty, !found.contains(where: { model.generator.entries[Int($0.entry)].key == key }) {
            options.append(Decoder.Option(lmID: model.lm.id(TokenKey.word(written)), cost: strippedKeepCost))
            entries.append(Self.keepEntry)
        }
        if options.isEmpty {
            options.append(Decoder.Option(lmID: model.lm.id(TokenKey.word(written)), cost: 0))
            entries.append(Self.keepEntry)
        }
        return (options, entries)
    }

    /// The cost of an option for a word typed without marks: its frequency (`rarity` in the model
    /// that decodes), and the share of `<unk>` when that model never saw it.
    private func strippedCost(_ entry: CandidateGenerator.Entry, rarity: Float, unseen: Bool? = nil) -> Float {
        let unseen = unseen ?? (entry.lmID == LanguageModel.unknown)
        return (unseen && entry.written == nil ? unseenSyllableCost : 0) + strippedPriorWeight * rarity
    }

    /// The lattice with every option's token numbered as in `general`: an entry by its own id there
    /// (a syllable the legal text never had may be common in the general text), a word kept as
    /// written by its spelling, every other token through its id in the main model. The options of
    /// words typed without marks (`typed`) are costed by the general model's frequencies.
    private func renumbered(_ lattice: Decoder.Lattice, entries: [Int32], pieceOf: [Int], typed: [Bool], _ pieces: [Piece],
                            _ text: [Unicode.Scalar], in general: RestoreModel.GeneralModel) -> Decoder.Lattice {
        var out = Decoder.Lattice()
        out.reserve(lattice.count)
        var options: [Decoder.Option] = []
        for p in 0..<lattice.count {
            options.removeAll(keepingCapacity: true)
            for k in lattice.range(p) {
                let option = lattice.options[k], entry = entries[k]
                var id = LanguageModel.unknown, cost = option.cost
                if entry != Self.keepEntry {
                    id = general.entryIDs[Int(entry)]
                    if typed[p] {
                        cost = strippedCost(model.generator.entries[Int(entry)], rarity: general.lm.rarity(id), unseen: id == LanguageModel.unknown)
                    }
                } else if option.lmID != LanguageModel.unknown {
                    id = general.fromMain[Int(option.lmID)]
                } else if pieceOf[p] >= 0, pieces[pieceOf[p]].kind == .word {
                    let piece = pieces[pieceOf[p]]
                    id = general.lm.id(TokenKey.word(Self.string(text[piece.start..<piece.end])))
                }
                options.append(Decoder.Option(lmID: id, cost: cost))
            }
            out.append(options)
        }
        return out
    }

    /// `wordOptions` of the letters a number on a Times-like page may stand for, from the cache after the first.
    private func timesDigitWordOptions(_ letters: String) -> ([Decoder.Option], [Int32]) {
        cacheLock.lock()
        if let known = timesDigitOptions[letters] { cacheLock.unlock(); return known }
        cacheLock.unlock()
        let made = wordOptions(letters, times: true)
        cacheLock.lock(); timesDigitOptions[letters] = made; cacheLock.unlock()
        return made
    }

    /// Options for one OCR word: vocabulary candidates under the channel model, and keeping the
    /// word itself where it may be a name or a foreign word.
    private func wordOptions(_ written: String, inCode: Bool = false, times: Bool = false) -> ([Decoder.Option], [Int32]) {
        let generator = times ? model.timesGenerator ?? model.generator : model.generator
        let lower = Array(written.lowercased().unicodeScalars)
        let key = String(String.UnicodeScalarView(lower))
        let folded = Normalize.fold(key)
        // The generator's list is long; keep the ones likely a priori as well as close in spelling,
        // so that "KE" keeps kế (frequent) beside kẹ (closer but rare).
        var found = generator.candidates(for: lower)
        // A capital Đ on a scanned page is read as P far more often than on the training renderings
        // ("Pé" for "Để", "Poan" for "Đoàn", "HPND" for "HĐND"): a capital P also stands for Đ, at a
        // fixed cost. ("Ph" is the common onset, not a misread.)
        let scalars = Array(written.unicodeScalars)
        var variant = lower
        if scalars.count == lower.count {
            for i in scalars.indices where scalars[i] == "P" && !(i + 1 < scalars.count && (scalars[i + 1] == "h" || scalars[i + 1] == "H")) {
                variant[i] = "đ"
            }
        }
        if variant != lower {
            for c in generator.candidates(for: variant) {
                let cost = c.cost + capitalDAsPCost
                if let i = found.firstIndex(where: { $0.entry == c.entry }) {
                    if cost < found[i].cost { found[i] = Candidate(entry: c.entry, cost: cost) }
                } else {
                    found.append(Candidate(entry: c.entry, cost: cost))
                }
            }
        }
        // Syllables only names use (Kon, Đắk) are written with a capital; proposing them for a
        // lower-case word would only turn damage into foreign words ("seŕ" → "sôr" for "số").
        let capitalized = written.unicodeScalars.first?.isUppercaseLetter ?? false
        if !capitalized { found.removeAll { model.generator.entries[Int($0.entry)].nameOnly } }
        found.sort { priorCost($0) < priorCost($1) }
        if found.count > maxOptions { found.removeLast(found.count - maxOptions) }
        if let cheapest = found.map(\.cost).min() { found.removeAll { $0.cost > cheapest + optionMargin } }
        if let first = found.first {
            let limit = priorCost(first) + priorMargin
            found.removeAll { priorCost($0) > limit }
        }
        // Capitals without a vowel ("KT", "VT", "NTM") are an abbreviation: OCR damage to a
        // syllable in capitals leaves a vowel or the digit or symbol read for one ("X4", "H6I").
        // (Lower-case damage often reads á as d — "cdc" for "các" — so the rule is for capitals.)
        // The parts of a document code ("894-CV/HU", "08-CTr/TU") are abbreviations too.
        let consonantsOnly = inCode || (lower.count >= 2 && written.unicodeScalars.allSatisfy { $0.value >= 0x41 && $0.value <= 0x5A }
            && lower.allSatisfy { !Self.vowels.contains($0) })
        let foldedVariant = variant == lower ? folded : Normalize.fold(String(String.UnicodeScalarView(variant)))
        if consonantsOnly {
            found.removeAll {
                let e = model.generator.entries[Int($0.entry)]
                return e.written == nil || (Normalize.fold(e.key) != folded && Normalize.fold(e.key) != foldedVariant)
            }
            if inCode, let code = model.codeEntries[folded] { found = [Candidate(entry: code, cost: 0)] }
        }
        var options: [Decoder.Option] = []
        var entries: [Int32] = []
        for c in found {
            let entry = model.generator.entries[Int(c.entry)]
            options.append(Decoder.Option(lmID: entry.lmID, cost: (times ? timesChannelWeight : channelWeight) * c.cost + unseenCost(entry)))
            entries.append(c.entry)
        }
        // Keeping the word is an option for plain ASCII words the vocabulary lacks (names, foreign
        // words); a word with digits or marks that spells no syllable is OCR damage, not a name.
        let plain = lower.allSatisfy { $0.value < 0x80 && Tokenizer.isLetter($0) }
        // An abbreviation that differs only by đ ("HDND", "HPND" for "HĐND") counts as found: the
        // OCR reading it is no evidence of an unknown word.
        let exact = found.contains {
            let e = model.generator.entries[Int($0.entry)]
            return e.key == key || (e.written != nil && (Normalize.fold(e.key) == folded || Normalize.fold(e.key) == foldedVariant))
        }
        if options.isEmpty || (plain && !exact) {
            // A capitalized word may be a name ("Kon Tum"); a lower-case one that spells no
            // syllable is almost always damage ("cip" for "cấp").
            let cost = options.isEmpty ? 0 : consonantsOnly ? keepAbbreviationCost : (capitalized ? keepNameCost : keepUnknownCost)
            options.append(Decoder.Option(lmID: model.lm.id(TokenKey.word(written)), cost: cost))
            entries.append(Self.keepEntry)
        }
        return (options, entries)
    }

    private func priorCost(_ c: Candidate) -> Float {
        c.cost + priorWeight * rarity(model.generator.entries[Int(c.entry)].lmID)
    }

    /// −ln of a token's share of the language model's text (its count plus one).
    private func rarity(_ lmID: Int32) -> Float { model.lm.rarity(lmID) }

    /// A syllable the training text never had shares <unk>'s probability with every rare token;
    /// the penalty stands for its small share of it.
    private func unseenCost(_ entry: CandidateGenerator.Entry) -> Float {
        entry.lmID == LanguageModel.unknown && entry.written == nil ? unseenSyllableCost : 0
    }

    /// The options for one OCR word as lines of text: candidate, cost, language-model count.
    public func explain(_ word: String) -> [String] {
        let (options, entries) = wordOptions(Normalize.nfc(word))
        return zip(options, entries).map { option, entry in
            let text = entry == Self.keepEntry ? "\(word) (kept as written)" : surface(entry, casing: .lower)
            let count = option.lmID == LanguageModel.unknown ? "unseen" : "seen \(model.lm.counts[Int(option.lmID)])×"
            return String(format: "%@  cost %.2f  %@", text, option.cost, count)
        }
    }

    /// `restored` with each letter in the case of the typed letter at its place, when both have
    /// as many (marks only added, as in text typed without them); else `restored` as it is.
    static func inCase(of typed: ArraySlice<Unicode.Scalar>, _ restored: String) -> String {
        let letters = Array(restored.unicodeScalars)
        guard letters.count == typed.count else { return restored }
        var out = String.UnicodeScalarView()
        for (t, r) in zip(typed, letters) {
            let cased = t.properties.isUppercase ? r.properties.uppercaseMapping : r.properties.lowercaseMapping
            if cased.unicodeScalars.count == 1 { out.append(contentsOf: cased.unicodeScalars) } else { out.append(r) }
        }
        return String(out)
    }

    /// The written form of a vocabulary entry in the casing of the word it replaces.
    private func surface(_ entry: Int32, casing: Casing) -> String {
        surfaces[Int(entry) * 3 + casing.rawValue]
    }

    /// Each vocabulary entry as written in lower case, title case and capitals, made once.
    private let surfaces: [String]

    /// Pieces that must stay as written: words in other scripts ("北京", "Москва"); addresses and
    /// e-mails ("www.bhxh.gov.vn"); and the word pieces of document codes ("975/QD-UBND", "894-CV/HU":
    /// a number and a slash, words starting with a capital), which may only become abbreviations.
    private func protectedPieces(_ pieces: [Piece], _ text: [Unicode.Scalar]) -> (protected: [Bool], inCode: [Bool]) {
        var out = [Bool](repeating: false, count: pieces.count)
        var codes = [Bool](repeating: false, count: pieces.count)
        var chunkStart = 0
        func close(_ end: Int) {
            guard end > chunkStart else { return }
            let chunk = pieces[chunkStart..<end]
            // Single letters joined by a slash are abbreviations: "V/v" (về việc), "b/c", "t/h";
            // a single letter before ")" numbers a list item: "b)", "d)"; a single capital before
            // a full stop is an initial or a list letter: "P.T.T.Huyền", "A.".
            for i in chunk.indices where pieces[i].kind == .word && pieces[i].end - pieces[i].start == 1 {
                let slashBefore = i > chunkStart && pieces[i - 1].kind == .punctuation && text[pieces[i - 1].start] == "/"
                let after = i + 1 < end && pieces[i + 1].kind == .punctuation ? text[pieces[i + 1].start] : nil
                let initial = after == "." && text[pieces[i].start].isUppercaseLetter
                // a capital before an apostrophe opens a name of the Central Highlands or the north's
                // minority languages: "M'Đrắk", "K'Bang", "Ea H'leo", "Đắk R'lấp"
                let namePrefix = after.map(Tokenizer.isApostrophe) == true && text[pieces[i].start].isUppercaseLetter
                    && i + 2 < end && pieces[i + 2].kind == .word
                if slashBefore || after == "/" || (after == ")" && i == chunkStart) || initial || namePrefix { out[i] = true }
            }
            if chunk.contains(where: { $0.kind == .number }),
               chunk.contains(where: { $0.kind == .punctuation && text[$0.start] == "/" }) {
                let words = chunk.indices.filter { pieces[$0].kind == .word }
                if !words.isEmpty, words.allSatisfy({ text[pieces[$0].start].isUppercaseLetter }) { for i in words { codes[i] = true } }
            }
            // Cheap test first: an address has an @, a colon, or a dot before more of it ("www."
            // alone aside): not the full stop that ends most sentences.
            guard chunk.indices.contains(where: { i in
                let p = pieces[i]
                guard p.kind == .punctuation else { return false }
                let s = text[p.start]
                return s == "@" || s == ":" || (s == "." && (i < end - 1 || (i > chunkStart && pieces[i - 1].end - pieces[i - 1].start == 3
                    && text[pieces[i - 1].start..<pieces[i - 1].end].allSatisfy { $0 == "w" || $0 == "W" })))
            }) else { return }
            let address = String(String.UnicodeScalarView(text[pieces[chunkStart].start..<pieces[end - 1].end])).lowercased()
            if address.contains("://") || address.contains("www.") || address.contains(".gov") || address.contains(".com")
                || (address.contains("@") && address.contains(".")) {
                for i in chunkStart..<end where pieces[i].kind == .word { out[i] = true }
            }
        }
        for (i, p) in pieces.enumerated() where p.kind == .word && text[p.start..<p.end].contains(where: Tokenizer.isOtherScriptLetter) {
            out[i] = true
        }
        for (i, p) in pieces.enumerated() where p.kind == .space || p.kind == .newline {
            close(i)
            chunkStart = i + 1
        }
        close(pieces.count)
        // "Ea" before a word in title case opens an Ede place name ("Ea Rớt", "Ea H'leo", 89 names of
        // places.txt): no Vietnamese syllable, and the language model has never seen it alone.
        for i in pieces.indices where pieces[i].kind == .word && pieces[i].end - pieces[i].start == 2
            && text[pieces[i].start] == "E" && text[pieces[i].start + 1] == "a"
            && i + 2 < pieces.count && pieces[i + 1].kind == .space && pieces[i + 2].kind == .word
            && text[pieces[i + 2].start].isUppercaseLetter
            && (pieces[i + 2].end - pieces[i + 2].start == 1 || !text[pieces[i + 2].start + 1].isUppercaseLetter) { out[i] = true }
        // "3,8 km", "8.750 ha", "100 m": a unit of measure written in Latin letters after a number is
        // no syllable that lost its marks ("km" is never "kèm" there, "ha" never "hà")
        for i in pieces.indices.dropFirst(2) where pieces[i].kind == .word && pieces[i - 1].kind == .space && pieces[i - 2].kind == .number {
            let unit = String(String.UnicodeScalarView(text[pieces[i].start..<pieces[i].end]))
            if Self.measureUnits.contains(unit) { out[i] = true }
        }
        return (out, codes)
    }

    /// Units of measure printed as Latin abbreviations (lower case, as plans print them).
    static let measureUnits: Set<String> = ["km", "ha", "kg", "m", "m2", "m3", "cm", "mm", "km2", "kw", "kwh", "mw", "ml", "mg"]

    /// Lines written in capitals (headings), where a word's case comes from its line, not from
    /// the OCR's reading of its first letter.
    private func upperCaseLines(_ text: [Unicode.Scalar], _ starts: [Int]) -> [Bool] {
        var out: [Bool] = []
        out.reserveCapacity(starts.count)
        for (i, start) in starts.enumerated() {
            let end = i + 1 < starts.count ? starts[i + 1] : text.count
            var upper = 0, lower = 0
            for s in text[start..<end] {
                switch Casing.kind(s) {
                case 1: upper += 1
                case 0: lower += 1
                default: break
                }
            }
            out.append(upper >= 4 && upper >= 3 * lower)
        }
        return out
    }

    /// Whether the word before or after piece `pi` on its line is a syllable in capitals ("XÃ", "HỒI";
    /// not an abbreviation without a vowel: "Sở GD&ĐT", "Sở LĐTB&XH" stay in title case).
    private func besideCapitals(_ pieces: [Piece], _ pi: Int, _ text: [Unicode.Scalar]) -> Bool {
        func capitals(_ p: Piece) -> Bool {
            let w = text[p.start..<p.end]
            return w.count >= 2 && w.allSatisfy { Casing.kind($0) != 0 } && w.contains { Casing.kind($0) == 1 }
                && w.contains { "AEIOUY".unicodeScalars.contains($0) || ($0.value >= 0xC0 && $0 != "Đ" && $0.isLetterCharacter) }
        }
        for step in [-1, 1] {
            var k = pi + step
            while k >= 0, k < pieces.count, pieces[k].kind != .newline, pieces[k].kind != .word { k += step }
            if k >= 0, k < pieces.count, pieces[k].kind == .word, capitals(pieces[k]) { return true }
        }
        return false
    }

    private func lineStartOffsets(_ text: [Unicode.Scalar]) -> [Int] {
        var starts = [0]
        for (i, s) in text.enumerated() where s == "\n" { starts.append(i + 1) }
        return starts
    }
}

/// How a word is cased, kept from the OCR word unless the OCR plainly broke it.
enum Casing: Int {
    case lower, title, upper

    /// 1 for an upper-case letter, 0 for a lower-case one, −1 for what has no case.
    @inline(__always)
    static func kind(_ s: Unicode.Scalar) -> Int {
        guard s.isCasedLetter else { return -1 }
        return s.isUppercaseLetter ? 1 : 0
    }

    static func of(_ word: ArraySlice<Unicode.Scalar>, lineIsUpper: Bool) -> Casing {
        var first = -1, restUpper = 0, restLower = 0
        for s in word {
            let k = kind(s)
            if k < 0 { continue }
            if first < 0 { first = k } else if k == 1 { restUpper += 1 } else { restLower += 1 }
        }
        guard first == 1 else { return .lower }
        // In a line of capitals the OCR may read a marked capital as small ("KÉ" as "Ké"), but not
        // most of a word: "Huyén" beside "VPUB, CVP" is a name in title case.
        if lineIsUpper && restLower <= restUpper + 1 { return .upper }
        if restUpper + restLower == 0 { return .title }
        return restLower == 0 ? .upper : .title
    }
}
