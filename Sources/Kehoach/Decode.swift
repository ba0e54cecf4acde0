import CNgramSearch

/// Chooses one option per position so that channel costs plus the trigram language model cost is
/// least over the whole document (a second-order Viterbi search with a beam), across line breaks:
/// stage 4 of the pipeline.
public struct Decoder: Sendable {
    public struct Option: Sendable {
        public let lmID: Int32
        public let cost: Float   // channel cost, already weighted
    }

    /// Positions and their options in flat arrays: the options of position p are
    /// `options[starts[p] ..< starts[p + 1]]` (no array per position).
    public struct Lattice: Sendable {
        public private(set) var options: [Option] = []
        public private(set) var starts: [Int32] = [0]
        public init() {}
        public init(_ positions: [[Option]]) { for p in positions { append(p) } }
        public var count: Int { starts.count - 1 }
        @inline(__always) public func range(_ p: Int) -> Range<Int> { Int(starts[p])..<Int(starts[p + 1]) }
        public mutating func reserve(_ n: Int) { options.reserveCapacity(n * 3); starts.reserveCapacity(n + 1) }
        public mutating func append<C: Collection>(_ opts: C) where C.Element == Option {
            options.append(contentsOf: opts)
            starts.append(Int32(options.count))
        }
        public mutating func append(_ option: Option) {
            options.append(option)
            starts.append(Int32(options.count))
        }
        public subscript(_ p: Int) -> ArraySlice<Option> { options[range(p)] }
        /// Adds to the cost of option `index` (an index into `options`).
        public mutating func addCost(_ cost: Float, at index: Int) {
            options[index] = Option(lmID: options[index].lmID, cost: options[index].cost + cost)
        }
    }

    /// States kept per position, and how far behind the best one a state may fall.
    public var beam = 8
    /// (14 nats: from 13 up every corpus file restores exactly as at 18, the margin before; at 12
    /// one word of 8,000 changes (`kehoach eval restore --param beamMargin=N`). Each state kept
    /// costs about 30 look-ups at the next word, and 14 is 15–20 % faster than 18.)
    public var beamMargin: Float = 14

    public init() {}

    /// Returns the index of the chosen option for every position.
    public func decode(_ positions: [[Option]], lm: LanguageModel) -> [Int] {
        decode(Lattice(positions), lm: lm)
    }

