/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cpu.c - the emulated x86-64 CPUs: CR3/CR4, TLBs, paging-structure caches, the walker,
 * page faults, and the invalidation instructions, as the Intel SDM Vol. 3A 4.10 describes
 * them.  The kernel's flushes (csrc/kernel/arch_x86_mm_tlb_v4_18.c, through kservices.c)
 * end here: __flush_tlb_one_kernel() is INVLPG, __flush_tlb_all() is a CR4.PGE toggle (or
 * a CR3 reload without PGE).
 *
 * Caches are set-associative (up to 4 ways, power-of-two sets) with a per-set round-robin
 * victim, so replacement is deterministic.  Hot paths allocate nothing.
 */
#include <stdlib.h>
#include <string.h>
#include "pgtable.h"
#include "util.h"

static const uint32_t tlb_shift[NR_TLB] = { 12, 21, 30 };
static const uint32_t psc_shift[NR_PSC] = { 39, 30, 21 };
static const int tlb_level[NR_TLB] = { PT_LEVEL_PTE, PT_LEVEL_PMD, PT_LEVEL_PUD };
static const int psc_level[NR_PSC] = { PT_LEVEL_PGD, PT_LEVEL_PUD, PT_LEVEL_PMD };

/* ---- set-associative caches ---- */

static int cache_init(struct pt_cache *c, uint32_t entries, uint32_t shift)
{
    memset(c, 0, sizeof(*c));
    c->shift = shift;
    if (!entries)
        return 0;
    c->ways = entries < 4 ? entries : 4;
    c->nsets = entries / c->ways;
    if (c->nsets * c->ways != entries || (c->nsets & (c->nsets - 1)))
        return -1;
    c->e = calloc(entries, sizeof(*c->e));
    c->next = calloc(c->nsets, 1);
    return (c->e && c->next) ? 0 : -1;
}

static void cache_free(struct pt_cache *c)
{
    free(c->e);
    free(c->next);
    c->e = NULL;
    c->next = NULL;
}

static inline struct pt_centry *cache_set(const struct pt_cache *c, uint64_t tag)
{
    return c->e + (tag & (c->nsets - 1)) * c->ways;
}

static inline struct pt_centry *cache_lookup(const struct pt_cache *c, uint64_t tag,
                                             uint32_t pcid, int global_ok)
{
    if (!c->nvalid)
        return NULL;
    struct pt_centry *set = cache_set(c, tag);
    for (uint32_t w = 0; w < c->ways; w++) {
        struct pt_centry *e = &set[w];
        if ((e->flags & CE_VALID) && e->tag == tag &&
            (e->pcid == pcid || (global_ok && (e->flags & CE_GLOBAL))))
            return e;
    }
    return NULL;
}

static inline void cache_insert(struct pt_cache *c, uint64_t tag, uint64_t pa, uint32_t pcid,
                                uint32_t flags)
{
    if (!c->nsets)
        return;
    uint64_t si = tag & (c->nsets - 1);
    struct pt_centry *set = c->e + si * c->ways, *victim = NULL;
    for (uint32_t w = 0; w < c->ways; w++) {
        struct pt_centry *e = &set[w];
        if ((e->flags & CE_VALID) && e->tag == tag &&
            (e->pcid == pcid || (e->flags & flags & CE_GLOBAL))) {
            victim = e;      /* refresh in place: one global entry per page, whatever PCID */
            break;
        }
        if (!victim && !(e->flags & CE_VALID))
            victim = e;
    }
    if (!victim) {
        victim = &set[c->next[si]];
        c->next[si] = (uint8_t)((uint32_t)c->next[si] + 1 == c->ways ? 0 : c->next[si] + 1);
    }
    if (!(victim->flags & CE_VALID))
        c->nvalid++;
    *victim = (struct pt_centry){ tag, pa, pcid, flags | CE_VALID };
}

/* Drop entries of one tag: those of pcid (if keep_global, only non-global ones), and, when
 * drop_global, global ones of any pcid. */
static void cache_drop_tag(struct pt_cache *c, uint64_t tag, uint32_t pcid, int drop_global)
{
    if (!c->nvalid)
        return;
    struct pt_centry *set = cache_set(c, tag);
    for (uint32_t w = 0; w < c->ways; w++) {
        struct pt_centry *e = &set[w];
        if (!(e->flags & CE_VALID) || e->tag != tag)
            continue;
        int global = (e->flags & CE_GLOBAL) != 0;
        if ((global && drop_global) || (!global && e->pcid == pcid)) {
            e->flags = 0;
            c->nvalid--;
        }
    }
}

