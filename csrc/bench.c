/*
 * bench.c - C-side timing loops for benchmarks/ (never used by tests).
 * pt_bench_pte_loop is the "fill limit": a plain loop writing the same PTE values that
 * ioremap_page_range writes for the same range, into one preallocated, pre-touched buffer.
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

/* Each run's time in ns goes to ns_out[r]; the caller takes the median. */
int pt_bench_pte_loop(uint64_t npte, uint64_t phys, uint64_t prot, int reps, double *ns_out)
{
    uint64_t *buf = malloc(npte * sizeof(*buf));
    if (!buf)
        return PT_ENOMEM;
    memset(buf, 0, npte * sizeof(*buf));
    for (int r = 0; r < reps; r++) {
        double t0 = now_ns();
        uint64_t pfn = phys >> PAGE_SHIFT;
        for (uint64_t i = 0; i < npte; i++)
            buf[i] = ((pfn + i) << PAGE_SHIFT) | prot;
        __asm__ volatile("" : : "r"(buf) : "memory");
        ns_out[r] = now_ns() - t0;
        memset(buf, 0, npte * sizeof(*buf));
    }
    free(buf);
    return PT_OK;
}

/* reps ioremap_page_range() calls of [addr, addr+size), each timed into ns_out[r]; the
 * untimed part between two runs unmaps the range (the tables stay, as the kernel leaves
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
        pt_unmap_kernel_range_noflush(m, addr, size);
    }
    return PT_OK;
}
