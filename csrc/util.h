/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * util.h - small helpers the machine's C files share (below the kernel header): the
 * seeded PRNG, growable arrays, and the levels of the 4-level walk.
 */
#ifndef PTLIB_UTIL_H
#define PTLIB_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "ptlib.h"

/* splitmix64: the machine's seeded PRNG (speculation, allocator, fault injection). */
static inline uint64_t pt_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Make *p hold at least need elements of elem bytes, doubling *cap from first (0 or -1:
 * host out of memory, the array unchanged). */
static inline int pt_grow_(void **p, size_t elem, size_t *cap, size_t need, size_t first)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap * 2 : first;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}
/* pt_grow(array, cap, need, first): for any pointer array and integer capacity field */
#define pt_grow(p, cap, need, first)                                                   \
    ({ size_t __cap = (cap);                                                           \
       int __r = pt_grow_((void **)&(p), sizeof(*(p)), &__cap, (need), (first));       \
       if (!__r)                                                                       \
           (cap) = (__typeof__(cap))__cap;                                             \
       __r; })

/* The 4-level walk (the p4d folded): the level below a table entry's level, and the
 * shift of the address bits an entry of a level maps. */
static inline int pt_child_level(int level)
{
    return level == PT_LEVEL_PGD ? PT_LEVEL_PUD : level + 1;
}
static inline uint32_t pt_level_shift(int level)
{
    return level == PT_LEVEL_PGD ? 39 : level == PT_LEVEL_PUD ? 30 : level == PT_LEVEL_PMD ? 21 : 12;
}

#endif
