/* SPDX-License-Identifier: GPL-2.0-only */
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
#include <ptlib/kernel_abi.h>

#define PT_NIL UINT32_MAX

/* struct page analog: one per frame of emulated RAM. */
struct pt_page {
    uint8_t state;               /* PT_FRAME_* */
    uint8_t owner;               /* PT_OWNER_* */
    uint8_t alloc_site, free_site;
    uint8_t dirty;               /* 0: never written since the arena was mapped (zero) */
    uint8_t prev_owner, prev_alloc_site;   /* the allocation before this one (history) */
    uint8_t link_level;          /* sanitizer: PT_LEVEL_* this frame was linked as */
    uint8_t uaf_reported;        /* sanitizer: a use-after-free of this life was reported */
    uint32_t lru;                /* free-list link (the page->lru trick), PT_NIL ends */
    uint64_t alloc_op, free_op, prev_alloc_op;
    /* sanitizer: reachability from the root through present non-leaf entries */
    uint64_t reach_start;        /* epoch it became reachable; 0: not reachable now */
    uint32_t nlinks;             /* present entries of reachable tables pointing to it */
    uint64_t link_va;            /* first va its parent entry covers */
    uint64_t unlink_op;          /* operation that last ended its reachability */
    uint64_t *riv;               /* closed reachable intervals [s, e) of this life */
    uint32_t nriv, cap_riv;
};

/* A TLB or paging-structure-cache entry. */
struct pt_centry {
    uint64_t tag;                /* va >> shift */
    uint64_t pa;                 /* page frame (TLB) or next table (PSC) */
    uint32_t pcid;
    uint32_t flags;              /* CE_* */
};
#define CE_VALID 1u
#define CE_GLOBAL 2u
#define CE_RW 4u
#define CE_US 8u
#define CE_NX 16u
#define CE_DIRTY 32u

struct pt_cache {
    struct pt_centry *e;
    uint32_t nsets, ways, shift;
    uint32_t nvalid;             /* valid entries: lookups and drops skip an empty cache */
    uint8_t *next;               /* per-set round-robin victim */
};

/* Sanitizer slot: one (cpu, pcid) pair's paging-structure-cache history. */
struct pt_slot {
    uint32_t pcid;
    uint64_t *iv;                /* active intervals [s, e) since the last full invalidation */
    uint32_t niv, cap_iv;        /* an open interval ends at UINT64_MAX */
    uint64_t *cov;               /* covering invalidations (va, epoch) since then */
    uint32_t ncov, cap_cov;
};

enum { TLB_4K, TLB_2M, TLB_1G, NR_TLB };
enum { PSC_PML4E, PSC_PDPTE, PSC_PDE, NR_PSC };

struct pt_cpu {
    pt_cpu_stats stats;
    uint32_t last_err;           /* error code of the last faulting access */
    uint64_t cr3_root;
    uint32_t pcid;
    int pge, pcide;
    struct pt_cache tlb[NR_TLB];
    struct pt_cache psc[NR_PSC];
    struct pt_slot *slots;       /* sanitizer */
    uint32_t nslots, cap_slots, cur_slot;
};

/* Removed kernel leaves that some CPU may still hold in its TLB (StaleTlbEntry). */
struct pt_tlb_pending {
    uint64_t start, end, size;   /* coalesced run of leaves of one size, [start, end) */
    uint64_t mask;               /* CPUs that have not flushed it */
    uint64_t op;                 /* operation that removed the leaves */
};

struct pt_mtrr_range {
    uint64_t base, size;
    int type;
};

/* One machine.  Each owner's state is its own sub-struct; the owner named in brackets is
 * the only C file that writes it (others may read). */
struct pt_machine {
    /* RAM: physical address pa lives at ram + pa [machine.c: the arena] */
    uint8_t *ram;
    uint64_t ram_pages;
    uint64_t ram_size;
    struct pt_page *pages;       /* ptlib's frame metadata [frames.c, sanitizer.c] */

    /* the page allocator [frames.c] */
    struct pt_alloc {
        /* frames written since the arena was (re)zeroed, so pt_machine_free can recycle
         * the arena by clearing just those; ndirty > PT_DIRTY_TRACK: too many, unmap */
#define PT_DIRTY_TRACK 512
        uint64_t ndirty;
        uint32_t dirty_pfns[PT_DIRTY_TRACK];
        uint32_t free_head;      /* LIFO list of freed frames */
        uint32_t free_tail;      /* last frame of the free list (valid when free_head != NIL) */
        uint64_t next_fresh;     /* frames >= next_fresh were never allocated */
        uint64_t nfree_listed;
        int alloc_policy;        /* PT_ALLOC_* */
        uint64_t alloc_rng;      /* PT_ALLOC_RANDOM's PRNG state */
        uint64_t quarantine_max; /* PT_ALLOC_QUARANTINE: frames held back */
        uint32_t q_head, q_tail; /* quarantine queue, oldest first, linked through lru */
        uint64_t q_count;
        pt_stats stats;
    } alloc;