/* Drop the entries of one tag that are associated with pcid (the PCID they were filled
 * under), global ones included; global entries of other PCIDs stay (page fault). */
static void cache_drop_tag_of_pcid(struct pt_cache *c, uint64_t tag, uint32_t pcid)
{
    if (!c->nvalid)
        return;
    struct pt_centry *set = cache_set(c, tag);
    for (uint32_t w = 0; w < c->ways; w++) {
        struct pt_centry *e = &set[w];
        if ((e->flags & CE_VALID) && e->tag == tag && e->pcid == pcid) {
            e->flags = 0;
            c->nvalid--;
        }
    }
}

/* Drop every entry matching: pcid (or any if all_pcids), and non-global unless with_global. */
static void cache_drop(struct pt_cache *c, uint32_t pcid, int all_pcids, int with_global)
{
    uint64_t n = (uint64_t)c->nsets * c->ways;
    for (uint64_t i = 0; i < n && c->nvalid; i++) {
        struct pt_centry *e = &c->e[i];
        if (!(e->flags & CE_VALID))
            continue;
        if ((e->flags & CE_GLOBAL) && !with_global)
            continue;
        if (all_pcids || e->pcid == pcid || (e->flags & CE_GLOBAL)) {
            e->flags = 0;
            c->nvalid--;
        }
    }
}

/* ---- machine setup ---- */

int pt_cpus_init(pt_machine *m, const pt_config *cfg)
{
    for (int i = 0; i < m->hw.ncpus; i++) {
        struct pt_cpu *cpu = &m->hw.cpus[i];
        cpu->cr3_root = m->pgd_pa;
        cpu->pcid = 0;
        cpu->pge = 1;
        cpu->pcide = 0;
        for (int s = 0; s < NR_TLB; s++)
            if (cache_init(&cpu->tlb[s], cfg->tlb_entries[s], tlb_shift[s]))
                return -1;
        for (int s = 0; s < NR_PSC; s++)
            if (cache_init(&cpu->psc[s], cfg->psc_entries[s], psc_shift[s]))
                return -1;
        __san_slot_switch(m, i, 0, 1);   /* the boot slot, whether the sanitizer is on or not */
    }
    return 0;
}

void pt_cpus_free(pt_machine *m)
{
    for (int i = 0; i < m->hw.ncpus; i++) {
        for (int s = 0; s < NR_TLB; s++)
            cache_free(&m->hw.cpus[i].tlb[s]);
        for (int s = 0; s < NR_PSC; s++)
            cache_free(&m->hw.cpus[i].psc[s]);
    }
}

static inline uint32_t cur_pcid(const struct pt_cpu *cpu) { return cpu->pcide ? cpu->pcid : 0; }

/* ---- invalidation primitives (SDM 4.10.4.1) ---- */

static void tlb_drop_page(struct pt_cpu *cpu, uint64_t va, uint32_t pcid, int drop_global)
{
    for (int s = 0; s < NR_TLB; s++)
        cache_drop_tag(&cpu->tlb[s], va >> tlb_shift[s], pcid, drop_global);
}

static void psc_drop_covering(struct pt_cpu *cpu, uint64_t va, uint32_t pcid)
{
    for (int s = 0; s < NR_PSC; s++)
        cache_drop_tag(&cpu->psc[s], va >> psc_shift[s], pcid, 0);
}

static void psc_drop(struct pt_cpu *cpu, uint32_t pcid, int all_pcids)
{
    for (int s = 0; s < NR_PSC; s++)
        cache_drop(&cpu->psc[s], pcid, all_pcids, 0);
}

static void tlb_drop(struct pt_cpu *cpu, uint32_t pcid, int all_pcids, int with_global)
{
    for (int s = 0; s < NR_TLB; s++)
        cache_drop(&cpu->tlb[s], pcid, all_pcids, with_global);
}

/* Everything, global entries and every PCID included (CR4.PGE toggle, INVPCID type 2). */
static void flush_everything(pt_machine *m, int c)
{
    struct pt_cpu *cpu = &m->hw.cpus[c];
    tlb_drop(cpu, 0, 1, 1);
    psc_drop(cpu, 0, 1);
    san_psc_flush_cpu(m, c);
    san_tlb_flush_cpu(m, c);
}

