/*
 * vmap.c - the kernel's huge ioremap and kernel-range unmap, ported step by step:
 * lib/ioremap.c (v4.18, after 5e0fb5df2ee8 "x86/mm: Add TLB purge to free pmd/pte page
 * interfaces") and mm/vmalloc.c's vunmap_page_range()/unmap_kernel_range() (v4.18).
 *
 * The kernel relies on a walking pointer (pmd++, pte++) and on "phys_addr -= addr" so that
 * phys_addr + addr is the physical address of addr; the port keeps both idioms (unsigned
 * wrap-around is well defined in C).
 *
 * lib/ioremap.c as of v5.3 (the _v5_3 functions, profile knob ioremap_try_huge_helpers):
 * Will Deacon's v5.0 series "ioremap: Rework pXd_free_pYd_page() API" (huge attempts moved
 * into ioremap_try_huge_pmd/pud/p4d, the pXd_present() check moved into the core before the
 * arch free call) and "lib/ioremap: Ensure phys_addr actually corresponds to a physical
 * address" (phys_addr advanced with the loop instead of "phys_addr -= addr"), plus
 * 6b95ab4218bf "mm/ioremap: check virtual address alignment while creating huge mappings"
 * (v5.3; knob ioremap_va_align_check).  ioremap_pte_range() did not change.
 *
 * mm/vmalloc.c + mm/ioremap.c as of v5.13 (knob vmap_range_form; the section at the end of
 * the map code and of the file): vmap_pte_range .. vmap_range_noflush, vmap_range and
 * mm/ioremap.c's ioremap_page_range (iomap_max_page_shift), vunmap_*_range (suffix _v5_13
 * where v4.18 had the same name), vunmap_range_noflush, vunmap_range.
 */
#include "pgtable.h"

static int ioremap_pmd_enabled(pt_machine *m) { return m->prof.ioremap_pmd_capable; }
static int ioremap_pud_enabled(pt_machine *m) { return m->prof.ioremap_pud_capable; }
static int ioremap_p4d_enabled(pt_machine *m) { (void)m; return 0; }   /* no 512 GiB pages */

/* p4d_set_huge(): no 512 GiB pages, always 0 (arch/x86/mm/pgtable.c). */
static int p4d_set_huge(pt_machine *m, p4d_t *p4d, uint64_t addr, uint64_t prot)
{
    (void)m; (void)p4d; (void)addr; (void)prot;
    return 0;
}

/* lib/ioremap.c v4.18 ioremap_pte_range() */
static int ioremap_pte_range(pt_machine *m, pmd_t *pmd, uint64_t addr, uint64_t end,
                             uint64_t phys_addr, uint64_t prot)
{
    pte_t *pte;
    uint64_t pfn = phys_addr >> PAGE_SHIFT;

    pte = pte_alloc_kernel(m, pmd, addr);
    if (!pte)
        return -12;
    do {
        BUG_ON(m, !pte_none(*pte), "ioremap_pte_range", addr);
        set_pte(m, pte, pfn_pte(pfn, prot));
        pfn++;
    } while (pte++, addr += PAGE_SIZE, addr != end);
    return 0;
}

/* lib/ioremap.c v4.18 ioremap_pmd_range() */
static int ioremap_pmd_range(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t end,
                             uint64_t phys_addr, uint64_t prot)
{
    pmd_t *pmd;
    uint64_t next;

    phys_addr -= addr;
    pmd = pmd_alloc(m, pud, addr);
    if (!pmd)
        return -12;
    do {
        next = pmd_addr_end(addr, end);

        if (ioremap_pmd_enabled(m) &&
            ((next - addr) == PMD_SIZE) &&
            IS_ALIGNED(phys_addr + addr, PMD_SIZE) &&
            pmd_free_pte_page(m, pmd, addr)) {
            if (pmd_set_huge(m, pmd, phys_addr + addr, prot))
                continue;
        }

        if (ioremap_pte_range(m, pmd, addr, next, phys_addr + addr, prot))
            return -12;
    } while (pmd++, addr = next, addr != end);
    return 0;
}

/* lib/ioremap.c v4.18 ioremap_pud_range() */
static int ioremap_pud_range(pt_machine *m, p4d_t *p4d, uint64_t addr, uint64_t end,
                             uint64_t phys_addr, uint64_t prot)
{
    pud_t *pud;
    uint64_t next;

    phys_addr -= addr;
    pud = pud_alloc(m, p4d, addr);
    if (!pud)
        return -12;
    do {
        next = pud_addr_end(addr, end);

        if (ioremap_pud_enabled(m) &&
            ((next - addr) == PUD_SIZE) &&
            IS_ALIGNED(phys_addr + addr, PUD_SIZE) &&
            pud_free_pmd_page(m, pud, addr)) {
            if (pud_set_huge(m, pud, phys_addr + addr, prot))
                continue;
        }

        if (ioremap_pmd_range(m, pud, addr, next, phys_addr + addr, prot))
            return -12;
    } while (pud++, addr = next, addr != end);
    return 0;
}

