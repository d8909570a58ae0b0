/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ptlib.h - the C API of ptlib's core, as seen from Python (cffi parses this file).
 *
 * Only declarations and integer #defines live here, so that build_ffi.py can hand the
 * file to cffi's cdef() after dropping the include guard.  The machine is opaque and every
 * function takes it.  Global state: the pool of recycled RAM arenas (machine.c, behind a
 * spin lock, shared by all machines) and, while an entry point runs kernel code, the
 * thread's current-machine pointer (kservices.c, thread-local); nothing else.
 *
 * Sections: constants and types; the machine; RAM, allocator and fault injection; MTRRs;
 * kernel operations; CPUs; inspection and records; benchmarks.
 *
 * Return conventions of the entry points (pt_*):
 *   PT_OK        the operation ran to its end; kernel return values come back through
 *                an out-parameter, exactly as the kernel function returned them;
 *   PT_EBUG      the emulated kernel hit BUG_ON()/BUG() or oopsed; the operation stopped
 *                where the kernel would have stopped, a report was recorded, the machine
 *                stays usable and inspectable;
 *   PT_ENOTABLE  a function that operates on one entry found no table at that level;
 *   PT_EINVAL    an argument the Python layer should have refused reached C.
 *
 * Argument contract: ptlib/machine.py and ptlib/cpu.py validate user arguments and word the
 * errors.  Every entry point is memory-safe for any value of its scalar arguments (out of
 * range CPU indexes, frames, physical addresses, list indexes, levels... give PT_EINVAL or
 * the documented neutral result); pointer arguments must point to as many elements as the
 * count arguments say.  Preconditions that are only semantic (enforced by Python, not
 * checked here) are noted next to the function as "Precondition".  tests/fuzz/ exercises
 * this contract.
 */
#ifndef PTLIB_H
#define PTLIB_H
#include <stdint.h>
#include <stddef.h>

#define PT_OK 0
#define PT_EBUG 1
#define PT_ENOTABLE 2
#define PT_EINVAL 3
#define PT_ENOMEM 4

#define PT_MAX_CPUS 64
#define PT_MAX_MTRR 16
#define PT_MAX_REPORTS 16384     /* reports stored; later non-BUG ones are only counted */

/* Paging modes. */
#define PT_PAGING_4LEVEL 4

/* Frame owners (struct page analog). */
#define PT_OWNER_NONE 0
#define PT_OWNER_PGD 1
#define PT_OWNER_P4D 2
#define PT_OWNER_PUD 3
#define PT_OWNER_PMD 4
#define PT_OWNER_PTE 5
#define PT_OWNER_TEMP 6
#define PT_OWNER_DATA 7
#define PT_OWNER_RESERVED 8
#define PT_NR_OWNERS 9

/* Frame states. */
#define PT_FRAME_FREE 0
#define PT_FRAME_ALLOCATED 1
#define PT_FRAME_RESERVED 2

/* Allocation and free sites (kernel functions). */
#define PT_SITE_NONE 0
#define PT_SITE_MACHINE_INIT 1
#define PT_SITE_PREALLOCATE_VMALLOC 2
#define PT_SITE_PUD_ALLOC 3
#define PT_SITE_PMD_ALLOC 4
#define PT_SITE_PTE_ALLOC_KERNEL 5
#define PT_SITE_PUD_FREE_PMD_PAGE 6
#define PT_SITE_PMD_FREE_PTE_PAGE 7
#define PT_SITE_ALLOC_PAGE 8
#define PT_SITE_FREE_PAGE 9
#define PT_SITE_KERNEL_PGTABLE_WORK 10   /* kernel_pgtable_work_func (v6.19 worker) */
#define PT_NR_SITES 11

/* Report kinds. */
#define PT_REPORT_KERNEL_BUG 1
#define PT_REPORT_KERNEL_WARNING 2
#define PT_REPORT_BAD_PAGE_STATE 3
#define PT_REPORT_STALE_PSC 4
#define PT_REPORT_STALE_TLB 5
#define PT_REPORT_UAF 6
#define PT_REPORT_LEAK 7

