/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_api.c - a coverage-guided fuzz target for ptlib's C API (csrc/ptlib.h).
 *
 * LLVMFuzzerTestOneInput() decodes the input into a machine configuration and then a
 * sequence of at most MAX_OPS API calls.  Arguments follow the argument contract of
 * ptlib.h: scalars the C boundary checks (CPU indexes, frames, physical addresses, list
 * indexes, alignment) are arbitrary; preconditions that only Python enforces (ranges in
 * the vmalloc area, page-aligned phys, prot bits) are satisfied, with otherwise arbitrary
 * values biased toward interesting ones (VMALLOC_START + multiples of 4K/2M/1G/512G, the
 * end of the area, addresses already used, table entries of the live tables).  After each
 * call, cheap C-level invariants are checked; a violation aborts.
 *
 * Built by tests/fuzz/run.sh (clang, libFuzzer) and by the gcc replay driver replay.c.
 * The per-API call counters (fuzz_counters) let the replay driver show what was reached.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ptlib.h"
#include "fuzz_api.h"

#define PAGE 4096ULL
#define M2 (1ULL << 21)
#define G1 (1ULL << 30)
#define G512 (1ULL << 39)
#define VSTART 0xffffc90000000000ULL
#define VSIZE (32ULL << 40)
#define PROT_ALLOWED (0x1ffULL | (1ULL << 63))
#define MAX_OPS 48
#define NPOOL 32

/* ---- the byte reader: past the end, every read returns 0 ----
 * C leaves the evaluation order of operands and arguments unspecified (gcc and clang
 * differ): never two reads in one expression, or an input decodes differently in the
 * libFuzzer build and in the gcc replay.  Declarations with several initializers, && ||
 * and ?: are sequenced. */

struct rd {
    const uint8_t *p;
    size_t n, i;
};

static uint8_t u8(struct rd *r) { return r->i < r->n ? r->p[r->i++] : 0; }
static uint16_t u16(struct rd *r) { uint16_t lo = u8(r), hi = u8(r); return (uint16_t)(lo | hi << 8); }
static uint32_t u32(struct rd *r) { uint32_t lo = u16(r), hi = u16(r); return lo | hi << 16; }
static uint64_t u64(struct rd *r) { uint64_t lo = u32(r), hi = u32(r); return lo | hi << 32; }
static int more(const struct rd *r) { return r->i < r->n; }

/* ---- counters ---- */

const char *const fuzz_api_names[FZ_NR] = {
#define X(name) #name,
    FZ_APIS(X)
#undef X
};
uint64_t fuzz_counters[FZ_NR];
#define CALL(id) (fuzz_counters[FZ_##id]++)

static void fail(const char *what, long long a, long long b)
{
    fprintf(stderr, "fuzz_api: invariant violated: %s (%lld, %lld)\n", what, a, b);
    abort();
}
#define CHECK(cond, a, b) do { if (!(cond)) fail(#cond, (long long)(a), (long long)(b)); } while (0)

/* ---- the state of one run ---- */

struct st {
    pt_machine *m;
    pt_config cfg;               /* the machine's configuration */
    int ncpus;
    uint64_t ram_pages;
    int record;
    uint64_t pool[NPOOL];        /* vas used so far */
    unsigned npool;
    uint64_t ioremapped[NPOOL];  /* vas returned by pt_ioremap */
    unsigned nio;
    uint64_t data[NPOOL];        /* data pages allocated */
    unsigned ndata;
    unsigned nbig;               /* sizes above 32 MiB generated */
    unsigned ndump;              /* ptdump calls */
    size_t reports_seen;
};

static void remember(struct st *s, uint64_t va)
{
    s->pool[s->npool++ % NPOOL] = va;
}

/* A va in the vmalloc area, page aligned, biased toward boundaries. */
static uint64_t gen_vmalloc_va(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    switch (k % 8) {
    case 0: return VSTART + (uint64_t)(u16(r) % 2048) * PAGE;
    case 1: return VSTART + (uint64_t)(u16(r) % 2048) * M2;
    case 2: return VSTART + (uint64_t)(u8(r) % 64) * G1;
    case 3: return VSTART + (uint64_t)(u8(r) % 64) * G512;
    case 4: return VSTART + VSIZE - (uint64_t)(u8(r) % 4 + 1) * (k & 8 ? G1 : k & 16 ? M2 : PAGE);
    case 5:
        if (s->npool) {
            uint64_t v = s->pool[u8(r) % (s->npool < NPOOL ? s->npool : NPOOL)] & ~(PAGE - 1);
            int64_t d = (int8_t)u8(r);
            v += (uint64_t)d * (k & 8 ? M2 : PAGE);
            if (v >= VSTART && v < VSTART + VSIZE)
                return v;
        }
        return VSTART;
    case 6: {
        uint64_t hi = u8(r) % 64, lo = u16(r) % 512;
        return VSTART + hi * G512 + lo * G1;
    }
    default: return VSTART + (u64(r) % VSIZE & ~(PAGE - 1));
    }
}

/* A size (multiple of 4K), biased toward 4K/2M/1G multiples and small. */
static uint64_t gen_size_raw(struct rd *r)
{
    uint8_t k = u8(r);
    switch (k % 6) {
    case 0: return (uint64_t)(u8(r) % 16 + 1) * PAGE;
    case 1: return (uint64_t)(u8(r) % 4 + 1) * M2;
    case 2: return (uint64_t)(u8(r) % 3 + 1) * G1;
    case 3: {
        uint64_t big = u8(r) % 4 + 1, small = u8(r) % 8;
        return big * M2 + small * PAGE;
    }
    case 4: return (uint64_t)(u16(r) % 1024 + 1) * PAGE;
    default:
        if (k >= 240)            /* up to 4 GiB: RAM (at most 4096 frames) bounds the work */
            return (uint64_t)(u32(r) % (1u << 20) + 1) * PAGE;
        return (uint64_t)(u16(r) % 64 + 1) * G1;                    /* huge leaves */
    }
}

/* A size; above 32 MiB only a few times per input (never with the event log on), so that
 * an input stays well under libFuzzer's 1 s timeout. */
static uint64_t gen_size(struct rd *r, struct st *s)
{
    uint64_t sz = gen_size_raw(r);
    if (sz > 16 * M2 && (s->record || s->nbig++ >= 4))
        sz = (sz / PAGE % 8192 + 1) * PAGE;
    return sz;
}

/* A leaf without P (nor PROTNONE): each of its PTEs WARNs at unmap (a report each). */
static uint64_t clamp_if_not_present(uint64_t prot, uint64_t size)
{
    return (prot & 0x101) || size <= 64 * PAGE ? size : 64 * PAGE;
}