/* lib/ioremap.c v4.18 ioremap_p4d_range() */
static int ioremap_p4d_range(pt_machine *m, pgd_t *pgd, uint64_t addr, uint64_t end,
                             uint64_t phys_addr, uint64_t prot)
{
    p4d_t *p4d;
    uint64_t next;

    phys_addr -= addr;
    p4d = p4d_alloc(m, pgd, addr);
    if (!p4d)
        return -12;
    do {
        next = p4d_addr_end(addr, end);

        if (ioremap_p4d_enabled(m) &&
            ((next - addr) == PGDIR_SIZE) &&
            IS_ALIGNED(phys_addr + addr, PGDIR_SIZE)) {
            if (p4d_set_huge(m, p4d, phys_addr + addr, prot))
                continue;
        }

        if (ioremap_pud_range(m, p4d, addr, next, phys_addr + addr, prot))
            return -12;
    } while (p4d++, addr = next, addr != end);
    return 0;
}

/* lib/ioremap.c v4.18 ioremap_page_range() */
static int ioremap_page_range_v4_18(pt_machine *m, uint64_t addr, uint64_t end,
                                    uint64_t phys_addr, uint64_t prot)
{
    pgd_t *pgd;
    uint64_t next;
    int err;

    BUG_ON(m, addr >= end, "ioremap_page_range", addr);

    phys_addr -= addr;
    pgd = pgd_offset_k(m, addr);
    do {
        next = pgd_addr_end(addr, end);
        err = ioremap_p4d_range(m, pgd, addr, next, phys_addr + addr, prot);
        if (err)
            break;
    } while (pgd++, addr = next, addr != end);

    /* flush_cache_vmap(start, end): nothing to do on x86 */
    return err;
}

/* ---- lib/ioremap.c v5.3 (knobs ioremap_try_huge_helpers, ioremap_va_align_check) ---- */

/* p4d_free_pud_page(): no 512 GiB pages on x86, never called (ioremap_p4d_enabled() is 0). */
static int p4d_free_pud_page(pt_machine *m, p4d_t *p4d, uint64_t addr)
{
    (void)m; (void)p4d; (void)addr;
    return 0;
}

/* lib/ioremap.c v5.3 ioremap_try_huge_pmd() (v5.0 "ioremap: Rework pXd_free_pYd_page() API";
 * the addr check: 6b95ab4218bf) */
static int ioremap_try_huge_pmd(pt_machine *m, pmd_t *pmd, uint64_t addr, uint64_t end,
                                uint64_t phys_addr, uint64_t prot)
{
    if (!ioremap_pmd_enabled(m))
        return 0;

    if ((end - addr) != PMD_SIZE)
        return 0;

    if (m->prof.ioremap_va_align_check && !IS_ALIGNED(addr, PMD_SIZE))
        return 0;

    if (!IS_ALIGNED(phys_addr, PMD_SIZE))
        return 0;

    if (pmd_present(*pmd) && !pmd_free_pte_page(m, pmd, addr))
        return 0;

    return pmd_set_huge(m, pmd, phys_addr, prot);
}

/* lib/ioremap.c v5.3 ioremap_pmd_range() (v5.0: try-huge helper, phys_addr advancing) */
static int ioremap_pmd_range_v5_3(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t end,
                                  uint64_t phys_addr, uint64_t prot)
{
    pmd_t *pmd;
    uint64_t next;

    pmd = pmd_alloc(m, pud, addr);
    if (!pmd)
        return -12;
    do {
        next = pmd_addr_end(addr, end);

        if (ioremap_try_huge_pmd(m, pmd, addr, next, phys_addr, prot))
            continue;

        if (ioremap_pte_range(m, pmd, addr, next, phys_addr, prot))
            return -12;
    } while (pmd++, phys_addr += (next - addr), addr = next, addr != end);
    return 0;
}

