import CICUShim
import Foundation

/// The encodings kehoach reads. Output is always UTF-8.
public enum TextEncoding: String, CaseIterable, Sendable {
    case utf8 = "utf-8"
    /// Byte order from the byte order mark or the NULs (given with `--encoding`; reported as LE or BE).
    case utf16 = "utf-16"
    case utf16LE = "utf-16le"
    case utf16BE = "utf-16be"
    /// Microsoft's Vietnamese code page: base letters and combining tone marks (ICU's converter).
    case windows1258 = "windows-1258"
    /// TCVN 5712:1993 VN3, the ABC fonts' encoding (rules/encodings/tcvn3.tsv).
    case tcvn3
    /// VNI-Windows, two bytes for a letter with marks (rules/encodings/vni.tsv).
    case vni
    /// RFC 1456 (rules/encodings/viscii.tsv).
    case viscii
    /// UTF-8 that a program read as Windows-1252 (or Windows-1258, Latin-1) and saved again as UTF-8:
    /// "Tá»ˆNH" for "TỈNH". Repaired.
    case utf8Mojibake = "utf-8-mojibake"

    /// Other names `--encoding` takes.
    static let aliases: [String: TextEncoding] = [
        "utf8": .utf8, "utf16": .utf16, "utf16le": .utf16LE, "utf16be": .utf16BE,
        "cp1258": .windows1258, "windows1258": .windows1258, "abc": .tcvn3, "tcvn-3": .tcvn3,
        "vni-windows": .vni, "vni-win": .vni, "mojibake": .utf8Mojibake,
    ]

    /// The encoding a name given by a user stands for (any case; aliases such as cp1258, abc).
    public init?(name: String) {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard let e = TextEncoding(rawValue: key) ?? TextEncoding.aliases[key] else { return nil }
        self = e
    }

    public var displayName: String {
        switch self {
        case .utf8: return "UTF-8"
        case .utf16: return "UTF-16"
        case .utf16LE: return "UTF-16LE"
        case .utf16BE: return "UTF-16BE"
        case .windows1258: return "Windows-1258"
        case .tcvn3: return "TCVN3 (ABC)"
        case .vni: return "VNI"
        case .viscii: return "VISCII"
        case .utf8Mojibake: return "UTF-8 mojibake"
        }
    }

    /// The table file under rules/encodings/ an 8-bit encoding is read with.
    public var tableName: String? {
        switch self {
        case .tcvn3, .vni, .viscii: return rawValue
        default: return nil
        }
    }

    /// The 8-bit encodings detection weighs, in the order that breaks a tie.
    static let legacy: [TextEncoding] = [.windows1258, .viscii, .tcvn3, .vni]

    /// "utf-8, utf-16, …": for help texts and the error a bad name gets.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// What `TextInput.decodeText` read: the text, and the encoding it was in.
public struct DecodedText: Equatable, Sendable {
    public var text: String
    /// The encoding the bytes were in (UTF-16 resolved to LE or BE).
    public var encoding: TextEncoding
    /// True when kehoach chose the encoding (not `--encoding`) and it is not plain UTF-8.
    public var detected: Bool
    /// Why the encoding was chosen: "412 of 415 words with marks are Vietnamese syllables".
    public var evidence: String?
    /// The OCR engine's format the text was read from (TSV, hOCR, ALTO); nil for plain text.
    public var ocrFormat: OCRReading.Format?
    /// The OCR's confidence in each word (0…1) by the scalar offset of its first character in `text`.
    public var confidences: [Int: Double]?

    public init(text: String, encoding: TextEncoding, detected: Bool = false, evidence: String? = nil) {
        self.text = text; self.encoding = encoding; self.detected = detected; self.evidence = evidence
    }

    /// The name reports and `source.encoding` give; nil for UTF-8, the default they leave unsaid.
    public var reportedEncoding: String? { encoding == .utf8 ? nil : encoding.rawValue }

