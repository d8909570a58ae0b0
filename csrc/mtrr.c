/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mtrr.c - the memory type range registers of the emulated machine and the kernel's view
 * of them: arch/x86/kernel/cpu/mtrr/generic.c's mtrr_type_lookup(), behind the header's
 * mtrr_type_lookup(), in the version the profile's pt_profile.mtrr_lookup names:
 *
 *   PT_MTRR_LOOKUP_V4_18: the lookup of Toshi Kani's 2015 rework (v4.2, unchanged up to
 *     v6.4): mtrr_type_lookup() + mtrr_type_lookup_variable() (the repeat/partial_end
 *     walk) + check_type_overlap().
 *   PT_MTRR_LOOKUP_V6_5: Juergen Gross's x86/mtrr rework merged for v6.5 (8227f40ade23
 *     "x86/mtrr: Use new cache_map in mtrr_type_lookup()", 973df1942068 "x86/mtrr: Don't
 *     let mtrr_type_lookup() return MTRR_TYPE_INVALID"): a walk over the cache map with
 *     type_merge()/get_effective_type().  12f0dd8df142 "x86/mm: Only check uniform after
 *     calling mtrr_type_lookup()" (the v6.5 pXd_set_huge) is from the same series, so the
 *     machine runs this lookup whenever the profile runs that set_huge (ptlib/machine.py).
 *
 * ptlib differences, for both versions:
 *  - Variable ranges only: ptlib has no fixed-range MTRRs (mtrr_state.have_fixed = 0: the
 *    v4.18 "start < 0x100000" fixed path and the v6.5 fixed map entries never occur), no
 *    AMD TOM2 (mtrr_tom2 = 0) and no MTRRcap/valid bits: every added range is valid.
 *  - A variable range is [base, base + size) as Machine.add_mtrr() gives it, not a
 *    PHYSBASE/PHYSMASK pair.  The kernel's "(addr & mask) == (base & mask)" is "addr is in
 *    the range" and get_mtrr_size(mask) is size; both are the same thing for the
 *    power-of-two sized and aligned ranges real MTRRs describe.
 *  - mtrr_state_set is always 1 (the machine's MTRR state exists from its creation, as
 *    after get_mtrr_state() at boot); "enabled" is MTRR_STATE_MTRR_ENABLED (set by the first
 *    pt_mtrr_add(), or by pt_mtrr_set_default()).
 */
#include "internal.h"

#define MTRR_TYPE_UNCACHABLE 0
#define MTRR_TYPE_WRTHROUGH 4
#define MTRR_TYPE_WRBACK 6
#define MTRR_TYPE_INVALID 0xff
#define MTRR_PAGE_SIZE 4096ULL

/* ptlib: the kernel's "(addr & mask) == (base & mask)" for a [base, base + size) range */
static bool mtrr_var_match(const struct pt_mtrr_range *r, uint64_t addr)
{
    return addr >= r->base && addr - r->base < r->size;
}

/* ---------------------------------------------------------------- v4.2 .. v6.4 */

/*
 * generic.c (v4.18) check_type_overlap(): the effective type of an MTRR-MTRR overlap in
 * both *prev and *curr; 1 if it is UC (the caller stops), else 0.
 */
static int check_type_overlap(uint8_t *prev, uint8_t *curr)
{
    if (*prev == MTRR_TYPE_UNCACHABLE || *curr == MTRR_TYPE_UNCACHABLE) {
        *prev = MTRR_TYPE_UNCACHABLE;
        *curr = MTRR_TYPE_UNCACHABLE;
        return 1;
    }

    if ((*prev == MTRR_TYPE_WRBACK && *curr == MTRR_TYPE_WRTHROUGH) ||
        (*prev == MTRR_TYPE_WRTHROUGH && *curr == MTRR_TYPE_WRBACK)) {
        *prev = MTRR_TYPE_WRTHROUGH;
        *curr = MTRR_TYPE_WRTHROUGH;
    }

    if (*prev != *curr) {
        *prev = MTRR_TYPE_UNCACHABLE;
        *curr = MTRR_TYPE_UNCACHABLE;
        return 1;
    }

    return 0;
}

