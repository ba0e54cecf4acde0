#include "csearch.h"

enum { lanes = 16 };

void kh_find_many(const uint16_t *keys, const int32_t *lo, const int32_t *hi, const uint16_t *w,
                  int32_t *found, int32_t count, const void *records, int32_t record_size) {
    for (int32_t group = 0; group < count; group += lanes) {
        int32_t m = count - group < lanes ? count - group : lanes;
        const uint16_t *base[lanes];
        int32_t n[lanes], longest = 0;
        for (int32_t i = 0; i < m; i++) {
            base[i] = keys + lo[group + i];
            n[i] = hi[group + i] - lo[group + i];
            if (n[i] > longest) longest = n[i];
        }
        // Halve every run until one key is left; a run already down to one stays put.
        while (longest > 1) {
            longest -= longest >> 1;
            for (int32_t i = 0; i < m; i++) {
                int32_t half = n[i] >> 1;
                base[i] = __builtin_unpredictable(base[i][half] < w[group + i]) ? base[i] + half : base[i];
                n[i] -= half;
            }
        }
        for (int32_t i = 0; i < m; i++) {
            int32_t at = (int32_t)(base[i] - keys) + (*base[i] < w[group + i]);
            int32_t hit = (at < hi[group + i] && keys[at] == w[group + i]) ? at : -1;
            found[group + i] = hit;
            if (records && hit >= 0) __builtin_prefetch((const char *)records + (int64_t)hit * record_size);
        }
    }
}
