/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * machine.c - a machine's lifetime (RAM arenas, boot of the kernel side: its profile's
 * bodies and boot-time state).  The entry points that run kernel code are in api.c, the
 * reports and the BUG()/oops landing pad in report.c.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#define PTLIB_MACHINE_SIDE
#include "internal.h"
#include <ptlib/kernel.h>
#include "kops/ops.h"
#undef init_mm          /* the machine names its struct pt_kernel fields itself */


static size_t pages_size(uint64_t ram_pages)
{
    return (size_t)ram_pages * sizeof(struct pt_page);
}

/*
 * The arenas (RAM and frame metadata) are anonymous mappings: zero-filled and committed
 * lazily by the host, page by page, so a machine costs what it touches.  Mapping a fresh
 * arena and unmapping a touched one costs the host ~15 us each, so pt_machine_free keeps up
 * to PT_ARENA_POOL arenas of freed machines (the most recent ones) for the next
 * pt_machine_new of the same size, zero again: the frames the machine wrote (its dirty list)
 * are cleared with memset, or the whole arena with MADV_DONTNEED when the list overflowed;
 * the metadata always with MADV_DONTNEED (which guarantees zero-fill for private anonymous
 * memory: the sanitizer writes metadata of any frame a forged entry points to).
 */
#define PT_ARENA_POOL 4
struct pt_arena {
    uint64_t ram_pages;
    uint8_t *ram;
    struct pt_page *pages;
    struct page *mem_map;        /* the kernel's struct pages (ptlib/kernel_abi.h) */
};

static size_t mem_map_size(uint64_t ram_pages)
{
    return (size_t)ram_pages * sizeof(struct page);
}
static struct pt_arena arena_pool[PT_ARENA_POOL];
static int arena_npool;
static atomic_flag arena_lock = ATOMIC_FLAG_INIT;   /* cffi calls run without the GIL */

static void arena_pool_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&arena_lock, memory_order_acquire))
        ;
}

static void arena_pool_unlock(void)
{
    atomic_flag_clear_explicit(&arena_lock, memory_order_release);
}