    /// One line for a person: "read as TCVN3 (ABC) (detected: …)"; nil for UTF-8.
    public var note: String? {
        var parts: [String] = []
        if encoding != .utf8 {
            let how = detected ? "detected" + (evidence.map { ": \($0)" } ?? "") : "as --encoding says"
            parts.append("read as \(encoding.displayName) (\(how))")
        }
        if let ocrFormat {
            parts.append("read as \(ocrFormat.rawValue) output, \(confidences?.count ?? 0) words with the engine's confidence")
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

/// One 8-bit encoding's table: which byte (or byte pair) stands for which character.
public struct ByteTable: Sendable {
    public let encoding: TextEncoding
    /// Byte → character; ASCII stands for itself unless the table says otherwise; nil: undefined.
    var single: [Unicode.Scalar?]
    /// First byte → second byte → character (VNI's base letter + marks).
    var pairs: [[UInt8: Unicode.Scalar]?]
    /// Small letter → the capital the same bytes also stand for (TCVN3's toned letters).
    var capitals: [Unicode.Scalar: Unicode.Scalar]

    init(encoding: TextEncoding) {
        self.encoding = encoding
        single = (0..<256).map { $0 < 0x80 ? Unicode.Scalar(UInt8($0)) : nil }
        pairs = Array(repeating: nil, count: 256)
        capitals = [:]
    }

    /// A problem in a table file, at its line.
    public struct Problem: Equatable, Sendable {
        public let line: Int
        public let message: String
    }

    /// Reads a table file: `BYTES<TAB>U+XXXX<TAB>CAPITAL|-[<TAB>CHARACTER NAME]`, # comments.
    public static func parse(_ text: String, encoding: TextEncoding) -> (table: ByteTable, problems: [Problem]) {
        var table = ByteTable(encoding: encoding)
        var problems: [Problem] = []
        var seen: [[UInt8]: Int] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let n = i + 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 3 else {
                problems.append(Problem(line: n, message: "expected BYTES<TAB>U+XXXX<TAB>CAPITAL (or -), found \(cols.count) column(s)"))
                continue
            }
            let bytes = cols[0].split(separator: " ").map { UInt8($0, radix: 16) }
            guard (1...2).contains(bytes.count), bytes.allSatisfy({ $0 != nil }),
                  cols[0].split(separator: " ").allSatisfy({ $0.count == 2 }) else {
                problems.append(Problem(line: n, message: "'\(cols[0])' is not one or two hex bytes (\"B8\", \"61 F9\")"))
                continue
            }
            let seq = bytes.map { $0! }
            guard let scalar = codePoint(cols[1]) else {
                problems.append(Problem(line: n, message: "'\(cols[1])' is not a code point written U+XXXX"))
                continue
            }
            if let first = seen[seq] {
                problems.append(Problem(line: n, message: "bytes \(cols[0]) already mapped on line \(first)"))
                continue
            }
            seen[seq] = n
            if cols[2] != "-" {
                guard let capital = codePoint(cols[2]) else {
                    problems.append(Problem(line: n, message: "CAPITAL '\(cols[2])' is not - nor a code point written U+XXXX"))
                    continue
                }
                guard String(scalar).uppercased() == String(capital), String(capital) != String(scalar) else {
                    problems.append(Problem(line: n, message: "CAPITAL \(cols[2]) is not the capital of \(cols[1])"))
                    continue
                }
                table.capitals[scalar] = capital
            }
            if cols.count >= 4, let token = cols[3].split(separator: " ").first, token.count == 1,
               String(token) != String(scalar) {
                problems.append(Problem(line: n, message: "the character shown, '\(token)', is not \(cols[1])"))
            }
            if seq.count == 1 {
                table.single[Int(seq[0])] = scalar
            } else {
                var second = table.pairs[Int(seq[0])] ?? [:]
                second[seq[1]] = scalar
                table.pairs[Int(seq[0])] = second
            }
        }
        return (table, problems)
    }

    static func codePoint(_ s: String) -> Unicode.Scalar? {
        guard s.hasPrefix("U+"), (4...6).contains(s.count - 2), let v = UInt32(s.dropFirst(2), radix: 16) else { return nil }
        return Unicode.Scalar(v)
    }

    /// The Vietnamese letters (small and capital, 134) the table cannot give: none, for a table fit to read.
    public func missingLetters() -> [String] {
        var can = Set(single.compactMap { $0 })
        for p in pairs { for s in (p ?? [:]).values { can.insert(s) } }
        for c in capitals.values { can.insert(c) }
        var letters: [Unicode.Scalar] = ["đ", "Đ"]
        for row in Vietnamese.vowelRows {
            for s in row.unicodeScalars {
                letters.append(s)
                letters.append(contentsOf: String(s).uppercased().unicodeScalars)
            }
        }
        return letters.filter { !can.contains($0) }.map { String($0) }
    }

    /// The bytes as text, or the offset of the first byte the encoding does not define.
    func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> (text: String, undefinedAt: Int?) {
        var out = String.UnicodeScalarView()
        out.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if i + 1 < n, let second = pairs[Int(b)], let s = second[bytes[i + 1]] {
                out.append(s)
                i += 2
                continue
            }
            guard let s = single[Int(b)] else { return (String(out), i) }
            out.append(s)
            i += 1
        }
        return (String(out), nil)
    }

    /// TCVN3 wrote a toned capital as its small letter in a capitals font (.VnTimeH): such a letter
    /// becomes the capital where its word is in capitals: two capitals or more among its other
    /// letters and no small one ("TỉNH" → "TỈNH"), or, for a word with one capital or none ("Kế",
    /// "ở"), where most words of its part of the line (parts are split by three spaces or a tab, as
    /// in two-column headers; parts of document codes do not count) are in capitals. A word's first letter becomes a capital where
    /// the word starts a sentence: at the start of the text, after ". ", after a list mark, or at the
    /// start of a line after a blank one or one ending in . ! ? : or ; ("ủy ban" → "Ủy ban").
    func restoreCapitals(_ text: String) -> String {
        guard !capitals.isEmpty, text.unicodeScalars.contains(where: { capitals[$0] != nil }) else { return text }
        var s = Array(text.unicodeScalars)
        let words = ByteTable.words(s)
        func caseOf(_ w: Range<Int>) -> (upper: Int, lower: Int) {
            var u = 0, l = 0
            for k in w where capitals[s[k]] == nil {
                if s[k].properties.isUppercase { u += 1 } else if s[k].properties.isLowercase { l += 1 }
            }
            return (u, l)
        }
        let part = ByteTable.parts(s)
        // Per part of a line: words in capitals and words with a small letter (of two cased letters or more).
        var votes: [Int: (caps: Int, small: Int)] = [:]
        // Parts of document codes ("36/KH-UBND", "QĐ-UBND") are capitals whatever the line: no vote.
        func inCode(_ w: Range<Int>) -> Bool {
            let joiners = "/-_.0123456789".unicodeScalars
            return (w.lowerBound > 0 && joiners.contains(s[w.lowerBound - 1])) || (w.upperBound < s.count && joiners.contains(s[w.upperBound]))
        }
        for w in words where !inCode(w) {
            let (u, l) = caseOf(w)
            guard u + l >= 2 else { continue }
            var v = votes[part[w.lowerBound]] ?? (0, 0)
            if l == 0 { v.caps += 1 } else { v.small += 1 }
            votes[part[w.lowerBound]] = v
        }
        for w in words where s[w].contains(where: { capitals[$0] != nil }) {
            let (upper, lower) = caseOf(w)
            var caps = false
            if lower == 0 {
                if upper >= 2 {
                    caps = true
                } else if let v = votes[part[w.lowerBound]] {
                    caps = v.caps > v.small
                }
            }
            if caps {
                for k in w { if let c = capitals[s[k]] { s[k] = c } }
            } else if let c = capitals[s[w.lowerBound]], ByteTable.startsSentence(s, at: w.lowerBound) {
                s[w.lowerBound] = c
            }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: s)
        return String(view)
    }

    /// For each scalar, the number of the part of a line it is in: lines split at tabs and at runs
    /// of three spaces or more.
    static func parts(_ s: [Unicode.Scalar]) -> [Int] {
        var out = [Int](repeating: 0, count: s.count)
        var n = 0
        var spaces = 0
        for (i, u) in s.enumerated() {
            if isBreak(u) || u == "\t" {
                n += 1
                spaces = 0
            } else if u == " " {
                spaces += 1
                if spaces == 3 { n += 1 }
            } else {
                spaces = 0
            }
            out[i] = n
        }
        return out
    }

    static func isLetter(_ u: Unicode.Scalar) -> Bool {
        u.properties.isAlphabetic || u.properties.generalCategory == .nonspacingMark
    }

    static func words(_ s: [Unicode.Scalar]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start: Int? = nil
        for (i, u) in s.enumerated() {
            if isLetter(u) { if start == nil { start = i } } else if let b = start { out.append(b..<i); start = nil }
        }
        if let b = start { out.append(b..<s.count) }
        return out
    }

    static func isBreak(_ u: Unicode.Scalar) -> Bool {
        u == "\n" || u == "\r" || u == "\u{85}" || u == "\u{2028}" || u == "\u{2029}"
    }

    static func startsSentence(_ s: [Unicode.Scalar], at index: Int) -> Bool {
        var i = index - 1
        while i >= 0, !isBreak(s[i]) { i -= 1 }
        let before = String(String.UnicodeScalarView(s[(i + 1)..<index]))
        let lead = before.trimmingCharacters(in: .whitespaces)
        if !lead.isEmpty {
            // ". ủy" inside a line, or a list mark alone before the word ("-", "•", "a)", "II.").
            if let last = before.unicodeScalars.last, last == " " || last == "\t",
               let end = lead.unicodeScalars.last, ".!?".unicodeScalars.contains(end) { return true }
            return ["-", "+", "*", "•", "–"].contains(lead)
                || lead.range(of: #"^([0-9]+|[IVXLivxl]+|[a-zđ])[.)]$"#, options: .regularExpression) != nil
        }
        if i < 0 { return true }
        // The start of a line: the line before is blank, or ends a sentence or a clause of a list.
        var j = i
        if s[j] == "\n", j > 0, s[j - 1] == "\r" { j -= 1 }
        j -= 1
        while j >= 0, s[j] == " " || s[j] == "\t" { j -= 1 }
        if j < 0 || isBreak(s[j]) { return true }
        return ".!?:;".unicodeScalars.contains(s[j])
    }
}

/// The tables of rules/encodings/, loaded once per command.
public struct EncodingTables: Sendable {
    public var tables: [TextEncoding: ByteTable]

    public init(tables: [TextEncoding: ByteTable]) { self.tables = tables }

    /// No tables: UTF-8, UTF-16, Windows-1258 and mojibake are still read.
    public static let none = EncodingTables(tables: [:])

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// RULES/encodings/{tcvn3,vni,viscii}.tsv, those that are there (a rules folder without
    /// encodings/ reads the other encodings).
    public static func load(rulesDirectory: URL) throws -> EncodingTables {
        var out = EncodingTables.none
        let dir = rulesDirectory.appendingPathComponent("encodings")
        for encoding in TextEncoding.allCases {
            guard let name = encoding.tableName else { continue }
            let url = dir.appendingPathComponent(name + ".tsv")
            guard FileManager.default.fileExists(atPath: url.path) else { continue }
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw LoadError(description: "\(url.path): cannot be read as UTF-8 text")
            }
            let (table, problems) = ByteTable.parse(text, encoding: encoding)
            if let p = problems.first {
                throw LoadError(description: "\(url.path):\(p.line): \(p.message) (kehoach rules check lists every problem)")
            }
            out.tables[encoding] = table
        }
        return out
    }
}

/// How Vietnamese a decoding reads: words holding a letter beyond ASCII that are, or are not, one
/// Vietnamese syllable (Syllable.swift's phonotactics). ASCII words say nothing: every candidate
/// reads them alike.
struct VietnameseScore: Equatable {
    var valid = 0
    var invalid = 0