/* lib/ioremap.c v5.3 ioremap_try_huge_pud() (v5.0 rework; the addr check: 6b95ab4218bf) */
static int ioremap_try_huge_pud(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t end,
                                uint64_t phys_addr, uint64_t prot)
{
    if (!ioremap_pud_enabled(m))
        return 0;

    if ((end - addr) != PUD_SIZE)
        return 0;

    if (m->prof.ioremap_va_align_check && !IS_ALIGNED(addr, PUD_SIZE))
        return 0;

    if (!IS_ALIGNED(phys_addr, PUD_SIZE))
        return 0;

    if (pud_present(*pud) && !pud_free_pmd_page(m, pud, addr))
        return 0;

    return pud_set_huge(m, pud, phys_addr, prot);
}

/* lib/ioremap.c v5.3 ioremap_pud_range() (v5.0: try-huge helper, phys_addr advancing) */
static int ioremap_pud_range_v5_3(pt_machine *m, p4d_t *p4d, uint64_t addr, uint64_t end,
                                  uint64_t phys_addr, uint64_t prot)
{
    pud_t *pud;
    uint64_t next;

    pud = pud_alloc(m, p4d, addr);
    if (!pud)
        return -12;
    do {
        next = pud_addr_end(addr, end);

        if (ioremap_try_huge_pud(m, pud, addr, next, phys_addr, prot))
            continue;

        if (ioremap_pmd_range_v5_3(m, pud, addr, next, phys_addr, prot))
            return -12;
    } while (pud++, phys_addr += (next - addr), addr = next, addr != end);
    return 0;
}

/* lib/ioremap.c v5.3 ioremap_try_huge_p4d() (v5.0 "lib/ioremap: Ensure break-before-make is
 * used for huge p4d mappings"; the addr check: 6b95ab4218bf).  P4D_SIZE == PGDIR_SIZE with
 * the p4d folded into the pgd. */
static int ioremap_try_huge_p4d(pt_machine *m, p4d_t *p4d, uint64_t addr, uint64_t end,
                                uint64_t phys_addr, uint64_t prot)
{
    if (!ioremap_p4d_enabled(m))
        return 0;

    if ((end - addr) != PGDIR_SIZE)
        return 0;

    if (m->prof.ioremap_va_align_check && !IS_ALIGNED(addr, PGDIR_SIZE))
        return 0;

    if (!IS_ALIGNED(phys_addr, PGDIR_SIZE))
        return 0;

    if (p4d_present(*p4d) && !p4d_free_pud_page(m, p4d, addr))
        return 0;

    return p4d_set_huge(m, p4d, phys_addr, prot);
}

/* lib/ioremap.c v5.3 ioremap_p4d_range() (v5.0: try-huge helper, phys_addr advancing) */
static int ioremap_p4d_range_v5_3(pt_machine *m, pgd_t *pgd, uint64_t addr, uint64_t end,
                                  uint64_t phys_addr, uint64_t prot)
{
    p4d_t *p4d;
    uint64_t next;

    p4d = p4d_alloc(m, pgd, addr);
    if (!p4d)
        return -12;
    do {
        next = p4d_addr_end(addr, end);

        if (ioremap_try_huge_p4d(m, p4d, addr, next, phys_addr, prot))
            continue;

        if (ioremap_pud_range_v5_3(m, p4d, addr, next, phys_addr, prot))
            return -12;
    } while (p4d++, phys_addr += (next - addr), addr = next, addr != end);
    return 0;
}

/* lib/ioremap.c v5.3 ioremap_page_range() (v5.0: phys_addr advancing with the loop) */
static int ioremap_page_range_v5_3(pt_machine *m, uint64_t addr, uint64_t end,
                                   uint64_t phys_addr, uint64_t prot)
{
    pgd_t *pgd;
    uint64_t next;
    int err;

    /* might_sleep(): nothing to model */
    BUG_ON(m, addr >= end, "ioremap_page_range", addr);

    pgd = pgd_offset_k(m, addr);
    do {
        next = pgd_addr_end(addr, end);
        err = ioremap_p4d_range_v5_3(m, pgd, addr, next, phys_addr, prot);
        if (err)
            break;
    } while (pgd++, phys_addr += (next - addr), addr = next, addr != end);

    /* flush_cache_vmap(start, end): nothing to do on x86 */
    return err;
}

