// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/pgtable.c as of v5.0: the free pud/pmd/pte page interfaces after Will
 * Deacon's series "ioremap: Rework pXd_free_pYd_page() API" (RESEND v4, 2018-12-06, taken
 * by akpm "for 4.21", i.e. v5.0; mainline hashes not confirmed):
 * "x86/pgtable: Drop pXd_none() checks from pXd_free_pYd_table()" removes the
 * pud_none()/pmd_none() early returns ("The core code already has a check for
 * pXd_none()": lib/ioremap.c calls the free only on a present entry), and
 * "lib/ioremap: Ensure break-before-make is used for huge p4d mappings" adds
 * p4d_free_pud_page().  Otherwise as 5e0fb5df2ee8.
 * ptlib difference: the probe point before the PMD table is freed.
 */
#include <ptlib/kernel.h>


/*
 * arch/x86/mm/pgtable.c v5.0 (Will Deacon, "lib/ioremap: Ensure break-before-make is used
 * for huge p4d mappings") p4d_free_pud_page(): until there are 512 GiB pages, the vmap
 * area never maps a huge P4D, so refuse.
 */
int p4d_free_pud_page(p4d_t *p4d, unsigned long addr)
{
	(void)p4d;
	(void)addr;
	return 0;
}

/*
 * arch/x86/mm/pgtable.c v5.0 (5e0fb5df2ee8 + Will Deacon, "x86/pgtable: Drop pXd_none()
 * checks from pXd_free_pYd_table()") pud_free_pmd_page(): the caller has checked that the
 * PUD entry is present.
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
	free_page((unsigned long)pmd);

	return 1;
}

/*
 * arch/x86/mm/pgtable.c v5.0 (5e0fb5df2ee8 + Will Deacon, "x86/pgtable: Drop pXd_none()
 * checks from pXd_free_pYd_table()") pmd_free_pte_page(): the caller has checked that the
 * PMD entry is present.
 */
int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)
{
	pte_t *pte;

	pte = (pte_t *)pmd_page_vaddr(*pmd);
	pmd_clear(pmd);

	/* INVLPG to clear all paging-structure caches */
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);

	free_page((unsigned long)pte);

	return 1;
}