    init(valid: Int = 0, invalid: Int = 0) { self.valid = valid; self.invalid = invalid }

    init(_ text: String) {
        let text = Normalize.nfc(text)
        var word = String.UnicodeScalarView()
        var marked = false
        func end() {
            if marked {
                if Vietnamese.isValidSyllable(String(word).lowercased()) { valid += 1 } else { invalid += 1 }
            }
            word = String.UnicodeScalarView()
            marked = false
        }
        for u in text.unicodeScalars {
            if ByteTable.isLetter(u) {
                word.append(u)
                if u.value >= 0x80 { marked = true }
            } else if !word.isEmpty {
                end()
            }
        }
        end()
    }

    /// Enough to call the text Vietnamese: three such words, three in five of them syllables.
    var plausible: Bool { valid >= 3 && valid * 5 >= (valid + invalid) * 3 }

    var description: String { "\(valid) of \(valid + invalid) words with marks are Vietnamese syllables" }
}

/// Repairs UTF-8 that was read as Windows-1252 (or Windows-1258, or Latin-1) and written out again
/// as UTF-8: every character maps back to the byte it was read from, and those bytes are UTF-8.
enum Mojibake {
    /// Character → the byte Windows-1252, Windows-1258 or Latin-1 reads as it (they never disagree:
    /// Windows-1258 replaces some of Windows-1252's letters by its own, and Latin-1 differs from
    /// Windows-1252 only on 80–9F, as C1 controls).
    static let inverse: [UInt32: (byte: UInt8, windows1258: Bool)] = {
        var map: [UInt32: (byte: UInt8, windows1258: Bool)] = [:]
        for (converter, is1258) in [("windows-1252", false), ("windows-1258", true)] {
            for b in UInt8(0x80)...UInt8(0xFF) {
                guard let s = icuDecode(converter, [b]), s.unicodeScalars.count == 1, let u = s.unicodeScalars.first else { continue }
                if map[u.value] == nil { map[u.value] = (b, is1258) }
            }
        }
        for b in UInt8(0x80)...UInt8(0xFF) where map[UInt32(b)] == nil { map[UInt32(b)] = (b, false) }
        return map
    }()

