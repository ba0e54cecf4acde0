import Foundation

/// Everything restoration reads from `rules/restore/`, loaded once.
public final class RestoreModel: @unchecked Sendable {
    public let lm: LanguageModel
    public let confusions: ConfusionModel
    public let generator: CandidateGenerator
    /// The channel of Times-like pages (confusions-times.tsv, learned from Liberation Serif
    /// renderings only), where the OCR reads marked vowels as "i", "l", "ll" far more often than the
    /// mixed channel expects ("ngilli" for "người"); nil when the file is absent. Built the first
    /// time such a page is restored (a second trie would add to every start-up).
    public var timesGenerator: CandidateGenerator? {
        timesLock.lock(); defer { timesLock.unlock() }
        if timesBuilt == nil, let confusions = timesConfusions {
            timesBuilt = CandidateGenerator(entries: generator.entries, trieEntries: trieEntryCount, confusions: confusions)
            timesBuilt!.margin = generator.margin; timesBuilt!.ceiling = generator.ceiling
        }
        return timesBuilt
    }
    public let timesConfusions: ConfusionModel?
    private var timesBuilt: CandidateGenerator?
    private let timesLock = NSLock()
    public let syllableCount: Int
    public let lexiconCount: Int
    /// Phrases the genre writes the same way everywhere (fixed-phrases.txt), put back whole.
    public let fixedPhrases: [FixedPhrase]

    public struct FixedPhrase: Sendable {
        /// The words as written ("Độc", "lập", "Tự", …) and their letters folded ("doc", "lap", "tu", …).
        public let written: [String]
        public let folded: [String]
        /// The first word written without marks ("ban" of "Ủy ban nhân dân"): where a short phrase is looked for.
        public let anchor: Int?
        public init(_ phrase: String) {
            let words = phrase.split(separator: " ").map(String.init).filter { $0.unicodeScalars.contains(where: \.isLetterCharacter) }
            let folded = words.map { Fuzzy.letters($0) }
            written = words
            self.folded = folded
            anchor = folded.indices.first { folded[$0] == words[$0].lowercased() }
        }
    }

    public struct RuleError: Error, CustomStringConvertible {
        public let path: String, line: Int, detail: String
        public var description: String { line > 0 ? "\(path):\(line): \(detail)" : "\(path): \(detail)" }
    }

    public static func load(rulesDirectory: URL) throws -> RestoreModel {
        let dir = rulesDirectory.appendingPathComponent("restore")
        let lm = try LanguageModel.load(path: dir.appendingPathComponent("ngrams.bin").path)
        let confusions = try ConfusionModel.load(path: dir.appendingPathComponent("confusions.tsv").path)
        let syllables = try readList(dir.appendingPathComponent("syllables.txt").path)
        let lexicon = try readLexicon(dir.appendingPathComponent("lexicon.tsv").path)
        // Codes that spell a syllable ("HU" in 894-CV/HU) apply inside document codes only.
        var general: [String] = [], codes: [String] = []
        for entry in lexicon {
            if entry.kind == "code" && Vietnamese.isValidSyllable(TokenKey.word(entry.form)) { codes.append(entry.form) } else { general.append(entry.form) }
        }
        let fixedPath = dir.appendingPathComponent("fixed-phrases.txt").path
        let fixed = FileManager.default.fileExists(atPath: fixedPath) ? try readList(fixedPath).map { FixedPhrase($0.0) } : []
        let timesPath = dir.appendingPathComponent("confusions-times.tsv").path
        let times = FileManager.default.fileExists(atPath: timesPath) ? try ConfusionModel.load(path: timesPath) : nil
        let model = RestoreModel(lm: lm, confusions: confusions, syllables: syllables.map(\.0), lexicon: general, codeSyllables: codes,
                                 fixedPhrases: fixed, timesConfusions: times)
        let generalPath = dir.appendingPathComponent("ngrams-general.bin").path
        if FileManager.default.fileExists(atPath: generalPath) { model.generalPath = generalPath }
        let placesPath = dir.appendingPathComponent("places.txt").path
        if FileManager.default.fileExists(atPath: placesPath) {
            model.placesPath = placesPath
        }
        let bodiesPath = dir.appendingPathComponent("body-names.txt").path
        if FileManager.default.fileExists(atPath: bodiesPath) {
            model.bodyNames = BodyNames(lines: try readList(bodiesPath).map(\.0), id: lm.id)
        }
        let openersPath = dir.appendingPathComponent("place-openers.txt").path
        let openers = FileManager.default.fileExists(atPath: openersPath)
            ? Set(try readList(openersPath).map { $0.0.split(separator: " ").map { TokenKey.word(String($0)) }.joined(separator: " ") }) : []
        model.placeContexts = PlaceContexts(kinds: RulesCheck.placeKinds, openers: openers, id: lm.id)
        return model
    }

