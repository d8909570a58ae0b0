// SPDX-License-Identifier: GPL-2.0
/*
 * mm/vmalloc.c as of v7.2: the map chain vmap_pte_range .. vmap_range_noflush() (ptlib's
 * vmap_range() slot) with the 2026 fix of the ptdump use-after-free (Lorenzo Stoakes,
 * "mm/vmalloc: acquire init_mm lock on huge vmap to avoid ptdump UAF", series "mm: fix
 * UAF caused by race between ptdump and vmap pgtable freeing", mm-hotfixes, v7.2-rc5
 * window; Fixes: b6bdb7517c3d; CVE-2026-74672 per the SPEC; the mainline hash and the CVE
 * id are not confirmed): vmap_try_huge_pmd/pud/p4d() set a leaf over a not-present entry
 * without the lock; over a present one (a table to free) they take init_mm's mmap lock
 * for read with a trylock, held across both the free and the set, and return 0 (the
 * caller walks into the lower table) when the trylock fails, i.e. while a walker such as
 * ptdump holds the write lock (Machine.mmap_write_lock()).
 *
 * ptlib: upstream writes the lock as scoped_cond_guard(mmap_read_lock_try, return 0,
 * &init_mm) { ... } (DEFINE_GUARD_COND in include/linux/mmap_lock.h); here it is an
 * explicit mmap_read_trylock()/mmap_read_unlock() pair with the same scope.  The patch's
 * #ifndef CONFIG_ARM64 around the guard is removed by patch 4/4 of the series and means
 * nothing on x86.  Outside the try-huge helpers the chain is written as v5.13's
 * (mm_vmalloc_v5_13.c): the later changes to vmap_pte_range() (arch_vmap_pte_range_map_size(),
 * PAGE_SIZE on x86; lazy MMU mode; a dump_page() before the BUG on a mapped PTE) were not
 * read from a v7.2 tree and are taken to have the same effect on x86.
 */
#include <ptlib/kernel.h>

/* arch/x86/mm/ioremap.c v7.2 arch_vmap_p4d/pud/pmd_supported() (written as v5.13): no
 * 512 GiB pages; GB pages; PSE. */
static inline bool arch_vmap_p4d_supported(pgprot_t prot)
{
	(void)prot;
	return false;
}

static inline bool arch_vmap_pud_supported(pgprot_t prot)
{
	(void)prot;
	return boot_cpu_has(X86_FEATURE_GBPAGES);
}

static inline bool arch_vmap_pmd_supported(pgprot_t prot)
{
	(void)prot;
	return boot_cpu_has(X86_FEATURE_PSE);
}

/* mm/vmalloc.c v7.2 vmap_pte_range() (written as v5.13, see the file comment) */
static int vmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,
						  phys_addr_t phys_addr, pgprot_t prot, pgtbl_mod_mask *mask)
{
	pte_t *pte;
	unsigned long pfn;

	pfn = phys_addr >> PAGE_SHIFT;
	pte = pte_alloc_kernel_track(pmd, addr, mask);
	if (!pte)
		return -ENOMEM;
	do {
		BUG_ON(!pte_none(*pte));
		set_pte_at(&init_mm, addr, pte, pfn_pte(pfn, prot));
		pfn++;
	} while (pte++, addr += PAGE_SIZE, addr != end);
	*mask |= PGTBL_PTE_MODIFIED;
	return 0;
}

/* mm/vmalloc.c v7.2 vmap_try_huge_pmd() (Lorenzo Stoakes, "mm/vmalloc: acquire init_mm
 * lock on huge vmap to avoid ptdump UAF", 2026; mainline hash not confirmed) */
static int vmap_try_huge_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,
							 phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift)
{
	int ret;

	if (max_page_shift < PMD_SHIFT)
		return 0;

	if (!arch_vmap_pmd_supported(prot))
		return 0;

	if ((end - addr) != PMD_SIZE)
		return 0;

	if (!IS_ALIGNED(addr, PMD_SIZE))
		return 0;

	if (!IS_ALIGNED(phys_addr, PMD_SIZE))
		return 0;

	if (!pmd_present(*pmd))
		return pmd_set_huge(pmd, phys_addr, prot);

	/*
	 * Kernel page table walkers either walk ranges they own exclusively or
	 * hold the mmap write lock on init_mm (ptdump being the motivating
	 * case).
	 *
	 * Therefore, acquire the mmap read lock to prevent use-after-free when
	 * freeing page tables.
	 */
	/* upstream: scoped_cond_guard(mmap_read_lock_try, return 0, &init_mm) { ... } */
	if (!mmap_read_trylock(&init_mm))
		return 0;
	if (!pmd_free_pte_page(pmd, addr)) {
		mmap_read_unlock(&init_mm);
		return 0;
	}
	ret = pmd_set_huge(pmd, phys_addr, prot);
	mmap_read_unlock(&init_mm);
	return ret;
}