/*
 * generic.c (v4.18) mtrr_type_lookup_variable(): the merged type of every variable range
 * holding start, for [start, *partial_end) when [start, end] (end inclusive) crosses a
 * range's edge (*repeat = 1: the caller looks [*partial_end, end] up again); *uniform = 1
 * when one range (or the default type) covers [start, end] alone.  end is this call's
 * copy: once cut to *partial_end - 1, the later ranges are tested against the cut end.
 */
static uint8_t mtrr_type_lookup_variable(const pt_machine *m, uint64_t start, uint64_t end,
                                         uint64_t *partial_end, int *repeat, uint8_t *uniform)
{
    uint8_t prev_match, curr_match;

    *repeat = 0;
    *uniform = 1;

    prev_match = MTRR_TYPE_INVALID;
    for (int i = 0; i < m->mtrrs.nmtrr; ++i) {
        const struct pt_mtrr_range *r = &m->mtrrs.mtrr[i];
        uint64_t base = r->base;
        bool start_state, end_state, inclusive;

        /* upstream: "if (!(mask_lo & (1 << 11))) continue;": ptlib's ranges are all valid */

        start_state = mtrr_var_match(r, start);
        end_state = mtrr_var_match(r, end);
        inclusive = start < base && end > base;

        if (start_state != end_state || inclusive) {
            /*
             * [start, end] spans this range: return the type of its first part
             * (start_state: up to the range's end; else: up to its base) and where
             * the next part begins.
             */
            if (start_state)
                *partial_end = base + r->size;    /* base + get_mtrr_size(mask) */
            else
                *partial_end = base;

            /*
             * upstream: "if (unlikely(*partial_end <= start)) { WARN_ON(1); ... }":
             * a range cannot end at or before an address it holds, nor begin at or
             * before start when it does not hold it (ptlib's ranges are contiguous and
             * pt_mtrr_add() refuses a wrap), so this never fires here; kept as the
             * kernel's guard of the caller's loop, without the warning.
             */
            if (*partial_end <= start)
                *partial_end = start + MTRR_PAGE_SIZE;

            end = *partial_end - 1;    /* end is inclusive */
            *repeat = 1;
            *uniform = 0;
        }

        if (!mtrr_var_match(r, start))
            continue;

        curr_match = (uint8_t)r->type;    /* upstream: base_lo & 0xff */
        if (prev_match == MTRR_TYPE_INVALID) {
            prev_match = curr_match;
            continue;
        }

        *uniform = 0;
        if (check_type_overlap(&prev_match, &curr_match))
            return curr_match;
    }

    if (prev_match != MTRR_TYPE_INVALID)
        return prev_match;

    return (uint8_t)m->mtrrs.mtrr_default;    /* mtrr_state.def_type */
}

/*
 * generic.c (v4.18) mtrr_type_lookup(start, end, uniform), end exclusive: the effective
 * type of [start, end), MTRR_TYPE_INVALID when MTRRs are disabled.  *uniform = 1 when one
 * variable range (or the default type) covers the whole range alone.
 *
 * The two early MTRR_TYPE_INVALID returns do NOT write *uniform, as upstream: the v4.18
 * callers declare "u8 mtrr, uniform;" uninitialised and test "mtrr != MTRR_TYPE_INVALID"
 * first, so with && they never read it.  ptlib keeps that.  The one configuration that
 * would read it, the v6.5 pXd_set_huge (PT_SET_HUGE_12F0DD8DF142) on this lookup, is
 * never built by ptlib/machine.py (it picks the lookup from set_huge); a C caller that
 * builds it reads an indeterminate u8 whose address was taken: an unspecified value, not
 * undefined behaviour (C11 6.3.2.1p2 and 6.2.6.1: unsigned char has no trap
 * representation), i.e. an arbitrary refuse/accept - do not build it.
 */
