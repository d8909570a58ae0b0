// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/pgtable.c, "v4.18" profile: the free pmd/pte page interfaces after
 * 5e0fb5df2ee8 "x86/mm: Add TLB purge to free pmd/pte page interfaces" (Toshi Kani,
 * series v4 of 2018-06-27, with 785a19f9d1dd "ioremap: Update pgtable free interfaces
 * with addr").  5e0fb5df2ee8 is not in the v4.18 release: it reached mainline in
 * v4.19-rc1 and was added to 4.18.y stable (and 4.4/4.9/4.14); ptlib's "v4.18" profile
 * models v4.18.y-stable / v4.19, whose text this is.
 *
 * The PMD entries are saved in a temporary page and cleared, the PUD entry is cleared,
 * one INVLPG ("to clear all paging-structure caches"), then the tables are freed.
 * ptlib difference: the probe point before the PMD table is freed.
 */
#include <ptlib/kernel.h>


/*
 * arch/x86/mm/pgtable.c v4.18 (5e0fb5df2ee8 "x86/mm: Add TLB purge to free pmd/pte page
 * interfaces") pud_free_pmd_page(): 1 when done (or nothing to do), 0 if the temporary
 * page cannot be had (nothing changed).
 */
int pud_free_pmd_page(pud_t *pud, unsigned long addr)
{
	pmd_t *pmd, *pmd_sv;
	pte_t *pte;
	int i;

	if (pud_none(*pud))
		return 1;

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
	free_page((unsigned long)pmd);

	return 1;
}

/*
 * arch/x86/mm/pgtable.c v4.18 (5e0fb5df2ee8) pmd_free_pte_page(): clear the PMD entry,
 * one INVLPG, free the PTE table; always 1.
 */
int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)
{
	pte_t *pte;

	if (pmd_none(*pmd))
		return 1;

	pte = (pte_t *)pmd_page_vaddr(*pmd);
	pmd_clear(pmd);

	/* INVLPG to clear all paging-structure caches */
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);

	free_page((unsigned long)pte);

	return 1;
}