    /* fault injection [frames.c] */
    struct pt_faults {
        uint64_t fail_nth;       /* 0: off; else the fail_nth-th next allocation fails */
        pt_fault_attr fattr;     /* fault_attr + fail_page_alloc filters (zero: off) */
        pt_fault_info finfo;
        struct pt_fault_log { uint64_t op, interval, probability; int64_t times, space;
                              uint8_t site, verbose; } *flog;   /* [PT_FAULT_LOG_SIZE], on first use */
    } faults;

    /* the machine's configuration [machine.c] */
    int paging;                  /* PT_PAGING_* */
    int levels;
    pt_profile prof;
    uint64_t pgd_pa;             /* init_mm.pgd */
    uint64_t seed;

    /* the CPUs [cpu.c] */
    struct pt_hw {
        int ncpus;
        struct pt_cpu *cpus;     /* [ncpus] */
        int invlpg_covering;     /* INVLPG drops only PSC entries covering the address */
        int speculation;         /* PT_SPEC_* */
        uint64_t rng;            /* splitmix64 state of the random speculation */
        uint64_t recent[64][2];  /* recently used va ranges, for random speculation */
        uint32_t nrecent, recent_next;
    } hw;

    /* the sanitizer [sanitizer.c] */
    struct pt_san {
        int sanitize;
        uint64_t epoch;
        uint64_t riv_limit;      /* frames at or above it own no riv buffer (san_free) */
        int record;
        pt_event *events;
        size_t nevents, cap_events;
        struct pt_tlb_pending *pend;
        uint32_t npend, cap_pend;    /* 32-bit: a PTE store cannot alias it (hot loop) */
    } san;

    /* the MTRRs [mtrr.c] */
    struct pt_mtrrs {
        int nmtrr;
        struct pt_mtrr_range mtrr[PT_MAX_MTRR];
        int mtrr_enabled, mtrr_default;
    } mtrrs;

    /* the running operation [api.c, machine.c; the landing pad: report.c] */
    uint64_t op;                 /* operation number, advanced by every entry point */
    uint64_t op_va;              /* the address the running operation was called with */
    jmp_buf bug_jmp;             /* BUG()/oops: the entry point's setjmp target */
    int in_op;

    /* what the machine records [report.c: reports; kservices.c: flushes, IOMMU
     * invalidations, probe captures] */
    struct pt_log {
        pt_report *reports;
        size_t nreports, cap_reports;
        uint64_t reports_dropped;    /* not stored: past PT_MAX_REPORTS (BUGs always are) */
        pt_flush_event *flushes;
        size_t nflushes, cap_flushes;
        /* the flush being logged (kops/dispatch.c): nesting depth, full flush seen */
        int flush_depth, flush_full;
        uint64_t flush_cpus, flush_start, flush_end;
        /* pause-point probe (kernel.h ptlib_probe_point, api.c pt_probe_set) */
        int probe_point;
        uint64_t probe_hits, probe_op, probe_pa;
        uint64_t *probe_entries;     /* [512] once a point was armed */
        /* IOMMU invalidations: the last 64 (op, start, end), and a total */
        uint64_t iommu_inval[64][3];
        size_t niommu_inval;
    } log;

    /* the kernel side: its visible state (ptlib/kernel_abi.h) and the bodies it runs
     * [machine.c at boot; kernel code through kernel.h] */
    struct pt_kernel k;
    struct pt_kernel_ops *kops;
    struct pt_kern {
        /* pr_warn_once()/WARN_ON_ONCE() sites that already warned (kernel.h once keys) */
        const void **once_keys;
        uint32_t nonce, cap_once;
    } kern;
};

/* A frame's RAM is about to be written: it is no longer the arena's zero fill. */
static inline void pt_frame_dirty(pt_machine *m, uint64_t pfn)
{
    if (m->pages[pfn].dirty)
        return;
    m->pages[pfn].dirty = 1;
    if (m->alloc.ndirty < PT_DIRTY_TRACK)
        m->alloc.dirty_pfns[m->alloc.ndirty] = (uint32_t)pfn;
    m->alloc.ndirty++;
}

