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
    public var beamMargin: Float = 18

    public init() {}

    /// Returns the index of the chosen option for every position.
    public func decode(_ positions: [[Option]], lm: LanguageModel) -> [Int] {
        decode(Lattice(positions), lm: lm)
    }

    public func decode(_ lattice: Lattice, lm: LanguageModel) -> [Int] {
        guard lattice.count > 0 else { return [] }
        let positions = lattice
        let lm = lm.raw
        // States of all positions in flat arrays: a state is (token before, token, option, back).
        var stU: [Int32] = [LanguageModel.boundary], stV: [Int32] = [LanguageModel.boundary]
        var stOption: [Int32] = [0], stBack: [Int32] = [-1], stCost: [Float] = [0]
        let estimate = positions.count * 4
        stU.reserveCapacity(estimate); stV.reserveCapacity(estimate); stOption.reserveCapacity(estimate)
        stBack.reserveCapacity(estimate); stCost.reserveCapacity(estimate)
        var prevStart = 0, prevEnd = 1, prevOptions = 1
        var table: [Float] = [], tableBack: [Int32] = []
        var order: [Int] = []
        var bigram: [Float] = []
        for p in 0..<positions.count {
            let options = positions[p]
            let first = options.startIndex
            let k = options.count
            let cells = prevOptions * k
            // ln P(w | v) for (previous option, option), states share their v: filled only where a
            // state needs it, when the trigram was not kept.
            bigram.removeAll(keepingCapacity: true)
            bigram.append(contentsOf: repeatElement(Float.nan, count: cells))
            table.removeAll(keepingCapacity: true)
            table.append(contentsOf: repeatElement(Float.infinity, count: cells))
            tableBack.removeAll(keepingCapacity: true)
            tableBack.append(contentsOf: repeatElement(-1, count: cells))
            for si in prevStart..<prevEnd {
                let u = stU[si], v = stV[si], base = stCost[si]
                let row = Int(stOption[si]) * k
                let context = lm.context(u, v)
                for oi in 0..<k {
                    let o = options[first + oi]
                    let logP: Float
                    if let p = lm.trigramLogP(context, o.lmID) {
                        logP = p
                    } else {
                        if bigram[row + oi].isNaN { bigram[row + oi] = lm.logP(o.lmID, after: v) }
                        logP = context.weight + bigram[row + oi]
                    }
                    let cost = base + o.cost - logP
                    if cost < table[row + oi] { table[row + oi] = cost; tableBack[row + oi] = Int32(si) }
                }
            }
            // Keep the best `beam` cells (insertion into a short sorted list: no full sort) within
            // `beamMargin` of the best.
            order.removeAll(keepingCapacity: true)
            for c in 0..<cells where tableBack[c] >= 0 {
                let cost = table[c]
                if order.count == beam {
                    if cost >= table[order[beam - 1]] { continue }
                    order.removeLast()
                }
                var at = order.count
                while at > 0, table[order[at - 1]] > cost { at -= 1 }
                order.insert(c, at: at)
            }
            let best = order.isEmpty ? Float.infinity : table[order[0]]
            let start = stU.count
            for c in order where table[c] <= best + beamMargin {
                let back = tableBack[c]
                stU.append(stV[Int(back)]); stV.append(options[first + c % k].lmID)
                stOption.append(Int32(c % k)); stBack.append(back); stCost.append(table[c])
            }
            prevStart = start; prevEnd = stU.count; prevOptions = k
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
}

#if canImport(Glibc)
import Glibc
#else
import Foundation
#endif
