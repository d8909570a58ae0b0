/*
 * frames.c - emulated RAM and the page allocator (the buddy allocator at page granularity,
 * with struct page metadata).
 *
 * RAM is one host arena: physical address pa lives at ram + pa.  Frame 0 is reserved (no
 * table ever sits at physical 0).  Never-used frames are handed out in ascending order;
 * freed frames go on a LIFO list linked through their metadata (like the per-CPU page lists:
 * the most recently freed frame is reused first, the worst case for stale pointers).
 * Freed frames are poisoned with PAGE_POISON (0xaa), as CONFIG_PAGE_POISONING does.
 */
#include <string.h>
#include "pgtable.h"

#define PAGE_POISON 0xaa

static const char *const site_names[PT_NR_SITES] = {
    [PT_SITE_NONE] = "none",
    [PT_SITE_MACHINE_INIT] = "machine_init",
    [PT_SITE_PREALLOCATE_VMALLOC] = "preallocate_vmalloc_pages",
    [PT_SITE_PUD_ALLOC] = "__pud_alloc",
    [PT_SITE_PMD_ALLOC] = "__pmd_alloc",
    [PT_SITE_PTE_ALLOC_KERNEL] = "__pte_alloc_kernel",
    [PT_SITE_PUD_FREE_PMD_PAGE] = "pud_free_pmd_page",
    [PT_SITE_PMD_FREE_PTE_PAGE] = "pmd_free_pte_page",
    [PT_SITE_ALLOC_PAGE] = "alloc_page",
    [PT_SITE_FREE_PAGE] = "free_page",
};

static const char *const owner_names[PT_NR_OWNERS] = {
    [PT_OWNER_NONE] = "none", [PT_OWNER_PGD] = "pgd", [PT_OWNER_P4D] = "p4d",
    [PT_OWNER_PUD] = "pud", [PT_OWNER_PMD] = "pmd", [PT_OWNER_PTE] = "pte",
    [PT_OWNER_TEMP] = "temp", [PT_OWNER_DATA] = "data", [PT_OWNER_RESERVED] = "reserved",
};

const char *pt_site_name(int site)
{
    return (site >= 0 && site < PT_NR_SITES) ? site_names[site] : "?";
}

const char *pt_owner_name(int owner)
{
    return (owner >= 0 && owner < PT_NR_OWNERS) ? owner_names[owner] : "?";
}

/* One allocation attempt: fault injection first, then the free list, then fresh frames. */
uint64_t pt_get_free_page(pt_machine *m, int owner, int site, bool zero)
{
    uint64_t pfn;

    if (m->fail_nth && --m->fail_nth == 0) {
        m->stats.failed++;
        return 0;
    }
    if (m->free_head != PT_NIL) {
        pfn = m->free_head;
        m->free_head = m->pages[pfn].lru;
        m->nfree_listed--;
    } else if (m->next_fresh < m->ram_pages) {
        pfn = m->next_fresh++;
    } else {
        m->stats.failed++;                 /* out of memory: GFP_KERNEL gives up */
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
    if (m->sanitize)
        san_frame_alloc(m, pfn, zero);
    pg->lru = PT_NIL;
    if (zero && pg->dirty)
        memset(m->ram + (pfn << PAGE_SHIFT), 0, PAGE_SIZE);
    pg->dirty = 1;

    m->stats.allocs++;
    m->stats.allocs_by_site[site]++;
    m->stats.by_owner[owner]++;
    m->stats.allocated++;
    if (m->stats.allocated > m->stats.peak)
        m->stats.peak = m->stats.allocated;
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
    if (expect_owner != PT_OWNER_NONE && pg->owner != expect_owner)
        pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, pt_site_name(site), 0, pfn,
                      "BUG: Bad page state: %s frees pfn %#llx as a %s page, but it is a %s "
                      "page (allocated at op %llu by %s)", pt_site_name(site),
                      (unsigned long long)pfn, pt_owner_name(expect_owner),
                      pt_owner_name(pg->owner), (unsigned long long)pg->alloc_op,
                      pt_site_name(pg->alloc_site));
    if (m->sanitize)
        san_frame_free(m, pfn, site);

    m->stats.by_owner[pg->owner]--;
    m->stats.allocated--;
    m->stats.frees++;
    m->stats.frees_by_site[site]++;
    pg->state = PT_FRAME_FREE;
    pg->free_site = (uint8_t)site;
    pg->free_op = m->op;
    memset(m->ram + pa, PAGE_POISON, PAGE_SIZE);
    pg->dirty = 1;
    pg->lru = m->free_head;
    m->free_head = (uint32_t)pfn;
    m->nfree_listed++;
}

void pt_fail_nth(pt_machine *m, uint64_t n) { m->fail_nth = n; }
uint64_t pt_fail_nth_pending(const pt_machine *m) { return m->fail_nth; }

void pt_get_stats(const pt_machine *m, pt_stats *out)
{
    *out = m->stats;
    out->ram_pages = m->ram_pages;
    out->free = m->nfree_listed + (m->ram_pages - m->next_fresh);
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
        m->pages[pfn].dirty = 1;
    for (size_t done = 0; done < n;) {
        uint64_t a = pa + done, word = a & ~7ULL;
        size_t k = 8 - (size_t)(a - word);
        if (k > n - done)
            k = n - done;
        int level = m->sanitize ? table_level_of(&m->pages[a >> PAGE_SHIFT]) : 0;
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
    size_t before = m->nreports;
    pt_free_page(m, pa, PT_OWNER_DATA, PT_SITE_FREE_PAGE);
    return m->nreports == before ? PT_OK : PT_EINVAL;
}