    /// The names of administrative units (places.txt), read back whole after the word for a unit
    /// ("xã Miling Lin" is "xã Mường Lạn"); empty when the rules have no such file. Indexed the first
    /// time an OCR page is restored (text typed without marks never needs them; the index would
    /// nearly double every start-up).
    public var places: PlaceNames {
        placesLock.lock(); defer { placesLock.unlock() }
        if let built = placesBuilt { return built }
        // (`kehoach rules check` reports a places.txt that does not read; here it only goes unused)
        let text = placesPath.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        let lines = text.split(separator: "\n").filter { !$0.isEmpty && $0.first != "#" }.map(String.init)
        // (`kehoach rules check` holds its words to the model's keys but for case)
        let built = PlaceNames(lines: lines) { $0.lowercased() }
        placesBuilt = built
        return built
    }
    var placesPath: String? {
        didSet { placesLock.lock(); placesBuilt = nil; placesLock.unlock() }
    }
    private var placesBuilt: PlaceNames?
    private let placesLock = NSLock()
    /// Standard names of bodies (body-names.txt), by their first word.
    public internal(set) var bodyNames = BodyNames(lines: [], id: { _ in LanguageModel.unknown })
    /// The words after which a capitalised run is a place's (places.txt's kinds; place-openers.txt:
    /// "biên phòng"), by their language-model ids.
    public internal(set) var placeContexts = PlaceContexts(kinds: [], openers: [], id: { _ in LanguageModel.unknown })

    /// The language model of text typed without marks (`ngrams-general.bin`: the legal and
    /// administrative text and Vietnamese Wikipedia), where the legal register alone cannot tell
    /// "Đức" from "Được" or "những" from "nhưng" in everyday prose; nil when the file is absent.
    /// Loaded the first time such a text is restored (OCR pages never need it); a file that does
    /// not load is an error of the rules, reported by `kehoach rules check`, and here leaves the
    /// main model in charge.
    public var general: GeneralModel? {
        generalLock.lock(); defer { generalLock.unlock() }
        if generalLoaded == nil, let path = generalPathStored {
            generalLoaded = (try? LanguageModel.load(path: path)).map { GeneralModel($0, main: self) }
            if generalLoaded == nil { generalPathStored = nil }
        }
        return generalLoaded
    }
    /// Where `general` is read from; set by `load` when the rules have it.
    public var generalPath: String? {
        get { generalLock.lock(); defer { generalLock.unlock() }; return generalPathStored }
        set { generalLock.lock(); generalPathStored = newValue; generalLoaded = nil; generalLock.unlock() }
    }
    private var generalPathStored: String?
    private var generalLoaded: GeneralModel?
    private let generalLock = NSLock()

    /// A second language model and how the main model's tokens and the vocabulary's entries are
    /// numbered in it, so that a lattice made for the main model can be decoded with it.
    public struct GeneralModel: Sendable {
        public let lm: LanguageModel
        /// Each vocabulary entry's token in `lm` (by index into `generator.entries`).
        public let entryIDs: [Int32]
        /// Each main-model token's id in `lm` (by its main id).
        public let fromMain: [Int32]

        init(_ lm: LanguageModel, main: RestoreModel) {
            self.lm = lm
            entryIDs = main.generator.entries.map { lm.id($0.key) }
            fromMain = main.lm.words.map { lm.id($0) }
        }
    }

