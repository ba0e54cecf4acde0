import Foundation

/// Counts syllable n-grams in clean text and writes the binary model `LanguageModel` loads.
/// The text is tokenized exactly as restoration tokenizes OCR text (`Tokenizer`, `TokenKey`).
public final class LanguageModelBuilder {
    private var ids: [String: Int32] = [:]
    private var words: [String] = []
    private var unigrams: [UInt32] = []
    private var bigrams: [UInt64: UInt32] = [:]
    private var trigrams: [UInt64: UInt32] = [:]
    /// Written forms of tokens that are not syllables, to learn "UBND", "QĐ", "VssID".
    private var surfaces: [Int32: [String: UInt32]] = [:]
    /// Tokens of dictionary entries: kept however rarely the text has them ("plông" of Kon Plông).
    private var phraseTokens = Set<Int32>()
    public private(set) var paragraphs = 0
    public private(set) var tokens = 0

    public init() {
        for special in ["</s>", "<unk>", "<num>"] { _ = id(special) }
    }

    private func id(_ key: String) -> Int32 {
        if let id = ids[key] { return id }
        let id = Int32(words.count)
        precondition(id < 1 << 21, "vocabulary over 2M tokens: the text is not Vietnamese prose")
        ids[key] = id
        words.append(key)
        unigrams.append(0)
        return id
    }

    /// Adds a dictionary entry ("bao phủ"): its n-grams count `weight` times, its edges are no boundaries,
    /// so a word list adds the syllable pairs of words the training text lacks and nothing else.
    public func add(phrase: String, weight: UInt32 = 1) {
        let scalars = Array(phrase.unicodeScalars)
        let seq = Tokenizer.pieces(scalars).filter { $0.kind == .word }.map {
            id(TokenKey.word(String(String.UnicodeScalarView(scalars[$0.start..<$0.end]))))
        }
        guard seq.count >= 2 else { return }
        phraseTokens.formUnion(seq)
        for i in 0..<seq.count {
            if i >= 1 { bigrams[LanguageModel.key2(seq[i - 1], seq[i]), default: 0] += weight }
            if i >= 2 { trigrams[LanguageModel.key3(seq[i - 2], seq[i - 1], seq[i]), default: 0] += weight }
        }
        phrases += 1
    }
    public private(set) var phrases = 0

    /// Adds one paragraph: its edges are sentence boundaries.
    public func add(paragraph: String) {
        let scalars = Array(paragraph.unicodeScalars)
        var seq: [Int32] = [LanguageModel.boundary]
        for piece in Tokenizer.pieces(scalars) {
            switch piece.kind {
            case .space, .newline: continue
            case .number: seq.append(LanguageModel.number)
            case .punctuation: seq.append(id(String(String.UnicodeScalarView(scalars[piece.start..<piece.end]))))
            case .word:
                let written = String(String.UnicodeScalarView(scalars[piece.start..<piece.end]))
                let key = TokenKey.word(written)
                let wid = id(key)
                seq.append(wid)
                if written != key, !Vietnamese.isValidSyllable(key) {
                    surfaces[wid, default: [:]][written, default: 0] += 1
                }
            }
        }
        seq.append(LanguageModel.boundary)
        paragraphs += 1
        tokens += seq.count - 2
        for i in 0..<seq.count {
            unigrams[Int(seq[i])] += 1
            if i >= 1 { bigrams[LanguageModel.key2(seq[i - 1], seq[i]), default: 0] += 1 }
            if i >= 2 { trigrams[LanguageModel.key3(seq[i - 2], seq[i - 1], seq[i]), default: 0] += 1 }
        }
    }

    public struct Summary: CustomStringConvertible {
        public let paragraphs, tokens, vocabulary, bigrams, trigrams, bytes: Int
        public var description: String {
            "\(paragraphs) paragraphs, \(tokens) tokens → vocabulary \(vocabulary), \(bigrams) bigrams, \(trigrams) trigrams, \(TextInput.formatBytes(bytes))"
        }
    }

