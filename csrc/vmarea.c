/*
 * vmarea.c - the vmap-area allocator and the x86 ioremap()/iounmap() around
 * ioremap_page_range(), ported from mm/vmalloc.c (v4.18) and arch/x86/mm/ioremap.c (v4.18).
 *
 * What is kept: __get_vm_area_node()'s size rounding, the VM_IOREMAP alignment
 * (1 << clamp(get_count_order_long(size), PAGE_SHIFT, IOREMAP_MAX_ORDER), x86-64:
 * IOREMAP_MAX_ORDER = PUD_SHIFT, arch/x86/include/asm/page_types.h) and the guard page;
 * alloc_vmap_area()'s bounds (vend = VMALLOC_END, the last byte) and its overflow path
 * (purge the lazy areas once, retry); remove_vm_area() -> free_unmap_vmap_area() ->
 * free_vmap_area_noflush(): the leaves are cleared, the tables stay, the area stays in
 * the tree (its range is not handed out again) until __purge_vmap_area_lazy() flushed
 * [min va_start, max va_end) of all lazy areas with one flush_tlb_kernel_range(); the
 * purge threshold lazy_max_pages() = fls(num_online_cpus()) * (32 MiB / PAGE_SIZE),
 * counted in pages of whole areas (guard page included) as vmap_lazy_nr.
 *
 * Simplified (said where it happens): the rbtree + address-sorted list of vmap_areas is
 * one sorted array inside the machine; the search is first fit from VMALLOC_START (the
 * kernel's free_vmap_cache / cached_hole_size shortcut, which usually starts above the
 * last allocated area, is not modelled); the vmap_purge_list is the model's VM_PURGE_LIST
 * flag on array entries (set where free_vmap_area_noflush() does its llist_add(), so an
 * area whose unmap oopsed is flagged VM_LAZY_FREE but never purged, as in the kernel);
 * vm_struct and vmap_area are one record; no per-CPU vmap blocks
 * (purge_fragmented_blocks_allcpus() has nothing to do); no memtype reservation, no
 * "ioremap on RAM" refusal (the emulated RAM is not an iomem resource tree), no
 * debug_pagealloc flush; locks and RCU are no-ops with one thread.  The array grows on
 * demand up to PT_VMAP_MAX_AREAS entries: a full array (or a failed growth) is treated like
 * alloc_vmap_area()'s overflow (purge once, retry, then fail) - the kernel's kmalloc of the
 * vmap_area could fail too.
 */
#include <stdlib.h>
#include <string.h>
#include "pgtable.h"

#define VM_IOREMAP 0x00000001ULL        /* include/linux/vmalloc.h v4.18 */
#define VM_NO_GUARD 0x00000040ULL       /* include/linux/vmalloc.h v4.18 */
#define VM_VM_AREA 0x04ULL              /* mm/vmalloc.c v4.18: va->flags */
#define VM_LAZY_FREE 0x02ULL            /* mm/vmalloc.c v4.18: va->flags */
#define VM_PURGE_LIST 0x100ULL          /* model: on vmap_purge_list (llist_add done) */
#define IOREMAP_MAX_ORDER 30            /* x86-64: PUD_SHIFT (asm/page_types.h) */
#define PT_VMALLOC_START 0xFFFFC90000000000ULL
#define PT_VMALLOC_END (PT_VMALLOC_START + (32ULL << 40) - 1)   /* last byte, as the kernel */
#define PT_ERR_ENOMEM 12
#define PT_ERR_EBUSY 16

typedef struct pt_vmap_area vmap_area;

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

/* include/linux/bitops.h fls() */
static unsigned fls32(unsigned x) { return x ? 32u - (unsigned)__builtin_clz(x) : 0u; }

/* include/linux/bitops.h get_count_order_long(): ceil(log2(l)), -1 for 0. */
static int get_count_order_long(uint64_t l)
{
    if (l == 0)
        return -1;
    return (int)(64 - __builtin_clzll(l)) - ((l & (l - 1)) == 0);
}

/* mm/vmalloc.c v4.18 lazy_max_pages() */
static uint64_t lazy_max_pages(pt_machine *m)
{
    unsigned log = fls32((unsigned)m->ncpus);   /* num_online_cpus() */
    return log * (32ULL * 1024 * 1024 / PAGE_SIZE);
}

/* mm/vmalloc.c v4.18 __find_vmap_area(): the area with va_start <= addr < va_end (the rbtree
 * walk is a binary search of the sorted array).  Index or -1. */
