/*
 * pgfree.c - setting, clearing and freeing huge kernel mappings: arch/x86/mm/pgtable.c's
 * CONFIG_HAVE_ARCH_HUGE_VMAP block as of v4.18 (5e0fb5df2ee8 "x86/mm: Add TLB purge to
 * free pmd/pte page interfaces", 785a19f9d1dd "ioremap: Update pgtable free interfaces
 * with addr", f967db0b9ed4 "x86/mm: disable ioremap free page handling on x86-PAE"),
 * plus the variable-range MTRR lookup they consult.  Two 2025 changes are knobs: the flush
 * before the free (free_flush: Jann Horn's all-PCID, whole-range flush) and the free itself
 * (deferred_free: v6.19's queue for a worker after an IOMMU invalidation); every table free
 * below goes through pagetable_free_kernel(), every pre-free flush through
 * free_tables_flush().
 */
#include <stdlib.h>
#include <string.h>
#include "pgtable.h"

/* arch/x86/kernel/cpu/mtrr/generic.c mtrr_type_lookup(), variable ranges only:
 * the type at start, and whether [start, end) lies in one type region. */
uint8_t mtrr_type_lookup(pt_machine *m, uint64_t start, uint64_t end, uint8_t *uniform)
{
    *uniform = 1;
    if (!m->mtrr_enabled)
        return MTRR_TYPE_INVALID;
    end--;    /* make end inclusive instead of exclusive */
    int type = m->mtrr_default;
    for (int i = 0; i < m->nmtrr; i++) {
        const struct pt_mtrr_range *r = &m->mtrr[i];
        uint64_t last = r->base + r->size - 1;
        bool has_start = start >= r->base && start <= last;
        bool has_end = end >= r->base && end <= last;
        if (has_start != has_end || (start < r->base && end > last))
            *uniform = 0;
        if (has_start)
            type = r->type;
    }
    return (uint8_t)type;
}

/* arch/x86/mm/pgtable.c v4.18 pud_set_huge(): refuse a non-uniform MTRR range and a
 * populated non-leaf entry; move PAT to bit 12 and set PSE.  Returns 1 on success. */
int pud_set_huge(pt_machine *m, pud_t *pud, uint64_t addr, uint64_t prot)
{
    uint8_t mtrr, uniform;

    mtrr = mtrr_type_lookup(m, addr, addr + PUD_SIZE, &uniform);
    if ((mtrr != MTRR_TYPE_INVALID) && (!uniform) && (mtrr != MTRR_TYPE_WRBACK))
        return 0;

    /* Bail out if we are we on a populated non-leaf entry: */
    if (pud_present(*pud) && !pud_huge(*pud))
        return 0;

    prot = pgprot_4k_2_large(prot);
    set_pud(m, pud, (pud_t){ pte_val(pfn_pte(addr >> PAGE_SHIFT, prot | _PAGE_PSE)) });
    return 1;
}

/* arch/x86/mm/pgtable.c v4.18 pmd_set_huge() */
int pmd_set_huge(pt_machine *m, pmd_t *pmd, uint64_t addr, uint64_t prot)
{
    uint8_t mtrr, uniform;

    mtrr = mtrr_type_lookup(m, addr, addr + PMD_SIZE, &uniform);
    if ((mtrr != MTRR_TYPE_INVALID) && (!uniform) && (mtrr != MTRR_TYPE_WRBACK)) {
        pt_report_add(m, PT_REPORT_KERNEL_WARNING, "pmd_set_huge", 0, addr >> PAGE_SHIFT,
                      "pmd_set_huge: Cannot satisfy [mem %#010llx-%#010llx] with a huge-page "
                      "mapping due to MTRR override.", (unsigned long long)addr,
                      (unsigned long long)(addr + PMD_SIZE));
        return 0;
    }

    /* Bail out if we are we on a populated non-leaf entry: */
    if (pmd_present(*pmd) && !pmd_huge(*pmd))
        return 0;

    prot = pgprot_4k_2_large(prot);
    set_pmd(m, pmd, (pmd_t){ pte_val(pfn_pte(addr >> PAGE_SHIFT, prot | _PAGE_PSE)) });
    return 1;
}

/* arch/x86/mm/pgtable.c v4.18 pud_clear_huge(): 1 if a leaf was cleared. */
int pud_clear_huge(pt_machine *m, pud_t *pud)
{
    if (pud_large(*pud)) {
        pud_clear(m, pud);
        return 1;
    }
    return 0;
}

