import Foundation

/// A JSON value as the scorer (Python's json module) sees it, so that answer keys and outputs are
/// compared exactly as tools/score compares them.
public enum JSONValue: Codable, Hashable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Swift.Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        if let a = try? c.decode([JSONValue].self) { self = .array(a); return }
        self = .object(try c.decode([String: JSONValue].self))
    }

    public func encode(to encoder: Swift.Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }

    public subscript(_ key: String) -> JSONValue? {
        if case .object(let o) = self, let v = o[key], v != .null { return v }
        return nil
    }

    /// Python's truthiness: `x or None` turns these into None.
    var truthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .number(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// Python's str() of the value (what fold() sees).
    var pythonString: String {
        switch self {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .number(let d):
            if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
            return "\(d)"
        case .string(let s): return s
        case .array, .object:
            let data = (try? JSONEncoder().encode(self)) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    var items: [JSONValue] {
        if case .array(let a) = self { return a }
        return []
    }
}

/// Extraction scoring exactly as tools/score extract does it: each array of the contract matched as
/// a set on a key (references: folded number; targets: folded indicator, status, value to 3
/// places, folded unit; deadlines: date; agencies: name with abbreviations expanded, or any alias
/// the key lists), and the document's kind, number, date and issuer compared field by field.
public enum ExtractMetric {
    public static let kinds = ["references", "targets", "deadlines", "agencies"]
    public static let secondField = ["references": "date", "targets": "measure", "deadlines": "recurrence", "agencies": "role"]
    public static let documentFields = ["kind", "number", "date", "issuer"]
    static let none = "\u{0}None"

    static let abbreviations: [String: String] = [
        "ubnd": "ủy ban nhân dân", "hđnd": "hội đồng nhân dân", "bhxh": "bảo hiểm xã hội",
        "bhyt": "bảo hiểm y tế", "bhtn": "bảo hiểm thất nghiệp", "mttq": "mặt trận tổ quốc",
        "bcđ": "ban chỉ đạo", "lđtbxh": "lao động thương binh và xã hội", "gd&đt": "giáo dục và đào tạo",
        "tp": "thành phố",
    ]

    /// Case, diacritics, đ and whitespace folded away (the scorer's fold()).
    public static func fold(_ s: String) -> String {
        let replaced = s.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
        var kept = String.UnicodeScalarView()
        for u in Normalize.nfd(replaced).unicodeScalars where u.properties.canonicalCombiningClass.rawValue == 0 { kept.append(u) }
        var out = String.UnicodeScalarView()
        for u in String(kept).lowercased().unicodeScalars where !u.properties.isWhitespace { out.append(u) }
        return String(out)
    }

    static func fold(_ v: JSONValue?) -> String? { v.map { fold($0.pythonString) } }

    /// fold() for names of bodies: standard abbreviations expanded, punctuation ignored.
    public static func foldName(_ s: String) -> String {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for u in Normalize.nfc(s).lowercased().unicodeScalars {
            let isWord: Bool
            switch u.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: isWord = true
            default: isWord = u.properties.numericType != nil || u == "_" || u == "&"
            }
            if isWord { current.append(u) } else if !current.isEmpty { tokens.append(String(current)); current = .init() }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return fold(tokens.map { abbreviations[$0] ?? $0 }.joined(separator: " "))
    }

    static func foldName(_ v: JSONValue?) -> String { v.map { foldName($0.pythonString) } ?? none }

    static func key(_ kind: String, _ item: JSONValue) -> String? {
        switch kind {
        case "references": return fold(item["number"])
        case "targets":
            let value: Double?
            switch item["value"] {
            case .number(let d)?: value = d
            case .bool(let b)?: value = b ? 1 : 0
            case .string(let s)?: value = Double(s.trimmingCharacters(in: .whitespaces))
            default: value = nil
            }
            guard let v = value, v.isFinite else { return nil }
            var rounded = String(format: "%.3f", v)
            if rounded.hasPrefix("-"), Double(rounded) == 0 { rounded.removeFirst() }
            while rounded.hasSuffix("0") { rounded.removeLast() }
            if rounded.hasSuffix(".") { rounded.removeLast() }
            return [fold(item["indicator"]) ?? "∅", item["status"]?.pythonString ?? "∅", rounded, fold(item["unit"]) ?? "∅"]
                .joined(separator: " | ")
        case "deadlines": return item["date"]?.pythonString
        default: return foldName(item["name"])
        }
    }

    public struct ArrayCounts: Codable, Equatable, Sendable {
        public var tp = 0, fp = 0, fn = 0, secondRight = 0
        public init() {}
        static func + (a: ArrayCounts, b: ArrayCounts) -> ArrayCounts {
            var c = a
            c.tp += b.tp; c.fp += b.fp; c.fn += b.fn; c.secondRight += b.secondRight
            return c
        }
    }

    /// One document scored: counts per array, document fields right or wrong, and the matched keys
    /// (for diffs against a baseline).
    public struct DocumentScore: Sendable {
        public var arrays: [String: ArrayCounts] = [:]
        public var document: [(field: String, right: Bool)] = []
        /// Per array: keys found (in the key and the output), spurious (output only), missed (key only).
        public var found: [String: [String]] = [:], spurious: [String: [String]] = [:], missed: [String: [String]] = [:]
    }

    public static func scoreDocument(key: JSONValue, output: JSONValue) -> DocumentScore {
        var res = DocumentScore()
        for kind in kinds {
            let goldItems = key[kind]?.items ?? [], gotItems = output[kind]?.items ?? []
            var gold: [String: JSONValue] = [:], got: [String: JSONValue] = [:]
            var gotOrder: [String] = []
            if kind == "agencies" {
                var names: [String: String] = [:]
                for it in goldItems {
                    let k = foldName(it["name"])
                    for alias in [it["name"] ?? .null] + (it["aliases"]?.items ?? []) {
                        names[alias == .null ? none : foldName(alias.pythonString)] = k
                    }
                }
                for it in goldItems { gold[foldName(it["name"])] = it }
                for it in gotItems {
                    let own = foldName(it["name"])
                    let k = names[own] ?? own
                    if got[k] == nil { got[k] = it; gotOrder.append(k) }
                }
            } else {
                for it in goldItems { if let k = self.key(kind, it) { gold[k] = it } }
                for it in gotItems {
                    if let k = self.key(kind, it), got[k] == nil { got[k] = it; gotOrder.append(k) }
                }
            }
            let field = secondField[kind]!
            var c = ArrayCounts()
            let tp = gotOrder.filter { gold[$0] != nil }
            c.tp = tp.count
            c.fp = got.count - tp.count
            c.fn = gold.count - tp.count
            c.secondRight = tp.filter { k in
                let g = gold[k]![field].flatMap { $0.truthy ? $0 : nil }, o = got[k]![field].flatMap { $0.truthy ? $0 : nil }
                return g == o
            }.count
            res.arrays[kind] = c
            res.found[kind] = tp.map(readable).sorted()
            res.spurious[kind] = gotOrder.filter { gold[$0] == nil }.map(readable).sorted()
            res.missed[kind] = gold.keys.filter { got[$0] == nil }.map(readable).sorted()
        }
        let kd = key["document"], od = output["document"]
        for f in documentFields {
            guard let g = kd?[f] else { continue }
            let o = od?[f]
            let same: Bool
            switch f {
            case "date": same = g == o
            case "issuer": same = foldName(g) == foldName(o)
            default: same = fold(g) == fold(o)
            }
            res.document.append((f, same))
        }
        return res
    }

    static func readable(_ key: String) -> String { key == none ? "(no name)" : key }

    /// Python's round(x, places) for the scorer's figures.
    public static func round(_ x: Double, _ places: Int = 4) -> Double {
        Double(String(format: "%.\(places)f", x)) ?? x
    }

    public static func prf(_ c: ArrayCounts) -> (precision: Double, recall: Double, f1: Double) {
        let p = c.tp + c.fp > 0 ? Double(c.tp) / Double(c.tp + c.fp) : 0
        let r = c.tp + c.fn > 0 ? Double(c.tp) / Double(c.tp + c.fn) : 0
        let f = p + r > 0 ? 2 * p * r / (p + r) : 0
        return (round(p), round(r), round(f))
    }
}