    /// The bytes the text was read from, or the first character (and its UTF-8 offset) that no
    /// such reading gives.
    static func originalBytes(_ text: String) -> (bytes: [UInt8], windows1258: Bool, failure: (scalar: Unicode.Scalar, offset: Int)?) {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var via1258 = false
        var offset = 0
        for u in text.unicodeScalars {
            if u.value < 0x80 {
                out.append(UInt8(u.value))
            } else if let m = inverse[u.value] {
                out.append(m.byte)
                via1258 = via1258 || m.windows1258
            } else {
                return (out, via1258, (u, offset))
            }
            offset += UTF8.width(u)
        }
        return (out, via1258, nil)
    }

    /// The repaired text when the whole text is such mojibake of Vietnamese (repeated up to three
    /// times for text it happened to more than once); nil when it is not.
    static func repair(_ text: String) -> (text: String, evidence: String)? {
        guard text.unicodeScalars.contains(where: { $0.value >= 0x80 }) else { return nil }
        var current = text
        var rounds = 0
        var via1258 = false
        while rounds < 3, let next = unwrapOnce(current) {
            current = next.text
            via1258 = via1258 || next.windows1258
            rounds += 1
        }
        guard rounds > 0 else { return nil }
        let before = VietnameseScore(text)
        let after = VietnameseScore(current)
        // The characters mapping back, whole, to UTF-8 is the evidence (text written so never
        // does: "é" is followed by a letter, not by a byte UTF-8 continues with); the repaired text
        // must still read as Vietnamese, at least as well as the mojibake's fragments did by chance.
        guard after.valid >= 1, after.valid >= before.valid, after.valid * 5 >= (after.valid + after.invalid) * 3 else { return nil }
        let how = "UTF-8 read as \(via1258 ? "Windows-1258" : "Windows-1252") and saved again as UTF-8"
            + (rounds > 1 ? " (\(rounds) times)" : "")
        return (current, "\(how); repaired, \(after.description) (\(before.valid) before)")
    }