/*
 * A page fault on va (SDM Vol. 3A 4.10.4.1): "a page-fault exception resulting from an
 * attempt to use a linear address will invalidate any TLB entries that are for a page
 * number corresponding to that linear address and that are associated with the current
 * PCID. It also invalidates all entries in the paging-structure caches that would be used
 * for that linear address and that are associated with the current PCID."
 *
 * Which PCID a global entry is associated with: the one it was filled under.  4.10.2.2:
 * "As noted in Section 4.10.1, any TLB entries created by a logical processor are
 * associated with the current PCID"; 4.10.2.4: "A logical processor may use a global TLB
 * entry to translate a linear address, even if the TLB entry is associated with a PCID
 * different from the current PCID."  Unlike INVLPG ("It also invalidates any global TLB
 * entries with that page number, regardless of PCID"), the page-fault rule has no such
 * clause.  So the fault drops va's TLB entries of the current PCID, global or not, and
 * keeps those of other PCIDs, global ones included (which the CPU may still use: a fault
 * caused by such a global entry can recur until INVLPG or a global flush); and it drops
 * the current PCID's PML4E/PDPTE/PDE-cache entries for va only.
 *
 * Sanitizer: the PSC cover is exactly the current PCID's.  StaleTlbEntry tracks removed
 * global leaves per CPU without the PCID they were filled under, so the fault clears a
 * CPU's pending leaf only when CR4.PCIDE = 0: then every entry the CPU holds is PCID 0's
 * (4.10.1: "If CR4.PCIDE = 0, a logical processor does not cache information for any PCID
 * other than 000H"), the current one, and the fault really dropped it.  With PCIDE = 1 a
 * global entry filled under another PCID may survive, so the leaf stays pending.
 */
static void fault_invalidate(pt_machine *m, int c, uint64_t va)
{
    struct pt_cpu *cpu = &m->hw.cpus[c];
    uint32_t pcid = cur_pcid(cpu);
    for (int s = 0; s < NR_TLB; s++)
        cache_drop_tag_of_pcid(&cpu->tlb[s], va >> tlb_shift[s], pcid);
    psc_drop_covering(cpu, va, pcid);
    san_psc_cover(m, c, pcid, va);
    if (!cpu->pcide)
        san_tlb_flush_page(m, c, va);
}

/* ---- the walker ---- */

/* Sanitizer, inline on the walk: a table read must come from an allocated table frame of
 * the level being read (else the walk is a use-after-free; reported at its end). */
static inline int table_frame_ok(const pt_machine *m, uint64_t table, int level)
{
    if (!pt_pa_is_ram(m, table))
        return 1;
    static const uint8_t owner[6] = { 0, PT_OWNER_PGD, PT_OWNER_P4D, PT_OWNER_PUD,
                                      PT_OWNER_PMD, PT_OWNER_PTE };
    const struct pt_page *pg = &m->pages[table >> PAGE_SHIFT];
    return pg->state == PT_FRAME_ALLOCATED && pg->owner == owner[level];
}

static inline int perm_ok(uint32_t f, int acc)
{
    if ((acc & PT_ACC_WRITE) && !(f & CE_RW))
        return 0;
    if ((acc & PT_ACC_USER) && !(f & CE_US))
        return 0;
    if ((acc & PT_ACC_FETCH) && (f & CE_NX))
        return 0;
    return 1;
}

static inline uint32_t err_base(int acc)
{
    return ((acc & PT_ACC_WRITE) ? PT_PF_WRITE : 0) | ((acc & PT_ACC_USER) ? PT_PF_USER : 0) |
           ((acc & PT_ACC_FETCH) ? PT_PF_INSTR : 0);
}


/*
 * Translate va on CPU c.  spec: a speculative walk (never faults, sets no D bit, fills
 * caches).  Returns 0 with *pa_out, or 1 with *err_out (for spec: 1 = no translation).
 */
