/// The decoder options of the OCR words already seen, keyed by the word's scalars: looking a word
/// up makes no String and runs no SipHash, and the answer is a range of two flat arrays, not two
/// arrays to retain. Most words of a document after its first pages are found here.
struct WordOptionsCache {
    private struct Slot {
        var hash: UInt32 = 0
        var keyLength: UInt16 = 0
        var optionCount: UInt16 = 0
        var keyStart: Int32 = -1          // −1: empty
        var optionStart: Int32 = 0
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
        slots = [Slot](repeating: Slot(), count: 1024)
    }

    /// FNV-1a over the scalars and whether the word is part of a document code (its options differ),
    /// folded to 32 bits: they place the slot and are compared before the scalars are.
    private static func hash(_ word: ArraySlice<Unicode.Scalar>, inCode: Bool) -> UInt32 {
        var h: UInt64 = inCode ? 0x84222325CBF29CE4 : 0xCBF29CE484222325
        for s in word { h = (h ^ UInt64(s.value)) &* 0x100000001B3 }
        return UInt32(truncatingIfNeeded: h ^ h >> 32)
    }

    /// Where the options of `word` are in `options` and `entries`, if it was seen.
    func find(_ word: ArraySlice<Unicode.Scalar>, inCode: Bool) -> Range<Int>? {
        let h = Self.hash(word, inCode: inCode)
        let mask = slots.count - 1
        var i = Int(h) & mask
        while slots[i].keyStart >= 0 {
            let slot = slots[i]
            if slot.hash == h, Int(slot.keyLength) == word.count, matches(slot, word) {
                return Int(slot.optionStart)..<Int(slot.optionStart) + Int(slot.optionCount)
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

    /// Stores the options of `word`, starting again when `limit` forms are stored. (A word of more
    /// than 65,535 scalars is not kept: no OCR word is that long. A word already stored, by another
    /// thread while this one worked its options out, is not stored twice.)
    mutating func insert(_ word: ArraySlice<Unicode.Scalar>, inCode: Bool, options newOptions: [Decoder.Option],
                         entries newEntries: [Int32]) {
        guard word.count <= UInt16.max, newOptions.count <= UInt16.max, find(word, inCode: inCode) == nil else { return }
        if count >= limit { removeAll() }
        // Half full at most, so that probes stay short; small while few words are kept, so that
        // it stays in cache.
        if (count + 1) * 2 > slots.count { grow() }
        let start = options.count
        place(Slot(hash: Self.hash(word, inCode: inCode), keyLength: UInt16(truncatingIfNeeded: word.count),
                   optionCount: UInt16(truncatingIfNeeded: newOptions.count), keyStart: Int32(keys.count), optionStart: Int32(start)))
        keys.append(contentsOf: word.lazy.map(\.value))
        options.append(contentsOf: newOptions)
        entries.append(contentsOf: newEntries)
        count += 1
    }

    private mutating func place(_ slot: Slot) {
        let mask = slots.count - 1
        var i = Int(slot.hash) & mask
        while slots[i].keyStart >= 0 { i = (i + 1) & mask }
        slots[i] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        for slot in old where slot.keyStart >= 0 { place(slot) }
    }

    mutating func removeAll() {
        for i in slots.indices { slots[i].keyStart = -1 }
        keys.removeAll(keepingCapacity: true)
        options.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        count = 0
    }
}
