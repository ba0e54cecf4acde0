import Foundation

/// Restoration accuracy exactly as the project's scorer counts it (tools/score restore): gold words
/// aligned to output words line by line (Levenshtein over words); a word is right when equal after
/// NFC, with the punctuation around it ignored and tone-mark placement ignored (hoá = hóa).
public enum RestoreMetric {
    static let punctuation = Set(".,;:()[]{}\"'“”‘’!?…-–—/*\\|_~<>«»".unicodeScalars)
    static let tones: Set<UInt32> = [0x300, 0x301, 0x303, 0x309, 0x323]

    public struct Counts: Codable, Equatable, Sendable {
        public var words = 0, right = 0, rightInput = 0, harm = 0, marked = 0, markedRight = 0
        public init() {}
        public var accuracy: Double { words > 0 ? Double(right) / Double(words) : 0 }
        public var inputAccuracy: Double { words > 0 ? Double(rightInput) / Double(words) : 0 }
        public var markedAccuracy: Double { marked > 0 ? Double(markedRight) / Double(marked) : 0 }
        public var errorReduction: Double {
            let errIn = words - rightInput
            return errIn > 0 ? 1 - Double(words - right) / Double(errIn) : 0
        }
        public static func + (a: Counts, b: Counts) -> Counts {
            var c = a
            c.words += b.words; c.right += b.right; c.rightInput += b.rightInput
            c.harm += b.harm; c.marked += b.marked; c.markedRight += b.markedRight
            return c
        }
    }

    /// Per-line word outcomes, for diffs: gold word and whether output/input had it.
    public struct WordOutcome: Equatable, Sendable {
        public let line: Int, gold: String, right: Bool, rightInput: Bool
    }

    public struct MismatchedLines: Error, CustomStringConvertible {
        public let output: Int, gold: Int
        public var description: String { "output has \(output) lines, gold has \(gold): restore must keep lines" }
    }

    public static func score(gold: String, output: String, input: String?, ignoreCase: Bool = false,
                             outcomes: UnsafeMutablePointer<[WordOutcome]>? = nil) throws -> Counts {
        let gl = gold.components(separatedBy: "\n"), ol = output.components(separatedBy: "\n")
        let il = input?.components(separatedBy: "\n")
        if gl.count != ol.count && !(ol.count == gl.count + 1 && ol.last == "") {
            throw MismatchedLines(output: ol.count, gold: gl.count)
        }
        var t = Counts()
        for (n, gline) in gl.enumerated() {
            let gw = words(gline, ignoreCase)
            if gw.isEmpty { continue }
            let ok = align(gw, words(ol[n], ignoreCase))
            let oki = il.map { n < $0.count ? align(gw, words($0[n], ignoreCase)) : Array(repeating: false, count: gw.count) }
                ?? Array(repeating: false, count: gw.count)
            for (i, w) in gw.enumerated() {
                t.words += 1
                if ok[i] { t.right += 1 }
                if oki[i] { t.rightInput += 1 }
                if oki[i] && !ok[i] { t.harm += 1 }
                if w.unicodeScalars.contains(where: { $0.value > 127 }) {
                    t.marked += 1
                    if ok[i] { t.markedRight += 1 }
                }
                outcomes?.pointee.append(WordOutcome(line: n + 1, gold: w, right: ok[i], rightInput: oki[i]))
            }
        }
        return t
    }