/* ---- mm/vmalloc.c + mm/ioremap.c v5.13 (knobs vmap_range_form, iomap_max_page_shift,
 * ioremap_force_nx) ----
 * Nicholas Piggin's huge-vmalloc series (v5.13): lib/ioremap.c's code became mm/vmalloc.c's
 * vmap_*_range() with a max_page_shift argument ("mm/ioremap: rename ioremap_*_range to
 * vmap_*_range", "mm: HUGE_VMAP arch support cleanup", "mm: move vmap_range from
 * mm/ioremap.c to mm/vmalloc.c", "mm/vmalloc: add vmap_range_noflush variant");
 * arch_ioremap_pXd_supported() became arch_vmap_pXd_supported(prot) (x86: GBPAGES, PSE,
 * never p4d).  The pgtbl_mod_mask of v5.8 (2ba3e6947aed "mm/vmalloc: Track which
 * page-table levels were modified") is kept; x86-64 defines no ARCH_PAGE_TABLE_SYNC_MASK
 * since v5.9 (8bb9bf242d1f "x86/mm/64: Do not sync vmalloc/ioremap mappings"), so
 * arch_sync_kernel_mappings() is never called. */

typedef unsigned int pgtbl_mod_mask;
#define PGTBL_PGD_MODIFIED (1u << 0)
#define PGTBL_P4D_MODIFIED (1u << 1)
#define PGTBL_PUD_MODIFIED (1u << 2)
#define PGTBL_PMD_MODIFIED (1u << 3)
#define PGTBL_PTE_MODIFIED (1u << 4)
#define ARCH_PAGE_TABLE_SYNC_MASK 0u     /* x86-64 since v5.9: none */
#define P4D_SHIFT PGDIR_SHIFT            /* folded p4d */
#define P4D_SIZE PGDIR_SIZE

/* arch/x86/mm/ioremap.c v5.13 arch_vmap_p4d/pud/pmd_supported(prot) */
static int arch_vmap_p4d_supported(pt_machine *m, uint64_t prot) { (void)m; (void)prot; return 0; }
static int arch_vmap_pud_supported(pt_machine *m, uint64_t prot)
{
    (void)prot;
    return m->prof.ioremap_pud_capable;        /* boot_cpu_has(X86_FEATURE_GBPAGES) */
}
static int arch_vmap_pmd_supported(pt_machine *m, uint64_t prot)
{
    (void)prot;
    return m->prof.ioremap_pmd_capable;        /* boot_cpu_has(X86_FEATURE_PSE) */
}

/* arch_sync_kernel_mappings(): never reached on x86-64 (ARCH_PAGE_TABLE_SYNC_MASK is 0). */
static void arch_sync_kernel_mappings(pt_machine *m, uint64_t start, uint64_t end)
{
    (void)m; (void)start; (void)end;
}

/* mm/pgalloc-track.h v5.13 p4d_alloc_track(): pgd_none() is 0 on the folded level. */
static p4d_t *p4d_alloc_track(pt_machine *m, pgd_t *pgd, uint64_t address,
                              pgtbl_mod_mask *mod_mask)
{
    if (pgd_none(*pgd)) {
        if (!p4d_alloc(m, pgd, address))        /* __p4d_alloc(): folded, never fails */
            return NULL;
        *mod_mask |= PGTBL_PGD_MODIFIED;
    }
    return p4d_offset(pgd, address);
}

/* mm/pgalloc-track.h v5.13 pud_alloc_track() */
static pud_t *pud_alloc_track(pt_machine *m, p4d_t *p4d, uint64_t address,
                              pgtbl_mod_mask *mod_mask)
{
    if (p4d_none(*p4d)) {
        if (__pud_alloc(m, p4d, address))
            return NULL;
        *mod_mask |= PGTBL_P4D_MODIFIED;
    }
    return pud_offset(m, p4d, address);
}

/* mm/pgalloc-track.h v5.13 pmd_alloc_track() */
static pmd_t *pmd_alloc_track(pt_machine *m, pud_t *pud, uint64_t address,
                              pgtbl_mod_mask *mod_mask)
{
    if (pud_none(*pud)) {
        if (__pmd_alloc(m, pud, address))
            return NULL;
        *mod_mask |= PGTBL_PUD_MODIFIED;
    }
    return pmd_offset(m, pud, address);
}

/* mm/pgalloc-track.h v5.13 pte_alloc_kernel_track() (a macro there) */
static pte_t *pte_alloc_kernel_track(pt_machine *m, pmd_t *pmd, uint64_t address,
                                     pgtbl_mod_mask *mask)
{
    if (pmd_none(*pmd)) {
        if (__pte_alloc_kernel(m, pmd, address))
            return NULL;
        *mask |= PGTBL_PMD_MODIFIED;
    }
    return pte_offset_kernel(m, pmd, address);
}

