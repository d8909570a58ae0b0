/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * frames.c - emulated RAM and the page allocator (the buddy allocator at page granularity,
 * with struct page metadata).
 *
 * RAM is one host arena: physical address pa lives at ram + pa.  Frame 0 is reserved (no
 * table ever sits at physical 0).  Never-used frames are handed out in ascending order;
 * freed frames go on a LIFO list linked through their metadata (like the per-CPU page lists:
 * the most recently freed frame is reused first, the worst case for stale pointers).
 * Freed frames are poisoned with PAGE_POISON (0xaa), as CONFIG_PAGE_POISONING does.
 *
 * Allocator policies (pt_alloc_policy_set; the free list is singly linked through lru with
 * head and tail, nothing is allocated on the hot path):
 *   LIFO        push and pop at the head (the default, described above);
 *   FIFO        push at the tail, pop at the head: the oldest freed frame comes back first;
 *   RANDOM      pop a uniformly chosen frame of the free list (seeded splitmix64; O(free)
 *               walk); as with the others, freed frames are reused before fresh ones;
 *   QUARANTINE  a freed frame first waits in a FIFO queue (linked through lru too) of at
 *               most N frames, KASAN-like; the (N+1)-th free releases the oldest onto the
 *               (LIFO) free list.  Under memory pressure (no free nor fresh frame) the
 *               oldest quarantined frame is released (quarantine_reduce), so the RAM limit
 *               is the same as without quarantine.
 *
 * Fault injection (should_fail_alloc_page): after pt_fail_nth's countdown (ptlib's own
 * knob: every attempt counts, whatever the site and the filters), each attempt goes
 * through fail_page_alloc's filters and then should_fail() with size 1 << order (pages) as
 * in lib/fault-inject.c, in one of two orders (pt_fault_attr.v4_18_order):
 *   v6.x:  the task fail-nth (site filter first), probability == 0, times == 0, the site
 *          filter (the analog of the stack-trace filter: require/reject), space, interval,
 *          the probability roll;
 *   v4.18: the task fail-nth (no site filter), probability == 0, times == 0, space,
 *          interval, the probability roll, the site filter (until the 2022 change; still so in v6.1).
 * Every ptlib allocation is order 0 and GFP_KERNEL (may sleep), data pages GFP_HIGHUSER:
 * with the kernel's defaults (min_order 1, ignore_gfp_wait Y) nothing is ever failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pgtable.h"
#include "util.h"

#define PAGE_POISON 0xaa

/* The gfp mask of each allocation site: order 0, GFP_KERNEL (__GFP_DIRECT_RECLAIM: may
 * sleep); the test helper's data pages are GFP_HIGHUSER (also __GFP_HIGHMEM). */
int pt_site_gfp(int site, uint32_t *order, int *may_sleep, int *highmem)
{
    if (site < 0 || site >= PT_NR_SITES)
        return PT_EINVAL;
    *order = 0;
    *may_sleep = 1;
    *highmem = site == PT_SITE_ALLOC_PAGE;
    return PT_OK;
}


/* fail_dump(): with verbose, one log entry naming the site (the attr as it was). */
static void fail_dump(pt_machine *m, int site)
{
    pt_fault_attr *a = &m->faults.fattr;
    if (a->verbose <= 0)
        return;
    if (!m->faults.flog && !(m->faults.flog = calloc(PT_FAULT_LOG_SIZE, sizeof(*m->faults.flog))))
        return;         /* out of host memory: no log, like a printk that was dropped */
    struct pt_fault_log *e = &m->faults.flog[m->faults.finfo.logged % PT_FAULT_LOG_SIZE];
    e->op = m->op;
    e->interval = a->interval;
    e->probability = a->probability;
    e->times = a->times;
    e->space = a->space;
    e->site = (uint8_t)site;
    e->verbose = (uint8_t)a->verbose;
    m->faults.finfo.logged++;
}

static bool fail_stacktrace(const pt_fault_attr *a, int site)
{
    uint32_t bit = 1u << site;
    if (a->reject_sites & bit)
        return false;
    return !a->require_sites || (a->require_sites & bit);
}