/* CPU access kinds and page-fault error code bits (SDM Vol. 3A 4.7). */
#define PT_ACC_WRITE 1
#define PT_ACC_USER 2
#define PT_ACC_FETCH 4
#define PT_PF_PROT 1
#define PT_PF_WRITE 2
#define PT_PF_USER 4
#define PT_PF_RSVD 8
#define PT_PF_INSTR 16

/* Speculation modes. */
#define PT_SPEC_NONE 0
#define PT_SPEC_RANDOM 1

/* Which version of the table-free functions a profile runs. */
#define PT_FREE_28EE90FE6048 0
#define PT_FREE_5E0FB5DF2EE8 1
#define PT_FREE_V5_0 2               /* Will Deacon (v5.0): the pXd_none() checks dropped */
#define PT_FREE_D1C5246E08EB 3       /* v5.11: pud_free_pmd_page frees the PMD ptlock */
#define PT_FREE_412D000346EA 4       /* v6.19: ptdesc, pagetable_dtor_free() */

/* Which pXd_set_huge a profile runs. */
#define PT_SET_HUGE_V4_18 0          /* refuse a non-uniform range unless it is WB */
#define PT_SET_HUGE_12F0DD8DF142 1   /* v6.5 MTRR rework: refuse any non-uniform range */

/* pt_profile.pud_free: pud_free_pmd_page as the kernel has it (temp_page: the free_tables
 * version's body) or one of ptlib's experiments (csrc/kernel/experiment_pud_free_*.c, based
 * on 5e0fb5df2ee8; they replace any free_tables body but 28ee90fe6048's; kops/select.c). */
#define PT_PUD_FREE_TEMP_PAGE 0      /* 5e0fb5df2ee8: the 512 PMDs in a temporary page */
#define PT_PUD_FREE_PAGE_LIST 1      /* review of v3 (2018): PTE frames on a page->lru list */
#define PT_PUD_FREE_NO_SAVE 2        /* clear the PUD, flush, free from the intact PMD table */

/* pt_profile.free_flush: one_page keeps the free_tables version's bodies (their one-page
 * flush); range_all_pcids runs Jann Horn's bodies of pmd_free_pte_page/pud_free_pmd_page
 * (csrc/kernel/patch_jannh_2025.c) whatever free_tables says. */
#define PT_FREE_FLUSH_ONE_PAGE 0        /* v4.18: flush_tlb_kernel_range(addr, addr+PAGE_SIZE-1) */
#define PT_FREE_FLUSH_RANGE_ALL_PCIDS 1 /* Jann Horn 2025: flush_tlb_kernel_pgtable_range(addr,
                                           addr + PMD/PUD-freeing size), all PCIDs, all CPUs */

/* Which mtrr_type_lookup() (arch/x86/kernel/cpu/mtrr/generic.c) a profile runs (csrc/mtrr.c). */
#define PT_MTRR_LOOKUP_V4_18 0       /* v4.2..v6.4: variable-range walk, check_type_overlap() */
#define PT_MTRR_LOOKUP_V6_5 1        /* v6.5 MTRR rework: cache map, type_merge() */

/* Levels as ptdump numbers them. */
#define PT_LEVEL_PGD 1
#define PT_LEVEL_P4D 2
#define PT_LEVEL_PUD 3
#define PT_LEVEL_PMD 4
#define PT_LEVEL_PTE 5

typedef struct pt_machine pt_machine;

