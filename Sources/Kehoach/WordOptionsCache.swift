/// The decoder options of the OCR words already seen, keyed by the word's scalars: looking a word
/// up makes no String and runs no SipHash, and the answer is a range of two flat arrays, not two
/// arrays to retain. Most words of a document after its first pages are found here.
struct WordOptionsCache {
    private struct Slot {
        var hash: UInt64 = 0
        var keyStart: Int32 = -1          // −1: empty
        var keyLength: Int32 = 0
        var optionStart: Int32 = 0
        var optionCount: Int32 = 0
    }

    /// Forms kept before the cache starts again (their scalars, options and slots).
    let limit: Int
    private var slots: [Slot]
    private var keys: [UInt32] = []
    private(set) var options: [Decoder.Option] = []
    private(set) var entries: [Int32] = []
    private(set) var count = 0

    init(limit: Int) {
        self.limit = limit
        // Half full at most: probes stay short.
        var size = 1024
        while size < limit * 2 { size *= 2 }
        slots = [Slot](repeating: Slot(), count: size)
    }

    /// FNV-1a over the scalars, and whether the word is part of a document code (its options differ).
    private static func hash(_ word: ArraySlice<Unicode.Scalar>, inCode: Bool) -> UInt64 {
        var h: UInt64 = inCode ? 0x84222325CBF29CE4 : 0xCBF29CE484222325
        for s in word { h = (h ^ UInt64(s.value)) &* 0x100000001B3 }
        return h
    }

    /// Where the options of `word` are in `options` and `entries`, if it was seen.
    func find(_ word: ArraySlice<Unicode.Scalar>, inCode: Bool) -> Range<Int>? {
        let h = Self.hash(word, inCode: inCode)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i].keyStart >= 0 {
            let slot = slots[i]
            if slot.hash == h, Int(slot.keyLength) == word.count, matches(slot, word) {
                return Int(slot.optionStart)..<Int(slot.optionStart + slot.optionCount)
            }
            i = (i + 1) & mask
        }
        return nil
    }

    private func matches(_ slot: Slot, _ word: ArraySlice<Unicode.Scalar>) -> Bool {
        var k = Int(slot.keyStart)
        for s in word {
            if keys[k] != s.value { return false }
            k += 1
        }
        return true
    }

    /// Stores the options of `word` (starting again when `limit` forms are stored) and returns
    /// where they are.
    @discardableResult
    mutating func insert(_ word: ArraySlice<Unicode.Scalar>, inCode: Bool, options newOptions: [Decoder.Option],
                         entries newEntries: [Int32]) -> Range<Int> {
        if let found = find(word, inCode: inCode) { return found }
        if count >= limit { removeAll() }
        let h = Self.hash(word, inCode: inCode)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i].keyStart >= 0 { i = (i + 1) & mask }
        let start = options.count
        slots[i] = Slot(hash: h, keyStart: Int32(keys.count), keyLength: Int32(word.count),
                        optionStart: Int32(start), optionCount: Int32(newOptions.count))
        keys.append(contentsOf: word.lazy.map(\.value))
        options.append(contentsOf: newOptions)
        entries.append(contentsOf: newEntries)
        count += 1
        return start..<options.count
    }

    mutating func removeAll() {
        for i in slots.indices { slots[i].keyStart = -1 }
        keys.removeAll(keepingCapacity: true)
        options.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        count = 0
    }
}