/* A [start, end) inside the vmalloc area (the documented precondition). */
static void gen_range(struct rd *r, struct st *s, uint64_t *start, uint64_t *end)
{
    uint64_t a = gen_vmalloc_va(r, s), sz = gen_size(r, s);
    if (a + sz > VSTART + VSIZE || a + sz < a)
        sz = VSTART + VSIZE - a;
    *start = a;
    *end = a + sz;
    if ((u8(r) & 31) == 0)       /* reversed or empty: the kernel's BUG_ON */
        *end = a - (u8(r) & 1) * PAGE;
    remember(s, a);
}

static uint64_t gen_phys(struct rd *r, uint64_t size)
{
    uint8_t k = u8(r);
    uint64_t p;
    switch (k % 5) {
    case 0: p = (uint64_t)(u8(r) % 64) * G1; break;
    case 1: p = (uint64_t)(u16(r) % 4096) * M2; break;
    case 2: p = (uint64_t)(u16(r)) * PAGE; break;
    case 3: p = (1ULL << 38) + (uint64_t)(u8(r) % 8) * G1; break;
    default: p = u64(r) & ((1ULL << 52) - 1) & ~(PAGE - 1); break;
    }
    if (size > (1ULL << 52) || p > (1ULL << 52) - size)
        p = 0;
    return p;
}

static uint64_t gen_prot(struct rd *r)
{
    static const uint64_t common[] = {
        0x163 | (1ULL << 63),    /* PAGE_KERNEL_IO (P RW A D G NX) */
        0x173 | (1ULL << 63),    /* UC- (PCD) */
        0x163, 0x063, 0x161, 0x1e3, 0x100, 0x1ff | (1ULL << 63),
    };
    uint8_t k = u8(r);
    if (k < 200)
        return common[k % (sizeof(common) / sizeof(common[0]))];
    /* non-present leaves: every PTE of them WARNs at unmap, keep them rare */
    return (u64(r) & PROT_ALLOWED) | (k < 255 ? 1 : 0);
}

/* Any va: vmalloc, canonical, raw. */
static uint64_t gen_any_va(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    if (k < 160)
    {
        uint64_t v = gen_vmalloc_va(r, s);
        return v + (k & 1 ? (u16(r) & (PAGE - 1)) : 0);
    }
    if (k < 200 && s->nio)
        return s->ioremapped[u8(r) % (s->nio < NPOOL ? s->nio : NPOOL)];
    if (k < 230) {
        uint64_t v = u64(r) & ((1ULL << 48) - 1);
        return (uint64_t)((int64_t)(v << 16) >> 16);    /* canonical */
    }
    return u64(r);
}

static int gen_cpu(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    if (k == 255)
        return (int)(int8_t)u8(r) * 3;   /* out of range too: PT_EINVAL */
    return k % s->ncpus;
}

/* The physical address of a live table entry reached by walking va. */
static uint64_t gen_entry_pa(struct rd *r, struct st *s)
{
    pt_walk_result w;
    uint64_t va = gen_any_va(r, s);
    CALL(pt_walk);
    CHECK(pt_walk(s->m, va, &w) == PT_OK, 0, 0);
    int lvl = w.nentries ? u8(r) % w.nentries : 0;
    uint64_t table = pt_root(s->m);
    static const int shift[4] = { 39, 30, 21, 12 };
    for (int i = 0; i < lvl; i++)
        table = w.entries[i] & 0x000ffffffffff000ULL;
    int idx = (u8(r) & 1) ? (int)((va >> shift[lvl]) & 511) : u16(r) % 512;
    return table + (uint64_t)idx * 8;
}

static uint64_t gen_pa(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    uint64_t ram = s->ram_pages * PAGE;
    switch (k % 6) {
    case 0: case 1: return gen_entry_pa(r, s);
    case 2: {
        uint64_t pfn = u16(r) % s->ram_pages, off = u16(r) % PAGE;
        return pfn * PAGE + off;
    }
    case 3: return ram - (u8(r) % 16);
    case 4: return s->ndata ? s->data[u8(r) % (s->ndata < NPOOL ? s->ndata : NPOOL)] : PAGE;
    default: return u64(r);
    }
}

/* ---- invariants checked after every call ---- */

static void check_stats(struct st *s)
{
    pt_stats st;
    CALL(pt_get_stats);
    pt_get_stats(s->m, &st);
    CHECK(st.ram_pages == s->ram_pages, st.ram_pages, s->ram_pages);
    CHECK(st.allocated + st.free == s->ram_pages - 1, st.allocated, st.free);
    uint64_t sum = 0;
    for (int i = 0; i < PT_NR_OWNERS; i++)
        sum += st.by_owner[i];
    CHECK(sum == st.allocated, sum, st.allocated);
    CHECK(st.peak >= st.allocated, st.peak, st.allocated);
}

static void check_reports(struct st *s)
{
    size_t n = pt_report_count(s->m);
    CALL(pt_report_count);
    CALL(pt_reports_dropped);
    uint64_t dropped = pt_reports_dropped(s->m);
    CHECK(dropped == 0 || n >= PT_MAX_REPORTS, dropped, n);
    size_t first = s->reports_seen < n ? s->reports_seen : n;
    if (n - first > 64)          /* a WARN per PTE makes thousands: check the last ones */
        first = n - 64;
    for (size_t i = first; i < n; i++) {
        pt_report rep;
        CALL(pt_report_get);
        CHECK(pt_report_get(s->m, i, &rep) == PT_OK, i, n);
        CHECK(rep.kind >= PT_REPORT_KERNEL_BUG && rep.kind <= PT_REPORT_LEAK, rep.kind, i);
        CHECK(memchr(rep.site, 0, sizeof(rep.site)) && memchr(rep.message, 0, sizeof(rep.message)),
              i, 0);
        CHECK(rep.cpu >= -1 && rep.cpu < s->ncpus, rep.cpu, s->ncpus);
    }
    pt_report rep;
    CHECK(pt_report_get(s->m, n, &rep) == PT_EINVAL, n, 0);
    s->reports_seen = n;
}

static void check_entry(int rc, int allow_notable)
{
    CHECK(rc == PT_OK || rc == PT_EBUG || (allow_notable && rc == PT_ENOTABLE), rc, 0);
}