static long __find_vmap_area(pt_machine *m, uint64_t addr)
{
    long lo = 0, hi = (long)m->nvmap - 1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        vmap_area *va = &m->vmap[mid];
        if (addr < va->va_start)
            hi = mid - 1;
        else if (addr >= va->va_end)
            lo = mid + 1;
        else
            return mid;
    }
    return -1;
}

/* mm/vmalloc.c v4.18 __insert_vmap_area(): keep the array sorted; overlap is a BUG(). */
static void __insert_vmap_area(pt_machine *m, const vmap_area *va)
{
    uint32_t i = 0;
    while (i < m->nvmap && m->vmap[i].va_end <= va->va_start)
        i++;
    BUG_ON(m, i < m->nvmap && m->vmap[i].va_start < va->va_end, "__insert_vmap_area",
           va->va_start);
    memmove(&m->vmap[i + 1], &m->vmap[i], (m->nvmap - i) * sizeof(m->vmap[0]));
    m->vmap[i] = *va;
    m->nvmap++;
}

/* mm/vmalloc.c v4.18 __free_vmap_area(): out of the tree (kfree_rcu: nothing to model). */
static void __free_vmap_area(pt_machine *m, uint32_t i)
{
    memmove(&m->vmap[i], &m->vmap[i + 1], (m->nvmap - i - 1) * sizeof(m->vmap[0]));
    m->nvmap--;
}

/* mm/vmalloc.c v4.18 __purge_vmap_area_lazy(): one flush over [min start, max end) of every
 * lazily freed area, then the areas leave the tree and vmap_lazy_nr drops. */
static bool __purge_vmap_area_lazy(pt_machine *m, uint64_t start, uint64_t end)
{
    bool do_free = false;

    /* valist = llist_del_all(&vmap_purge_list): the VM_PURGE_LIST entries */
    for (uint32_t i = 0; i < m->nvmap; i++) {
        vmap_area *va = &m->vmap[i];
        if (!(va->flags & VM_PURGE_LIST))
            continue;
        if (va->va_start < start)
            start = va->va_start;
        if (va->va_end > end)
            end = va->va_end;
        do_free = true;
    }

    if (!do_free)
        return false;

    flush_tlb_kernel_range(m, start, end);

    for (uint32_t i = 0; i < m->nvmap;) {
        vmap_area *va = &m->vmap[i];
        if (!(va->flags & VM_PURGE_LIST)) {
            i++;
            continue;
        }
        uint64_t nr = (va->va_end - va->va_start) >> PAGE_SHIFT;
        __free_vmap_area(m, i);
        m->vmap_lazy_nr -= nr;              /* atomic_sub(nr, &vmap_lazy_nr) */
    }
    return true;
}

/* mm/vmalloc.c v4.18 try_purge_vmap_area_lazy() (mutex_trylock always succeeds here) */
static void try_purge_vmap_area_lazy(pt_machine *m)
{
    __purge_vmap_area_lazy(m, UINT64_MAX, 0);
}

/* mm/vmalloc.c v4.18 purge_vmap_area_lazy() (no per-CPU vmap blocks: nothing fragmented) */
static void purge_vmap_area_lazy(pt_machine *m)
{
    /* purge_fragmented_blocks_allcpus(): no vmap blocks in the model */
    __purge_vmap_area_lazy(m, UINT64_MAX, 0);
}

/* mm/vmalloc.c v4.18 free_vmap_area_noflush(): onto the purge list; purge past the limit. */
static void free_vmap_area_noflush(pt_machine *m, uint32_t i)
{
    vmap_area *va = &m->vmap[i];
    uint64_t nr_lazy;

    m->vmap_lazy_nr += (va->va_end - va->va_start) >> PAGE_SHIFT;
    nr_lazy = m->vmap_lazy_nr;

    /* llist_add(&va->purge_list, &vmap_purge_list) */
    va->flags |= VM_PURGE_LIST;

    if (nr_lazy > lazy_max_pages(m))
        try_purge_vmap_area_lazy(m);
}

/* mm/vmalloc.c v4.18 free_unmap_vmap_area(): unmap_vmap_area() = vunmap_page_range() over
 * the whole area (guard page included), no flush, lazy free. */
static void free_unmap_vmap_area(pt_machine *m, uint32_t i)
{
    /* flush_cache_vunmap(): nothing on x86 */
    unmap_kernel_range_noflush(m, m->vmap[i].va_start, m->vmap[i].va_end - m->vmap[i].va_start);
    /* debug_pagealloc_enabled() flush: off */
    free_vmap_area_noflush(m, i);
}