static int cpu_walk(pt_machine *m, int c, uint64_t va, int acc, int spec, uint64_t *pa_out,
                    uint32_t *err_out)
{
    struct pt_cpu *cpu = &m->hw.cpus[c];
    uint32_t pcid = cur_pcid(cpu);
    uint32_t err = err_base(acc);
    int bad = 0, bad_level = 0, level = PT_LEVEL_PGD, psc_hit = -1;
    uint64_t bad_pfn = 0, table = cpu->cr3_root;
    uint32_t perm = CE_RW | CE_US;

    /* 1. TLBs. A write through an entry whose D is clear walks again to set D. */
    for (int s = 0; s < NR_TLB; s++) {
        struct pt_centry *e = cache_lookup(&cpu->tlb[s], va >> tlb_shift[s], pcid, cpu->pge);
        if (!e)
            continue;
        if (!perm_ok(e->flags, acc)) {
            if (spec)
                return 1;
            err |= PT_PF_PROT;
            goto fault;
        }
        if ((acc & PT_ACC_WRITE) && !(e->flags & CE_DIRTY) && !spec)
            break;
        *pa_out = e->pa + (va & ((1ULL << tlb_shift[s]) - 1));
        return 0;
    }

    /* 2. Paging-structure caches, deepest hit first; else the root in CR3. */
    for (int s = NR_PSC - 1; s >= 0; s--) {
        struct pt_centry *e = cache_lookup(&cpu->psc[s], va >> psc_shift[s], pcid, 0);
        if (e) {
            table = e->pa;
            perm = e->flags & (CE_RW | CE_US | CE_NX);
            level = pt_child_level(psc_level[s]);
            psc_hit = s;
            break;
        }
    }

    /* 3. Memory. */
    for (;;) {
        uint32_t sh = pt_level_shift(level);
        uint64_t epa = table + ((va >> sh) & 511) * 8;
        uint64_t ent = 0;
        if (pt_pa_is_ram(m, table))
            ent = *(uint64_t *)(m->ram + epa);
        if (m->san.sanitize && !bad && !table_frame_ok(m, table, level)) {
            bad = 1;
            bad_pfn = table >> PAGE_SHIFT;
            bad_level = level;
        }
        if (!(ent & _PAGE_PRESENT))
            goto fault;
        int leaf = level == PT_LEVEL_PTE ||
                   ((level == PT_LEVEL_PUD || level == PT_LEVEL_PMD) && (ent & _PAGE_PSE));
        if ((level == PT_LEVEL_PGD && (ent & _PAGE_PSE)) ||
            (leaf && level != PT_LEVEL_PTE && (ent & ((1ULL << sh) - 1) & ~0x1fffULL))) {
            err |= PT_PF_PROT | PT_PF_RSVD;
            goto fault;
        }
        if (!(ent & _PAGE_RW))
            perm &= ~CE_RW;
        if (!(ent & _PAGE_USER))
            perm &= ~CE_US;
        if (ent & _PAGE_NX)
            perm |= CE_NX;

        if (!leaf) {
            if (!(ent & _PAGE_ACCESSED) && pt_pa_is_ram(m, table))
                *(uint64_t *)(m->ram + epa) = ent | _PAGE_ACCESSED;
            int s = level == PT_LEVEL_PGD ? PSC_PML4E : level == PT_LEVEL_PUD ? PSC_PDPTE : PSC_PDE;
            cache_insert(&cpu->psc[s], va >> psc_shift[s], ent & PTE_PFN_MASK, pcid, perm);
            table = ent & PTE_PFN_MASK;
            level = pt_child_level(level);
            continue;
        }

        if (!perm_ok(perm, acc)) {
            err |= PT_PF_PROT;
            goto fault;
        }
        uint64_t upd = ent | _PAGE_ACCESSED;
        if ((acc & PT_ACC_WRITE) && !spec)
            upd |= _PAGE_DIRTY;
        if (upd != ent && pt_pa_is_ram(m, table))
            *(uint64_t *)(m->ram + epa) = upd;
        uint64_t size = 1ULL << sh;
        uint64_t base = upd & __PHYSICAL_MASK & ~(size - 1);
        int s = level == PT_LEVEL_PTE ? TLB_4K : level == PT_LEVEL_PMD ? TLB_2M : TLB_1G;
        uint32_t fl = perm | ((upd & _PAGE_GLOBAL) && cpu->pge ? CE_GLOBAL : 0) |
                      ((upd & _PAGE_DIRTY) ? CE_DIRTY : 0);
        cache_insert(&cpu->tlb[s], va >> sh, base, pcid, fl);
        *pa_out = base + (va & (size - 1));
        if (bad)
            san_report_uaf(m, c, va, bad_pfn, bad_level, psc_hit, 0, *pa_out);
        return 0;
    }

fault:
    if (bad)    /* the stale read happened, speculative or not */
        san_report_uaf(m, c, va, bad_pfn, bad_level, psc_hit, 1, 0);
    if (spec)
        return 1;
    *err_out = err;
    fault_invalidate(m, c, va);
    return 1;
}

