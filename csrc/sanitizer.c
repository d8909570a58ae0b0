/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sanitizer.c - ptlib's page-table sanitizer.
 *
 * 1. Hazard analysis at free time (exact, timing-independent).  A table frame F may be in
 *    the paging-structure cache of slot (cpu, pcid) iff F was reachable from the root through
 *    present non-leaf entries at some moment while that PCID was active on that CPU, after
 *    the slot's last PSC invalidation that covers F.  Bookkeeping:
 *    - a global epoch, advanced by every event the analysis looks at;
 *    - per frame, the epochs in which it was reachable (eagerly maintained: linking an entry
 *      makes the child's subtree reachable, clearing it ends the subtree's reachability;
 *      kernel table pages are linked empty, so this is O(1) per step in practice and
 *      O(512) when a PUD with live children is cleared);
 *    - per slot, its active intervals since its last full PSC invalidation, and the
 *      covering invalidations (INVLPG in "covering" mode, INVPCID type 0, page faults) since.
 *    At a free: for each slot, the latest epoch at which F was reachable while the slot was
 *    active; a hazard unless a covering invalidation came at or after it.  O(slots), no scan
 *    of frames.
 * 2. StaleTlbEntry: removed kernel leaves (global) are kept per CPU until that CPU flushes
 *    the page (INVLPG, page fault) or everything (CR4.PGE toggle, INVPCID type 2); a CR3
 *    write does not drop global entries.  Mapping a leaf over such a range is reported.
 * 3. PageTableUseAfterFree: a walk that reads an entry from a frame that is free or not a
 *    table of the expected level is reported, KASAN-style, with the frame's history.
 * 4. BadPageState (at free: still linked, wrong owner, double free - frames.c) and
 *    PageTableLeak (on demand: allocated table frames that are not reachable).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pgtable.h"
#include "util.h"

#define OPEN UINT64_MAX

static const char *level_table_name(int level)
{
    switch (level) {
    case PT_LEVEL_PGD: return "pgd";
    case PT_LEVEL_PUD: return "pud";
    case PT_LEVEL_PMD: return "pmd";
    case PT_LEVEL_PTE: return "pte";
    default: return "?";
    }
}

static const char *psc_name(int s)
{
    static const char *const n[] = { "PML4E", "PDPTE", "PDE" };
    return (s >= 0 && s < 3) ? n[s] : NULL;
}


static uint64_t sign_extend47(uint64_t va) { return (uint64_t)((int64_t)(va << 16) >> 16); }


/* The table an entry at `level` points to, or OPEN (leaf, not present, or the PTE level). */
static uint64_t table_target(uint64_t e, int level)
{
    if (level == PT_LEVEL_PTE || !(e & _PAGE_PRESENT))
        return OPEN;
    if ((level == PT_LEVEL_PUD || level == PT_LEVEL_PMD) && (e & _PAGE_PSE))
        return OPEN;
    return e & PTE_PFN_MASK;
}

static int is_leaf(uint64_t e, int level)
{
    if (!(e & _PAGE_PRESENT))
        return 0;
    return level == PT_LEVEL_PTE ||
           ((level == PT_LEVEL_PUD || level == PT_LEVEL_PMD) && (e & _PAGE_PSE));
}

/* ---- the event log (tests re-derive the analysis from it by brute force) ---- */

void san_event(pt_machine *m, int kind, int cpu, uint32_t pcid, int level, uint64_t a,
               uint64_t b, uint64_t c)
{
    if (!m->san.record)
        return;
    if (pt_grow(m->san.events, m->san.cap_events, m->san.nevents + 1, 256))
        return;
    m->san.events[m->san.nevents++] = (pt_event){ kind, cpu, level, pcid, a, b, c };
}

size_t pt_event_count(const pt_machine *m) { return m->san.nevents; }

size_t pt_events_get(const pt_machine *m, size_t first, pt_event *out, size_t n)
{
    size_t k = 0;
    for (; k < n && first + k < m->san.nevents; k++)
        out[k] = m->san.events[first + k];
    return k;
}

/* ---- reachability ---- */

