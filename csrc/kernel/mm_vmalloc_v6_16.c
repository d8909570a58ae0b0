// SPDX-License-Identifier: GPL-2.0
/*
 * mm/vmalloc.c as of v6.16: the unmap chain vunmap_pte_range .. vunmap_range_noflush(),
 * vunmap_range(), with 61ef8ddaa35e "mm/vmalloc: Warn on improper use of vunmap_range()"
 * (Ryan Roberts; arm64 tree, released in v6.16): a huge PMD/PUD leaf that the range covers
 * only in part is still cleared whole, and then WARN_ON()s.
 *
 * ptlib: vunmap_pte_range(), vunmap_p4d_range(), vunmap_range_noflush() and vunmap_range()
 * are written as in v5.13 (the parts outside 61ef8ddaa35e's diff were not read from a v6.16
 * tree).  The same series' other changes to vunmap_pte_range()
 * ("mm/vmalloc: Gracefully unmap huge ptes": arch_vmap_pte_range_unmap_size(), PAGE_SIZE on
 * x86; "mm/vmalloc: Enter lazy mmu mode while manipulating vmalloc ptes": a no-op on x86
 * without paravirt) change nothing on x86 and are not ported.
 */
#include <ptlib/kernel.h>

/* mm/vmalloc.c v6.16 vunmap_pte_range() (x86 behaviour; see the file comment) */
static void vunmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,
			     pgtbl_mod_mask *mask)
{
	pte_t *pte;

	pte = pte_offset_kernel(pmd, addr);
	do {
		pte_t ptent = ptep_get_and_clear(&init_mm, addr, pte);
		WARN_ON(!pte_none(ptent) && !pte_present(ptent));
	} while (pte++, addr += PAGE_SIZE, addr != end);
	*mask |= PGTBL_PTE_MODIFIED;
}

/* mm/vmalloc.c v6.16 vunmap_pmd_range() (61ef8ddaa35e: WARN_ON a partly covered leaf) */
static void vunmap_pmd_range(pud_t *pud, unsigned long addr, unsigned long end,
			     pgtbl_mod_mask *mask)
{
	pmd_t *pmd;
	unsigned long next;
	int cleared;

	pmd = pmd_offset(pud, addr);
	do {
		next = pmd_addr_end(addr, end);

		cleared = pmd_clear_huge(pmd);
		if (cleared || pmd_bad(*pmd))
			*mask |= PGTBL_PMD_MODIFIED;

		if (cleared) {
			WARN_ON(next - addr < PMD_SIZE);
			continue;
		}
		if (pmd_none_or_clear_bad(pmd))
			continue;
		vunmap_pte_range(pmd, addr, next, mask);

		cond_resched();
	} while (pmd++, addr = next, addr != end);
}

/* mm/vmalloc.c v6.16 vunmap_pud_range() (61ef8ddaa35e: WARN_ON a partly covered leaf) */
static void vunmap_pud_range(p4d_t *p4d, unsigned long addr, unsigned long end,
			     pgtbl_mod_mask *mask)
{
	pud_t *pud;
	unsigned long next;
	int cleared;

	pud = pud_offset(p4d, addr);
	do {
		next = pud_addr_end(addr, end);

		cleared = pud_clear_huge(pud);
		if (cleared || pud_bad(*pud))
			*mask |= PGTBL_PUD_MODIFIED;

		if (cleared) {
			WARN_ON(next - addr < PUD_SIZE);
			continue;
		}
		if (pud_none_or_clear_bad(pud))
			continue;
		vunmap_pmd_range(pud, addr, next, mask);
	} while (pud++, addr = next, addr != end);
}

/* mm/vmalloc.c v6.16 vunmap_p4d_range() (written as v5.13) */
static void vunmap_p4d_range(pgd_t *pgd, unsigned long addr, unsigned long end,
			     pgtbl_mod_mask *mask)
{
	p4d_t *p4d;
	unsigned long next;
	int cleared;

	p4d = p4d_offset(pgd, addr);
	do {
		next = p4d_addr_end(addr, end);

		cleared = p4d_clear_huge(p4d);
		if (cleared || p4d_bad(*p4d))
			*mask |= PGTBL_P4D_MODIFIED;

		if (cleared)
			continue;
		if (p4d_none_or_clear_bad(p4d))
			continue;
		vunmap_pud_range(p4d, addr, next, mask);
	} while (p4d++, addr = next, addr != end);
}

/* mm/vmalloc.c v6.16 vunmap_range_noflush() (written as v5.13) */
void vunmap_range_noflush(unsigned long start, unsigned long end)
{
	unsigned long next;
	pgd_t *pgd;
	unsigned long addr = start;
	pgtbl_mod_mask mask = 0;

	BUG_ON(addr >= end);
	pgd = pgd_offset_k(addr);
	do {
		next = pgd_addr_end(addr, end);
		if (pgd_bad(*pgd))
			mask |= PGTBL_PGD_MODIFIED;
		if (pgd_none_or_clear_bad(pgd))
			continue;
		vunmap_p4d_range(pgd, addr, next, &mask);
	} while (pgd++, addr = next, addr != end);

	if (mask & ARCH_PAGE_TABLE_SYNC_MASK)
		arch_sync_kernel_mappings(start, end);
}

/* mm/vmalloc.c v6.16 vunmap_range(): clear leaves, never free tables, then flush. */
void vunmap_range(unsigned long addr, unsigned long end)
{
	flush_cache_vunmap(addr, end);
	vunmap_range_noflush(addr, end);
	flush_tlb_kernel_range(addr, end);
}