    static func words(_ line: String, _ ignoreCase: Bool) -> [String] {
        var out: [String] = []
        for raw in Normalize.nfc(line).split(whereSeparator: { $0.isWhitespace }) {
            var token = Substring(raw)
            if ignoreCase { token = Substring(token.lowercased()) }
            var scalars = Substring.UnicodeScalarView(token.unicodeScalars)
            while let f = scalars.first, punctuation.contains(f) { scalars.removeFirst() }
            while let l = scalars.last, punctuation.contains(l) { scalars.removeLast() }
            let w = String(scalars)
            if w.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) { out.append(toneFree(w)) }
        }
        return out
    }

    /// Moves each letter run's tone marks to the run's end, so both placement conventions compare equal.
    static func toneFree(_ word: String) -> String {
        var out = String.UnicodeScalarView()
        var run: [Unicode.Scalar] = []
        var runTones: [Unicode.Scalar] = []
        func flush() { out.append(contentsOf: run); out.append(contentsOf: runTones); run.removeAll(); runTones.removeAll() }
        var inLetters = false
        for s in Normalize.nfd(word).unicodeScalars {
            let isMark = (0x300...0x36F).contains(s.value)
            let isLetter = s.properties.isAlphabetic && !isMark && s.properties.numericType == nil
            if isLetter || (isMark && inLetters) {
                if !inLetters { flush(); inLetters = true }
                if tones.contains(s.value) { runTones.append(s) } else { run.append(s) }
            } else {
                if inLetters { flush(); inLetters = false }
                out.append(s)
            }
        }
        flush()
        return Normalize.nfc(String(out))
    }

    /// For each gold word, whether an identical word is aligned to it.
    static func align(_ gold: [String], _ other: [String]) -> [Bool] {
        alignment(gold, other).enumerated().map { i, j in j.map { gold[i] == other[$0] } ?? false }
    }

    /// For each gold word, the index of the word of `other` aligned to it on the Levenshtein path
    /// (the scorer's backtrace, diagonal first), or nil where the gold word was deleted.
    static func alignment(_ gold: [String], _ other: [String]) -> [Int?] {
        let n = gold.count, m = other.count
        var d = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in 0...n { d[i][0] = i }
        for j in 0...m { d[0][j] = j }
        if n > 0 && m > 0 {
            for i in 1...n {
                for j in 1...m {
                    d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (gold[i - 1] == other[j - 1] ? 0 : 1))
                }
            }
        }
        var out = [Int?](repeating: nil, count: n)
        var i = n, j = m
        while i > 0 && j > 0 {
            if d[i][j] == d[i - 1][j - 1] + (gold[i - 1] == other[j - 1] ? 0 : 1) {
                out[i - 1] = j - 1
                i -= 1; j -= 1
            } else if d[i][j] == d[i - 1][j] + 1 {
                i -= 1
            } else {
                j -= 1
            }
        }
        return out
    }
}

/// The evaluation documents under `corpus/`: OCR text paired with its true text.
public struct EvalCorpus {
    public struct RestorePair: Sendable {
        public let name: String
        public let group: String   // "real", "synthetic" or "unseen"
        public let raw: URL
        public let gold: URL
    }

    public let root: URL
    public init(root: URL) { self.root = root }

    public func restorePairs() -> [RestorePair] {
        var out: [RestorePair] = []
        let fm = FileManager.default
        func scan(_ goldDir: String, _ rawDir: String, _ group: String) {
            let g = root.appendingPathComponent(goldDir), r = root.appendingPathComponent(rawDir)
            guard let names = try? fm.contentsOfDirectory(atPath: g.path) else { return }
            for name in names.sorted() where name.hasSuffix(".gold.txt") {
                let stem = String(name.dropLast(".gold.txt".count))
                let raw = r.appendingPathComponent(stem + ".txt")
                if fm.fileExists(atPath: raw.path) {
                    out.append(RestorePair(name: stem, group: group, raw: raw, gold: g.appendingPathComponent(name)))
                }
            }
        }
        scan("gold", "raw", "real")
        scan("synthetic", "synthetic", "synthetic")
        scan("unseen/gold", "unseen/raw", "unseen")
        return out
    }

    /// A dev-set document (corpus/dev): the clean text with its key, and the OCR'd text with its
    /// true text and key when present.
    public struct DevDocument: Sendable {
        public let name: String
        public let clean: URL, cleanKey: URL
        public let ocr: URL?, ocrGold: URL?, ocrKey: URL?
    }

    /// The documents of a development set: `dev` (corpus/dev) or `dev2` (corpus/dev2, written apart
    /// from the rules and measured before any rule was fitted to it).
    public func devDocuments(set: String = "dev") -> [DevDocument] {
        let fm = FileManager.default
        let docs = root.appendingPathComponent("\(set)/docs"), ocr = root.appendingPathComponent("\(set)/ocr")
        guard let names = try? fm.contentsOfDirectory(atPath: docs.path) else { return [] }
        return names.sorted().filter { $0.hasSuffix(".entities.json") }.compactMap { name in
            let stem = String(name.dropLast(".entities.json".count))
            let clean = docs.appendingPathComponent(stem + ".txt")
            guard fm.fileExists(atPath: clean.path) else { return nil }
            func have(_ u: URL) -> URL? { fm.fileExists(atPath: u.path) ? u : nil }
            return DevDocument(name: stem, clean: clean, cleanKey: docs.appendingPathComponent(name),
                               ocr: have(ocr.appendingPathComponent(stem + ".txt")),
                               ocrGold: have(ocr.appendingPathComponent(stem + ".gold.txt")),
                               ocrKey: have(ocr.appendingPathComponent(name)))
        }
    }

    /// corpus/dev/typefaces.tsv: document name → the typeface its OCR text was rendered in
    /// (lines "NAME<TAB>face"; '#' starts a comment).
    public func devTypefaces(set: String = "dev") -> [String: String] {
        guard let text = try? String(contentsOf: root.appendingPathComponent("\(set)/typefaces.tsv"), encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let cols = line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }
            if cols.count >= 2, !cols[0].isEmpty { out[cols[0]] = cols[1] }
        }
        return out
    }
}
