import Foundation

/// The OCR channel: how likely Tesseract's English model is to read a true character as some
/// string (`rules/restore/confusions.tsv`, learned from aligned OCR/true word pairs).
public struct ConfusionModel: Sendable {
    /// Cost (−ln P) of reading true scalar `t` as OCR scalar `o`.
    var substitution: [Unicode.Scalar: [Unicode.Scalar: Float]] = [:]
    var deletion: [Unicode.Scalar: Float] = [:]
    var insertion: [Unicode.Scalar: Float] = [:]
    /// One true character read as two ("ữ" → "im"), two read as one.
    var oneToTwo: [Unicode.Scalar: [(Unicode.Scalar, Unicode.Scalar, Float)]] = [:]
    var twoToOne: [Unicode.Scalar: [(Unicode.Scalar, Unicode.Scalar, Float)]] = [:]  // keyed by the second true char
    public private(set) var rows = 0
    /// The true letters each OCR scalar was learned for, with their costs (for sibling readings).
    var siblingsReading: [Unicode.Scalar: [(Unicode.Scalar, Float)]] = [:]

    /// Costs for what the training pairs never showed: a mark lost or changed on the right letter
    /// is plausible, any other substitution or an indel is not.
    static let unseenSameLetter: Float = 7
    static let unseenSubstitution: Float = 13
    static let unseenIndel: Float = 12
    static let minimumIndelCost: Float = 6

    public struct FormatError: Error, CustomStringConvertible {
        public let path: String, line: Int, detail: String
        public var description: String { "\(path):\(line): \(detail)" }
    }

    public static func load(path: String) throws -> ConfusionModel {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw FormatError(path: path, line: 0, detail: "cannot read (\(error.localizedDescription))")
        }
        var model = ConfusionModel()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if raw.isEmpty || raw.hasPrefix("#") { continue }
            let cols = raw.split(separator: "\t", omittingEmptySubsequences: false)
            guard cols.count >= 4, let cost = Float(cols[3]) else {
                throw FormatError(path: path, line: index + 1, detail: "expected TRUE<TAB>OCR<TAB>COUNT<TAB>COST")
            }
            let t = cols[0] == "∅" ? [] : Array(Normalize.nfc(String(cols[0])).unicodeScalars)
            let o = cols[1] == "∅" ? [] : Array(Normalize.nfc(String(cols[1])).unicodeScalars)
            switch (t.count, o.count) {
            case (1, 1):
                model.substitution[t[0], default: [:]][o[0]] = cost
                model.siblingsReading[o[0], default: []].append((t[0], cost))
            // Learned deletions include alignment noise (words the OCR split or merged), and a cheap
            // deletion lets every short OCR word grow into longer syllables ("KH" → "khờ").
            case (1, 0): model.deletion[t[0]] = max(cost, minimumIndelCost)
            case (0, 1): model.insertion[o[0]] = max(cost, minimumIndelCost)
            case (1, 2): model.oneToTwo[t[0], default: []].append((o[0], o[1], cost))
            case (2, 1): model.twoToOne[t[1], default: []].append((t[0], o[0], cost))
            case (2, 2), (2, 0), (0, 2): continue  // not used by the search
            default:
                throw FormatError(path: path, line: index + 1, detail: "TRUE and OCR take 0 to 2 characters")
            }
            model.rows += 1
        }
        return model
    }

    /// Cost of a reading seen only for another letter of the same base ("¢" learned for ệ and ợ,
    /// not for ẻ or ộ) beyond that letter's cost: the page's glyphs differ from the training
    /// pages', and a shape read for one marked vowel is read for its siblings too.
    /// (Measured flat from 3 to 6 nats on corpus/: `kehoach eval restore`.)
    static let siblingPenalty: Float = 3

    func cost(_ t: Unicode.Scalar, _ o: Unicode.Scalar) -> Float {
        if let c = substitution[t]?[o] { return c }
        if t == o { return 0.7 }
        let base = baseLetter(t)
        let unseen = base == baseLetter(o) ? Self.unseenSameLetter : Self.unseenSubstitution
        guard let readAs = siblingsReading[o] else { return unseen }
        var sibling = Float.infinity
        for (t2, c) in readAs where t2 != t && baseLetter(t2) == base { sibling = min(sibling, c + Self.siblingPenalty) }
        return min(unseen, sibling)
    }

    @inline(__always)
    func baseLetter(_ s: Unicode.Scalar) -> Unicode.Scalar {
        if let (v, _) = Vietnamese.toneTable[s] { return Vietnamese.baseLetter[v] ?? v }
        return Vietnamese.baseLetter[s] ?? s
    }
}