/* mm/vmalloc.c v7.2 vmap_pmd_range() (written as v5.13) */
static int vmap_pmd_range(pud_t *pud, unsigned long addr, unsigned long end,
						  phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift,
						  pgtbl_mod_mask *mask)
{
	pmd_t *pmd;
	unsigned long next;

	pmd = pmd_alloc_track(&init_mm, pud, addr, mask);
	if (!pmd)
		return -ENOMEM;
	do {
		next = pmd_addr_end(addr, end);

		if (vmap_try_huge_pmd(pmd, addr, next, phys_addr, prot, max_page_shift)) {
			*mask |= PGTBL_PMD_MODIFIED;
			continue;
		}

		if (vmap_pte_range(pmd, addr, next, phys_addr, prot, mask))
			return -ENOMEM;
	} while (pmd++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

/* mm/vmalloc.c v7.2 vmap_try_huge_pud() (the same 2026 ptdump UAF fix, hash not
 * confirmed) */
static int vmap_try_huge_pud(pud_t *pud, unsigned long addr, unsigned long end,
							 phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift)
{
	int ret;

	if (max_page_shift < PUD_SHIFT)
		return 0;

	if (!arch_vmap_pud_supported(prot))
		return 0;

	if ((end - addr) != PUD_SIZE)
		return 0;

	if (!IS_ALIGNED(addr, PUD_SIZE))
		return 0;

	if (!IS_ALIGNED(phys_addr, PUD_SIZE))
		return 0;

	if (!pud_present(*pud))
		return pud_set_huge(pud, phys_addr, prot);

	/* See comment in vmap_try_huge_pmd(). */
	/* upstream: scoped_cond_guard(mmap_read_lock_try, return 0, &init_mm) { ... } */
	if (!mmap_read_trylock(&init_mm))
		return 0;
	if (!pud_free_pmd_page(pud, addr)) {
		mmap_read_unlock(&init_mm);
		return 0;
	}
	ret = pud_set_huge(pud, phys_addr, prot);
	mmap_read_unlock(&init_mm);
	return ret;
}

/* mm/vmalloc.c v7.2 vmap_pud_range() (written as v5.13) */
static int vmap_pud_range(p4d_t *p4d, unsigned long addr, unsigned long end,
						  phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift,
						  pgtbl_mod_mask *mask)
{
	pud_t *pud;
	unsigned long next;

	pud = pud_alloc_track(&init_mm, p4d, addr, mask);
	if (!pud)
		return -ENOMEM;
	do {
		next = pud_addr_end(addr, end);

		if (vmap_try_huge_pud(pud, addr, next, phys_addr, prot, max_page_shift)) {
			*mask |= PGTBL_PUD_MODIFIED;
			continue;
		}

		if (vmap_pmd_range(pud, addr, next, phys_addr, prot, max_page_shift, mask))
			return -ENOMEM;
	} while (pud++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

/* mm/vmalloc.c v7.2 vmap_try_huge_p4d() (the same 2026 ptdump UAF fix, hash not
 * confirmed; on x86 it returns before the lock: no 512 GiB leaves) */
static int vmap_try_huge_p4d(p4d_t *p4d, unsigned long addr, unsigned long end,
							 phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift)
{
	int ret;

	if (max_page_shift < P4D_SHIFT)
		return 0;

	if (!arch_vmap_p4d_supported(prot))
		return 0;

	if ((end - addr) != P4D_SIZE)
		return 0;

	if (!IS_ALIGNED(addr, P4D_SIZE))
		return 0;

	if (!IS_ALIGNED(phys_addr, P4D_SIZE))
		return 0;

	if (!p4d_present(*p4d))
		return p4d_set_huge(p4d, phys_addr, prot);

	/* See comment in vmap_try_huge_pmd(). */
	/* upstream: scoped_cond_guard(mmap_read_lock_try, return 0, &init_mm) { ... } */
	if (!mmap_read_trylock(&init_mm))
		return 0;
	if (!p4d_free_pud_page(p4d, addr)) {
		mmap_read_unlock(&init_mm);
		return 0;
	}
	ret = p4d_set_huge(p4d, phys_addr, prot);
	mmap_read_unlock(&init_mm);
	return ret;
}

/* mm/vmalloc.c v7.2 vmap_p4d_range() (written as v5.13) */
static int vmap_p4d_range(pgd_t *pgd, unsigned long addr, unsigned long end,
						  phys_addr_t phys_addr, pgprot_t prot, unsigned int max_page_shift,
						  pgtbl_mod_mask *mask)
{
	p4d_t *p4d;
	unsigned long next;

	p4d = p4d_alloc_track(&init_mm, pgd, addr, mask);
	if (!p4d)
		return -ENOMEM;
	do {
		next = p4d_addr_end(addr, end);

		if (vmap_try_huge_p4d(p4d, addr, next, phys_addr, prot, max_page_shift)) {
			*mask |= PGTBL_P4D_MODIFIED;
			continue;
		}

		if (vmap_pud_range(p4d, addr, next, phys_addr, prot, max_page_shift, mask))
			return -ENOMEM;
	} while (p4d++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

/* mm/vmalloc.c v7.2 vmap_range_noflush() (written as v5.13) */
static int vmap_range_noflush(unsigned long addr, unsigned long end, phys_addr_t phys_addr,
							  pgprot_t prot, unsigned int max_page_shift)
{
	pgd_t *pgd;
	unsigned long start;
	unsigned long next;
	int err;
	pgtbl_mod_mask mask = 0;

	might_sleep();
	BUG_ON(addr >= end);

	start = addr;
	pgd = pgd_offset_k(addr);
	do {
		next = pgd_addr_end(addr, end);
		err = vmap_p4d_range(pgd, addr, next, phys_addr, prot, max_page_shift, &mask);
		if (err)
			break;
	} while (pgd++, phys_addr += (next - addr), addr = next, addr != end);

	if (mask & ARCH_PAGE_TABLE_SYNC_MASK)
		arch_sync_kernel_mappings(start, end);

	return err;
}

/* mm/vmalloc.c v7.2: ptlib's vmap_range() slot = vmap_range_noflush() + flush_cache_vmap(), as
 * in the v5.13 unit (the v7.2 callers do these two steps themselves) */
int vmap_range(unsigned long addr, unsigned long end, phys_addr_t phys_addr,
					  pgprot_t prot, unsigned int max_page_shift)
{
	int err;

	err = vmap_range_noflush(addr, end, phys_addr, prot, max_page_shift);
	/* flush_cache_vmap(addr, end): nothing to do on x86 */

	return err;
}