/* should_fail_ex(attr, size, 0): lib/fault-inject.c; v4_18_order: should_fail() as it was
 * up to v6.1 at least (v4.18), where fail_stacktrace() came last and fail-nth did not consult it. */
static bool should_fail(pt_machine *m, int64_t size, int site)
{
    pt_fault_attr *a = &m->faults.fattr;
    bool stack_checked = false;
    bool v4_18 = a->v4_18_order != 0;

    if (a->task_fail_nth) {              /* in_task(): current->fail_nth */
        if (!v4_18 && !fail_stacktrace(a, site))
            return false;
        stack_checked = true;
        if (--a->task_fail_nth == 0)
            goto fail;
        return false;
    }
    if (a->probability == 0)             /* no need to check the rest */
        return false;
    if (a->times == 0)
        return false;
    if (!v4_18 && !stack_checked && !fail_stacktrace(a, site))
        return false;
    if (a->space > size) {
        a->space -= size;
        return false;
    }
    if (a->interval > 1) {
        a->count++;
        if (a->count % a->interval)
            return false;
    }
    if (a->probability <= pt_splitmix64(&a->rng) % 100)
        return false;
    if (v4_18 && !fail_stacktrace(a, site))
        return false;
fail:
    fail_dump(m, site);
    if (a->times != -1 && a->times != 0)
        a->times--;                      /* atomic_dec_not_zero */
    m->faults.finfo.injected++;
    return true;
}

/* mm/fail_page_alloc.c __should_fail_alloc_page(gfp_mask, order). */
static bool should_fail_alloc_page(pt_machine *m, int site)
{
    uint32_t order = 0;
    int may_sleep = 1, highmem = 0;
    pt_fault_attr *a = &m->faults.fattr;

    if (!a->task_fail_nth && !a->probability)   /* static key off: the fast path */
        return false;
    pt_site_gfp(site, &order, &may_sleep, &highmem);
    if (order < a->min_order)
        return false;
    if (a->ignore_gfp_highmem && highmem)
        return false;
    if (a->ignore_gfp_wait && may_sleep)
        return false;
    return should_fail(m, (int64_t)1 << order, site);   /* 1 << order: pages, as the kernel */
}

static void note_failure(pt_machine *m, int site, int reason)
{
    m->alloc.stats.failed++;
    m->faults.finfo.last_failed_site = site;
    m->faults.finfo.last_failed_reason = reason;
    m->faults.finfo.last_failed_op = m->op;
}

/* Put a frame on the free list according to the policy. */
static void free_list_push(pt_machine *m, uint32_t pfn)
{
    if (m->alloc.free_head == PT_NIL) {
        m->pages[pfn].lru = PT_NIL;
        m->alloc.free_head = m->alloc.free_tail = pfn;
    } else if (m->alloc.alloc_policy == PT_ALLOC_FIFO) {
        m->pages[pfn].lru = PT_NIL;
        m->pages[m->alloc.free_tail].lru = pfn;
        m->alloc.free_tail = pfn;
    } else {
        m->pages[pfn].lru = m->alloc.free_head;
        m->alloc.free_head = pfn;
    }
    m->alloc.nfree_listed++;
}

/* Release the oldest quarantined frame onto the free list. */
static void quarantine_release_one(pt_machine *m)
{
    uint32_t pfn = m->alloc.q_head;
    m->alloc.q_head = m->pages[pfn].lru;
    m->alloc.q_count--;
    free_list_push(m, pfn);
}

static uint64_t free_list_pop(pt_machine *m)
{
    uint32_t pfn = m->alloc.free_head, prev = PT_NIL;

    if (m->alloc.alloc_policy == PT_ALLOC_RANDOM && m->alloc.nfree_listed > 1) {
        uint64_t k = pt_splitmix64(&m->alloc.alloc_rng) % m->alloc.nfree_listed;
        while (k--) {
            prev = pfn;
            pfn = m->pages[pfn].lru;
        }
    }
    if (prev == PT_NIL)
        m->alloc.free_head = m->pages[pfn].lru;
    else
        m->pages[prev].lru = m->pages[pfn].lru;
    if (m->alloc.free_tail == pfn)
        m->alloc.free_tail = prev;
    m->alloc.nfree_listed--;
    return pfn;
}