static uint8_t mtrr_type_lookup_v4_18(const pt_machine *m, uint64_t start, uint64_t end,
                                      uint8_t *uniform)
{
    uint8_t type, prev_type, is_uniform = 1, dummy;
    int repeat;
    uint64_t partial_end = 0;

    /* Make end inclusive instead of exclusive */
    end--;

    /* upstream: "if (!mtrr_state_set) return MTRR_TYPE_INVALID;": always set in ptlib */

    if (!m->mtrrs.mtrr_enabled)    /* !(mtrr_state.enabled & MTRR_STATE_MTRR_ENABLED) */
        return MTRR_TYPE_INVALID;

    /*
     * upstream: the fixed ranges first when start < 0x100000 (is_uniform = 0, the fixed
     * type at start): ptlib has no fixed-range MTRRs (have_fixed = 0).
     */

    /* Look up the variable ranges: several may hold start, merged by MTRR precedence. */
    type = mtrr_type_lookup_variable(m, start, end, &partial_end, &repeat, &is_uniform);

    /*
     * Common path is with repeat = 0.  When [start, end] spans MTRR ranges and/or the
     * default type, look the rest up piece by piece (end stays the caller's).
     */
    while (repeat) {
        prev_type = type;
        start = partial_end;
        is_uniform = 0;
        type = mtrr_type_lookup_variable(m, start, end, &partial_end, &repeat, &dummy);

        if (check_type_overlap(&prev_type, &type))
            goto out;
    }

    /* upstream: the AMD TOM2 override (start >= 4 GiB, end < mtrr_tom2 -> WB): no TOM2 */

out:
    *uniform = is_uniform;
    return type;
}

/* ---------------------------------------------------------------- v6.5 .. */

/* generic.c (v6.5) get_effective_type(): the type of two overlapping MTRRs */
static uint8_t get_effective_type(uint8_t type1, uint8_t type2)
{
    if (type1 == MTRR_TYPE_UNCACHABLE || type2 == MTRR_TYPE_UNCACHABLE)
        return MTRR_TYPE_UNCACHABLE;

    if ((type1 == MTRR_TYPE_WRBACK && type2 == MTRR_TYPE_WRTHROUGH) ||
        (type1 == MTRR_TYPE_WRTHROUGH && type2 == MTRR_TYPE_WRBACK))
        return MTRR_TYPE_WRTHROUGH;

    if (type1 != type2)
        return MTRR_TYPE_UNCACHABLE;

    return type1;
}

/* generic.c (v6.5) struct cache_map, without flags and fixed (no fixed ranges here) */
struct pt_cache_map {
    uint64_t start, end;    /* [start, end) */
    uint8_t type;
};

#define PT_CACHE_MAP_MAX (2 * PT_MAX_MTRR)

/*
 * The cache map of the machine's variable ranges: sorted, non-overlapping [start, end)
 * entries, each address with the get_effective_type() of every range holding it, no
 * entry where no range is (the default type applies), adjacent entries of one type
 * merged.  ptlib builds it per lookup from the address edges of the ranges instead of
 * upstream's incremental add_map_entry()/add_map_entry_at()/clr_map_range_at() (called by
 * map_add_var() for each valid range at mtrr_build_map() time); for variable ranges both
 * give every address the same type (get_effective_type() is commutative and associative
 * on the types), and the lookup below depends only on that type along the range, not on
 * where same-type entries are split.  At most 2 * PT_MAX_MTRR - 1 entries.
 */
static int mtrr_build_map(const pt_machine *m, struct pt_cache_map *map)
{
    uint64_t edge[2 * PT_MAX_MTRR];
    int nedge = 0, n = 0;

    for (int i = 0; i < m->mtrrs.nmtrr; i++) {
        edge[nedge++] = m->mtrrs.mtrr[i].base;
        edge[nedge++] = m->mtrrs.mtrr[i].base + m->mtrrs.mtrr[i].size;
    }
    for (int i = 1; i < nedge; i++)    /* insertion sort: at most 32 edges */
        for (int j = i; j > 0 && edge[j - 1] > edge[j]; j--) {
            uint64_t t = edge[j];
            edge[j] = edge[j - 1];
            edge[j - 1] = t;
        }

    for (int k = 0; k + 1 < nedge; k++) {
        uint64_t s = edge[k], e = edge[k + 1];
        uint8_t type = MTRR_TYPE_INVALID;
        bool covered = false;

        if (s == e)
            continue;
        for (int i = 0; i < m->mtrrs.nmtrr; i++) {
            if (!mtrr_var_match(&m->mtrrs.mtrr[i], s))
                continue;
            type = covered ? get_effective_type(type, (uint8_t)m->mtrrs.mtrr[i].type)
                           : (uint8_t)m->mtrrs.mtrr[i].type;
            covered = true;
        }
        if (!covered)
            continue;
        if (n > 0 && map[n - 1].end == s && map[n - 1].type == type)
            map[n - 1].end = e;
        else
            map[n++] = (struct pt_cache_map){ s, e, type };
    }
    return n;
}

