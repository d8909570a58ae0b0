// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/pgtable.c as of v6.5: pud_set_huge()/pmd_set_huge() after 12f0dd8df142
 * "x86/mm: Only check uniform after calling mtrr_type_lookup()" (Juergen Gross, part of
 * the x86/mtrr rework merged for v6.5).  mtrr_type_lookup() now always sets uniform (1
 * when MTRRs are disabled), so the MTRR_TYPE_INVALID and MTRR_TYPE_WRBACK escapes are
 * gone: a huge mapping needs a range with one MTRR caching mode.
 *
 * ptlib difference: the huge entry is written with set_pud()/set_pmd() instead of
 * set_pte() on a cast pointer; the casts in the warning's arguments.
 */
#include <ptlib/kernel.h>


/*
 * arch/x86/mm/pgtable.c v6.5 (12f0dd8df142 "x86/mm: Only check uniform after calling
 * mtrr_type_lookup()") pud_set_huge(): 1 on success, 0 on failure.
 */
int pud_set_huge(pud_t *pud, phys_addr_t addr, pgprot_t prot)
{
	u8 uniform;

	mtrr_type_lookup(addr, addr + PUD_SIZE, &uniform);
	if (!uniform)
		return 0;

	/* Bail out if we are we on a populated non-leaf entry: */
	if (pud_present(*pud) && !pud_huge(*pud))
		return 0;

	/* upstream: set_pte((pte_t *)pud, ...): ptlib writes it as the PUD entry it is */
	set_pud(pud, __pud(pte_val(pfn_pte(
		(u64)addr >> PAGE_SHIFT,
		__pgprot(protval_4k_2_large(pgprot_val(prot)) | _PAGE_PSE)))));

	return 1;
}

/*
 * arch/x86/mm/pgtable.c v6.5 (12f0dd8df142) pmd_set_huge(): as pud_set_huge(), and warns
 * once when the MTRRs forbid it.
 */
int pmd_set_huge(pmd_t *pmd, phys_addr_t addr, pgprot_t prot)
{
	u8 uniform;

	mtrr_type_lookup(addr, addr + PMD_SIZE, &uniform);
	if (!uniform) {
		/* ptlib: the casts, as phys_addr_t is not unsigned long long here */
		pr_warn_once("%s: Cannot satisfy [mem %#010llx-%#010llx] with a huge-page mapping due to MTRR override.\n",
			     __func__, (unsigned long long)addr,
			     (unsigned long long)(addr + PMD_SIZE));
		return 0;
	}

	/* Bail out if we are we on a populated non-leaf entry: */
	if (pmd_present(*pmd) && !pmd_huge(*pmd))
		return 0;

	/* upstream: set_pte((pte_t *)pmd, ...): ptlib writes it as the PMD entry it is */
	set_pmd(pmd, __pmd(pte_val(pfn_pte(
		(u64)addr >> PAGE_SHIFT,
		__pgprot(protval_4k_2_large(pgprot_val(prot)) | _PAGE_PSE)))));

	return 1;
}
