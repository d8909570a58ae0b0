// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/init_64.c as of v5.9: preallocate_vmalloc_pages() of 6eb82f994026 "x86/mm:
 * Pre-allocate P4D/PUD pages for vmalloc area" (Joerg Roedel, v5.9 merge window), in the
 * form of its v5.9 fix 995909a4e22b "x86/mm/64: Do not dereference non-present PGD
 * entries" (p4d_alloc()/pud_alloc() instead of p?d_offset() + p?d_none() checks).  At
 * boot, every top-level slot of the vmalloc area gets its second hardware level, so that
 * vmalloc/ioremap mappings never have to be synced into other page tables.
 *
 * ptlib differences: not static (ptlib's boot calls it); panic() is a BUG report.
 */
#include <ptlib/kernel.h>


/*
 * arch/x86/mm/init_64.c v5.9 (6eb82f994026 "x86/mm: Pre-allocate P4D/PUD pages for
 * vmalloc area", as fixed by 995909a4e22b) preallocate_vmalloc_pages(): upstream static.
 */
void __init preallocate_vmalloc_pages(void)
{
	unsigned long addr;
	const char *lvl;

	for (addr = VMALLOC_START; addr <= VMALLOC_END; addr = ALIGN(addr + 1, PGDIR_SIZE)) {
		pgd_t *pgd = pgd_offset_k(addr);
		p4d_t *p4d;
		pud_t *pud;

		lvl = "p4d";
		p4d = p4d_alloc(&init_mm, pgd, addr);
		if (!p4d)
			goto failed;

		if (pgtable_l5_enabled())
			continue;

		/*
		 * With 4-level paging the p4d is folded and p4d_alloc() allocates
		 * nothing: go down to the pud (software) level, so that the second
		 * hardware level exists on 4-level systems as well.
		 */
		lvl = "pud";
		pud = pud_alloc(&init_mm, p4d, addr);
		if (!pud)
			goto failed;
	}

	return;

failed:

	/*
	 * Without these pages now, later process page tables would miss
	 * them.
	 */
	panic("Failed to pre-allocate %s pages for vmalloc area\n", lvl);
}
