/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mtrr.c - the memory type range registers of the emulated machine and the kernel's view
 * of them (arch/x86/kernel/cpu/mtrr/generic.c's mtrr_type_lookup(), behind the header's
 * mtrr_type_lookup()).
 */
#include "internal.h"

#define MTRR_TYPE_UNCACHABLE 0
#define MTRR_TYPE_INVALID 0xff

/* arch/x86/kernel/cpu/mtrr/generic.c mtrr_type_lookup(), variable ranges only:
 * the type at start, and whether [start, end) lies in one type region. */
uint8_t pt_mtrr_type_lookup(pt_machine *m, uint64_t start, uint64_t end, uint8_t *uniform)
{
    *uniform = 1;
    if (!m->mtrr_enabled)
        return MTRR_TYPE_INVALID;
    end--;    /* make end inclusive instead of exclusive */
    int type = m->mtrr_default;
    for (int i = 0; i < m->nmtrr; i++) {
        const struct pt_mtrr_range *r = &m->mtrr[i];
        uint64_t last = r->base + r->size - 1;
        bool has_start = start >= r->base && start <= last;
        bool has_end = end >= r->base && end <= last;
        if (has_start != has_end || (start < r->base && end > last))
            *uniform = 0;
        if (has_start)
            type = r->type;
    }
    return (uint8_t)type;
}

int pt_mtrr_add(pt_machine *m, uint64_t base, uint64_t size, int type)
{
    if (m->nmtrr >= PT_MAX_MTRR || size == 0 || base + size < base)
        return PT_EINVAL;
    m->mtrr[m->nmtrr++] = (struct pt_mtrr_range){ base, size, type };
    m->mtrr_enabled = 1;
    return PT_OK;
}

void pt_mtrr_set_default(pt_machine *m, int type, int enabled)
{
    m->mtrr_default = type;
    m->mtrr_enabled = enabled;
}
