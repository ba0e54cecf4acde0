// Memory latency of this machine by working-set size: dependent random loads (each waits for the
// one before, like the steps of a binary search) and independent ones (like a batch of searches).
// The decoder's n-gram tables are about 10 MB; this says what a look-up in them can cost here.
//   cc -O2 scripts/memory-latency.c -o /tmp/memory-latency && /tmp/memory-latency
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    for (size_t mb = 1; mb <= 32; mb *= 2) {
        size_t n = (mb << 20) / 8;
        uint64_t *a;
        if (posix_memalign((void **)&a, 2 << 20, n * 8) != 0) return 1;
        madvise(a, n * 8, MADV_HUGEPAGE);   // as the decoder's tables
        // One random cycle through every slot, so that each load depends on the last.
        for (size_t i = 0; i < n; i++) a[i] = i;
        srand(1);
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (((uint64_t)rand() << 31) | (uint64_t)rand()) % i;
            uint64_t t = a[i]; a[i] = a[j]; a[j] = t;
        }
        size_t steps = 2000000;
        uint64_t x = 0, sum = 0, r = 12345;
        double t0 = now();
        for (size_t i = 0; i < steps; i++) x = a[x];
        double dependent = (now() - t0) / steps * 1e9;
        t0 = now();
        for (size_t i = 0; i < steps; i++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            sum += a[(r >> 20) % n];
        }
        double independent = (now() - t0) / steps * 1e9;
        printf("%2zu MB: dependent %6.1f ns, independent %5.1f ns a load (%llu)\n", mb, dependent, independent,
               (unsigned long long)((x + sum) & 1));
        free(a);
    }
    return 0;
}
