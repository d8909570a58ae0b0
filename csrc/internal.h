/*
 * internal.h - the machine's layout, shared by the C files of the core.  Not seen by cffi.
 */
#ifndef PTLIB_INTERNAL_H
#define PTLIB_INTERNAL_H
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include "ptlib.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PT_NIL UINT32_MAX

/* struct page analog: one per frame of emulated RAM. */
struct pt_page {
    uint8_t state;               /* PT_FRAME_* */
    uint8_t owner;               /* PT_OWNER_* */
    uint8_t alloc_site, free_site;
    uint8_t dirty;               /* 0: never written since the arena was mapped (zero) */
    uint32_t lru;                /* free-list link (the page->lru trick), PT_NIL ends */
    uint64_t alloc_op, free_op;
};

struct pt_cpu {
    pt_cpu_stats stats;
};

struct pt_mtrr_range {
    uint64_t base, size;
    int type;
};

struct pt_machine {
    /* RAM: physical address pa lives at ram + pa. */
    uint8_t *ram;
    uint64_t ram_pages;
    uint64_t ram_size;
    struct pt_page *pages;
    uint32_t free_head;          /* LIFO list of freed frames */
    uint64_t next_fresh;         /* frames >= next_fresh were never allocated */
    uint64_t nfree_listed;
    uint64_t fail_nth;           /* 0: off; else the fail_nth-th next allocation fails */
    pt_stats stats;

    int paging;                  /* PT_PAGING_* */
    int levels;
    pt_profile prof;
    uint64_t pgd_pa;             /* init_mm.pgd */

    int ncpus;
    struct pt_cpu cpus[PT_MAX_CPUS];

    int nmtrr;
    struct pt_mtrr_range mtrr[PT_MAX_MTRR];
    int mtrr_enabled, mtrr_default;

    uint64_t op;                 /* operation number, advanced by every entry point */
    uint64_t seed;

    /* BUG()/oops: the entry point's setjmp target. */
    jmp_buf bug_jmp;
    int in_op;

    pt_report *reports;
    size_t nreports, cap_reports;
    pt_flush_event *flushes;
    size_t nflushes, cap_flushes;
};

/* Reports (machine.c).  pt_bug() never returns: it unwinds to the entry point. */
void pt_report_add(pt_machine *m, int kind, const char *site, uint64_t va, uint64_t pfn,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
_Noreturn void pt_bug(pt_machine *m, const char *site, uint64_t va, uint64_t pfn,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define BUG_ON(m, cond, site, va) \
    do { if (cond) pt_bug((m), (site), (va), 0, "kernel BUG at %s: BUG_ON(%s)", (site), #cond); } while (0)
#define WARN_ON(m, cond, site, va) \
    ((cond) ? (pt_report_add((m), PT_REPORT_KERNEL_WARNING, (site), (va), 0, \
                             "WARNING at %s: WARN_ON(%s)", (site), #cond), 1) : 0)

/* The entry-point prologue: a BUG() inside the operation lands here. */
#define PT_ENTER(m) \
    do { (m)->op++; (m)->in_op = 1; \
         if (setjmp((m)->bug_jmp)) { (m)->in_op = 0; return PT_EBUG; } } while (0)
#define PT_LEAVE(m) do { (m)->in_op = 0; } while (0)

/* Frames (frames.c). */
uint64_t pt_get_free_page(pt_machine *m, int owner, int site, bool zero);
void pt_free_page(pt_machine *m, uint64_t pa, int site);

/* Host pointer of a physical address, or an oops (BUG) when it is not RAM. */
static inline void *pt_va(pt_machine *m, uint64_t pa, const char *site)
{
    if (pa >= m->ram_size || m->ram_size - pa < PAGE_SIZE)
        pt_bug(m, site, 0, pa >> PAGE_SHIFT,
               "BUG: unable to handle page request: page table at physical %#llx is outside "
               "RAM (%#llx bytes)", (unsigned long long)pa, (unsigned long long)m->ram_size);
    return m->ram + pa;
}
static inline bool pt_pa_is_ram(const pt_machine *m, uint64_t pa)
{
    return pa < m->ram_size && m->ram_size - pa >= PAGE_SIZE;
}

/* Per-CPU layer (cpu.c): what one CPU does when asked to flush. */
void __flush_tlb_one_kernel(pt_machine *m, int cpu, uint64_t addr);
void __flush_tlb_all(pt_machine *m, int cpu);

/* Kernel TLB-flush policy (tlbflush.c). */
void flush_tlb_kernel_range(pt_machine *m, uint64_t start, uint64_t end);
void flush_tlb_all(pt_machine *m);

#endif