/* One allocation attempt: fault injection first, then the free list, then fresh frames. */
uint64_t pt_get_free_page(pt_machine *m, int owner, int site, bool zero)
{
    uint64_t pfn;

    if (m->faults.fail_nth && --m->faults.fail_nth == 0) {
        note_failure(m, site, PT_FAIL_NTH);
        return 0;
    }
    if (should_fail_alloc_page(m, site)) {
        note_failure(m, site, PT_FAIL_ATTR);
        return 0;
    }
    if (m->alloc.free_head == PT_NIL && m->alloc.next_fresh >= m->ram_pages && m->alloc.q_count)
        quarantine_release_one(m);       /* memory pressure: quarantine_reduce() */
    if (m->alloc.free_head != PT_NIL) {
        pfn = free_list_pop(m);
    } else if (m->alloc.next_fresh < m->ram_pages) {
        pfn = m->alloc.next_fresh++;
    } else {
        note_failure(m, site, PT_FAIL_OOM);   /* out of memory: GFP_KERNEL gives up */
        return 0;
    }

    struct pt_page *pg = &m->pages[pfn];
    pg->prev_owner = pg->owner;
    pg->prev_alloc_site = pg->alloc_site;
    pg->prev_alloc_op = pg->alloc_op;
    pg->state = PT_FRAME_ALLOCATED;
    pg->owner = (uint8_t)owner;
    pg->alloc_site = (uint8_t)site;
    pg->alloc_op = m->op;
    san_frame_alloc(m, pfn, zero);
    pg->lru = PT_NIL;   /* while allocated, lru belongs to the owner (pud_free page_list) */
    if (zero && pg->dirty)
        memset(m->ram + (pfn << PAGE_SHIFT), 0, PAGE_SIZE);
    pt_frame_dirty(m, pfn);

    m->alloc.stats.allocs++;
    m->alloc.stats.allocs_by_site[site]++;
    m->alloc.stats.by_owner[owner]++;
    m->alloc.stats.allocated++;
    if (m->alloc.stats.allocated > m->alloc.stats.peak)
        m->alloc.stats.peak = m->alloc.stats.allocated;
    return pfn << PAGE_SHIFT;
}

/* free_page(): a bad free (outside RAM, reserved, already free) is reported, not done; a
 * frame freed as a table of the wrong kind (expect_owner, PT_OWNER_NONE: any) is reported
 * and freed, as the kernel would free it. */
void pt_free_page(pt_machine *m, uint64_t pa, int expect_owner, int site)
{
    uint64_t pfn = pa >> PAGE_SHIFT;

    if ((pa & (PAGE_SIZE - 1)) || !pt_pa_is_ram(m, pa)) {
        pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, pt_site_name(site), 0, pfn,
                      "BUG: Bad page state: %s frees physical %#llx, which is not a RAM page",
                      pt_site_name(site), (unsigned long long)pa);
        return;
    }
    struct pt_page *pg = &m->pages[pfn];
    if (pg->state != PT_FRAME_ALLOCATED) {
        pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, pt_site_name(site), 0, pfn,
                      "BUG: Bad page state: %s frees pfn %#llx, which is %s (freed at op %llu "
                      "by %s)", pt_site_name(site), (unsigned long long)pfn,
                      pg->state == PT_FRAME_FREE ? "already free" : "reserved",
                      (unsigned long long)pg->free_op, pt_site_name(pg->free_site));
        return;
    }
    if (expect_owner == PT_OWNER_KERNEL) {       /* free_page(): any page the kernel owns */
        if (pg->owner == PT_OWNER_DATA)
            pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, pt_site_name(site), 0, pfn,
                          "BUG: Bad page state: %s frees pfn %#llx as a kernel page (a page "
                          "table), but it is a data page (allocated at op %llu by %s)",
                          pt_site_name(site), (unsigned long long)pfn,
                          (unsigned long long)pg->alloc_op, pt_site_name(pg->alloc_site));
    } else if (expect_owner != PT_OWNER_NONE && pg->owner != expect_owner)
        pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, pt_site_name(site), 0, pfn,
                      "BUG: Bad page state: %s frees pfn %#llx as a %s page, but it is a %s "
                      "page (allocated at op %llu by %s)", pt_site_name(site),
                      (unsigned long long)pfn, pt_owner_name(expect_owner),
                      pt_owner_name(pg->owner), (unsigned long long)pg->alloc_op,
                      pt_site_name(pg->alloc_site));
    san_frame_free(m, pfn, site);

    m->alloc.stats.by_owner[pg->owner]--;
    m->alloc.stats.allocated--;
    m->alloc.stats.frees++;
    m->alloc.stats.frees_by_site[site]++;
    pg->state = PT_FRAME_FREE;
    pg->free_site = (uint8_t)site;
    pg->free_op = m->op;
    pt_frame_dirty(m, pfn);
    memset(m->ram + pa, PAGE_POISON, PAGE_SIZE);
    if (m->alloc.alloc_policy == PT_ALLOC_QUARANTINE && m->alloc.quarantine_max) {
        pg->lru = PT_NIL;
        if (m->alloc.q_count)
            m->pages[m->alloc.q_tail].lru = (uint32_t)pfn;
        else
            m->alloc.q_head = (uint32_t)pfn;
        m->alloc.q_tail = (uint32_t)pfn;
        if (++m->alloc.q_count > m->alloc.quarantine_max)
            quarantine_release_one(m);
        return;
    }
    free_list_push(m, (uint32_t)pfn);
}

