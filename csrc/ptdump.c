/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ptdump.c - software walkers of init_mm's tables: a translation walk (what the MMU would
 * resolve, by the entries' P and PS bits), the list of leaves, a census of reachable table
 * pages, and the kernel's /sys/kernel/debug/page_tables/kernel text
 * (arch/x86/mm/dump_pagetables.c, v5.x format with the PAT column).
 * None of these oops: a table pointer outside RAM is counted or flagged, not followed.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "pgtable.h"

/* Table of entries at physical pa, or NULL if pa is not RAM. */
static const uint64_t *table_at(const pt_machine *m, uint64_t pa)
{
    return pt_pa_is_ram(m, pa) ? (const uint64_t *)(m->ram + pa) : NULL;
}

int pt_walk(pt_machine *m, uint64_t va, pt_walk_result *out)
{
    static const int lv[4] = { PT_LEVEL_PGD, PT_LEVEL_PUD, PT_LEVEL_PMD, PT_LEVEL_PTE };
    static const int shift[4] = { PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT };
    memset(out, 0, sizeof(*out));
    uint64_t table = m->pgd_pa;
    for (int i = 0; i < 4; i++) {
        const uint64_t *t = table_at(m, table);
        if (!t) {
            out->bad_table = 1;
            return PT_OK;
        }
        uint64_t e = t[(va >> shift[i]) & 511];
        out->levels[out->nentries] = lv[i];
        out->entries[out->nentries++] = e;
        if (!(e & _PAGE_PRESENT))
            return PT_OK;
        bool leaf = (i == 3) || ((i == 1 || i == 2) && (e & _PAGE_PSE));
        if (i == 0 && (e & _PAGE_PSE))
            return PT_OK;   /* PS is reserved in a PML4E: no translation */
        if (leaf) {
            uint64_t size = 1ULL << shift[i];
            uint64_t base = e & __PHYSICAL_MASK & ~(size - 1);
            out->leaf_level = lv[i];
            out->page_size = size;
            out->pa = base + (va & (size - 1));
            uint64_t flags = e & ~(__PHYSICAL_MASK & ~(size - 1));
            out->prot = (i == 3) ? flags : pgprot_large_2_4k(flags & ~_PAGE_PSE);
            return PT_OK;
        }
        table = e & PTE_PFN_MASK;
    }
    return PT_OK;
}

/* Leaves overlapping [start, end): one record each, the leaf's own va; returns the count
 * (records past cap are counted, not written).  Tables that are not shared hold at most
 * pt_mappings_limit() leaves; past it (tables linked more than once, e.g. by write_phys)
 * the count stops at limit + 1. */
uint64_t pt_mappings_limit(const pt_machine *m) { return m->ram_pages * 512; }

size_t pt_mappings(pt_machine *m, uint64_t start, uint64_t end, pt_mapping *out, size_t cap)
{
    size_t n = 0;
    const uint64_t limit = pt_mappings_limit(m);
    if (start >= end)
        return 0;
    const uint64_t *pgd = table_at(m, m->pgd_pa);
    for (uint64_t a = start, next;; a = next) {
        /* a is inside [start, end); next is the following leaf or hole boundary. */
        uint64_t e;
        const uint64_t *t = pgd;
        e = t[pgd_index(a)];
        next = (a & PGDIR_MASK) + PGDIR_SIZE;
        if ((e & _PAGE_PRESENT) && !(e & _PAGE_PSE) && (t = table_at(m, e & PTE_PFN_MASK))) {
            e = t[pud_index(a)];
            next = (a & PUD_MASK) + PUD_SIZE;
            uint64_t size = PUD_SIZE;
            if ((e & _PAGE_PRESENT) && !(e & _PAGE_PSE) && (t = table_at(m, e & PTE_PFN_MASK))) {
                e = t[pmd_index(a)];
                next = (a & PMD_MASK) + PMD_SIZE;
                size = PMD_SIZE;
                if ((e & _PAGE_PRESENT) && !(e & _PAGE_PSE) &&
                    (t = table_at(m, e & PTE_PFN_MASK))) {
                    e = t[pte_index(a)];
                    next = (a & PAGE_MASK) + PAGE_SIZE;
                    size = PAGE_SIZE;
                }
            }
            if (e & _PAGE_PRESENT && (size == PAGE_SIZE || (e & _PAGE_PSE))) {
                if (n < cap) {
                    uint64_t mask = __PHYSICAL_MASK & ~(size - 1);
                    out[n].va = a & ~(size - 1);
                    out[n].pa = e & mask;
                    out[n].size = size;
                    out[n].prot = size == PAGE_SIZE ? (e & ~mask)
                                                    : pgprot_large_2_4k(e & ~mask & ~_PAGE_PSE);
                }
                if (++n > limit)
                    break;
            }
        }
        if (next == 0 || next >= end)
            break;
    }
    return n;
}

/* Reachable table pages from the root (frames referenced by present non-leaf entries).
 * Each (frame, level) counts and is walked once (a frame linked more than once, e.g. by
 * write_phys, would otherwise be walked 512^3 times). */