static void check_areas(struct st *s)
{
    static pt_vm_area areas[512];
    CALL(pt_vm_areas);
    size_t n = pt_vm_areas(s->m, areas, 512);
    uint64_t lazy = 0;
    for (size_t i = 0; i < n && i < 512; i++) {
        CHECK(areas[i].start >= VSTART && areas[i].size && areas[i].start + areas[i].size <= VSTART + VSIZE,
              areas[i].start, areas[i].size);
        CHECK(!(areas[i].start & (PAGE - 1)) && !(areas[i].size & (PAGE - 1)), areas[i].start, i);
        if (i)
            CHECK(areas[i - 1].start + areas[i - 1].size <= areas[i].start, i, 0);
        if (areas[i].lazy)
            lazy += areas[i].size / PAGE;
    }
    CALL(pt_vmap_lazy_nr);
    if (n <= 512)
        CHECK(lazy == pt_vmap_lazy_nr(s->m), lazy, pt_vmap_lazy_nr(s->m));
}

/* ---- the operations ---- */

static void op_ioremap_page_range(struct rd *r, struct st *s)
{
    uint64_t a, e;
    int ret = 7;
    gen_range(r, s, &a, &e);
    uint64_t phys = gen_phys(r, e > a ? e - a : 0), prot = gen_prot(r);
    if (e > a)
        e = a + clamp_if_not_present(prot, e - a);
    CALL(pt_ioremap_page_range);
    int rc = pt_ioremap_page_range(s->m, a, e, phys, prot, &ret);
    check_entry(rc, 0);
    /* v6.9 (3e49a866c9dc): -EINVAL (no VM_IOREMAP area at a), -ERANGE (not the whole area) */
    int v69 = s->cfg.profile.vmap_range_form && s->cfg.profile.ioremap_vm_area_check;
    if (rc == PT_OK)
        CHECK(ret == 0 || ret == -12 || (v69 && (ret == -22 || ret == -34)), ret, 0);
}

static void op_unmap(struct rd *r, struct st *s)
{
    uint64_t a, e;
    gen_range(r, s, &a, &e);
    int rc;
    if (u8(r) & 1) {
        CALL(pt_unmap_kernel_range);
        rc = pt_unmap_kernel_range(s->m, a, e - a);
    } else {
        CALL(pt_unmap_kernel_range_noflush);
        rc = pt_unmap_kernel_range_noflush(s->m, a, e - a);
    }
    check_entry(rc, 0);
}

static void op_unaligned_range(struct rd *r, struct st *s)
{
    /* Outside the C boundary's contract: must be refused, not walked. */
    uint64_t a = gen_vmalloc_va(r, s), e;
    if (u8(r) & 1) {             /* unaligned start or end */
        uint64_t off = 1 + u16(r) % (PAGE - 1);
        e = a + gen_size(r, s);
        if (u8(r) & 1)
            a += off;
        else
            e += off;
    } else {                     /* aligned, but spanning more than one PGD */
        a &= (1ULL << 48) - 1;
        e = a + (1ULL << 48) + (uint64_t)(u8(r) % 4) * G512;
    }
    int ret;
    int k = u8(r) % 3;
    if (k == 0) {
        CALL(pt_ioremap_page_range);
        CHECK(pt_ioremap_page_range(s->m, a, e, 0, 0x163, &ret) == PT_EINVAL, a, e);
    } else if (k == 1) {
        CALL(pt_unmap_kernel_range);
        CHECK(pt_unmap_kernel_range(s->m, a, e - a) == PT_EINVAL, a, e);
    } else {
        CALL(pt_unmap_kernel_range_noflush);
        CHECK(pt_unmap_kernel_range_noflush(s->m, a, e - a) == PT_EINVAL, a, e);
    }
}

static void op_one_entry(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    uint64_t va = gen_vmalloc_va(r, s);
    int ret = 7, rc;
    if (k & 0x80)
        va = gen_any_va(r, s);
    else
        va &= (k & 1) ? ~(G1 - 1) : ~(M2 - 1);
    remember(s, va);
    switch ((k >> 1) % 6) {
    case 0: {
        uint64_t phys = gen_phys(r, M2) & ~(M2 - 1), prot = gen_prot(r);
        CALL(pt_pmd_set_huge);
        rc = pt_pmd_set_huge(s->m, va, phys, prot, &ret);
        break;
    }
    case 1: {
        uint64_t phys = gen_phys(r, G1) & ~(G1 - 1), prot = gen_prot(r);
        CALL(pt_pud_set_huge);
        rc = pt_pud_set_huge(s->m, va, phys, prot, &ret);
        break;
    }
    case 2:
        CALL(pt_pmd_clear_huge);
        rc = pt_pmd_clear_huge(s->m, va, &ret);
        break;
    case 3:
        CALL(pt_pud_clear_huge);
        rc = pt_pud_clear_huge(s->m, va, &ret);
        break;
    case 4:
        CALL(pt_pmd_free_pte_page);
        rc = pt_pmd_free_pte_page(s->m, va, &ret);
        break;
    default:
        CALL(pt_pud_free_pmd_page);
        rc = pt_pud_free_pmd_page(s->m, va, &ret);
        break;
    }
    check_entry(rc, 1);
    if (rc == PT_OK)
        CHECK(ret == 0 || ret == 1, ret, k);
}

static void op_flush(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    uint64_t a = gen_any_va(r, s), e;
    switch (k % 4) {
    case 0: e = a + (uint64_t)(u8(r) % 40) * PAGE; break;
    case 1: e = UINT64_MAX; break;
    case 2: e = a + gen_size(r, s); break;
    default: e = u64(r); break;
    }
    if (k & 0x10) {
        CALL(pt_flush_tlb_all);
        check_entry(pt_flush_tlb_all(s->m), 0);
    } else if (k & 0x20) {
        CALL(pt_flush_tlb_kernel_pgtable_range);
        check_entry(pt_flush_tlb_kernel_pgtable_range(s->m, a, e), 0);
    } else {
        if (e > a && e - a > 64 * PAGE && (k & 0x40))
            e = a + 64 * PAGE;      /* keep per-page flushes short */
        CALL(pt_flush_tlb_kernel_range);
        int rc = pt_flush_tlb_kernel_range(s->m, a, e);
        if (e != UINT64_MAX && e > UINT64_MAX - PAGE + 1)
            CHECK(rc == PT_EINVAL, rc, e);
        else
            check_entry(rc, 0);
    }
    size_t n = pt_flush_count(s->m);
    CALL(pt_flush_count);
    pt_flush_event ev;
    CALL(pt_flush_get);
    if (n) {
        CHECK(pt_flush_get(s->m, n - 1, &ev) == PT_OK, n, 0);
        CHECK(ev.full == 0 || ev.full == 1, ev.full, 0);
    }
    CHECK(pt_flush_get(s->m, n, &ev) == PT_EINVAL, n, 0);
}

