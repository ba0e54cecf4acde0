/// Vietnamese letters and syllables: tone marks, their canonical placement, and phonotactic
/// validity (onset + rhyme + tone), used to build the syllable inventory and to check dictionaries.
public enum Vietnamese {
    /// Rows of a vowel and its five toned forms: level, huyền, sắc, hỏi, ngã, nặng.
    static let vowelRows: [String] = [
        "aàáảãạ", "ăằắẳẵặ", "âầấẩẫậ", "eèéẻẽẹ", "êềếểễệ", "iìíỉĩị",
        "oòóỏõọ", "ôồốổỗộ", "ơờớởỡợ", "uùúủũụ", "ưừứửữự", "yỳýỷỹỵ",
    ]

    /// Lower-case toned vowel → (toneless vowel, tone 0…5).
    static let toneTable: [Unicode.Scalar: (Unicode.Scalar, Int)] = {
        var table: [Unicode.Scalar: (Unicode.Scalar, Int)] = [:]
        for row in vowelRows {
            let scalars = Array(row.unicodeScalars)
            for (tone, s) in scalars.enumerated() { table[s] = (scalars[0], tone) }
        }
        return table
    }()

    static let composeTable: [Unicode.Scalar: [Unicode.Scalar]] = {
        var table: [Unicode.Scalar: [Unicode.Scalar]] = [:]
        for row in vowelRows {
            let scalars = Array(row.unicodeScalars)
            table[scalars[0]] = scalars
        }
        return table
    }()

    /// Vowel (toneless) → plain Latin letter: ă â → a, ê → e, ô ơ → o, ư → u.
    static let baseLetter: [Unicode.Scalar: Unicode.Scalar] = [
        "ă": "a", "â": "a", "ê": "e", "ô": "o", "ơ": "o", "ư": "u", "đ": "d",
    ]

    public static func isVowel(_ s: Unicode.Scalar) -> Bool { toneTable[s] != nil }

    /// Splits a lower-case NFC syllable into its toneless spelling and tone (0 = level).
    public static func splitTone(_ syllable: String) -> (toneless: String, tone: Int) {
        var tone = 0
        var out = String.UnicodeScalarView()
        for s in syllable.unicodeScalars {
            if let (v, t) = toneTable[s] {
                if t != 0 { tone = t }
                out.append(v)
            } else {
                out.append(s)
            }
        }
        return (String(out), tone)
    }

    /// Puts `tone` on the right vowel of a toneless lower-case syllable, in the traditional
    /// placement the legal corpus mostly uses (hòa, thủy, khỏe; quý, giá; thuyền, người).
    public static func placeTone(_ toneless: String, tone: Int) -> String {
        let scalars = Array(toneless.unicodeScalars)
        guard tone != 0, let index = toneIndex(scalars) else { return toneless }
        var out = scalars
        out[index] = composeTable[scalars[index]]![tone]
        var view = String.UnicodeScalarView()
        view.append(contentsOf: out)
        return String(view)
    }

    /// One spelling for each syllable whatever convention it was typed in: hoà → hòa, thuỷ → thủy.
    public static func canonicalSyllable(_ syllable: String) -> String {
        let (toneless, tone) = splitTone(syllable)
        return tone == 0 ? toneless : placeTone(toneless, tone: tone)
    }

    static func toneIndex(_ s: [Unicode.Scalar]) -> Int? {
        // The vowel cluster, past the onset's own vowel letters (the u of qu, the i of gi).
        var start = 0
        while start < s.count, !isVowel(s[start]) { start += 1 }
        guard start < s.count else { return nil }
        if start > 0, s[start - 1] == "q", s[start] == "u" { start += 1 }
        if start > 0, s[start - 1] == "g", s[start] == "i", start + 1 < s.count, isVowel(s[start + 1]) { start += 1 }
        guard start < s.count, isVowel(s[start]) else {
            // "gì", "quỳ": the only vowel belongs to the onset spelling.
            return s.lastIndex(where: isVowel)
        }
        var end = start
        while end < s.count, isVowel(s[end]) { end += 1 }
        let cluster = Array(start..<end)
        if let marked = cluster.last(where: { "ăâêôơư".unicodeScalars.contains(s[$0]) }) {
            return marked
        }
        if end < s.count { return cluster.last }      // closed syllable: hoàn, thuyết
        switch cluster.count {
        case 1: return cluster[0]
        case 2: return cluster[0]                        // hòa, thủy, mùa, tài
        default: return cluster[1]                       // khuỷu, ngoài
        }
    }

    // MARK: Phonotactics

    static let onsets: Set<String> = [
        "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
        "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
    ]

    /// Toneless rhymes, medial glide included.
    static let rhymes: Set<String> = Set("""
    a ai ao au ay ac ach am an ang anh ap at ăc ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây
    e eo ec em en eng ep et ê êu êch êm ên ênh êp êt
    i ia iu ich im in inh ip it iêc iêm iên iêng iêp iêt iêu yêm yên yêt yêu y
    o oi oc om on ong op ot ooc oong oa oai oao oay oac oach oam oan oang oanh oap oat
    oăc oăm oăn oăng oăt oe oeo oem oen oet ô ôi ôc ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt
    u ua ui uc um un ung up ut uân uâng uât uây uê uêch uênh uôc uôi uôm uôn uông uôt uơ
    uy uya uych uyên uyêt uyn uynh uyp uyt uyu uya
    ư ưa ưi ưu ưc ưng ưt ưm ưn ươc ươi ươm ươn ương ươp ươt ươu
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))

    /// Is this lower-case NFC string one Vietnamese syllable? Checks onset, rhyme, the spelling
    /// rules of c/k/q, g/gh and ng/ngh, and that a rhyme closed by p, t, c or ch takes only the
    /// sắc or nặng tone.
    public static func isValidSyllable(_ syllable: String) -> Bool {
        let (toneless, tone) = splitTone(syllable)
        let scalars = Array(toneless.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 7 else { return false }
        // Try every onset length; "gi" and "qu" may also be g/q plus a rhyme starting with i/u.
        for cut in 0...min(3, scalars.count) {
            let onset = String(String.UnicodeScalarView(scalars[0..<cut]))
            guard onsets.contains(onset) else { continue }
            let rhyme = String(String.UnicodeScalarView(scalars[cut...]))
            if rhyme.isEmpty {
                // "gi" alone reads as gi + i ("gì"); nothing else stands without a rhyme.
                if onset == "gi" { return true }
                continue
            }
            guard rhymes.contains(rhyme) else { continue }
            if !spellingAllowed(onset: onset, rhyme: rhyme) { continue }
            if let last = rhyme.unicodeScalars.last, "ptc".unicodeScalars.contains(last) || rhyme.hasSuffix("ch") {
                if tone != 2 && tone != 5 { continue }
            }
            return true
        }
        return false
    }

    static func spellingAllowed(onset: String, rhyme: String) -> Bool {
        let first = rhyme.unicodeScalars.first!
        let front = "ieêy".unicodeScalars.contains(first)
        switch onset {
        case "k", "gh", "ngh": return front
        case "c", "g", "ng": return !front || (onset == "g" && first == "i")
        case "qu": return !(first == "u" || first == "o")
        case "gi": return first != "i"
        default:
            // A bare "q" never stands, and "uy", "oa" after an onset are fine.
            return true
        }
    }
}
