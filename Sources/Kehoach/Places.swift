import Crypto
import Foundation

/// Vietnam's administrative units (rules/places/), for resolving where a document, target or
/// deadline belongs: its commune, district and province, and the province and commune that hold
/// that place since the reorganisation of 2025-07-01 (63 provinces became 34; districts were
/// abolished).
///
/// A document names its own unit in its issuer ("Ủy ban nhân dân huyện Kon Rẫy"), its title
/// ("… trên địa bàn xã Ngọc Phụng") or its date line ("Kon Rẫy, ngày …"); the gazetteer gives the
/// levels above it. A name several units share ("huyện Châu Thành", "xã Tân Lập") is told apart by
/// the other units the document names (its references, targets, deadlines and agencies:
/// "huyện ủy Thường Xuân", "tỉnh Kon Tum") and by its date (before or after 2025-07-01); what
/// stays ambiguous is left null rather than guessed.
///
///     let places = try Places.load(rulesDirectory: dir)
///     places.resolve(PlaceInputs(issuer: "Ủy ban nhân dân huyện Kon Rẫy")).province   // "Kon Tum"
public final class Places: @unchecked Sendable {
    /// Where something is. `province` is a province's name without its kind ("Kon Tum", "Hà Nội":
    /// names are unique at that level); `district` and `commune` keep theirs ("huyện Kon Rẫy",
    /// "thành phố Lạng Sơn", "xã Ngọc Phụng"), which tell units of one name apart.
    public struct Division: Equatable, Hashable, Sendable {
        public var commune: String?
        public var district: String?
        public var province: String?
        /// The province that holds the place from 2025-07-01 ("Quảng Ngãi" for Kon Tum).
        public var province2025: String?
        /// The commune (or communes, "; "-separated, where one was split) that holds it from 2025-07-01.
        public var commune2025: String?
        public init(commune: String? = nil, district: String? = nil, province: String? = nil,
                    province2025: String? = nil, commune2025: String? = nil) {
            self.commune = commune; self.district = district; self.province = province
            self.province2025 = province2025; self.commune2025 = commune2025
        }
        public var isEmpty: Bool { self == Division() }
    }

    /// Identifies the data the resolution was made with (stores re-resolve when it changes).
    public let version: String

    enum Level: Int, Comparable { case commune = 0, district, province
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// A unit a name can stand for, with the levels above it.
    struct Candidate: Hashable {
        var level: Level
        var division: Division
        /// true: a unit of 2025-07-01 on; false: of before; nil: both (a province that did not change).
        var since2025: Bool?
    }

    /// Folded "kind name" ("huyen kon ray") → the units it names.
    private var units: [String: [Candidate]] = [:]
    /// Province before 2025-07-01 (name without kind) → the province from that day.
    private var merged: [String: String] = [:]

    /// The words of a unit's kind as running text writes them, folded, with their abbreviations.
    static let kinds: [(words: [String], key: String, levels: [Level])] = [
        (["thanh", "pho"], "thanh pho", [.province, .district]),
        (["tp"], "thanh pho", [.province, .district]),
        (["thi", "xa"], "thi xa", [.district]),
        (["tx"], "thi xa", [.district]),
        (["thi", "tran"], "thi tran", [.commune]),
        (["dac", "khu"], "dac khu", [.commune]),
        (["tinh"], "tinh", [.province]),
        (["huyen"], "huyen", [.district]),
        (["quan"], "quan", [.district]),
        (["xa"], "xa", [.commune]),
        (["phuong"], "phuong", [.commune]),
    ]

    // MARK: Loading

    /// Reads `places/units.tsv` and `places/provinces-2025.tsv` of a rules directory.
    public static func load(rulesDirectory: URL) throws -> Places {
        let dir = rulesDirectory.appendingPathComponent("places")
        func read(_ name: String) throws -> String {
            let url = dir.appendingPathComponent(name)
            do { return try String(contentsOf: url, encoding: .utf8) } catch {
                throw StoreError("\(url.path): cannot read the place list (\(error.localizedDescription))")
            }
        }
        let units = try read("units.tsv"), provinces = try read("provinces-2025.tsv")
        return try Places(units: units, provinces2025: provinces)
    }

    /// The places of the rules directory `RulesLocator` finds, or nil where there is none
    /// (a store is then filled without resolved places, and resolved when next opened with them).
    public static let standard: Places? = {
        guard let dir = try? RulesLocator.directory() else { return nil }
        return try? load(rulesDirectory: dir)
    }()

