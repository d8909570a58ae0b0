/*
 * pgtable.h - x86-64 page-table entry formats and predicates, named as in
 * arch/x86/include/asm/pgtable.h, pgtable_types.h and pgtable_64_types.h (v4.18).
 *
 * Entries are wrapped in one-member structs like the kernel's pmd_t etc., so a table
 * pointer cannot be mixed up with another level's.  Writes go through set_pXd()/pXd_clear()
 * so that later layers (the sanitizer) can watch every change of a table entry.
 */
#ifndef PTLIB_PGTABLE_H
#define PTLIB_PGTABLE_H
#include "internal.h"

#define _PAGE_BIT_PRESENT 0
#define _PAGE_BIT_RW 1
#define _PAGE_BIT_USER 2
#define _PAGE_BIT_PWT 3
#define _PAGE_BIT_PCD 4
#define _PAGE_BIT_ACCESSED 5
#define _PAGE_BIT_DIRTY 6
#define _PAGE_BIT_PSE 7
#define _PAGE_BIT_PAT 7
#define _PAGE_BIT_GLOBAL 8
#define _PAGE_BIT_PAT_LARGE 12
#define _PAGE_BIT_NX 63

#define _PAGE_PRESENT (1ULL << _PAGE_BIT_PRESENT)
#define _PAGE_RW (1ULL << _PAGE_BIT_RW)
#define _PAGE_USER (1ULL << _PAGE_BIT_USER)
#define _PAGE_PWT (1ULL << _PAGE_BIT_PWT)
#define _PAGE_PCD (1ULL << _PAGE_BIT_PCD)
#define _PAGE_ACCESSED (1ULL << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY (1ULL << _PAGE_BIT_DIRTY)
#define _PAGE_PSE (1ULL << _PAGE_BIT_PSE)
#define _PAGE_PAT (1ULL << _PAGE_BIT_PAT)
#define _PAGE_GLOBAL (1ULL << _PAGE_BIT_GLOBAL)
#define _PAGE_PAT_LARGE (1ULL << _PAGE_BIT_PAT_LARGE)
#define _PAGE_NX (1ULL << _PAGE_BIT_NX)
#define _PAGE_PROTNONE _PAGE_GLOBAL
#define _PAGE_KNL_ERRATUM_MASK (_PAGE_DIRTY | _PAGE_ACCESSED)

#define _PAGE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define _KERNPG_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

#define __PHYSICAL_MASK_SHIFT 52
#define __PHYSICAL_MASK ((1ULL << __PHYSICAL_MASK_SHIFT) - 1)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PTE_PFN_MASK (PAGE_MASK & __PHYSICAL_MASK)
#define PTE_FLAGS_MASK (~PTE_PFN_MASK)

#define PTRS_PER_PTE 512
#define PTRS_PER_PMD 512
#define PTRS_PER_PUD 512
#define PTRS_PER_PGD 512
#define PMD_SHIFT 21
#define PUD_SHIFT 30
#define PGDIR_SHIFT 39
#define PMD_SIZE (1ULL << PMD_SHIFT)
#define PUD_SIZE (1ULL << PUD_SHIFT)
#define PGDIR_SIZE (1ULL << PGDIR_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))
#define PUD_MASK (~(PUD_SIZE - 1))
#define PGDIR_MASK (~(PGDIR_SIZE - 1))
#define PHYSICAL_PMD_PAGE_MASK (PMD_MASK & __PHYSICAL_MASK)
#define PHYSICAL_PUD_PAGE_MASK (PUD_MASK & __PHYSICAL_MASK)

/* The vmalloc area of 4-level x86-64 (Documentation/x86/x86_64/mm.txt). */
#define VMALLOC_START 0xffffc90000000000ULL
#define VMALLOC_SIZE_TB 32ULL
#define VMALLOC_END (VMALLOC_START + (VMALLOC_SIZE_TB << 40) - 1)

#define IS_ALIGNED(x, a) (((x) & ((a) - 1)) == 0)

typedef struct { uint64_t pgd; } pgd_t;
typedef struct { uint64_t p4d; } p4d_t;
typedef struct { uint64_t pud; } pud_t;
typedef struct { uint64_t pmd; } pmd_t;
typedef struct { uint64_t pte; } pte_t;