/* mm/vmalloc.c v4.18 alloc_vmap_area(): first fit at or above vstart with the alignment
 * (simplified search, see the file comment); on overflow purge the lazy areas once and
 * retry.  Returns the new area's index, or -errno. */
static long alloc_vmap_area(pt_machine *m, uint64_t size, uint64_t align, uint64_t vstart,
                            uint64_t vend)
{
    uint64_t addr;
    int purged = 0;

    BUG_ON(m, !size, "alloc_vmap_area", 0);
    BUG_ON(m, size & (PAGE_SIZE - 1), "alloc_vmap_area", 0);
    BUG_ON(m, align & (align - 1), "alloc_vmap_area", 0);   /* !is_power_of_2(align) */

retry:
    if (m->nvmap == PT_VMAP_MAX_AREAS)      /* model limit: like an overflow */
        goto overflow;
    if (m->nvmap == m->cap_vmap) {         /* room for __insert_vmap_area(); host OOM: overflow */
        uint32_t cap = m->cap_vmap ? 2 * m->cap_vmap : 64;
        vmap_area *n = realloc(m->vmap, (size_t)cap * sizeof(*n));
        if (!n)
            goto overflow;
        m->vmap = n;
        m->cap_vmap = cap;
    }
    addr = align_up(vstart, align);
    if (addr + size < addr)
        goto overflow;
    /* from the starting point, walk areas until a suitable hole is found */
    for (uint32_t i = 0; i < m->nvmap; i++) {
        vmap_area *first = &m->vmap[i];
        if (first->va_end <= addr)
            continue;
        if (addr + size <= first->va_start || addr + size > vend)
            break;
        addr = align_up(first->va_end, align);
        if (addr < first->va_end || addr + size < addr)
            goto overflow;
    }
    if (addr + size > vend)
        goto overflow;

    vmap_area va = { .va_start = addr, .va_end = addr + size };
    __insert_vmap_area(m, &va);

    BUG_ON(m, addr & (align - 1), "alloc_vmap_area", addr);
    BUG_ON(m, addr < vstart, "alloc_vmap_area", addr);
    BUG_ON(m, addr + size > vend, "alloc_vmap_area", addr);
    return __find_vmap_area(m, addr);

overflow:
    if (!purged) {
        purge_vmap_area_lazy(m);
        purged = 1;
        goto retry;
    }
    /* pr_warn("vmap allocation for size %lu failed: use vmalloc=<size> to increase size") */
    return -PT_ERR_EBUSY;
}

/* mm/vmalloc.c v4.18 __get_vm_area_node() (with setup_vmalloc_vm()): index or -1. */
static long __get_vm_area_node(pt_machine *m, uint64_t size, uint64_t align, uint64_t flags,
                               uint64_t start, uint64_t end)
{
    long i;

    size = align_up(size, PAGE_SIZE);       /* PAGE_ALIGN(size) */
    if (!size)
        return -1;

    if (flags & VM_IOREMAP) {
        int order = get_count_order_long(size);
        if (order < PAGE_SHIFT)
            order = PAGE_SHIFT;
        if (order > IOREMAP_MAX_ORDER)
            order = IOREMAP_MAX_ORDER;
        align = 1ULL << order;
    }

    if (!(flags & VM_NO_GUARD))
        size += PAGE_SIZE;

    i = alloc_vmap_area(m, size, align, start, end);
    if (i < 0)
        return -1;

    /* setup_vmalloc_vm() */
    m->vmap[i].vm_flags = flags;
    m->vmap[i].flags |= VM_VM_AREA;
    return i;
}

/* mm/vmalloc.c v4.18 get_vm_area_caller() */
static long get_vm_area_caller(pt_machine *m, uint64_t size, uint64_t flags)
{
    return __get_vm_area_node(m, size, 1, flags, PT_VMALLOC_START, PT_VMALLOC_END);
}

/* mm/vmalloc.c v4.18 find_vm_area(): the live area containing addr, or -1. */
static long find_vm_area(pt_machine *m, uint64_t addr)
{
    long i = __find_vmap_area(m, addr);
    if (i >= 0 && (m->vmap[i].flags & VM_VM_AREA))
        return i;
    return -1;
}

