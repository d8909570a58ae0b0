// SPDX-License-Identifier: GPL-2.0
/*
 * mm/ioremap.c as of v5.13: ioremap_page_range() maps through mm/vmalloc.c's vmap_range()
 * with iomap_max_page_shift (BITS_PER_LONG - 1, or PAGE_SHIFT with "nohugeiomap": a
 * kernel global of the machine, ptlib/kernel.h).
 */
#include <ptlib/kernel.h>

/* mm/ioremap.c v5.13 ioremap_page_range() */
int ioremap_page_range(unsigned long addr,
		       unsigned long end, phys_addr_t phys_addr, pgprot_t prot)
{
	return vmap_range(addr, end, phys_addr, prot, iomap_max_page_shift);
}
