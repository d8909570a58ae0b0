// SPDX-License-Identifier: GPL-2.0
/*
 * mm/pgtable-generic.c as of v6.19: the deferred freeing of kernel page tables
 * (CONFIG_ASYNC_KERNEL_PGTABLE_FREE, selected on x86 by IOMMU_SVA) of Lu Baolu's series
 * "Fix stale IOTLB entries for kernel address space" (v7, 2025-10-22; 7/8 "mm: introduce
 * deferred freeing for kernel page tables", Dave Hansen, and 8/8 "iommu/sva: invalidate
 * stale IOTLB entries for kernel address space", as backported to 6.18.y).
 * pagetable_free() of a kernel table queues it on kernel_pgtable_work.list and schedules
 * the worker; the worker takes the whole list, has the IOMMU drop its caches of the
 * kernel's tables (iommu_sva_invalidate_kva_range()), then frees the pages.
 *
 * ptlib differences: kernel_pgtable_work is per machine (kernel.h), not this file's
 * static struct; kernel_pgtable_work_func() is not static, as ptlib's entry point runs it
 * in place of the workqueue.
 */
#include <ptlib/kernel.h>


#ifdef CONFIG_ASYNC_KERNEL_PGTABLE_FREE
/* upstream: static, forward-declared for kernel_pgtable_work's __WORK_INITIALIZER */
void kernel_pgtable_work_func(struct work_struct *work);

/*
 * upstream (mm/pgtable-generic.c v6.19) defines here:
 *	static struct { list; lock (protects the list); work; } kernel_pgtable_work,
 *	initialised with LIST_HEAD_INIT, __SPIN_LOCK_UNLOCKED and
 *	__WORK_INITIALIZER(kernel_pgtable_work.work, kernel_pgtable_work_func);
 * ptlib: one per machine, in struct pt_kernel (kernel.h's kernel_pgtable_work).
 */

/*
 * mm/pgtable-generic.c v6.19 (Dave Hansen, "mm: introduce deferred freeing for kernel
 * page tables" + Lu Baolu, "iommu/sva: invalidate stale IOTLB entries for kernel address
 * space"; hashes not confirmed) kernel_pgtable_work_func(): upstream static.
 */
void kernel_pgtable_work_func(struct work_struct *work)
{
	struct ptdesc *pt, *next;
	LIST_HEAD(page_list);

	(void)work;

	spin_lock(&kernel_pgtable_work.lock);
	list_splice_tail_init(&kernel_pgtable_work.list, &page_list);
	spin_unlock(&kernel_pgtable_work.lock);

	iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL);
	list_for_each_entry_safe(pt, next, &page_list, pt_list)
		__pagetable_free(pt);
}

/*
 * mm/pgtable-generic.c v6.19 (Dave Hansen, "mm: introduce deferred freeing for kernel
 * page tables") pagetable_free_kernel(): queue the table for the worker.
 */
void pagetable_free_kernel(struct ptdesc *pt)
{
	spin_lock(&kernel_pgtable_work.lock);
	list_add(&pt->pt_list, &kernel_pgtable_work.list);
	spin_unlock(&kernel_pgtable_work.lock);

	schedule_work(&kernel_pgtable_work.work);
}
#endif
