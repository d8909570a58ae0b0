// SPDX-License-Identifier: GPL-2.0
/*
 * mm/vmalloc.c as of v4.18: the vmap-area allocator around ioremap
 * (alloc_vmap_area() .. remove_vm_area(), the lazy purge), on every profile (the later
 * rewrites of the allocator are not ported; it unmaps through the profile's
 * unmap_kernel_range_noflush()).
 *
 * What is kept of the area allocator: __get_vm_area_node()'s size rounding, the
 * VM_IOREMAP alignment (1 << clamp(get_count_order_long(size), PAGE_SHIFT,
 * IOREMAP_MAX_ORDER)) and the guard page; alloc_vmap_area()'s bounds (vend = VMALLOC_END,
 * the last byte) and its overflow path (purge the lazy areas once, retry);
 * remove_vm_area() -> free_unmap_vmap_area() -> free_vmap_area_noflush(): the leaves are
 * cleared, the tables stay, the area stays in the tree (its range is not handed out again)
 * until __purge_vmap_area_lazy() flushed [min va_start, max va_end) of all lazy areas with
 * one flush_tlb_kernel_range(); lazy_max_pages() = fls(num_online_cpus()) * (32 MiB /
 * PAGE_SIZE), counted in pages of whole areas (guard page included) as vmap_lazy_nr.
 *
 * Simplified (said where it happens): the rbtree + address-sorted list of vmap_areas is
 * one sorted array of the machine (struct pt_kernel.vmap, grown on demand up to
 * PT_VMAP_MAX_AREAS; a full array is treated like alloc_vmap_area()'s overflow); the search
 * is first fit from vstart (free_vmap_cache / cached_hole_size are not modelled); the
 * vmap_purge_list is the VM_PURGE_LIST flag of an area (set where free_vmap_area_noflush()
 * does its llist_add(), so an area whose unmap oopsed is VM_LAZY_FREE but never purged, as
 * in the kernel); vm_struct and vmap_area are one record; no per-CPU vmap blocks; locks
 * and RCU are no-ops with one thread.
 */
#include <ptlib/kernel.h>

#define VM_LAZY_FREE	0x02		/* mm/vmalloc.c v4.18: va->flags */
#define VM_VM_AREA	0x04
#define PT_VMAP_MAX_AREAS 32768		/* ptlib: the array's limit */

/* include/linux/bitops.h fls() */
static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

/* include/linux/bitops.h get_count_order_long(): ceil(log2(l)), -1 for 0. */
static inline int get_count_order_long(unsigned long l)
{
	if (l == 0UL)
		return -1;
	return (64 - __builtin_clzl(l)) - ((l & (l - 1)) == 0);
}

/* mm/vmalloc.c v4.18 lazy_max_pages() */
unsigned long lazy_max_pages(void)
{
	unsigned int log;

	log = fls(num_online_cpus());

	return log * (32UL * 1024 * 1024 / PAGE_SIZE);
}

/* mm/vmalloc.c v4.18 __find_vmap_area(): the area with va_start <= addr < va_end (the
 * rbtree walk is a binary search of the sorted array).  Index or -1. */