static int arena_get(pt_machine *m)
{
    arena_pool_lock();
    for (int i = arena_npool - 1; i >= 0; i--) {          /* the most recently pooled */
        if (arena_pool[i].ram_pages == m->ram_pages) {
            m->ram = arena_pool[i].ram;
            m->pages = arena_pool[i].pages;
            m->k.mem_map = arena_pool[i].mem_map;
            memmove(&arena_pool[i], &arena_pool[i + 1],
                    (size_t)(arena_npool - i - 1) * sizeof(arena_pool[0]));
            arena_npool--;
            arena_pool_unlock();
            return 0;
        }
    }
    arena_pool_unlock();
    void *ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *pages = mmap(NULL, pages_size(m->ram_pages), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *mem_map = mmap(NULL, mem_map_size(m->ram_pages), PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED || pages == MAP_FAILED || mem_map == MAP_FAILED) {
        if (ram != MAP_FAILED)
            munmap(ram, m->ram_size);
        if (pages != MAP_FAILED)
            munmap(pages, pages_size(m->ram_pages));
        if (mem_map != MAP_FAILED)
            munmap(mem_map, mem_map_size(m->ram_pages));
        return -1;
    }
    m->ram = ram;
    m->pages = pages;
    m->k.mem_map = mem_map;
    return 0;
}

static void arena_unmap(const struct pt_arena *a)
{
    munmap(a->ram, a->ram_pages << PAGE_SHIFT);
    munmap(a->pages, pages_size(a->ram_pages));
    munmap(a->mem_map, mem_map_size(a->ram_pages));
}

/* Zero the freed machine's arena and pool it, evicting (unmapping) the oldest pooled one
 * when the pool is full. */
static void arena_put(pt_machine *m)
{
    struct pt_arena a = { m->ram_pages, m->ram, m->pages, m->k.mem_map }, old = { 0 };
    int zero = 1;
    if (m->alloc.ndirty <= PT_DIRTY_TRACK) {
        for (uint64_t i = 0; i < m->alloc.ndirty; i++)
            memset(m->ram + ((uint64_t)m->alloc.dirty_pfns[i] << PAGE_SHIFT), 0, PAGE_SIZE);
    } else {
        zero = madvise(m->ram, m->ram_size, MADV_DONTNEED) == 0;
    }
    if (zero)
        zero = madvise(m->pages, pages_size(m->ram_pages), MADV_DONTNEED) == 0;
    if (zero)
        zero = madvise(m->k.mem_map, mem_map_size(m->ram_pages), MADV_DONTNEED) == 0;
    if (!zero) {
        arena_unmap(&a);
        return;
    }
    arena_pool_lock();
    if (arena_npool == PT_ARENA_POOL) {
        old = arena_pool[0];
        memmove(&arena_pool[0], &arena_pool[1], (PT_ARENA_POOL - 1) * sizeof(arena_pool[0]));
        arena_npool--;
    }
    arena_pool[arena_npool++] = a;
    arena_pool_unlock();
    if (old.ram)
        arena_unmap(&old);
}

/* How many freed arenas of ram_pages frames wait in the pool (tests). */
int pt_arena_pooled(uint64_t ram_pages)
{
    int n = 0;
    arena_pool_lock();
    for (int i = 0; i < arena_npool; i++)
        n += arena_pool[i].ram_pages == ram_pages;
    arena_pool_unlock();
    return n;
}

pt_machine *pt_machine_new(const pt_config *cfg, char *err, size_t errlen)
{
    if (cfg->paging != PT_PAGING_4LEVEL) {
        snprintf(err, errlen, "paging mode %d is not implemented", cfg->paging);
        return NULL;
    }
    if (cfg->ncpus < 1 || cfg->ncpus > PT_MAX_CPUS) {
        snprintf(err, errlen, "cpus must be in 1..%d", PT_MAX_CPUS);
        return NULL;
    }
    if (cfg->ram_pages < 16 || cfg->ram_pages > (1ULL << 26)) {
        snprintf(err, errlen, "ram_pages must be in 16..%llu", 1ULL << 26);
        return NULL;
    }
    for (int i = 0; i < 3; i++)
        if (cfg->tlb_entries[i] > (1u << 20) || cfg->psc_entries[i] > (1u << 20)) {
            snprintf(err, errlen, "TLB/PSC sizes: at most %u entries", 1u << 20);
            return NULL;
        }

    pt_machine *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of host memory for the machine");
        return NULL;
    }
    m->ram_pages = cfg->ram_pages;
    m->ram_size = cfg->ram_pages << PAGE_SHIFT;
    m->hw.cpus = calloc(cfg->ncpus, sizeof(*m->hw.cpus));
    if (!m->hw.cpus || arena_get(m)) {
        snprintf(err, errlen, "out of host memory for %llu frames of RAM",
                 (unsigned long long)cfg->ram_pages);
        free(m->hw.cpus);
        free(m);
        return NULL;
    }
    m->alloc.free_head = PT_NIL;
    m->paging = cfg->paging;
    m->levels = 4;
    m->prof = cfg->profile;
    m->hw.ncpus = cfg->ncpus;
    m->seed = cfg->seed;
    m->hw.rng = cfg->seed;
    m->hw.invlpg_covering = cfg->invlpg_covering;
    m->san.sanitize = cfg->sanitize;
    m->hw.speculation = cfg->speculation;
    m->san.record = cfg->record_events;
    m->mtrrs.mtrr_default = MTRR_TYPE_UNCACHABLE;

    /* the kernel's view of the machine (ptlib/kernel_abi.h) and the profile's bodies */
    m->kops = calloc(1, sizeof(*m->kops));
    if (!m->kops) {
        snprintf(err, errlen, "out of host memory for the machine");
        pt_machine_free(m);
        return NULL;
    }
    pt_kernel_ops_select(&m->prof, m->kops);
    for (int i = 0; i < PT_NR_KOPS; i++)
        if (!((void *const *)m->kops)[i]) {     /* a slot no body was chosen for */
            snprintf(err, errlen, "profile: no body of %s for this profile", pt_kop_names[i]);
            pt_machine_free(m);
            return NULL;
        }
    m->k.ops = m->kops;
    m->k.ram = m->ram;
    m->k.ram_size = m->ram_size;
    m->k.max_pfn = m->ram_pages;
    m->k.san_enabled = m->san.sanitize != 0;
    m->k.nr_cpus = m->hw.ncpus;
    m->k.x86_feature_pse = m->prof.ioremap_pmd_capable;
    m->k.x86_feature_gbpages = m->prof.ioremap_pud_capable;
    m->k.iomap_max_page_shift = (unsigned int)m->prof.iomap_max_page_shift;
    INIT_LIST_HEAD(&m->k.kernel_pgtable_work.list);

    /* Frame 0 is reserved: physical 0 is never a page table. */
    m->pages[0].state = PT_FRAME_RESERVED;
    m->pages[0].owner = PT_OWNER_RESERVED;
    m->alloc.next_fresh = 1;

    /* init_mm.pgd, then the profile's boot-time preallocation. */
    m->pgd_pa = pt_get_free_page(m, PT_OWNER_PGD, PT_SITE_MACHINE_INIT, true);
    int bad = !m->pgd_pa;
    if (!bad) {
        m->k.init_mm.pgd = (pgd_t *)(m->ram + m->pgd_pa);
        san_root(m, m->pgd_pa >> PAGE_SHIFT);
        if (pt_cpus_init(m, cfg)) {
            snprintf(err, errlen, "TLB/PSC sizes: entries must be ways (<= 4) times a power "
                     "of two, and host memory must suffice");
            pt_machine_free(m);
            return NULL;
        }
    }
    /* boot: lib/ioremap.c's ioremap_huge_init(), then v5.9's preallocation (mem_init) */
    if (!bad) {
        uint64_t allocs = m->alloc.stats.failed;
        m->in_op = 1;
        pt_kernel_current = &m->k;
        if (setjmp(m->bug_jmp)) {
            bad = 1;
        } else {
            ioremap_huge_init();
            if (m->prof.prealloc_vmalloc_pgd)
                preallocate_vmalloc_pages();
            bad = m->alloc.stats.failed != allocs;
        }
        pt_kernel_current = NULL;
        m->in_op = 0;
    }
    if (bad) {
        snprintf(err, errlen, "ram_pages: %llu frames are too small to boot (init_mm's tables)",
                 (unsigned long long)cfg->ram_pages);
        pt_machine_free(m);
        return NULL;
    }
    return m;
}

void pt_machine_free(pt_machine *m)
{
    if (!m)
        return;
    san_free(m);
    pt_cpus_free(m);
    if (m->ram)
        arena_put(m);
    free(m->k.vmap);
    free(m->kops);
    free(m->kern.once_keys);
    free(m->hw.cpus);
    free(m->faults.flog);
    free(m->log.probe_entries);
    free(m->log.reports);
    free(m->log.flushes);
    free(m);
}

uint64_t pt_root(const pt_machine *m) { return m->pgd_pa; }
int pt_ncpus(const pt_machine *m) { return m->hw.ncpus; }
uint64_t pt_op(const pt_machine *m) { return m->op; }