/* mm/vmalloc.c v4.18 remove_vm_area() */
static bool remove_vm_area(pt_machine *m, uint64_t addr)
{
    long i = find_vm_area(m, addr);
    if (i < 0)
        return false;
    m->vmap[i].flags &= ~VM_VM_AREA;
    m->vmap[i].flags |= VM_LAZY_FREE;       /* kasan_free_shadow(): nothing to model */
    free_unmap_vmap_area(m, (uint32_t)i);
    return true;
}

/* mm/vmalloc.c v4.18 free_vm_area(): remove_vm_area() + kfree() */
static void free_vm_area(pt_machine *m, uint64_t addr)
{
    bool ret = remove_vm_area(m, addr);
    BUG_ON(m, !ret, "free_vm_area", addr);
}

/* arch/x86/mm/ioremap.c v4.18 __ioremap_caller(): returns vaddr + offset, or 0 (NULL).
 * prot is the final pgprot (the page_cache_mode -> prot switch is done by the caller). */
static uint64_t __ioremap_caller(pt_machine *m, uint64_t phys_addr, uint64_t size,
                                 uint64_t prot, int *err)
{
    uint64_t offset, vaddr, last_addr;
    long i;

    *err = 0;
    /* Don't allow wraparound or zero size */
    last_addr = phys_addr + size - 1;
    if (!size || last_addr < phys_addr)
        return 0;
    /* phys_addr_valid(), __ioremap_check_mem(), the RAM refusal and reserve_memtype():
     * not modelled (checked in Python / no iomem resources) */

    /* Mappings have to be page-aligned */
    offset = phys_addr & (PAGE_SIZE - 1);
    phys_addr &= ~(PAGE_SIZE - 1);          /* PHYSICAL_PAGE_MASK */
    size = align_up(last_addr + 1, PAGE_SIZE) - phys_addr;

    /* Ok, go for it.. */
    i = get_vm_area_caller(m, size, VM_IOREMAP);
    if (i < 0) {
        *err = -PT_ERR_EBUSY;
        return 0;
    }
    m->vmap[i].phys_addr = phys_addr;
    vaddr = m->vmap[i].va_start;

    /* kernel_map_sync_memtype(): no direct-map aliases in the model */

    if (ioremap_page_range(m, vaddr, vaddr + size, phys_addr, prot)) {
        free_vm_area(m, vaddr);             /* err_free_area */
        *err = -PT_ERR_ENOMEM;
        return 0;
    }

    return vaddr + offset;
}

/* arch/x86/mm/ioremap.c v4.18 iounmap(): false for a bad address ("iounmap: bad address"). */
static bool iounmap(pt_machine *m, uint64_t addr)
{
    long p;

    /* addr <= high_memory and the ISA-range WARN: only vmalloc addresses reach here */
    addr &= ~(PAGE_SIZE - 1);               /* PAGE_MASK */
    p = find_vm_area(m, addr);
    if (p < 0)
        return false;                       /* printk(KERN_ERR "iounmap: bad address") */
    /* free_memtype(): not modelled */
    bool o = remove_vm_area(m, addr);
    BUG_ON(m, !o, "iounmap", addr);
    return true;
}

/* ---- entry points ---- */

int pt_ioremap(pt_machine *m, uint64_t phys, uint64_t size, uint64_t prot, uint64_t *va_out,
               int *err)
{
    *va_out = 0;
    *err = 0;
    PT_ENTER(m);
    *va_out = __ioremap_caller(m, phys, size, prot, err);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_iounmap(pt_machine *m, uint64_t addr, int *found)
{
    *found = 0;
    PT_ENTER(m);
    *found = iounmap(m, addr);
    PT_LEAVE(m);
    return PT_OK;
}

int pt_purge_vmap_area_lazy(pt_machine *m)
{
    PT_ENTER(m);
    purge_vmap_area_lazy(m);
    PT_LEAVE(m);
    return PT_OK;
}

uint64_t pt_vmap_lazy_nr(const pt_machine *m) { return m->vmap_lazy_nr; }

uint64_t pt_lazy_max_pages(pt_machine *m) { return lazy_max_pages(m); }

size_t pt_vm_areas(const pt_machine *m, pt_vm_area *out, size_t cap)
{
    for (size_t i = 0; i < m->nvmap && i < cap; i++) {
        const vmap_area *va = &m->vmap[i];
        out[i] = (pt_vm_area){ va->va_start, va->va_end - va->va_start, va->phys_addr,
                               (va->flags & VM_PURGE_LIST) ? 1 : 0 };
    }
    return m->nvmap;
}