/* A kernel profile: which historical behaviour each step has.  Data, not code. */
typedef struct pt_profile {
    int ioremap_pud_capable;     /* arch_ioremap_pud_supported() (1 GiB leaves) */
    int ioremap_pmd_capable;     /* arch_ioremap_pmd_supported() (2 MiB leaves) */
    int prealloc_vmalloc_pgd;    /* v5.9 preallocate_vmalloc_pages() (6eb82f994026): the level below the PGD */
    int free_tables;             /* PT_FREE_*: pmd_free_pte_page/pud_free_pmd_page version */
    int pud_free;                /* PT_PUD_FREE_*: strategy of the v4.18 pud_free_pmd_page */
    /* lib/ioremap.c v5.0/v5.3 (csrc/kernel/lib_ioremap_v5_*.c): */
    int ioremap_try_huge_helpers; /* v5.0: ioremap_try_huge_pXd(), present check in the core,
                                     phys_addr advanced with the loop; 0: the v4.18 form */
    int ioremap_va_align_check;  /* 6b95ab4218bf (v5.3): IS_ALIGNED(addr, size) in the
                                    try-huge helpers; no effect without the helpers */
    /* 2025 (csrc/kernel/patch_jannh_2025*.c, mm_pgtable_generic_v6_19.c): */
    int free_flush;              /* PT_FREE_FLUSH_*: the flush before a table is freed */
    int deferred_free;           /* 1: freed tables queued for a worker (v6.19, IOMMU SVA) */
    /* mm/vmalloc.c v5.13 (csrc/kernel/mm_vmalloc_v5_13.c, mm_ioremap_v5_13.c, _v5_15.c): */
    int vmap_range_form;         /* v5.13: ioremap through vmap_range() (vmap_try_huge_pXd with
                                    max_page_shift), unmap through vunmap_range(); 0: older forms */
    int iomap_max_page_shift;    /* v5.13 mm/ioremap.c: 63 (BITS_PER_LONG - 1) or 12
                                    (PAGE_SHIFT, "nohugeiomap"); only with vmap_range_form */
    int ioremap_force_nx;        /* 8491502f787c (v5.15): pgprot_nx(prot) in ioremap_page_range;
                                    only with vmap_range_form */
    int set_huge;                /* PT_SET_HUGE_*: which pud_set_huge/pmd_set_huge run */
    int mtrr_lookup;             /* PT_MTRR_LOOKUP_*: which mtrr_type_lookup() runs; ptlib/
                                    machine.py sets it from set_huge (12f0dd8df142 -> V6_5:
                                    one rework series); keep the two in step, as the v4.18
                                    lookup leaves uniform unset when MTRRs are off */
    /* mm/vmalloc.c v6.9 .. v7.2 (csrc/kernel/mm_vmalloc_v6_9.c, _v6_16.c, _v7_2.c), each only
       with vmap_range_form: */
    int ioremap_vm_area_check;   /* 3e49a866c9dc (v6.9): ioremap_page_range refuses a range that
                                    is not one whole VM_IOREMAP area (-EINVAL/-ERANGE); its
                                    body forces NX whatever ioremap_force_nx says */
    int vunmap_warn_partial_huge; /* 61ef8ddaa35e (v6.16): vunmap_pmd/pud_range WARN_ON a huge
                                     leaf the range covers only in part (cleared whole) */
    int vmap_ptdump_lock;        /* 2026 ptdump UAF fix (v7.2): vmap_try_huge_pXd free + set a
                                    present entry under mmap_read_trylock(&init_mm) */
} pt_profile;

typedef struct pt_config {
    int paging;                  /* PT_PAGING_* */
    int ncpus;
    uint64_t ram_pages;          /* frames of emulated RAM, physical 0 .. ram_pages*4096 */
    uint64_t seed;
    pt_profile profile;
    int invlpg_covering;         /* 0: SDM (INVLPG drops every PSC entry of the PCID) */
    int sanitize;                /* 1: sanitizer on (default) */
    int speculation;             /* PT_SPEC_* */
    uint32_t tlb_entries[3];     /* 4K, 2M, 1G; multiple of the ways, power-of-two sets */
    uint32_t psc_entries[3];     /* PML4E, PDPTE, PDE caches; 0 = not implemented */
    int record_events;           /* keep the sanitizer's event log (tests: brute force) */
} pt_config;

typedef struct pt_stats {
    uint64_t ram_pages;
    uint64_t allocated;          /* frames allocated now (reserved frame 0 excluded) */
    uint64_t free;               /* frames that can still be allocated */
    uint64_t by_owner[PT_NR_OWNERS];
    uint64_t allocs;
    uint64_t frees;
    uint64_t failed;
    uint64_t peak;
    uint64_t allocs_by_site[PT_NR_SITES];
    uint64_t frees_by_site[PT_NR_SITES];
} pt_stats;

