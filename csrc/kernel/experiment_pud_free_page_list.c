// SPDX-License-Identifier: GPL-2.0
/*
 * ptlib experiment (profile knob pud_free=page_list), not upstream: an allocation-free
 * pud_free_pmd_page() on top of 5e0fb5df2ee8 "x86/mm: Add TLB purge to free pmd/pte page
 * interfaces" (the "v4.18" profile's text), after Joerg Roedel's suggestion in the review
 * of v3 of that patch (LKML, 2018): instead of saving the PMD entries in a temporary
 * page, put each PTE table's struct page on a local list through page->lru while the PMD
 * entries are cleared, clear the PUD entry, one INVLPG, then free the listed pages and
 * the PMD table.  It never allocates and never fails.
 *
 * A PMD entry that points to a table already on the list (two entries, one table) makes
 * list_add_tail() report "list_add double add" (CONFIG_DEBUG_LIST, in the header) and
 * leave the list as it was; the walk goes on.
 */
#include <ptlib/kernel.h>


/*
 * ptlib experiment pud_free=page_list (on 5e0fb5df2ee8, Joerg Roedel's review of v3, 2018)
 * pud_free_pmd_page(): always 1.
 */
int pud_free_pmd_page(pud_t *pud, unsigned long addr)
{
	struct page *page, *next;
	LIST_HEAD(pages);
	pmd_t *pmd;
	int i;

	if (pud_none(*pud))
		return 1;

	pmd = (pmd_t *)pud_page_vaddr(*pud);

	for (i = 0; i < PTRS_PER_PMD; i++) {
		if (pmd_none(pmd[i]))
			continue;
		/*
		 * virt_to_page(pmd_page_vaddr()) rather than pmd_page(): a table
		 * outside RAM oopses in __va(), where the kernel would fault,
		 * instead of giving a struct page outside mem_map.
		 */
		page = virt_to_page(pmd_page_vaddr(pmd[i]));
		pmd_clear(&pmd[i]);
		list_add_tail(&page->lru, &pages);
	}

	pud_clear(pud);

	/* INVLPG to clear all paging-structure caches */
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);

	list_for_each_entry_safe(page, next, &pages, lru) {
		list_del(&page->lru);
		__free_page(page);
	}

	ptlib_probe_point(PUD_FREE_BEFORE_FREE_PMD, pmd);
	free_page((unsigned long)pmd);

	return 1;
}
