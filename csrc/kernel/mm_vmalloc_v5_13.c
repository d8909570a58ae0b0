// SPDX-License-Identifier: GPL-2.0
/*
 * mm/vmalloc.c as of v5.13: the page-table code of Nicholas Piggin's huge-vmalloc series
 * ("mm/ioremap: rename ioremap_*_range to vmap_*_range", "mm: HUGE_VMAP arch support
 * cleanup", "mm: move vmap_range from mm/ioremap.c to mm/vmalloc.c", "mm/vmalloc: add
 * vmap_range_noflush variant"): vmap_pte_range .. vmap_range_noflush(), vmap_range(),
 * vunmap_pte_range .. vunmap_range_noflush(), vunmap_range().  The try-huge helpers carry
 * 6b95ab4218bf's virtual-address check.  The pgtbl_mod_mask of v5.8 (2ba3e6947aed
 * "mm/vmalloc: Track which page-table levels were modified") is kept; x86-64 defines no
 * ARCH_PAGE_TABLE_SYNC_MASK since 58a18fe95e83 "x86/mm/64: Do not sync vmalloc/ioremap
 * mappings" (likely v5.10; first applied as 8bb9bf242d1f and reverted), so arch_sync_kernel_mappings() is never called.
 */
#include <ptlib/kernel.h>

/* arch/x86/mm/ioremap.c v5.13 arch_vmap_p4d/pud/pmd_supported() (inline in
 * arch/x86/include/asm/vmalloc.h): no 512 GiB pages; GB pages; PSE. */
static inline bool arch_vmap_p4d_supported(pgprot_t prot)
{
	(void)prot;
	return false;
}

static inline bool arch_vmap_pud_supported(pgprot_t prot)
{
	(void)prot;
	return boot_cpu_has(X86_FEATURE_GBPAGES);
}

static inline bool arch_vmap_pmd_supported(pgprot_t prot)
{
	(void)prot;
	return boot_cpu_has(X86_FEATURE_PSE);
}

/* mm/vmalloc.c v5.13 vmap_pte_range() */
static int vmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,
						  phys_addr_t phys_addr, pgprot_t prot, pgtbl_mod_mask *mask)
{
	pte_t *pte;
	unsigned long pfn;

	pfn = phys_addr >> PAGE_SHIFT;
	pte = pte_alloc_kernel_track(pmd, addr, mask);
	if (!pte)
		return -ENOMEM;
	do {
		BUG_ON(!pte_none(*pte));
		set_pte_at(&init_mm, addr, pte, pfn_pte(pfn, prot));
		pfn++;
	} while (pte++, addr += PAGE_SIZE, addr != end);
	*mask |= PGTBL_PTE_MODIFIED;
	return 0;
}

/* mm/vmalloc.c v5.13 vmap_try_huge_pmd() (the addr check: 6b95ab4218bf, unconditional
 * since; the knob ioremap_va_align_check only picks lib/ioremap.c v5.0 or v5.3) */
static int vmap_try_huge_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,
							 phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift)
{
	if (max_page_shift < PMD_SHIFT)
		return 0;

	if (!arch_vmap_pmd_supported(prot))
		return 0;

	if ((end - addr) != PMD_SIZE)
		return 0;

	if (!IS_ALIGNED(addr, PMD_SIZE))
		return 0;

	if (!IS_ALIGNED(phys_addr, PMD_SIZE))
		return 0;

	if (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr))
		return 0;

	return pmd_set_huge(pmd, phys_addr, prot);
}