typedef struct pt_frame_info {
    int state;
    int owner;
    int alloc_site;
    int free_site;
    uint64_t alloc_op;
    uint64_t free_op;
} pt_frame_info;

typedef struct pt_walk_result {
    int nentries;
    int levels[5];               /* PT_LEVEL_* of each entry read */
    uint64_t entries[5];         /* raw entry values, root first */
    int leaf_level;              /* PT_LEVEL_* of the leaf, 0 if none */
    uint64_t pa;                 /* valid iff leaf_level != 0 */
    uint64_t page_size;
    uint64_t prot;               /* leaf flags in 4 KiB pgprot form (PAT at bit 7, no PSE) */
    int bad_table;               /* 1 if a table pointer left RAM */
} pt_walk_result;

typedef struct pt_mapping {
    uint64_t va;
    uint64_t pa;
    uint64_t size;
    uint64_t prot;               /* 4 KiB pgprot form, as for pt_walk_result.prot */
} pt_mapping;

typedef struct pt_flush_event {
    uint64_t op;
    uint64_t start;
    uint64_t end;                /* as passed to flush_tlb_kernel_range (exclusive) */
    int full;                    /* 1: flush_tlb_all-style full flush on every CPU */
    uint64_t cpumask;            /* CPUs that ran the flush (the IPI targets) */
} pt_flush_event;

typedef struct pt_report {
    int kind;                    /* PT_REPORT_* */
    uint64_t op;
    int cpu;                     /* -1: not on a CPU */
    uint64_t va;
    uint64_t pfn;
    char site[64];
    char message[512];
} pt_report;

typedef struct pt_cpu_stats {
    uint64_t invlpg;             /* __flush_tlb_one_kernel() executions */
    uint64_t full_flushes;       /* __flush_tlb_all() executions */
} pt_cpu_stats;

typedef struct pt_cpu_state {
    uint64_t cr3_root;
    uint32_t pcid;
    int pge, pcide;
} pt_cpu_state;

typedef struct pt_cache_record {
    int level;                   /* TLB: PT_LEVEL_PTE/PMD/PUD (page size); PSC: level of the
                                    cached entry (PT_LEVEL_PGD = PML4E, PUD = PDPTE, PMD = PDE) */
    uint64_t va;                 /* first va the entry covers */
    uint32_t pcid;
    uint64_t pfn;                /* page frame (TLB) or next table's frame (PSC) */
    int global_, rw, us, nx, dirty;
} pt_cache_record;

typedef struct pt_table_census {
    uint64_t by_level[6];        /* reachable table pages indexed by PT_LEVEL_* */
    uint64_t total;
    uint64_t bad_pointers;       /* table entries whose target is outside RAM */
} pt_table_census;

/* ==== The machine: lifetime, configuration, the bodies it runs ==== */

/* Machine lifetime. err receives a message on failure (NULL return): bad paging mode, ncpus
 * outside 1..PT_MAX_CPUS, ram_pages outside 16..2^26, a cache size above 2^20 entries or
 * not ways (<= 4) times a power of two. */
pt_machine *pt_machine_new(const pt_config *cfg, char *err, size_t errlen);
void pt_machine_free(pt_machine *m);
int pt_arena_pooled(uint64_t ram_pages);
uint64_t pt_root(const pt_machine *m);
int pt_ncpus(const pt_machine *m);
uint64_t pt_op(const pt_machine *m);
/* The kernel functions whose body the profile chooses: slot i's kernel name (NULL past the
 * last) and, in *origin, the file, version and commit of the body this machine runs. */
const char *pt_machine_kernel_body(const pt_machine *m, int i, const char **origin);

/* ==== RAM, the page allocator, fault injection (frames.c) ==== */