/* mm/vmalloc.c v5.13 vmap_pte_range() */
static int vmap_pte_range(pt_machine *m, pmd_t *pmd, uint64_t addr, uint64_t end,
                          uint64_t phys_addr, uint64_t prot, pgtbl_mod_mask *mask)
{
    pte_t *pte;
    uint64_t pfn;

    pfn = phys_addr >> PAGE_SHIFT;
    pte = pte_alloc_kernel_track(m, pmd, addr, mask);
    if (!pte)
        return -12;
    do {
        BUG_ON(m, !pte_none(*pte), "vmap_pte_range", addr);
        set_pte(m, pte, pfn_pte(pfn, prot));    /* set_pte_at(&init_mm, addr, pte, ...) */
        pfn++;
    } while (pte++, addr += PAGE_SIZE, addr != end);
    *mask |= PGTBL_PTE_MODIFIED;
    return 0;
}

/* mm/vmalloc.c v5.13 vmap_try_huge_pmd() (the addr check: 6b95ab4218bf, knob
 * ioremap_va_align_check) */
static int vmap_try_huge_pmd(pt_machine *m, pmd_t *pmd, uint64_t addr, uint64_t end,
                             uint64_t phys_addr, uint64_t prot, unsigned int max_page_shift)
{
    if (max_page_shift < PMD_SHIFT)
        return 0;

    if (!arch_vmap_pmd_supported(m, prot))
        return 0;

    if ((end - addr) != PMD_SIZE)
        return 0;

    if (m->prof.ioremap_va_align_check && !IS_ALIGNED(addr, PMD_SIZE))
        return 0;

    if (!IS_ALIGNED(phys_addr, PMD_SIZE))
        return 0;

    if (pmd_present(*pmd) && !pmd_free_pte_page(m, pmd, addr))
        return 0;

    return pmd_set_huge(m, pmd, phys_addr, prot);
}

/* mm/vmalloc.c v5.13 vmap_pmd_range() */
static int vmap_pmd_range(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t end,
                          uint64_t phys_addr, uint64_t prot, unsigned int max_page_shift,
                          pgtbl_mod_mask *mask)
{
    pmd_t *pmd;
    uint64_t next;

    pmd = pmd_alloc_track(m, pud, addr, mask);
    if (!pmd)
        return -12;
    do {
        next = pmd_addr_end(addr, end);

        if (vmap_try_huge_pmd(m, pmd, addr, next, phys_addr, prot, max_page_shift)) {
            *mask |= PGTBL_PMD_MODIFIED;
            continue;
        }

        if (vmap_pte_range(m, pmd, addr, next, phys_addr, prot, mask))
            return -12;
    } while (pmd++, phys_addr += (next - addr), addr = next, addr != end);
    return 0;
}

/* mm/vmalloc.c v5.13 vmap_try_huge_pud() */
static int vmap_try_huge_pud(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t end,
                             uint64_t phys_addr, uint64_t prot, unsigned int max_page_shift)
{
    if (max_page_shift < PUD_SHIFT)
        return 0;

    if (!arch_vmap_pud_supported(m, prot))
        return 0;

    if ((end - addr) != PUD_SIZE)
        return 0;

    if (m->prof.ioremap_va_align_check && !IS_ALIGNED(addr, PUD_SIZE))
        return 0;

    if (!IS_ALIGNED(phys_addr, PUD_SIZE))
        return 0;

    if (pud_present(*pud) && !pud_free_pmd_page(m, pud, addr))
        return 0;

    return pud_set_huge(m, pud, phys_addr, prot);
}

/* mm/vmalloc.c v5.13 vmap_pud_range() */
static int vmap_pud_range(pt_machine *m, p4d_t *p4d, uint64_t addr, uint64_t end,
                          uint64_t phys_addr, uint64_t prot, unsigned int max_page_shift,
                          pgtbl_mod_mask *mask)
{
    pud_t *pud;
    uint64_t next;

    pud = pud_alloc_track(m, p4d, addr, mask);
    if (!pud)
        return -12;
    do {
        next = pud_addr_end(addr, end);

        if (vmap_try_huge_pud(m, pud, addr, next, phys_addr, prot, max_page_shift)) {
            *mask |= PGTBL_PUD_MODIFIED;
            continue;
        }

        if (vmap_pmd_range(m, pud, addr, next, phys_addr, prot, max_page_shift, mask))
            return -12;
    } while (pud++, phys_addr += (next - addr), addr = next, addr != end);
    return 0;
}