void pt_fail_nth(pt_machine *m, uint64_t n) { m->faults.fail_nth = n; }
uint64_t pt_fail_nth_pending(const pt_machine *m) { return m->faults.fail_nth; }

void pt_get_stats(const pt_machine *m, pt_stats *out)
{
    *out = m->alloc.stats;
    out->ram_pages = m->ram_pages;
    out->free = m->alloc.nfree_listed + m->alloc.q_count + (m->ram_pages - m->alloc.next_fresh);
}

int pt_frame_info_get(const pt_machine *m, uint64_t pfn, pt_frame_info *out)
{
    if (pfn >= m->ram_pages)
        return PT_EINVAL;
    const struct pt_page *pg = &m->pages[pfn];
    out->state = pg->state;
    out->owner = pg->owner;
    out->alloc_site = pg->alloc_site;
    out->free_site = pg->free_site;
    out->alloc_op = pg->alloc_op;
    out->free_op = pg->free_op;
    return PT_OK;
}

int pt_read_phys(const pt_machine *m, uint64_t pa, uint8_t *buf, size_t n)
{
    if (pa > m->ram_size || n > m->ram_size - pa)
        return PT_EINVAL;
    memcpy(buf, m->ram + pa, n);
    return PT_OK;
}

static int table_level_of(const struct pt_page *pg)
{
    if (pg->state != PT_FRAME_ALLOCATED)
        return 0;
    switch (pg->owner) {
    case PT_OWNER_PGD: return PT_LEVEL_PGD;
    case PT_OWNER_PUD: return PT_LEVEL_PUD;
    case PT_OWNER_PMD: return PT_LEVEL_PMD;
    case PT_OWNER_PTE: return PT_LEVEL_PTE;
    default: return 0;
    }
}

/* A write into a live page table changes its entries: the sanitizer sees each word. */
int pt_write_phys(pt_machine *m, uint64_t pa, const uint8_t *buf, size_t n)
{
    if (pa > m->ram_size || n > m->ram_size - pa)
        return PT_EINVAL;
    m->op++;
    for (uint64_t pfn = pa >> PAGE_SHIFT; n && pfn <= (pa + n - 1) >> PAGE_SHIFT; pfn++)
        pt_frame_dirty(m, pfn);
    for (size_t done = 0; done < n;) {
        uint64_t a = pa + done, word = a & ~7ULL;
        size_t k = 8 - (size_t)(a - word);
        if (k > n - done)
            k = n - done;
        int level = m->san.sanitize ? table_level_of(&m->pages[a >> PAGE_SHIFT]) : 0;
        uint64_t old, val;
        memcpy(&old, m->ram + word, 8);
        val = old;
        memcpy((uint8_t *)&val + (a - word), buf + done, k);
        if (level)
            san_entry_write(m, m->ram + word, level, old, val);
        memcpy(m->ram + word, &val, 8);
        done += k;
    }
    return PT_OK;
}