static void op_ioremap(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    uint64_t size = k & 1 ? gen_size(r, s) : u16(r);
    if (!(k & 1) && (k & 2))
        size += (uint64_t)u8(r) << 20;      /* up to 255 MiB */
    if ((k & 0x39) == 0x38) {     /* 512 GiB units, up to 24 TiB: the 32 TiB area overflows
                                     (purge, retry, EBUSY); the tables that fit in 512
                                     frames of RAM bound the mapping work */
        uint64_t huge = (uint64_t)(u8(r) % 48 + 1) << 39;
        if (s->ram_pages <= 512 && s->nbig++ < 4)
            size = huge;
    }
    if (!size)
        size = 1;
    uint64_t phys = gen_phys(r, size + PAGE);
    if (k & 4)
        phys += u16(r) % PAGE;
    if (phys + size > (1ULL << 52))
        phys = 0;
    uint64_t va = 7;
    int err = 7;
    uint64_t prot = gen_prot(r);
    size = clamp_if_not_present(prot, size);
    CALL(pt_ioremap);
    int rc = pt_ioremap(s->m, phys, size, prot, &va, &err);
    check_entry(rc, 0);
    if (rc == PT_OK) {
        if (va) {
            CHECK(err == 0 && va >= VSTART && va < VSTART + VSIZE, va, err);
            CHECK((va & (PAGE - 1)) == (phys & (PAGE - 1)), va, phys);
            s->ioremapped[s->nio++ % NPOOL] = va;
            remember(s, va);
        } else {
            CHECK(err == -16 || err == -12, err, size);
        }
    }
}

static void op_iounmap(struct rd *r, struct st *s)
{
    uint64_t va;
    uint8_t k = u8(r);
    if (s->nio && k < 200)
    {
        va = s->ioremapped[u8(r) % (s->nio < NPOOL ? s->nio : NPOOL)];
        if (k & 1)
            va += u16(r);
    }
    else
        va = gen_any_va(r, s);
    int found = 7;
    CALL(pt_iounmap);
    int rc = pt_iounmap(s->m, va, &found);
    check_entry(rc, 0);
    if (rc == PT_OK)
        CHECK(found == 0 || found == 1, found, 0);
}

static void op_vmarea_misc(struct rd *r, struct st *s)
{
    if (u8(r) & 1) {
        CALL(pt_purge_vmap_area_lazy);
        check_entry(pt_purge_vmap_area_lazy(s->m), 0);
    }
    CALL(pt_lazy_max_pages);
    CHECK(pt_lazy_max_pages(s->m) > 0, 0, 0);
    CALL(pt_vm_areas);
    size_t n = pt_vm_areas(s->m, NULL, 0);
    CHECK(n <= 32768, n, 0);
    uint8_t l = u8(r);
    if (l & 2) {            /* init_mm's mmap lock from outside: not nested */
        CALL(pt_mmap_write_locked);
        int held = pt_mmap_write_locked(s->m);
        CHECK(held == 0 || held == 1, held, 0);
        CALL(pt_mmap_write_lock);
        int rc = pt_mmap_write_lock(s->m, l & 1);
        CHECK(rc == ((l & 1) == held ? PT_EINVAL : PT_OK), rc, held);
        CHECK(pt_mmap_write_locked(s->m) == (l & 1), pt_mmap_write_locked(s->m), l & 1);
    }
}

static void op_cpu_access(struct rd *r, struct st *s)
{
    int c = gen_cpu(r, s);
    uint64_t va = gen_any_va(r, s);
    int acc = u8(r) & 7;
    uint64_t pa = 0;
    uint32_t err = 0;
    if (u8(r) & 1) {
        CALL(pt_cpu_access);
        int rc = pt_cpu_access(s->m, c, va, acc, &pa, &err);
        if (c < 0 || c >= s->ncpus)
            CHECK(rc == PT_EINVAL, rc, c);
        else
            CHECK(rc == 0 || rc == 1, rc, c);
    } else {
        CALL(pt_cpu_access1);
        pa = pt_cpu_access1(s->m, c, va, acc);
        CALL(pt_cpu_last_error);
        err = pt_cpu_last_error(s->m, c);
        if (pa != UINT64_MAX)
            CHECK(pa < (1ULL << 52), pa, va);
    }
    (void)err;
}

static void op_translate_many(struct rd *r, struct st *s)
{
    uint64_t vas[32], out[32];
    uint32_t errs[32];
    size_t n = u8(r) % 33;
    int c = gen_cpu(r, s);
    uint64_t base = gen_any_va(r, s);
    for (size_t i = 0; i < n; i++)
        vas[i] = (u8(r) & 3) ? base + (uint64_t)i * ((u8(r) & 1) ? PAGE : M2) : gen_any_va(r, s);
    int with_errs = u8(r) & 1;
    CALL(pt_cpu_translate_many);
    size_t f = pt_cpu_translate_many(s->m, c, vas, out, with_errs ? errs : NULL, n);
    if (c >= 0 && c < s->ncpus) {
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++) {
            cnt += out[i] == UINT64_MAX;
            if (with_errs && out[i] != UINT64_MAX)
                CHECK(errs[i] == 0, errs[i], i);
        }
        CHECK(cnt == f, cnt, f);
    } else {
        CHECK(f == 0, f, c);
    }
}

