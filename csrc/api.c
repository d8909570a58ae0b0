/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * api.c - the entry points that run kernel code: each runs one kernel function as one
 * operation (numbered, with the current machine set for the kernel header and a
 * BUG()/oops landing pad), then returns the kernel's result through an out-parameter.
 * The top layer: it calls the kernel side by its kernel names (kops/dispatch.c picks the
 * machine's bodies) and reads the machine's state; nothing below calls it.
 */
#include <stdlib.h>
#include <string.h>
#define PTLIB_MACHINE_SIDE
#include "internal.h"
#include <ptlib/kernel.h>
#include "kops/ops.h"

/* Locate the entry of a level for va in init_mm, or NULL when a table above is missing
 * (the kernel functions that take one entry get it from here). */
static pud_t *pt_lookup_pud(unsigned long va)
{
	p4d_t *p4d = p4d_offset(pgd_offset_k(va), va);
	if (p4d_none(*p4d) || !p4d_present(*p4d))
		return NULL;
	return pud_offset(p4d, va);
}

static pmd_t *pt_lookup_pmd(unsigned long va)
{
	pud_t *pud = pt_lookup_pud(va);
	if (!pud || pud_none(*pud) || !pud_present(*pud) || pud_large(*pud))
		return NULL;
	return pmd_offset(pud, va);
}

/* ---- entry points: one kernel function, one operation ---- */

/* The ranged entry points walk the PGD with a pointer (pgd++) and stop their PTE loops at
 * addr == end: a range must be page aligned and stay inside one PGD (its 512 entries cover
 * 2^48 bytes: start and end - 1 agree in bits 48..63), else the walk leaves the table.
 * start >= end is left to the kernel's BUG_ON. */
static int range_ok(uint64_t addr, uint64_t end)
{
    return !((addr | end) & (PAGE_SIZE - 1)) && (addr >= end || !((addr ^ (end - 1)) >> 48));
}

int pt_ioremap_page_range(pt_machine *m, uint64_t addr, uint64_t end, uint64_t phys,
                          uint64_t prot, int *ret)
{
    if (!range_ok(addr, end))
        return PT_EINVAL;
    PT_ENTER(m);
    if (m->hw.speculation == PT_SPEC_RANDOM)
        pt_note_recent(m, addr, end);
    m->op_va = addr;
    *ret = ioremap_page_range(addr, end, phys, __pgprot(prot));
    PT_LEAVE(m);
    return PT_OK;
}

int pt_unmap_kernel_range(pt_machine *m, uint64_t addr, uint64_t size)
{
    if (!range_ok(addr, addr + size))
        return PT_EINVAL;
    PT_ENTER(m);
    m->op_va = addr;
    unmap_kernel_range(addr, size);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_unmap_kernel_range_noflush(pt_machine *m, uint64_t addr, uint64_t size)
{
    if (!range_ok(addr, addr + size))
        return PT_EINVAL;
    PT_ENTER(m);
    m->op_va = addr;
    unmap_kernel_range_noflush(addr, size);
    PT_LEAVE(m);
    return PT_OK;
}

/* The one-entry functions take the kernel's entry pointer; Python gives a va. */
#define PT_PMD_OR_NOTABLE(m, va, pmd) \
    pmd_t *pmd = pt_lookup_pmd((va)); \
    if (!pmd) { PT_LEAVE(m); return PT_ENOTABLE; }
#define PT_PUD_OR_NOTABLE(m, va, pud) \
    pud_t *pud = pt_lookup_pud((va)); \
    if (!pud) { PT_LEAVE(m); return PT_ENOTABLE; }

int pt_pmd_set_huge(pt_machine *m, uint64_t va, uint64_t phys, uint64_t prot, int *ret)
{
    PT_ENTER(m);
    m->op_va = va;
    PT_PMD_OR_NOTABLE(m, va, pmd);
    *ret = pmd_set_huge(pmd, phys, __pgprot(prot));
    PT_LEAVE(m);
    return PT_OK;
}

int pt_pud_set_huge(pt_machine *m, uint64_t va, uint64_t phys, uint64_t prot, int *ret)
{
    PT_ENTER(m);
    m->op_va = va;
    PT_PUD_OR_NOTABLE(m, va, pud);
    *ret = pud_set_huge(pud, phys, __pgprot(prot));
    PT_LEAVE(m);
    return PT_OK;
}

int pt_pmd_clear_huge(pt_machine *m, uint64_t va, int *ret)
{
    PT_ENTER(m);
    m->op_va = va;
    PT_PMD_OR_NOTABLE(m, va, pmd);
    *ret = pmd_clear_huge(pmd);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_pud_clear_huge(pt_machine *m, uint64_t va, int *ret)
{
    PT_ENTER(m);
    m->op_va = va;
    PT_PUD_OR_NOTABLE(m, va, pud);
    *ret = pud_clear_huge(pud);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_pmd_free_pte_page(pt_machine *m, uint64_t va, int *ret)
{
    PT_ENTER(m);
    m->op_va = va;
    PT_PMD_OR_NOTABLE(m, va, pmd);
    *ret = pmd_free_pte_page(pmd, va);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_pud_free_pmd_page(pt_machine *m, uint64_t va, int *ret)
{
    PT_ENTER(m);
    m->op_va = va;
    PT_PUD_OR_NOTABLE(m, va, pud);
    *ret = pud_free_pmd_page(pud, va);
    PT_LEAVE(m);
    return PT_OK;
}

/* ---- TLB flushes ---- */

int pt_flush_tlb_kernel_pgtable_range(pt_machine *m, uint64_t start, uint64_t end)
{
    PT_ENTER(m);
    m->op_va = start;
    flush_tlb_kernel_pgtable_range(start, end);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_flush_tlb_kernel_range(pt_machine *m, uint64_t start, uint64_t end)
{
    /* an end inside the last page (other than TLB_FLUSH_ALL): the per-page loop would wrap */
    if (end != TLB_FLUSH_ALL && end > TLB_FLUSH_ALL - PAGE_SIZE + 1)
        return PT_EINVAL;
    PT_ENTER(m);
    m->op_va = start;
    flush_tlb_kernel_range(start, end);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_flush_tlb_all(pt_machine *m)
{
    PT_ENTER(m);
    flush_tlb_all();
    PT_LEAVE(m);
    return PT_OK;
}

size_t pt_flush_count(const pt_machine *m) { return m->log.nflushes; }

int pt_flush_get(const pt_machine *m, size_t i, pt_flush_event *out)
{
    if (i >= m->log.nflushes)
        return PT_EINVAL;
    *out = m->log.flushes[i];
    return PT_OK;
}

/* ---- v6.19 deferred free of kernel page tables ---- */

/* mm/pgtable-generic.c v6.19 kernel_pgtable_work_func(), run now. */
int pt_run_deferred_work(pt_machine *m, uint64_t *nfreed)
{
    uint64_t frees = m->alloc.stats.frees;
    *nfreed = 0;
    PT_ENTER(m);
    if (!list_empty(&m->k.kernel_pgtable_work.list))
        kernel_pgtable_work_func(NULL);
    *nfreed = m->alloc.stats.frees - frees;
    PT_LEAVE(m);
    return PT_OK;
}

size_t pt_deferred_list(const pt_machine *m, uint64_t *pfns, size_t cap)
{
    const struct list_head *head = &m->k.kernel_pgtable_work.list, *e;
    size_t n = 0;
    if (!head->next)
        return 0;
    /* newest first (list_add); stop at a corrupted link (a frame freed behind the queue's
     * back whose lru is the allocator's now) */
    for (e = head->next; e != head && n <= m->ram_pages; e = e->next, n++) {
        uint64_t pfn = (uint64_t)((const struct page *)
                                  ((const char *)e - offsetof(struct page, lru)) - m->k.mem_map);
        if (pfn >= m->ram_pages)
            break;
        if (n < cap)
            pfns[n] = pfn;
    }
    return n;
}

uint64_t pt_deferred_count(const pt_machine *m) { return pt_deferred_list(m, NULL, 0); }

int pt_deferred_is_pending(const pt_machine *m, uint64_t pfn)
{
    if (pfn >= m->ram_pages || m->pages[pfn].state != PT_FRAME_ALLOCATED)
        return 0;
    const struct list_head *l = &m->k.mem_map[pfn].lru;
    return l->next && l->next != l && l->next != LIST_POISON1;
}

size_t pt_iommu_inval_count(const pt_machine *m) { return m->log.niommu_inval; }

int pt_iommu_inval_get(const pt_machine *m, size_t i, uint64_t *op, uint64_t *start,
                       uint64_t *end)
{
    size_t kept = m->log.niommu_inval < 64 ? m->log.niommu_inval : 64;
    if (i >= kept)
        return PT_EINVAL;
    const uint64_t *e = m->log.iommu_inval[(m->log.niommu_inval - kept + i) % 64];
    *op = e[0];
    *start = e[1];
    *end = e[2];
    return PT_OK;
}

/* ---- vmap areas: x86 ioremap()/iounmap() ---- */

int pt_ioremap(pt_machine *m, uint64_t phys, uint64_t size, uint64_t prot, uint64_t *va_out,
               int *err)
{
    *va_out = 0;
    *err = 0;
    PT_ENTER(m);
    *va_out = __ioremap_caller(phys, size, __pgprot(prot), err);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_iounmap(pt_machine *m, uint64_t addr, int *found)
{
    *found = 0;
    PT_ENTER(m);
    m->op_va = addr;
    *found = iounmap(addr);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_purge_vmap_area_lazy(pt_machine *m)
{
    PT_ENTER(m);
    purge_vmap_area_lazy();
    PT_LEAVE(m);
    return PT_OK;
}

uint64_t pt_vmap_lazy_nr(const pt_machine *m) { return m->k.vmap_lazy_nr; }

uint64_t pt_lazy_max_pages(pt_machine *m)
{
    struct pt_kernel *saved = pt_kernel_current;
    pt_kernel_current = &m->k;
    uint64_t n = lazy_max_pages();
    pt_kernel_current = saved;
    return n;
}

size_t pt_vm_areas(const pt_machine *m, pt_vm_area *out, size_t cap)
{
    for (size_t i = 0; i < m->k.nvmap && i < cap; i++) {
        const struct vmap_area *va = &m->k.vmap[i];
        out[i] = (pt_vm_area){ va->va_start, va->va_end - va->va_start, va->phys_addr,
                               (va->flags & VM_PURGE_LIST) ? 1 : 0 };
    }
    return m->k.nvmap;
}

/* ---- init_mm's mmap lock, held from outside (Machine.mmap_write_lock()) ---- */

/* kernel.h's mmap_write_lock()/mmap_write_unlock() on init_mm, the writer flag that
 * mmap_read_trylock() tests; no kernel function runs, so this is no operation.  Not
 * nested: taking a held lock or dropping a free one is refused (the kernel's rwsem would
 * deadlock or go wrong). */
int pt_mmap_write_lock(pt_machine *m, int lock)
{
    struct pt_kernel *saved = pt_kernel_current;
    int rc = PT_OK;

    pt_kernel_current = &m->k;
    if (lock ? init_mm.mmap_lock.writer : !init_mm.mmap_lock.writer)
        rc = PT_EINVAL;
    else if (lock)
        mmap_write_lock(&init_mm);
    else
        mmap_write_unlock(&init_mm);
    pt_kernel_current = saved;
    return rc;
}

int pt_mmap_write_locked(pt_machine *m)
{
    struct pt_kernel *saved = pt_kernel_current;
    int held;

    pt_kernel_current = &m->k;
    held = init_mm.mmap_lock.writer;
    pt_kernel_current = saved;
    return held;
}

/* ---- probe points ---- */

int pt_probe_set(pt_machine *m, int point)
{
    if (point != PT_PROBE_NONE && point != PT_PROBE_PUD_FREE_BEFORE_FREE_PMD)
        return PT_EINVAL;
    if (point != PT_PROBE_NONE && !m->log.probe_entries &&
        !(m->log.probe_entries = calloc(512, sizeof(*m->log.probe_entries))))
        return PT_ENOMEM;
    m->log.probe_point = point;
    m->log.probe_hits = m->log.probe_op = m->log.probe_pa = 0;
    if (m->log.probe_entries)
        memset(m->log.probe_entries, 0, 512 * sizeof(*m->log.probe_entries));
    return PT_OK;
}

uint64_t pt_probe_get(const pt_machine *m, uint64_t *op, uint64_t *table_pa,
                      uint64_t *entries512)
{
    *op = m->log.probe_op;
    *table_pa = m->log.probe_pa;
    if (m->log.probe_entries)
        memcpy(entries512, m->log.probe_entries, 512 * sizeof(*m->log.probe_entries));
    else
        memset(entries512, 0, 512 * sizeof(*entries512));
    return m->log.probe_hits;
}

/* ---- which bodies the machine runs ---- */

const char *pt_machine_kernel_body(const pt_machine *m, int i, const char **origin)
{
    return pt_kernel_body(m->kops, i, origin);
}
