import CNgramSearch
import Foundation

/// A syllable trigram language model with interpolated Kneser–Ney smoothing, precomputed into
/// log probabilities and loaded from one binary file (`rules/restore/ngrams.bin`).
///
/// Tokens are lower-case syllables in canonical tone placement, `<num>` for numbers, punctuation
/// marks as themselves, `</s>` at paragraph edges and `<unk>` for what the training text had too
/// rarely. The file is derived from clean text by `kehoach rules build-lm` (see rules/README.md).
public final class LanguageModel: @unchecked Sendable {
    public static let boundary: Int32 = 0
    public static let unknown: Int32 = 1
    public static let number: Int32 = 2
    static let magic: [UInt8] = Array("KHLM0003".utf8)

    public let words: [String]
    /// The usual written form of tokens that are not plain syllables ("UBND", "QĐ", "VssID").
    public let surfaces: [String?]
    public let counts: [UInt32]
    /// ln of the number of tokens the model was counted from (for `rarity`).
    let logTotal: Float
    public let bigramCount: Int
    public let trigramCount: Int
    public let ids: [String: Int32]
    /// The probability tables, as raw memory for the decoder's inner loop (no retain, release or
    /// bounds check per look-up). Bigrams are sorted by (v, w), so the ones after v form a run;
    /// trigrams are sorted by (u, v, w), and each context's run is found through its bigram entry.
    let raw: RawTables

