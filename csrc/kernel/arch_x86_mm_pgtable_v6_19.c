// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/pgtable.c as of v6.19: the free pmd/pte page interfaces after 412d000346ea
 * "x86/mm: use 'ptdesc' when freeing PMD pages" (Dave Hansen, in Lu Baolu's series "Fix
 * stale IOTLB entries for kernel address space", v7 2025-10-22; merged in the v6.19
 * cycle, backported to 6.18.y): a PTE table is freed with pagetable_dtor_free(), i.e.
 * through pagetable_free(), which (CONFIG_ASYNC_KERNEL_PGTABLE_FREE) hands a kernel table
 * to pagetable_free_kernel() for the deferred worker.  The PMD table is freed with
 * pmd_free(&init_mm, pmd) (Kevin Brodsky, "x86: pgtable: Always use pte_free_kernel()",
 * v6.16); the temporary page is still __get_free_page()/free_page(); the flush is still
 * the one page flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1).
 * ptlib difference: the probe point before the PMD table is freed.
 */
#include <ptlib/kernel.h>


/*
 * arch/x86/mm/pgtable.c v6.19 (412d000346ea "x86/mm: use 'ptdesc' when freeing PMD
 * pages") pud_free_pmd_page()
 */
int pud_free_pmd_page(pud_t *pud, unsigned long addr)
{
	pmd_t *pmd, *pmd_sv;
	struct ptdesc *pt;
	int i;

	pmd = pud_pgtable(*pud);
	pmd_sv = (pmd_t *)__get_free_page(GFP_KERNEL);
	if (!pmd_sv)
		return 0;

	for (i = 0; i < PTRS_PER_PMD; i++) {
		pmd_sv[i] = pmd[i];
		if (!pmd_none(pmd[i]))
			pmd_clear(&pmd[i]);
	}

	pud_clear(pud);

	/* INVLPG to clear all paging-structure caches */
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);

	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (!pmd_none(pmd_sv[i])) {
			pt = page_ptdesc(pmd_page(pmd_sv[i]));
			pagetable_dtor_free(pt);
		}
	}

	free_page((unsigned long)pmd_sv);

	ptlib_probe_point(PUD_FREE_BEFORE_FREE_PMD, pmd);
	pmd_free(&init_mm, pmd);

	return 1;
}

/*
 * arch/x86/mm/pgtable.c v6.19 (412d000346ea) pmd_free_pte_page(): clear the PMD entry,
 * one INVLPG, free the PTE table through its ptdesc; always 1.
 */
int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)
{
	struct ptdesc *pt;

	pt = page_ptdesc(pmd_page(*pmd));
	pmd_clear(pmd);

	/* INVLPG to clear all paging-structure caches */
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);

	pagetable_dtor_free(pt);

	return 1;
}
