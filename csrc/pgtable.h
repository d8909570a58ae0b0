/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pgtable.h - the x86-64 entry format as the machine below the kernel header sees it
 * (bits and masks of Intel SDM Vol. 3A 4.5, under the names the kernel gives them): the
 * emulated CPU, the sanitizer, ptdump and the allocator use these.  Kernel code never
 * includes this file; it has ptlib/kernel.h.
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

/* Entry values and predicates on the entry types of ptlib/kernel_abi.h (ptdump). */
static inline uint64_t pgd_val(pgd_t e) { return e.pgd; }
static inline uint64_t p4d_val(p4d_t e) { return e.p4d; }
static inline uint64_t pud_val(pud_t e) { return e.pud; }
static inline uint64_t pmd_val(pmd_t e) { return e.pmd; }
static inline uint64_t pte_val(pte_t e) { return e.pte; }

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

/* Indexes of va in each level's table. */
static inline uint64_t pgd_index(uint64_t a) { return (a >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1); }
static inline uint64_t pud_index(uint64_t a) { return (a >> PUD_SHIFT) & (PTRS_PER_PUD - 1); }
static inline uint64_t pmd_index(uint64_t a) { return (a >> PMD_SHIFT) & (PTRS_PER_PMD - 1); }
static inline uint64_t pte_index(uint64_t a) { return (a >> PAGE_SHIFT) & (PTRS_PER_PTE - 1); }

/* A 2M/1G leaf's flags in 4 KiB form: PAT moves from bit 12 back to bit 7. */
static inline uint64_t pgprot_large_2_4k(uint64_t prot)
{
    return (prot & ~(_PAGE_PAT | _PAGE_PAT_LARGE)) |
           ((prot & _PAGE_PAT_LARGE) >> (_PAGE_BIT_PAT_LARGE - _PAGE_BIT_PAT));
}

/* Physical address of a host pointer into RAM. */
static inline uint64_t pt_pa_of(const pt_machine *m, const void *p)
{
    return (uint64_t)((const uint8_t *)p - m->ram);
}

#endif