/* RAM and the page allocator. */
int pt_read_phys(const pt_machine *m, uint64_t pa, uint8_t *buf, size_t n);
int pt_write_phys(pt_machine *m, uint64_t pa, const uint8_t *buf, size_t n);
void pt_get_stats(const pt_machine *m, pt_stats *out);
int pt_frame_info_get(const pt_machine *m, uint64_t pfn, pt_frame_info *out);
void pt_fail_nth(pt_machine *m, uint64_t n);
uint64_t pt_fail_nth_pending(const pt_machine *m);
int pt_alloc_data_page(pt_machine *m, uint64_t *pa_out);
int pt_free_data_page(pt_machine *m, uint64_t pa);
const char *pt_site_name(int site);
const char *pt_owner_name(int owner);

/* ---- Fault injection and allocator policy (frames.c) ----
 * pt_fault_attr is the kernel's struct fault_attr plus fail_page_alloc's filters
 * (lib/fault-inject.c, mm/fail_page_alloc.c); it is consulted by every page allocation
 * after pt_fail_nth's countdown (which is separate and counts every attempt). */
#define PT_ALLOC_LIFO 0
#define PT_ALLOC_FIFO 1
#define PT_ALLOC_RANDOM 2
#define PT_ALLOC_QUARANTINE 3
#define PT_FAULT_LOG_SIZE 256
#define PT_FAIL_NONE 0           /* last failure: none yet */
#define PT_FAIL_NTH 1            /* pt_fail_nth's countdown */
#define PT_FAIL_ATTR 2           /* the fault_attr (should_fail) */
#define PT_FAIL_OOM 3            /* no free frame (RAM limit) */

typedef struct pt_fault_attr {
    uint64_t probability;        /* percent, 0..100; 0 = off */
    uint64_t interval;           /* fail every interval-th call that passes the other tests */
    int64_t times;               /* failures left; -1 = unlimited */
    int64_t space;               /* budget in pages: a call of 1 << order pages passes while
                                    space > 1 << order (and space -= 1 << order) */
    int verbose;                 /* 0: silent; 1: log line; 2: log line plus call trace */
    uint64_t task_fail_nth;      /* the kernel's /proc/self/fail-nth: counts should_fail calls */
    uint32_t min_order;          /* fail_page_alloc: orders below it are never failed */
    int ignore_gfp_wait;         /* fail_page_alloc: skip allocations that may sleep */
    int ignore_gfp_highmem;      /* fail_page_alloc: skip __GFP_HIGHMEM allocations */
    uint32_t require_sites;      /* bit per PT_SITE_*: only these may fail (0 = any) */
    uint32_t reject_sites;       /* bit per PT_SITE_*: these never fail */
    uint64_t count;              /* interval counter */
    uint64_t rng;                /* PRNG state of the probability roll (splitmix64) */
    int v4_18_order;             /* 1: lib/fault-inject.c's order of v4.18..v6.1: the site
                                    filter after the probability roll, none on the task
                                    fail-nth; 0: v6.x (after "fault-injection: make stacktrace
                                    filter works as expected"): before space, and on fail-nth */
} pt_fault_attr;

typedef struct pt_fault_info {
    uint64_t injected;           /* failures injected by the fault_attr */
    uint64_t logged;             /* log entries written (verbose); the last PT_FAULT_LOG_SIZE kept */
    int last_failed_site;        /* PT_SITE_* of the last failed allocation, any cause */
    int last_failed_reason;      /* PT_FAIL_* */
    uint64_t last_failed_op;
} pt_fault_info;

void pt_fault_attr_set(pt_machine *m, const pt_fault_attr *fa);
void pt_fault_attr_get(const pt_machine *m, pt_fault_attr *out);
void pt_fault_info_get(const pt_machine *m, pt_fault_info *out);
size_t pt_fault_log_count(const pt_machine *m);
int pt_fault_log_get(const pt_machine *m, size_t i, pt_report *out);
void pt_fault_log_clear(pt_machine *m);
int pt_site_gfp(int site, uint32_t *order, int *may_sleep, int *highmem);
int pt_alloc_policy_set(pt_machine *m, int policy, uint64_t quarantine, uint64_t seed);
uint64_t pt_quarantined(const pt_machine *m);

/* ==== MTRRs (mtrr.c) ==== */

