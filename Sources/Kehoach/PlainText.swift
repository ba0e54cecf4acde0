// Character-by-Character work on strings (splitting, filtering) is slow in Swift: every step
// finds a grapheme's end. Most text is "plain": each Character is one scalar that joins no
// neighbour (no combining mark, joiner or "\r\n"). On plain text the same work is done on scalars
// or bytes with the same result, and the Character way is kept for the rest.

extension Substring {
    /// Whether every Character is one scalar: no carriage return and no scalar that may join a
    /// neighbour into one grapheme.
    var isPlain: Bool {
        utf8.withContiguousStorageIfAvailable { b in
            for i in b.indices {
                let c = b[i]
                if c == 0x0D || c >= 0xC0 && !standsAlone(b, i) { return false }
            }
            return true
        } ?? false
    }

    /// `split(separator: separator, omittingEmptySubsequences: false)` for " " or "\n", cut on
    /// bytes when the Characters are the same ("\r\n" is one Character, not a line feed; a space
    /// may carry a combining mark).
    func pieces(separatedBy separator: Character) -> [Substring] {
        precondition(separator == " " || separator == "\n")
        let sep = separator.asciiValue!
        let cuts: [Int]? = utf8.withContiguousStorageIfAvailable { b in
            var cuts: [Int] = []
            for i in b.indices {
                let c = b[i]
                if c == sep {
                    if sep == 0x20 || i == 0 || b[i - 1] != 0x0D { cuts.append(i) }
                } else if sep == 0x20 && c >= 0xC0 && !standsAlone(b, i) {
                    return nil
                }
            }
            return cuts
        } ?? nil
        guard let cuts else { return split(separator: separator, omittingEmptySubsequences: false) }
        var out: [Substring] = []
        out.reserveCapacity(cuts.count + 1)
        let u = utf8
        var from = u.startIndex
        var at = 0
        for cut in cuts {
            let to = u.index(from, offsetBy: cut - at)
            out.append(Substring(u[from..<to]))
            from = u.index(after: to)
            at = cut + 1
        }
        out.append(Substring(u[from...]))
        return out
    }

    /// The pieces between scalars that pass `isSeparator`, empty ones left out: on plain text,
    /// what `split(whereSeparator:)` gives for the same test of each Character. Nil on other text.
    func plainSplit(whereSeparator isSeparator: (Unicode.Scalar) -> Bool) -> [Substring]? {
        guard isPlain else { return nil }
        var out: [Substring] = []
        let scalars = unicodeScalars
        var start: String.Index?
        var i = scalars.startIndex
        while i < scalars.endIndex {
            if isSeparator(scalars[i]) {
                if let s = start { out.append(Substring(scalars[s..<i])); start = nil }
            } else if start == nil {
                start = i
            }
            i = scalars.index(after: i)
        }
        if let s = start { out.append(Substring(scalars[s...])) }
        return out
    }

