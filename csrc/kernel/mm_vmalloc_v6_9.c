// SPDX-License-Identifier: GPL-2.0
/*
 * mm/vmalloc.c as of v6.9: ioremap_page_range() refuses a range that is not exactly one
 * VM_IOREMAP area (3e49a866c9dc "mm: Enforce VM_IOREMAP flag and range in
 * ioremap_page_range.", Alexei Starovoitov), then maps it as v5.15 does (8491502f787c's
 * pgprot_nx()) through vmap_page_range() (d7bca9199a27 "mm: Introduce vmap_page_range() to
 * map pages in PCI address space", the same v6.9 merge).
 *
 * ptlib: struct vmap_area is also the vm_struct (area->addr is va_start, area->size is
 * va_end - va_start with the guard page, area->flags is vm_flags); vmap_page_range() calls
 * the profile's vmap_range() (vmap_range_noflush() + flush_cache_vmap(), the same steps:
 * see mm_vmalloc_v5_15.c); kmsan_ioremap_page_range() is not modelled (no KMSAN);
 * ioremap_max_page_shift keeps its v5.13 name iomap_max_page_shift (ptlib/kernel.h).
 */
#include <ptlib/kernel.h>

/* include/linux/vmalloc.h v6.9 get_vm_area_size(): the area without its guard page */
static inline size_t get_vm_area_size(const struct vmap_area *area)
{
	if (!(area->vm_flags & VM_NO_GUARD))
		/* return actual size without guard page */
		return (area->va_end - area->va_start) - PAGE_SIZE;
	else
		return area->va_end - area->va_start;
}

/* mm/vmalloc.c v6.9 vmap_page_range() (d7bca9199a27; the kmsan hook left out) */
static int vmap_page_range(unsigned long addr, unsigned long end,
			   phys_addr_t phys_addr, pgprot_t prot)
{
	return vmap_range(addr, end, phys_addr, pgprot_nx(prot), iomap_max_page_shift);
}

/* mm/vmalloc.c v6.9 ioremap_page_range() (3e49a866c9dc, d7bca9199a27) */
int ioremap_page_range(unsigned long addr, unsigned long end,
		phys_addr_t phys_addr, pgprot_t prot)
{
	struct vmap_area *area;

	area = find_vm_area((void *)addr);
	if (!area || !(area->vm_flags & VM_IOREMAP)) {
		WARN_ONCE(1, "vm_area at addr %lx is not marked as VM_IOREMAP\n", addr);
		return -EINVAL;
	}
	if (addr != area->va_start ||
	    end != area->va_start + get_vm_area_size(area)) {
		WARN_ONCE(1, "ioremap request [%lx,%lx) doesn't match vm_area [%lx, %lx)\n",
			  addr, end, (long)area->va_start,
			  (long)area->va_start + get_vm_area_size(area));
		return -ERANGE;
	}
	return vmap_page_range(addr, end, phys_addr, prot);
}