    /// Every entry by its letters without marks and đ ("ban" → bạn, bán, bàn …): the candidates of
    /// a word typed without marks. Made the first time such a text is restored.
    public var entriesByFold: [String: [Int32]] {
        foldLock.lock(); defer { foldLock.unlock() }
        if let made = foldIndex { return made }
        var index: [String: [Int32]] = [:]
        // not the codes that spell a syllable ("HU" of 894-CV/HU): those are for document codes only
        for (i, e) in generator.entries.prefix(trieEntryCount).enumerated() { index[Normalize.fold(e.key), default: []].append(Int32(i)) }
        foldIndex = index
        return index
    }
    private var foldIndex: [String: [Int32]]?
    private let trieEntryCount: Int
    private let foldLock = NSLock()

    /// Entries (indexes into `generator.entries`) for codes that spell a syllable, by folded key:
    /// not in the trie, offered only for the parts of a document code.
    public let codeEntries: [String: Int32]

    public init(lm: LanguageModel, confusions: ConfusionModel, syllables: [String], lexicon: [String], codeSyllables: [String] = [],
                fixedPhrases: [FixedPhrase] = [], timesConfusions: ConfusionModel? = nil) {
        self.lm = lm
        self.fixedPhrases = fixedPhrases
        self.confusions = confusions
        var entries: [CandidateGenerator.Entry] = []
        var seen = Set<String>()
        // Lexicon first: its written forms ("QĐ", "VssID") win over what the corpus suggests.
        for form in lexicon {
            let key = TokenKey.word(form)
            if seen.insert(key).inserted { entries.append(.init(key: key, written: form, lmID: lm.id(key))) }
        }
        for s in syllables where seen.insert(s).inserted {
            entries.append(.init(key: s, written: nil, lmID: lm.id(s), nameOnly: !Vietnamese.isValidSyllable(s)))
        }
        // Abbreviations the legal text writes in capitals (UBND, HĐND, BHXH, TP).
        for (i, word) in lm.words.enumerated() {
            guard let surface = lm.surfaces[i], surface.unicodeScalars.count >= 2,
                  surface.unicodeScalars.allSatisfy({ Tokenizer.isLetter($0) }),
                  surface == surface.uppercased(), lm.counts[i] >= 30 else { continue }
            if seen.insert(word).inserted { entries.append(.init(key: word, written: surface, lmID: Int32(i))) }
        }
        let trieEntries = entries.count
        var codeEntries: [String: Int32] = [:]
        for form in codeSyllables {
            let key = TokenKey.word(form)
            codeEntries[Normalize.fold(key)] = Int32(entries.count)
            entries.append(.init(key: key, written: form, lmID: lm.id(key)))
        }
        self.codeEntries = codeEntries
        generator = CandidateGenerator(entries: entries, trieEntries: trieEntries, confusions: confusions)
        self.timesConfusions = timesConfusions
        trieEntryCount = trieEntries
        syllableCount = syllables.count
        lexiconCount = lexicon.count
    }

    /// Lines of a list file: `#` comments and blank lines skipped; returns (text, line number).
    static func readList(_ path: String) throws -> [(String, Int)] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RuleError(path: path, line: 0, detail: "cannot read (\(error.localizedDescription))")
        }
        var out: [(String, Int)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty || t.hasPrefix("#") { continue }
            out.append((String(t.split(separator: "\t")[0]), i + 1))
        }
        return out
    }

    public struct LexiconEntry: Sendable {
        public let form: String, kind: String, note: String, line: Int
    }

    public static let lexiconKinds: Set<String> = ["abbreviation", "code", "foreign", "roman", "name"]

    public static func readLexicon(_ path: String) throws -> [LexiconEntry] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RuleError(path: path, line: 0, detail: "cannot read (\(error.localizedDescription))")
        }
        var out: [LexiconEntry] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 2, !cols[0].isEmpty, lexiconKinds.contains(cols[1]) else {
                throw RuleError(path: path, line: i + 1,
                                detail: "expected FORM<TAB>KIND[<TAB>NOTE] with KIND one of \(lexiconKinds.sorted().joined(separator: ", "))")
            }
            out.append(LexiconEntry(form: cols[0], kind: cols[1], note: cols.count > 2 ? cols[2] : "", line: i + 1))
        }
        return out
    }
}