    /// From the two files' text (format: their headers).
    public init(units unitsText: String, provinces2025 provincesText: String) throws {
        var hasher = SHA256()
        hasher.update(data: Data(unitsText.utf8)); hasher.update(data: Data([0])); hasher.update(data: Data(provincesText.utf8))
        version = hex(hasher.finalize()).prefix(16).description

        func rows(_ text: String, _ file: String, columns: Int) throws -> [[String]] {
            var out: [[String]] = []
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.isEmpty || line.hasPrefix("#") { continue }
                let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                guard cells.count == columns else {
                    throw StoreError("places/\(file):\(i + 1): expected \(columns) tab-separated columns, found \(cells.count)")
                }
                out.append(cells)
            }
            return out
        }
        for r in try rows(provincesText, "provinces-2025.tsv", columns: 2) {
            merged[Places.bareName(r[0])] = Places.bareName(r[1])
        }
        func add(_ name: String, _ c: Candidate) {
            guard !name.isEmpty else { return }
            let key = Places.key(name)
            if !(units[key]?.contains(c) ?? false) { units[key, default: []].append(c) }
        }
        // communes split between several new ones: their new communes gathered first
        var newOf: [[String]: [String]] = [:]
        let unitRows = try rows(unitsText, "units.tsv", columns: 5)
        for r in unitRows where !r[2].isEmpty && !r[4].isEmpty {
            let k = [r[0], r[1], r[2]]
            if !(newOf[k]?.contains(r[4]) ?? false) { newOf[k, default: []].append(r[4]) }
        }
        for r in unitRows {
            let (province, district, commune, province2025, commune2025) = (r[0], r[1], r[2], r[3], r[4])
            let p = Places.bareName(province), p25 = Places.bareName(province2025)
            let mergedInto = merged[p] ?? p25
            add(province, Candidate(level: .province, division: Division(province: p, province2025: mergedInto), since2025: false))
            add(province2025, Candidate(level: .province, division: Division(province: p25, province2025: p25), since2025: true))
            add(district, Candidate(level: .district, division: Division(district: district, province: p, province2025: mergedInto), since2025: false))
            if !commune.isEmpty {
                let news = newOf[[province, district, commune]] ?? []
                add(commune, Candidate(level: .commune, division: Division(commune: commune, district: district, province: p,
                                                                             province2025: mergedInto, commune2025: news.isEmpty ? nil : news.joined(separator: "; ")),
                                       since2025: false))
            }
            if !commune2025.isEmpty {
                add(commune2025, Candidate(level: .commune, division: Division(commune: commune2025, province: p25, province2025: p25, commune2025: commune2025),
                                           since2025: true))
            }
        }
        // a province unchanged by the reorganisation, or a new one of an old one's name: one unit
        for (key, cs) in units {
            let provinces = cs.filter { $0.level == .province }
            guard provinces.count > 1 else { continue }
            var kept = cs.filter { $0.level != .province }
            let old = provinces.first { $0.since2025 == false } ?? provinces[0]
            kept.append(Candidate(level: .province, division: old.division, since2025: nil))
            units[key] = kept
        }
        // provinces the reorganisation file names only by an old name (tỉnh Thừa Thiên Huế)
        for r in try rows(provincesText, "provinces-2025.tsv", columns: 2) where units[Places.key(r[0])] == nil {
            let p = Places.bareName(r[0]), p25 = Places.bareName(r[1])
            units[Places.key(r[0])] = [Candidate(level: .province, division: Division(province: p, province2025: p25), since2025: false)]
        }
        for (key, cs) in units { units[key] = cs.sorted { "\($0)" < "\($1)" } }
    }

    /// Every province name, old and new (without kind), for checks and listings.
    public var provinceNames: Set<String> {
        Set(units.values.flatMap { $0.filter { $0.level == .province }.compactMap(\.division.province) })
    }

    /// The province a province's name belongs to from 2025-07-01, or nil when it is no province.
    public func province2025(of name: String) -> String? {
        let bare = Places.bareName(name)
        if let m = merged[bare] { return m }
        return provinceNames.contains(bare) ? bare : nil
    }

    // MARK: Names

    /// "tỉnh Lạng Sơn" → "Lạng Sơn"; "thành phố Hà Nội" → "Hà Nội"; other names as they are.
    static func bareName(_ s: String) -> String {
        for prefix in ["tỉnh ", "thành phố "] where s.hasPrefix(prefix) { return String(s.dropFirst(prefix.count)) }
        return s
    }