/* arch/x86/mm/pgtable.c v4.18 pmd_clear_huge() */
int pmd_clear_huge(pt_machine *m, pmd_t *pmd)
{
    if (pmd_large(*pmd)) {
        pmd_clear(m, pmd);
        return 1;
    }
    return 0;
}

/* include/asm-generic/pgtable.h: no 512 GiB leaves, nothing to clear. */
int p4d_clear_huge(pt_machine *m, p4d_t *p4d)
{
    (void)m; (void)p4d;
    return 0;
}

/* ---- 2025: the flush before a table is freed (knob free_flush) and the free itself
 * (knob deferred_free) ---- */

/* tlbflush.c: Jann Horn 2025 flush_tlb_kernel_pgtable_range(), exclusive end. */
void flush_tlb_kernel_pgtable_range(pt_machine *m, uint64_t start, uint64_t end);

/* The flush between clearing the entry that points to the table(s) and freeing them.
 * free_flush=one_page: v4.18 (5e0fb5df2ee8) "INVLPG to clear all paging-structure caches":
 * flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1) -- an inclusive end, one page, and
 * INVLPG drops only the *current* PCID's PSC entries.  free_flush=range_all_pcids: Jann
 * Horn's fix (LKML 2025-05-28, v1): flush_tlb_kernel_pgtable_range(addr, addr + size) with
 * an exclusive end, size PUD_SIZE in pud_free_pmd_page ("we can't just flush the first
 * PAGE_SIZE, we must flush PUD_SIZE!") and PAGE_SIZE in pmd_free_pte_page, carried out as
 * flush_tlb_all() (all PCIDs, every CPU) since ptlib has no INVLPGB. */
static void free_tables_flush(pt_machine *m, uint64_t addr, uint64_t size)
{
    if (m->prof.free_flush == PT_FREE_FLUSH_RANGE_ALL_PCIDS)
        flush_tlb_kernel_pgtable_range(m, addr, addr + size);
    else
        flush_tlb_kernel_range(m, addr, addr + PAGE_SIZE - 1);
}

static bool deferred_pending(const pt_machine *m, uint64_t pfn)
{
    if (!m->ndeferred || pfn >= m->ram_pages || m->pages[pfn].state != PT_FRAME_ALLOCATED)
        return false;
    return m->pages[pfn].lru != PT_NIL || pfn == m->deferred_tail;
}

/*
 * Freeing a kernel page-table page.  deferred_free=0: free_page() at once.  deferred_free=1:
 * v6.19, "x86/mm: Use 'ptdesc' when freeing PMD pages" (PTE tables freed with
 * pagetable_dtor_free()) + "mm: introduce deferred freeing for kernel page tables" (Dave
 * Hansen / Lu Baolu, series "Fix stale IOTLB entries for kernel address space", v7
 * 2025-10-22, upstream as of the v6.18-stable backports of Jan 2026; CONFIG_ASYNC_KERNEL_PGTABLE_FREE, selected on x86 by
 * IOMMU_SVA): pagetable_free() of a kernel table calls pagetable_free_kernel(), which
 * list_add()s the ptdesc to kernel_pgtable_work.list and schedule_work()s the worker.  The
 * frame stays allocated with its owner; it is freed by pt_run_deferred_work().  A frame
 * that is not an allocated RAM frame goes straight to free_page() (which reports it); one
 * already queued is CONFIG_DEBUG_LIST's "list_add double add".  Not confirmed from source:
 * whether v6.19's pud_free_pmd_page frees the PMD table itself through pagetable_free()
 * (deferred) or free_page() (at once); ptlib defers it as well.
 */
static void pagetable_free_kernel(pt_machine *m, uint64_t pa, int owner, int site)
{
    uint64_t pfn = pa >> PAGE_SHIFT;

    if (!m->prof.deferred_free || (pa & (PAGE_SIZE - 1)) || !pt_pa_is_ram(m, pa) ||
        m->pages[pfn].state != PT_FRAME_ALLOCATED) {
        pt_free_page(m, pa, owner, site);
        return;
    }
    if (deferred_pending(m, pfn)) {
        pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, pt_site_name(site), 0, pfn,
                      "list_add double add: %s queues pfn %#llx for deferred free twice",
                      pt_site_name(site), (unsigned long long)pfn);
        return;
    }
    struct pt_page *pg = &m->pages[pfn];
    if (owner != PT_OWNER_NONE && pg->owner != owner)   /* what free_page() would say */
        pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, pt_site_name(site), 0, pfn,
                      "BUG: Bad page state: %s frees pfn %#llx as a %s page, but it is a %s "
                      "page (allocated at op %llu by %s)", pt_site_name(site),
                      (unsigned long long)pfn, pt_owner_name(owner), pt_owner_name(pg->owner),
                      (unsigned long long)pg->alloc_op, pt_site_name(pg->alloc_site));
    /* list_add(): newest at the head */
    pg->lru = m->ndeferred ? m->deferred_head : PT_NIL;
    if (!m->ndeferred)
        m->deferred_tail = (uint32_t)pfn;
    m->deferred_head = (uint32_t)pfn;
    pg->free_site = (uint8_t)site;
    m->ndeferred++;
}

