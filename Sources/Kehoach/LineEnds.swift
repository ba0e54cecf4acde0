/// The line endings of a text, taken out so that every stage sees only "\n", and put back on output.
///
/// Restoration and extraction cut lines at "\n"; Swift reads "\r\n" as one Character, so CRLF text
/// cut that way would be one line, and a file with lone CRs (old Mac exports) all line 1. Each
/// ending is one of CRLF, CR, LF, NEL (U+0085), LINE SEPARATOR (U+2028) or PARAGRAPH SEPARATOR
/// (U+2029); mixed endings are kept line by line. Form feed and vertical tab are not line ends
/// (editors and grep count them inside a line), so they stay where they are.
public struct LineEnds: Equatable, Sendable {
    /// The ending of each line, in order, as its UTF-8 bytes; empty when every ending is "\n".
    private let ends: [Ending]

    private enum Ending: UInt8, Sendable {
        case lf, crlf, cr, nextLine, lineSeparator, paragraphSeparator

        var bytes: [UInt8] {
            switch self {
            case .lf: return [0x0A]
            case .crlf: return [0x0D, 0x0A]
            case .cr: return [0x0D]
            case .nextLine: return [0xC2, 0x85]
            case .lineSeparator: return [0xE2, 0x80, 0xA8]
            case .paragraphSeparator: return [0xE2, 0x80, 0xA9]
            }
        }
    }

    /// Whether every line ends with "\n" (or the text has no line end at all).
    public var areAllLF: Bool { ends.isEmpty }

    /// `text` with every line ending made "\n", and the endings it had.
    public static func split(_ text: String) -> (text: String, ends: LineEnds) {
        guard hasOtherEnds(text) else { return (text, LineEnds(ends: [])) }
        var copy = text
        return copy.withUTF8 { b in
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var ends: [Ending] = []
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                var ending: Ending?
                var length = 1
                if c == 0x0A {
                    ending = .lf
                } else if c == 0x0D {
                    if i + 1 < n, b[i + 1] == 0x0A { ending = .crlf; length = 2 } else { ending = .cr }
                } else if c == 0xC2, i + 1 < n, b[i + 1] == 0x85 {
                    ending = .nextLine; length = 2
                } else if c == 0xE2, i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 {
                    ending = b[i + 2] == 0xA8 ? .lineSeparator : .paragraphSeparator; length = 3
                }
                if let ending {
                    ends.append(ending)
                    out.append(0x0A)
                } else {
                    out.append(contentsOf: b[i..<(i + length)])
                }
                i += length
            }
            return (String(decoding: out, as: UTF8.self), LineEnds(ends: ends))
        }
    }

    /// `text` with only "\n" endings: what restoration and extraction work on.
    public static func lf(_ text: String) -> String { split(text).text }

    /// Puts the endings back into `text`, which must have as many "\n" as the text they were taken
    /// from (restoration changes words only). Returned unchanged when the counts differ.
    public func applied(to text: String) -> String {
        guard !ends.isEmpty else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + ends.count)
        var k = 0
        for b in text.utf8 {
            guard b == 0x0A else { bytes.append(b); continue }
            guard k < ends.count else { return text }
            bytes.append(contentsOf: ends[k].bytes)
            k += 1
        }
        return k == ends.count ? String(decoding: bytes, as: UTF8.self) : text
    }

    /// A byte scan for CR, NEL (C2 85) and U+2028/2029 (E2 80 A8/A9): most text has none and is
    /// passed on as it is.
    static func hasOtherEnds(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { b in
            var i = 0
            let n = b.count
            while i < n {
                let c = b[i]
                if c == 0x0D { return true }
                if c == 0xC2, i + 1 < n, b[i + 1] == 0x85 { return true }
                if c == 0xE2, i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0xA8 || b[i + 2] == 0xA9 { return true }
                i += 1
            }
            return false
        }
    }
}