    /// Prunes, smooths (interpolated absolute discounting, Kneser–Ney continuation unigrams) and
    /// serializes. Tokens other than syllables and dictionary entries' tokens seen fewer than
    /// `minCount` times become `<unk>`.
    public func build(minCount: Int = 2, minBigram: Int = 2, minTrigram: Int = 2) -> (Data, Summary) {
        // Final vocabulary: specials, then by frequency (ties by spelling, so builds are reproducible).
        // Every syllable seen is kept (a rare syllable is still a syllable), and every token of a
        // dictionary entry; other tokens, mostly abbreviations, codes and typos, need `minCount`.
        let keep: (Int) -> Bool = { i in
            self.unigrams[i] >= minCount || Vietnamese.isValidSyllable(self.words[i]) || self.phraseTokens.contains(Int32(i))
        }
        let order = (3..<words.count).filter(keep)
            .sorted { unigrams[$0] != unigrams[$1] ? unigrams[$0] > unigrams[$1] : words[$0] < words[$1] }
        var remap = [Int32](repeating: LanguageModel.unknown, count: words.count)
        for i in 0..<3 { remap[i] = Int32(i) }
        var finalWords = Array(words[0..<3])
        for old in order {
            remap[old] = Int32(finalWords.count)
            finalWords.append(words[old])
        }
        let v = finalWords.count
        var uni = [UInt32](repeating: 0, count: v)
        for (old, c) in unigrams.enumerated() { uni[Int(remap[old])] += c }
        var bi: [UInt64: UInt32] = [:]
        bi.reserveCapacity(bigrams.count)
        for (k, c) in bigrams {
            let a = remap[Int(k >> 32)], b = remap[Int(k & 0xFFFF_FFFF)]
            bi[LanguageModel.key2(a, b), default: 0] += c
        }
        var tri: [UInt64: UInt32] = [:]
        tri.reserveCapacity(trigrams.count)
        let m21: UInt64 = (1 << 21) - 1
        for (k, c) in trigrams {
            let a = remap[Int(k >> 42)], b = remap[Int((k >> 21) & m21)], d = remap[Int(k & m21)]
            tri[LanguageModel.key3(a, b, d), default: 0] += c
        }

        // Continuation unigram and bigram-context statistics.
        var continuation = [Double](repeating: 0, count: v)
        var contextCount = [Double](repeating: 0, count: v)
        var contextTypes = [Double](repeating: 0, count: v)
        var n1 = 0.0, n2 = 0.0
        for (k, c) in bi {
            let a = Int(k >> 32), b = Int(k & 0xFFFF_FFFF)
            continuation[b] += 1
            contextCount[a] += Double(c)
            contextTypes[a] += 1
            if c == 1 { n1 += 1 } else if c == 2 { n2 += 1 }
        }
        let d2 = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5
        let totalTypes = Double(bi.count)
        // A little uniform mass keeps every token, <unk> included, possible.
        let p1 = continuation.map { 0.999 * $0 / totalTypes + 0.001 / Double(v) }
        let gamma1 = (0..<v).map { contextCount[$0] > 0 ? d2 * contextTypes[$0] / contextCount[$0] : 1.0 }
        func p2(_ a: Int32, _ b: Int32, count: UInt32) -> Double {
            let ctx = contextCount[Int(a)]
            guard ctx > 0 else { return p1[Int(b)] }
            return max(Double(count) - d2, 0) / ctx + gamma1[Int(a)] * p1[Int(b)]
        }

        // Trigram-context statistics.
        var triContextCount: [UInt64: Double] = [:]
        var triContextTypes: [UInt64: Double] = [:]
        n1 = 0; n2 = 0
        for (k, c) in tri {
            let ctx = k >> 21
            triContextCount[ctx, default: 0] += Double(c)
            triContextTypes[ctx, default: 0] += 1
            if c == 1 { n1 += 1 } else if c == 2 { n2 += 1 }
        }
        let d3 = n1 + 2 * n2 > 0 ? n1 / (n1 + 2 * n2) : 0.5

        let keptBigrams = bi.filter { $0.value >= UInt32(minBigram) }.keys.sorted()
        var biLogP: [Float] = [], biGamma: [Float] = []
        biLogP.reserveCapacity(keptBigrams.count); biGamma.reserveCapacity(keptBigrams.count)
        for k in keptBigrams {
            let a = Int32(k >> 32), b = Int32(k & 0xFFFF_FFFF)
            biLogP.append(Float(log(p2(a, b, count: bi[k]!))))
            // The same pair as a trigram context: (a, b) packed as the top bits of a trigram key.
            let ctx = UInt64(UInt32(a)) << 21 | UInt64(UInt32(b))
            if let cc = triContextCount[ctx], cc > 0 {
                biGamma.append(Float(log(d3 * triContextTypes[ctx]! / cc)))
            } else {
                biGamma.append(0)
            }
        }
        let keptTrigrams = tri.filter { $0.value >= UInt32(minTrigram) }.keys.sorted()
        var triLogP: [Float] = []
        triLogP.reserveCapacity(keptTrigrams.count)
        for k in keptTrigrams {
            let b = Int32((k >> 21) & m21), d = Int32(k & m21)
            let ctx = k >> 21
            let cc = triContextCount[ctx]!
            let lower = p2(b, d, count: bi[LanguageModel.key2(b, d)] ?? 0)
            let p = max(Double(tri[k]!) - d3, 0) / cc + d3 * triContextTypes[ctx]! / cc * lower
            triLogP.append(Float(log(p)))
        }

        var surfaceOf = [String](repeating: "", count: v)
        for (old, forms) in surfaces {
            let new = Int(remap[Int(old)])
            guard new > 2, let best = forms.max(by: { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }) else { continue }
            // Keep a written form only where it is the usual one: "UBND" yes, a sentence-initial "Ủy" no.
            let total = forms.values.reduce(0, +)
            if Double(best.value) >= 0.5 * Double(uni[new]), best.value * 2 >= total { surfaceOf[new] = best.key }
        }

        var w = BinaryWriter()
        w.bytes(LanguageModel.magic)
        w.u32(UInt32(v)); w.u32(UInt32(keptBigrams.count)); w.u32(UInt32(keptTrigrams.count))
        for i in 0..<v { w.string(finalWords[i]); w.string(surfaceOf[i]) }
        w.array(uni)
        w.array(p1.map { Float(log($0)) })
        w.array(gamma1.map { Float(log($0)) })
        w.array(keptBigrams); w.array(biLogP); w.array(biGamma)
        w.array(keptTrigrams); w.array(triLogP)
        return (w.data, Summary(paragraphs: paragraphs, tokens: tokens, vocabulary: v, bigrams: keptBigrams.count,
                                trigrams: keptTrigrams.count, bytes: w.data.count))
    }
}

/// How a word is keyed in the language model and the vocabulary: lower case, tone in canonical place.
public enum TokenKey {
    public static func word(_ written: String) -> String {
        let lower = written.lowercased()
        return lower.unicodeScalars.allSatisfy { Tokenizer.isLetter($0) } ? Vietnamese.canonicalSyllable(lower) : lower
    }
}
