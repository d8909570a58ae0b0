// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/tlb.c with Jann Horn's patch (LKML 2025-05-28, v1; never merged as far as the
 * public record shows): the new flush_tlb_kernel_pgtable_range().
 */
#include <ptlib/kernel.h>

/*
 * arch/x86/mm/tlb.c, Jann Horn's v1 (2025-05-28) flush_tlb_kernel_pgtable_range(): drop
 * the paging-structure-cache entries for the tables covering [start, end) on every CPU
 * and for every PCID, before those tables are freed.  Not for flushing data pages.
 *
 * Upstream: VM_WARN_ON(start < TASK_SIZE_MAX), a preempt guard, get_flush_tlb_info() /
 * put_flush_tlb_info() around kernel_tlb_flush_pgtable(), which uses INVLPGB
 * (invlpgb_kernel_range_flush()) when cpu_feature_enabled(X86_FEATURE_INVLPGB) and
 * flush_tlb_all() otherwise.  ptlib's CPU has no INVLPGB (the feature is false), so only
 * the flush_tlb_all() branch is modelled, and the range is not used.
 */
void flush_tlb_kernel_pgtable_range(unsigned long start, unsigned long end)
{
	(void)start;
	(void)end;

	flush_tlb_all();
}