    static func unwrapOnce(_ text: String) -> (text: String, windows1258: Bool)? {
        let (bytes, via1258, failure) = originalBytes(text)
        guard failure == nil, bytes.contains(where: { $0 >= 0x80 }) else { return nil }
        let valid = bytes.withUnsafeBufferPointer { TextInput.firstInvalidUTF8($0) == nil }
        guard valid else { return nil }
        return (String(decoding: bytes, as: UTF8.self), via1258)
    }
}

/// Bytes in a charset ICU knows, or nil with the offset of the first byte the charset leaves undefined.
func icuDecode(_ converter: String, _ bytes: UnsafeBufferPointer<UInt8>) -> (text: String?, undefinedAt: Int?) {
    var outLength: Int32 = 0, error: Int32 = 0, errorOffset: Int32 = -1
    let out = bytes.withMemoryRebound(to: CChar.self) {
        kh_icu_decode(converter, $0.baseAddress, Int32($0.count), &outLength, &error, &errorOffset)
    }
    guard let out else { return (nil, errorOffset >= 0 ? Int(errorOffset) : 0) }
    defer { free(out) }
    let text = out.withMemoryRebound(to: UInt8.self, capacity: Int(outLength)) {
        String(decoding: UnsafeBufferPointer(start: $0, count: Int(outLength)), as: UTF8.self)
    }
    return (text, nil)
}

func icuDecode(_ converter: String, _ bytes: [UInt8]) -> String? {
    bytes.withUnsafeBufferPointer { icuDecode(converter, $0).text }
}
