/// Splits text into the pieces restoration works on, keeping every character so that the output
/// can be rebuilt exactly: words (runs of letters, with the digits and symbols OCR puts in place of
/// marked letters: "x4" xã, "t&" tế, "1a" là), numbers ("55.112", "3,36"), punctuation, spaces and
/// line breaks.
public struct Piece: Equatable, Sendable {
    public enum Kind: UInt8, Sendable { case word, number, punctuation, space, newline }
    public let kind: Kind
    /// Range in the scalar array the piece was cut from.
    public let start: Int
    public let end: Int
}

public enum Tokenizer {
    /// An apostrophe right after u or o is the OCR's reading of a horn ("co’ quan" cơ quan,
    /// "ngu’oi" người), part of the word; the restorer gives it back when the word keeps no horn.
    @inline(__always)
    static func isApostrophe(_ s: Unicode.Scalar) -> Bool { s == "\u{2019}" || s == "\u{2018}" || s == "'" }

    @inline(__always)
    static func hornReading(_ text: [Unicode.Scalar], _ start: Int, _ j: Int) -> Bool {
        guard j > start, isApostrophe(text[j]) else { return false }
        let before = text[j - 1]
        return before == "u" || before == "o" || before == "U" || before == "O"
    }

    /// Symbols Tesseract's English model reads for Vietnamese letters; inside a word they are letters.
    @inline(__always)
    static func isLetterLike(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "&", "$", "@", "{", "}", "|", "¢", "€", "£", "¥", "©", "®", "°", "§", "«", "»": return true
        default: return false
        }
    }

    @inline(__always)
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        s.isLetterCharacter
    }

    /// A mark NFC could not join to its letter ("đ" + U+0301): part of the word it follows, so
    /// that a restored word never ends before it.
    @inline(__always)
    static func isCombiningMark(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x300 && (0x300...0x36F ~= s.value || s.properties.generalCategory == .nonspacingMark
            || s.properties.generalCategory == .spacingMark || s.properties.generalCategory == .enclosingMark)
    }

    /// A letter of a script other than Latin (CJK, Cyrillic, Greek, Thai…): a word holding one is
    /// not OCR'd Vietnamese and is kept as written.
    static func isOtherScriptLetter(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        // Below U+0370: ASCII, Latin-1 and Latin Extended-A/B, IPA; then the other Latin blocks
        // (Vietnamese's precomposed letters in U+1E00–1EFF, the ligature ﬁ OCR writes, full-width Latin).
        if v < 0x370 || 0x1E00...0x1EFF ~= v || 0x2C60...0x2C7F ~= v || 0xA720...0xA7FF ~= v || 0xAB30...0xAB6F ~= v
            || 0xFB00...0xFB06 ~= v || 0xFF21...0xFF3A ~= v || 0xFF41...0xFF5A ~= v { return false }
        return s.isLetterCharacter
    }

    @inline(__always)
    static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }

    @inline(__always)
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        if s.value < 0x80 { return s == " " || s == "\t" || s == "\r" || s.value == 0x0B || s.value == 0x0C }
        return s.value == 0xA0 || (s.value >= 0x2000 && s.properties.isWhitespace)
    }

    public static func pieces(_ text: [Unicode.Scalar]) -> [Piece] {
        var out: [Piece] = []
        out.reserveCapacity(text.count / 3)
        var i = 0
        let n = text.count
        while i < n {
            let s = text[i]
            if s == "\n" {
                out.append(Piece(kind: .newline, start: i, end: i + 1)); i += 1; continue
            }
            if isSpace(s) {
                var j = i + 1
                while j < n, text[j] != "\n", isSpace(text[j]) { j += 1 }
                out.append(Piece(kind: .space, start: i, end: j)); i = j; continue
            }
            if isLetter(s) || isDigit(s) || isLetterLike(s) {
                var j = i
                var letters = 0
                while j < n, isLetter(text[j]) || isDigit(text[j]) || isLetterLike(text[j]) || hornReading(text, i, j)
                        || (j > i && isCombiningMark(text[j])) {
                    // "TB&XH", "GD&ĐT": an ampersand between capitals joins two abbreviations.
                    if text[j] == "&", j > i, j + 1 < n, text[j - 1].isUppercaseLetter, text[j + 1].isUppercaseLetter { break }
                    if isLetter(text[j]) { letters += 1 }
                    j += 1
                }
                if letters == 0 {
                    cutNumbersAndSymbols(text, i, j, into: &out)
                } else {
                    j = markReadAsSymbol(text, i, j)
                    cutWord(text, i, j, into: &out)
                }
                i = j
                continue
            }
            out.append(Piece(kind: .punctuation, start: i, end: i + 1)); i += 1
        }
        return out
    }

    /// End of the word `start..<end` with the closing symbols after it that stand for a marked
    /// vowel ("t!" tế, "chi)" chỉ, "qui]" quả: Times-like faces read a mark above as "!", ")" or "]").
    /// Only after a short lower-case word that is not the first of its line and before a space or
    /// punctuation, never before a capital ("là a) Quyết định": an item's letter), never where the
    /// symbol may close a bracket opened in the 400 scalars before (a parenthesis runs over lines)
    /// unless a later one on its line does, and not as a ")" that ends its line.
    static func markReadAsSymbol(_ text: [Unicode.Scalar], _ start: Int, _ end: Int) -> Int {
        var j = end
        while j < text.count, j - end < 2, text[j] == ")" || text[j] == "]" || text[j] == "!" { j += 1 }
        // a letter alone before ")" or "]" numbers an item mid-line too ("gồm: a) tuyên truyền; b) …"),
        // unless it is past the letters items use ("t)" is tế)
        guard end < text.count else { return end }
        if end - start == 1, text[end] != "!", !"qrstuvxy".unicodeScalars.contains(text[start]) { return end }
        guard j > end, end - start <= 3, j == text.count || isSpace(text[j]) || text[j] == "\n" || text[j] == "," || text[j] == "." || text[j] == ";",
              text[start..<end].allSatisfy({ $0.isCasedLetter && !$0.isUppercaseLetter }) else { return end }
        var next = j
        while next < text.count, isSpace(text[next]) { next += 1 }
        if next < text.count, text[next].isUppercaseLetter { return end }
        // a parenthesis that ends its line closes what the lines before opened
        if text[j - 1] == ")", next == text.count || text[next] == "\n" { return end }
        var wordBefore = false
        var k = start - 1
        while k >= 0, text[k] != "\n" { if isLetter(text[k]) { wordBefore = true; break }; k -= 1 }
        guard wordBefore else { return end }
        var closes = 0
        k = start - 1
        while k >= max(0, start - 400) {
            if text[k] == ")" || text[k] == "]" { closes += 1 }
            if text[k] == "(" || text[k] == "[" {
                if closes == 0 { return closedLater(text, j, opener: text[k]) ? j : end }
                closes -= 1
            }
            k -= 1
        }
        return j
    }

    /// Whether a "(" or "[" opened in the 400 scalars before `start` is still open there: a ")"
    /// or "]" after `start` may then close it rather than stand for a mark.
    static func bracketOpen(_ text: [Unicode.Scalar], before start: Int) -> Bool {
        var closes = 0
        var k = start - 1
        while k >= max(0, start - 400) {
            if text[k] == ")" || text[k] == "]" { closes += 1 }
            if text[k] == "(" || text[k] == "[" {
                if closes == 0 { return true }
                closes -= 1
            }
            k -= 1
        }
        return false
    }

    /// Whether a bracket opened before is closed after `from` on the same line, before another opens:
    /// "(ki) hoạch giao 2.400 người)" — the ")" glued to "ki" is then not the one that closes it.
    static func closedLater(_ text: [Unicode.Scalar], _ from: Int, opener: Unicode.Scalar) -> Bool {
        let closer: Unicode.Scalar = opener == "(" ? ")" : "]"
        var k = from
        while k < text.count, text[k] != "\n", text[k] != opener {
            if text[k] == closer { return true }
            k += 1
        }
        return false
    }

    /// A run with letters: a leading number of two or more digits is its own piece ("2025ngay"),
    /// unless what follows has no vowel: every Vietnamese syllable has one, so there the digits
    /// are the OCR's reading of letters ("16p" lớp, "16ng" lồng). A trailing letter-like symbol
    /// that follows a plain word is punctuation ("BHYT|").
    static func cutWord(_ text: [Unicode.Scalar], _ start: Int, _ end: Int, into out: inout [Piece]) {
        var i = start
        var digits = 0
        while i < end, isDigit(text[i]) { digits += 1; i += 1 }
        if digits >= 2, text[i..<end].contains(where: isVowel) {
            cutNumbersAndSymbols(text, start, i, into: &out)
        } else {
            i = start
        }
        var lead = i
        while lead < end, isLetterLike(text[lead]), text[lead] != "|" { lead += 1 }
        if lead > i { cutNumbersAndSymbols(text, i, lead, into: &out) }
        if lead < end { out.append(Piece(kind: .word, start: lead, end: end)) }
    }

    /// Whether `s` is a Vietnamese vowel letter, marked or not, in either case.
    static func isVowel(_ s: Unicode.Scalar) -> Bool {
        Vietnamese.isVowel(s) || s.properties.lowercaseMapping.unicodeScalars.first.map(Vietnamese.isVowel) == true
    }

    /// Digit runs are numbers ("55.112" is number, ".", number: restoration never touches them);
    /// symbols are punctuation.
    static func cutNumbersAndSymbols(_ text: [Unicode.Scalar], _ start: Int, _ end: Int, into out: inout [Piece]) {
        var i = start
        while i < end {
            if isDigit(text[i]) {
                var j = i
                while j < end, isDigit(text[j]) { j += 1 }
                out.append(Piece(kind: .number, start: i, end: j))
                i = j
            } else {
                out.append(Piece(kind: .punctuation, start: i, end: i + 1))
                i += 1
            }
        }
    }
}
