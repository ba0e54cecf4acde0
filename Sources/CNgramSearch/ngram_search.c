#include "ngram_search.h"
#include <stddef.h>

enum { lanes = 64 };

// The lanes [group, group + m) of one batch, searched in lock step; found[i] as kh_find_many's.
static inline void search_group(const uint16_t *keys, const int32_t *lo, const int32_t *hi, const uint16_t *w,
                                int32_t *found, int32_t m) {
    const uint16_t *base[lanes];
    int32_t n[lanes], longest = 0;
    for (int32_t i = 0; i < m; i++) {
        base[i] = keys + lo[i];
        n[i] = hi[i] - lo[i];
        if (n[i] > longest) longest = n[i];
    }
    // Halve every run until one key is left; a run already down to one stays put.
    while (longest > 1) {
        longest -= longest >> 1;
        for (int32_t i = 0; i < m; i++) {
            int32_t half = n[i] >> 1;
            base[i] = __builtin_unpredictable(base[i][half] < w[i]) ? base[i] + half : base[i];
            n[i] -= half;
        }
    }
    for (int32_t i = 0; i < m; i++) {
        int32_t at = (int32_t)(base[i] - keys) + (*base[i] < w[i]);
        found[i] = (at < hi[i] && keys[at] == w[i]) ? at : -1;
    }
}

void kh_find_many(const uint16_t *keys, const int32_t *lo, const int32_t *hi, const uint16_t *w,
                  int32_t *found, int32_t count) {
    for (int32_t group = 0; group < count; group += lanes) {
        int32_t m = count - group < lanes ? count - group : lanes;
        search_group(keys, lo + group, hi + group, w + group, found + group, m);
    }
}

void kh_prefetch_values(const int32_t *found, int32_t count, int32_t split, const char *low, int32_t lowStride,
                        const char *high, int32_t highStride) {
    for (int32_t i = 0; i < count; i++) {
        int32_t at = found[i] < 0 ? 0 : found[i];
        __builtin_prefetch(at < split ? low + (size_t)at * lowStride : high + (size_t)(at - split) * highStride);
    }
}