static inline uint64_t pgd_val(pgd_t e) { return e.pgd; }
static inline uint64_t p4d_val(p4d_t e) { return e.p4d; }
static inline uint64_t pud_val(pud_t e) { return e.pud; }
static inline uint64_t pmd_val(pmd_t e) { return e.pmd; }
static inline uint64_t pte_val(pte_t e) { return e.pte; }

/* Address splitting (pgd_addr_end and friends clamp to end, wrap-safe). */
static inline uint64_t pgd_index(uint64_t a) { return (a >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1); }
static inline uint64_t pud_index(uint64_t a) { return (a >> PUD_SHIFT) & (PTRS_PER_PUD - 1); }
static inline uint64_t pmd_index(uint64_t a) { return (a >> PMD_SHIFT) & (PTRS_PER_PMD - 1); }
static inline uint64_t pte_index(uint64_t a) { return (a >> PAGE_SHIFT) & (PTRS_PER_PTE - 1); }
static inline uint64_t pgd_addr_end(uint64_t a, uint64_t end)
{
    uint64_t b = (a + PGDIR_SIZE) & PGDIR_MASK;
    return (b - 1 < end - 1) ? b : end;
}
static inline uint64_t p4d_addr_end(uint64_t a, uint64_t end) { (void)a; return end; } /* folded */
static inline uint64_t pud_addr_end(uint64_t a, uint64_t end)
{
    uint64_t b = (a + PUD_SIZE) & PUD_MASK;
    return (b - 1 < end - 1) ? b : end;
}
static inline uint64_t pmd_addr_end(uint64_t a, uint64_t end)
{
    uint64_t b = (a + PMD_SIZE) & PMD_MASK;
    return (b - 1 < end - 1) ? b : end;
}

/* Flags and pfn masks: a PSE entry's pfn field is coarser (pmd_pfn_mask, pud_pfn_mask). */
static inline uint64_t pmd_pfn_mask(pmd_t e)
{
    return (pmd_val(e) & _PAGE_PSE) ? PHYSICAL_PMD_PAGE_MASK : PTE_PFN_MASK;
}
static inline uint64_t pud_pfn_mask(pud_t e)
{
    return (pud_val(e) & _PAGE_PSE) ? PHYSICAL_PUD_PAGE_MASK : PTE_PFN_MASK;
}
static inline uint64_t pte_flags(pte_t e) { return pte_val(e) & PTE_FLAGS_MASK; }
static inline uint64_t pmd_flags(pmd_t e) { return pmd_val(e) & ~pmd_pfn_mask(e); }
static inline uint64_t pud_flags(pud_t e) { return pud_val(e) & ~pud_pfn_mask(e); }
static inline uint64_t p4d_flags(p4d_t e) { return p4d_val(e) & PTE_FLAGS_MASK; }

/* Predicates, v4.18 semantics (the KNL erratum mask is ignored by the none checks). */
static inline int pte_none(pte_t e) { return !(pte_val(e) & ~_PAGE_KNL_ERRATUM_MASK); }
static inline int pte_present(pte_t e) { return (pte_flags(e) & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0; }
static inline int pmd_none(pmd_t e) { return (pmd_val(e) & ~_PAGE_KNL_ERRATUM_MASK) == 0; }
static inline int pmd_present(pmd_t e)
{
    return (pmd_flags(e) & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE)) != 0;
}
static inline int pmd_large(pmd_t e) { return (pmd_flags(e) & _PAGE_PSE) != 0; }
static inline int pmd_huge(pmd_t e)  /* arch/x86/mm/hugetlbpage.c */
{
    return !pmd_none(e) && (pmd_val(e) & (_PAGE_PRESENT | _PAGE_PSE)) != _PAGE_PRESENT;
}
static inline int pmd_bad(pmd_t e) { return (pmd_flags(e) & ~_PAGE_USER) != _KERNPG_TABLE; }
static inline int pud_none(pud_t e) { return (pud_val(e) & ~_PAGE_KNL_ERRATUM_MASK) == 0; }
static inline int pud_present(pud_t e) { return (pud_flags(e) & _PAGE_PRESENT) != 0; }
static inline int pud_large(pud_t e)
{
    return (pud_val(e) & (_PAGE_PSE | _PAGE_PRESENT)) == (_PAGE_PSE | _PAGE_PRESENT);
}
static inline int pud_huge(pud_t e) { return (pud_val(e) & _PAGE_PSE) != 0; }
static inline int pud_bad(pud_t e) { return (pud_flags(e) & ~(_KERNPG_TABLE | _PAGE_USER)) != 0; }
static inline int p4d_none(p4d_t e) { return (p4d_val(e) & ~_PAGE_KNL_ERRATUM_MASK) == 0; }
static inline int p4d_present(p4d_t e) { return (p4d_flags(e) & _PAGE_PRESENT) != 0; }
static inline int p4d_bad(p4d_t e)  /* with PAGE_TABLE_ISOLATION: NX ignored too */
{
    return (p4d_flags(e) & ~(_KERNPG_TABLE | _PAGE_USER | _PAGE_NX)) != 0;
}
/* With the p4d folded into the pgd (4-level), the pgd level is never none or bad. */
static inline int pgd_none(pgd_t e) { (void)e; return 0; }
static inline int pgd_bad(pgd_t e) { (void)e; return 0; }