/* Reports (report.c).  pt_bug() never returns: it unwinds to the entry point. */
void pt_report_add(pt_machine *m, int kind, const char *site, uint64_t va, uint64_t pfn,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void pt_report_add_cpu(pt_machine *m, int kind, int cpu, const char *site, uint64_t va,
                       uint64_t pfn, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
_Noreturn void pt_bug(pt_machine *m, const char *site, uint64_t va, uint64_t pfn,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));


/* The entry-point prologue: a BUG() inside the operation lands here. */
#define PT_ENTER(m) \
    do { (m)->op++; (m)->in_op = 1; (m)->op_va = 0; pt_kernel_current = &(m)->k; \
         if (setjmp((m)->bug_jmp)) { (m)->in_op = 0; pt_kernel_current = NULL; \
                                     return PT_EBUG; } } while (0)
#define PT_LEAVE(m) do { (m)->in_op = 0; pt_kernel_current = NULL; pt_speculate_random(m); } \
    while (0)
/* The machine whose kernel state k is (the header's services receive k). */
#define pt_machine_of(kp) ((pt_machine *)((char *)(kp) - offsetof(pt_machine, k)))

/* Frames (frames.c). */
uint64_t pt_get_free_page(pt_machine *m, int owner, int site, bool zero);
void pt_free_page(pt_machine *m, uint64_t pa, int expect_owner, int site);

static inline bool pt_pa_is_ram(const pt_machine *m, uint64_t pa)
{
    return pa < m->ram_size && m->ram_size - pa >= PAGE_SIZE;
}

/* Per-CPU layer (cpu.c): the instructions the kernel's flushes execute on one CPU. */
void pt_cpu_do_invlpg(pt_machine *m, int cpu, uint64_t addr);
void pt_cpu_do_flush_tlb_all(pt_machine *m, int cpu);
int pt_cpus_init(pt_machine *m, const pt_config *cfg);
void pt_cpus_free(pt_machine *m);
void pt_note_recent(pt_machine *m, uint64_t start, uint64_t end);
void pt_speculate_random(pt_machine *m);

/* Sanitizer (sanitizer.c). */
void san_entry_write(pt_machine *m, void *ptr, int level, uint64_t old, uint64_t val);
void san_pte_write(pt_machine *m, void *ptr, uint64_t old, uint64_t val);
void __san_frame_alloc(pt_machine *m, uint64_t pfn, bool zero);
void __san_frame_free(pt_machine *m, uint64_t pfn, int site);
void san_root(pt_machine *m, uint64_t pfn);
void __san_slot_switch(pt_machine *m, int cpu, uint32_t pcid, int flush);
void __san_psc_flush_slot(pt_machine *m, int cpu, uint32_t pcid);
void __san_psc_flush_cpu(pt_machine *m, int cpu);
void __san_psc_cover(pt_machine *m, int cpu, uint32_t pcid, uint64_t va);
void __san_tlb_flush_page(pt_machine *m, int cpu, uint64_t va);
void __san_tlb_flush_cpu(pt_machine *m, int cpu);
void san_report_uaf(pt_machine *m, int cpu, uint64_t va, uint64_t bad_pfn, int bad_level,
                    int psc_level, int faulted, uint64_t pa);
void san_free(pt_machine *m);
void san_event(pt_machine *m, int kind, int cpu, uint32_t pcid, int level, uint64_t a,
               uint64_t b, uint64_t c);

/* The sanitizer's hooks where the machine changes what it tracks: inline, one test of the
 * flag, KASAN style (the out-of-line __san_* do the work). */
static inline void san_frame_alloc(pt_machine *m, uint64_t pfn, bool zero)
{
    if (m->san.sanitize)
        __san_frame_alloc(m, pfn, zero);
}
static inline void san_frame_free(pt_machine *m, uint64_t pfn, int site)
{
    if (m->san.sanitize)
        __san_frame_free(m, pfn, site);
}
static inline void san_slot_switch(pt_machine *m, int cpu, uint32_t pcid, int flush)
{
    if (m->san.sanitize)
        __san_slot_switch(m, cpu, pcid, flush);
}
static inline void san_psc_flush_slot(pt_machine *m, int cpu, uint32_t pcid)
{
    if (m->san.sanitize)
        __san_psc_flush_slot(m, cpu, pcid);
}
static inline void san_psc_flush_cpu(pt_machine *m, int cpu)
{
    if (m->san.sanitize)
        __san_psc_flush_cpu(m, cpu);
}
static inline void san_psc_cover(pt_machine *m, int cpu, uint32_t pcid, uint64_t va)
{
    if (m->san.sanitize)
        __san_psc_cover(m, cpu, pcid, va);
}
static inline void san_tlb_flush_page(pt_machine *m, int cpu, uint64_t va)
{
    if (m->san.sanitize)
        __san_tlb_flush_page(m, cpu, va);
}
static inline void san_tlb_flush_cpu(pt_machine *m, int cpu)
{
    if (m->san.sanitize)
        __san_tlb_flush_cpu(m, cpu);
}


/* The machine's side of ptlib/kernel.h (kservices.c), frames (frames.c), MTRRs (mtrr.c). */
#define PT_OWNER_KERNEL 100          /* pt_free_page: any kernel page (table or scratch) */
int pt_site_id(const char *name);
void pt_flush_log(pt_machine *m, uint64_t start, uint64_t end, int full, uint64_t cpus);
int pt_once_seen(pt_machine *m, const void *key);
uint8_t pt_mtrr_type_lookup(pt_machine *m, uint64_t start, uint64_t end, uint8_t *uniform);

#endif
