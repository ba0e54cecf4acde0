/// Chooses one option per position so that channel costs plus the trigram language model cost is
/// least over the whole document (a second-order Viterbi search with a beam), across line breaks:
/// stage 4 of the pipeline.
public struct Decoder: Sendable {
    public struct Option: Sendable {
        public let lmID: Int32
        public let cost: Float   // channel cost, already weighted
    }

    /// States kept per position, and how far behind the best one a state may fall.
    public var beam = 12
    public var beamMargin: Float = 18

    public init() {}

    /// Returns the index of the chosen option for every position.
    public func decode(_ positions: [[Option]], lm: LanguageModel) -> [Int] {
        guard !positions.isEmpty else { return [] }
        struct State {
            var u: Int32        // token before the current one
            var v: Int32        // current token
            var option: Int32   // option index at this position
            var back: Int32     // state index at the previous position
            var cost: Float
        }
        var layers: [[State]] = []
        layers.reserveCapacity(positions.count)
        var previous = [State(u: LanguageModel.boundary, v: LanguageModel.boundary, option: -1, back: -1, cost: 0)]
        var table: [Float] = []
        var tableBack: [Int32] = []
        for options in positions {
            // Best cost into (option at previous position, option here); states that share the
            // previous option differ only in u, and merge.
            let prevOptions = max(1, (previous.map { Int($0.option) }.max() ?? 0) + 1)
            let k = options.count
            table.removeAll(keepingCapacity: true)
            table.append(contentsOf: repeatElement(Float.infinity, count: prevOptions * k))
            tableBack.removeAll(keepingCapacity: true)
            tableBack.append(contentsOf: repeatElement(-1, count: prevOptions * k))
            for (si, s) in previous.enumerated() {
                let weight = lm.contextWeight(s.u, s.v)
                let row = max(0, Int(s.option)) * k
                for (oi, o) in options.enumerated() {
                    let cost = s.cost + o.cost - lm.logP(o.lmID, after: s.u, s.v, contextWeight: weight)
                    if cost < table[row + oi] {
                        table[row + oi] = cost
                        tableBack[row + oi] = Int32(si)
                    }
                }
            }
            var next: [State] = []
            next.reserveCapacity(prevOptions * k)
            for p in 0..<prevOptions {
                for oi in 0..<k where tableBack[p * k + oi] >= 0 {
                    let back = tableBack[p * k + oi]
                    next.append(State(u: previous[Int(back)].v, v: options[oi].lmID, option: Int32(oi), back: back,
                                      cost: table[p * k + oi]))
                }
            }
            if next.count > beam {
                next.sort { $0.cost < $1.cost }
                let limit = next[0].cost + beamMargin
                var keep = beam
                while keep > 1, next[keep - 1].cost > limit { keep -= 1 }
                next.removeLast(next.count - keep)
            }
            layers.append(next)
            previous = next
        }
        // Close the document with a boundary and trace back.
        var bestIndex = 0
        var bestCost = Float.infinity
        for (i, s) in previous.enumerated() {
            let c = s.cost - lm.logP(LanguageModel.boundary, after: s.u, s.v)
            if c < bestCost { bestCost = c; bestIndex = i }
        }
        var chosen = [Int](repeating: 0, count: positions.count)
        var index = Int32(bestIndex)
        for p in stride(from: positions.count - 1, through: 0, by: -1) {
            let s = layers[p][Int(index)]
            chosen[p] = Int(s.option)
            index = s.back
        }
        return chosen
    }

    /// Probability of each option at `position`, the chosen neighbours held fixed: what
    /// `--changes` reports as confidence.
    public func localPosterior(_ positions: [[Option]], chosen: [Int], at position: Int, lm: LanguageModel) -> [Double] {
        func id(_ p: Int) -> Int32 {
            p < 0 || p >= positions.count ? LanguageModel.boundary : positions[p][chosen[p]].lmID
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