/* Entry construction. */
static inline pte_t pfn_pte(uint64_t pfn, uint64_t prot)
{
    return (pte_t){ ((pfn << PAGE_SHIFT) & PTE_PFN_MASK) | prot };
}
/* pgprot_4k_2_large(): PAT moves from bit 7 to bit 12 in a large leaf. */
static inline uint64_t pgprot_4k_2_large(uint64_t prot)
{
    return (prot & ~(_PAGE_PAT | _PAGE_PAT_LARGE)) |
           ((prot & _PAGE_PAT) << (_PAGE_BIT_PAT_LARGE - _PAGE_BIT_PAT));
}
static inline uint64_t pgprot_large_2_4k(uint64_t prot)
{
    return (prot & ~(_PAGE_PAT | _PAGE_PAT_LARGE)) |
           ((prot & _PAGE_PAT_LARGE) >> (_PAGE_BIT_PAT_LARGE - _PAGE_BIT_PAT));
}

/* Table addresses: pXd_page_vaddr() as a host pointer into RAM (oops outside RAM). */
static inline pmd_t *pud_pgtable(pt_machine *m, pud_t e)
{
    return (pmd_t *)pt_va(m, pud_val(e) & pud_pfn_mask(e), "pud_page_vaddr");
}
static inline pte_t *pmd_page_vaddr(pt_machine *m, pmd_t e)
{
    return (pte_t *)pt_va(m, pmd_val(e) & pmd_pfn_mask(e), "pmd_page_vaddr");
}
static inline pud_t *p4d_pgtable(pt_machine *m, p4d_t e)
{
    return (pud_t *)pt_va(m, p4d_val(e) & PTE_PFN_MASK, "p4d_page_vaddr");
}
static inline uint64_t pt_pa_of(pt_machine *m, const void *p)
{
    return (uint64_t)((const uint8_t *)p - m->ram);
}

/* Offsets. */
static inline pgd_t *pgd_offset_k(pt_machine *m, uint64_t addr)
{
    return (pgd_t *)(m->ram + m->pgd_pa) + pgd_index(addr);
}
static inline p4d_t *p4d_offset(pgd_t *pgd, uint64_t addr) { (void)addr; return (p4d_t *)pgd; }
static inline pud_t *pud_offset(pt_machine *m, p4d_t *p4d, uint64_t addr)
{
    return p4d_pgtable(m, *p4d) + pud_index(addr);
}
static inline pmd_t *pmd_offset(pt_machine *m, pud_t *pud, uint64_t addr)
{
    return pud_pgtable(m, *pud) + pmd_index(addr);
}
static inline pte_t *pte_offset_kernel(pt_machine *m, pmd_t *pmd, uint64_t addr)
{
    return pmd_page_vaddr(m, *pmd) + pte_index(addr);
}