static void census_level(pt_machine *m, uint64_t pa, int depth, pt_table_census *c,
                         uint8_t *seen)
{
    static const int lv[4] = { PT_LEVEL_PGD, PT_LEVEL_PUD, PT_LEVEL_PMD, PT_LEVEL_PTE };
    const uint64_t *t = table_at(m, pa);
    if (!t) {
        c->bad_pointers++;
        return;
    }
    uint64_t pfn = pa >> PAGE_SHIFT;
    if (seen[pfn] & (1u << depth))
        return;
    seen[pfn] |= (uint8_t)(1u << depth);
    c->by_level[lv[depth]]++;
    c->total++;
    if (depth == 3)
        return;
    for (int i = 0; i < 512; i++) {
        uint64_t e = t[i];
        if (!(e & _PAGE_PRESENT) || (e & _PAGE_PSE))
            continue;
        census_level(m, e & PTE_PFN_MASK, depth + 1, c, seen);
    }
}

int pt_census(pt_machine *m, pt_table_census *out)
{
    memset(out, 0, sizeof(*out));
    uint8_t *seen = calloc(m->ram_pages, 1);    /* bit d: walked at depth d */
    if (!seen)
        return PT_ENOMEM;                   /* no host memory for the walk's bitmap */
    census_level(m, m->pgd_pa, 0, out, seen);
    free(seen);
    return PT_OK;
}

/* ---- ptdump: arch/x86/mm/dump_pagetables.c ---- */

struct sbuf {
    char *buf;
    size_t cap, len;
};

static void sb_printf(struct sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = s->len < s->cap ? s->cap - s->len : 0;
    int k = vsnprintf(room ? s->buf + s->len : NULL, room, fmt, ap);
    va_end(ap);
    if (k > 0)
        s->len += (size_t)k;
}

struct addr_marker {
    uint64_t start_address;
    const char *name;
};

static const struct addr_marker address_markers[] = {
    { 0, "User Space" },
    { 1ULL << 63, "Kernel Space" },
    { 0xffff888000000000ULL, "Low Kernel Mapping" },
    { VMALLOC_START, "vmalloc() Area" },
    { 0xffffea0000000000ULL, "Vmemmap" },
    { ~0ULL, NULL },
};

struct pg_state {
    int level;
    uint64_t current_prot, effective_prot;
    uint64_t start_address, current_address;
    const struct addr_marker *marker;
    uint64_t walks, max_walks;    /* lower tables walked; more than RAM frames: shared */
};

/* Descend into one more lower table?  Unshared tables are at most one walk per RAM frame;
 * past that (tables linked more than once, e.g. by write_phys) the entry is shown as it is,
 * which keeps the dump linear in RAM instead of 512^3 walks. */
static bool may_descend(struct pg_state *st)
{
    return st->walks++ < st->max_walks;
}

static void printk_prot(struct sbuf *s, uint64_t pr, int level)
{
    static const char *const level_name[] = { "cr3", "pgd", "p4d", "pud", "pmd", "pte" };
    if (!(pr & _PAGE_PRESENT)) {
        sb_printf(s, "                              ");
    } else {
        sb_printf(s, "%s", (pr & _PAGE_USER) ? "USR " : "    ");
        sb_printf(s, "%s", (pr & _PAGE_RW) ? "RW " : "ro ");
        sb_printf(s, "%s", (pr & _PAGE_PWT) ? "PWT " : "    ");
        sb_printf(s, "%s", (pr & _PAGE_PCD) ? "PCD " : "    ");
        /* Bit 7 has a different meaning on level 3 vs 4 */
        sb_printf(s, "%s", (level <= 4 && (pr & _PAGE_PSE)) ? "PSE " : "    ");
        sb_printf(s, "%s", ((level == 5 && (pr & _PAGE_PAT)) ||
                            ((level == 4 || level == 3) && (pr & _PAGE_PAT_LARGE)))
                               ? "PAT " : "    ");
        sb_printf(s, "%s", (pr & _PAGE_GLOBAL) ? "GLB " : "    ");
        sb_printf(s, "%s", (pr & _PAGE_NX) ? "NX " : "x  ");
    }
    sb_printf(s, "%s\n", level_name[level]);
}

static uint64_t normalize_addr(uint64_t u)
{
    return (uint64_t)((int64_t)(u << 16) >> 16);
}

static void note_page(struct sbuf *s, struct pg_state *st, uint64_t prot, uint64_t eff, int level)
{
    static const char units[] = "BKMGTPE";
    if (!st->level) {
        st->current_prot = prot;
        st->effective_prot = eff;
        st->level = level;
        st->marker = address_markers;
        sb_printf(s, "---[ %s ]---\n", st->marker->name);
    } else if (prot != st->current_prot || eff != st->effective_prot || level != st->level ||
               st->current_address >= st->marker[1].start_address) {
        const char *unit = units;
        uint64_t delta;
        sb_printf(s, "0x%016llx-0x%016llx   ", (unsigned long long)st->start_address,
                  (unsigned long long)st->current_address);
        delta = st->current_address - st->start_address;
        while (!(delta & 1023) && unit[1]) {
            delta >>= 10;
            unit++;
        }
        sb_printf(s, "%9llu%c ", (unsigned long long)delta, *unit);
        printk_prot(s, st->current_prot, st->level);
        if (st->current_address >= st->marker[1].start_address) {
            st->marker++;
            sb_printf(s, "---[ %s ]---\n", st->marker->name);
        }
        st->start_address = st->current_address;
        st->current_prot = prot;
        st->effective_prot = eff;
        st->level = level;
    }
}

