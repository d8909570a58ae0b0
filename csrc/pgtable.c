/*
 * pgtable.c - allocating and populating kernel page-table levels: mm/memory.c's
 * __pXd_alloc(), include/linux/mm.h's pXd_alloc() wrappers, x86's asm/pgalloc.h populate
 * helpers, and the pXd_none_or_clear_bad() helpers of include/asm-generic/pgtable.h.
 * 4-level paging: the p4d level is folded into the pgd.
 */
#include "pgtable.h"

/* asm/pgalloc.h: table entries are written as _PAGE_TABLE (P|RW|US|A|D). */
static void p4d_populate(pt_machine *m, p4d_t *p4d, uint64_t pud_pa)
{
    set_p4d(m, p4d, (p4d_t){ pud_pa | _PAGE_TABLE });
}

static void pud_populate(pt_machine *m, pud_t *pud, uint64_t pmd_pa)
{
    set_pud(m, pud, (pud_t){ pmd_pa | _PAGE_TABLE });
}

static void pmd_populate_kernel(pt_machine *m, pmd_t *pmd, uint64_t pte_pa)
{
    set_pmd(m, pmd, (pmd_t){ pte_pa | _PAGE_TABLE });
}

/* mm/memory.c v4.18 __pud_alloc(): allocate, then populate unless another did. */
int __pud_alloc(pt_machine *m, p4d_t *p4d, uint64_t address)
{
    (void)address;
    uint64_t new = pt_get_free_page(m, PT_OWNER_PUD, PT_SITE_PUD_ALLOC, true); /* pud_alloc_one */
    if (!new)
        return -12; /* -ENOMEM */
    if (!p4d_present(*p4d))
        p4d_populate(m, p4d, new);
    else    /* another has populated it */
        pt_free_page(m, new, PT_OWNER_PUD, PT_SITE_PUD_ALLOC);
    return 0;
}

/* mm/memory.c v4.18 __pmd_alloc() */
int __pmd_alloc(pt_machine *m, pud_t *pud, uint64_t address)
{
    (void)address;
    uint64_t new = pt_get_free_page(m, PT_OWNER_PMD, PT_SITE_PMD_ALLOC, true); /* pmd_alloc_one */
    if (!new)
        return -12;
    if (!pud_present(*pud))
        pud_populate(m, pud, new);
    else
        pt_free_page(m, new, PT_OWNER_PMD, PT_SITE_PMD_ALLOC);
    return 0;
}

/* mm/memory.c v4.18 __pte_alloc_kernel() */
int __pte_alloc_kernel(pt_machine *m, pmd_t *pmd, uint64_t address)
{
    (void)address;
    uint64_t new = pt_get_free_page(m, PT_OWNER_PTE, PT_SITE_PTE_ALLOC_KERNEL, true);
    if (!new)
        return -12;
    if (pmd_none(*pmd)) {    /* has another populated it? */
        pmd_populate_kernel(m, pmd, new);
        new = 0;
    }
    if (new)
        pt_free_page(m, new, PT_OWNER_PTE, PT_SITE_PTE_ALLOC_KERNEL);
    return 0;
}

/* include/linux/mm.h: the level is folded, so p4d_alloc() only reinterprets the pgd entry. */
p4d_t *p4d_alloc(pt_machine *m, pgd_t *pgd, uint64_t address)
{
    (void)m;
    return p4d_offset(pgd, address);
}

/* include/linux/mm.h v4.18 pud_alloc() */
pud_t *pud_alloc(pt_machine *m, p4d_t *p4d, uint64_t address)
{
    return (p4d_none(*p4d) && __pud_alloc(m, p4d, address)) ? NULL : pud_offset(m, p4d, address);
}

/* include/linux/mm.h v4.18 pmd_alloc() */
pmd_t *pmd_alloc(pt_machine *m, pud_t *pud, uint64_t address)
{
    return (pud_none(*pud) && __pmd_alloc(m, pud, address)) ? NULL : pmd_offset(m, pud, address);
}

/* include/linux/mm.h v4.18 pte_alloc_kernel() */
pte_t *pte_alloc_kernel(pt_machine *m, pmd_t *pmd, uint64_t address)
{
    return (pmd_none(*pmd) && __pte_alloc_kernel(m, pmd, address))
               ? NULL : pte_offset_kernel(m, pmd, address);
}

/* mm/pgtable-generic.c v4.18 pXd_clear_bad(): pXd_ERROR() prints, then the entry is cleared. */
static void report_bad(pt_machine *m, const char *what, uint64_t val, uint64_t pa)
{
    pt_report_add(m, PT_REPORT_KERNEL_WARNING, what, 0, pa >> PAGE_SHIFT,
                  "%s: bad entry %016llx at physical %#llx, cleared", what,
                  (unsigned long long)val, (unsigned long long)pa);
}

int p4d_none_or_clear_bad(pt_machine *m, p4d_t *p4d)
{
    if (p4d_none(*p4d))
        return 1;
    if (p4d_bad(*p4d)) {
        report_bad(m, "p4d_clear_bad", p4d_val(*p4d), pt_pa_of(m, p4d));
        p4d_clear(m, p4d);
        return 1;
    }
    return 0;
}

int pud_none_or_clear_bad(pt_machine *m, pud_t *pud)
{
    if (pud_none(*pud))
        return 1;
    if (pud_bad(*pud)) {
        report_bad(m, "pud_clear_bad", pud_val(*pud), pt_pa_of(m, pud));
        pud_clear(m, pud);
        return 1;
    }
    return 0;
}

int pmd_none_or_clear_bad(pt_machine *m, pmd_t *pmd)
{
    if (pmd_none(*pmd))
        return 1;
    if (pmd_bad(*pmd)) {
        report_bad(m, "pmd_clear_bad", pmd_val(*pmd), pt_pa_of(m, pmd));
        pmd_clear(m, pmd);
        return 1;
    }
    return 0;
}

/* arch/x86/mm/init_64.c v5.8 preallocate_vmalloc_pages() ("x86/mm/64: Pre-allocate p4d/pud
 * pages for vmalloc area"): on 4-level the
 * p4d is folded, so go down to the pud level so that the second hardware level exists. */
int preallocate_vmalloc_pages(pt_machine *m)
{
    for (uint64_t addr = VMALLOC_START; addr <= VMALLOC_END && addr >= VMALLOC_START;
         addr = (addr + PGDIR_SIZE) & PGDIR_MASK) {
        pgd_t *pgd = pgd_offset_k(m, addr);
        p4d_t *p4d = p4d_alloc(m, pgd, addr);
        if (!p4d || !pud_alloc(m, p4d, addr))
            return -12;    /* the kernel panics here */
    }
    return 0;
}

/* Entry lookup for functions that take one entry: NULL if a table above is missing. */
pud_t *pt_lookup_pud(pt_machine *m, uint64_t va)
{
    p4d_t *p4d = p4d_offset(pgd_offset_k(m, va), va);
    if (p4d_none(*p4d) || !p4d_present(*p4d))
        return NULL;
    return pud_offset(m, p4d, va);
}

pmd_t *pt_lookup_pmd(pt_machine *m, uint64_t va)
{
    pud_t *pud = pt_lookup_pud(m, va);
    if (!pud || pud_none(*pud) || !pud_present(*pud) || pud_large(*pud))
        return NULL;
    return pmd_offset(m, pud, va);
}