/// Builds `rules/restore/syllables.txt`: every syllable Vietnamese phonotactics allows (onset ×
/// rhyme × tone, spelling rules applied) that a dictionary or the training text attests.
public enum SyllableInventory {
    public static func generate() -> [String] {
        var out = Set<String>()
        for onset in Vietnamese.onsets {
            for rhyme in Vietnamese.rhymes {
                for tone in 0..<6 {
                    let s = Vietnamese.placeTone(onset + rhyme, tone: tone)
                    if Vietnamese.isValidSyllable(s) { out.insert(Vietnamese.canonicalSyllable(s)) }
                }
            }
        }
        // "gì", "gìn": the i after g is the rhyme's own.
        return out.sorted()
    }

    /// Lower-case canonical syllables of a hunspell .dic file (first line is the entry count).
    public static func hunspellSyllables(path: String) throws -> Set<String> {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out = Set<String>()
        for line in text.split(separator: "\n").dropFirst() {
            let word = line.split(separator: "/")[0]
            for part in word.split(whereSeparator: { $0 == " " || $0 == "-" }) {
                out.insert(Vietnamese.canonicalSyllable(Normalize.nfc(String(part)).lowercased()))
            }
        }
        return out
    }
}

/// Names of Vietnam's administrative units, each with the word for its kind ("huyện", "thị trấn"),
/// grouped by their number of words: what a capitalised run after such a word is compared with.
public struct PlaceNames: Sendable {
    public struct Name: Sendable {
        public let kind: String
        /// The words as places.txt writes them, and their lower-case keys.
        public let written: [String]
        public let keys: [[Unicode.Scalar]]
        /// Each word's first letter without marks ("m", "l" for Mường Lạn).
        public let initials: [Unicode.Scalar]
    }
    /// The names by number of words and the first letter without marks ("m" for Mường): what a run
    /// whose first letter the OCR read as that one is compared with; with each name's second
    /// initial beside it, to pass over most names without touching them.
    public let byLengthAndLetter: [Int: [Unicode.Scalar: (names: [Name], second: [Unicode.Scalar])]]
    /// Every name's keys joined by spaces ("mường lạn"): a run the decoder already read as a
    /// listed name stays as it is.
    public let keys: Set<String>

    init(lines: [String], key: (String) -> String) {
        var byLength: [Int: [Name]] = [:]
        var joined = Set<String>()
        for line in lines {
            guard let (kind, name) = Self.place(line) else { continue }
            let written = name.map(String.init)
            let keys = written.map { Array(key($0).unicodeScalars) }
            guard keys.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.properties.isAlphabetic) }) else { continue }
            joined.insert(written.map(key).joined(separator: " "))
            let initials = keys.map { Normalize.fold(String($0[0])).unicodeScalars.first! }
            byLength[written.count, default: []].append(Name(kind: kind, written: written, keys: keys, initials: initials))
        }
        byLengthAndLetter = byLength.mapValues { names in
            Dictionary(grouping: names) { $0.initials[0] }.mapValues { ($0, $0.map { $0.initials.count > 1 ? $0.initials[1] : " " }) }
        }
        keys = joined
    }

    /// A line of places.txt as (kind, words of the name): RulesCheck.place without its
    /// normalization, the file being checked NFC (this runs for every line on the first OCR page).
    static func place(_ line: String) -> (kind: String, name: [Substring])? {
        let words = line.split(separator: " ")
        guard words.count >= 2 else { return nil }
        if words.count >= 3 {
            let two = words[0] + " " + words[1]
            if RulesCheck.placeKinds.contains(String(two)) { return (String(two), Array(words.dropFirst(2))) }
        }
        let one = String(words[0])
        return RulesCheck.placeKinds.contains(one) ? (one, Array(words.dropFirst())) : nil
    }
}