static void op_cpu_control(struct rd *r, struct st *s)
{
    int c = gen_cpu(r, s);
    uint8_t k = u8(r);
    int valid = c >= 0 && c < s->ncpus;
    int rc;
    switch (k % 7) {
    case 0:
        CALL(pt_cpu_speculate);
        rc = pt_cpu_speculate(s->m, c, gen_any_va(r, s));
        CHECK(valid ? (rc == 0 || rc == 1) : rc == -1, rc, c);
        break;
    case 1:
        CALL(pt_cpu_invlpg);
        rc = pt_cpu_invlpg(s->m, c, gen_any_va(r, s));
        CHECK(rc == (valid ? PT_OK : PT_EINVAL), rc, c);
        break;
    case 2: {
        uint64_t root;
        uint8_t j = u8(r);
        if (j < 128)
            root = pt_root(s->m);
        else if (j < 200)
            root = gen_entry_pa(r, s) & ~(PAGE - 1);
        else if (j < 240)
            root = (uint64_t)(u16(r) % (s->ram_pages + 4)) * PAGE;
        else
            root = u64(r);
        uint32_t pcid = u8(r) & 1 ? u16(r) % 4100 : u8(r) % 4;
        CALL(pt_cpu_write_cr3);
        rc = pt_cpu_write_cr3(s->m, c, root, pcid, u8(r) & 1);
        CHECK(rc == PT_OK || rc == PT_EINVAL, rc, c);
        if (root & (PAGE - 1))
            CHECK(rc == PT_EINVAL, rc, root);
        break;
    }
    case 3:
        CALL(pt_cpu_invpcid);
    {
        int type = (int)(u8(r) % 6) - 1;
        uint32_t pcid = u8(r) & 1 ? u16(r) % 4100 : u8(r) % 4;
        uint64_t va = gen_any_va(r, s);
        rc = pt_cpu_invpcid(s->m, c, type, pcid, va);
    }
        CHECK(rc == PT_OK || rc == PT_EINVAL, rc, c);
        break;
    case 4:
        CALL(pt_cpu_flush_all);
        rc = pt_cpu_flush_all(s->m, c);
        CHECK(rc == (valid ? PT_OK : PT_EINVAL), rc, c);
        break;
    case 5:
        CALL(pt_cpu_set_cr4);
    {
        int pge = u8(r) % 3, pcide = u8(r) % 3;
        rc = pt_cpu_set_cr4(s->m, c, pge, pcide);
    }
        CHECK(rc == PT_OK || rc == PT_EINVAL, rc, c);
        break;
    default: {
        pt_cpu_state cs;
        pt_cpu_stats cst;
        static pt_cache_record recs[64];
        CALL(pt_cpu_state_get);
        rc = pt_cpu_state_get(s->m, c, &cs);
        CHECK(rc == (valid ? PT_OK : PT_EINVAL), rc, c);
        if (rc == PT_OK) {
            CHECK(cs.pcid <= 4095 && (cs.pge == 0 || cs.pge == 1) && (cs.pcide == 0 || cs.pcide == 1),
                  cs.pcid, cs.pge);
            CHECK(cs.pcide || cs.pcid == 0, cs.pcid, cs.pcide);
        }
        CALL(pt_cpu_stats_get);
        CHECK(pt_cpu_stats_get(s->m, c, &cst) == (valid ? PT_OK : PT_EINVAL), c, 0);
        size_t cap = u8(r) % 65;
        CALL(pt_cpu_tlb_entries);
        size_t n1 = pt_cpu_tlb_entries(s->m, c, recs, cap);
        CALL(pt_cpu_psc_entries);
        size_t n2 = pt_cpu_psc_entries(s->m, c, recs, cap);
        if (!valid)
            CHECK(n1 == 0 && n2 == 0, n1, n2);
        for (size_t i = 0; i < n2 && i < cap; i++)
            CHECK(recs[i].level == PT_LEVEL_PGD || recs[i].level == PT_LEVEL_PUD ||
                  recs[i].level == PT_LEVEL_PMD, recs[i].level, i);
        break;
    }
    }
}

static void op_faults(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    switch (k % 4) {
    case 0:
        CALL(pt_fail_nth);
        pt_fail_nth(s->m, u8(r) % 8);
        CALL(pt_fail_nth_pending);
        CHECK(pt_fail_nth_pending(s->m) < 8, 0, 0);
        break;
    case 1: {
        pt_fault_attr fa, back;
        uint8_t p = u8(r);
        memset(&fa, 0, sizeof(fa));
        fa.probability = p < 100 ? 0 : p < 180 ? 100 : p % 101;
        fa.interval = u8(r) % 5;
        fa.times = (int64_t)(int8_t)u8(r) % 6;
        fa.space = (int64_t)(u8(r) % 4);            /* pages (should_fail's size 1 << order) */
        fa.verbose = u8(r) % 3;
        fa.task_fail_nth = u8(r) % 4 == 0 ? u8(r) % 6 : 0;
        fa.min_order = u8(r) % 2;
        fa.ignore_gfp_wait = u8(r) % 2;
        fa.ignore_gfp_highmem = u8(r) % 2;
        fa.require_sites = u8(r) % 2 ? u16(r) : 0;
        fa.reject_sites = u8(r) % 2 ? u16(r) : 0;
        fa.rng = u64(r);
        fa.v4_18_order = (int)(fa.rng & 1);         /* both orders, no extra input byte */
        CALL(pt_fault_attr_set);
        pt_fault_attr_set(s->m, &fa);
        CALL(pt_fault_attr_get);
        pt_fault_attr_get(s->m, &back);
        CHECK(back.probability == fa.probability && back.require_sites < (1u << PT_NR_SITES),
              back.probability, back.require_sites);
        break;
    }
    case 2: {
        pt_fault_info fi;
        pt_report rep;
        CALL(pt_fault_info_get);
        pt_fault_info_get(s->m, &fi);
        CHECK(fi.last_failed_reason >= PT_FAIL_NONE && fi.last_failed_reason <= PT_FAIL_OOM,
              fi.last_failed_reason, 0);
        CALL(pt_fault_log_count);
        size_t n = pt_fault_log_count(s->m);
        CHECK(n <= PT_FAULT_LOG_SIZE, n, 0);
        CALL(pt_fault_log_get);
        if (n)
            CHECK(pt_fault_log_get(s->m, u8(r) % n, &rep) == PT_OK, n, 0);
        CHECK(pt_fault_log_get(s->m, n, &rep) == PT_EINVAL, n, 0);
        if (u8(r) & 1) {
            CALL(pt_fault_log_clear);
            pt_fault_log_clear(s->m);
        }
        break;
    }
    default: {
        int pol = (int)(u8(r) % 6) - 1;
        uint64_t q = u8(r) & 1 ? u8(r) % 8 : u32(r);
        CALL(pt_alloc_policy_set);
        int rc = pt_alloc_policy_set(s->m, pol, q, u64(r));
        if (pol < PT_ALLOC_LIFO || pol > PT_ALLOC_QUARANTINE ||
            (pol == PT_ALLOC_QUARANTINE && q > s->ram_pages))
            CHECK(rc == PT_EINVAL, rc, pol);
        else
            CHECK(rc == PT_OK, rc, pol);
        CALL(pt_quarantined);
        CHECK(pt_quarantined(s->m) <= s->ram_pages, 0, 0);
        break;
    }
    }
}

static void op_phys(struct rd *r, struct st *s)
{
    uint8_t buf[64], k = u8(r);
    uint64_t pa = gen_pa(r, s);
    size_t n = k & 0x40 ? u8(r) % 64 + 1 : 8;
    uint64_t ram = s->ram_pages * PAGE;
    int inside = pa <= ram && n <= ram - pa;
    if (k & 1) {
        CALL(pt_read_phys);
        CHECK(pt_read_phys(s->m, pa, buf, n) == (inside ? PT_OK : PT_EINVAL), pa, n);
        return;
    }
    /* what to write: an entry pointing to a table, a leaf, a bit flip, zero, bytes */
    uint64_t old = 0, val;
    if (inside && n >= 8)
        pt_read_phys(s->m, pa, (uint8_t *)&old, 8);
    switch ((k >> 1) % 6) {
    case 0: val = (gen_entry_pa(r, s) & 0x000ffffffffff000ULL) | 0x63; break;
    case 1: val = (gen_phys(r, G1) & ~(M2 - 1)) | 0xe3; break;
    case 2: val = old ^ (1ULL << (u8(r) % 64)); break;
    case 3: val = 0; break;
    case 4: {
        uint64_t pfn = u16(r) % s->ram_pages, flags = u8(r);
        val = pfn * PAGE | flags;
        break;
    }
    default: val = u64(r); break;
    }
    memset(buf, 0, sizeof(buf));
    for (size_t i = 0; i < n; i += 8)
        memcpy(buf + i, &val, n - i < 8 ? n - i : 8);
    CALL(pt_write_phys);
    CHECK(pt_write_phys(s->m, pa, buf, n) == (inside ? PT_OK : PT_EINVAL), pa, n);
}