    /// A unit's words for comparing: folded, apostrophes dropped ("M'Đrắk" = "MĐrắk"), dashes as spaces.
    static func key(_ s: String) -> String {
        words(s).joined(separator: " ")
    }

    static func words(_ s: String) -> [String] {
        let folded = Normalize.fold(s).replacingOccurrences(of: "'", with: "").replacingOccurrences(of: "’", with: "")
        return folded.split(whereSeparator: { $0.isWhitespace || $0 == "-" || $0 == "–" || $0 == "—" }).map(String.init)
    }

    /// A unit named in `text`: its folded key, as found in the gazetteer, and whether "địa bàn" (the
    /// area of) came right before it.
    struct Mention: Hashable {
        var key: String
        var onArea: Bool
    }

    /// Units named in a text, in order: a kind word ("huyện", "UBND TỈNH", "TP.") followed by
    /// capitalised words that, with it, make a name the gazetteer has ("xã hội" is no commune).
    func mentions(in text: String) -> [Mention] {
        var out: [Mention] = []
        // a name never runs across punctuation
        let pieces = text.replacingOccurrences(of: "TP.", with: "TP ").replacingOccurrences(of: "Tp.", with: "TP ")
            .split(whereSeparator: { ",;.:()[]/\n\r\t\"“”".contains($0) })
        for piece in pieces {
            let original = piece.split(whereSeparator: { $0.isWhitespace || $0 == "-" || $0 == "–" || $0 == "—" })
            let folded = original.map { Places.key(String($0)) }
            var i = 0
            while i < original.count {
                var found: (Mention, Int)?
                for kind in Places.kinds where i + kind.words.count <= folded.count && Array(folded[i..<(i + kind.words.count)]) == kind.words {
                    let start = i + kind.words.count
                    var end = start
                    // name words: capitalised or numbered ("Phường 5"), at most five
                    while end < original.count, end - start < 5, let c = original[end].first, c.isUppercase || c.isNumber { end += 1 }
                    var n = end
                    while n > start {
                        let key = kind.key + " " + folded[start..<n].joined(separator: " ")
                        if units[key] != nil {
                            let onArea = i >= 2 && folded[i - 2] == "dia" && folded[i - 1] == "ban"
                            found = (Mention(key: key, onArea: onArea), n)
                            break
                        }
                        n -= 1
                    }
                    if found != nil { break }
                }
                if let (m, next) = found { out.append(m); i = next } else { i += 1 }
            }
        }
        return out
    }

    // MARK: Resolving

    /// What a document says of where it is: its header's fields and the texts of its items.
    public struct Inputs: Sendable {
        public var issuer: String?
        public var place: String?
        public var title: String?
        public var date: String?
        /// Texts of the document's references, targets, deadlines and agencies.
        public var context: [String]
        public init(issuer: String? = nil, place: String? = nil, title: String? = nil, date: String? = nil, context: [String] = []) {
            self.issuer = issuer; self.place = place; self.title = title; self.date = date; self.context = context
        }
    }

    /// The document's division: the unit its issuer names (else its title's or the one its texts
    /// call "địa bàn", else its date line's place), with the levels above it.
    public func resolve(_ input: Inputs) -> Division {
        let issuerMentions = input.issuer.map { mentions(in: $0) } ?? []
        let titleMentions = input.title.map { mentions(in: $0) } ?? []
        let contextMentions = input.context.flatMap { mentions(in: $0) }
        var primary: [Candidate] = []
        // the issuing unit: the lowest named in the issuer, the last of them
        if let c = lowest(issuerMentions, preferLast: true) { primary = c }
        else if let c = lowest(titleMentions, preferLast: false, agreeing: true) { primary = c }
        else if let c = lowest((titleMentions + contextMentions).filter(\.onArea), preferLast: false, agreeing: true) { primary = c }
        else if let place = input.place, !place.isEmpty {
            // the date line's place has no kind: the highest unit of that name
            let named = Places.kinds.map { $0.key }.reduce(into: [Candidate]()) { acc, kind in
                acc += units[kind + " " + Places.key(place)] ?? []
            }
            if let top = named.map(\.level).max() { primary = named.filter { $0.level == top } }
        }
        guard !primary.isEmpty else { return Division() }
        let others = Set(issuerMentions + titleMentions + contextMentions).map(\.key)
        return choose(primary, context: others, place: input.place, date: input.date)
    }

