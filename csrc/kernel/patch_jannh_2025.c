// SPDX-License-Identifier: GPL-2.0
/*
 * Jann Horn, "[PATCH] x86/mm: Fix paging-structure cache flush on kernel table freeing"
 * (LKML v1, 2025-05-28, Message-Id
 * <20250528-x86-fix-vmap-pt-del-flush-v1-1-e250899ed160@google.com>, base-commit
 * b1456f6dc167; Fixes: 28ee90fe6048).  Never merged as far as the public record shows
 * (the v6.18/v6.19 text still has the one page flush_tlb_kernel_range()).
 *
 * The flush before freeing kernel page tables becomes flush_tlb_kernel_pgtable_range()
 * with an exclusive end, covering PUD_SIZE in pud_free_pmd_page() (it also removes the
 * PTE tables) and PAGE_SIZE in pmd_free_pte_page(): flush_tlb_kernel_range() drops
 * paging-structure-cache entries of the current PCID only, and only those for the range.
 *
 * Base: the arch/x86/mm/pgtable.c of the patch's base (v6.15-era, the form of his diff
 * context): pud_pgtable(), PTE tables freed with free_page(), the PMD table with
 * pagetable_dtor(virt_to_ptdesc(pmd)) + free_page() (the ptdesc form of d1c5246e08eb's
 * dtor).  flush_tlb_kernel_pgtable_range() is the patch's arch/x86/mm/tlb.c function.
 * ptlib difference: the probe point before the PMD table is freed.
 */
#include <ptlib/kernel.h>


/*
 * arch/x86/mm/pgtable.c, Jann Horn's v1 (2025-05-28) on its v6.15-era base
 * pud_free_pmd_page(): flush the whole PUD range across all PCIDs before the frees.
 */
int pud_free_pmd_page(pud_t *pud, unsigned long addr)
{
	pmd_t *pmd, *pmd_sv;
	pte_t *pte;
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

	/*
	 * The PTE tables go together with the PMD table, so the paging-structure
	 * caches must be flushed for the whole PUD_SIZE, not the first page.
	 */
	flush_tlb_kernel_pgtable_range(addr, addr + PUD_SIZE);

	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (!pmd_none(pmd_sv[i])) {
			pte = (pte_t *)pmd_page_vaddr(pmd_sv[i]);
			free_page((unsigned long)pte);
		}
	}

	free_page((unsigned long)pmd_sv);

	ptlib_probe_point(PUD_FREE_BEFORE_FREE_PMD, pmd);
	pagetable_dtor(virt_to_ptdesc(pmd));
	free_page((unsigned long)pmd);

	return 1;
}

/*
 * arch/x86/mm/pgtable.c, Jann Horn's v1 (2025-05-28) on its v6.15-era base
 * pmd_free_pte_page(): flush the page's paging-structure caches across all PCIDs.
 */
int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)
{
	pte_t *pte;

	pte = (pte_t *)pmd_page_vaddr(*pmd);
	pmd_clear(pmd);

	/* flush the paging-structure caches */
	flush_tlb_kernel_pgtable_range(addr, addr + PAGE_SIZE);

	free_page((unsigned long)pte);

	return 1;
}
