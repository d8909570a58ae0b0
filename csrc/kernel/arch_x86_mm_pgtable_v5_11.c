// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/pgtable.c as of v5.11: pud_free_pmd_page() after d1c5246e08eb "x86/mm: Fix
 * leak of pmd ptlock" (Dan Williams; v5.11-rc3, backported to 5.10.7 and older stables):
 * the PMD table's split ptlock is released with pgtable_pmd_page_dtor() before the table
 * is freed.  pmd_free_pte_page() is unchanged since v5.0 (see arch_x86_mm_pgtable_v5_0.c).
 * ptlib difference: the probe point before the PMD table is freed.
 */
#include <ptlib/kernel.h>


/*
 * arch/x86/mm/pgtable.c v5.11 (d1c5246e08eb "x86/mm: Fix leak of pmd ptlock")
 * pud_free_pmd_page()
 */
int pud_free_pmd_page(pud_t *pud, unsigned long addr)
{
	pmd_t *pmd, *pmd_sv;
	pte_t *pte;
	int i;

	pmd = (pmd_t *)pud_page_vaddr(*pud);
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
			pte = (pte_t *)pmd_page_vaddr(pmd_sv[i]);
			free_page((unsigned long)pte);
		}
	}

	free_page((unsigned long)pmd_sv);

	ptlib_probe_point(PUD_FREE_BEFORE_FREE_PMD, pmd);
	pgtable_pmd_page_dtor(virt_to_page(pmd));
	free_page((unsigned long)pmd);

	return 1;
}
