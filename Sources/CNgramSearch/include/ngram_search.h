// Branch-free binary search over sorted runs of 16-bit keys, for the decoder's n-gram look-ups.
// In C because the branch-free form must survive the optimizer: Swift's ternaries reach LLVM as
// branches, and a branch on each loaded key makes every look-up wait for the one before it.
#ifndef NGRAM_SEARCH_H
#define NGRAM_SEARCH_H
#include <stdint.h>

/// For each i < count: the index of w[i] in the sorted run keys[lo[i] ..< hi[i]], or -1.
/// The searches advance in lock step (up to 64 at a time), so their memory loads overlap.
/// Reads keys[hi[i]]: the table needs one element of slack at its end.
void kh_find_many(const uint16_t *keys, const int32_t *lo, const int32_t *hi, const uint16_t *w,
                  int32_t *found, int32_t count);

/// Asks for the value of every found key: keys before `split` have theirs at low + i * lowStride, the
/// others at high + (i - split) * highStride.
void kh_prefetch_values(const int32_t *found, int32_t count, int32_t split, const char *low, int32_t lowStride,
                        const char *high, int32_t highStride);

/// Asks for the cache line at p (Swift has no prefetch of its own).
static inline void kh_prefetch(const void *p) { __builtin_prefetch(p); }

/// One search, for callers outside the decoder's inner loop.
static inline int32_t kh_find(const uint16_t *keys, int32_t lo, int32_t hi, uint16_t w) {
    int32_t found;
    kh_find_many(keys, &lo, &hi, &w, &found, 1);
    return found;
}
#endif
