/*
 * cpu.c - the per-CPU layer: what one emulated CPU does when the kernel flushes.
 * For now a CPU counts the invalidations it executes; the TLB, the paging-structure
 * caches and the walker that these invalidations act on are the next layer (issue 3).
 */
#include "pgtable.h"

/* arch/x86/include/asm/tlbflush.h __flush_tlb_one_kernel(): INVLPG of one kernel page. */
void __flush_tlb_one_kernel(pt_machine *m, int cpu, uint64_t addr)
{
    (void)addr;
    m->cpus[cpu].stats.invlpg++;
}

/* arch/x86/include/asm/tlbflush.h __flush_tlb_all(): CR4.PGE toggle (or CR3 write). */
void __flush_tlb_all(pt_machine *m, int cpu)
{
    m->cpus[cpu].stats.full_flushes++;
}

int pt_cpu_stats_get(const pt_machine *m, int cpu, pt_cpu_stats *out)
{
    if (cpu < 0 || cpu >= m->ncpus)
        return PT_EINVAL;
    *out = m->cpus[cpu].stats;
    return PT_OK;
}