/* x86-64 4-level PAGE_OFFSET without KASLR (__PAGE_OFFSET_BASE_L4). */
#define PT_PAGE_OFFSET 0xffff888000000000ULL

/* mm/pgtable-generic.c v6.19 kernel_pgtable_work_func(): take the whole list, then
 * iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL), then __pagetable_free() each
 * frame in list order (newest first).  The stale-PSC check runs at these frees. */
int pt_run_deferred_work(pt_machine *m, uint64_t *nfreed)
{
    PT_ENTER(m);
    uint32_t head = m->deferred_head;
    uint64_t n = m->ndeferred;
    m->ndeferred = 0;                        /* list_splice_tail_init() */
    m->deferred_head = m->deferred_tail = 0;
    *nfreed = 0;
    if (n) {
        uint64_t *e = m->iommu_inval[m->niommu_inval % 64];
        e[0] = m->op;
        e[1] = PT_PAGE_OFFSET;
        e[2] = UINT64_MAX;                   /* TLB_FLUSH_ALL */
        m->niommu_inval++;
    }
    while (n--) {
        if (head >= m->ram_pages || m->pages[head].state != PT_FRAME_ALLOCATED) {
            /* freed behind the queue's back: its lru is no longer ours */
            pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, "kernel_pgtable_work_func", 0, head,
                          "BUG: Bad page state: pfn %#llx, queued for deferred free, was "
                          "freed before the worker ran (list corrupted)",
                          (unsigned long long)head);
            break;
        }
        uint32_t next = m->pages[head].lru;
        m->pages[head].lru = PT_NIL;
        pt_free_page(m, (uint64_t)head << PAGE_SHIFT, m->pages[head].owner,
                     m->pages[head].free_site);
        (*nfreed)++;
        head = next;
    }
    PT_LEAVE(m);
    return PT_OK;
}

uint64_t pt_deferred_count(const pt_machine *m) { return m->ndeferred; }

int pt_deferred_is_pending(const pt_machine *m, uint64_t pfn)
{
    return deferred_pending(m, pfn);
}

size_t pt_deferred_list(const pt_machine *m, uint64_t *pfns, size_t cap)
{
    uint32_t pfn = m->deferred_head;
    size_t n = 0;
    /* stop at a frame freed behind the queue's back: its lru is the allocator's now */
    for (uint64_t i = 0; i < m->ndeferred && pfn < m->ram_pages &&
                         m->pages[pfn].state == PT_FRAME_ALLOCATED;
         i++, pfn = m->pages[pfn].lru, n++)
        if (n < cap)
            pfns[n] = pfn;
    return n;
}

size_t pt_iommu_inval_count(const pt_machine *m) { return m->niommu_inval; }

int pt_iommu_inval_get(const pt_machine *m, size_t i, uint64_t *op, uint64_t *start,
                       uint64_t *end)
{
    size_t kept = m->niommu_inval < 64 ? m->niommu_inval : 64;
    if (i >= kept)
        return PT_EINVAL;
    const uint64_t *e = m->iommu_inval[(m->niommu_inval - kept + i) % 64];
    *op = e[0];
    *start = e[1];
    *end = e[2];
    return PT_OK;
}

/* Pause point: copy the 512 entries of the table at table_pa into the probe buffer. */
static void probe_hit(pt_machine *m, int point, uint64_t table_pa)
{
    if (m->probe_point != point || !pt_pa_is_ram(m, table_pa))
        return;
    memcpy(m->probe_entries, m->ram + table_pa, 512 * sizeof(*m->probe_entries));
    m->probe_hits++;
    m->probe_op = m->op;
    m->probe_pa = table_pa;
}

/* arch/x86/mm/pgtable.c v4.17 (28ee90fe6048 "x86/mm: implement free pmd/pte page
 * interfaces") pmd_free_pte_page(): clear the PMD entry and free the PTE table, no flush. */