/// A vocabulary entry proposed for an OCR word, with its channel cost −ln P(ocr | entry).
public struct Candidate: Sendable {
    public let entry: Int32
    public let cost: Float
}

/// The restorable vocabulary (syllables, abbreviations, foreign words) in a trie, searched with a
/// weighted edit distance under the confusion model: stage 3 of the pipeline.
public final class CandidateGenerator: @unchecked Sendable {
    public struct Entry: Sendable {
        public let key: String          // lower case, as in the language model
        public let written: String?     // fixed written form (abbreviations, foreign words)
        public let lmID: Int32
        /// Outside Vietnamese phonotactics, known from place names only ("kon", "đắk", "krông").
        public let nameOnly: Bool

        public init(key: String, written: String?, lmID: Int32, nameOnly: Bool = false) {
            self.key = key; self.written = written; self.lmID = lmID; self.nameOnly = nameOnly
        }
    }

    public let entries: [Entry]
    let confusions: ConfusionModel
    // The trie while it is built, as flat arrays with sibling chains; node 0 is the root.
    private var nodeChar: [Unicode.Scalar] = ["\0"]
    private var firstChild: [Int32] = [-1]
    private var nextSibling: [Int32] = [-1]
    private var terminal: [Int32] = [-1]
    private var nodeLetter: [Int32] = [-1]
    /// The trie the walk reads: one record per node, in breadth-first order so that a node's
    /// children are contiguous (the walk visits thousands of nodes per word; a record per node
    /// and no sibling chain to follow keep each visit to one cache line).
    struct TrieNode {
        var char: Unicode.Scalar
        var terminal: Int32       // entry ending here, or -1
        var firstChild: Int32
        var letter: UInt16        // alphabet index of `char`
        var childCount: UInt16
    }
    private(set) var trie: [TrieNode] = []
    let alphabet: [Unicode.Scalar]
    let alphabetIndex: [Unicode.Scalar: Int]
    /// Per true letter (alphabet index): its 2→1 readings (previous true letter, OCR scalar, cost),
    /// its 1→2 readings, and its deletion cost; looked up by index in the trie walk, not hashed.
    let mergesByLetter: [[(Unicode.Scalar, Unicode.Scalar, Float)]]
    let splitsByLetter: [[(Unicode.Scalar, Unicode.Scalar, Float)]]
    let deletionByLetter: [Float]
    /// Substitution costs by true letter, for the OCR scalars the confusion file knows; others fall
    /// back to `ConfusionModel.cost`.
    let ocrIndex: [Unicode.Scalar: Int]
    let substitutionMatrix: [Float]

    /// Candidates kept per word (the restorer re-ranks them by frequency too, so it wants a long
    /// list), and how far behind the best a candidate may be.
    public var maxCandidates = 60
    public var margin: Float = 9
    public var ceiling: Float = 26
    /// The first walk's limit (see `candidates(for:)`). It only finds the best candidate's cost;
    /// any limit gives the same candidates. On 1.4 MB of new OCR text (the 376 chunks of
    /// .work/ocr-pairs) the walks visit 104 M trie nodes at 5, 108 M at 3 or 6, 121 M at 10.
    public var firstLimit: Float = 5

