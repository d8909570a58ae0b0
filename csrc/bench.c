/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench.c - C-side timing loops for benchmarks/ (never used by tests).
 * pt_bench_pte_loop is the "fill limit": a plain loop writing the same PTE values that
 * ioremap_page_range writes for the same range, into one preallocated, pre-touched buffer.
 * pt_bench_chase is the "walk limit" for pt_bench_translate_many: 4 dependent loads per
 * address through tables shaped like the ones the walker reads.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pgtable.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void fill_ptes(uint64_t *buf, uint64_t n, uint64_t pfn, uint64_t prot)
{
    for (uint64_t i = 0; i < n; i++)
        buf[i] = ((pfn + i) << PAGE_SHIFT) | prot;
}

/* The same loop kept scalar: gcc 12 vectorizes fill_ptes at -O2, which a loop that must
 * check each old entry (as ioremap_pte_range's BUG_ON does) cannot be. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-vectorize")))
#endif
static void fill_ptes_scalar(uint64_t *buf, uint64_t n, uint64_t pfn, uint64_t prot)
{
    for (uint64_t i = 0; i < n; i++)
        buf[i] = ((pfn + i) << PAGE_SHIFT) | prot;
}

/* Each run's time in ns goes to ns_out[r]; the caller takes the median.  scalar: use the
 * non-vectorized loop. */
int pt_bench_pte_loop(uint64_t npte, uint64_t phys, uint64_t prot, int reps, double *ns_out)
{
    return pt_bench_pte_loop2(npte, phys, prot, reps, 0, ns_out);
}

int pt_bench_pte_loop2(uint64_t npte, uint64_t phys, uint64_t prot, int reps, int scalar,
                       double *ns_out)
{
    if (npte > SIZE_MAX / sizeof(uint64_t))
        return PT_EINVAL;
    uint64_t *buf = malloc(npte * sizeof(*buf));
    if (!buf)
        return PT_ENOMEM;
    memset(buf, 0, npte * sizeof(*buf));
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        if (scalar)
            fill_ptes_scalar(buf, npte, phys >> PAGE_SHIFT, prot);
        else
            fill_ptes(buf, npte, phys >> PAGE_SHIFT, prot);
        __asm__ volatile("" : : "r"(buf) : "memory");
        ns_out[r] = now_ns() - t0;
        memset(buf, 0, npte * sizeof(*buf));
    }
    free(buf);
    return PT_OK;
}

/* reps ioremap_page_range() calls of [addr, addr+size), each timed into ns_out[r]; the
 * untimed part between two runs unmaps the range with unmap_kernel_range (the tables stay, as the kernel leaves
 * them), so run 0 allocates the tables and later runs only fill PTEs. */
int pt_bench_ioremap(pt_machine *m, uint64_t addr, uint64_t size, uint64_t phys,
                     uint64_t prot, int reps, double *ns_out)
{
    int ret;
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        if (pt_ioremap_page_range(m, addr, addr + size, phys, prot, &ret) != PT_OK || ret)
            return PT_EINVAL;
        ns_out[r] = now_ns() - t0;
        pt_unmap_kernel_range(m, addr, size);   /* with its flush: no stale leaves pending */
    }
    return PT_OK;
}

/* ---- the MMU: translate_many against a plain pointer chase ---- */

/* One untimed pt_cpu_translate_many() call over the n addresses (host caches warm, as
 * pt_bench_chase's untimed pass), then reps calls, each timed into ns_out[r] (the caller
 * divides by n).  Every address must translate: a fault means the case is not what the
 * caller built, and the function returns PT_EINVAL. */
int pt_bench_translate_many(pt_machine *m, int cpu, const uint64_t *vas, size_t n, int reps,
                            double *ns_out)
{
    if (cpu < 0 || cpu >= pt_ncpus(m) || !n)
        return PT_EINVAL;
    uint64_t *out = malloc(n * sizeof(*out));
    if (!out)
        return PT_ENOMEM;
    memset(out, 0, n * sizeof(*out));
    int rc = PT_OK;
    for (int r = -1; r < reps; r++) {
        double t0 = now_ns();
        size_t faults = pt_cpu_translate_many(m, cpu, vas, out, NULL, n);
        __asm__ volatile("" : : "r"(out) : "memory");
        if (r >= 0)
            ns_out[r] = now_ns() - t0;
        if (faults)
            rc = PT_EINVAL;
    }
    free(out);
    return rc;
}

/* One level of the chase's tables: ntab tables of 512 entries, one after the other. */
struct chase_level {
    uint64_t *t;
    size_t ntab, cap;
};

