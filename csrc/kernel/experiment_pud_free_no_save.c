// SPDX-License-Identifier: GPL-2.0
/*
 * ptlib experiment (profile knob pud_free=no_save), not upstream: the simplest
 * allocation-free order for pud_free_pmd_page() on top of 5e0fb5df2ee8 "x86/mm: Add TLB
 * purge to free pmd/pte page interfaces" (the "v4.18" profile's text), ptlib's own
 * counterpart to the page_list order of Joerg Roedel's suggestion in the review of v3
 * (LKML, 2018; see experiment_pud_free_page_list.c): clear the PUD entry, one INVLPG,
 * then free the PTE tables read from the still intact PMD table, then the PMD table.  No
 * CPU can reach the PMD table after the flush, but a software walker that still holds
 * the old PMD table pointer reads entries to freed frames until the PMD table itself is
 * freed.
 */
#include <ptlib/kernel.h>


/*
 * ptlib experiment pud_free=no_save (on 5e0fb5df2ee8; ptlib's own, not upstream)
 * pud_free_pmd_page(): always 1.
 */
int pud_free_pmd_page(pud_t *pud, unsigned long addr)
{
	pmd_t *pmd;
	pte_t *pte;
	int i;

	if (pud_none(*pud))
		return 1;

	pmd = (pmd_t *)pud_page_vaddr(*pud);

	pud_clear(pud);

	/* INVLPG to clear all paging-structure caches */
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);

	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (!pmd_none(pmd[i])) {
			pte = (pte_t *)pmd_page_vaddr(pmd[i]);
			free_page((unsigned long)pte);
		}
	}

	ptlib_probe_point(PUD_FREE_BEFORE_FREE_PMD, pmd);
	free_page((unsigned long)pmd);

	return 1;
}