/* generic.c (v6.5) type_merge(): *uniform = 0 when new_type changes the merged type */
static uint8_t type_merge(uint8_t type, uint8_t new_type, uint8_t *uniform)
{
    uint8_t effective_type;

    if (type == MTRR_TYPE_INVALID)
        return new_type;

    effective_type = get_effective_type(type, new_type);
    if (type != effective_type)
        *uniform = 0;

    return effective_type;
}

/*
 * generic.c (v6.5) mtrr_type_lookup(start, end, uniform), end exclusive: the effective
 * type of [start, end); *uniform: 1 when the returned type is valid for the whole region,
 * 0 otherwise - always written.  MTRRs disabled: UC and uniform = 1.  (Upstream's
 * "!mtrr_state_set: *uniform = 0, UC" cannot happen in ptlib.)  The merge is cumulative:
 * uniform drops only when a piece changes the type merged so far, so WB then UC is not
 * uniform, but UC then WB is (UC absorbs WB), as is a WB range next to a WB default.
 */
static uint8_t mtrr_type_lookup_v6_5(const pt_machine *m, uint64_t start, uint64_t end,
                                     uint8_t *uniform)
{
    struct pt_cache_map cache_map[PT_CACHE_MAP_MAX];
    uint8_t type = MTRR_TYPE_INVALID;
    uint8_t def_type = (uint8_t)m->mtrrs.mtrr_default;

    *uniform = 1;

    if (!m->mtrrs.mtrr_enabled)    /* !(mtrr_state.enabled & MTRR_STATE_MTRR_ENABLED) */
        return MTRR_TYPE_UNCACHABLE;

    int cache_map_n = mtrr_build_map(m, cache_map);

    for (int i = 0; i < cache_map_n && start < end; i++) {
        /* Region after current map entry? -> continue with next one. */
        if (start >= cache_map[i].end)
            continue;

        /* Start of region not covered by current map entry? */
        if (start < cache_map[i].start) {
            /* At least some part of region has default type. */
            type = type_merge(type, def_type, uniform);
            /* End of region not covered, too? -> lookup done. */
            if (end <= cache_map[i].start)
                return type;
        }

        /* At least part of region covered by map entry. */
        type = type_merge(type, cache_map[i].type, uniform);

        start = cache_map[i].end;
    }

    /* End of region past last entry in map? -> use default type. */
    if (start < end)
        type = type_merge(type, def_type, uniform);

    return type;
}

/* The header's mtrr_type_lookup(): the version the profile runs (pt_profile.mtrr_lookup). */
uint8_t pt_mtrr_type_lookup(pt_machine *m, uint64_t start, uint64_t end, uint8_t *uniform)
{
    if (m->prof.mtrr_lookup == PT_MTRR_LOOKUP_V6_5)
        return mtrr_type_lookup_v6_5(m, start, end, uniform);
    return mtrr_type_lookup_v4_18(m, start, end, uniform);
}

int pt_mtrr_add(pt_machine *m, uint64_t base, uint64_t size, int type)
{
    if (m->mtrrs.nmtrr >= PT_MAX_MTRR || size == 0 || base + size < base)
        return PT_EINVAL;
    m->mtrrs.mtrr[m->mtrrs.nmtrr++] = (struct pt_mtrr_range){ base, size, type };
    m->mtrrs.mtrr_enabled = 1;
    return PT_OK;
}

void pt_mtrr_set_default(pt_machine *m, int type, int enabled)
{
    m->mtrrs.mtrr_default = type;
    m->mtrrs.mtrr_enabled = enabled;
}
