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
        // States of all positions in flat arrays: a state is (token before, token, option, back).
        var stU: [Int32] = [LanguageModel.boundary], stV: [Int32] = [LanguageModel.boundary]
        var stOption: [Int32] = [0], stBack: [Int32] = [-1], stCost: [Float] = [0]
        let estimate = positions.count * 4
        stU.reserveCapacity(estimate); stV.reserveCapacity(estimate); stOption.reserveCapacity(estimate)
        stBack.reserveCapacity(estimate); stCost.reserveCapacity(estimate)
        var prevStart = 0, prevEnd = 1, prevOptions = 1
        var mostOptions = 1
        for p in 0..<positions.count { mostOptions = max(mostOptions, positions.range(p).count) }
        // Scratch for one step, filled in phases so that its look-ups do not wait for each other:
        // the contexts of all states, then all their trigrams, then the bigrams the misses need.
        let scratch = Scratch(states: beam, options: mostOptions)
        defer { scratch.free() }
        let contextWeight = scratch.contextWeight, contextStart = scratch.contextStart, contextEnd = scratch.contextEnd
        let logP = scratch.logP, backedOff = scratch.backedOff
        let bigram = scratch.bigram, needsBigram = scratch.needsBigram
        let table = scratch.table, tableBack = scratch.tableBack, order = scratch.order
        let previousToken = scratch.previousToken
        let searchLo = scratch.searchLo, searchHi = scratch.searchHi, searchKey = scratch.searchKey, found = scratch.found
        positions.options.withUnsafeBufferPointer { allOptions in
        for p in 0..<positions.count {
            let range = positions.range(p)
            let options = allOptions.baseAddress! + range.lowerBound
            let k = range.count
            let cells = prevOptions * k
            let states = prevEnd - prevStart
            // The contexts (u, v) of all states: bigram entries of u.
            for s in 0..<states {
                let u = Int(stU[prevStart + s])
                searchLo[s] = lm.biStart[u]; searchHi[s] = lm.biStart[u + 1]
                searchKey[s] = UInt16(truncatingIfNeeded: stV[prevStart + s])
                previousToken[Int(stOption[prevStart + s])] = stV[prevStart + s]
            }
            kh_find_many(lm.biW, searchLo, searchHi, searchKey, found, Int32(states), lm.bigrams, Int32(MemoryLayout<RawTables.BigramRecord>.stride))
            for s in 0..<states {
                let b = Int(found[s])
                let record = lm.bigrams[max(b, 0)]
                contextWeight[s] = b >= 0 ? record.gamma : 0
                contextStart[s] = b >= 0 ? record.triStart : 0
                contextEnd[s] = b >= 0 ? record.triEnd : 0
            }
            // Every (state, option) trigram.
            for s in 0..<states {
                for oi in 0..<k {
                    searchLo[s * k + oi] = contextStart[s]; searchHi[s * k + oi] = contextEnd[s]
                    searchKey[s * k + oi] = UInt16(truncatingIfNeeded: options[oi].lmID)
                }
            }
            kh_find_values(lm.triW, searchLo, searchHi, searchKey, lm.triLogP, 1, logP, Int32(states * k))
            needsBigram.update(repeating: false, count: cells)
            for s in 0..<states {
                let row = Int(stOption[prevStart + s]) * k
                for oi in 0..<k where logP[s * k + oi].isNaN { needsBigram[row + oi] = true }
            }
            // ln P(w | v) for (previous option, option), where a state backs off to it.
            var asked = 0
            for c in 0..<cells where needsBigram[c] {
                let v = Int(previousToken[c / k])
                searchLo[asked] = lm.biStart[v]; searchHi[asked] = lm.biStart[v + 1]
                searchKey[asked] = UInt16(truncatingIfNeeded: options[c % k].lmID)
                asked += 1
            }
            // (C reads the records' first field, logP, a record being `recordFloats` floats.)
            kh_find_values(lm.biW, searchLo, searchHi, searchKey, UnsafeRawPointer(lm.bigrams).assumingMemoryBound(to: Float.self),
                           Int32(RawTables.recordFloats), backedOff, Int32(asked))
            asked = 0
            for c in 0..<cells where needsBigram[c] {
                let v = Int(previousToken[c / k]), w = Int(options[c % k].lmID)
                let value = backedOff[asked]
                bigram[c] = value.isNaN ? lm.logGamma1[v] + lm.logP1[w] : value
                asked += 1
            }
            for s in 0..<states {
                let row = Int(stOption[prevStart + s]) * k
                for oi in 0..<k where logP[s * k + oi].isNaN { logP[s * k + oi] = contextWeight[s] + bigram[row + oi] }
            }
            table.update(repeating: .infinity, count: cells)
            tableBack.update(repeating: -1, count: cells)
            for s in 0..<states {
                let si = prevStart + s
                let base = stCost[si]
                let row = Int(stOption[si]) * k
                for oi in 0..<k {
                    let cost = base + options[oi].cost - logP[s * k + oi]
                    if cost < table[row + oi] { table[row + oi] = cost; tableBack[row + oi] = Int32(si) }
                }
            }
            // Keep the best `beam` cells (insertion into a short sorted list: no full sort) within
            // `beamMargin` of the best.
            var kept = 0
            for c in 0..<cells where tableBack[c] >= 0 {
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
            let start = stU.count
            if kept > 0 {
                let limit = table[order[0]] + beamMargin
                for i in 0..<kept where table[order[i]] <= limit {
                    let c = order[i]
                    let back = tableBack[c]
                    stU.append(stV[Int(back)]); stV.append(options[c % k].lmID)
                    stOption.append(Int32(c % k)); stBack.append(back); stCost.append(table[c])
                }
            }
            prevStart = start; prevEnd = stU.count; prevOptions = k
        }
        }
        // Close the document with a boundary and trace back.
        var bestIndex = prevStart
        var bestCost = Float.infinity
        for si in prevStart..<prevEnd {
            let context = lm.context(stU[si], stV[si])
            let c = stCost[si] - (lm.trigramLogP(context, LanguageModel.boundary) ?? context.weight + lm.logP(LanguageModel.boundary, after: stV[si]))
            if c < bestCost { bestCost = c; bestIndex = si }
        }
        var chosen = [Int](repeating: 0, count: positions.count)
        var index = bestIndex
        for p in stride(from: positions.count - 1, through: 0, by: -1) {
            chosen[p] = Int(stOption[index])
            index = Int(stBack[index])
        }
        return chosen
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

    /// Buffers for one decoding step, sized once per document.
    private struct Scratch {
        let contextWeight: UnsafeMutablePointer<Float>, contextStart: UnsafeMutablePointer<Int32>, contextEnd: UnsafeMutablePointer<Int32>
        let searchLo, searchHi, found: UnsafeMutablePointer<Int32>
        let searchKey: UnsafeMutablePointer<UInt16>
        let logP, bigram, backedOff, table: UnsafeMutablePointer<Float>
        let needsBigram: UnsafeMutablePointer<Bool>
        let tableBack: UnsafeMutablePointer<Int32>
        let order: UnsafeMutablePointer<Int>
        let previousToken: UnsafeMutablePointer<Int32>

        init(states: Int, options: Int) {
            let cells = options * max(options, states)
            contextWeight = .allocate(capacity: states); contextStart = .allocate(capacity: states); contextEnd = .allocate(capacity: states)
            logP = .allocate(capacity: states * options); backedOff = .allocate(capacity: cells); bigram = .allocate(capacity: cells); table = .allocate(capacity: cells)
            needsBigram = .allocate(capacity: cells); tableBack = .allocate(capacity: cells)
            order = .allocate(capacity: states + 1); previousToken = .allocate(capacity: options)
            let searches = max(cells, states * options)
            searchLo = .allocate(capacity: searches); searchHi = .allocate(capacity: searches)
            searchKey = .allocate(capacity: searches); found = .allocate(capacity: searches)
        }

        func free() {
            contextWeight.deallocate(); contextStart.deallocate(); contextEnd.deallocate()
            logP.deallocate(); backedOff.deallocate(); bigram.deallocate(); table.deallocate()
            needsBigram.deallocate(); tableBack.deallocate(); order.deallocate(); previousToken.deallocate()
            searchLo.deallocate(); searchHi.deallocate(); searchKey.deallocate(); found.deallocate()
        }
    }
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