    init(words: [String], surfaces: [String?], counts: [UInt32], logP1: [Float], logGamma1: [Float],
         bigramKeys: [UInt64], bigramLogP: [Float], bigramGamma: [Float], trigramKeys: [UInt64], trigramLogP: [Float]) {
        self.words = words
        self.surfaces = surfaces
        self.counts = counts
        logTotal = log(Float(counts.reduce(0) { $0 + Int($1) }))
        let v = words.count
        var start = [Int32](repeating: 0, count: v + 1)
        for k in bigramKeys { start[Int(k >> 32) + 1] += 1 }
        for i in 0..<v { start[i + 1] += start[i] }
        let biW = bigramKeys.map { Int32(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
        let triW = trigramKeys.map { Int32(truncatingIfNeeded: $0 & ((1 << 21) - 1)) }
        bigramCount = biW.count
        trigramCount = triW.count
        var triStart = [Int32](repeating: 0, count: bigramKeys.count)
        var triEnd = [Int32](repeating: 0, count: bigramKeys.count)
        var i = 0
        while i < trigramKeys.count {
            let context = trigramKeys[i] >> 21
            var j = i
            while j < trigramKeys.count, trigramKeys[j] >> 21 == context { j += 1 }
            let u = Int32(truncatingIfNeeded: context >> 21), w = Int32(truncatingIfNeeded: context & ((1 << 21) - 1))
            if let b = Self.search(biW, Int(start[Int(u)]), Int(start[Int(u) + 1]), w) {
                triStart[b] = Int32(i); triEnd[b] = Int32(j)
            }
            i = j
        }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(words.count)
        for (i, w) in words.enumerated() { ids[w] = Int32(i) }
        self.ids = ids
        raw = RawTables(logP1: logP1, logGamma1: logGamma1, biStart: start, biW: biW, biLogP: bigramLogP, biGamma: bigramGamma,
                        biTriStart: triStart, biTriEnd: triEnd, triW: triW, triLogP: trigramLogP)
    }

    public var vocabularySize: Int { words.count }

    public func id(_ token: String) -> Int32 { ids[token] ?? Self.unknown }

    /// −ln of a token's share of the model's text (its count plus one; `<unk>` counts none).
    public func rarity(_ id: Int32) -> Float {
        logTotal - log(Float(id == Self.unknown ? 0 : counts[Int(id)]) + 1)
    }

    @inline(__always) static func key2(_ v: Int32, _ w: Int32) -> UInt64 { UInt64(UInt32(v)) << 32 | UInt64(UInt32(w)) }
    @inline(__always) static func key3(_ u: Int32, _ v: Int32, _ w: Int32) -> UInt64 {
        UInt64(UInt32(u)) << 42 | UInt64(UInt32(v)) << 21 | UInt64(UInt32(w))
    }

    /// Index of `w` in the sorted run `array[lo..<hi]`.
    static func search(_ array: [Int32], _ lo: Int, _ hi: Int, _ w: Int32) -> Int? {
        array.withUnsafeBufferPointer { RawTables.search($0.baseAddress!, lo, hi, w) }
    }

    /// ln P(w | v), the interpolated bigram.
    @inline(__always)
    public func logP(_ w: Int32, after v: Int32) -> Float { raw.logP(w, after: v) }

    /// A trigram context (u, v): its backoff weight and where its trigrams are.
    public struct Context {
        public let v: Int32
        public let weight: Float
        let start: Int, end: Int
    }

    @inline(__always)
    public func context(_ u: Int32, _ v: Int32) -> Context { raw.context(u, v) }

    /// ln P(w | u, v) where the trigram was kept, nil where the model backs off.
    @inline(__always)
    public func trigramLogP(_ context: Context, _ w: Int32) -> Float? { raw.trigramLogP(context, w) }

    /// ln P(w | u, v).
    public func logP(_ w: Int32, after u: Int32, _ v: Int32) -> Float {
        let c = context(u, v)
        return trigramLogP(c, w) ?? c.weight + logP(w, after: v)
    }

    // MARK: File format

    public struct FormatError: Error, CustomStringConvertible {
        public let path: String
        public let detail: String
        public var description: String { "\(path): \(detail)" }
    }

    public static func load(path: String) throws -> LanguageModel {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw FormatError(path: path, detail: "cannot read the language model (\(error.localizedDescription)); rebuild it with `kehoach rules build-lm`")
        }
        return try load(data: data, path: path)
    }

    public static func load(data: Data, path: String = "<memory>") throws -> LanguageModel {
        var reader = BinaryReader(data: data, path: path)
        guard try reader.bytes(8) == magic else {
            throw FormatError(path: path, detail: "not a kehoach language model of this version (rebuild with `kehoach rules build-lm`)")
        }
        let v = Int(try reader.u32()), b = Int(try reader.u32()), t = Int(try reader.u32())
        // The decoder's tables hold token ids in 16 bits.
        guard v <= Int(UInt16.max) else {
            throw FormatError(path: path, detail: "\(v) tokens: at most \(UInt16.max) fit (rebuild with a higher --min-count)")
        }
        var words: [String] = [], surfaces: [String?] = []
        words.reserveCapacity(v); surfaces.reserveCapacity(v)
        for _ in 0..<v {
            words.append(try reader.string())
            let s = try reader.string()
            surfaces.append(s.isEmpty ? nil : s)
        }
        let counts: [UInt32] = try reader.array(v)
        let logP1: [Float] = try reader.array(v)
        let logGamma1: [Float] = try reader.array(v)
        let bigramKeys: [UInt64] = try reader.array(b)
        let bigramLogP: [Float] = try reader.array(b)
        let bigramGamma: [Float] = try reader.array(b)
        let trigramKeys: [UInt64] = try reader.array(t)
        let trigramLogP: [Float] = try reader.array(t)
        return LanguageModel(words: words, surfaces: surfaces, counts: counts, logP1: logP1, logGamma1: logGamma1,
                             bigramKeys: bigramKeys, bigramLogP: bigramLogP, bigramGamma: bigramGamma,
                             trigramKeys: trigramKeys, trigramLogP: trigramLogP)
    }
}

/// The tables in the layout the decoder's look-ups want, freed with the model. Look-ups are
/// memory-bound, so the layout saves cache lines: token ids of at most 16 bits (twice the keys per
/// line while searching a run), and what a found bigram leads to (its probability, its backoff
/// weight as a trigram context, where its trigrams are) in one record. All tables are one block,
/// the bigram keys followed by the trigram keys, so that one batch of searches can hold both.
final class RawTables: @unchecked Sendable {
    struct BigramRecord {
        var logP: Float
        var gamma: Float
        var triStart: Int32, triEnd: Int32
        /// The `signatureBit`s (mod 64) of the tokens in its run of trigrams.
        var triSignature: UInt64
    }