    /// `plainSplit(whereSeparator:)` joined with single spaces, built without the pieces.
    func plainJoined(whereSeparator isSeparator: (Unicode.Scalar) -> Bool) -> String? {
        guard isPlain else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var gap = false
        for u in unicodeScalars {
            if isSeparator(u) {
                gap = !out.isEmpty
                continue
            }
            if gap { out.append(0x20); gap = false }
            UTF8.encode(u) { out.append($0) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The scalars that pass `isIncluded`: on plain text, what `filter` gives for the same test
    /// of each Character. Nil on other text.
    func plainFilter(_ isIncluded: (Unicode.Scalar) -> Bool) -> String? {
        guard isPlain else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        for u in unicodeScalars where isIncluded(u) { UTF8.encode(u) { out.append($0) } }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// The UTF-8 offset where `range(of: needle)` (Foundation's, which compares characters, not
    /// bytes) finds an ASCII needle; on plain text, found among the bytes.
    func firstOffset(of needle: String) -> Int? {
        let n = Array(needle.utf8)
        if isPlain, !n.isEmpty, n.allSatisfy({ $0 < 0x80 }), let found = utf8.withContiguousStorageIfAvailable({ b -> Int? in
            guard b.count >= n.count else { return nil }
            outer: for i in 0...(b.count - n.count) where b[i] == n[0] {
                for k in 1..<n.count where b[i + k] != n[k] { continue outer }
                return i
            }
            return nil
        }) {
            return found
        }
        return range(of: needle).map { utf8.distance(from: utf8.startIndex, to: $0.lowerBound) }
    }

    var isPlain: Bool { self[...].isPlain }
    func pieces(separatedBy separator: Character) -> [Substring] { self[...].pieces(separatedBy: separator) }
    func plainSplit(whereSeparator isSeparator: (Unicode.Scalar) -> Bool) -> [Substring]? { self[...].plainSplit(whereSeparator: isSeparator) }
    func plainFilter(_ isIncluded: (Unicode.Scalar) -> Bool) -> String? { self[...].plainFilter(isIncluded) }
    func plainJoined(whereSeparator isSeparator: (Unicode.Scalar) -> Bool) -> String? { self[...].plainJoined(whereSeparator: isSeparator) }
}

extension Unicode.Scalar {
    // Character's isWhitespace, isLetter and isNumber look at a Character's first scalar only;
    // these are the same tests of the Character that is this scalar alone, ASCII told directly.

    var isWhitespaceCharacter: Bool {
        // Unicode's White_Space, listed (the property look-up is a search of its own).
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
    var isLetterCharacter: Bool {
        value < 0x80 ? (0x61...0x7A).contains(value | 0x20) : value < 0x2000 ? alphabeticBelow2000[Int(value)] : properties.isAlphabetic
    }
    var isNumberCharacter: Bool { value < 0x80 ? (0x30...0x39).contains(value) : properties.numericType != nil }

    /// Unicode's Uppercase and Cased properties: ASCII by arithmetic, the rest below U+2000 from a
    /// table (restoration asks them of every letter; the property look-up is a search of its own, and
    /// reaching a global table costs a call each time).
    var isUppercaseLetter: Bool {
        value < 0x80 ? value &- 0x41 < 26 : value < 0x2000 ? scalarFlagsBelow2000[Int(value)] & uppercaseFlag != 0 : properties.isUppercase
    }
    var isCasedLetter: Bool {
        value < 0x80 ? (value | 0x20) &- 0x61 < 26 : value < 0x2000 ? scalarFlagsBelow2000[Int(value)] & casedFlag != 0 : properties.isCased
    }
}

/// The Alphabetic property of the scalars below U+2000 (Latin and Vietnamese letters among them), looked up once.
private let alphabeticBelow2000: [Bool] = (0..<0x2000).map { Unicode.Scalar(UInt32($0))?.properties.isAlphabetic ?? false }
private let uppercaseFlag: UInt8 = 1, casedFlag: UInt8 = 2
private let scalarFlagsBelow2000: [UInt8] = (0..<0x2000).map {
    guard let s = Unicode.Scalar(UInt32($0)) else { return 0 }
    return (s.properties.isUppercase ? uppercaseFlag : 0) | (s.properties.isCased ? casedFlag : 0)
}

/// The length in bytes of the UTF-8 sequence whose lead byte (≥ 0xC0) is `lead`.
@inline(__always)
func utf8Length(lead: UInt8) -> Int { lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2 }

/// The scalar value whose UTF-8 starts at `bytes[i]` (a lead byte ≥ 0xC0 of valid UTF-8, the whole
/// sequence inside `bytes`) and its length: decoded by hand where scanning bytes meets a non-ASCII
/// scalar, without making a String.
@inline(__always)
func utf8Scalar<Bytes: RandomAccessCollection>(_ bytes: Bytes, at i: Int) -> (value: Int, length: Int)
where Bytes.Element == UInt8, Bytes.Index == Int {
    let lead = bytes[i]
    let length = utf8Length(lead: lead)
    var v = Int(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
    for k in 1..<length { v = v << 6 | Int(bytes[i + k] & 0x3F) }
    return (v, length)
}

/// Whether the scalar whose UTF-8 starts at `b[i]` never joins a neighbour into one grapheme: a
/// letter with its case, a digit, a currency or math sign, punctuation, a space. Marks, joiners
/// and the letters of scripts that combine may. U+0080–02FF and U+1E00–1EFF (Vietnamese) are
/// known without decoding.
private func standsAlone(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
    let c = b[i]
    if c < 0xCC { return true }
    if c == 0xE1, i + 1 < b.count, (0xB8...0xBB).contains(b[i + 1]) { return true }
    guard i + utf8Length(lead: c) <= b.count, let u = Unicode.Scalar(UInt32(utf8Scalar(b, at: i).value)) else { return false }
    switch u.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .decimalNumber, .letterNumber, .otherNumber,
         .currencySymbol, .mathSymbol, .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation, .spaceSeparator:
        return true
    default:
        return false
    }
}

extension StringProtocol {
    /// Whether `needle` occurs in this text, compared byte for byte (both NFC): a plain byte scan
    /// (Foundation's search and the standard library's generic one cost ten times more in the
    /// extractor's loops, where the texts are short and the needles a few bytes).
    func containsBytes(_ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { n in
            guard let first = n.first else { return true }
            let found = utf8.withContiguousStorageIfAvailable { h -> Bool in
                guard h.count >= n.count else { return false }
                var i = 0
                let last = h.count - n.count
                while i <= last {
                    if h[i] == first {
                        var k = 1
                        while k < n.count, h[i + k] == n[k] { k += 1 }
                        if k == n.count { return true }
                    }
                    i += 1
                }
                return false
            }
            return found ?? String(self).utf8.elementsEqualSearch(n)
        }
    }
}

extension String.UTF8View {
    /// The slow path of `containsBytes`, for text without contiguous storage (bridged strings).
    fileprivate func elementsEqualSearch(_ n: UnsafeBufferPointer<UInt8>) -> Bool {
        let h = Array(self)
        guard h.count >= n.count else { return false }
        for i in 0...(h.count - n.count) where h[i] == n[0] {
            if (0..<n.count).allSatisfy({ h[i + $0] == n[$0] }) { return true }
        }
        return false
    }
}
