// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/ioremap.c as of v4.18: which huge I/O mappings the CPU allows, and
 * ioremap()/iounmap() around ioremap_page_range() and mm/vmalloc.c's areas.
 *
 * Simplified: __ioremap_caller() takes the final pgprot (the page_cache_mode -> prot switch
 * and the caller argument are ptlib's Python side) and returns the error it failed with;
 * phys_addr_valid(), __ioremap_check_mem(), the refusal of RAM, reserve_memtype() and
 * kernel_map_sync_memtype() are not modelled (no iomem resources, no direct-map aliases);
 * iounmap() says whether it found the area.
 */
#include <ptlib/kernel.h>

/* arch/x86/mm/ioremap.c v4.18 arch_ioremap_p4d_supported() */
int __init arch_ioremap_p4d_supported(void)
{
	return 0;
}

/* arch/x86/mm/ioremap.c v4.18 arch_ioremap_pud_supported() */
int __init arch_ioremap_pud_supported(void)
{
#ifdef CONFIG_X86_64
	return boot_cpu_has(X86_FEATURE_GBPAGES);
#else
	return 0;
#endif
}

/* arch/x86/mm/ioremap.c v4.18 arch_ioremap_pmd_supported() */
int __init arch_ioremap_pmd_supported(void)
{
	return boot_cpu_has(X86_FEATURE_PSE);
}

/* arch/x86/mm/ioremap.c v4.18 __ioremap_caller(): vaddr + offset, or 0 (NULL) with *err. */
unsigned long __ioremap_caller(phys_addr_t phys_addr, unsigned long size, pgprot_t prot,
			       int *err)
{
	unsigned long offset, vaddr;
	phys_addr_t last_addr;
	struct vmap_area *area;

	*err = 0;
	/* Don't allow wraparound or zero size */
	last_addr = phys_addr + size - 1;
	if (!size || last_addr < phys_addr)
		return 0;

	/* Mappings have to be page-aligned */
	offset = phys_addr & ~PAGE_MASK;
	phys_addr &= PHYSICAL_PAGE_MASK;
	size = PAGE_ALIGN(last_addr+1) - phys_addr;

	/*
	 * Ok, go for it..
	 */
	area = get_vm_area_caller(size, VM_IOREMAP);
	if (!area) {
		*err = -EBUSY;
		return 0;
	}
	area->phys_addr = phys_addr;
	vaddr = area->va_start;

	if (ioremap_page_range(vaddr, vaddr + size, phys_addr, prot)) {
		free_vm_area(area);		/* err_free_area */
		*err = -ENOMEM;
		return 0;
	}

	return vaddr + offset;
}

/* arch/x86/mm/ioremap.c v4.18 iounmap(): false for a bad address ("iounmap: bad address"). */
bool iounmap(unsigned long addr)
{
	struct vmap_area *p, *o;

	/* addr <= high_memory and the ISA-range WARN: only vmalloc addresses reach here */
	addr = addr & PAGE_MASK;

	p = find_vm_area((void *)addr);
	if (!p)
		return false;		/* printk(KERN_ERR "iounmap: bad address %p\n", addr) */

	/* free_memtype(): not modelled */

	/* Finally remove it */
	o = remove_vm_area((void *)addr);
	BUG_ON(p != o || o == NULL);
	return true;
}