    /// A token's bit in the signatures, which tell a search that would find nothing without
    /// making it: a run whose signature lacks the bit of w does not hold w.
    @inline(__always) static func signatureBit(_ w: Int32) -> Int {
        Int(truncatingIfNeeded: (UInt32(truncatingIfNeeded: w) &* 2_654_435_761) >> 16) & (successorWords * 64 - 1)
    }

    /// 64-bit words of a token's successor signature: 512 bits, one cache line, pass 46 % of the
    /// bigram searches whose answer the decoder needs (256 bits: 58 %).
    static let successorWords = 8
    let logP1, logGamma1, triLogP: UnsafeMutablePointer<Float>
    let biStart: UnsafeMutablePointer<Int32>
    let biW, triW: UnsafeMutablePointer<UInt16>
    /// The keys of both tables as one array (bigram keys, then trigram keys from
    /// `trigramOffset`), so that one batch of searches can hold both kinds.
    let keys: UnsafeMutablePointer<UInt16>
    let trigramOffset: Int32
    let bigrams: UnsafeMutablePointer<BigramRecord>
    /// Per token v, `successorWords` words: the `signatureBit`s of the tokens after v in the bigram table.
    let successorSignatures: UnsafeMutablePointer<UInt64>

    init(logP1: [Float], logGamma1: [Float], biStart: [Int32], biW: [Int32], biLogP: [Float], biGamma: [Float],
         biTriStart: [Int32], biTriEnd: [Int32], triW: [Int32], triLogP: [Float]) {
        // One block for all tables, in 2 MB pages where the kernel allows, so that look-ups all over
        // its 9 MB need few TLB entries (not measurably faster here on its own; it costs nothing).
        let records = biW.indices.map { b in
            var signature: UInt64 = 0
            for t in Int(biTriStart[b])..<Int(biTriEnd[b]) { signature |= 1 << UInt64(Self.signatureBit(triW[t]) & 63) }
            return BigramRecord(logP: biLogP[b], gamma: biGamma[b], triStart: biTriStart[b], triEnd: biTriEnd[b], triSignature: signature)
        }
        // Per token v, the tokens that follow it in the bigram table.
        var successors = [UInt64](repeating: 0, count: (biStart.count - 1) * Self.successorWords)
        for v in 0..<biStart.count - 1 {
            for b in Int(biStart[v])..<Int(biStart[v + 1]) {
                let bit = Self.signatureBit(biW[b])
                successors[v * Self.successorWords + bit >> 6] |= 1 << UInt64(bit & 63)
            }
        }
        // One element of slack after each table: `kh_find` may read one past a run's end.
        func bytes<T>(_ a: [T]) -> Int { ((a.count + 1) * MemoryLayout<T>.stride + 63) & ~63 }
        let size = bytes(records) + bytes(successors) + bytes(logP1) + bytes(logGamma1) + bytes(triLogP) + bytes(biStart)
            + bytes(biW.map { UInt16(truncatingIfNeeded: $0) }) + bytes(triW.map { UInt16(truncatingIfNeeded: $0) })
        let hugePage = 2 << 20
        let rounded = (size + hugePage - 1) / hugePage * hugePage
        let start = UnsafeMutableRawPointer.allocate(byteCount: rounded, alignment: hugePage)
        #if os(Linux)
        _ = madvise(start, rounded, 14 /* MADV_HUGEPAGE */)
        #endif
        block = start
        var offset = 0
        func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let p = (start + offset).bindMemory(to: T.self, capacity: max(a.count, 1))
            _ = UnsafeMutableBufferPointer(start: p, count: a.count).initialize(from: a)
            offset += bytes(a)
            return p
        }
        self.bigrams = copy(records)
        self.successorSignatures = copy(successors)
        self.logP1 = copy(logP1); self.logGamma1 = copy(logGamma1); self.triLogP = copy(triLogP)
        self.biStart = copy(biStart)
        // The trigram keys right after the bigram keys: `keys`.
        self.biW = copy(biW.map { UInt16(truncatingIfNeeded: $0) })
        self.triW = copy(triW.map { UInt16(truncatingIfNeeded: $0) })
        keys = self.biW
        trigramOffset = Int32(self.triW - self.biW)
    }

