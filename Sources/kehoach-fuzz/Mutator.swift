import Foundation

/// SplitMix64: small, fast, and the same numbers on every machine, so that a run is reproduced by
/// its seed and an input by (seed, index).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Scalars and byte strings that have broken text tools before: line endings of every kind, marks
/// without a letter, invisible characters, other scripts, what OCR reads for marked letters, and
/// byte sequences that are not UTF-8 (for the file-input path).
enum Specials {
    static let strings: [String] = [
        "\r", "\r\n", "\n\n", "\n\n\n", "\u{2028}", "\u{2029}", "\u{0085}", "\u{000B}", "\u{000C}", "\t",
        "\u{FEFF}", "\u{00A0}", "\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{200E}", "\u{200F}", "\u{202E}",
        "\u{0300}", "\u{0301}", "\u{0303}", "\u{0309}", "\u{0323}", "\u{0302}", "\u{0306}", "\u{031B}",
        "e\u{0323}\u{0302}", "o\u{031B}\u{0301}", "\u{0301}\u{0301}\u{0301}", "a\u{0300}\u{0301}\u{0302}\u{0303}",
        "\u{0000}", "\u{0001}", "\u{001B}", "\u{007F}", "\u{FFFD}", "\u{FFFF}", "\u{E000}", "\u{10FFFF}",
        "Кế hoạch", "計劃", "खंड", "ไทย", "مرحبا", "עברית", "한국어", "ǅ", "ﬁ", "Ⅻ", "①", "٣", "𝟗", "²",
        "👍🏽", "👨‍👩‍👧", "🇻🇳", "❤️", "ẞ", "İ", "ß", "Ω", "µ", "ŉ", "ΐ",
        "x4", "t&", "1a", "H6I", "KÉ HOẠCH", "QD-UBND", "16p", "|.", "(ki)", "t!", "chi)", "qui]",
        "co’", "ngu'oi", "‘thu’", "www.bhxh.gov.vn", "a@b.vn", "https://x.vn/a?b=c",
        "2025", "55.112", "3,36", "100%", "31/12/2025", "ngày 15 tháng 3 năm 2025", "Số: 12/KH-UBND",
        "((((((", "))))))", "[[[[", "]]]]", "\"\"\"", "…", "—", "–", "•", "·", "/", "\\", "&&&", "$$$", "|||",
        "Đ", "đ", "Ð", "ð", "Ư", "ư", "Ơ", "ơ", "ệ", "Ệ", "ậ", "ỹ", "Ỹ",
    ]

    /// Bytes that are not well-formed UTF-8: lone continuation, truncated sequences, overlongs,
    /// surrogates, beyond U+10FFFF.
    static let badBytes: [[UInt8]] = [
        [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE1, 0xBB], [0xE1], [0xF0, 0x9F, 0x91], [0xED, 0xA0, 0x80],
        [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0xFF, 0xFE],
        [0xEF, 0xBB, 0xBF], [0xE0, 0x80, 0xAF],
    ]

    /// What an English OCR model reads for Vietnamese letters: digits and symbols for marked vowels.
    static let letterSwaps: [(UInt8, [UInt8])] = [
        (UInt8(ascii: "a"), Array("4".utf8)), (UInt8(ascii: "e"), Array("6".utf8)), (UInt8(ascii: "o"), Array("0".utf8)),
        (UInt8(ascii: "i"), Array("1".utf8)), (UInt8(ascii: "l"), Array("|".utf8)), (UInt8(ascii: "s"), Array("$".utf8)),
        (UInt8(ascii: "e"), Array("&".utf8)), (UInt8(ascii: "c"), Array("¢".utf8)), (UInt8(ascii: "u"), Array("u'".utf8)),
        (UInt8(ascii: "D"), Array("P".utf8)), (UInt8(ascii: "o"), Array("©".utf8)), (UInt8(ascii: "a"), Array("@".utf8)),
    ]
}

/// Byte-level mutations of seed inputs.
struct Mutator {
    let seeds: [[UInt8]]

    /// The input numbered `index` of the run seeded `seed`: the same bytes on every machine.
    func input(seed: UInt64, index: Int) -> (bytes: [UInt8], how: [String]) {
        var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        _ = rng.next()
        var how: [String] = []
        var bytes: [UInt8]
        let whole = rng.chance(2)
        let source = seeds[rng.below(seeds.count)]
        if whole {
            bytes = source
            how.append("whole")
        } else {
            bytes = passage(of: source, &rng)
            how.append("passage")
        }
        let count = rng.chance(10) ? 0 : 1 + rng.below(rng.chance(20) ? 12 : 4)
        for _ in 0..<count {
            how.append(mutate(&bytes, &rng))
        }
        return (bytes, how)
    }

    /// A few lines (one to twelve) cut from a seed document, starting on a line boundary mostly.
    private func passage(of doc: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        guard !doc.isEmpty else { return doc }
        var lineStarts = [0]
        for (i, b) in doc.enumerated() where b == 0x0A && i + 1 < doc.count { lineStarts.append(i + 1) }
        let first = rng.below(lineStarts.count)
        let lines = 1 + rng.below(rng.chance(25) ? 12 : 4)
        let start = lineStarts[first]
        let end = first + lines < lineStarts.count ? lineStarts[first + lines] : doc.count
        var out = Array(doc[start..<end])
        if out.count > 4000 { out = Array(out[0..<4000]) }
        return out
    }