    /// `entries[..<trieEntries]` are searched; the rest are reachable by index only.
    public init(entries: [Entry], trieEntries: Int? = nil, confusions: ConfusionModel) {
        self.entries = entries
        self.confusions = confusions
        var letters = Set<Unicode.Scalar>()
        for e in entries { letters.formUnion(e.key.unicodeScalars) }
        alphabet = letters.sorted { $0.value < $1.value }
        alphabetIndex = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })
        mergesByLetter = alphabet.map { confusions.twoToOne[$0] ?? [] }
        splitsByLetter = alphabet.map { confusions.oneToTwo[$0] ?? [] }
        deletionByLetter = alphabet.map { confusions.deletion[$0] ?? ConfusionModel.unseenIndel }
        var ocrScalars = Set<Unicode.Scalar>(alphabet)
        for row in confusions.substitution.values { ocrScalars.formUnion(row.keys) }
        let ocrList = ocrScalars.sorted { $0.value < $1.value }
        ocrIndex = Dictionary(uniqueKeysWithValues: ocrList.enumerated().map { ($1, $0) })
        var matrix = [Float](repeating: 0, count: alphabet.count * ocrList.count)
        for (ti, t) in alphabet.enumerated() {
            for (oi, o) in ocrList.enumerated() { matrix[ti * ocrList.count + oi] = confusions.cost(t, o) }
        }
        substitutionMatrix = matrix
        for (i, e) in entries.prefix(trieEntries ?? entries.count).enumerated() { insert(Array(e.key.unicodeScalars), entry: Int32(i)) }
        trie = Self.breadthFirst(nodeChar: nodeChar, nodeLetter: nodeLetter, firstChild: firstChild, nextSibling: nextSibling, terminal: terminal)
        nodeChar = []; nodeLetter = []; firstChild = []; nextSibling = []; terminal = []
    }

    /// The built trie renumbered breadth-first, each node's children contiguous and in the order
    /// of its sibling chain (the walk's order, on which its pruning and so its result depend).
    private static func breadthFirst(nodeChar: [Unicode.Scalar], nodeLetter: [Int32], firstChild: [Int32],
                                     nextSibling: [Int32], terminal: [Int32]) -> [TrieNode] {
        var order: [Int32] = [0]
        var newIndex = [Int32](repeating: -1, count: nodeChar.count)
        newIndex[0] = 0
        var next = 0
        while next < order.count {
            var child = firstChild[Int(order[next])]
            while child >= 0 {
                newIndex[Int(child)] = Int32(order.count)
                order.append(child)
                child = nextSibling[Int(child)]
            }
            next += 1
        }
        return order.map { old in
            var count = 0
            var child = firstChild[Int(old)]
            while child >= 0 { count += 1; child = nextSibling[Int(child)] }
            let first = firstChild[Int(old)]
            return TrieNode(char: nodeChar[Int(old)], terminal: terminal[Int(old)], firstChild: first >= 0 ? newIndex[Int(first)] : -1,
                            letter: UInt16(max(nodeLetter[Int(old)], 0)), childCount: UInt16(count))
        }
    }

    private func insert(_ word: [Unicode.Scalar], entry: Int32) {
        var node: Int32 = 0
        for s in word {
            var child = firstChild[Int(node)]
            var found: Int32 = -1
            while child >= 0 {
                if nodeChar[Int(child)] == s { found = child; break }
                child = nextSibling[Int(child)]
            }
            if found < 0 {
                found = Int32(nodeChar.count)
                nodeChar.append(s)
                nodeLetter.append(Int32(alphabetIndex[s]!))
                firstChild.append(-1)
                nextSibling.append(firstChild[Int(node)])
                terminal.append(-1)
                firstChild[Int(node)] = found
            }
            node = found
        }
        if terminal[Int(node)] < 0 { terminal[Int(node)] = entry }
    }

    /// Entries within reach of the lower-case OCR word `ocr`, cheapest first.
    ///
    /// A depth-first walk of the trie computes one column of the weighted edit distance per node
    /// and prunes where the column's least value exceeds the limit. On text the cache has not seen,
    /// this walk is most of restoration's time, so it runs on raw buffers with per-word tables (no
    /// hashing, reference counting or nested arrays per node).
    public func candidates(for ocr: [Unicode.Scalar]) -> [Candidate] {
        let n = ocr.count
        guard n > 0, n <= 24 else { return [] }
        let a = alphabet.count
        let width = n + 1
        // Substitution cost of true letter ti read as ocr[j - 1], at sub[ti * width + j].
        var sub = [Float](repeating: 0, count: a * width)
        let width0 = ocrIndex.count
        for j in 1...n {
            if let oi = ocrIndex[ocr[j - 1]] {
                for ti in 0..<a { sub[ti * width + j] = substitutionMatrix[ti * width0 + oi] }
            } else {
                for (ti, t) in alphabet.enumerated() { sub[ti * width + j] = confusions.cost(t, ocr[j - 1]) }
            }
        }
        var ins = [Float](repeating: 0, count: width)
        for j in 1...n { ins[j] = confusions.insertion[ocr[j - 1]] ?? ConfusionModel.unseenIndel }
        // 1→2 readings: true letter ti read as (ocr[j-2], ocr[j-1]), at split[ti * width + j].
        var split = [Float](repeating: .infinity, count: a * width)
        var anySplit = [Bool](repeating: false, count: a)
        if n >= 2 {
            for ti in 0..<a {
                for (o1, o2, c) in splitsByLetter[ti] {
                    for j in 2...n where ocr[j - 2] == o1 && ocr[j - 1] == o2 {
                        split[ti * width + j] = min(split[ti * width + j], c)
                        anySplit[ti] = true
                    }
                }
            }
        }
        // 2→1 readings that fit this word: (previous true letter, j, cost), grouped by true letter.
        var mergeStart = [Int32](repeating: 0, count: a + 1)
        var mergePrev: [Unicode.Scalar] = [], mergeJ: [Int32] = [], mergeCost: [Float] = []
        for ti in 0..<a {
            for (t1, o, c) in mergesByLetter[ti] {
                for j in 1...n where ocr[j - 1] == o { mergePrev.append(t1); mergeJ.append(Int32(j)); mergeCost.append(c) }
            }
            mergeStart[ti + 1] = Int32(mergePrev.count)
        }

        var found: [Candidate] = []
        var best = ceiling
        // Columns by depth; depth 0 is the root: insertions before the first true letter.
        var columns = [Float](repeating: 0, count: width * 26)
        for j in 1...n { columns[j] = columns[j - 1] + ins[j] }
        // The walk's stack never holds more than the siblings left at each of 25 depths.
        let stackSize = 26 * (a + 1)
        var stackNode = [Int32](repeating: 0, count: stackSize), stackDepth = [Int32](repeating: 0, count: stackSize)
        var charAtDepth = [Unicode.Scalar](repeating: "\0", count: 26)
        let margin = self.margin, ceiling = self.ceiling
        let trie = self.trie, deletion = deletionByLetter
        trie.withUnsafeBufferPointer { trie in
        deletion.withUnsafeBufferPointer { deletion in
        sub.withUnsafeBufferPointer { sub in
        ins.withUnsafeBufferPointer { ins in
        split.withUnsafeBufferPointer { split in
        columns.withUnsafeMutableBufferPointer { columns in
        charAtDepth.withUnsafeMutableBufferPointer { charAtDepth in
        stackNode.withUnsafeMutableBufferPointer { stackNode in
        stackDepth.withUnsafeMutableBufferPointer { stackDepth in
        anySplit.withUnsafeBufferPointer { anySplit in
        mergeStart.withUnsafeBufferPointer { mergeStart in
        mergePrev.withUnsafeBufferPointer { mergePrev in
        mergeJ.withUnsafeBufferPointer { mergeJ in
        mergeCost.withUnsafeBufferPointer { mergeCost in
            // The walk prunes at `limit`; most words have a candidate that costs little, so a first
            // walk at a low limit finds the same list in a small part of the trie. Only when the
            // best found leaves room (best + margin above the limit), or nothing is found, does a
            // wider walk follow.
            // Cell j of the column at c costs at most `cost` (a split or merge reading ends there);
            // a cheaper cell feeds the insertions after it.
            @inline(__always) func lower(_ c: Int, _ j: Int, to cost: Float) {
                columns[c + j] = min(columns[c + j], cost)
                var k = j + 1
                while k <= n, columns[c + k - 1] + ins[k] < columns[c + k] { columns[c + k] = columns[c + k - 1] + ins[k]; k += 1 }
            }
            var limit = min(firstLimit, ceiling)
            while true {
                found.removeAll(keepingCapacity: true)
                best = limit
                var top = 0
                // (Pushes are written out, not a local function: one capturing `top` and the stacks
                // had every access to them checked for exclusivity at run time, a third of the walk's
                // time in a release build. The stacks and per-word tables are raw buffers, as the
                // columns are: the walk's reads are not bounds-checked, everything else is.)
                let root = trie[0]
                for child in 0..<Int32(root.childCount) {
                    stackNode[top] = root.firstChild + child; stackDepth[top] = 1; top += 1
                }
                while top > 0 {
                    top -= 1
                    let node = trie[Int(stackNode[top])], depth = Int(stackDepth[top])
                    guard depth < 25 else { continue }
                    let ti = Int(node.letter)
                    charAtDepth[depth] = node.char
                    let p = (depth - 1) * width, c = depth * width
                    let dt = deletion[ti]
                    let row = ti * width
                    columns[c] = columns[p] + dt
                    var low = columns[c]
                    // The column, cell by cell: pointers and wrapping index arithmetic (no overflow
                    // can occur: indices stay below 26 * width), as -Ounchecked had compiled it.
                    let pc = columns.baseAddress! + p, cc = columns.baseAddress! + c
                    let sr = sub.baseAddress! + row, ip = ins.baseAddress!
                    var j = 1
                    while j <= n {
                        var v = pc[j &- 1] + sr[j]
                        v = min(v, pc[j] + dt)
                        v = min(v, cc[j &- 1] + ip[j])
                        cc[j] = v
                        j &+= 1
                    }
                    if anySplit[ti] {
                        for j in 2...max(2, n) where split[row + j] < .infinity {
                            lower(c, j, to: columns[p + j - 2] + split[row + j])
                        }
                    }
                    let m0 = Int(mergeStart[ti]), m1 = Int(mergeStart[ti + 1])
                    if m0 < m1, depth >= 2 {
                        let prev = charAtDepth[depth - 1], g = (depth - 2) * width
                        for m in m0..<m1 where mergePrev[m] == prev {
                            let j = Int(mergeJ[m])
                            lower(c, j, to: columns[g + j - 1] + mergeCost[m])
                        }
                    }
                    j = 1
                    while j <= n { low = min(low, cc[j]); j &+= 1 }
                    let bound = min(best + margin, limit)
                    if low > bound { continue }
                    let entry = node.terminal
                    if entry >= 0 {
                        let total = columns[c + n]
                        if total <= bound {
                            found.append(Candidate(entry: entry, cost: total))
                            best = min(best, total)
                        }
                    }
                    precondition(top + Int(node.childCount) <= stackSize, "trie walk stack")
                    for child in 0..<Int32(node.childCount) {
                        stackNode[top] = node.firstChild + child; stackDepth[top] = Int32(depth + 1); top += 1
                    }
                }
                if limit >= ceiling { break }
                if found.isEmpty { limit = ceiling; continue }
                if best + margin <= limit { break }
                limit = min(best + margin, ceiling)
            }
        }}}}}}}}}}}}}}
        found.removeAll { $0.cost > best + margin }
        found.sort { $0.cost < $1.cost }
        if found.count > maxCandidates { found.removeLast(found.count - maxCandidates) }
        return found
    }

    /// An OCR word prepared for `readingCost`: its insertion costs and substitution columns looked
    /// up once, since one word is compared with hundreds of listed names.
    public struct Reading {
        let ocr: [Unicode.Scalar]
        let insertion: [Float]
        /// Each scalar's column in `substitutionMatrix`, or −1 (then `ConfusionModel.cost`).
        let column: [Int]
    }

    public func reading(_ ocr: [Unicode.Scalar]) -> Reading {
        Reading(ocr: ocr, insertion: [0] + ocr.map { confusions.insertion[$0] ?? ConfusionModel.unseenIndel },
                column: ocr.map { ocrIndex[$0] ?? -1 })
    }

    /// The channel cost of reading the lower-case word `target` as `ocr`: the weighted edit distance
    /// the trie walk computes, along one path. For a word the walk would not reach (a place's
    /// syllable behind commoner ones: "miling" is "miệng" before it is "mường"), compared with
    /// the cost of what was chosen. Infinity past `bound`.
    public func readingCost(of target: [Unicode.Scalar], as ocr: [Unicode.Scalar], bound: Float = .infinity) -> Float {
        readingCost(of: target, as: reading(ocr), bound: bound)
    }

    public func readingCost(of target: [Unicode.Scalar], as reading: Reading, bound: Float = .infinity) -> Float {
        let ocr = reading.ocr, ins = reading.insertion, columnOf = reading.column
        let n = ocr.count
        guard n > 0, !target.isEmpty else { return .infinity }
        let width = n + 1, columns = ocrIndex.count
        // (Called for thousands of listed names per page: its columns live on the stack.)
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * width) { buffer -> Float in
            let before = buffer.baseAddress!, previous = before + width, column = previous + width
            before.update(repeating: .infinity, count: width)   // the column two letters back (for 2→1 readings)
            previous[0] = 0
            for j in 1...n { previous[j] = previous[j - 1] + ins[j] }
            for (d, t) in target.enumerated() {
                guard let ti = alphabetIndex[t] else { return .infinity }
                let dt = deletionByLetter[ti]
                column[0] = previous[0] + dt
                for j in 1...n {
                    let c = columnOf[j - 1]
                    let s = c >= 0 ? substitutionMatrix[ti * columns + c] : confusions.cost(t, ocr[j - 1])
                    column[j] = min(previous[j - 1] + s, previous[j] + dt, column[j - 1] + ins[j])
                }
                for (o1, o2, c) in splitsByLetter[ti] {
                    for j in stride(from: 2, through: n, by: 1) where ocr[j - 2] == o1 && ocr[j - 1] == o2 {
                        column[j] = min(column[j], previous[j - 2] + c)
                    }
                }
                if d >= 1 {
                    for (t1, o, c) in mergesByLetter[ti] where t1 == target[d - 1] {
                        for j in 1...n where ocr[j - 1] == o { column[j] = min(column[j], before[j - 1] + c) }
                    }
                }
                var low = column[0]
                for j in 1...n { column[j] = min(column[j], column[j - 1] + ins[j]); low = min(low, column[j]) }
                if low > bound { return .infinity }
                before.update(from: previous, count: width)
                previous.update(from: column, count: width)
            }
            return previous[n]
        }
    }
}