/* ---- instructions ---- */

static void note_recent_page(pt_machine *m, uint64_t va)
{
    if (m->hw.speculation == PT_SPEC_RANDOM)
        pt_note_recent(m, va & PAGE_MASK, (va & PAGE_MASK) + PAGE_SIZE);
}

int pt_cpu_access(pt_machine *m, int c, uint64_t va, int acc, uint64_t *pa, uint32_t *err)
{
    if (c < 0 || c >= m->hw.ncpus)
        return PT_EINVAL;
    m->op++;
    note_recent_page(m, va);
    return cpu_walk(m, c, va, acc, 0, pa, err);
}

uint64_t pt_cpu_access1(pt_machine *m, int c, uint64_t va, int acc)
{
    uint64_t pa;
    uint32_t err = 0;
    if (c < 0 || c >= m->hw.ncpus)
        return UINT64_MAX;
    m->op++;
    note_recent_page(m, va);
    if (cpu_walk(m, c, va, acc, 0, &pa, &err)) {
        m->hw.cpus[c].last_err = err;
        return UINT64_MAX;
    }
    return pa;
}

uint32_t pt_cpu_last_error(const pt_machine *m, int c)
{
    return (c >= 0 && c < m->hw.ncpus) ? m->hw.cpus[c].last_err : 0;
}

size_t pt_cpu_translate_many(pt_machine *m, int c, const uint64_t *vas, uint64_t *out,
                             uint32_t *errs, size_t n)
{
    size_t faults = 0;
    if (c < 0 || c >= m->hw.ncpus)
        return 0;
    m->op++;
    const struct pt_cpu *cpu = &m->hw.cpus[c];
    const struct pt_cache *t4 = &cpu->tlb[TLB_4K];
    uint32_t pcid = cur_pcid(cpu);
    for (size_t i = 0; i < n; i++) {
        uint32_t err = 0;
        uint64_t va = vas[i];
        /* A supervisor read through a valid 4K TLB entry needs no permission or D check:
         * probe it inline before the full lookup. */
        if (t4->nvalid) {
            uint64_t tag = va >> 12;
            const struct pt_centry *e = t4->e + (tag & (t4->nsets - 1)) * t4->ways;
            const struct pt_centry *hit = NULL;
            for (uint32_t w = 0; w < t4->ways; w++)
                if ((e[w].flags & CE_VALID) && e[w].tag == tag &&
                    (e[w].pcid == pcid || (cpu->pge && (e[w].flags & CE_GLOBAL)))) {
                    hit = &e[w];
                    break;
                }
            if (hit) {
                out[i] = hit->pa + (va & (PAGE_SIZE - 1));
                if (errs)
                    errs[i] = 0;
                continue;
            }
        }
        /* A non-canonical address is never translated (it would #GP, SDM 3.3.7.1): it
         * gives FAULT with error code 0 and touches no cache. */
        uint64_t top = va >> 47;
        if ((top != 0 && top != 0x1ffff) || cpu_walk(m, c, va, 0, 0, &out[i], &err)) {
            out[i] = UINT64_MAX;
            faults++;
        }
        if (errs)
            errs[i] = err;
    }
    return faults;
}

int pt_cpu_speculate(pt_machine *m, int c, uint64_t va)
{
    uint64_t pa;
    uint32_t err;
    if (c < 0 || c >= m->hw.ncpus)
        return -1;
    return cpu_walk(m, c, va, 0, 1, &pa, &err) == 0;
}

/* INVLPG (SDM 4.10.4.1): the page's TLB entries (current PCID, and global ones in any
 * PCID) and every PSC entry of the current PCID (or, invlpg_psc="covering", those
 * covering va). */
static void cpu_invlpg(pt_machine *m, int c, uint64_t va)
{
    struct pt_cpu *cpu = &m->hw.cpus[c];
    uint32_t pcid = cur_pcid(cpu);
    cpu->stats.invlpg++;
    tlb_drop_page(cpu, va, pcid, 1);
    if (m->hw.invlpg_covering) {
        psc_drop_covering(cpu, va, pcid);
        san_psc_cover(m, c, pcid, va);
    } else {
        psc_drop(cpu, pcid, 0);
        san_psc_flush_slot(m, c, pcid);
    }
    san_tlb_flush_page(m, c, va);
}