static void op_frames(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    switch (k % 4) {
    case 0: {
        uint64_t pa = 1;
        CALL(pt_alloc_data_page);
        int rc = pt_alloc_data_page(s->m, &pa);
        CHECK(rc == PT_OK || rc == PT_ENOMEM, rc, 0);
        if (rc == PT_OK) {
            CHECK(pa && !(pa & (PAGE - 1)) && pa < s->ram_pages * PAGE, pa, 0);
            s->data[s->ndata++ % NPOOL] = pa;
        } else {
            CHECK(pa == 0, pa, 0);
        }
        break;
    }
    case 1: {
        uint64_t pa = (k & 0x80) ? gen_pa(r, s)
                      : s->ndata ? s->data[u8(r) % (s->ndata < NPOOL ? s->ndata : NPOOL)] : PAGE;
        CALL(pt_free_data_page);
        int rc = pt_free_data_page(s->m, pa);
        CHECK(rc == PT_OK || rc == PT_EINVAL, rc, pa);
        break;
    }
    case 2: {
        pt_frame_info fi;
        uint64_t pfn = k & 0x80 ? u64(r) : u16(r) % (s->ram_pages + 2);
        CALL(pt_frame_info_get);
        int rc = pt_frame_info_get(s->m, pfn, &fi);
        CHECK(rc == (pfn < s->ram_pages ? PT_OK : PT_EINVAL), rc, pfn);
        if (rc == PT_OK)
            CHECK(fi.state >= 0 && fi.state <= 2 && fi.owner >= 0 && fi.owner < PT_NR_OWNERS,
                  fi.state, fi.owner);
        CALL(pt_deferred_is_pending);
        rc = pt_deferred_is_pending(s->m, pfn);
        CHECK(rc == 0 || rc == 1, rc, pfn);
        break;
    }
    default: {
        int site = (int)(int8_t)u8(r) % 12;
        uint32_t order = 9;
        int sleep = 9, high = 9;
        CALL(pt_site_name);
        CHECK(pt_site_name(site) != NULL, site, 0);
        CALL(pt_owner_name);
        CHECK(pt_owner_name(site) != NULL, site, 0);
        CALL(pt_site_gfp);
        int rc = pt_site_gfp(site, &order, &sleep, &high);
        CHECK(rc == (site >= 0 && site < PT_NR_SITES ? PT_OK : PT_EINVAL), rc, site);
        break;
    }
    }
}

static void op_mtrr(struct rd *r, struct st *s)
{
    (void)s;
    uint8_t k = u8(r);
    if (k & 1) {
        CALL(pt_mtrr_set_default);
        int type = u8(r) % 8, enabled = u8(r) % 2;
        pt_mtrr_set_default(s->m, type, enabled);
        return;
    }
    uint64_t base = gen_phys(r, G1), size = k & 2 ? gen_size(r, s) : u64(r);
    static const int types[] = { 0, 1, 4, 5, 6, 7, 255 };
    int type = types[u8(r) % 7];
    CALL(pt_mtrr_add);
    int rc = pt_mtrr_add(s->m, base, size, type);
    CHECK(rc == PT_OK || rc == PT_EINVAL, rc, 0);
}

static void op_inspect(struct rd *r, struct st *s)
{
    static char dump[1 << 16];
    static pt_mapping maps[64];
    uint8_t k = u8(r);
    switch (k % 6) {
    case 0: {
        pt_walk_result w;
        CALL(pt_walk);
        CHECK(pt_walk(s->m, gen_any_va(r, s), &w) == PT_OK, 0, 0);
        CHECK(w.nentries >= 0 && w.nentries <= 4, w.nentries, 0);
        CHECK(w.leaf_level == 0 || w.leaf_level == PT_LEVEL_PUD || w.leaf_level == PT_LEVEL_PMD ||
              w.leaf_level == PT_LEVEL_PTE, w.leaf_level, 0);
        break;
    }
    case 1: {
        uint64_t a = gen_vmalloc_va(r, s), e;
        e = k & 0x10 ? VSTART + VSIZE : a + gen_size(r, s);
        if (e > VSTART + VSIZE)
            e = VSTART + VSIZE;
        size_t cap = u8(r) % 65;
        CALL(pt_mappings);
        size_t n = pt_mappings(s->m, a, e, maps, cap);
        CALL(pt_mappings_limit);
        CHECK(n <= pt_mappings_limit(s->m) + 1, n, 0);
        for (size_t i = 1; i < n && i < cap; i++)
            CHECK(maps[i - 1].va < maps[i].va, i, n);
        for (size_t i = 0; i < n && i < cap; i++)
            CHECK(maps[i].size == PAGE || maps[i].size == M2 || maps[i].size == G1, maps[i].size, i);
        break;
    }
    case 2: {
        size_t cap = k & 0x10 ? sizeof(dump) : u16(r) % 512;
        if (s->ndump++)          /* corrupted tables can dump megabytes: one per input */
            break;
        CALL(pt_ptdump);
        size_t len = pt_ptdump(s->m, cap ? dump : NULL, cap);
        CHECK(len >= 1, len, 0);
        if (cap)
            CHECK(strlen(dump) == (len - 1 < cap - 1 ? len - 1 : cap - 1), strlen(dump), len);
        break;
    }
    case 3: {
        pt_table_census c;
        CALL(pt_census);
        pt_census(s->m, &c);
        uint64_t sum = 0;
        for (int i = 0; i < 6; i++)
            sum += c.by_level[i];
        CHECK(sum == c.total && c.by_level[PT_LEVEL_PGD] == 1, sum, c.total);
        break;
    }
    case 4: {
        CALL(pt_check_leaks);
        size_t before = pt_report_count(s->m);
        size_t n = pt_check_leaks(s->m);
        CHECK(pt_report_count(s->m) == before + n, n, before);
        break;
    }
    default: {
        static pt_event ev[32];
        CALL(pt_event_count);
        size_t n = pt_event_count(s->m);
        if (!s->record)
            CHECK(n == 0, n, 0);
        size_t first = k & 0x10 ? n - (n > 32 ? 32 : n) : u64(r);
        CALL(pt_events_get);
        size_t got = pt_events_get(s->m, first, ev, 32);
        CHECK(got <= 32 && (first >= n ? got == 0 : got <= n - first), got, first);
        for (size_t i = 0; i < got; i++)
            CHECK(ev[i].kind >= PT_EV_ROOT && ev[i].kind <= PT_EV_FREE, ev[i].kind, i);
        CALL(pt_op);
        CALL(pt_ncpus);
        CHECK(pt_ncpus(s->m) == s->ncpus, pt_op(s->m), 0);
        {   /* every slot has a body and an origin; an index past the last gives NULL */
            const char *origin = NULL;
            int i = (int)(k & 0x3f) - 8, nslots = 0;    /* -8 .. 55: out of range both ways */
            CALL(pt_machine_kernel_body);
            while (nslots < 1000 && pt_machine_kernel_body(s->m, nslots, &origin))
                nslots++;
            CHECK(nslots > 20 && nslots < 1000, nslots, 0);
            const char *name = pt_machine_kernel_body(s->m, i, &origin);
            CHECK((name != NULL) == (i >= 0 && i < nslots), (uint64_t)i, name != NULL);
            CHECK(!name || (origin && origin[0]), (uint64_t)i, 0);
        }
        if (k & 0x20) {
            CALL(pt_reports_clear);
            pt_reports_clear(s->m);
            s->reports_seen = 0;
        }
        break;
    }
    }
}