    private let block: UnsafeMutableRawPointer

    deinit { block.deallocate() }

    @inline(__always)
    static func search<K: FixedWidthInteger>(_ a: UnsafePointer<K>, _ lo: Int, _ hi: Int, _ w: K) -> Int? {
        var lo = lo, hi = hi
        while lo < hi {
            let mid = (lo + hi) >> 1
            let x = a[mid]
            if x == w { return mid }
            if x < w { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    @inline(__always)
    func bigramIndex(_ v: Int32, _ w: Int32) -> Int {
        Int(kh_find(biW, biStart[Int(v)], biStart[Int(v) + 1], UInt16(truncatingIfNeeded: w)))
    }

    func logP(_ w: Int32, after v: Int32) -> Float {
        let b = bigramIndex(v, w)
        return b >= 0 ? bigrams[b].logP : logGamma1[Int(v)] + logP1[Int(w)]
    }

    func context(_ u: Int32, _ v: Int32) -> LanguageModel.Context {
        let b = bigramIndex(u, v)
        guard b >= 0 else { return LanguageModel.Context(v: v, weight: 0, start: 0, end: 0) }
        let r = bigrams[b]
        return LanguageModel.Context(v: v, weight: r.gamma, start: Int(r.triStart), end: Int(r.triEnd))
    }

    func trigramLogP(_ context: LanguageModel.Context, _ w: Int32) -> Float? {
        let t = Int(kh_find(triW, Int32(context.start), Int32(context.end), UInt16(truncatingIfNeeded: w)))
        return t >= 0 ? triLogP[t] : nil
    }
}

struct BinaryReader {
    let data: Data
    let path: String
    var offset = 0

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard offset + n <= data.count else { throw LanguageModel.FormatError(path: path, detail: "truncated at byte \(offset)") }
        defer { offset += n }
        return [UInt8](data[data.startIndex + offset ..< data.startIndex + offset + n])
    }

    mutating func u32() throws -> UInt32 {
        let b = try bytes(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    mutating func string() throws -> String {
        let b = try bytes(2)
        let n = Int(b[0]) | Int(b[1]) << 8
        return String(decoding: try bytes(n), as: UTF8.self)
    }

    mutating func array<T>(_ n: Int) throws -> [T] {
        let size = n * MemoryLayout<T>.stride
        guard offset + size <= data.count else { throw LanguageModel.FormatError(path: path, detail: "truncated at byte \(offset)") }
        let out = [T](unsafeUninitializedCapacity: n) { buf, count in
            data.withUnsafeBytes { raw in
                let src = UnsafeRawBufferPointer(rebasing: raw[offset ..< offset + size])
                UnsafeMutableRawBufferPointer(buf).copyMemory(from: src)
            }
            count = n
        }
        offset += size
        return out
    }
}

struct BinaryWriter {
    var data = Data()
    mutating func bytes(_ b: [UInt8]) { data.append(contentsOf: b) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    mutating func string(_ s: String) {
        let b = Array(s.utf8)
        precondition(b.count < 65536)
        bytes([UInt8(b.count & 0xFF), UInt8(b.count >> 8)])
        bytes(b)
    }
    mutating func array<T>(_ a: [T]) { a.withUnsafeBytes { data.append(contentsOf: $0) } }
}