    public func decode(_ lattice: Lattice, lm: LanguageModel) -> [Int] {
        guard lattice.count > 0 else { return [] }
        let positions = lattice
        let lm = lm.raw
        let beam = max(1, self.beam)
        // The states of all positions, in one array (a position's states are contiguous).
        let opening = lm.context(LanguageModel.boundary, LanguageModel.boundary)
        // (The opening's signature rules nothing out: its one position is searched in full.)
        var states = [State(option: 0, back: -1, cost: 0, weight: opening.weight, runStart: Int32(opening.start), runEnd: Int32(opening.end),
                            signature: ~0)]
        states.reserveCapacity(positions.count * 4)
        var prevStart = 0, prevEnd = 1, prevOptions = 1
        var mostOptions = 1
        for p in 0..<positions.count { mostOptions = max(mostOptions, positions.range(p).count) }
        let scratch = Scratch(states: beam, options: mostOptions)
        defer { scratch.free() }
        let logP = scratch.logP, table = scratch.table, tableBack = scratch.tableBack, order = scratch.order
        let searchLo = scratch.searchLo, searchHi = scratch.searchHi, searchKey = scratch.searchKey, found = scratch.found
        let searchCell = scratch.searchCell, rowSeen = scratch.rowSeen, bigramOf = scratch.bigramOf, optionBit = scratch.optionBit
        let lowValues = UnsafeRawPointer(lm.bigrams).assumingMemoryBound(to: CChar.self)
        let highValues = UnsafeRawPointer(lm.triLogP).assumingMemoryBound(to: CChar.self)
        let boundary = [Decoder.Option(lmID: LanguageModel.boundary, cost: 0)]
        positions.options.withUnsafeBufferPointer { allOptions in
        boundary.withUnsafeBufferPointer { boundaryOption in
        var previous = boundaryOption.baseAddress!
        for p in 0..<positions.count {
            let range = positions.range(p)
            let options = allOptions.baseAddress! + range.lowerBound
            let k = range.count
            let cells = prevOptions * k
            let stateCount = prevEnd - prevStart
            // All of this step's searches in one batch, so that they wait for memory together (the
            // keys of both tables are one array): first the bigram of every previous option that
            // some state holds (2.3 of 3.9 on average) with every option (the backoff of a missing
            // trigram, and the context the new states will have), then the trigrams of the states
            // whose context has any. A search the run's signature rules out is not made: that
            // leaves about half of them.
            for oi in 0..<k {
                optionBit[oi] = UInt16(RawTables.signatureBit(options[oi].lmID))
                // The options here are the next step's previous options: ask for their signatures now.
                kh_prefetch(lm.successorSignatures + Int(options[oi].lmID) * RawTables.successorWords)
            }
            var searches = 0
            for j in 0..<prevOptions { rowSeen[j] = false }
            for s in 0..<stateCount {
                let j = Int(states[prevStart + s].option)
                guard !rowSeen[j] else { continue }
                rowSeen[j] = true
                let v = Int(previous[j].lmID)
                let signature = lm.successorSignatures + v * RawTables.successorWords
                let lo = lm.biStart[v], hi = lm.biStart[v + 1]
                for oi in 0..<k {
                    bigramOf[j * k + oi] = -1
                    let bit = Int(optionBit[oi])
                    // Written either way, kept only if the signature has the bit (no branch to mispredict).
                    searchLo[searches] = lo; searchHi[searches] = hi
                    searchKey[searches] = UInt16(truncatingIfNeeded: options[oi].lmID)
                    searchCell[searches] = Int32(j * k + oi)
                    searches += Int(truncatingIfNeeded: signature[bit >> 6] >> UInt64(bit & 63) & 1)
                }
            }
            let bigramSearches = searches
            for s in 0..<stateCount where states[prevStart + s].runEnd > states[prevStart + s].runStart {
                let state = states[prevStart + s]
                let lo = state.runStart + lm.trigramOffset, hi = state.runEnd + lm.trigramOffset
                for oi in 0..<k {
                    searchLo[searches] = lo; searchHi[searches] = hi
                    searchKey[searches] = UInt16(truncatingIfNeeded: options[oi].lmID)
                    searchCell[searches] = Int32(s * k + oi)
                    searches += Int(truncatingIfNeeded: state.signature >> UInt64(optionBit[oi] & 63) & 1)
                }
            }
            kh_find_many(lm.keys, searchLo, searchHi, searchKey, found, Int32(searches))
            // Ask for every answer's value at once: read one loop at a time below, each would wait.
            kh_prefetch_values(found, Int32(searches), lm.trigramOffset, lowValues, Int32(MemoryLayout<RawTables.BigramRecord>.stride),
                               highValues, 4)
            for i in 0..<bigramSearches { bigramOf[Int(searchCell[i])] = found[i] }
            // The backoff ln P(w | v) in every cell first, then the trigrams found in their cells: the
            // two kinds of value load do not wait on each other.
            for s in 0..<stateCount {
                let j = Int(states[prevStart + s].option), weight = states[prevStart + s].weight
                for oi in 0..<k {
                    let b = Int(bigramOf[j * k + oi])
                    logP[s * k + oi] = weight + (b >= 0 ? lm.bigrams[b].logP
                        : lm.logGamma1[Int(previous[j].lmID)] + lm.logP1[Int(options[oi].lmID)])
                }
            }
            for i in bigramSearches..<searches where found[i] >= 0 {
                logP[Int(searchCell[i])] = lm.triLogP[Int(found[i] - lm.trigramOffset)]
            }
            table.update(repeating: .infinity, count: cells)
            tableBack.update(repeating: -1, count: cells)
            var best = Float.infinity
            for s in 0..<stateCount {
                let si = prevStart + s
                let base = states[si].cost
                let row = Int(states[si].option) * k
                for oi in 0..<k {
                    let cost = base + options[oi].cost - logP[s * k + oi]
                    if cost < table[row + oi] { table[row + oi] = cost; tableBack[row + oi] = Int32(si) }
                    best = min(best, cost)
                }
            }
            // Keep the best `beam` cells within `beamMargin` of the best (insertion into a short
            // sorted list, of the few cells within the margin: no full sort).
            let limit = best + beamMargin
            var kept = 0
            for c in 0..<cells where table[c] <= limit && tableBack[c] >= 0 {
                let cost = table[c]
                if kept == beam {
                    if cost >= table[order[beam - 1]] { continue }
                    kept -= 1
                }
                var at = kept
                while at > 0, table[order[at - 1]] > cost { order[at] = order[at - 1]; at -= 1 }
                order[at] = c
                kept += 1
            }
            let start = states.count
            for i in 0..<kept {
                let c = order[i]
                // Its context is the bigram of cell c, searched above.
                let b = Int(bigramOf[c])
                let record = lm.bigrams[max(b, 0)]
                states.append(State(option: Int32(c % k), back: tableBack[c], cost: table[c], weight: b >= 0 ? record.gamma : 0,
                                    runStart: b >= 0 ? record.triStart : 0, runEnd: b >= 0 ? record.triEnd : 0,
                                    signature: b >= 0 ? record.triSignature : 0))
            }
            prevStart = start; prevEnd = states.count; prevOptions = k; previous = options
        }
        }
        }
        // Close the document with a boundary and trace back.
        var bestIndex = prevStart
        var bestCost = Float.infinity
        let last = positions.range(positions.count - 1).lowerBound
        for si in prevStart..<prevEnd {
            let v = positions.options[last + Int(states[si].option)].lmID
            let context = LanguageModel.Context(v: v, weight: states[si].weight, start: Int(states[si].runStart), end: Int(states[si].runEnd))
            let c = states[si].cost - (lm.trigramLogP(context, LanguageModel.boundary) ?? context.weight + lm.logP(LanguageModel.boundary, after: v))
            if c < bestCost { bestCost = c; bestIndex = si }
        }
        var chosen = [Int](repeating: 0, count: positions.count)
        var index = bestIndex
        for p in stride(from: positions.count - 1, through: 0, by: -1) {
            chosen[p] = Int(states[index].option)
            index = Int(states[index].back)
        }
        return chosen
    }