static void reach(pt_machine *m, uint64_t pfn, int level, uint64_t va)
{
    struct pt_page *pg = &m->pages[pfn];
    if (pg->nlinks++)
        return;         /* already reachable through another entry */
    pg->reach_start = m->san.epoch;
    pg->link_level = (uint8_t)level;
    pg->link_va = va;
    if (level == PT_LEVEL_PTE)
        return;
    const uint64_t *t = (const uint64_t *)(m->ram + (pfn << PAGE_SHIFT));
    for (int i = 0; i < 512; i++) {
        uint64_t c = table_target(t[i], level);
        if (c != OPEN && pt_pa_is_ram(m, c))
            reach(m, c >> PAGE_SHIFT, pt_child_level(level),
                  sign_extend47(va + ((uint64_t)i << pt_level_shift(level))));
    }
}

static void unreach(pt_machine *m, uint64_t pfn)
{
    struct pt_page *pg = &m->pages[pfn];
    if (!pg->nlinks || --pg->nlinks)
        return;         /* not linked, or still reachable through another entry */
    if (!pt_grow(pg->riv, pg->cap_riv, pg->nriv * 3 + 3, 8)) {
        if (pfn >= m->san.riv_limit)     /* a never-allocated frame can be linked too */
            m->san.riv_limit = pfn + 1;
        pg->riv[pg->nriv * 3] = pg->reach_start;
        pg->riv[pg->nriv * 3 + 1] = m->san.epoch;
        pg->riv[pg->nriv * 3 + 2] = pg->link_va;
        pg->nriv++;
    }
    pg->reach_start = 0;
    pg->unlink_op = m->op;
    if (pg->link_level == PT_LEVEL_PTE)
        return;
    const uint64_t *t = (const uint64_t *)(m->ram + (pfn << PAGE_SHIFT));
    for (int i = 0; i < 512; i++) {
        uint64_t c = table_target(t[i], pg->link_level);
        if (c != OPEN && pt_pa_is_ram(m, c))
            unreach(m, c >> PAGE_SHIFT);
    }
}

void san_root(pt_machine *m, uint64_t pfn)
{
    struct pt_page *pg = &m->pages[pfn];
    pg->reach_start = ++m->san.epoch;
    pg->nlinks = 1;
    pg->link_level = PT_LEVEL_PGD;
    pg->link_va = 0;
    san_event(m, PT_EV_ROOT, -1, 0, PT_LEVEL_PGD, pfn, 0, 0);
}

void __san_frame_alloc(pt_machine *m, uint64_t pfn, bool zero)
{
    struct pt_page *pg = &m->pages[pfn];
    pg->reach_start = 0;
    pg->nlinks = 0;
    pg->nriv = 0;
    pg->link_level = 0;
    pg->uaf_reported = 0;
    san_event(m, PT_EV_ALLOC, -1, 0, 0, pfn, pg->owner, zero);
}

/* ---- StaleTlbEntry: removed leaves not yet flushed on every CPU ---- */

static uint64_t all_cpus(const pt_machine *m)
{
    return m->hw.ncpus >= 64 ? ~0ULL : (1ULL << m->hw.ncpus) - 1;
}

static void pend_push(pt_machine *m, struct pt_tlb_pending p)
{
    if (pt_grow(m->san.pend, m->san.cap_pend, m->san.npend + 1, 16))
        return;
    m->san.pend[m->san.npend++] = p;
    m->k.san_pending = 1;
}

static void pend_compact(pt_machine *m)
{
    size_t j = 0;
    for (size_t i = 0; i < m->san.npend; i++)
        if (m->san.pend[i].mask)
            m->san.pend[j++] = m->san.pend[i];
    m->san.npend = j;
    m->k.san_pending = j != 0;
}

static void tlb_pending_add(pt_machine *m, uint64_t va, uint64_t size)
{
    uint64_t mask = all_cpus(m);
    if (m->san.npend) {
        struct pt_tlb_pending *l = &m->san.pend[m->san.npend - 1];
        if (l->end == va && l->size == size && l->mask == mask && l->op == m->op) {
            l->end = va + size;
            return;
        }
    }
    pend_push(m, (struct pt_tlb_pending){ va, va + size, size, mask, m->op });
}