int pt_cpu_invlpg(pt_machine *m, int c, uint64_t va)
{
    if (c < 0 || c >= m->hw.ncpus)
        return PT_EINVAL;
    cpu_invlpg(m, c, va);
    return PT_OK;
}

/* MOV to CR3: without the no-flush bit, the new PCID's non-global TLB entries and all its
 * PSC entries go (with CR4.PCIDE=0 the PCID is 0 and bit 63 must be 0). */
static void cpu_write_cr3(pt_machine *m, int c, uint64_t root, uint32_t pcid, int noflush)
{
    struct pt_cpu *cpu = &m->hw.cpus[c];
    cpu->cr3_root = root;
    cpu->pcid = pcid;
    if (!noflush) {
        tlb_drop(cpu, pcid, 0, 0);
        psc_drop(cpu, pcid, 0);
        /* with CR4.PGE=0 no entry is global and with CR4.PCIDE=0 every entry is PCID 0's:
         * this write emptied the TLB, so no removed leaf survives on this CPU (with PCIDE=1
         * other PCIDs' entries stay, and the sanitizer does not know under which PCID a
         * leaf was cached: it keeps them pending) */
        if (!cpu->pge && !cpu->pcide)
            san_tlb_flush_cpu(m, c);
    }
    san_slot_switch(m, c, pcid, !noflush);
}

int pt_cpu_write_cr3(pt_machine *m, int c, uint64_t root, uint32_t pcid, int noflush)
{
    if (c < 0 || c >= m->hw.ncpus)
        return PT_EINVAL;
    struct pt_cpu *cpu = &m->hw.cpus[c];
    if (pcid > 4095 || (!cpu->pcide && (pcid || noflush)) || (root & (PAGE_SIZE - 1)))
        return PT_EINVAL;
    cpu_write_cr3(m, c, root, pcid, noflush);
    return PT_OK;
}

/* INVPCID types 0-3 (SDM 4.10.4.1). */
int pt_cpu_invpcid(pt_machine *m, int c, int type, uint32_t pcid, uint64_t va)
{
    if (c < 0 || c >= m->hw.ncpus)
        return PT_EINVAL;
    struct pt_cpu *cpu = &m->hw.cpus[c];
    if (type < 0 || type > 3 || pcid > 4095 || (!cpu->pcide && type <= 1 && pcid))
        return PT_EINVAL;
    switch (type) {
    case 0:     /* individual address: non-global mappings for (va, pcid) */
        tlb_drop_page(cpu, va, pcid, 0);
        psc_drop_covering(cpu, va, pcid);
        san_psc_cover(m, c, pcid, va);
        break;
    case 1:     /* single context: all non-global mappings of pcid */
        tlb_drop(cpu, pcid, 0, 0);
        psc_drop(cpu, pcid, 0);
        san_psc_flush_slot(m, c, pcid);
        break;
    case 2:     /* all contexts, global translations included */
        flush_everything(m, c);
        break;
    case 3:     /* all contexts, except global translations */
        tlb_drop(cpu, 0, 1, 0);
        psc_drop(cpu, 0, 1);
        san_psc_flush_cpu(m, c);
        break;
    }
    return PT_OK;
}

/* Toggling CR4.PGE: every TLB entry (global ones too) and every PSC entry. */
int pt_cpu_flush_all(pt_machine *m, int c)
{
    if (c < 0 || c >= m->hw.ncpus)
        return PT_EINVAL;
    flush_everything(m, c);
    return PT_OK;
}

int pt_cpu_set_cr4(pt_machine *m, int c, int pge, int pcide)
{
    if (c < 0 || c >= m->hw.ncpus)
        return PT_EINVAL;
    struct pt_cpu *cpu = &m->hw.cpus[c];
    if (pcide && !cpu->pcide && cpu->pcid)
        return PT_EINVAL;           /* #GP: CR3[11:0] must be 0 to set PCIDE */
    int changed = (!!pge != cpu->pge) || (cpu->pcide && !pcide);
    cpu->pge = !!pge;
    if (cpu->pcide && !pcide) {
        cpu->pcid = 0;
        san_slot_switch(m, c, 0, 1);
    }
    cpu->pcide = !!pcide;
    if (changed)
        flush_everything(m, c);
    return PT_OK;
}