static int64_t chase_new_table(struct chase_level *L)
{
    if (L->ntab == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 16;
        uint64_t *t = realloc(L->t, cap * 512 * sizeof(*t));
        if (!t)
            return -1;
        L->t = t;
        L->cap = cap;
    }
    memset(L->t + L->ntab * 512, 0, 512 * sizeof(*L->t));
    return (int64_t)L->ntab++;
}

/* The walk limit: for each address, 4 dependent loads through 4 arrays shaped like the
 * page tables that map the same addresses (one 4 KiB table per distinct PGD/PUD/PMD entry,
 * so the footprint in host caches is the walker's), entries holding "next table byte offset
 * | present" as a PTE holds "pfn | flags".  Each result goes to an out buffer, as
 * translate_many's do.  One untimed pass, then reps passes over the n addresses, each timed
 * into ns_out[r]. */
int pt_bench_chase(const uint64_t *vas, size_t n, int reps, double *ns_out)
{
    static const uint32_t shift[4] = { 39, 30, 21, 12 };
    struct chase_level lv[4] = { { 0 } };
    uint64_t *arr[4] = { NULL };
    uint64_t *out = NULL;
    int rc = PT_ENOMEM;
    if (!n)
        return PT_EINVAL;
    if (chase_new_table(&lv[0]) < 0)
        goto done;
    /* Build: present entries for every address, tables allocated on first use. */
    for (size_t i = 0; i < n; i++) {
        uint64_t tab = 0;
        for (int l = 0; l < 4; l++) {
            uint64_t *e = &lv[l].t[tab * 512 + ((vas[i] >> shift[l]) & 511)];
            if (l == 3) {
                *e = (vas[i] & 0x000ffffffffff000ULL) | 1;      /* a leaf: any frame */
                break;
            }
            if (!*e) {
                int64_t nt = chase_new_table(&lv[l + 1]);
                if (nt < 0)
                    goto done;
                *e = ((uint64_t)nt << 12) | 1;
            }
            tab = *e >> 12;
        }
    }
    /* Page-aligned final copies, as the emulated RAM's tables are. */
    for (int l = 0; l < 4; l++) {
        arr[l] = aligned_alloc(4096, lv[l].ntab * 4096);
        if (!arr[l])
            goto done;
        memcpy(arr[l], lv[l].t, lv[l].ntab * 4096);
    }
    out = malloc(n * sizeof(*out));
    if (!out)
        goto done;
    memset(out, 0, n * sizeof(*out));
    const char *a0 = (const char *)arr[0], *a1 = (const char *)arr[1],
               *a2 = (const char *)arr[2], *a3 = (const char *)arr[3];
    for (int r = -1; r < reps; r++) {          /* r = -1: an untimed pass to warm caches */
        double t0 = now_ns();
        for (size_t i = 0; i < n; i++) {
            uint64_t va = vas[i], e;
            e = *(const uint64_t *)(a0 + ((va >> 39) & 511) * 8);
            e = *(const uint64_t *)(a1 + (e & ~0xfffULL) + ((va >> 30) & 511) * 8);
            e = *(const uint64_t *)(a2 + (e & ~0xfffULL) + ((va >> 21) & 511) * 8);
            e = *(const uint64_t *)(a3 + (e & ~0xfffULL) + ((va >> 12) & 511) * 8);
            out[i] = (e & ~0xfffULL) | (va & 0xfff);
        }
        __asm__ volatile("" : : "r"(out) : "memory");
        if (r >= 0)
            ns_out[r] = now_ns() - t0;
    }
    rc = PT_OK;
    for (size_t i = 0; i < n; i++)     /* the chase must have found every leaf */
        if (out[i] != (vas[i] & 0x000fffffffffffffULL))
            rc = PT_EINVAL;
done:
    for (int l = 0; l < 4; l++) {
        free(lv[l].t);
        free(arr[l]);
    }
    free(out);
    return rc;
}

/* ---- ioremap/vunmap cycles (sanitizer on vs off) ---- */

/* reps runs of iters cycles, each run timed into ns_out[r]: cycle k maps [va, va+size) to
 * phys with ioremap_page_range and unmaps it with unmap_kernel_range (the flushing one, as
 * vunmap does), va rotating over nslots slots base + (k % nslots) * stride; k runs on across
 * runs.  Tables stay after the first pass over the slots. */