/* mm/vmalloc.c v5.13 vmap_pmd_range() */
static int vmap_pmd_range(pud_t *pud, unsigned long addr, unsigned long end,
						  phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift,
						  pgtbl_mod_mask *mask)
{
	pmd_t *pmd;
	unsigned long next;

	pmd = pmd_alloc_track(&init_mm, pud, addr, mask);
	if (!pmd)
		return -ENOMEM;
	do {
		next = pmd_addr_end(addr, end);

		if (vmap_try_huge_pmd(pmd, addr, next, phys_addr, prot, max_page_shift)) {
			*mask |= PGTBL_PMD_MODIFIED;
			continue;
		}

		if (vmap_pte_range(pmd, addr, next, phys_addr, prot, mask))
			return -ENOMEM;
	} while (pmd++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

/* mm/vmalloc.c v5.13 vmap_try_huge_pud() */
static int vmap_try_huge_pud(pud_t *pud, unsigned long addr, unsigned long end,
							 phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift)
{
	if (max_page_shift < PUD_SHIFT)
		return 0;

	if (!arch_vmap_pud_supported(prot))
		return 0;

	if ((end - addr) != PUD_SIZE)
		return 0;

	if (!IS_ALIGNED(addr, PUD_SIZE))
		return 0;

	if (!IS_ALIGNED(phys_addr, PUD_SIZE))
		return 0;

	if (pud_present(*pud) && !pud_free_pmd_page(pud, addr))
		return 0;

	return pud_set_huge(pud, phys_addr, prot);
}

/* mm/vmalloc.c v5.13 vmap_pud_range() */
static int vmap_pud_range(p4d_t *p4d, unsigned long addr, unsigned long end,
						  phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift,
						  pgtbl_mod_mask *mask)
{
	pud_t *pud;
	unsigned long next;

	pud = pud_alloc_track(&init_mm, p4d, addr, mask);
	if (!pud)
		return -ENOMEM;
	do {
		next = pud_addr_end(addr, end);

		if (vmap_try_huge_pud(pud, addr, next, phys_addr, prot, max_page_shift)) {
			*mask |= PGTBL_PUD_MODIFIED;
			continue;
		}

		if (vmap_pmd_range(pud, addr, next, phys_addr, prot, max_page_shift, mask))
			return -ENOMEM;
	} while (pud++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

/* mm/vmalloc.c v5.13 vmap_try_huge_p4d() */
static int vmap_try_huge_p4d(p4d_t *p4d, unsigned long addr, unsigned long end,
							 phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift)
{
	if (max_page_shift < P4D_SHIFT)
		return 0;

	if (!arch_vmap_p4d_supported(prot))
		return 0;

	if ((end - addr) != P4D_SIZE)
		return 0;

	if (!IS_ALIGNED(addr, P4D_SIZE))
		return 0;

	if (!IS_ALIGNED(phys_addr, P4D_SIZE))
		return 0;

	if (p4d_present(*p4d) && !p4d_free_pud_page(p4d, addr))
		return 0;

	return p4d_set_huge(p4d, phys_addr, prot);
}

/* mm/vmalloc.c v5.13 vmap_p4d_range() */
static int vmap_p4d_range(pgd_t *pgd, unsigned long addr, unsigned long end,
						  phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift,
						  pgtbl_mod_mask *mask)
{
	p4d_t *p4d;
	unsigned long next;

	p4d = p4d_alloc_track(&init_mm, pgd, addr, mask);
	if (!p4d)
		return -ENOMEM;
	do {
		next = p4d_addr_end(addr, end);

		if (vmap_try_huge_p4d(p4d, addr, next, phys_addr, prot, max_page_shift)) {
			*mask |= PGTBL_P4D_MODIFIED;
			continue;
		}

		if (vmap_pud_range(p4d, addr, next, phys_addr, prot, max_page_shift, mask))
			return -ENOMEM;
	} while (p4d++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

/* mm/vmalloc.c v5.13 vmap_range_noflush() */
static int vmap_range_noflush(unsigned long addr, unsigned long end, phys_addr_t phys_addr,
							  pgprot_t prot, unsigned int max_page_shift)
{
	pgd_t *pgd;
	unsigned long start;
	unsigned long next;
	int err;
	pgtbl_mod_mask mask = 0;

	might_sleep();
	BUG_ON(addr >= end);

	start = addr;
	pgd = pgd_offset_k(addr);
	do {
		next = pgd_addr_end(addr, end);
		err = vmap_p4d_range(pgd, addr, next, phys_addr, prot, max_page_shift, &mask);
		if (err)
			break;
	} while (pgd++, phys_addr += (next - addr), addr = next, addr != end);

	if (mask & ARCH_PAGE_TABLE_SYNC_MASK)
		arch_sync_kernel_mappings(start, end);

	return err;
}

/* mm/vmalloc.c v5.13 vmap_range() */
int vmap_range(unsigned long addr, unsigned long end, phys_addr_t phys_addr,
					  pgprot_t prot, unsigned int max_page_shift)
{
	int err;

	err = vmap_range_noflush(addr, end, phys_addr, prot, max_page_shift);
	/* flush_cache_vmap(addr, end): nothing to do on x86 */

	return err;
}

/* mm/vmalloc.c v5.13 vunmap_pte_range() */
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

/* mm/vmalloc.c v5.13 vunmap_pmd_range() */
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

		if (cleared)
			continue;
		if (pmd_none_or_clear_bad(pmd))
			continue;
		vunmap_pte_range(pmd, addr, next, mask);

		/* cond_resched(): nothing to model */
	} while (pmd++, addr = next, addr != end);
}

/* mm/vmalloc.c v5.13 vunmap_pud_range() */
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

		if (cleared)
			continue;
		if (pud_none_or_clear_bad(pud))
			continue;
		vunmap_pmd_range(pud, addr, next, mask);
	} while (pud++, addr = next, addr != end);
}

/* mm/vmalloc.c v5.13 vunmap_p4d_range() */
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

/* mm/vmalloc.c v5.13 vunmap_range_noflush() */
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

/* mm/vmalloc.c v5.13 vunmap_range(): clear leaves, never free tables, then flush. */
void vunmap_range(unsigned long addr, unsigned long end)
{
	/* flush_cache_vunmap(addr, end): nothing to do on x86 */
	vunmap_range_noflush(addr, end);
	flush_tlb_kernel_range(addr, end);
}

