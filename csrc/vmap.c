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

/* The profile picks which form of lib/ioremap.c runs (its ioremap_try_huge_helpers knob). */
int ioremap_page_range(pt_machine *m, uint64_t addr, uint64_t end, uint64_t phys_addr,
                       uint64_t prot)
{
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
void unmap_kernel_range_noflush(pt_machine *m, uint64_t addr, uint64_t size)
{
    vunmap_page_range(m, addr, addr + size);
}

/* mm/vmalloc.c v4.18 unmap_kernel_range(): clear leaves, never free tables, then flush. */
void unmap_kernel_range(pt_machine *m, uint64_t addr, uint64_t size)
{
    uint64_t end = addr + size;

    /* flush_cache_vunmap(addr, end): nothing to do on x86 */
    vunmap_page_range(m, addr, end);
    flush_tlb_kernel_range(m, addr, end);
}