/* mm/vmalloc.c v5.13 vmap_try_huge_p4d() */
static int vmap_try_huge_p4d(pt_machine *m, p4d_t *p4d, uint64_t addr, uint64_t end,
                             uint64_t phys_addr, uint64_t prot, unsigned int max_page_shift)
{
    if (max_page_shift < P4D_SHIFT)
        return 0;

    if (!arch_vmap_p4d_supported(m, prot))
        return 0;

    if ((end - addr) != P4D_SIZE)
        return 0;

    if (m->prof.ioremap_va_align_check && !IS_ALIGNED(addr, P4D_SIZE))
        return 0;

    if (!IS_ALIGNED(phys_addr, P4D_SIZE))
        return 0;

    if (p4d_present(*p4d) && !p4d_free_pud_page(m, p4d, addr))
        return 0;

    return p4d_set_huge(m, p4d, phys_addr, prot);
}

/* mm/vmalloc.c v5.13 vmap_p4d_range() */
static int vmap_p4d_range(pt_machine *m, pgd_t *pgd, uint64_t addr, uint64_t end,
                          uint64_t phys_addr, uint64_t prot, unsigned int max_page_shift,
                          pgtbl_mod_mask *mask)
{
    p4d_t *p4d;
    uint64_t next;

    p4d = p4d_alloc_track(m, pgd, addr, mask);
    if (!p4d)
        return -12;
    do {
        next = p4d_addr_end(addr, end);

        if (vmap_try_huge_p4d(m, p4d, addr, next, phys_addr, prot, max_page_shift)) {
            *mask |= PGTBL_P4D_MODIFIED;
            continue;
        }

        if (vmap_pud_range(m, p4d, addr, next, phys_addr, prot, max_page_shift, mask))
            return -12;
    } while (p4d++, phys_addr += (next - addr), addr = next, addr != end);
    return 0;
}

/* mm/vmalloc.c v5.13 vmap_range_noflush() */
static int vmap_range_noflush(pt_machine *m, uint64_t addr, uint64_t end, uint64_t phys_addr,
                              uint64_t prot, unsigned int max_page_shift)
{
    pgd_t *pgd;
    uint64_t start;
    uint64_t next;
    int err;
    pgtbl_mod_mask mask = 0;

    /* might_sleep(): nothing to model */
    BUG_ON(m, addr >= end, "vmap_range_noflush", addr);

    start = addr;
    pgd = pgd_offset_k(m, addr);
    do {
        next = pgd_addr_end(addr, end);
        err = vmap_p4d_range(m, pgd, addr, next, phys_addr, prot, max_page_shift, &mask);
        if (err)
            break;
    } while (pgd++, phys_addr += (next - addr), addr = next, addr != end);

    if (mask & ARCH_PAGE_TABLE_SYNC_MASK)
        arch_sync_kernel_mappings(m, start, end);

    return err;
}

/* mm/vmalloc.c v5.13 vmap_range() */
static int vmap_range(pt_machine *m, uint64_t addr, uint64_t end, uint64_t phys_addr,
                      uint64_t prot, unsigned int max_page_shift)
{
    int err;

    err = vmap_range_noflush(m, addr, end, phys_addr, prot, max_page_shift);
    /* flush_cache_vmap(addr, end): nothing to do on x86 */

    return err;
}

/* mm/ioremap.c v5.13 ioremap_page_range(): vmap_range(..., iomap_max_page_shift).  With the
 * ioremap_force_nx knob, the pgprot_nx(prot) of 8491502f787c "mm: don't allow executable
 * ioremap mappings" (v5.15, where ioremap_page_range() had moved to mm/vmalloc.c and calls
 * vmap_range_noflush() + flush_cache_vmap() directly, the same steps). */
static int ioremap_page_range_v5_13(pt_machine *m, uint64_t addr, uint64_t end,
                                    uint64_t phys_addr, uint64_t prot)
{
    if (m->prof.ioremap_force_nx)
        prot |= _PAGE_NX;                      /* pgprot_nx(prot) */
    return vmap_range(m, addr, end, phys_addr, prot, (unsigned int)m->prof.iomap_max_page_shift);
}

/* The profile picks which form of ioremap_page_range() runs (its vmap_range_form and
 * ioremap_try_huge_helpers knobs). */
int ioremap_page_range(pt_machine *m, uint64_t addr, uint64_t end, uint64_t phys_addr,
                       uint64_t prot)
{
    if (m->prof.vmap_range_form)
        return ioremap_page_range_v5_13(m, addr, end, phys_addr, prot);
    if (m->prof.ioremap_try_huge_helpers)
        return ioremap_page_range_v5_3(m, addr, end, phys_addr, prot);
    return ioremap_page_range_v4_18(m, addr, end, phys_addr, prot);
}

