// SPDX-License-Identifier: GPL-2.0
/*
 * arch/x86/mm/tlb.c as of v4.18: the kernel-range flushes.  on_each_cpu() runs each CPU's
 * part in turn; __flush_tlb_one_kernel() is INVLPG on that CPU, __flush_tlb_all() a
 * CR4.PGE toggle (a CR3 reload without PGE).  The flush log (Machine.flushes) is written by
 * the dispatchers of kops/dispatch.c, not here.
 */
#include <ptlib/kernel.h>

struct flush_tlb_info {
	unsigned long start;
	unsigned long end;
};

/* arch/x86/mm/tlb.c v4.18: tlb_single_page_flush_ceiling */
static unsigned long tlb_single_page_flush_ceiling __read_mostly = 33;

/* arch/x86/mm/tlb.c v4.18 do_flush_tlb_all() */
static void do_flush_tlb_all(void *info)
{
	(void)info;
	__flush_tlb_all();
}

/* arch/x86/mm/tlb.c v4.18 flush_tlb_all() */
void flush_tlb_all(void)
{
	on_each_cpu(do_flush_tlb_all, NULL, 1);
}

/* arch/x86/mm/tlb.c v4.18 do_kernel_range_flush(): one INVLPG per page, end exclusive. */
static void do_kernel_range_flush(void *info)
{
	struct flush_tlb_info *f = info;
	unsigned long addr;

	/* flush range by one by one 'invlpg' */
	for (addr = f->start; addr < f->end; addr += PAGE_SIZE)
		__flush_tlb_one_kernel(addr);
}

/* arch/x86/mm/tlb.c v4.18 flush_tlb_kernel_range(): more than 33 pages -> full flush. */
void flush_tlb_kernel_range(unsigned long start, unsigned long end)
{

	/* Balance as user space task's flush, a bit conservative */
	if (end == TLB_FLUSH_ALL ||
	    (end - start) > tlb_single_page_flush_ceiling << PAGE_SHIFT) {
		on_each_cpu(do_flush_tlb_all, NULL, 1);
	} else {
		struct flush_tlb_info info;
		info.start = start;
		info.end = end;
		on_each_cpu(do_kernel_range_flush, &info, 1);
	}
}