/* MTRRs (variable ranges); none = MTRRs disabled = uniform everywhere. */
int pt_mtrr_add(pt_machine *m, uint64_t base, uint64_t size, int type);
void pt_mtrr_set_default(pt_machine *m, int type, int enabled);

/* ==== Kernel operations (api.c): each runs one kernel function as one operation ==== */

/* The kernel port (entry points; results through out-parameters).
 * Ranged ones: PT_EINVAL unless addr and end (addr + size) are page aligned and the range
 * stays inside one PGD (addr and end - 1 agree in bits 48..63); addr >= end is the kernel's
 * BUG_ON (PT_EBUG).  Precondition: the range lies in the vmalloc area, phys is page
 * aligned with phys + size <= 2^52, prot has only bits 0..8 and 63 (machine.py).
 * One-entry ones (pXd_set_huge/clear_huge/free_*): any va; precondition: va aligned to
 * the level's size, phys to the leaf size. */
int pt_ioremap_page_range(pt_machine *m, uint64_t addr, uint64_t end, uint64_t phys,
                          uint64_t prot, int *ret);
int pt_unmap_kernel_range(pt_machine *m, uint64_t addr, uint64_t size);
int pt_unmap_kernel_range_noflush(pt_machine *m, uint64_t addr, uint64_t size);
int pt_pmd_set_huge(pt_machine *m, uint64_t va, uint64_t phys, uint64_t prot, int *ret);
int pt_pud_set_huge(pt_machine *m, uint64_t va, uint64_t phys, uint64_t prot, int *ret);
int pt_pmd_clear_huge(pt_machine *m, uint64_t va, int *ret);
int pt_pud_clear_huge(pt_machine *m, uint64_t va, int *ret);
int pt_pmd_free_pte_page(pt_machine *m, uint64_t va, int *ret);
int pt_pud_free_pmd_page(pt_machine *m, uint64_t va, int *ret);
/* PT_EINVAL for an end inside the last page other than UINT64_MAX (TLB_FLUSH_ALL). */
int pt_flush_tlb_kernel_range(pt_machine *m, uint64_t start, uint64_t end);
int pt_flush_tlb_all(pt_machine *m);
/* flush_tlb_kernel_pgtable_range() as an entry point (recorded in the flush log). */
int pt_flush_tlb_kernel_pgtable_range(pt_machine *m, uint64_t start, uint64_t end);

/* pt_profile.deferred_free (v6.19 CONFIG_ASYNC_KERNEL_PGTABLE_FREE, selected on x86 by
 * IOMMU_SVA): pagetable_free() of a kernel table queues the frame (still allocated, owner
 * unchanged, pending); pt_run_deferred_work() is kernel_pgtable_work_func(): one IOMMU
 * invalidation (iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL)), then the
 * frames are freed, newest first.  *nfreed: how many.  Never run implicitly. */
int pt_run_deferred_work(pt_machine *m, uint64_t *nfreed);

/* ---- vmap areas: x86 ioremap()/iounmap() and mm/vmalloc.c's lazy area free (vmarea.c) ---- */

typedef struct pt_vm_area {
    uint64_t start;              /* va_start */
    uint64_t size;               /* va_end - va_start: the guard page included */
    uint64_t phys;               /* vm_struct->phys_addr (page aligned) */
    int lazy;                    /* 1: freed, waiting for the lazy purge (still reserved);
                                    an area whose unmap oopsed in iounmap stays reserved
                                    with lazy 0, never purged (as in the kernel) */
} pt_vm_area;

/* __ioremap_caller(phys, size) with the final prot: *va_out = vaddr + offset of phys in its
 * page, or 0 (NULL) with *err = -16 (no area: -EBUSY) or -12 (table page: -ENOMEM). */
int pt_ioremap(pt_machine *m, uint64_t phys, uint64_t size, uint64_t prot, uint64_t *va_out,
               int *err);
/* iounmap(addr): *found = 0 when no live area contains addr (the kernel's "bad address"). */
int pt_iounmap(pt_machine *m, uint64_t addr, int *found);
int pt_purge_vmap_area_lazy(pt_machine *m);