    /// A span of `b` that starts and ends on scalar boundaries (when `b` is UTF-8), so that cutting or
    /// copying it leaves the text well-formed.
    private func span(_ b: [UInt8], _ rng: inout SplitMix64, max: Int = 64) -> Range<Int> {
        guard !b.isEmpty else { return 0..<0 }
        let a = boundary(b, rng.below(b.count))
        let len = 1 + rng.below(Swift.min(max, b.count - a + 1))
        return a..<Swift.max(a, boundary(b, Swift.min(b.count, a + len)))
    }

    /// `i`, or the next offset that does not fall inside a UTF-8 sequence.
    private func boundary(_ b: [UInt8], _ i: Int) -> Int {
        var i = i
        while i < b.count, b[i] & 0xC0 == 0x80 { i += 1 }
        return i
    }

    private func place(_ b: [UInt8], _ rng: inout SplitMix64) -> Int { boundary(b, rng.below(b.count + 1)) }

    private func insertSpecial(_ b: inout [UInt8], _ rng: inout SplitMix64) -> String {
        b.insert(contentsOf: Array(rng.pick(Specials.strings).utf8), at: place(b, &rng))
        return "special"
    }

    /// One mutation, in place; its name for the report.
    private func mutate(_ b: inout [UInt8], _ rng: inout SplitMix64) -> String {
        // Byte-level damage (most of it breaks UTF-8, and the file path refuses it) is 4 in 20; the
        // rest keeps text valid, so that restoration and extraction see the odd text themselves.
        let table = [0, 1, 2, 9, 3, 3, 4, 5, 6, 6, 6, 6, 10, 10, 11, 12, 13, 13, 14, 14]
        switch table[rng.below(table.count)] {
        case 0:
            guard !b.isEmpty else { return insertSpecial(&b, &rng) }
            let i = rng.below(b.count)
            b[i] ^= UInt8(1 << rng.below(8))
            return "bitflip"
        case 1:
            guard !b.isEmpty else { return insertSpecial(&b, &rng) }
            b[rng.below(b.count)] = UInt8(truncatingIfNeeded: rng.next())
            return "byte"
        case 2:
            let n = 1 + rng.below(4)
            let at = rng.below(b.count + 1)
            b.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            return "insert-bytes"
        case 3:
            guard !b.isEmpty else { return insertSpecial(&b, &rng) }
            b.removeSubrange(span(b, &rng))
            return "delete"
        case 4:
            guard !b.isEmpty else { return insertSpecial(&b, &rng) }
            let r = span(b, &rng)
            let copy = Array(b[r])
            let times = rng.chance(10) ? 2 + rng.below(100) : 1
            b.insert(contentsOf: Array([[UInt8]](repeating: copy, count: times).joined()), at: place(b, &rng))
            return "duplicate"
        case 5:
            let other = seeds[rng.below(seeds.count)]
            let piece = passage(of: other, &rng)
            let cut = place(b, &rng)
            let from = place(piece, &rng)
            b = Array(b[0..<cut]) + Array(piece[from...])
            return "splice"
        case 6, 7, 8:
            return insertSpecial(&b, &rng)
        case 9:
            b.insert(contentsOf: rng.pick(Specials.badBytes), at: rng.below(b.count + 1))
            return "bad-utf8"
        case 10:
            let (from, to) = rng.pick(Specials.letterSwaps)
            var hits = b.indices.filter { b[$0] == from }
            guard !hits.isEmpty else { return "swap-none" }
            let n = 1 + rng.below(Swift.min(hits.count, 5))
            for _ in 0..<n {
                let k = rng.below(hits.count)
                let at = hits.remove(at: k)
                b.replaceSubrange(at...at, with: to)
                if to.count > 1 { hits = hits.map { $0 > at ? $0 + to.count - 1 : $0 } }
                if hits.isEmpty { break }
            }
            return "ocr-swap"
        case 11:
            // a very long line: a word or a span repeated without a break
            let unit: [UInt8] = rng.chance(50) || b.isEmpty ? Array(rng.pick(["hoạch", "x4", "a", "(", "1", "Đ", "kế hoạch ", "\u{0301}", "-", "."]).utf8)
                : Array(b[span(b, &rng, max: 16)])
            let times = 500 + rng.below(rng.chance(10) ? 20_000 : 3_000)
            var long: [UInt8] = []
            long.reserveCapacity(unit.count * times)
            while long.count < unit.count * times, long.count < 60_000 { long += unit }
            b.insert(contentsOf: long.filter { $0 != 0x0A }, at: place(b, &rng))
            return "long-line"
        case 12:
            // line endings changed throughout
            let to = rng.pick(["\r\n", "\r", "\u{2028}", "\u{0085}", "\n\n", ""])
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            for c in b { if c == 0x0A { out += Array(to.utf8) } else { out.append(c) } }
            b = out
            return "line-endings"
        case 14:
            // an ASCII letter or digit becomes another printable ASCII character: text stays UTF-8
            let ascii = b.indices.filter { b[$0] >= 0x30 && b[$0] < 0x7F }
            guard !ascii.isEmpty else { return insertSpecial(&b, &rng) }
            b[ascii[rng.below(ascii.count)]] = UInt8(0x20 + rng.below(0x5F))
            return "ascii"
        default:
            // case or decomposition of a span
            guard !b.isEmpty else { return "case-none" }
            let r = span(b, &rng, max: 200)
            let text = String(decoding: b[r], as: UTF8.self)
            let changed: String
            switch rng.below(3) {
            case 0: changed = text.uppercased()
            case 1: changed = text.lowercased()
            default: changed = text.decomposedStringWithCanonicalMapping
            }
            b.replaceSubrange(r, with: Array(changed.utf8))
            return "recase"
        }
    }
}