static void op_deferred_probe(struct rd *r, struct st *s)
{
    uint8_t k = u8(r);
    switch (k % 4) {
    case 0: {
        uint64_t nfreed = 99, before = pt_deferred_count(s->m);
        CALL(pt_run_deferred_work);
        check_entry(pt_run_deferred_work(s->m, &nfreed), 0);
        CHECK(nfreed <= before, nfreed, before);
        CALL(pt_deferred_count);
        CHECK(pt_deferred_count(s->m) == 0, 0, 0);
        break;
    }
    case 1: {
        uint64_t pfns[16];
        size_t cap = u8(r) % 17;
        CALL(pt_deferred_list);
        size_t n = pt_deferred_list(s->m, pfns, cap);
        CALL(pt_deferred_count);
        CHECK(n <= pt_deferred_count(s->m), n, 0);
        for (size_t i = 0; i < n && i < cap; i++)
            CHECK(pfns[i] < s->ram_pages, pfns[i], i);
        break;
    }
    case 2: {
        uint64_t op, st, en;
        CALL(pt_iommu_inval_count);
        size_t n = pt_iommu_inval_count(s->m);
        size_t kept = n < 64 ? n : 64;
        CALL(pt_iommu_inval_get);
        if (kept)
            CHECK(pt_iommu_inval_get(s->m, kept - 1, &op, &st, &en) == PT_OK, kept, 0);
        CHECK(pt_iommu_inval_get(s->m, kept + (u8(r) & 3), &op, &st, &en) == PT_EINVAL, kept, 0);
        break;
    }
    default: {
        static uint64_t entries[512];
        uint64_t op, pa;
        int point = (int)(u8(r) % 4) - 1;
        if (k & 0x10) {
            CALL(pt_probe_set);
            int rc = pt_probe_set(s->m, point);
            CHECK(rc == ((point == PT_PROBE_NONE || point == PT_PROBE_PUD_FREE_BEFORE_FREE_PMD)
                         ? PT_OK : PT_EINVAL), rc, point);
        }
        CALL(pt_probe_get);
        uint64_t hits = pt_probe_get(s->m, &op, &pa, entries);
        if (hits)
            CHECK(pa < s->ram_pages * PAGE, pa, hits);
        break;
    }
    }
}

static void op_bench(struct rd *r, struct st *s)
{
    double ns[3];
    uint64_t allocs[3];
    int ok[3];
    uint64_t vas[8];
    int reps = u8(r) % 3;
    uint8_t k = u8(r);
    int rc;
    switch (k % 8) {
    case 7:
        CALL(pt_bench_machine_cycle);
        rc = pt_bench_machine_cycle(&s->cfg, reps, ns);
        CHECK(rc == PT_OK, rc, 0);
        break;
    case 0:
        CALL(pt_bench_pte_loop);
    {
        uint64_t npte = u16(r) % 2048, phys = gen_phys(r, 0), prot = gen_prot(r);
        rc = pt_bench_pte_loop(npte, phys, prot, reps, ns);
    }
        CHECK(rc == PT_OK, rc, 0);
        break;
    case 1:
        CALL(pt_bench_pte_loop2);
    {
        uint64_t npte = k & 0x80 ? UINT64_MAX / 4 : u16(r) % 2048;
        int scalar = u8(r) & 1;
        rc = pt_bench_pte_loop2(npte, 0, 0x163, reps, scalar, ns);
    }
        CHECK(rc == ((k & 0x80) ? PT_EINVAL : PT_OK), rc, k);
        break;
    case 2: {
        uint64_t a, e;
        gen_range(r, s, &a, &e);
        if (e - a > 64 * M2 || e <= a)
            e = a + PAGE;
        CALL(pt_bench_ioremap);
        uint64_t phys = gen_phys(r, e - a), prot = gen_prot(r);
        e = a + clamp_if_not_present(prot, e - a);
        rc = pt_bench_ioremap(s->m, a, e - a, phys, prot, reps, ns);
        CHECK(rc == PT_OK || rc == PT_EINVAL, rc, 0);
        break;
    }
    case 3: {
        size_t n = u8(r) % 8 + 1;
        for (size_t i = 0; i < n; i++)
            vas[i] = gen_any_va(r, s);
        CALL(pt_bench_translate_many);
        int c = gen_cpu(r, s);
        size_t nn = u8(r) & 7 ? n : 0;
        rc = pt_bench_translate_many(s->m, c, vas, nn, reps, ns);
        CHECK(rc == PT_OK || rc == PT_EINVAL, rc, 0);
        break;
    }
    case 4: {
        size_t n = u8(r) % 8 + 1;
        for (size_t i = 0; i < n; i++)
            vas[i] = gen_any_va(r, s);
        CALL(pt_bench_chase);
        rc = pt_bench_chase(vas, u8(r) & 7 ? n : 0, reps, ns);
        CHECK(rc == PT_OK || rc == PT_EINVAL, rc, 0);
        break;
    }
    case 5: {
        uint64_t base = gen_vmalloc_va(r, s) & ~(G1 - 1);
        int nslots = u8(r) % 5;
        uint64_t stride = (u8(r) & 1) ? M2 : G1;
        if (base + 5 * stride + 4 * M2 > VSTART + VSIZE)
            base = VSTART;
        uint64_t size = (uint64_t)(u8(r) % 4 + 1) * (k & 0x80 ? M2 : PAGE);
        uint64_t phys = gen_phys(r, 4 * M2) & ~(M2 - 1), prot = gen_prot(r);
        int iters = u8(r) % 4;
        size = clamp_if_not_present(prot, size);
        CALL(pt_bench_ioremap_cycles);
        rc = pt_bench_ioremap_cycles(s->m, base, stride, nslots, size, phys, prot, iters, reps, ns);
        CHECK(rc == PT_OK || rc == PT_EINVAL, rc, 0);
        break;
    }
    default: {
        uint64_t va = gen_vmalloc_va(r, s) & ~(G1 - 1);
        int nptes = (int)(u8(r) % 12) - 2;
        uint64_t leave = u8(r) & 1 ? UINT64_MAX : u8(r) % 32;
        CALL(pt_bench_pud_free);
        rc = pt_bench_pud_free(s->m, u8(r) == 0 ? va + PAGE : va, nptes, leave, reps ? reps : 1,
                               ns, allocs, ok);
        CHECK(rc == PT_OK || rc == PT_EINVAL || rc == PT_ENOMEM, rc, 0);
        break;
    }
    }
}