/* A data frame for a test (the "attacker" page): policy decides which frame comes back. */
int pt_alloc_data_page(pt_machine *m, uint64_t *pa_out)
{
    m->op++;
    *pa_out = pt_get_free_page(m, PT_OWNER_DATA, PT_SITE_ALLOC_PAGE, true);
    return *pa_out ? PT_OK : PT_ENOMEM;
}

int pt_free_data_page(pt_machine *m, uint64_t pa)
{
    m->op++;
    size_t before = m->log.nreports;
    pt_free_page(m, pa, PT_OWNER_DATA, PT_SITE_FREE_PAGE);
    return m->log.nreports == before ? PT_OK : PT_EINVAL;
}

/* ---- Fault injection and allocator policy: state ---- */

void pt_fault_attr_set(pt_machine *m, const pt_fault_attr *fa)
{
    m->faults.fattr = *fa;
    m->faults.fattr.require_sites &= (1u << PT_NR_SITES) - 1;
    m->faults.fattr.reject_sites &= (1u << PT_NR_SITES) - 1;
}

void pt_fault_attr_get(const pt_machine *m, pt_fault_attr *out) { *out = m->faults.fattr; }
void pt_fault_info_get(const pt_machine *m, pt_fault_info *out) { *out = m->faults.finfo; }

size_t pt_fault_log_count(const pt_machine *m)
{
    return m->faults.finfo.logged < PT_FAULT_LOG_SIZE ? (size_t)m->faults.finfo.logged : PT_FAULT_LOG_SIZE;
}

/* Entry i of the kept log (0 = oldest kept), as a report: the kernel's fail_dump() text. */
int pt_fault_log_get(const pt_machine *m, size_t i, pt_report *out)
{
    size_t n = pt_fault_log_count(m);
    if (i >= n)
        return PT_EINVAL;
    const struct pt_fault_log *e = &m->faults.flog[(m->faults.finfo.logged - n + i) % PT_FAULT_LOG_SIZE];
    memset(out, 0, sizeof(*out));
    out->kind = 0;
    out->op = e->op;
    out->cpu = -1;
    snprintf(out->site, sizeof(out->site), "%s", pt_site_name(e->site));
    int k = snprintf(out->message, sizeof(out->message),
                     "FAULT_INJECTION: forcing a failure.\nname fail_page_alloc, interval %llu, "
                     "probability %llu, space %lld, times %lld",
                     (unsigned long long)e->interval, (unsigned long long)e->probability,
                     (long long)e->space, (long long)e->times);
    if (e->verbose > 1 && k > 0 && (size_t)k < sizeof(out->message))
        snprintf(out->message + k, sizeof(out->message) - (size_t)k,
                 "\nCall Trace:\n __alloc_pages\n %s\n (op %llu)", pt_site_name(e->site),
                 (unsigned long long)e->op);
    return PT_OK;
}

void pt_fault_log_clear(pt_machine *m) { m->faults.finfo.logged = 0; }

/* Change the policy.  Frames already queued stay where they are; leaving quarantine (or
 * shrinking it) releases the excess oldest-first. */
int pt_alloc_policy_set(pt_machine *m, int policy, uint64_t quarantine, uint64_t seed)
{
    if (policy < PT_ALLOC_LIFO || policy > PT_ALLOC_QUARANTINE)
        return PT_EINVAL;
    if (policy == PT_ALLOC_QUARANTINE && quarantine > m->ram_pages)
        return PT_EINVAL;
    m->alloc.alloc_policy = policy;
    m->alloc.quarantine_max = policy == PT_ALLOC_QUARANTINE ? quarantine : 0;
    m->alloc.alloc_rng = seed;
    while (m->alloc.q_count > m->alloc.quarantine_max)
        quarantine_release_one(m);
    return PT_OK;
}

uint64_t pt_quarantined(const pt_machine *m) { return m->alloc.q_count; }