/* init_mm's mmap lock held for write from outside the kernel (what ptdump_walk_pgd() does
 * around its walk): lock = 1 takes it, PT_EINVAL if it is already held (no nesting, no
 * count); lock = 0 drops it, PT_EINVAL if it is not held.  While held,
 * mmap_read_trylock(&init_mm) fails (the v7.2 vmap_try_huge_pXd()). */
int pt_mmap_write_lock(pt_machine *m, int lock);
int pt_mmap_write_locked(pt_machine *m);

/* ==== CPUs: the instructions (cpu.c) ==== */

/* CPUs (cpu.c).  Faults come back as 1 with the error code in *err. */
int pt_cpu_access(pt_machine *m, int cpu, uint64_t va, int acc, uint64_t *pa, uint32_t *err);
/* The same returning the pa, or UINT64_MAX on a fault (error code: pt_cpu_last_error). */
uint64_t pt_cpu_access1(pt_machine *m, int cpu, uint64_t va, int acc);
uint32_t pt_cpu_last_error(const pt_machine *m, int cpu);
size_t pt_cpu_translate_many(pt_machine *m, int cpu, const uint64_t *vas, uint64_t *out,
                             uint32_t *errs, size_t n);
int pt_cpu_speculate(pt_machine *m, int cpu, uint64_t va);
int pt_cpu_invlpg(pt_machine *m, int cpu, uint64_t va);
/* PT_EINVAL for an unaligned root, a pcid above 4095, or pcid/noflush without CR4.PCIDE.
 * A root outside RAM is accepted (walks fault); machine.py also refuses it. */
int pt_cpu_write_cr3(pt_machine *m, int cpu, uint64_t root, uint32_t pcid, int noflush);
int pt_cpu_invpcid(pt_machine *m, int cpu, int type, uint32_t pcid, uint64_t va);
int pt_cpu_flush_all(pt_machine *m, int cpu);
int pt_cpu_set_cr4(pt_machine *m, int cpu, int pge, int pcide);
int pt_cpu_state_get(const pt_machine *m, int cpu, pt_cpu_state *out);
size_t pt_cpu_tlb_entries(const pt_machine *m, int cpu, pt_cache_record *out, size_t cap);
size_t pt_cpu_psc_entries(const pt_machine *m, int cpu, pt_cache_record *out, size_t cap);

/* ==== Inspection and records: walks, the flush log, reports, the sanitizer, queues, areas ==== */

/* Inspection. */
int pt_walk(pt_machine *m, uint64_t va, pt_walk_result *out);
/* Precondition: start and end - 1 canonical, in the same half (else the walk crosses the
 * non-canonical hole one empty PGD slot at a time: slow, not unsafe). */
size_t pt_mappings(pt_machine *m, uint64_t start, uint64_t end, pt_mapping *out, size_t cap);
uint64_t pt_mappings_limit(const pt_machine *m);
size_t pt_ptdump(pt_machine *m, char *buf, size_t cap);
int pt_census(pt_machine *m, pt_table_census *out);
size_t pt_flush_count(const pt_machine *m);
int pt_flush_get(const pt_machine *m, size_t i, pt_flush_event *out);
size_t pt_report_count(const pt_machine *m);
int pt_report_get(const pt_machine *m, size_t i, pt_report *out);
void pt_reports_clear(pt_machine *m);
uint64_t pt_reports_dropped(const pt_machine *m);
int pt_cpu_stats_get(const pt_machine *m, int cpu, pt_cpu_stats *out);

/* The sanitizer's event log, in order (Machine(record_events=True)). */
#define PT_EV_ROOT 1             /* a = pfn of init_mm's pgd */
#define PT_EV_WRITE 2            /* a = entry's physical address, b = old, c = new; level */
#define PT_EV_SLOT 3             /* cpu switches to pcid; b = 1 if its PSC entries are flushed */
#define PT_EV_FLUSH_SLOT 4       /* every PSC entry of (cpu, pcid) dropped */
#define PT_EV_FLUSH_CPU 5        /* every PSC entry of cpu dropped */
#define PT_EV_COVER 6            /* PSC entries of (cpu, pcid) covering va = a dropped */
#define PT_EV_ALLOC 7            /* a = pfn, b = owner, c = 1 if zeroed */
#define PT_EV_FREE 8             /* a = pfn */
typedef struct pt_event {
    int kind, cpu, level;
    uint32_t pcid;
    uint64_t a, b, c;
} pt_event;
size_t pt_event_count(const pt_machine *m);
size_t pt_events_get(const pt_machine *m, size_t first, pt_event *out, size_t n);