static uint64_t effective_prot(uint64_t p1, uint64_t p2)
{
    return (p1 & p2 & (_PAGE_USER | _PAGE_RW)) | ((p1 | p2) & _PAGE_NX);
}

static void walk_pte_level(pt_machine *m, struct sbuf *s, struct pg_state *st, const uint64_t *t,
                           uint64_t eff_in, uint64_t P)
{
    (void)m;
    for (int i = 0; i < PTRS_PER_PTE; i++) {
        st->current_address = normalize_addr(P + (uint64_t)i * PAGE_SIZE);
        uint64_t prot = pte_flags((pte_t){ t[i] });
        note_page(s, st, prot, effective_prot(eff_in, prot), 5);
    }
}

static void walk_pmd_level(pt_machine *m, struct sbuf *s, struct pg_state *st, const uint64_t *t,
                           uint64_t eff_in, uint64_t P)
{
    for (int i = 0; i < PTRS_PER_PMD; i++) {
        pmd_t e = { t[i] };
        st->current_address = normalize_addr(P + (uint64_t)i * PMD_SIZE);
        if (!pmd_none(e)) {
            uint64_t prot = pmd_flags(e), eff = effective_prot(eff_in, prot);
            const uint64_t *sub = table_at(m, pmd_val(e) & pmd_pfn_mask(e));
            if (pmd_large(e) || !pmd_present(e) || !sub || !may_descend(st))
                note_page(s, st, prot, eff, 4);
            else
                walk_pte_level(m, s, st, sub, eff, P + (uint64_t)i * PMD_SIZE);
        } else {
            note_page(s, st, 0, 0, 4);
        }
    }
}

static void walk_pud_level(pt_machine *m, struct sbuf *s, struct pg_state *st, const uint64_t *t,
                           uint64_t eff_in, uint64_t P)
{
    for (int i = 0; i < PTRS_PER_PUD; i++) {
        pud_t e = { t[i] };
        st->current_address = normalize_addr(P + (uint64_t)i * PUD_SIZE);
        if (!pud_none(e)) {
            uint64_t prot = pud_flags(e), eff = effective_prot(eff_in, prot);
            const uint64_t *sub = table_at(m, pud_val(e) & pud_pfn_mask(e));
            if (pud_large(e) || !pud_present(e) || !sub || !may_descend(st))
                note_page(s, st, prot, eff, 3);
            else
                walk_pmd_level(m, s, st, sub, eff, P + (uint64_t)i * PUD_SIZE);
        } else {
            note_page(s, st, 0, 0, 3);
        }
    }
}

/* ptdump_walk_pgd_level_core(): with the p4d folded, a pgd entry is walked as a p4d. */
size_t pt_ptdump(pt_machine *m, char *buf, size_t cap)
{
    struct sbuf s = { buf, cap, 0 };
    struct pg_state st;
    memset(&st, 0, sizeof(st));
    st.max_walks = m->ram_pages;
    const uint64_t *pgd = table_at(m, m->pgd_pa);
    for (int i = 0; i < PTRS_PER_PGD; i++) {
        p4d_t e = { pgd[i] };
        st.current_address = normalize_addr((uint64_t)i * PGDIR_SIZE);
        bool hypervisor = i >= 256 && i < 272;   /* GUARD_HOLE_BASE_ADDR..END */
        if (!p4d_none(e) && !hypervisor) {
            uint64_t prot = p4d_flags(e), eff = prot;
            const uint64_t *sub = table_at(m, p4d_val(e) & PTE_PFN_MASK);
            if (pud_large((pud_t){ p4d_val(e) }) || !p4d_present(e) || !sub || !may_descend(&st))
                note_page(&s, &st, prot, eff, 1);
            else
                walk_pud_level(m, &s, &st, sub, eff, (uint64_t)i * PGDIR_SIZE);
        } else {
            note_page(&s, &st, 0, 0, 1);
        }
    }
    st.current_address = normalize_addr((uint64_t)PTRS_PER_PGD * PGDIR_SIZE);
    note_page(&s, &st, 0, 0, 0);
    if (st.walks > st.max_walks)
        sb_printf(&s, "---[ ptdump: %llu lower tables not walked: tables are linked more than "
                  "once ]---\n", (unsigned long long)(st.walks - st.max_walks));
    if (cap)
        buf[s.len < cap ? s.len : cap - 1] = '\0';
    return s.len + 1;
}
