extension Substring {
    /// `split(separator: separator, omittingEmptySubsequences: false)` for " " or "\n", cut on
    /// bytes rather than found Character by Character, with the same pieces: "\r\n" is one
    /// Character, not a line feed; text with a character that may join a space into one grapheme
    /// (a combining mark, a joiner) takes the Character way.
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
}

extension String {
    func pieces(separatedBy separator: Character) -> [Substring] { self[...].pieces(separatedBy: separator) }
}

/// Whether the scalar whose UTF-8 starts at `b[i]` never joins a space into one grapheme: a
/// letter with its case, a digit, a currency or math sign, punctuation, a space. Marks, joiners
/// and the letters of scripts that combine may. U+0080–02FF and U+1E00–1EFF (Vietnamese) are
/// known without decoding.
private func standsAlone(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
    let c = b[i]
    if c < 0xCC { return true }
    if c == 0xE1, i + 1 < b.count, (0xB8...0xBB).contains(b[i + 1]) { return true }
    let length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2
    guard i + length <= b.count, let u = String(decoding: UnsafeBufferPointer(rebasing: b[i..<(i + length)]), as: UTF8.self).unicodeScalars.first
    else { return false }
    switch u.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .decimalNumber, .letterNumber, .otherNumber,
         .currencySymbol, .mathSymbol, .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
         .initialPunctuation, .finalPunctuation, .otherPunctuation, .spaceSeparator:
        return true
    default:
        return false
    }
}