/* Sanitizer checks run on demand: table pages allocated but unreachable (PageTableLeak). */
size_t pt_check_leaks(pt_machine *m);

uint64_t pt_deferred_count(const pt_machine *m);
/* 1 if pfn is queued for the worker. */
int pt_deferred_is_pending(const pt_machine *m, uint64_t pfn);
/* The pending frames, newest first (the order the worker frees them); returns the count. */
size_t pt_deferred_list(const pt_machine *m, uint64_t *pfns, size_t cap);
/* IOMMU invalidations the worker issued (total; the last 64 are kept, i counts from the
 * oldest kept): op, start, end (TLB_FLUSH_ALL = UINT64_MAX). */
size_t pt_iommu_inval_count(const pt_machine *m);
int pt_iommu_inval_get(const pt_machine *m, size_t i, uint64_t *op, uint64_t *start,
                       uint64_t *end);

uint64_t pt_vmap_lazy_nr(const pt_machine *m);
uint64_t pt_lazy_max_pages(pt_machine *m);
/* Every area in va order, live and lazy; returns the count (may exceed cap). */
size_t pt_vm_areas(const pt_machine *m, pt_vm_area *out, size_t cap);

/* Pause points: when the armed point is reached, the 512 entries of the table being freed
 * are copied into the machine's probe buffer (what a software walker holding the old
 * table pointer would read there).  PT_PROBE_NONE disarms. */
#define PT_PROBE_NONE 0
#define PT_PROBE_PUD_FREE_BEFORE_FREE_PMD 1  /* pud_free_pmd_page: PTE tables freed, PMD not yet */
int pt_probe_set(pt_machine *m, int point);
/* The last capture since arming: its hit count (0: not reached), op, table pa, entries. */
uint64_t pt_probe_get(const pt_machine *m, uint64_t *op, uint64_t *table_pa,
                      uint64_t *entries512);

/* ==== Benchmarks (bench.c) ==== */

/* Benchmarks (csrc/bench.c): each run's nanoseconds into ns_out[0..reps) (allocs_out and
 * ok_out: reps elements too; vas: n elements). */
int pt_bench_pte_loop(uint64_t npte, uint64_t phys, uint64_t prot, int reps, double *ns_out);
int pt_bench_pte_loop2(uint64_t npte, uint64_t phys, uint64_t prot, int reps, int scalar,
                       double *ns_out);
int pt_bench_ioremap(pt_machine *m, uint64_t addr, uint64_t size, uint64_t phys,
                     uint64_t prot, int reps, double *ns_out);
int pt_bench_translate_many(pt_machine *m, int cpu, const uint64_t *vas, size_t n, int reps,
                            double *ns_out);
int pt_bench_chase(const uint64_t *vas, size_t n, int reps, double *ns_out);
int pt_bench_machine_cycle(const pt_config *cfg, int reps, double *ns_out);
int pt_bench_ioremap_cycles(pt_machine *m, uint64_t base, uint64_t stride, int nslots,
                            uint64_t size, uint64_t phys, uint64_t prot, int iters, int reps,
                            double *ns_out);
/* Benchmark (csrc/bench.c): reps calls of pud_free_pmd_page(va), each on a freshly built
 * (untimed) PMD table with nptes PTE tables (0: one 2 MiB leaf mapped and unmapped), with
 * the free frames topped down to leave_free (UINT64_MAX: no filler) before each call.
 * ns_out[r]: the call's time; allocs_out[r]: its allocations; ok_out[r]: its return. */
int pt_bench_pud_free(pt_machine *m, uint64_t va, int nptes, uint64_t leave_free, int reps,
                      double *ns_out, uint64_t *allocs_out, int *ok_out);
#endif
