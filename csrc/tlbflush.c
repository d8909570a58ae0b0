/*
 * tlbflush.c - the kernel's TLB-flush policy for kernel ranges: arch/x86/mm/tlb.c (v4.18).
 * Each flush is recorded as an event (range, full or per page, the CPUs it reached) and is
 * carried out by the per-CPU layer (cpu.c) on every online CPU, as on_each_cpu() does.
 */
#include <stdlib.h>
#include "pgtable.h"

#define TLB_FLUSH_ALL (~0ULL)

/* arch/x86/mm/tlb.c: tlb_single_page_flush_ceiling */
static const uint64_t tlb_single_page_flush_ceiling = 33;

static void record_flush(pt_machine *m, uint64_t start, uint64_t end, int full)
{
    if (m->nflushes == m->cap_flushes) {
        size_t cap = m->cap_flushes ? m->cap_flushes * 2 : 64;
        pt_flush_event *n = realloc(m->flushes, cap * sizeof(*n));
        if (!n)
            return;    /* the log is best effort; the flush itself still happens */
        m->flushes = n;
        m->cap_flushes = cap;
    }
    uint64_t mask = m->ncpus >= 64 ? ~0ULL : ((1ULL << m->ncpus) - 1);
    m->flushes[m->nflushes++] = (pt_flush_event){ m->op, start, end, full, mask };
}

/* arch/x86/mm/tlb.c v4.18 do_flush_tlb_all() */
static void do_flush_tlb_all(pt_machine *m, int cpu)
{
    __flush_tlb_all(m, cpu);
}

/* arch/x86/mm/tlb.c v4.18 do_kernel_range_flush(): one INVLPG per page, end exclusive. */
static void do_kernel_range_flush(pt_machine *m, int cpu, uint64_t start, uint64_t end)
{
    for (uint64_t addr = start; addr < end; addr += PAGE_SIZE)
        __flush_tlb_one_kernel(m, cpu, addr);
}

/* arch/x86/mm/tlb.c v4.18 flush_tlb_all() */
void flush_tlb_all(pt_machine *m)
{
    record_flush(m, 0, TLB_FLUSH_ALL, 1);
    for (int cpu = 0; cpu < m->ncpus; cpu++)
        do_flush_tlb_all(m, cpu);
}

/* arch/x86/mm/tlb.c v4.18 flush_tlb_kernel_range(): more than 33 pages -> full flush. */
void flush_tlb_kernel_range(pt_machine *m, uint64_t start, uint64_t end)
{
    if (end == TLB_FLUSH_ALL ||
        (end - start) > tlb_single_page_flush_ceiling << PAGE_SHIFT) {
        record_flush(m, start, end, 1);
        for (int cpu = 0; cpu < m->ncpus; cpu++)
            do_flush_tlb_all(m, cpu);
    } else {
        record_flush(m, start, end, 0);
        for (int cpu = 0; cpu < m->ncpus; cpu++)
            do_kernel_range_flush(m, cpu, start, end);
    }
}

/*
 * Jann Horn, "x86/mm: Fix paging-structure cache flush on kernel table freeing" (LKML
 * 2025-05-28, <20250528-x86-fix-vmap-pt-del-flush-v1-1-e250899ed160@google.com>, Fixes:
 * 28ee90fe6048): flush_tlb_kernel_pgtable_range() flushes the paging-structure cache
 * entries for the tables covering [start, end) (exclusive end) before those tables are
 * freed.  kernel_tlb_flush_pgtable(): INVLPG and INVPCID cannot target one address across
 * all PCIDs, so without INVLPGB (ptlib models none) it is flush_tlb_all(): on every CPU
 * __flush_tlb_all(), a global flush (CR4.PGE toggle) that drops the TLB and the PSC entries
 * of every PCID.  The event is logged with the range the caller passed (get_flush_tlb_info()
 * carries it; the kernel's flush_tlb_all() itself would be logged as [0, TLB_FLUSH_ALL)),
 * full = 1.  (Declared here and in pgfree.c, its caller: internal.h's list of kernel
 * functions is not extended; ptlib.h's 2025 section declares the pt_ entry point.)
 */
void flush_tlb_kernel_pgtable_range(pt_machine *m, uint64_t start, uint64_t end);
void flush_tlb_kernel_pgtable_range(pt_machine *m, uint64_t start, uint64_t end)
{
    record_flush(m, start, end, 1);
    for (int cpu = 0; cpu < m->ncpus; cpu++)
        do_flush_tlb_all(m, cpu);
}

int pt_flush_tlb_kernel_pgtable_range(pt_machine *m, uint64_t start, uint64_t end)
{
    PT_ENTER(m);
    flush_tlb_kernel_pgtable_range(m, start, end);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_flush_tlb_kernel_range(pt_machine *m, uint64_t start, uint64_t end)
{
    /* an end inside the last page (other than TLB_FLUSH_ALL): the per-page loop would wrap */
    if (end != TLB_FLUSH_ALL && end > TLB_FLUSH_ALL - PAGE_SIZE + 1)
        return PT_EINVAL;
    PT_ENTER(m);
    flush_tlb_kernel_range(m, start, end);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_flush_tlb_all(pt_machine *m)
{
    PT_ENTER(m);
    flush_tlb_all(m);
    PT_LEAVE(m);
    return PT_OK;
}

size_t pt_flush_count(const pt_machine *m) { return m->nflushes; }

int pt_flush_get(const pt_machine *m, size_t i, pt_flush_event *out)
{
    if (i >= m->nflushes)
        return PT_EINVAL;
    *out = m->flushes[i];
    return PT_OK;
}