    /// The division of an item (a target's population: "xã Đắk Ruồng") inside its document's, when
    /// the item names a lower unit that lies there; nil otherwise.
    public func refine(_ text: String?, within doc: Division) -> Division? {
        guard let text, !doc.isEmpty, let c = lowest(mentions(in: text), preferLast: false, agreeing: true) else { return nil }
        let inside = c.filter { cand in
            let d = cand.division
            guard d.province == doc.province || d.province2025 == doc.province2025 && doc.province2025 != nil else { return false }
            if let district = doc.district, d.district != district { return false }
            if let commune = doc.commune, d.commune != commune { return false }
            return cand.level < level(of: doc)
        }
        guard !inside.isEmpty else { return nil }
        let d = merge(inside)
        return d.province == nil ? nil : d
    }

    private func level(of d: Division) -> Level {
        d.commune != nil ? .commune : d.district != nil ? .district : .province
    }

    /// The candidates of the lowest-level unit among `ms`: the last (or first) one named; with
    /// `agreeing`, nil when several units are named at that level.
    private func lowest(_ ms: [Mention], preferLast: Bool, agreeing: Bool = false) -> [Candidate]? {
        let withLevel = ms.compactMap { m -> (Mention, Level)? in
            guard let cs = units[m.key], let l = cs.map(\.level).min() else { return nil }
            return (m, l)
        }
        guard let low = withLevel.map(\.1).min() else { return nil }
        let atLow = withLevel.filter { $0.1 == low }.map(\.0.key)
        if agreeing, Set(atLow).count > 1 { return nil }
        guard let key = preferLast ? atLow.last : atLow.first else { return nil }
        return units[key]!.filter { $0.level == low }
    }

    /// The candidate(s) the context agrees with best, merged: what they disagree on is left nil.
    private func choose(_ candidates: [Candidate], context: [String], place: String?, date: String?) -> Division {
        var cs = candidates
        // the date says which side of the reorganisation the document's units are on
        if let era = Places.era(date) {
            let same = cs.filter { $0.since2025 == nil || $0.since2025 == era }
            if !same.isEmpty { cs = same }
        }
        if cs.count > 1 {
            // other units the document names: a parent of a candidate votes for it
            let named = Set(context)
            let placeKey = place.map { Places.key($0) }
            func score(_ c: Candidate) -> Int {
                var s = 0
                let d = c.division
                if let district = d.district, named.contains(Places.key(district)) { s += 2 }
                for p in Set([d.province, d.province2025].compactMap { $0 }) {
                    if named.contains("tinh " + Places.key(p)) || named.contains("thanh pho " + Places.key(p)) { s += 1 }
                }
                if let pk = placeKey, !pk.isEmpty {
                    let names = [d.district, d.province].compactMap { $0 }.map { Places.key(Places.bareName($0)) }
                    if names.contains(where: { $0 == pk || $0.hasSuffix(" " + pk) }) { s += 1 }
                }
                return s
            }
            let best = cs.map(score).max() ?? 0
            cs = cs.filter { score($0) == best }
        }
        // a unit of 2025 that only renames an old one named the same way is the old one
        let old = cs.filter { $0.since2025 == false }
        cs = cs.filter { c in
            c.since2025 != true || !old.contains { o in
                o.division.province2025 == c.division.province2025 && (o.division.commune2025 ?? "").split(separator: ";")
                    .map { $0.trimmingCharacters(in: .whitespaces) }.contains(c.division.commune ?? "")
            }
        }
        return merge(cs)
    }

    /// The fields all candidates agree on.
    private func merge(_ cs: [Candidate]) -> Division {
        guard let first = cs.first?.division else { return Division() }
        func agreed(_ f: (Division) -> String?) -> String? {
            let v = f(first)
            return cs.allSatisfy { f($0.division) == v } ? v : nil
        }
        return Division(commune: agreed(\.commune), district: agreed(\.district), province: agreed(\.province),
                        province2025: agreed(\.province2025), commune2025: agreed(\.commune2025))
    }

    /// true for a date on or after 2025-07-01, false before, nil when the date does not say
    /// ("2025", "--11-30").
    static func era(_ date: String?) -> Bool? {
        guard let date, date.count >= 4, !date.hasPrefix("-"), let year = Int(date.prefix(4)) else { return nil }
        if year != 2025 { return year > 2025 }
        guard date.count >= 7, let month = Int(date.dropFirst(5).prefix(2)) else { return nil }
        return month >= 7
    }
}