static int pmd_free_pte_page_28ee90fe6048(pt_machine *m, pmd_t *pmd)
{
    uint64_t pte;

    if (pmd_none(*pmd))
        return 1;

    pte = pmd_val(*pmd) & pmd_pfn_mask(*pmd);
    pmd_clear(m, pmd);
    pagetable_free_kernel(m, pte, PT_OWNER_PTE, PT_SITE_PMD_FREE_PTE_PAGE);
    return 1;
}

/* arch/x86/mm/pgtable.c v4.17 (28ee90fe6048) pud_free_pmd_page(): free each PTE table with
 * pmd_free_pte_page(), then clear the PUD and free the PMD table; no flush, no temp page. */
static int pud_free_pmd_page_28ee90fe6048(pt_machine *m, pud_t *pud)
{
    pmd_t *pmd;
    uint64_t pmd_pa;
    int i;

    if (pud_none(*pud))
        return 1;

    pmd_pa = pud_val(*pud) & pud_pfn_mask(*pud);
    pmd = (pmd_t *)pt_va(m, pmd_pa, "pud_free_pmd_page");

    for (i = 0; i < PTRS_PER_PMD; i++)
        if (!pmd_free_pte_page_28ee90fe6048(m, &pmd[i]))
            return 0;

    pud_clear(m, pud);
    probe_hit(m, PT_PROBE_PUD_FREE_BEFORE_FREE_PMD, pmd_pa);
    pagetable_free_kernel(m, pmd_pa, PT_OWNER_PMD, PT_SITE_PUD_FREE_PMD_PAGE);
    return 1;
}

/* ---- pud_free_pmd_page strategies (profile knob pud_free, with free_tables 5e0fb5df2ee8) ----
 *
 * All three clear the PUD entry and run the single INVLPG before any table is freed, so the
 * paging-structure caches never hold a pointer to a freed table.  They differ in how the PTE
 * tables to free are remembered across the flush, which is what a software walker that
 * still holds the old PMD table pointer (and what the allocator under pressure) sees:
 *   temp_page  PMD entries saved in a temporary page, then cleared; may fail (returns 0);
 *   page_list  PMD entries cleared, PTE frames threaded on a list through struct page;
 *   no_save    PMD entries left intact until the PMD table itself is freed.
 */

/* pud_free=temp_page: arch/x86/mm/pgtable.c v4.18 (5e0fb5df2ee8 "x86/mm: Add TLB purge to
 * free pmd/pte page interfaces") pud_free_pmd_page(): remember the PMD entries in a
 * temporary GFP_KERNEL page, clear them and the PUD, one INVLPG, then free the PTE tables,
 * the temporary page and the PMD table.  0 (nothing changed) if the temporary page cannot
 * be had. */
static int pud_free_pmd_page_5e0fb5df2ee8(pt_machine *m, pud_t *pud, uint64_t addr)
{
    pmd_t *pmd, *pmd_sv;
    uint64_t sv_pa, pmd_pa;
    int i;

    if (pud_none(*pud))
        return 1;

    pmd_pa = pud_val(*pud) & pud_pfn_mask(*pud);   /* pud_page_vaddr(): no access yet */
    sv_pa = pt_get_free_page(m, PT_OWNER_TEMP, PT_SITE_PUD_FREE_PMD_PAGE, false);
    if (!sv_pa)
        return 0;
    pmd_sv = (pmd_t *)(m->ram + sv_pa);
    pmd = (pmd_t *)pt_va(m, pmd_pa, "pud_free_pmd_page");

    for (i = 0; i < PTRS_PER_PMD; i++) {
        pmd_sv[i] = pmd[i];
        if (!pmd_none(pmd[i]))
            pmd_clear(m, &pmd[i]);
    }

    pud_clear(m, pud);

    /* INVLPG to clear all paging-structure caches (free_flush: see free_tables_flush) */
    free_tables_flush(m, addr, PUD_SIZE);

    for (i = 0; i < PTRS_PER_PMD; i++) {
        if (!pmd_none(pmd_sv[i]))
            pagetable_free_kernel(m, pmd_val(pmd_sv[i]) & pmd_pfn_mask(pmd_sv[i]), PT_OWNER_PTE,
                         PT_SITE_PUD_FREE_PMD_PAGE);
    }

    pt_free_page(m, sv_pa, PT_OWNER_TEMP, PT_SITE_PUD_FREE_PMD_PAGE);
    probe_hit(m, PT_PROBE_PUD_FREE_BEFORE_FREE_PMD, pmd_pa);
    pagetable_free_kernel(m, pmd_pa, PT_OWNER_PMD, PT_SITE_PUD_FREE_PMD_PAGE);
    return 1;
}