/// Standard names of bodies ("Ban Tổ chức Huyện ủy", "Phòng Tài chính - Kế hoạch") by the key of
/// their first word, each as words and the punctuation printed inside it.
public struct BodyNames: Sendable {
    public struct Token: Sendable {
        public let written: String
        public let key: [Unicode.Scalar]
        /// The first letter without marks ("t" for Tổ); a space for punctuation.
        public var initial: Unicode.Scalar { key.first.map { Normalize.fold(String($0)).unicodeScalars.first! } ?? " " }
        /// "," or "-" inside the name; nil for a word.
        public let punctuation: Unicode.Scalar?
    }
    public struct Name: Sendable {
        public let tokens: [Token]
        public let words: Int
        /// Each token's initial, looked at before any cost is computed.
        public let initials: [Unicode.Scalar]
        /// The language-model id of the first word.
        public let head: Int32
        init(tokens: [Token], words: Int, head: Int32) {
            self.tokens = tokens; self.words = words; self.head = head
            initials = tokens.map(\.initial)
        }
    }
    /// By the language-model id of their first word.
    public let byHead: [Int32: [Name]]
    /// The same by their second word (for a first word the decoder got wrong).
    public let bySecond: [Int32: [Name]]
    /// Whether a language-model id is any name's first or second word, by id: the one test every
    /// word of a page takes (a dictionary lookup per word cost a tenth of restoring repeated text).
    public let anchors: [Bool]
    /// The most tokens a name has after its first word.
    public let longest: Int
    /// Words for a body's level that may follow its name and that the OCR damages ("huyJn", "tinh";
    /// "xã" and "phường" come back right, and "phường" is a letter from "hướng").
    public let levels = ["huyện", "tỉnh"]

    init(lines: [String], id: (String) -> Int32) {
        var byHead: [Int32: [Name]] = [:], bySecond: [Int32: [Name]] = [:]
        var longest = 0
        for line in lines {
            var tokens: [Token] = []
            for part in Normalize.nfc(line).split(separator: " ") {
                var word = String(part)
                var after: Unicode.Scalar?
                if word == "-" || word == "–" { tokens.append(Token(written: "-", key: [], punctuation: "-")); continue }
                if word.hasSuffix(",") { word.removeLast(); after = "," }
                tokens.append(Token(written: word, key: Array(TokenKey.word(word).unicodeScalars), punctuation: nil))
                if let after { tokens.append(Token(written: String(after), key: [], punctuation: after)) }
            }
            guard let first = tokens.first, first.punctuation == nil else { continue }
            longest = max(longest, tokens.count - 1)
            let head = id(String(String.UnicodeScalarView(first.key)))
            let name = Name(tokens: tokens, words: tokens.filter { $0.punctuation == nil }.count, head: head)
            if head != LanguageModel.unknown { byHead[head, default: []].append(name) }
            if tokens.count > 1, tokens[1].punctuation == nil {
                let second = id(String(String.UnicodeScalarView(tokens[1].key)))
                if second != LanguageModel.unknown { bySecond[second, default: []].append(name) }
            }
        }
        self.byHead = byHead
        self.bySecond = bySecond
        var anchors = [Bool](repeating: false, count: Int(max(byHead.keys.max() ?? 0, bySecond.keys.max() ?? 0)) + 1)
        for id in Array(byHead.keys) + Array(bySecond.keys) where id >= 0 { anchors[Int(id)] = true }
        self.anchors = anchors
        self.longest = longest
    }
}

/// The words after which a capitalised run is a place's name (places.txt's kinds: "xã", "thị trấn";
/// place-openers.txt: "biên phòng"), by the language-model ids of their one or two words.
public struct PlaceContexts: Sendable {
    public struct Context: Sendable {
        public let text: String
        /// An opener (a body's name goes on with a place), not a unit's kind.
        public let opener: Bool
    }
    public let single: [Int32: Context]
    public let pairs: [Int32: [Int32: Context]]
    /// "và", which joins the names of a list.
    public let and: Int32

    init(kinds: Set<String>, openers: Set<String>, id: (String) -> Int32) {
        var single: [Int32: Context] = [:], pairs: [Int32: [Int32: Context]] = [:]
        for (texts, opener) in [(kinds, false), (openers, true)] {
            for text in texts {
                let words = text.split(separator: " ").map { id(String($0)) }
                guard !words.contains(LanguageModel.unknown) else { continue }
                let context = Context(text: text, opener: opener)
                if words.count == 1 { single[words[0]] = single[words[0]] ?? context }
                if words.count == 2 { pairs[words[0], default: [:]][words[1]] = pairs[words[0]]?[words[1]] ?? context }
            }
        }
        self.single = single
        self.pairs = pairs
        and = id("và")
    }
}