/* mm/vmalloc.c v4.18 vunmap_pte_range() */
static void vunmap_pte_range(pt_machine *m, pmd_t *pmd, uint64_t addr, uint64_t end)
{
    pte_t *pte = pte_offset_kernel(m, pmd, addr);
    do {
        pte_t ptent = ptep_get_and_clear(m, pte);
        WARN_ON(m, !pte_none(ptent) && !pte_present(ptent), "vunmap_pte_range", addr);
    } while (pte++, addr += PAGE_SIZE, addr != end);
}

/* mm/vmalloc.c v4.18 vunmap_pmd_range() */
static void vunmap_pmd_range(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t end)
{
    pmd_t *pmd = pmd_offset(m, pud, addr);
    uint64_t next;
    do {
        next = pmd_addr_end(addr, end);
        if (pmd_clear_huge(m, pmd))
            continue;
        if (pmd_none_or_clear_bad(m, pmd))
            continue;
        vunmap_pte_range(m, pmd, addr, next);
    } while (pmd++, addr = next, addr != end);
}

/* mm/vmalloc.c v4.18 vunmap_pud_range() */
static void vunmap_pud_range(pt_machine *m, p4d_t *p4d, uint64_t addr, uint64_t end)
{
    pud_t *pud = pud_offset(m, p4d, addr);
    uint64_t next;
    do {
        next = pud_addr_end(addr, end);
        if (pud_clear_huge(m, pud))
            continue;
        if (pud_none_or_clear_bad(m, pud))
            continue;
        vunmap_pmd_range(m, pud, addr, next);
    } while (pud++, addr = next, addr != end);
}

/* mm/vmalloc.c v4.18 vunmap_p4d_range() */
static void vunmap_p4d_range(pt_machine *m, pgd_t *pgd, uint64_t addr, uint64_t end)
{
    p4d_t *p4d = p4d_offset(pgd, addr);
    uint64_t next;
    do {
        next = p4d_addr_end(addr, end);
        if (p4d_clear_huge(m, p4d))
            continue;
        if (p4d_none_or_clear_bad(m, p4d))
            continue;
        vunmap_pud_range(m, p4d, addr, next);
    } while (p4d++, addr = next, addr != end);
}

/* mm/vmalloc.c v4.18 vunmap_page_range() */
static void vunmap_page_range(pt_machine *m, uint64_t addr, uint64_t end)
{
    pgd_t *pgd;
    uint64_t next;

    BUG_ON(m, addr >= end, "vunmap_page_range", addr);
    pgd = pgd_offset_k(m, addr);
    do {
        next = pgd_addr_end(addr, end);
        if (pgd_none(*pgd) || pgd_bad(*pgd))   /* pgd_none_or_clear_bad(): folded level */
            continue;
        vunmap_p4d_range(m, pgd, addr, next);
    } while (pgd++, addr = next, addr != end);
}

/* mm/vmalloc.c v4.18 unmap_kernel_range_noflush() */
static void unmap_kernel_range_noflush_v4_18(pt_machine *m, uint64_t addr, uint64_t size)
{
    vunmap_page_range(m, addr, addr + size);
}

/* mm/vmalloc.c v4.18 unmap_kernel_range(): clear leaves, never free tables, then flush. */
static void unmap_kernel_range_v4_18(pt_machine *m, uint64_t addr, uint64_t size)
{
    uint64_t end = addr + size;

    /* flush_cache_vunmap(addr, end): nothing to do on x86 */
    vunmap_page_range(m, addr, end);
    flush_tlb_kernel_range(m, addr, end);
}

/* ---- mm/vmalloc.c v5.13 unmap (knob vmap_range_form): vunmap_range_noflush() and
 * vunmap_range() replaced unmap_kernel_range_noflush()/unmap_kernel_range() (Nicholas
 * Piggin, v5.13); the pgtbl_mod_mask bookkeeping is v5.8's (2ba3e6947aed).  The steps that
 * touch the tables and the flush are those of v4.18. ---- */

/* mm/vmalloc.c v5.13 vunmap_pte_range() */
static void vunmap_pte_range_v5_13(pt_machine *m, pmd_t *pmd, uint64_t addr, uint64_t end,
                                   pgtbl_mod_mask *mask)
{
    pte_t *pte;

    pte = pte_offset_kernel(m, pmd, addr);
    do {
        pte_t ptent = ptep_get_and_clear(m, pte);
        WARN_ON(m, !pte_none(ptent) && !pte_present(ptent), "vunmap_pte_range", addr);
    } while (pte++, addr += PAGE_SIZE, addr != end);
    *mask |= PGTBL_PTE_MODIFIED;
}