/* pud_free=page_list: the allocation-free order proposed in Joerg Roedel's review of v3 of
 * "x86/mm: Add TLB purge to free pmd/pte page interfaces" (LKML, 2018): while clearing the
 * PMD entries, put each PTE table's struct page on a local list through page->lru (here
 * struct pt_page.lru, appended at the tail so the frees come in index order, as
 * temp_page's), clear the PUD, one INVLPG, then walk the list freeing each frame, then free
 * the PMD table.  Never allocates, never fails.
 *
 * An allocated frame's lru is PT_NIL (frames.c sets it at allocation and uses it only for
 * free frames), so a frame is on our list iff its lru is set or it is the tail.  Entries the
 * kernel could not list_add (a pfn outside RAM, a frame already free: list_add would corrupt
 * the allocator's list) go straight to free_page(), which reports them as BadPageState; a
 * frame listed twice is reported as CONFIG_DEBUG_LIST's "list_add double add". */
static int pud_free_pmd_page_page_list(pt_machine *m, pud_t *pud, uint64_t addr)
{
    pmd_t *pmd;
    uint64_t pmd_pa;
    uint32_t head = PT_NIL, tail = PT_NIL;
    int i;

    if (pud_none(*pud))
        return 1;

    pmd_pa = pud_val(*pud) & pud_pfn_mask(*pud);
    pmd = (pmd_t *)pt_va(m, pmd_pa, "pud_free_pmd_page");

    for (i = 0; i < PTRS_PER_PMD; i++) {
        if (pmd_none(pmd[i]))
            continue;
        uint64_t pte_pa = pmd_val(pmd[i]) & pmd_pfn_mask(pmd[i]);
        pmd_clear(m, &pmd[i]);
        if (!pt_pa_is_ram(m, pte_pa) || m->pages[pte_pa >> PAGE_SHIFT].state != PT_FRAME_ALLOCATED) {
            pt_free_page(m, pte_pa, PT_OWNER_PTE, PT_SITE_PUD_FREE_PMD_PAGE);
            continue;
        }
        uint32_t pfn = (uint32_t)(pte_pa >> PAGE_SHIFT);
        struct pt_page *pg = &m->pages[pfn];
        if (pg->lru != PT_NIL || pfn == tail) {
            pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, "pud_free_pmd_page", addr, pfn,
                          "list_add double add: pud_free_pmd_page lists pfn %#llx twice (two "
                          "PMD entries point to it)", (unsigned long long)pfn);
            continue;
        }
        if (tail == PT_NIL)
            head = pfn;
        else
            m->pages[tail].lru = pfn;
        tail = pfn;
    }

    pud_clear(m, pud);

    /* INVLPG to clear all paging-structure caches (free_flush: see free_tables_flush) */
    free_tables_flush(m, addr, PUD_SIZE);

    while (head != PT_NIL) {            /* list_for_each_entry_safe(): next before the free */
        uint32_t next = m->pages[head].lru;
        m->pages[head].lru = PT_NIL;    /* list_del() */
        pagetable_free_kernel(m, (uint64_t)head << PAGE_SHIFT, PT_OWNER_PTE,
                              PT_SITE_PUD_FREE_PMD_PAGE);
        head = next;
    }

    probe_hit(m, PT_PROBE_PUD_FREE_BEFORE_FREE_PMD, pmd_pa);
    pagetable_free_kernel(m, pmd_pa, PT_OWNER_PMD, PT_SITE_PUD_FREE_PMD_PAGE);
    return 1;
}

/* pud_free=no_save: the simplest allocation-free order: clear the PUD, one INVLPG, then read
 * the still-intact PMD table to free its PTE tables, then free it.  Safe for the MMU (no
 * CPU can reach the PMD table after the flush), but between the PTE frees and the PMD free
 * a software walker holding the old PMD pointer reads entries to freed frames. */
