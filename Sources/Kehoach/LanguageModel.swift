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
    let logP1: [Float]
    let logGamma1: [Float]
    let bigrams: NGramTable
    let trigrams: NGramTable
    public let ids: [String: Int32]

    init(words: [String], surfaces: [String?], counts: [UInt32], logP1: [Float], logGamma1: [Float],
         bigrams: NGramTable, trigrams: NGramTable) {
        self.words = words
        self.surfaces = surfaces
        self.counts = counts
        self.logP1 = logP1
        self.logGamma1 = logGamma1
        self.bigrams = bigrams
        self.trigrams = trigrams
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(words.count)
        for (i, w) in words.enumerated() { ids[w] = Int32(i) }
        self.ids = ids
    }

    public var vocabularySize: Int { words.count }
    public var bigramCount: Int { bigrams.count }
    public var trigramCount: Int { trigrams.count }

    public func id(_ token: String) -> Int32 { ids[token] ?? Self.unknown }

    @inline(__always) static func key2(_ v: Int32, _ w: Int32) -> UInt64 { UInt64(UInt32(v)) << 32 | UInt64(UInt32(w)) }
    @inline(__always) static func key3(_ u: Int32, _ v: Int32, _ w: Int32) -> UInt64 {
        UInt64(UInt32(u)) << 42 | UInt64(UInt32(v)) << 21 | UInt64(UInt32(w))
    }

    /// ln P(w | v), the interpolated bigram.
    @inline(__always)
    public func logP(_ w: Int32, after v: Int32) -> Float {
        if let slot = bigrams.find(Self.key2(v, w)) { return bigrams.values[slot] }
        return logGamma1[Int(v)] + logP1[Int(w)]
    }

    /// ln of the backoff weight of the trigram context (u, v); 0 where the context was not kept.
    @inline(__always)
    public func contextWeight(_ u: Int32, _ v: Int32) -> Float {
        if let slot = bigrams.find(Self.key2(u, v)) { return bigrams.extra[slot] }
        return 0
    }

    /// ln P(w | u, v), given `contextWeight(u, v)` computed once per context.
    @inline(__always)
    public func logP(_ w: Int32, after u: Int32, _ v: Int32, contextWeight: Float) -> Float {
        if let slot = trigrams.find(Self.key3(u, v, w)) { return trigrams.values[slot] }
        return contextWeight + logP(w, after: v)
    }

    public func logP(_ w: Int32, after u: Int32, _ v: Int32) -> Float {
        logP(w, after: u, v, contextWeight: contextWeight(u, v))
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
        var reader = BinaryReader(data: data, path: path)
        guard try reader.bytes(8) == magic else {
            throw FormatError(path: path, detail: "not a kehoach language model of this version (rebuild with `kehoach rules build-lm`)")
        }
        let v = Int(try reader.u32()), b = Int(try reader.u32()), t = Int(try reader.u32())
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
        let bigrams = NGramTable(keys: try reader.array(b), values: try reader.array(b), extra: try reader.array(b))
        let trigramKeys: [UInt64] = try reader.array(t)
        let trigrams = NGramTable(keys: trigramKeys, values: try reader.array(t), extra: nil)
        return LanguageModel(words: words, surfaces: surfaces, counts: counts, logP1: logP1, logGamma1: logGamma1,
                             bigrams: bigrams, trigrams: trigrams)
    }
}

/// An open-addressing hash table over packed n-gram keys, built once at load.
struct NGramTable {
    static let empty = UInt64.max
    let keys: [UInt64]
    let values: [Float]
    let extra: [Float]
    let mask: Int
    let count: Int

    init(keys sourceKeys: [UInt64], values sourceValues: [Float], extra sourceExtra: [Float]?) {
        count = sourceKeys.count
        var capacity = 16
        while capacity < sourceKeys.count * 2 { capacity <<= 1 }
        mask = capacity - 1
        var keys = [UInt64](repeating: Self.empty, count: capacity)
        var values = [Float](repeating: 0, count: capacity)
        var extra = [Float](repeating: 0, count: sourceExtra == nil ? 0 : capacity)
        for i in 0..<sourceKeys.count {
            var slot = Self.hash(sourceKeys[i]) & mask
            while keys[slot] != Self.empty { slot = (slot + 1) & mask }
            keys[slot] = sourceKeys[i]
            values[slot] = sourceValues[i]
            if let sourceExtra { extra[slot] = sourceExtra[i] }
        }
        self.keys = keys
        self.values = values
        self.extra = extra
    }

    @inline(__always) static func hash(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 29)
    }

    @inline(__always)
    func find(_ key: UInt64) -> Int? {
        keys.withUnsafeBufferPointer { k in
            var slot = Self.hash(key) & mask
            while true {
                let found = k[slot]
                if found == key { return slot }
                if found == Self.empty { return nil }
                slot = (slot + 1) & mask
            }
        }
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
        var out = [T](unsafeUninitializedCapacity: n) { buf, count in
            data.withUnsafeBytes { raw in
                let src = UnsafeRawBufferPointer(rebasing: raw[offset ..< offset + size])
                UnsafeMutableRawBufferPointer(buf).copyMemory(from: src)
            }
            count = n
        }
        offset += size
        if out.isEmpty { out = [] }
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