int pt_cpu_state_get(const pt_machine *m, int c, pt_cpu_state *out)
{
    if (c < 0 || c >= m->hw.ncpus)
        return PT_EINVAL;
    const struct pt_cpu *cpu = &m->hw.cpus[c];
    *out = (pt_cpu_state){ cpu->cr3_root, cpu->pcid, cpu->pge, cpu->pcide };
    return PT_OK;
}

static uint64_t tag_va(uint64_t tag, uint32_t shift)
{
    return (uint64_t)((int64_t)(tag << (shift + 16)) >> 16);   /* sign-extend bit 47 */
}

static size_t dump_cache(const struct pt_cache *c, int level, pt_cache_record *out, size_t cap,
                         size_t n)
{
    uint64_t total = (uint64_t)c->nsets * c->ways;
    for (uint64_t i = 0; i < total; i++) {
        const struct pt_centry *e = &c->e[i];
        if (!(e->flags & CE_VALID))
            continue;
        if (n < cap)
            out[n] = (pt_cache_record){ level, tag_va(e->tag, c->shift), e->pcid,
                                        e->pa >> PAGE_SHIFT, !!(e->flags & CE_GLOBAL),
                                        !!(e->flags & CE_RW), !!(e->flags & CE_US),
                                        !!(e->flags & CE_NX), !!(e->flags & CE_DIRTY) };
        n++;
    }
    return n;
}

size_t pt_cpu_tlb_entries(const pt_machine *m, int c, pt_cache_record *out, size_t cap)
{
    if (c < 0 || c >= m->hw.ncpus)
        return 0;
    size_t n = 0;
    for (int s = 0; s < NR_TLB; s++)
        n = dump_cache(&m->hw.cpus[c].tlb[s], tlb_level[s], out, cap, n);
    return n;
}

size_t pt_cpu_psc_entries(const pt_machine *m, int c, pt_cache_record *out, size_t cap)
{
    if (c < 0 || c >= m->hw.ncpus)
        return 0;
    size_t n = 0;
    for (int s = 0; s < NR_PSC; s++)
        n = dump_cache(&m->hw.cpus[c].psc[s], psc_level[s], out, cap, n);
    return n;
}

int pt_cpu_stats_get(const pt_machine *m, int cpu, pt_cpu_stats *out)
{
    if (cpu < 0 || cpu >= m->hw.ncpus)
        return PT_EINVAL;
    *out = m->hw.cpus[cpu].stats;
    return PT_OK;
}

/* ---- what the kernel's flushes execute on one CPU (ptlib/kernel.h via kservices.c) ---- */

/* __flush_tlb_one_kernel(): INVLPG. */
void pt_cpu_do_invlpg(pt_machine *m, int cpu, uint64_t addr)
{
    cpu_invlpg(m, cpu, addr);
}

/* __flush_tlb_all(): with PGE a CR4.PGE toggle (__flush_tlb_global), else a CR3 reload
 * (__flush_tlb). */
void pt_cpu_do_flush_tlb_all(pt_machine *m, int cpu)
{
    struct pt_cpu *c = &m->hw.cpus[cpu];
    c->stats.full_flushes++;
    if (c->pge)
        flush_everything(m, cpu);
    else
        cpu_write_cr3(m, cpu, c->cr3_root, c->pcid, 0);
}

/* ---- random speculation (fuzzing) ---- */


void pt_note_recent(pt_machine *m, uint64_t start, uint64_t end)
{
    m->hw.recent[m->hw.recent_next][0] = start;
    m->hw.recent[m->hw.recent_next][1] = end;
    m->hw.recent_next = (m->hw.recent_next + 1) % 64;
    if (m->hw.nrecent < 64)
        m->hw.nrecent++;
}

/* After a kernel step: each CPU walks a random page of a recently used range. */
void pt_speculate_random(pt_machine *m)
{
    if (m->hw.speculation != PT_SPEC_RANDOM || !m->hw.nrecent)
        return;
    for (int c = 0; c < m->hw.ncpus; c++) {
        uint64_t r = pt_splitmix64(&m->hw.rng) % m->hw.nrecent;
        uint64_t s = m->hw.recent[r][0], e = m->hw.recent[r][1];
        uint64_t pages = (e - s) >> PAGE_SHIFT;
        uint64_t va = s + (pages ? (pt_splitmix64(&m->hw.rng) % pages) << PAGE_SHIFT : 0);
        pt_cpu_speculate(m, c, va);
    }
}
