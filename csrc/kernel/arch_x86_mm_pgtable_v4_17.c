// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/pgtable.c as of v4.17: the CONFIG_HAVE_ARCH_HUGE_VMAP block (setting and
 * clearing huge kernel mappings, and the free pmd/pte page interfaces of 28ee90fe6048
 * "x86/mm: implement free pmd/pte page interfaces", v4.16-rc7, unchanged in v4.17): no
 * TLB flush between clearing an entry and freeing the table it pointed to.
 *
 * ptlib differences (said where they happen): the huge entry is written with
 * set_pud()/set_pmd() instead of set_pte() on a cast pointer; the free interfaces take
 * the address argument that 785a19f9d1dd added later (ptlib's slot signature) and ignore
 * it; the probe point before the PMD table is freed.
 */
#include <ptlib/kernel.h>


/*
 * Upstream these two are built only with 5-level paging (for a 4-level build
 * asm-generic/pgtable.h's folded stubs return 0 as well); ptlib declares them for every
 * build, so they are here.  p4d_clear_huge() is int in v4.17 (it became void later).
 */

/* arch/x86/mm/pgtable.c v4.17 (5-level support; commit not researched) p4d_set_huge() */
int p4d_set_huge(p4d_t *p4d, phys_addr_t addr, pgprot_t prot)
{
	(void)p4d;
	(void)addr;
	(void)prot;
	return 0;
}

/* arch/x86/mm/pgtable.c v4.17 (5-level support; commit not researched) p4d_clear_huge() */
int p4d_clear_huge(p4d_t *p4d)
{
	(void)p4d;
	return 0;
}

/*
 * arch/x86/mm/pgtable.c v4.17 (e3e288121408 "x86/pgtable: Don't set huge PUD/PMD on
 * non-leaf entries") pud_set_huge(): only if the range is under one MTRR type (or MTRRs
 * are off, or the type is WB) and the entry is not a table; 1 on success, 0 on failure.
 */
int pud_set_huge(pud_t *pud, phys_addr_t addr, pgprot_t prot)
{
	u8 mtrr, uniform;

	mtrr = mtrr_type_lookup(addr, addr + PUD_SIZE, &uniform);
	if ((mtrr != MTRR_TYPE_INVALID) && (!uniform) &&
	    (mtrr != MTRR_TYPE_WRBACK))
		return 0;

	/* Bail out if we are we on a populated non-leaf entry: */
	if (pud_present(*pud) && !pud_huge(*pud))
		return 0;

	prot = pgprot_4k_2_large(prot);

	/* upstream: set_pte((pte_t *)pud, ...): ptlib writes it as the PUD entry it is */
	set_pud(pud, __pud(pte_val(pfn_pte(
		(u64)addr >> PAGE_SHIFT,
		__pgprot(pgprot_val(prot) | _PAGE_PSE)))));

	return 1;
}

/* arch/x86/mm/pgtable.c v4.17 (e3e288121408) pmd_set_huge(): as pud_set_huge(), warns */
int pmd_set_huge(pmd_t *pmd, phys_addr_t addr, pgprot_t prot)
{
	u8 mtrr, uniform;

	mtrr = mtrr_type_lookup(addr, addr + PMD_SIZE, &uniform);
	if ((mtrr != MTRR_TYPE_INVALID) && (!uniform) &&
	    (mtrr != MTRR_TYPE_WRBACK)) {
		/* ptlib: the casts, as phys_addr_t is not unsigned long long here */
		pr_warn_once("%s: Cannot satisfy [mem %#010llx-%#010llx] with a huge-page mapping due to MTRR override.\n",
			     __func__, (unsigned long long)addr,
			     (unsigned long long)(addr + PMD_SIZE));
		return 0;
	}

	/* Bail out if we are we on a populated non-leaf entry: */
	if (pmd_present(*pmd) && !pmd_huge(*pmd))
		return 0;

	prot = pgprot_4k_2_large(prot);

	/* upstream: set_pte((pte_t *)pmd, ...): ptlib writes it as the PMD entry it is */
	set_pmd(pmd, __pmd(pte_val(pfn_pte(
		(u64)addr >> PAGE_SHIFT,
		__pgprot(pgprot_val(prot) | _PAGE_PSE)))));

	return 1;
}

/* arch/x86/mm/pgtable.c v4.17 (huge ioremap, v4.1; commit not researched) pud_clear_huge() */
int pud_clear_huge(pud_t *pud)
{
	if (pud_large(*pud)) {
		pud_clear(pud);
		return 1;
	}

	return 0;
}

/* arch/x86/mm/pgtable.c v4.17 (huge ioremap, v4.1; commit not researched) pmd_clear_huge() */
int pmd_clear_huge(pmd_t *pmd)
{
	if (pmd_large(*pmd)) {
		pmd_clear(pmd);
		return 1;
	}

	return 0;
}

/*
 * arch/x86/mm/pgtable.c v4.17 (28ee90fe6048 "x86/mm: implement free pmd/pte page
 * interfaces") pud_free_pmd_page(): free every PTE table with pmd_free_pte_page(), clear
 * the PUD entry, free the PMD table.  No TLB flush.  Upstream the signature is
 * (pud_t *pud); addr is ptlib's slot signature (785a19f9d1dd added it later) and is
 * only handed on, as 785a19f9d1dd did.
 */
int pud_free_pmd_page(pud_t *pud, unsigned long addr)
{
	pmd_t *pmd;
	int i;

	if (pud_none(*pud))
		return 1;

	pmd = (pmd_t *)pud_page_vaddr(*pud);

	/* upstream (28ee90fe6048): pmd_free_pte_page(&pmd[i]) */
	for (i = 0; i < PTRS_PER_PMD; i++)
		if (!pmd_free_pte_page(&pmd[i], addr + (i * PMD_SIZE)))
			return 0;

	pud_clear(pud);
	ptlib_probe_point(PUD_FREE_BEFORE_FREE_PMD, pmd);
	free_page((unsigned long)pmd);

	return 1;
}

/*
 * arch/x86/mm/pgtable.c v4.17 (28ee90fe6048) pmd_free_pte_page(): clear the PMD entry and
 * free the PTE table; no TLB flush.  Upstream the signature is (pmd_t *pmd): addr is
 * ptlib's slot signature and is not used.
 */
int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)
{
	pte_t *pte;

	(void)addr;	/* not in 28ee90fe6048 */

	if (pmd_none(*pmd))
		return 1;

	pte = (pte_t *)pmd_page_vaddr(*pmd);
	pmd_clear(pmd);
	free_page((unsigned long)pte);

	return 1;
}
