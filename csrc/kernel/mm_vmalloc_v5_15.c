// SPDX-License-Identifier: GPL-2.0
/*
 * mm/vmalloc.c as of v5.15: ioremap_page_range() moved here from mm/ioremap.c
 * (82a70ce0426d) and forces NX on every ioremap leaf (8491502f787c "mm: don't allow
 * executable ioremap mappings").  Upstream it calls the file-static vmap_range_noflush()
 * and flush_cache_vmap(); ptlib's v5.13 unit exports that pair as vmap_range(), which is
 * called instead (the same steps).  The rest of the page-table code is v5.13's.
 */
#include <ptlib/kernel.h>

/* mm/vmalloc.c v5.15 ioremap_page_range() (8491502f787c) */
int ioremap_page_range(unsigned long addr, unsigned long end,
		phys_addr_t phys_addr, pgprot_t prot)
{
	return vmap_range(addr, end, phys_addr, pgprot_nx(prot), iomap_max_page_shift);
}
