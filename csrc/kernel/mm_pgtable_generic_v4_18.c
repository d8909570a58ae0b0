// SPDX-License-Identifier: GPL-2.0
/*
 * mm/pgtable-generic.c as of v4.18: pgd_clear_bad() .. pmd_clear_bad(), called by the
 * pXd_none_or_clear_bad() helpers of include/asm-generic/pgtable.h on an entry that is
 * neither empty nor a valid table: report it (x86's pXd_ERROR(), pr_err() of file, line,
 * entry address and value), then clear it.  In v4.18 all four are built for every
 * configuration (the folded levels' stubs came with Vineet Gupta's "asm-generic/mm: stub
 * out p{4,u}d_clear_bad() if __PAGETABLE_P{4,U}D_FOLDED", v5.5).  With 4-level paging the
 * p4d is folded into the pgd: p4d_ERROR() is pgd_ERROR() of the entry ("bad pgd"),
 * p4d_clear() clears the pgd entry, pgd_clear() does nothing.
 */
#include <ptlib/kernel.h>


/* mm/pgtable-generic.c v4.18 (pre-v5.5; commit not researched) pgd_clear_bad() */
void pgd_clear_bad(pgd_t *pgd)
{
	pgd_ERROR(*pgd);
	pgd_clear(pgd);
}

/* mm/pgtable-generic.c v4.18 (pre-v5.5; commit not researched) p4d_clear_bad() */
void p4d_clear_bad(p4d_t *p4d)
{
	p4d_ERROR(*p4d);
	p4d_clear(p4d);
}

/* mm/pgtable-generic.c v4.18 (pre-v5.5; commit not researched) pud_clear_bad() */
void pud_clear_bad(pud_t *pud)
{
	pud_ERROR(*pud);
	pud_clear(pud);
}

/* mm/pgtable-generic.c v4.18 (pre-v5.5; commit not researched) pmd_clear_bad() */
void pmd_clear_bad(pmd_t *pmd)
{
	pmd_ERROR(*pmd);
	pmd_clear(pmd);
}