int pt_bench_ioremap_cycles(pt_machine *m, uint64_t base, uint64_t stride, int nslots,
                            uint64_t size, uint64_t phys, uint64_t prot, int iters, int reps,
                            double *ns_out)
{
    int ret;
    uint64_t k = 0;
    if (nslots < 1)
        return PT_EINVAL;
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        for (int i = 0; i < iters; i++, k++) {
            uint64_t va = base + (k % (uint64_t)nslots) * stride;
            if (pt_ioremap_page_range(m, va, va + size, phys, prot, &ret) != PT_OK || ret)
                return PT_EINVAL;
            if (pt_unmap_kernel_range(m, va, size) != PT_OK)
                return PT_EINVAL;
        }
        ns_out[r] = now_ns() - t0;
    }
    return PT_OK;
}

/* ---- pud_free_pmd_page per call, per strategy (benchmarks/bench_pud_free.py) ---- */

/* Untimed: rebuild the PMD table under va's PUD entry with nptes PTE tables (one 4 KiB
 * mapping in each of the first nptes 2 MiB regions; nptes == 0: one 2 MiB leaf, so the PMD
 * table has no PTE table), unmap the 1 GiB (flushing, as vunmap), then allocate or free
 * data pages until exactly leave_free frames can still be allocated (UINT64_MAX: leave the
 * allocator alone).  Timed: the pt_pud_free_pmd_page() call alone.  nptes == -1 times an
 * empty region instead (the timer floor).  allocs_out[r] counts the call's allocations,
 * ok_out[r] is its return (0: the temporary page could not be had, nothing changed). */
int pt_bench_pud_free(pt_machine *m, uint64_t va, int nptes, uint64_t leave_free, int reps,
                      double *ns_out, uint64_t *allocs_out, int *ok_out)
{
    const uint64_t phys = 1ULL << 38;    /* MMIO, 1 GiB aligned, above RAM */
    const uint64_t prot = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY |
                          _PAGE_GLOBAL | _PAGE_NX;
    const uint64_t m2 = 1ULL << 21, g1 = 1ULL << 30;
    uint64_t *fill = NULL;
    size_t nfill = 0;
    pt_stats st;
    int ret, rc = PT_OK;

    if ((va & (g1 - 1)) || nptes < -1 || nptes > 512 || reps < 1)
        return PT_EINVAL;
    if (nptes == -1) {
        for (int r = 0; r < reps; r++) {
            double t0 = now_ns();
            __asm__ volatile("" ::: "memory");
            ns_out[r] = now_ns() - t0;
            allocs_out[r] = 0;
            ok_out[r] = 1;
        }
        return PT_OK;
    }
    if (leave_free != UINT64_MAX) {
        pt_get_stats(m, &st);
        fill = malloc((size_t)st.ram_pages * sizeof(*fill));
        if (!fill)
            return PT_ENOMEM;
    }
    for (int r = 0; r < reps && rc == PT_OK; r++) {
        if (nptes == 0) {
            if (pt_ioremap_page_range(m, va, va + m2, phys, prot, &ret) != PT_OK || ret)
                rc = PT_EINVAL;
        }
        for (int i = 0; i < nptes && rc == PT_OK; i++) {
            uint64_t a = va + (uint64_t)i * m2;
            if (pt_ioremap_page_range(m, a, a + PAGE_SIZE, phys, prot, &ret) != PT_OK || ret)
                rc = PT_EINVAL;
        }
        if (rc != PT_OK || pt_unmap_kernel_range(m, va, g1) != PT_OK) {
            rc = PT_EINVAL;
            break;
        }
        if (fill) {
            pt_get_stats(m, &st);
            while (st.free > leave_free) {
                if (pt_alloc_data_page(m, &fill[nfill]) != PT_OK) {
                    rc = PT_ENOMEM;
                    break;
                }
                nfill++;
                st.free--;
            }
            while (st.free < leave_free && nfill) {
                pt_free_data_page(m, fill[--nfill]);
                st.free++;
            }
            if (rc != PT_OK)
                break;
        }
        pt_get_stats(m, &st);
        uint64_t allocs = st.allocs;
        double t0 = now_ns();
        if (pt_pud_free_pmd_page(m, va, &ret) != PT_OK)
            rc = PT_EINVAL;
        ns_out[r] = now_ns() - t0;
        pt_get_stats(m, &st);
        allocs_out[r] = st.allocs - allocs;
        ok_out[r] = ret;
    }
    while (nfill)
        pt_free_data_page(m, fill[--nfill]);
    free(fill);
    return rc;
}

/* Machine create + destroy: reps timed pairs of pt_machine_new() and pt_machine_free(). */
int pt_bench_machine_cycle(const pt_config *cfg, int reps, double *ns_out)
{
    char err[256];
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        pt_machine *m = pt_machine_new(cfg, err, sizeof(err));
        if (!m)
            return PT_EINVAL;
        pt_machine_free(m);
        ns_out[r] = now_ns() - t0;
    }
    return PT_OK;
}