static int pud_free_pmd_page_no_save(pt_machine *m, pud_t *pud, uint64_t addr)
{
    pmd_t *pmd;
    uint64_t pmd_pa;
    int i;

    if (pud_none(*pud))
        return 1;

    pmd_pa = pud_val(*pud) & pud_pfn_mask(*pud);
    pmd = (pmd_t *)pt_va(m, pmd_pa, "pud_free_pmd_page");

    pud_clear(m, pud);

    /* INVLPG to clear all paging-structure caches (free_flush: see free_tables_flush) */
    free_tables_flush(m, addr, PUD_SIZE);

    for (i = 0; i < PTRS_PER_PMD; i++) {
        if (!pmd_none(pmd[i]))
            pagetable_free_kernel(m, pmd_val(pmd[i]) & pmd_pfn_mask(pmd[i]), PT_OWNER_PTE,
                         PT_SITE_PUD_FREE_PMD_PAGE);
    }

    probe_hit(m, PT_PROBE_PUD_FREE_BEFORE_FREE_PMD, pmd_pa);
    pagetable_free_kernel(m, pmd_pa, PT_OWNER_PMD, PT_SITE_PUD_FREE_PMD_PAGE);
    return 1;
}

int pt_probe_set(pt_machine *m, int point)
{
    if (point != PT_PROBE_NONE && point != PT_PROBE_PUD_FREE_BEFORE_FREE_PMD)
        return PT_EINVAL;
    if (point != PT_PROBE_NONE && !m->probe_entries &&
        !(m->probe_entries = calloc(512, sizeof(*m->probe_entries))))
        return PT_ENOMEM;
    m->probe_point = point;
    m->probe_hits = m->probe_op = m->probe_pa = 0;
    if (m->probe_entries)
        memset(m->probe_entries, 0, 512 * sizeof(*m->probe_entries));
    return PT_OK;
}

uint64_t pt_probe_get(const pt_machine *m, uint64_t *op, uint64_t *table_pa,
                      uint64_t *entries512)
{
    *op = m->probe_op;
    *table_pa = m->probe_pa;
    if (m->probe_entries)
        memcpy(entries512, m->probe_entries, 512 * sizeof(*m->probe_entries));
    else
        memset(entries512, 0, 512 * sizeof(*entries512));
    return m->probe_hits;
}

/* arch/x86/mm/pgtable.c v4.18 (5e0fb5df2ee8) pmd_free_pte_page(): clear, one INVLPG, free. */
static int pmd_free_pte_page_5e0fb5df2ee8(pt_machine *m, pmd_t *pmd, uint64_t addr)
{
    uint64_t pte;

    if (pmd_none(*pmd))
        return 1;

    pte = pmd_val(*pmd) & pmd_pfn_mask(*pmd);
    pmd_clear(m, pmd);

    /* INVLPG to clear all paging-structure caches (free_flush: see free_tables_flush) */
    free_tables_flush(m, addr, PAGE_SIZE);

    pagetable_free_kernel(m, pte, PT_OWNER_PTE, PT_SITE_PMD_FREE_PTE_PAGE);
    return 1;
}

/* The profile picks which version of the pair runs (its free_tables knob) and, for the
 * v4.18 pud_free_pmd_page, which strategy (its pud_free knob; no effect on v4.17). */
int pud_free_pmd_page(pt_machine *m, pud_t *pud, uint64_t addr)
{
    if (m->prof.free_tables == PT_FREE_28EE90FE6048)
        return pud_free_pmd_page_28ee90fe6048(m, pud);
    switch (m->prof.pud_free) {      /* the 5e0fb5df2ee8 version: its pud_free strategy */
    case PT_PUD_FREE_PAGE_LIST:
        return pud_free_pmd_page_page_list(m, pud, addr);
    case PT_PUD_FREE_NO_SAVE:
        return pud_free_pmd_page_no_save(m, pud, addr);
    default:
        return pud_free_pmd_page_5e0fb5df2ee8(m, pud, addr);
    }
}

int pmd_free_pte_page(pt_machine *m, pmd_t *pmd, uint64_t addr)
{
    if (m->prof.free_tables == PT_FREE_28EE90FE6048)
        return pmd_free_pte_page_28ee90fe6048(m, pmd);
    return pmd_free_pte_page_5e0fb5df2ee8(m, pmd, addr);
}

int pt_mtrr_add(pt_machine *m, uint64_t base, uint64_t size, int type)
{
    if (m->nmtrr >= PT_MAX_MTRR || size == 0 || base + size < base)
        return PT_EINVAL;
    m->mtrr[m->nmtrr++] = (struct pt_mtrr_range){ base, size, type };
    m->mtrr_enabled = 1;
    return PT_OK;
}

void pt_mtrr_set_default(pt_machine *m, int type, int enabled)
{
    m->mtrr_default = type;
    m->mtrr_enabled = enabled;
}