static void tlb_pending_check(pt_machine *m, uint64_t va, uint64_t size)
{
    for (size_t i = 0; i < m->san.npend; i++) {
        struct pt_tlb_pending *p = &m->san.pend[i];
        if (!p->mask || va >= p->end || va + size <= p->start)
            continue;
        int cpu = __builtin_ctzll(p->mask);
        pt_report_add_cpu(m, PT_REPORT_STALE_TLB, cpu, "set_pte", va, 0,
                          "StaleTlbEntry: va %#llx mapped again while CPU %d may still hold a "
                          "TLB entry of the %llu KiB leaf removed at op %llu from "
                          "[%#llx, %#llx) (no INVLPG of that page or full flush on CPUs mask "
                          "%#llx since)", (unsigned long long)va, cpu,
                          (unsigned long long)(p->size >> 10), (unsigned long long)p->op,
                          (unsigned long long)p->start, (unsigned long long)p->end,
                          (unsigned long long)p->mask);
        p->mask = 0;     /* one report per removed run */
    }
    pend_compact(m);
}

void __san_tlb_flush_page(pt_machine *m, int cpu, uint64_t va)
{
    uint64_t bit = 1ULL << cpu;
    size_t n = m->san.npend;
    for (size_t i = 0; i < n; i++) {
        struct pt_tlb_pending p = m->san.pend[i];
        if (!(p.mask & bit) || va < p.start || va >= p.end)
            continue;
        uint64_t ls = va & ~(p.size - 1), le = ls + p.size;
        m->san.pend[i].end = ls;                       /* [start, ls) keeps its mask */
        if (ls == p.start)
            m->san.pend[i].mask = 0;
        pend_push(m, (struct pt_tlb_pending){ ls, le, p.size, p.mask & ~bit, p.op });
        if (le < p.end)
            pend_push(m, (struct pt_tlb_pending){ le, p.end, p.size, p.mask, p.op });
    }
    pend_compact(m);
}

void __san_tlb_flush_cpu(pt_machine *m, int cpu)
{
    for (size_t i = 0; i < m->san.npend; i++)
        m->san.pend[i].mask &= ~(1ULL << cpu);
    pend_compact(m);
}

/* ---- entry writes ---- */

/* A PTE never points to a table: only the removed/new leaf bookkeeping matters.  The hot
 * case (vunmap clearing a run of PTEs) extends the last pending run in place. */
void san_pte_write(pt_machine *m, void *ptr, uint64_t old, uint64_t val)
{
    uint64_t pa = pt_pa_of(m, ptr);
    const struct pt_page *fp = &m->pages[pa >> PAGE_SHIFT];
    if (!fp->reach_start)
        return;
    uint64_t va = sign_extend47(fp->link_va + ((pa & (PAGE_SIZE - 1)) << 9));
    if (old & _PAGE_PRESENT) {
        struct pt_tlb_pending *l = m->san.npend ? &m->san.pend[m->san.npend - 1] : NULL;
        if (l && l->end == va && l->size == PAGE_SIZE && l->op == m->op &&
            l->mask == all_cpus(m))
            l->end = va + PAGE_SIZE;
        else
            tlb_pending_add(m, va, PAGE_SIZE);
    }
    if ((val & _PAGE_PRESENT) && m->san.npend)
        tlb_pending_check(m, va, PAGE_SIZE);
}

void san_entry_write(pt_machine *m, void *ptr, int level, uint64_t old, uint64_t val)
{
    if (old == val)
        return;
    if (level == PT_LEVEL_PTE && !m->san.record) {
        san_pte_write(m, ptr, old, val);
        return;
    }
    uint64_t pa = pt_pa_of(m, ptr);
    struct pt_page *fp = &m->pages[pa >> PAGE_SHIFT];
    uint64_t oc = table_target(old, level), nc = table_target(val, level);
    m->san.epoch++;
    san_event(m, PT_EV_WRITE, -1, 0, level, pa, old, val);
    if (!fp->reach_start)
        return;         /* an unreachable table's entries link nothing */
    if (oc != OPEN && oc != nc && pt_pa_is_ram(m, oc))
        unreach(m, oc >> PAGE_SHIFT);
    uint64_t va = sign_extend47(fp->link_va + (((pa & (PAGE_SIZE - 1)) >> 3) << pt_level_shift(level)));
    if (nc != OPEN && nc != oc && pt_pa_is_ram(m, nc))
        reach(m, nc >> PAGE_SHIFT, pt_child_level(level), va);
    uint64_t size = 1ULL << pt_level_shift(level);
    if (is_leaf(old, level))
        tlb_pending_add(m, va, size);
    if (is_leaf(val, level) && m->san.npend)
        tlb_pending_check(m, va, size);
}