    /// The cost of a path (one option per position): its options' costs plus −ln of its tokens
    /// under `lm`, from the document's opening to its closing boundary, as `decode` counts it.
    /// Two models' best paths for the same text compare by it.
    public func pathCost(_ positions: Lattice, _ chosen: [Int], lm: LanguageModel) -> Double {
        var u = LanguageModel.boundary, v = LanguageModel.boundary
        var total = 0.0
        for p in 0..<positions.count where positions.range(p).count > 0 {
            let option = positions.options[positions.range(p).lowerBound + chosen[p]]
            total += Double(option.cost) - Double(lm.logP(option.lmID, after: u, v))
            u = v; v = option.lmID
        }
        return total - Double(lm.logP(LanguageModel.boundary, after: u, v))
    }

    /// Probability of each option at `position`, the chosen neighbours held fixed: what
    /// `--changes` reports as confidence.
    public func localPosterior(_ positions: [[Option]], chosen: [Int], at position: Int, lm: LanguageModel) -> [Double] {
        localPosterior(Lattice(positions), chosen: chosen, at: position, lm: lm)
    }

    public func localPosterior(_ positions: Lattice, chosen: [Int], at position: Int, lm: LanguageModel) -> [Double] {
        func id(_ p: Int) -> Int32 {
            p < 0 || p >= positions.count ? LanguageModel.boundary : positions.options[positions.range(p).lowerBound + chosen[p]].lmID
        }
        let u = id(position - 2), v = id(position - 1), x = id(position + 1), y = id(position + 2)
        let scores = positions[position].map { o -> Double in
            var s = -Double(o.cost) + Double(lm.logP(o.lmID, after: u, v))
            s += Double(lm.logP(x, after: v, o.lmID))
            if position + 1 < positions.count { s += Double(lm.logP(y, after: o.lmID, x)) }
            return s
        }
        let top = scores.max() ?? 0
        let e = scores.map { exp($0 - top) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// An option chosen at a position with the state before it (`back`, an index into the same
    /// array), and its context (the two tokens that end there) as the model has it: the backoff
    /// weight and the run of trigrams that follow (empty where the model lacks the context).
    private struct State {
        let option: Int32, back: Int32
        let cost: Float
        let weight: Float
        let runStart: Int32, runEnd: Int32
        let signature: UInt64
    }

    /// Buffers for one decoding step, sized once per document.
    private struct Scratch {
        let logP, table: UnsafeMutablePointer<Float>
        let searchLo, searchHi, found, searchCell: UnsafeMutablePointer<Int32>
        let searchKey: UnsafeMutablePointer<UInt16>
        let tableBack: UnsafeMutablePointer<Int32>
        let order: UnsafeMutablePointer<Int>
        let rowSeen: UnsafeMutablePointer<Bool>
        let bigramOf: UnsafeMutablePointer<Int32>
        let optionBit: UnsafeMutablePointer<UInt16>

        init(states: Int, options: Int) {
            let cells = options * max(options, states)
            let searches = cells + states * options
            logP = .allocate(capacity: states * options); table = .allocate(capacity: cells); tableBack = .allocate(capacity: cells)
            searchLo = .allocate(capacity: searches); searchHi = .allocate(capacity: searches); found = .allocate(capacity: searches)
            searchCell = .allocate(capacity: searches); searchKey = .allocate(capacity: searches)
            order = .allocate(capacity: states + 1)
            rowSeen = .allocate(capacity: options); bigramOf = .allocate(capacity: cells); optionBit = .allocate(capacity: options)
        }

        func free() {
            logP.deallocate(); table.deallocate(); tableBack.deallocate()
            searchLo.deallocate(); searchHi.deallocate(); found.deallocate(); searchCell.deallocate(); searchKey.deallocate()
            order.deallocate(); rowSeen.deallocate(); bigramOf.deallocate(); optionBit.deallocate()
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
