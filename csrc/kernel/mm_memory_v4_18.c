// SPDX-License-Identifier: GPL-2.0
/*
 * mm/memory.c as of v4.18: allocating a missing page-table level.  4-level x86 folds the
 * p4d into the pgd, so __p4d_alloc() (compiled only without __PAGETABLE_P4D_FOLDED) is
 * never called; ptlib keeps a body for its slot that changes nothing.
 */
#include <ptlib/kernel.h>

/* mm/memory.c v4.18 __p4d_alloc(): folded level (4-level): nothing to allocate. */
int __p4d_alloc(struct mm_struct *mm, pgd_t *pgd, unsigned long address)
{
	(void)mm; (void)pgd; (void)address;
	return 0;
}

/* mm/memory.c v4.18 __pud_alloc(): allocate, then populate unless another did. */
int __pud_alloc(struct mm_struct *mm, p4d_t *p4d, unsigned long address)
{
	pud_t *new = pud_alloc_one(mm, address);
	if (!new)
		return -ENOMEM;

	smp_wmb(); /* See comment in __pte_alloc */

	spin_lock(&mm->page_table_lock);
	if (p4d_present(*p4d))		/* Another has populated it */
		pud_free(mm, new);
	else
		p4d_populate(mm, p4d, new);
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/* mm/memory.c v4.18 __pmd_alloc() */
int __pmd_alloc(struct mm_struct *mm, pud_t *pud, unsigned long address)
{
	pmd_t *new = pmd_alloc_one(mm, address);
	if (!new)
		return -ENOMEM;

	smp_wmb(); /* See comment in __pte_alloc */

	spin_lock(&mm->page_table_lock);
	if (!pud_present(*pud)) {
		pud_populate(mm, pud, new);
	} else	/* Another has populated it */
		pmd_free(mm, new);
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/* mm/memory.c v4.18 __pte_alloc_kernel() */
int __pte_alloc_kernel(pmd_t *pmd, unsigned long address)
{
	pte_t *new = pte_alloc_one_kernel(&init_mm, address);
	if (!new)
		return -ENOMEM;

	smp_wmb(); /* See comment in __pte_alloc */

	spin_lock(&init_mm.page_table_lock);
	if (likely(pmd_none(*pmd))) {	/* Has another populated it ? */
		pmd_populate_kernel(&init_mm, pmd, new);
		new = NULL;
	}
	spin_unlock(&init_mm.page_table_lock);
	if (new)
		pte_free_kernel(&init_mm, new);
	return 0;
}