/* ---- slots ---- */

static struct pt_slot *slot_find(pt_machine *m, int cpu, uint32_t pcid)
{
    struct pt_cpu *c = &m->hw.cpus[cpu];
    for (uint32_t i = 0; i < c->nslots; i++)
        if (c->slots[i].pcid == pcid)
            return &c->slots[i];
    return NULL;
}

static void slot_open(struct pt_slot *s, uint64_t epoch)
{
    if (!pt_grow(s->iv, s->cap_iv, s->niv * 2 + 2, 8)) {
        s->iv[s->niv * 2] = epoch;
        s->iv[s->niv * 2 + 1] = OPEN;
        s->niv++;
    }
}

static void slot_reset(struct pt_slot *s)
{
    s->niv = 0;
    s->ncov = 0;
}

void __san_slot_switch(pt_machine *m, int cpu, uint32_t pcid, int flush)
{
    struct pt_cpu *c = &m->hw.cpus[cpu];
    m->san.epoch++;
    san_event(m, PT_EV_SLOT, cpu, pcid, 0, 0, (uint64_t)flush, 0);
    if (c->nslots) {
        struct pt_slot *cur = &c->slots[c->cur_slot];
        if (cur->niv && cur->iv[cur->niv * 2 - 1] == OPEN)
            cur->iv[cur->niv * 2 - 1] = m->san.epoch;
    }
    struct pt_slot *s = slot_find(m, cpu, pcid);
    if (!s) {
        if (pt_grow(c->slots, c->cap_slots, c->nslots + 1, 8))
            return;
        s = &c->slots[c->nslots++];
        memset(s, 0, sizeof(*s));
        s->pcid = pcid;
    }
    if (flush)
        slot_reset(s);
    slot_open(s, m->san.epoch);
    c->cur_slot = (uint32_t)(s - c->slots);
}

static void slot_flush(pt_machine *m, int cpu, struct pt_slot *s)
{
    struct pt_cpu *c = &m->hw.cpus[cpu];
    int active = c->nslots && &c->slots[c->cur_slot] == s;
    slot_reset(s);
    if (active)
        slot_open(s, m->san.epoch);
}

void __san_psc_flush_slot(pt_machine *m, int cpu, uint32_t pcid)
{
    m->san.epoch++;
    san_event(m, PT_EV_FLUSH_SLOT, cpu, pcid, 0, 0, 0, 0);
    struct pt_slot *s = slot_find(m, cpu, pcid);
    if (s)
        slot_flush(m, cpu, s);
}

void __san_psc_flush_cpu(pt_machine *m, int cpu)
{
    m->san.epoch++;
    san_event(m, PT_EV_FLUSH_CPU, cpu, 0, 0, 0, 0, 0);
    struct pt_cpu *c = &m->hw.cpus[cpu];
    for (uint32_t i = 0; i < c->nslots; i++)
        slot_flush(m, cpu, &c->slots[i]);
}

void __san_psc_cover(pt_machine *m, int cpu, uint32_t pcid, uint64_t va)
{
    m->san.epoch++;
    san_event(m, PT_EV_COVER, cpu, pcid, 0, va, 0, 0);
    struct pt_slot *s = slot_find(m, cpu, pcid);
    if (!s || !s->niv)
        return;
    if (!pt_grow(s->cov, s->cap_cov, s->ncov * 2 + 2, 8)) {
        s->cov[s->ncov * 2] = va;
        s->cov[s->ncov * 2 + 1] = m->san.epoch;
        s->ncov++;
    }
}

static int covered_after(const struct pt_slot *s, uint64_t t_end, uint64_t lo, uint64_t hi)
{
    for (uint32_t k = s->ncov; k-- > 0;) {
        uint64_t va = s->cov[2 * k], ep = s->cov[2 * k + 1];
        if (ep < t_end)
            break;
        if (va >= lo && va <= hi)
            return 1;
    }
    return 0;
}

/* May slot s hold a PSC entry pointing to the frame?  For each interval in which the frame
 * was reachable (linked at some va): the latest epoch it overlapped an active interval of
 * the slot, unless an invalidation covering that va came at or after it.  (Full
 * invalidations already emptied the slot's interval list.) */