/* mm/vmalloc.c v5.13 vunmap_pmd_range() */
static void vunmap_pmd_range_v5_13(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t end,
                                   pgtbl_mod_mask *mask)
{
    pmd_t *pmd;
    uint64_t next;
    int cleared;

    pmd = pmd_offset(m, pud, addr);
    do {
        next = pmd_addr_end(addr, end);

        cleared = pmd_clear_huge(m, pmd);
        if (cleared || pmd_bad(*pmd))
            *mask |= PGTBL_PMD_MODIFIED;

        if (cleared)
            continue;
        if (pmd_none_or_clear_bad(m, pmd))
            continue;
        vunmap_pte_range_v5_13(m, pmd, addr, next, mask);

        /* cond_resched(): nothing to model */
    } while (pmd++, addr = next, addr != end);
}

/* mm/vmalloc.c v5.13 vunmap_pud_range() */
static void vunmap_pud_range_v5_13(pt_machine *m, p4d_t *p4d, uint64_t addr, uint64_t end,
                                   pgtbl_mod_mask *mask)
{
    pud_t *pud;
    uint64_t next;
    int cleared;

    pud = pud_offset(m, p4d, addr);
    do {
        next = pud_addr_end(addr, end);

        cleared = pud_clear_huge(m, pud);
        if (cleared || pud_bad(*pud))
            *mask |= PGTBL_PUD_MODIFIED;

        if (cleared)
            continue;
        if (pud_none_or_clear_bad(m, pud))
            continue;
        vunmap_pmd_range_v5_13(m, pud, addr, next, mask);
    } while (pud++, addr = next, addr != end);
}

/* mm/vmalloc.c v5.13 vunmap_p4d_range() */
static void vunmap_p4d_range_v5_13(pt_machine *m, pgd_t *pgd, uint64_t addr, uint64_t end,
                                   pgtbl_mod_mask *mask)
{
    p4d_t *p4d;
    uint64_t next;
    int cleared;

    p4d = p4d_offset(pgd, addr);
    do {
        next = p4d_addr_end(addr, end);

        cleared = p4d_clear_huge(m, p4d);
        if (cleared || p4d_bad(*p4d))
            *mask |= PGTBL_P4D_MODIFIED;

        if (cleared)
            continue;
        if (p4d_none_or_clear_bad(m, p4d))
            continue;
        vunmap_pud_range_v5_13(m, p4d, addr, next, mask);
    } while (p4d++, addr = next, addr != end);
}

/* mm/vmalloc.c v5.13 vunmap_range_noflush() */
static void vunmap_range_noflush(pt_machine *m, uint64_t start, uint64_t end)
{
    uint64_t next;
    pgd_t *pgd;
    uint64_t addr = start;
    pgtbl_mod_mask mask = 0;

    BUG_ON(m, addr >= end, "vunmap_range_noflush", addr);
    pgd = pgd_offset_k(m, addr);
    do {
        next = pgd_addr_end(addr, end);
        if (pgd_bad(*pgd))
            mask |= PGTBL_PGD_MODIFIED;
        if (pgd_none(*pgd) || pgd_bad(*pgd))   /* pgd_none_or_clear_bad(): folded level */
            continue;
        vunmap_p4d_range_v5_13(m, pgd, addr, next, &mask);
    } while (pgd++, addr = next, addr != end);

    if (mask & ARCH_PAGE_TABLE_SYNC_MASK)
        arch_sync_kernel_mappings(m, start, end);
}

/* mm/vmalloc.c v5.13 vunmap_range(): clear leaves, never free tables, then flush. */
static void vunmap_range(pt_machine *m, uint64_t addr, uint64_t end)
{
    /* flush_cache_vunmap(addr, end): nothing to do on x86 */
    vunmap_range_noflush(m, addr, end);
    flush_tlb_kernel_range(m, addr, end);
}

/* The profile picks the unmap of v4.18 or of v5.13 (its vmap_range_form knob); the callers
 * (the pt_unmap_kernel_range* entry points, vmarea.c) keep v4.18's (addr, size). */
void unmap_kernel_range_noflush(pt_machine *m, uint64_t addr, uint64_t size)
{
    if (m->prof.vmap_range_form)
        vunmap_range_noflush(m, addr, addr + size);
    else
        unmap_kernel_range_noflush_v4_18(m, addr, size);
}

void unmap_kernel_range(pt_machine *m, uint64_t addr, uint64_t size)
{
    if (m->prof.vmap_range_form)
        vunmap_range(m, addr, addr + size);
    else
        unmap_kernel_range_v4_18(m, addr, size);
}
