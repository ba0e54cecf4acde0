import Foundation

/// Tolerance for what restoration leaves behind in names and headings: folded comparison with a
/// small edit distance ("thu'cu hien" for "thuc hien", "pdo tao" for "dao tao").
enum Fuzzy {
    /// Levenshtein distance between two strings of folded text (bytes).
    static func distance(_ a: String, _ b: String, limit: Int = .max) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        if abs(x.count - y.count) > limit { return limit + 1 }
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count), cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            var best = cur[0]
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
                best = min(best, cur[j])
            }
            if best > limit { return limit + 1 }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }

    /// Folded letters and digits only, words separated by one space ("thu'cu" → "thucu").
    static func letters(_ s: String) -> String {
        let folded = Fold.string(s)
        let words = folded.plainSplit(whereSeparator: { $0 == " " })?.map { $0.plainFilter { $0.isLetterCharacter || $0.isNumberCharacter }! }
            ?? folded.split(separator: " ").map { w in String(w.filter { $0.isLetter || $0.isNumber }) }
        return words.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Edits allowed between a known name of `n` bytes and a damaged spelling of it.
    static func allowance(_ n: Int) -> Int { n < 6 ? 0 : n < 12 ? 1 : n < 24 ? 2 : 3 }

    /// Whether `text` is `known` with at most the allowed number of edits (both folded).
    static func close(_ text: String, _ known: String) -> Bool {
        let a = allowance(known.utf8.count)
        return distance(text, known, limit: a) <= a
    }
}

extension Extractor {
    /// Restoration knows no proper names and may change the letters of one ("Kon Plông" →
    /// "Hòn Pông"). On a line the OCR already read as Vietnamese (most words marked, nearly all of
    /// them syllables: a typed text, not an English model's output), a capitalised word whose
    /// letters restoration changed is given back as the OCR read it. Lines must pair up word for word.
    static func keepNames(restored: String, ocr: String) -> String {
        let rl = restored.pieces(separatedBy: "\n")
        let ol = ocr.pieces(separatedBy: "\n")
        guard rl.count == ol.count else { return restored }
        // the lines, once one of them changed
        var out: [String]?
        let syllables = syllableAnswers
        for (n, (r, o)) in zip(rl, ol).enumerated() {
            guard let kept = keptNames(r, o, syllables) else { continue }
            if out == nil { out = rl.map(String.init) }
            out![n] = kept
        }
        return out?.joined(separator: "\n") ?? restored
    }

    /// Line `r` with the capitalised words whose letters restoration changed given back as the
    /// OCR line `o` read them; nil when the line is not one of those or nothing changed.
    private static func keptNames(_ r: Substring, _ o: Substring, _ syllables: MemoTable<Bool>) -> String? {
        // A line restoration left alone has nothing to give back (most lines of a typed document).
        if r.utf8.elementsEqual(o.utf8) { return nil }
        // Cheapest test first, on scalars: half the words must carry a mark, which lines of an
        // English model's OCR almost never do.
        var words = 0, markedWords = 0, inWord = false, wordMarked = false
        for u in o.unicodeScalars {
            if u.isLetterCharacter {
                if !inWord { inWord = true; wordMarked = false; words += 1 }
                if u.value >= 0x80 && !wordMarked { wordMarked = true; markedWords += 1 }
            } else {
                inWord = false
            }
        }
        guard words >= 3, markedWords * 2 >= words else { return nil }
        func core(_ w: Substring) -> String { w.plainFilter(\.isLetterCharacter) ?? String(w.filter { $0.isLetter }) }
        let rw = r.pieces(separatedBy: " ")
        let ow = o.pieces(separatedBy: " ")
        let cores = ow.map(core)
        let letters = cores.filter { !$0.isEmpty }
        guard rw.count == ow.count, letters.count >= 3 else { return nil }
        let marked = letters.filter { $0.unicodeScalars.contains { $0.value >= 0x80 } }.count
        guard marked * 2 >= letters.count else { return nil }
        // four in five must be syllables: counted until that is settled
        var valid = 0, invalid = 0
        for w in letters where valid * 5 < letters.count * 4 && invalid * 5 <= letters.count {
            if syllables.value(w, { Vietnamese.isValidSyllable(w.lowercased()) }) { valid += 1 } else { invalid += 1 }
        }
        guard valid * 5 >= letters.count * 4 else { return nil }
        var kept = rw.map(String.init)
        var changed = false
        for i in kept.indices {
            let oc = cores[i]
            guard let f = oc.first, f.isUppercase else { continue }
            let rc = core(rw[i])
            // the same bytes fold the same: no need to fold them
            guard !oc.utf8.elementsEqual(rc.utf8), Fold.string(oc) != Fold.string(rc) else { continue }
            kept[i] = String(ow[i]); changed = true
        }
        return changed ? kept.joined(separator: " ") : nil
    }
}

/// Answers of a pure function of a string, remembered across documents (the same words and names
/// recur in every plan), by the string's bytes (equal Strings may differ in them); thread-safe, and
/// started again past `limit` answers.
final class MemoTable<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [[UInt8]: Value] = [:]
    private let limit: Int

    init(limit: Int = 100_000) { self.limit = limit }

    func value(_ key: String, _ compute: () -> Value) -> Value {
        let bytes = Array(key.utf8)
        lock.lock()
        let known = answers[bytes]
        lock.unlock()
        if let known { return known }
        let answer = compute()
        lock.lock()
        if answers.count >= limit { answers.removeAll(keepingCapacity: true) }
        answers[bytes] = answer
        lock.unlock()
        return answer
    }
}

extension Extractor {
    /// `Vietnamese.isValidSyllable` of the words keepNames asks about.
    static let syllableAnswers = MemoTable<Bool>()
}