static int slot_may_hold(const struct pt_page *pg, const struct pt_slot *s, uint64_t now)
{
    uint64_t span = 1ULL << (pt_level_shift(pg->link_level) + 9);
    for (uint32_t i = 0; i <= pg->nriv; i++) {
        uint64_t a, b, va;
        if (i < pg->nriv) {
            a = pg->riv[3 * i];
            b = pg->riv[3 * i + 1];
            va = pg->riv[3 * i + 2];
        } else if (pg->reach_start) {
            a = pg->reach_start;
            b = now + 1;
            va = pg->link_va;
        } else {
            break;
        }
        uint64_t best = 0;
        for (uint32_t j = 0; j < s->niv; j++) {
            uint64_t c = s->iv[2 * j], d = s->iv[2 * j + 1];
            uint64_t lo = a > c ? a : c, hi = b < d ? b : d;
            if (lo < hi && hi > best)
                best = hi;
        }
        if (best && !covered_after(s, best, va, va + (span - 1)))
            return 1;
    }
    return 0;
}

void __san_frame_free(pt_machine *m, uint64_t pfn, int site)
{
    struct pt_page *pg = &m->pages[pfn];
    m->san.epoch++;
    san_event(m, PT_EV_FREE, -1, 0, 0, pfn, 0, 0);
    if (pg->reach_start) {
        pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, pt_site_name(site), pg->link_va, pfn,
                      "BUG: Bad page state: %s frees pfn %#llx, a %s table that is still "
                      "linked (reachable from the root, covering va %#llx)",
                      pt_site_name(site), (unsigned long long)pfn,
                      level_table_name(pg->link_level), (unsigned long long)pg->link_va);
        pg->nlinks = 1;         /* its content is about to be poisoned: unlink it for good */
        unreach(m, pfn);
    }
    if (!pg->nriv)
        return;
    for (int c = 0; c < m->hw.ncpus; c++) {
        struct pt_cpu *cpu = &m->hw.cpus[c];
        for (uint32_t i = 0; i < cpu->nslots; i++) {
            const struct pt_slot *s = &cpu->slots[i];
            if (!slot_may_hold(pg, s, m->san.epoch))
                continue;
            const char *cache = pg->link_level == PT_LEVEL_PUD ? "PML4E"
                                : pg->link_level == PT_LEVEL_PMD ? "PDPTE" : "PDE";
            pt_report_add_cpu(m, PT_REPORT_STALE_PSC, c, pt_site_name(site), pg->link_va, pfn,
                              "StalePagingStructureCache: %s frees pfn %#llx, a %s table "
                              "(allocated at op %llu by %s, unlinked at op %llu), while CPU %d "
                              "PCID %u may still hold a %s-cache entry pointing to it for va "
                              "%#llx: it was reachable while that PCID was active and no "
                              "paging-structure-cache invalidation on that CPU followed",
                              pt_site_name(site), (unsigned long long)pfn,
                              level_table_name(pg->link_level),
                              (unsigned long long)pg->alloc_op, pt_site_name(pg->alloc_site),
                              (unsigned long long)pg->unlink_op, c, s->pcid, cache,
                              (unsigned long long)pg->link_va);
        }
    }
}

/* ---- use after free on a walk ---- */