/* ---- the configuration ---- */

static uint32_t gen_cache(struct rd *r)
{
    static const uint32_t sizes[] = { 0, 1, 2, 4, 8, 16, 32, 64, 3, 128, 1024, 12 };
    uint8_t k = u8(r);
    if (k >= 250)                    /* invalid: pt_machine_new refuses */
        return k == 255 ? u32(r) | (1u << 20) : k == 254 ? 6 : 1536;
    return sizes[k % (sizeof(sizes) / sizeof(sizes[0]) - 1)];
}

static pt_machine *gen_machine(struct rd *r, struct st *s)
{
    pt_config cfg;
    char err[256];
    memset(&cfg, 0, sizeof(cfg));
    uint8_t a = u8(r), b = u8(r), c = u8(r), d = u8(r);
    cfg.paging = d == 255 ? 5 : PT_PAGING_4LEVEL;
    cfg.ncpus = c < 200 ? 1 + c % 4 : c < 250 ? 1 + c % 64 : (int)(int8_t)u8(r) * 2;
    uint16_t rp = u16(r);
    /* mostly small (OOM paths; bounded work), sometimes 4096 frames, rarely invalid */
    cfg.ram_pages = rp >= 65000 ? rp % 16 : rp % 8 == 0 ? 16 + rp % 4081 : 16 + rp % 497;
    cfg.seed = u64(r);
    pt_profile *p = &cfg.profile;
    p->ioremap_pud_capable = a & 1;
    p->ioremap_pmd_capable = (a >> 1) & 1;
    p->prealloc_vmalloc_pgd = (a >> 2) & 1;
    p->free_tables = (a >> 3) & 1;
    p->ioremap_try_huge_helpers = (a >> 4) & 1;
    p->ioremap_va_align_check = (a >> 5) & 1;
    p->vmap_range_form = (a >> 6) & 1;
    p->ioremap_force_nx = (a >> 7) & 1;
    p->pud_free = b % 3;
    p->free_flush = (b >> 2) & 1;
    p->deferred_free = (b >> 3) & 1;
    p->iomap_max_page_shift = (b >> 4) & 1 ? 12 : 63;
    p->ioremap_vm_area_check = (d >> 3) & 1;     /* v6.9 */
    p->vunmap_warn_partial_huge = (d >> 4) & 1;  /* v6.16 */
    p->vmap_ptdump_lock = (d >> 5) & 1;          /* v7.2 */
    cfg.invlpg_covering = (b >> 5) & 1;
    cfg.sanitize = ((b >> 6) & 3) != 3;
    cfg.speculation = d % 2;
    cfg.record_events = (d & 6) == 6;   /* the event log is costly: 1 in 4 */
    for (int i = 0; i < 3; i++)
        cfg.tlb_entries[i] = gen_cache(r);
    for (int i = 0; i < 3; i++)
        cfg.psc_entries[i] = gen_cache(r);
    CALL(pt_machine_new);
    pt_machine *m = pt_machine_new(&cfg, err, sizeof(err));
    if (!m) {
        CHECK(strlen(err) > 0, 0, 0);
        return NULL;
    }
    s->m = m;
    s->cfg = cfg;
    s->ncpus = cfg.ncpus;
    s->ram_pages = cfg.ram_pages;
    s->record = cfg.record_events;
    CALL(pt_ncpus);
    CHECK(pt_ncpus(m) == cfg.ncpus, pt_ncpus(m), cfg.ncpus);
    CALL(pt_root);
    CHECK(pt_root(m) && pt_root(m) < cfg.ram_pages * PAGE && !(pt_root(m) & (PAGE - 1)), pt_root(m), 0);
    CALL(pt_arena_pooled);
    int pooled = pt_arena_pooled(cfg.ram_pages);
    CHECK(pooled >= 0 && pooled <= 4, pooled, 0);
    return m;
}

typedef void (*op_fn)(struct rd *, struct st *);
static const op_fn ops[] = {
    op_ioremap_page_range, op_ioremap_page_range, op_unmap, op_unmap, op_one_entry,
    op_one_entry, op_flush, op_ioremap, op_ioremap, op_iounmap, op_vmarea_misc,
    op_cpu_access, op_cpu_access, op_translate_many, op_cpu_control, op_cpu_control,
    op_faults, op_phys, op_frames, op_mtrr, op_inspect, op_inspect, op_deferred_probe,
    op_bench, op_unaligned_range,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rd r = { data, size, 0 };
    static struct st s;
    memset(&s, 0, sizeof(s));
    if (!gen_machine(&r, &s))
        return 0;
    for (int i = 0; i < MAX_OPS && more(&r); i++) {
        uint8_t k = u8(&r);
        ops[(k & 0x7f) % (sizeof(ops) / sizeof(ops[0]))](&r, &s);
        check_reports(&s);
        if (s.reports_seen > 4096) {     /* bound the host memory of one run */
            CALL(pt_reports_clear);
            pt_reports_clear(s.m);
            s.reports_seen = 0;
        }
        if (k & 0x80) {
            check_stats(&s);
            check_areas(&s);
        }
    }
    check_stats(&s);
    check_areas(&s);
    check_reports(&s);
    CALL(pt_machine_free);
    pt_machine_free(s.m);
    s.m = NULL;
    return 0;
}