static long __find_vmap_area(unsigned long addr)
{
	struct pt_kernel *k = pt_k();
	long lo = 0, hi = (long)k->nvmap - 1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		struct vmap_area *va = &k->vmap[mid];

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
static void __insert_vmap_area(const struct vmap_area *va)
{
	struct pt_kernel *k = pt_k();
	uint32_t i = 0;

	while (i < k->nvmap && k->vmap[i].va_end <= va->va_start)
		i++;
	if (i < k->nvmap && k->vmap[i].va_start < va->va_end)
		BUG();
	__builtin_memmove(&k->vmap[i + 1], &k->vmap[i], (k->nvmap - i) * sizeof(k->vmap[0]));
	k->vmap[i] = *va;
	k->nvmap++;
}

/* mm/vmalloc.c v4.18 __free_vmap_area(): out of the tree (kfree_rcu: nothing to model). */
static void __free_vmap_area(uint32_t i)
{
	struct pt_kernel *k = pt_k();

	__builtin_memmove(&k->vmap[i], &k->vmap[i + 1],
			  (k->nvmap - i - 1) * sizeof(k->vmap[0]));
	k->nvmap--;
}

/* mm/vmalloc.c v4.18 __purge_vmap_area_lazy(): one flush over [min start, max end) of
 * every lazily freed area, then the areas leave the tree and vmap_lazy_nr drops. */
static bool __purge_vmap_area_lazy(unsigned long start, unsigned long end)
{
	struct pt_kernel *k = pt_k();
	bool do_free = false;
	uint32_t i;

	/* valist = llist_del_all(&vmap_purge_list): the VM_PURGE_LIST areas */
	for (i = 0; i < k->nvmap; i++) {
		struct vmap_area *va = &k->vmap[i];

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

	flush_tlb_kernel_range(start, end);

	for (i = 0; i < k->nvmap;) {
		struct vmap_area *va = &k->vmap[i];
		unsigned long nr;

		if (!(va->flags & VM_PURGE_LIST)) {
			i++;
			continue;
		}
		nr = (va->va_end - va->va_start) >> PAGE_SHIFT;
		__free_vmap_area(i);
		vmap_lazy_nr -= nr;		/* atomic_sub(nr, &vmap_lazy_nr) */
	}
	return true;
}

/* mm/vmalloc.c v4.18 try_purge_vmap_area_lazy() (mutex_trylock always succeeds here) */
static void try_purge_vmap_area_lazy(void)
{
	__purge_vmap_area_lazy(ULONG_MAX, 0);
}

/* mm/vmalloc.c v4.18 purge_vmap_area_lazy() (no per-CPU vmap blocks: nothing fragmented) */
void purge_vmap_area_lazy(void)
{
	/* purge_fragmented_blocks_allcpus(): no vmap blocks in the model */
	__purge_vmap_area_lazy(ULONG_MAX, 0);
}

/* mm/vmalloc.c v4.18 free_vmap_area_noflush(): onto the purge list; purge past the limit. */
static void free_vmap_area_noflush(struct vmap_area *va)
{
	unsigned long nr_lazy;

	vmap_lazy_nr += (va->va_end - va->va_start) >> PAGE_SHIFT;
	nr_lazy = vmap_lazy_nr;

	/* llist_add(&va->purge_list, &vmap_purge_list) */
	va->flags |= VM_PURGE_LIST;

	if (unlikely(nr_lazy > lazy_max_pages()))
		try_purge_vmap_area_lazy();
}

/* mm/vmalloc.c v4.18 free_unmap_vmap_area(): unmap_vmap_area() = vunmap_page_range() over
 * the whole area (guard page included), no flush, lazy free. */
static void free_unmap_vmap_area(struct vmap_area *va)
{
	flush_cache_vunmap(va->va_start, va->va_end);
	unmap_kernel_range_noflush(va->va_start, va->va_end - va->va_start);
	/* debug_pagealloc_enabled() flush: off */
	free_vmap_area_noflush(va);
}

/* mm/vmalloc.c v4.18 alloc_vmap_area(): first fit at or above vstart with the alignment
 * (simplified search, see the file comment); on overflow purge the lazy areas once and
 * retry.  Returns the new area, or NULL (the kernel's ERR_PTR(-EBUSY)). */
static struct vmap_area *alloc_vmap_area(unsigned long size, unsigned long align,
					 unsigned long vstart, unsigned long vend)
{
	struct pt_kernel *k = pt_k();
	unsigned long addr;
	int purged = 0;
	uint32_t i;

	BUG_ON(!size);
	BUG_ON(offset_in_page(size));
	BUG_ON(!is_power_of_2(align));

retry:
	if (k->nvmap == PT_VMAP_MAX_AREAS)	/* ptlib's limit: like an overflow */
		goto overflow;
	if (k->nvmap == k->cap_vmap && pt_k_vmap_grow(k))	/* kmalloc of the vmap_area */
		goto overflow;
	addr = ALIGN(vstart, align);
	if (addr + size < addr)
		goto overflow;
	/* from the starting point, walk areas until a suitable hole is found */
	for (i = 0; i < k->nvmap; i++) {
		struct vmap_area *first = &k->vmap[i];

		if (first->va_end <= addr)
			continue;
		if (addr + size <= first->va_start || addr + size > vend)
			break;
		addr = ALIGN(first->va_end, align);
		if (addr < first->va_end || addr + size < addr)
			goto overflow;
	}
	if (addr + size > vend)
		goto overflow;

	{
		struct vmap_area va = { .va_start = addr, .va_end = addr + size };
		__insert_vmap_area(&va);
	}

	BUG_ON(!IS_ALIGNED(addr, align));
	BUG_ON(addr < vstart);
	BUG_ON(addr + size > vend);
	return &k->vmap[__find_vmap_area(addr)];

overflow:
	if (!purged) {
		purge_vmap_area_lazy();
		purged = 1;
		goto retry;
	}
	/* pr_warn("vmap allocation for size %lu failed: use vmalloc=<size> to increase size") */
	return NULL;
}

/* mm/vmalloc.c v4.18 __get_vm_area_node() (with setup_vmalloc_vm()) */
static struct vmap_area *__get_vm_area_node(unsigned long size, unsigned long align,
					    unsigned long flags, unsigned long start,
					    unsigned long end)
{
	struct vmap_area *va;

	size = PAGE_ALIGN(size);
	if (unlikely(!size))
		return NULL;

	if (flags & VM_IOREMAP) {
		int order = get_count_order_long(size);

		if (order < PAGE_SHIFT)
			order = PAGE_SHIFT;
		if (order > IOREMAP_MAX_ORDER)
			order = IOREMAP_MAX_ORDER;
		align = 1ul << order;
	}

	if (!(flags & VM_NO_GUARD))
		size += PAGE_SIZE;

	va = alloc_vmap_area(size, align, start, end);
	if (!va)
		return NULL;

	/* setup_vmalloc_vm() */
	va->vm_flags = flags;
	va->flags |= VM_VM_AREA;
	return va;
}

/* mm/vmalloc.c v4.18 get_vm_area_caller() */
struct vmap_area *get_vm_area_caller(unsigned long size, unsigned long flags)
{
	return __get_vm_area_node(size, 1, flags, VMALLOC_START, VMALLOC_END);
}

/* mm/vmalloc.c v4.18 find_vm_area(): the live area containing addr, or NULL. */
struct vmap_area *find_vm_area(const void *addr)
{
	long i = __find_vmap_area((unsigned long)addr);

	if (i >= 0 && (pt_k()->vmap[i].flags & VM_VM_AREA))
		return &pt_k()->vmap[i];
	return NULL;
}

/* mm/vmalloc.c v4.18 remove_vm_area() */
struct vmap_area *remove_vm_area(const void *addr)
{
	struct vmap_area *va = find_vm_area(addr);

	if (va) {
		va->flags &= ~VM_VM_AREA;
		va->flags |= VM_LAZY_FREE;	/* kasan_free_shadow(): nothing to model */
		free_unmap_vmap_area(va);
		return va;
	}
	return NULL;
}

/* mm/vmalloc.c v4.18 free_vm_area(): remove_vm_area() + kfree() */
void free_vm_area(struct vmap_area *area)
{
	struct vmap_area *ret;

	ret = remove_vm_area((void *)area->va_start);
	BUG_ON(ret != area);
}