void san_report_uaf(pt_machine *m, int cpu, uint64_t va, uint64_t bad_pfn, int bad_level,
                    int psc_level, int faulted, uint64_t pa)
{
    struct pt_page *pg = &m->pages[bad_pfn];
    if (pg->uaf_reported)
        return;
    pg->uaf_reported = 1;
    char hist[256], path[96], result[96];
    int reused = pg->state == PT_FRAME_ALLOCATED;
    int t_owner = reused ? pg->prev_owner : pg->owner;
    uint64_t t_op = reused ? pg->prev_alloc_op : pg->alloc_op;
    int t_site = reused ? pg->prev_alloc_site : pg->alloc_site;
    if (pg->state == PT_FRAME_RESERVED)
        snprintf(hist, sizeof(hist), "the frame is reserved");
    else if (reused)
        snprintf(hist, sizeof(hist),
                 "allocated as %s at op %llu by %s; freed at op %llu by %s; reused as %s at "
                 "op %llu by %s", pt_owner_name(t_owner), (unsigned long long)t_op,
                 pt_site_name(t_site), (unsigned long long)pg->free_op,
                 pt_site_name(pg->free_site), pt_owner_name(pg->owner),
                 (unsigned long long)pg->alloc_op, pt_site_name(pg->alloc_site));
    else
        snprintf(hist, sizeof(hist), "allocated as %s at op %llu by %s; freed at op %llu by %s",
                 pt_owner_name(t_owner), (unsigned long long)t_op, pt_site_name(t_site),
                 (unsigned long long)pg->free_op, pt_site_name(pg->free_site));
    if (psc_name(psc_level))
        snprintf(path, sizeof(path), "through its %s-cache entry for va %#llx",
                 psc_name(psc_level), (unsigned long long)va);
    else
        snprintf(path, sizeof(path), "from memory (no paging-structure-cache hit)");
    if (faulted)
        snprintf(result, sizeof(result), "a page fault");
    else
        snprintf(result, sizeof(result), "va %#llx -> pa %#llx", (unsigned long long)va,
                 (unsigned long long)pa);
    pt_report_add_cpu(m, PT_REPORT_UAF, cpu, "walk", va, bad_pfn,
                      "BUG: page-table use-after-free: CPU %d read a %s entry of va %#llx "
                      "from pfn %#llx %s, but the frame is %s (%s). Translation produced: %s",
                      cpu, level_table_name(bad_level), (unsigned long long)va,
                      (unsigned long long)bad_pfn, path,
                      reused ? "owned by something else" : "free", hist, result);
}

/* ---- leaks (on demand) ---- */

static void mark(const pt_machine *m, uint64_t pa, int level, uint8_t *seen)
{
    if (!pt_pa_is_ram(m, pa))
        return;
    uint64_t pfn = pa >> PAGE_SHIFT;
    if (seen[pfn >> 3] & (1u << (pfn & 7)))
        return;
    seen[pfn >> 3] |= (uint8_t)(1u << (pfn & 7));
    if (level == PT_LEVEL_PTE)
        return;
    const uint64_t *t = (const uint64_t *)(m->ram + pa);
    for (int i = 0; i < 512; i++) {
        uint64_t c = table_target(t[i], level);
        if (c != OPEN)
            mark(m, c, pt_child_level(level), seen);
    }
}

/* A frame the kernel keeps on a list (its struct page's lru / ptdesc's pt_list is linked):
 * it is held, not leaked (the v6.19 worker's queue). */
static int pt_page_on_kernel_list(const pt_machine *m, uint64_t pfn)
{
    const struct list_head *l = &m->k.mem_map[pfn].lru;
    return l->next && l->next != l && l->next != (const struct list_head *)0x100;
}

size_t pt_check_leaks(pt_machine *m)
{
    uint8_t *seen = calloc((m->ram_pages + 7) / 8, 1);
    if (!seen)
        return 0;
    mark(m, m->pgd_pa, PT_LEVEL_PGD, seen);
    size_t n = 0;
    for (uint64_t pfn = 1; pfn < m->alloc.next_fresh; pfn++) {
        const struct pt_page *pg = &m->pages[pfn];
        if (pg->state != PT_FRAME_ALLOCATED || pg->owner < PT_OWNER_PGD ||
            pg->owner > PT_OWNER_PTE || (seen[pfn >> 3] & (1u << (pfn & 7))) ||
            pt_page_on_kernel_list(m, pfn))     /* e.g. queued for the v6.19 worker */
            continue;
        pt_report_add(m, PT_REPORT_LEAK, "check_leaks", 0, pfn,
                      "PageTableLeak: pfn %#llx, a %s table allocated at op %llu by %s, is "
                      "not reachable from the root and not pending free",
                      (unsigned long long)pfn, pt_owner_name(pg->owner),
                      (unsigned long long)pg->alloc_op, pt_site_name(pg->alloc_site));
        n++;
    }
    free(seen);
    return n;
}

void san_free(pt_machine *m)
{
    if (m->pages)
        for (uint64_t i = 0; i < m->alloc.next_fresh || i < m->san.riv_limit; i++)
            free(m->pages[i].riv);
    for (int c = 0; c < m->hw.ncpus; c++) {
        for (uint32_t i = 0; i < m->hw.cpus[c].nslots; i++) {
            free(m->hw.cpus[c].slots[i].iv);
            free(m->hw.cpus[c].slots[i].cov);
        }
        free(m->hw.cpus[c].slots);
    }
    free(m->san.pend);
    free(m->san.events);
}