/* Every write of a table entry goes through these, and the sanitizer sees it. */
static inline void set_pte(pt_machine *m, pte_t *p, pte_t v)
{
    /* A PTE write over a non-present entry changes nothing the sanitizer tracks unless
     * removed leaves are pending (the StaleTlbEntry check): skip the call then. */
    if (m->sanitize && ((p->pte & _PAGE_PRESENT) || m->npend) && p->pte != v.pte) {
        if (m->record)
            san_entry_write(m, p, PT_LEVEL_PTE, p->pte, v.pte);
        else
            san_pte_write(m, p, p->pte, v.pte);
    }
    *p = v;
}
static inline void set_pmd(pt_machine *m, pmd_t *p, pmd_t v)
{
    if (m->sanitize)
        san_entry_write(m, p, PT_LEVEL_PMD, p->pmd, v.pmd);
    *p = v;
}
static inline void set_pud(pt_machine *m, pud_t *p, pud_t v)
{
    if (m->sanitize)
        san_entry_write(m, p, PT_LEVEL_PUD, p->pud, v.pud);
    *p = v;
}
static inline void set_p4d(pt_machine *m, p4d_t *p, p4d_t v)   /* folded: the pgd entry */
{
    if (m->sanitize)
        san_entry_write(m, p, PT_LEVEL_PGD, p->p4d, v.p4d);
    *p = v;
}
static inline void pte_clear(pt_machine *m, pte_t *p) { set_pte(m, p, (pte_t){0}); }
static inline void pmd_clear(pt_machine *m, pmd_t *p) { set_pmd(m, p, (pmd_t){0}); }
static inline void pud_clear(pt_machine *m, pud_t *p) { set_pud(m, p, (pud_t){0}); }
static inline void p4d_clear(pt_machine *m, p4d_t *p) { set_p4d(m, p, (p4d_t){0}); }
static inline pte_t ptep_get_and_clear(pt_machine *m, pte_t *p)
{
    pte_t old = *p;
    pte_clear(m, p);
    return old;
}

/* pgtable.c: allocation and population of table levels (mm/memory.c, asm/pgalloc.h). */
int __pud_alloc(pt_machine *m, p4d_t *p4d, uint64_t address);
int __pmd_alloc(pt_machine *m, pud_t *pud, uint64_t address);
int __pte_alloc_kernel(pt_machine *m, pmd_t *pmd, uint64_t address);
p4d_t *p4d_alloc(pt_machine *m, pgd_t *pgd, uint64_t address);
pud_t *pud_alloc(pt_machine *m, p4d_t *p4d, uint64_t address);
pmd_t *pmd_alloc(pt_machine *m, pud_t *pud, uint64_t address);
pte_t *pte_alloc_kernel(pt_machine *m, pmd_t *pmd, uint64_t address);
int pud_none_or_clear_bad(pt_machine *m, pud_t *pud);
int pmd_none_or_clear_bad(pt_machine *m, pmd_t *pmd);
int p4d_none_or_clear_bad(pt_machine *m, p4d_t *p4d);
int preallocate_vmalloc_pages(pt_machine *m);

/* pgfree.c: arch/x86/mm/pgtable.c's huge-vmap helpers. */
int pud_set_huge(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t prot);
int pmd_set_huge(pt_machine *m, pmd_t *pmd, uint64_t addr, uint64_t prot);
int pud_clear_huge(pt_machine *m, pud_t *pud);
int pmd_clear_huge(pt_machine *m, pmd_t *pmd);
int p4d_clear_huge(pt_machine *m, p4d_t *p4d);
int pud_free_pmd_page(pt_machine *m, pud_t *pud, uint64_t addr);
int pmd_free_pte_page(pt_machine *m, pmd_t *pmd, uint64_t addr);
uint8_t mtrr_type_lookup(pt_machine *m, uint64_t start, uint64_t end, uint8_t *uniform);
#define MTRR_TYPE_UNCACHABLE 0
#define MTRR_TYPE_WRCOMB 1
#define MTRR_TYPE_WRTHROUGH 4
#define MTRR_TYPE_WRPROT 5
#define MTRR_TYPE_WRBACK 6
#define MTRR_TYPE_INVALID 0xff

/* vmap.c: lib/ioremap.c and mm/vmalloc.c. */
int ioremap_page_range(pt_machine *m, uint64_t addr, uint64_t end, uint64_t phys_addr,
                       uint64_t prot);
void unmap_kernel_range_noflush(pt_machine *m, uint64_t addr, uint64_t size);
void unmap_kernel_range(pt_machine *m, uint64_t addr, uint64_t size);

/* Locate the entry of a level for va in init_mm, or NULL when a table above is missing
 * (used by the entry points that take one entry, and by inspection). */
pud_t *pt_lookup_pud(pt_machine *m, uint64_t va);
pmd_t *pt_lookup_pmd(pt_machine *m, uint64_t va);

#endif
