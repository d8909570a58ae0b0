// SPDX-License-Identifier: GPL-2.0
/*
 * Every name the kernel header promises (issue 9, point 1), used the way kernel code uses
 * it.  Compiled with -Wall -Werror by tests/test_kernel_header.py; not linked.
 */
#include <ptlib/kernel.h>

int __init names_used(pgd_t *pgd, p4d_t *p4d, pud_t *pud, pmd_t *pmd, pte_t *pte,
			     unsigned long addr, phys_addr_t phys, pgprot_t prot, gfp_t gfp)
{
	LIST_HEAD(pages);
	struct page *page, *next;
	struct ptdesc *pt;
	struct mm_struct *mm = &init_mm;
	pgtbl_mod_mask mask = 0;
	spinlock_t lock = { 0 };
	unsigned long sum = 0, end = addr + PMD_SIZE;
	u8 uniform;

	/* types and constants */
	sum += PAGE_SIZE + PAGE_SHIFT + (PAGE_MASK & 1) + PMD_SIZE + (PMD_MASK & 1) + PUD_SIZE +
	       (PUD_MASK & 1) + P4D_SIZE + PGDIR_SIZE + PTRS_PER_PTE + PTRS_PER_PMD +
	       PTRS_PER_PUD + PTRS_PER_P4D + PTRS_PER_PGD + _PAGE_PRESENT + _PAGE_RW + _PAGE_PSE +
	       _PAGE_NX + _PAGE_GLOBAL + _PAGE_PAT + _PAGE_PAT_LARGE + _PAGE_PCD + _PAGE_PWT +
	       _PAGE_ACCESSED + _PAGE_DIRTY + _PAGE_USER + _KERNPG_TABLE + _PAGE_TABLE +
	       pgprot_val(PAGE_KERNEL) + pgprot_val(PAGE_KERNEL_EXEC) + pgprot_val(PAGE_KERNEL_IO) +
	       GFP_KERNEL + __GFP_ZERO + GFP_PGTABLE_KERNEL + MTRR_TYPE_WRBACK +
	       MTRR_TYPE_UNCACHABLE + MTRR_TYPE_INVALID + (TLB_FLUSH_ALL & 1) +
	       PGTBL_PGD_MODIFIED + PGTBL_P4D_MODIFIED + PGTBL_PUD_MODIFIED + PGTBL_PMD_MODIFIED +
	       PGTBL_PTE_MODIFIED + sizeof(struct list_head) + sizeof(page->lru) + gfp;
	/* entries */
	sum += pgd_val(*pgd) + p4d_val(*p4d) + pud_val(*pud) + pmd_val(*pmd) + pte_val(*pte);
	sum += pmd_val(__pmd(1)) + pud_val(__pud(1)) + pte_val(__pte(1)) + p4d_val(__p4d(1)) +
	       pgd_val(__pgd(1)) + pgprot_val(__pgprot(1));
	sum += pte_none(*pte) + pte_present(*pte) + pmd_none(*pmd) + pmd_present(*pmd) +
	       pmd_large(*pmd) + pmd_leaf(*pmd) + pmd_huge(*pmd) + pmd_bad(*pmd) + pud_none(*pud) +
	       pud_present(*pud) + pud_large(*pud) + pud_leaf(*pud) + pud_huge(*pud) +
	       pud_bad(*pud) + p4d_none(*p4d) + p4d_present(*p4d) + p4d_bad(*p4d) + pgd_none(*pgd) +
	       pgd_bad(*pgd);
	sum += (unsigned long)pgd_offset_k(addr) + (unsigned long)p4d_offset(pgd, addr) +
	       (unsigned long)pud_offset(p4d, addr) + (unsigned long)pmd_offset(pud, addr) +
	       (unsigned long)pte_offset_kernel(pmd, addr) + pmd_page_vaddr(*pmd) +
	       pud_page_vaddr(*pud) + (unsigned long)pud_pgtable(*pud) +
	       (unsigned long)pmd_page(*pmd) + (unsigned long)pud_page(*pud) +
	       (unsigned long)virt_to_page(pte) + (unsigned long)page_address(virt_to_page(pte)) +
	       (unsigned long)__va(phys) + __pa(pte);
	pt = virt_to_ptdesc(pte);
	sum += pte_val(pfn_pte(phys >> PAGE_SHIFT, prot)) + pmd_val(pfn_pmd(1, prot)) +
	       pgprot_val(pgprot_4k_2_large(prot)) + pgprot_val(pgprot_nx(prot)) +
	       IS_ALIGNED(addr, PMD_SIZE) + ALIGN(addr, PMD_SIZE) + pmd_addr_end(addr, end) +
	       pud_addr_end(addr, end) + p4d_addr_end(addr, end) + pgd_addr_end(addr, end) +
	       pgd_index(addr) + pud_index(addr) + pmd_index(addr) + pte_index(addr) +
	       pte_val(ptep_get(pte));
	set_pte(pte, __pte(0));
	set_pmd(pmd, __pmd(0));
	set_pud(pud, __pud(0));
	set_p4d(p4d, __p4d(0));
	pte_clear(mm, addr, pte);
	pmd_clear(pmd);
	pud_clear(pud);
	p4d_clear(p4d);
	/* allocation */
	sum += __get_free_page(GFP_KERNEL) + get_zeroed_page(GFP_KERNEL);
	free_page(sum);
	__free_page(virt_to_page(pte));
	sum += (unsigned long)pte_alloc_kernel(pmd, addr) +
	       (unsigned long)pte_alloc_kernel_track(pmd, addr, &mask) +
	       (unsigned long)pmd_alloc(mm, pud, addr) + (unsigned long)pmd_alloc_track(mm, pud, addr, &mask) +
	       (unsigned long)pud_alloc(mm, p4d, addr) + (unsigned long)pud_alloc_track(mm, p4d, addr, &mask) +
	       (unsigned long)p4d_alloc(mm, pgd, addr) + (unsigned long)p4d_alloc_track(mm, pgd, addr, &mask);
	pte_free_kernel(mm, pte);
	pmd_free(mm, (pmd_t *)pte);
	pud_free(mm, (pud_t *)pte);
	pagetable_free(pt);
	pagetable_dtor_free(pt);
	pgtable_pmd_page_dtor(virt_to_page(pmd));
	list_add(&virt_to_page(pte)->lru, &pages);
	list_for_each_entry_safe(page, next, &pages, lru)
		list_del(&page->lru);
	/* flushes and CPUs */
	flush_tlb_kernel_range(addr, end);
	flush_tlb_all();
	__flush_tlb_one_kernel(addr);
	flush_tlb_kernel_pgtable_range(addr, end);
	iommu_sva_invalidate_kva_range(addr, end);
	/* locks */
	if (mmap_read_trylock(&init_mm))
		mmap_read_unlock(&init_mm);
	mmap_write_lock(&init_mm);
	mmap_write_unlock(&init_mm);
	spin_lock(&lock);
	spin_unlock(&lock);
	/* BUG, WARN, printk */
	BUG_ON(sum == 1);
	if (WARN_ON(sum == 2) || WARN_ON_ONCE(sum == 3))
		BUG();
	VM_WARN_ON(sum == 4);
	pr_warn("%lu\n", sum);
	pr_warn_once("%lu\n", sum);
	if (likely(sum) && unlikely(!sum))
		return 1;
	sum += mtrr_type_lookup(addr, end, &uniform);
	return (int)sum;
}
EXPORT_SYMBOL(names_used);

#if !defined(CONFIG_X86_64) || CONFIG_PGTABLE_LEVELS != 4 || !defined(CONFIG_HAVE_ARCH_HUGE_VMAP) || \
	!defined(CONFIG_ASYNC_KERNEL_PGTABLE_FREE) || defined(CONFIG_X86_PAE) || defined(CONFIG_X86_5LEVEL)
#error "the 4-level configuration macros"
#endif
