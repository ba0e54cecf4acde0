import Foundation

/// A text folded for matching (lower case, no diacritics, đ → d, Markdown emphasis marks and
/// typographic dashes made plain) together with the way back: every byte offset in the folded
/// text maps to a byte offset in the original, so a match found on folded text can be reported
/// with the original spelling and line.
public struct FoldedText: Sendable {
    public let original: String
    public let folded: String
    /// folded byte offset → original byte offset; one entry more than folded has bytes.
    let toOriginal: [Int]
    /// Byte offset in the original where each line starts.
    let lineStarts: [Int]

    public init(_ text: String) {
        original = text
        var bytes: [UInt8] = []
        var map: [Int] = []
        var starts = [0]
        // From the UTF-8 bytes, the table fetched once (each reach of a global costs a call), in two
        // passes: the folded length, then the bytes and the map written in place (appending to
        // arrays a closure captures costs a call per byte).
        let table = Fold.table
        var copy = text
        copy.withUTF8 { source in
            let n = source.count
            var total = 0, offset = 0
            while offset < n {
                let c = source[offset]
                if c < 0x80 { total += 1; offset += 1; continue }
                let (v, length) = utf8Scalar(source, at: offset)
                total += v < Fold.Table.limit ? Int(table.spans[v] & 7) : length
                offset += length
            }
            map = [Int](unsafeUninitializedCapacity: total + 1) { mapOut, mapCount in
                bytes = [UInt8](unsafeUninitializedCapacity: total) { out, count in
                    var o = 0
                    offset = 0
                    while offset < n {
                        let c = source[offset]
                        if c < 0x80 {
                            if c == 0x0A { starts.append(offset + 1) }
                            out[o] = Fold.ascii(c)
                            mapOut[o] = offset
                            o += 1
                            offset += 1
                            continue
                        }
                        let (v, length) = utf8Scalar(source, at: offset)
                        if v < Fold.Table.limit {
                            let span = Int(table.spans[v])
                            for k in 0..<(span & 7) { out[o] = table.bytes[(span >> 3) + k]; mapOut[o] = offset; o += 1 }
                        } else {
                            for k in 0..<length { out[o] = source[offset + k]; mapOut[o] = offset; o += 1 }
                        }
                        offset += length
                    }
                    count = o
                }
                mapOut[total] = n
                mapCount = total + 1
            }
        }
        folded = String(decoding: bytes, as: UTF8.self)
        toOriginal = map
        lineStarts = starts
    }

    /// Original byte range of a folded byte range.
    public func originalRange(_ r: Range<Int>) -> Range<Int> { toOriginal[r.lowerBound]..<toOriginal[r.upperBound] }

    /// The folded byte offset where 0-based line `lineStart` begins (the end when there are fewer lines).
    func toOriginalInverse(lineStart: Int) -> Int {
        guard lineStart < lineStarts.count else { return toOriginal.count - 1 }
        let target = lineStarts[lineStart]
        var lo = 0, hi = toOriginal.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if toOriginal[mid] < target { lo = mid + 1 } else { hi = mid }
        }
        // stay on a UTF-8 boundary of the folded text
        let bytes = folded.utf8
        var i = lo
        while i > 0, i < bytes.count, bytes[bytes.index(bytes.startIndex, offsetBy: i)] & 0xC0 == 0x80 { i -= 1 }
        return i
    }

    /// Original text of a folded byte range.
    public func text(_ r: Range<Int>) -> String { Pattern.substring(original, originalRange(r)) }

    /// 1-based line of an original byte offset.
    public func line(ofOriginal offset: Int) -> Int { lineNumber(of: offset, lineStarts: lineStarts) }

    /// 1-based line of a folded byte offset.
    public func line(ofFolded offset: Int) -> Int { line(ofOriginal: toOriginal[offset]) }

    /// Folded text of a folded byte range.
    public func foldedText(_ r: Range<Int>) -> String { Pattern.substring(folded, r) }
}

/// 1-based line holding `offset`, from the ascending offsets where lines start (the first being 0),
/// in whatever unit they count (bytes, scalars).
func lineNumber(of offset: Int, lineStarts: [Int]) -> Int {
    var lo = 0, hi = lineStarts.count - 1
    while lo < hi {
        let mid = (lo + hi + 1) / 2
        if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
    }
    return lo + 1
}

/// Folding of single characters, computed once through ICU for the Latin ranges.
enum Fold {
    /// The folded bytes of every scalar below `Table.limit`, side by side; a scalar's slice is
    /// found through `spans` (offset << 3 | length), so folding a character allocates nothing.
    struct Table: Sendable {
        static let limit = 0x2213
        let bytes: [UInt8]
        let spans: [UInt32]
    }

    static let table: Table = {
        var map: [UInt32: [UInt8]] = [:]
        for v in Array(0x80...0x24F) + Array(0x1E00...0x1EFF) {
            guard let s = Unicode.Scalar(v) else { continue }
            map[UInt32(v)] = Array(Normalize.fold(String(s)).utf8)
        }
        for (v, r) in [(0x2013, "-"), (0x2014, "-"), (0x2012, "-"), (0x2212, "-"), (0x201C, "\""), (0x201D, "\""),
                       (0x2018, "'"), (0x2019, "'"), (0xA0, " "), (0x2026, "."), (0x200B, "")] {
            map[UInt32(v)] = Array(r.utf8)
        }
        var bytes: [UInt8] = []
        var spans = [UInt32](repeating: 0, count: Table.limit)
        for v in 0x80..<Table.limit {
            let folded: [UInt8]
            if let m = map[UInt32(v)] { folded = m }
            else if (0x300...0x36F).contains(v) { folded = [] }
            else if let s = Unicode.Scalar(v) { folded = Array(String(s).utf8) }
            else { continue }
            precondition(folded.count < 8, "a folded character fits its span")
            spans[v] = UInt32(bytes.count) << 3 | UInt32(folded.count)
            bytes += folded
        }
        return Table(bytes: bytes, spans: spans)
    }()

    /// Appends the folded bytes of one scalar: ASCII lower-cased with Markdown marks, tabs and
    /// carriage returns made spaces; other Latin letters through the table.
    @inline(__always)
    static func append(_ scalar: Unicode.Scalar, to bytes: inout [UInt8], table: Table) {
        let v = Int(scalar.value)
        if v < 0x80 {
            bytes.append(ascii(UInt8(v)))
        } else if v < Table.limit {
            let span = Int(table.spans[v])
            let start = span >> 3
            bytes.append(contentsOf: table.bytes[start..<(start + (span & 7))])
        } else {
            bytes.append(contentsOf: String(scalar).utf8)
        }
    }

    /// An ASCII byte folded: lower case, Markdown marks, tabs and carriage returns made spaces.
    @inline(__always)
    static func ascii(_ c: UInt8) -> UInt8 {
        switch c {
        case 0x41...0x5A: return c + 0x20
        case UInt8(ascii: "*"), UInt8(ascii: "\\"), UInt8(ascii: "#"), UInt8(ascii: "`"), UInt8(ascii: "\t"), UInt8(ascii: "\r"): return 0x20
        default: return c
        }
    }

    /// Folds a short string (vocabulary entries, names) the same way FoldedText folds documents.
    static func string(_ s: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        let table = Fold.table
        for scalar in s.unicodeScalars { append(scalar, to: &bytes, table: table) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
