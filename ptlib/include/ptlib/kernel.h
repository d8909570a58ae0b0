/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ptlib/kernel.h - a kernel-compatible header: what the huge-vmap code of
 * arch/x86/mm/pgtable.c, lib/ioremap.c and mm/vmalloc.c expects, under the kernel's names
 * and signatures, on top of ptlib's emulated machine.  ptlib's own port (csrc/kernel/) is
 * kernel C that includes only this file, and so can a user's patch.
 *
 * The machine is implicit, as in the kernel: ptlib's entry points set the thread's current
 * machine (pt_kernel_current, initial-exec TLS: one %fs-relative load) for the operation.
 * A "virtual address" of a frame is its host address in the RAM arena, so pmd[i],
 * (unsigned long)pte and free_page(addr) behave as in the kernel; __va()/__pa() convert
 * with one addition.  Every entry write goes through set_pXd()/pXd_clear(), whose
 * sanitizer hook is an inline check (KASAN style) with an out-of-line report path.
 *
 * Sections: configuration, compiler, types and constants, entries, page tables and pages,
 * allocation, lists, locks, CPUs and TLB flushes, BUG/WARN/printk, the ported functions.
 * What lies below (RAM, allocator, CPUs, sanitizer, reports) is reached only through the
 * pt_k_* functions declared in "services of the machine"; it never calls back up.
 */
#ifndef PTLIB_KERNEL_H
#define PTLIB_KERNEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel_abi.h"

/* ---- configuration (the paging mode's and the profile's CONFIG_ macros) ---- */
#define CONFIG_X86 1
#define CONFIG_MMU 1
#define CONFIG_HAVE_ARCH_HUGE_VMAP 1
#define CONFIG_ASYNC_KERNEL_PGTABLE_FREE 1	/* whether it defers: the profile (runtime) */
#define CONFIG_DEBUG_VM 1			/* VM_WARN_ON() warns */
#define CONFIG_DEBUG_LIST 1			/* list_add() checks (see the lists section) */
#if PTLIB_PAGING_LEVELS == 4
#define CONFIG_X86_64 1
#define CONFIG_PGTABLE_LEVELS 4
#else
#error "ptlib/kernel.h: only 4-level paging is implemented (PTLIB_PAGING_LEVELS=4)"
#endif
#define IS_ENABLED(option) (option + 0)

/* ---- compiler and generic kernel macros ---- */
/* Kernel code is built with the kernel's own warning set (W=0): -Wextra's unused-parameter
 * and sign-compare warnings are not in it. */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __init
#define __initdata
#define __ref
#define __read_mostly
#define __ro_after_init
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#define __maybe_unused __attribute__((unused))
#define __weak __attribute__((weak))
#define EXPORT_SYMBOL(sym) extern int __pt_export_##sym __attribute__((unused))
#define EXPORT_SYMBOL_GPL(sym) EXPORT_SYMBOL(sym)
#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define BITS_PER_LONG 64
#define might_sleep() do { } while (0)
#define cond_resched() do { } while (0)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define flush_cache_vmap(start, end) do { (void)(start); (void)(end); } while (0)
#define flush_cache_vunmap(start, end) do { (void)(start); (void)(end); } while (0)
#define ALIGN(x, a) (((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define PAGE_ALIGN(addr) ALIGN(addr, PAGE_SIZE)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define ULONG_MAX (~0UL)
#define offset_in_page(p) ((unsigned long)(p) & ~PAGE_MASK)
#define is_power_of_2(n) ((n) != 0 && (((n) & ((n) - 1)) == 0))
#define EINVAL 22
#define ENOMEM 12
#define EBUSY 16
#define ERANGE 34

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef uint64_t phys_addr_t;
typedef unsigned int gfp_t;
typedef unsigned int pgtbl_mod_mask;

/* ---- services of the machine (implemented below the header; kernel code does not call
 * these directly, the header's kernel API does) ---- */
struct pt_kernel_ops;
enum { PT_KOWNER_PGD = 1, PT_KOWNER_P4D, PT_KOWNER_PUD, PT_KOWNER_PMD, PT_KOWNER_PTE,
       PT_KOWNER_TEMP };
unsigned long pt_k_alloc_page(struct pt_kernel *k, gfp_t gfp, unsigned int order, int owner,
			      const char *site);
void pt_k_free_page(struct pt_kernel *k, unsigned long addr, unsigned int order, int owner,
		    const char *site);
void pt_k_entry_write(struct pt_kernel *k, void *entry, int level, u64 old, u64 val);
void pt_k_pte_write(struct pt_kernel *k, void *entry, u64 old, u64 val);
void pt_k_invlpg(struct pt_kernel *k, unsigned long addr);
void pt_k_flush_tlb_all(struct pt_kernel *k);
void pt_k_iommu_invalidate(struct pt_kernel *k, unsigned long start, unsigned long end);
_Noreturn void pt_k_bug(struct pt_kernel *k, const char *func, const char *file, int line,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));
_Noreturn void pt_k_oops(struct pt_kernel *k, const char *func, u64 pa, const char *what);
void pt_k_warn(struct pt_kernel *k, const void *once_key, const char *func, const char *file,
	       int line, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void pt_k_list_corrupt(struct pt_kernel *k, const char *func, const char *what, void *entry);
int pt_k_vmap_grow(struct pt_kernel *k);
void pt_k_probe(struct pt_kernel *k, int point, const void *table);
unsigned char pt_k_mtrr_type_lookup(struct pt_kernel *k, u64 start, u64 end, u8 *uniform);

/* The current machine.  For kernel code it is declared const: it does not change while
 * kernel code runs (an entry point sets it before and clears it after), so a kernel
 * function loads it once, however many entry writes and accessors it inlines (the PTE
 * loops).  The machine's own files (PTLIB_MACHINE_SIDE), which set it, read the variable. */
struct pt_kernel *pt_k_current(void) __attribute__((const));
static __always_inline struct pt_kernel *pt_k(void)
{
#ifdef PTLIB_MACHINE_SIDE
	return pt_kernel_current;
#else
	return pt_k_current();
#endif
}

/* ---- pgtable_types.h: entry bits ---- */
#define _PAGE_BIT_PRESENT	0
#define _PAGE_BIT_RW		1
#define _PAGE_BIT_USER		2
#define _PAGE_BIT_PWT		3
#define _PAGE_BIT_PCD		4
#define _PAGE_BIT_ACCESSED	5
#define _PAGE_BIT_DIRTY		6
#define _PAGE_BIT_PSE		7
#define _PAGE_BIT_PAT		7
#define _PAGE_BIT_GLOBAL	8
#define _PAGE_BIT_PAT_LARGE	12
#define _PAGE_BIT_NX		63

#define _PAGE_PRESENT	((pteval_t)1 << _PAGE_BIT_PRESENT)
#define _PAGE_RW	((pteval_t)1 << _PAGE_BIT_RW)
#define _PAGE_USER	((pteval_t)1 << _PAGE_BIT_USER)
#define _PAGE_PWT	((pteval_t)1 << _PAGE_BIT_PWT)
#define _PAGE_PCD	((pteval_t)1 << _PAGE_BIT_PCD)
#define _PAGE_ACCESSED	((pteval_t)1 << _PAGE_BIT_ACCESSED)
#define _PAGE_DIRTY	((pteval_t)1 << _PAGE_BIT_DIRTY)
#define _PAGE_PSE	((pteval_t)1 << _PAGE_BIT_PSE)
#define _PAGE_PAT	((pteval_t)1 << _PAGE_BIT_PAT)
#define _PAGE_GLOBAL	((pteval_t)1 << _PAGE_BIT_GLOBAL)
#define _PAGE_PAT_LARGE	((pteval_t)1 << _PAGE_BIT_PAT_LARGE)
#define _PAGE_NX	((pteval_t)1 << _PAGE_BIT_NX)
#define _PAGE_PROTNONE	_PAGE_GLOBAL
#define _PAGE_KNL_ERRATUM_MASK (_PAGE_DIRTY | _PAGE_ACCESSED)

#define _PAGE_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define _KERNPG_TABLE	(_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

#define __PAGE_KERNEL_EXEC (_PAGE_PRESENT | _PAGE_RW | _PAGE_DIRTY | _PAGE_ACCESSED | _PAGE_GLOBAL)
#define __PAGE_KERNEL	(__PAGE_KERNEL_EXEC | _PAGE_NX)
#define __pgprot(x)	((pgprot_t){ (x) })
#define pgprot_val(x)	((x).pgprot)
#define PAGE_KERNEL	__pgprot(__PAGE_KERNEL)
#define PAGE_KERNEL_EXEC __pgprot(__PAGE_KERNEL_EXEC)
#define PAGE_KERNEL_IO	__pgprot(__PAGE_KERNEL)
#define PAGE_KERNEL_IO_NOCACHE __pgprot(__PAGE_KERNEL | _PAGE_PCD)

/* ---- page_types.h, pgtable_64_types.h ---- */
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#define __PHYSICAL_MASK_SHIFT 52
#define __PHYSICAL_MASK	((phys_addr_t)((1ULL << __PHYSICAL_MASK_SHIFT) - 1))
#define PHYSICAL_PAGE_MASK (((signed long)PAGE_MASK) & __PHYSICAL_MASK)
#define PTE_PFN_MASK	((pteval_t)PHYSICAL_PAGE_MASK)
#define PTE_FLAGS_MASK	(~PTE_PFN_MASK)

#define PGDIR_SHIFT	39
#define PTRS_PER_PGD	512
#define P4D_SHIFT	PGDIR_SHIFT		/* folded (4-level) */
#define PTRS_PER_P4D	1
#define PUD_SHIFT	30
#define PTRS_PER_PUD	512
#define PMD_SHIFT	21
#define PTRS_PER_PMD	512
#define PTRS_PER_PTE	512
#define PMD_SIZE	(1UL << PMD_SHIFT)
#define PMD_MASK	(~(PMD_SIZE - 1))
#define PUD_SIZE	(1UL << PUD_SHIFT)
#define PUD_MASK	(~(PUD_SIZE - 1))
#define P4D_SIZE	(1UL << P4D_SHIFT)
#define P4D_MASK	(~(P4D_SIZE - 1))
#define PGDIR_SIZE	(1UL << PGDIR_SHIFT)
#define PGDIR_MASK	(~(PGDIR_SIZE - 1))
#define PHYSICAL_PMD_PAGE_MASK (((signed long)PMD_MASK) & __PHYSICAL_MASK)
#define PHYSICAL_PUD_PAGE_MASK (((signed long)PUD_MASK) & __PHYSICAL_MASK)
#define VMALLOC_START	0xffffc90000000000UL
#define VMALLOC_SIZE_TB	32UL
#define VMALLOC_END	(VMALLOC_START + (VMALLOC_SIZE_TB << 40) - 1)
#define __PAGE_OFFSET_BASE_L4 0xffff888000000000UL
#define PAGE_OFFSET	__PAGE_OFFSET_BASE_L4
#define IOREMAP_MAX_ORDER (PUD_SHIFT)

/* include/linux/pgtable.h: which levels a walk modified (v5.8) */
#define PGTBL_PGD_MODIFIED	(1u << 0)
#define PGTBL_P4D_MODIFIED	(1u << 1)
#define PGTBL_PUD_MODIFIED	(1u << 2)
#define PGTBL_PMD_MODIFIED	(1u << 3)
#define PGTBL_PTE_MODIFIED	(1u << 4)
#define ARCH_PAGE_TABLE_SYNC_MASK 0u		/* x86-64 since 58a18fe95e83 (likely v5.10): none */
static inline void arch_sync_kernel_mappings(unsigned long start, unsigned long end)
{
	(void)start; (void)end;
}

/* arch/x86/include/asm/mtrr.h */
#define MTRR_TYPE_UNCACHABLE	0
#define MTRR_TYPE_WRCOMB	1
#define MTRR_TYPE_WRTHROUGH	4
#define MTRR_TYPE_WRPROT	5
#define MTRR_TYPE_WRBACK	6
#define MTRR_TYPE_INVALID	0xff
static inline u8 mtrr_type_lookup(u64 addr, u64 end, u8 *uniform)
{
	return pt_k_mtrr_type_lookup(pt_k(), addr, end, uniform);
}

/* ---- entries: values, flags, predicates (arch/x86/include/asm/pgtable*.h) ---- */
static inline pteval_t pte_val(pte_t pte) { return pte.pte; }
static inline pmdval_t pmd_val(pmd_t pmd) { return pmd.pmd; }
static inline pudval_t pud_val(pud_t pud) { return pud.pud; }
static inline p4dval_t p4d_val(p4d_t p4d) { return p4d.p4d; }
static inline pgdval_t pgd_val(pgd_t pgd) { return pgd.pgd; }
static inline pte_t __pte(pteval_t val) { return (pte_t){ val }; }
static inline pmd_t __pmd(pmdval_t val) { return (pmd_t){ val }; }
static inline pud_t __pud(pudval_t val) { return (pud_t){ val }; }
static inline p4d_t __p4d(p4dval_t val) { return (p4d_t){ val }; }
static inline pgd_t __pgd(pgdval_t val) { return (pgd_t){ val }; }

static inline pmdval_t pmd_pfn_mask(pmd_t pmd)
{
	return (pmd_val(pmd) & _PAGE_PSE) ? PHYSICAL_PMD_PAGE_MASK : PTE_PFN_MASK;
}
static inline pudval_t pud_pfn_mask(pud_t pud)
{
	return (pud_val(pud) & _PAGE_PSE) ? PHYSICAL_PUD_PAGE_MASK : PTE_PFN_MASK;
}
static inline pteval_t pte_flags(pte_t pte) { return pte_val(pte) & PTE_FLAGS_MASK; }
static inline pmdval_t pmd_flags(pmd_t pmd) { return pmd_val(pmd) & ~pmd_pfn_mask(pmd); }
static inline pudval_t pud_flags(pud_t pud) { return pud_val(pud) & ~pud_pfn_mask(pud); }
static inline p4dval_t p4d_flags(p4d_t p4d) { return p4d_val(p4d) & PTE_FLAGS_MASK; }
static inline pgdval_t pgd_flags(pgd_t pgd) { return pgd_val(pgd) & PTE_FLAGS_MASK; }

static inline int pte_none(pte_t pte) { return !(pte.pte & ~(_PAGE_KNL_ERRATUM_MASK)); }
static inline int pte_present(pte_t a) { return pte_flags(a) & (_PAGE_PRESENT | _PAGE_PROTNONE); }
static inline int pmd_none(pmd_t pmd)
{
	unsigned long val = pmd_val(pmd);
	return (val & ~_PAGE_KNL_ERRATUM_MASK) == 0;
}
static inline int pmd_present(pmd_t pmd)
{
	return pmd_flags(pmd) & (_PAGE_PRESENT | _PAGE_PROTNONE | _PAGE_PSE);
}
static inline int pmd_large(pmd_t pte) { return pmd_flags(pte) & _PAGE_PSE; }
#define pmd_leaf pmd_large
static inline int pmd_huge(pmd_t pmd)	/* arch/x86/mm/hugetlbpage.c */
{
	return !pmd_none(pmd) && (pmd_val(pmd) & (_PAGE_PRESENT | _PAGE_PSE)) != _PAGE_PRESENT;
}
static inline int pmd_bad(pmd_t pmd) { return (pmd_flags(pmd) & ~_PAGE_USER) != _KERNPG_TABLE; }
static inline int pud_none(pud_t pud) { return (pud_val(pud) & ~(_PAGE_KNL_ERRATUM_MASK)) == 0; }
static inline int pud_present(pud_t pud) { return pud_flags(pud) & _PAGE_PRESENT; }
static inline int pud_large(pud_t pud)
{
	return (pud_val(pud) & (_PAGE_PSE | _PAGE_PRESENT)) == (_PAGE_PSE | _PAGE_PRESENT);
}
#define pud_leaf pud_large
static inline int pud_huge(pud_t pud) { return !!(pud_val(pud) & _PAGE_PSE); }
static inline int pud_bad(pud_t pud) { return (pud_flags(pud) & ~(_KERNPG_TABLE | _PAGE_USER)) != 0; }
static inline int p4d_none(p4d_t p4d) { return (p4d_val(p4d) & ~(_PAGE_KNL_ERRATUM_MASK)) == 0; }
static inline int p4d_present(p4d_t p4d) { return p4d_flags(p4d) & _PAGE_PRESENT; }
static inline int p4d_bad(p4d_t p4d)	/* with PAGE_TABLE_ISOLATION: NX ignored too */
{
	return (p4d_flags(p4d) & ~(_KERNPG_TABLE | _PAGE_USER | _PAGE_NX)) != 0;
}
static inline int p4d_leaf(p4d_t p4d) { (void)p4d; return 0; }
/* 4-level: the p4d is folded into the pgd (include/asm-generic/pgtable-nop4d.h) */
static inline int pgd_none(pgd_t pgd) { (void)pgd; return 0; }
static inline int pgd_bad(pgd_t pgd) { (void)pgd; return 0; }
static inline int pgd_present(pgd_t pgd) { (void)pgd; return 1; }

/* ---- building entries ---- */
static inline pte_t pfn_pte(unsigned long page_nr, pgprot_t pgprot)
{
	phys_addr_t pfn = (phys_addr_t)page_nr << PAGE_SHIFT;
	return __pte((pfn & PTE_PFN_MASK) | pgprot_val(pgprot));
}
static inline pmd_t pfn_pmd(unsigned long page_nr, pgprot_t pgprot)
{
	phys_addr_t pfn = (phys_addr_t)page_nr << PAGE_SHIFT;
	return __pmd((pfn & PHYSICAL_PMD_PAGE_MASK) | pgprot_val(pgprot));
}
static inline pud_t pfn_pud(unsigned long page_nr, pgprot_t pgprot)
{
	phys_addr_t pfn = (phys_addr_t)page_nr << PAGE_SHIFT;
	return __pud((pfn & PHYSICAL_PUD_PAGE_MASK) | pgprot_val(pgprot));
}
#define cachemode2protval(x) (x)
static inline pgprot_t pgprot_4k_2_large(pgprot_t pgprot)
{
	pgprotval_t val = pgprot_val(pgprot);
	return __pgprot((val & ~(_PAGE_PAT | _PAGE_PAT_LARGE)) |
			((val & _PAGE_PAT) << (_PAGE_BIT_PAT_LARGE - _PAGE_BIT_PAT)));
}
static inline pgprot_t pgprot_large_2_4k(pgprot_t pgprot)
{
	pgprotval_t val = pgprot_val(pgprot);
	return __pgprot((val & ~(_PAGE_PAT | _PAGE_PAT_LARGE)) |
			((val & _PAGE_PAT_LARGE) >> (_PAGE_BIT_PAT_LARGE - _PAGE_BIT_PAT)));
}
static inline pgprot_t pgprot_nx(pgprot_t prot) { return __pgprot(pgprot_val(prot) | _PAGE_NX); }

/* ---- addresses: __va/__pa, struct page, table pointers ---- */
/* __va() of a physical address outside RAM is an oops (the kernel would fault on it). */
static __always_inline void *pt_phys_to_virt(phys_addr_t pa, const char *func)
{
	struct pt_kernel *k = pt_k();
	if (unlikely(pa >= k->ram_size))
		pt_k_oops(k, func, pa, "page table");
	return k->ram + pa;
}
#define __va(x) pt_phys_to_virt((phys_addr_t)(x), __func__)
#define __pa(x) ((phys_addr_t)((const unsigned char *)(uintptr_t)(x) - pt_k()->ram))
#define pfn_to_page(pfn) (pt_k()->mem_map + (pfn))
#define page_to_pfn(page) ((unsigned long)((page) - pt_k()->mem_map))
static __always_inline struct page *pt_virt_to_page(const void *addr, const char *func)
{
	struct pt_kernel *k = pt_k();
	phys_addr_t pa = (phys_addr_t)((const unsigned char *)addr - k->ram);
	if (unlikely(pa >= k->ram_size))
		pt_k_oops(k, func, pa, "virt_to_page");
	return k->mem_map + (pa >> PAGE_SHIFT);
}
#define virt_to_page(addr) pt_virt_to_page((const void *)(uintptr_t)(addr), __func__)
#define page_address(page) ((void *)(pt_k()->ram + ((phys_addr_t)page_to_pfn(page) << PAGE_SHIFT)))
#define page_ptdesc(p) ((struct ptdesc *)(p))
#define ptdesc_page(pt) ((struct page *)(pt))
#define virt_to_ptdesc(x) page_ptdesc(virt_to_page(x))
#define ptdesc_address(pt) page_address(ptdesc_page(pt))

static inline unsigned long pmd_page_vaddr(pmd_t pmd)
{
	return (unsigned long)__va(pmd_val(pmd) & pmd_pfn_mask(pmd));
}
static inline unsigned long pud_page_vaddr(pud_t pud)
{
	return (unsigned long)__va(pud_val(pud) & pud_pfn_mask(pud));
}
static inline pmd_t *pud_pgtable(pud_t pud) { return (pmd_t *)pud_page_vaddr(pud); }
static inline unsigned long p4d_page_vaddr(p4d_t p4d)
{
	return (unsigned long)__va(p4d_val(p4d) & PTE_PFN_MASK);
}
static inline pud_t *p4d_pgtable(p4d_t p4d) { return (pud_t *)p4d_page_vaddr(p4d); }
#define pmd_page(pmd) virt_to_page(__va(pmd_val(pmd) & pmd_pfn_mask(pmd)))
#define pud_page(pud) virt_to_page(__va(pud_val(pud) & pud_pfn_mask(pud)))
#define pmd_ptdesc(pmd) page_ptdesc(pmd_page(pmd))

static inline unsigned long pgd_index(unsigned long address) { return (address >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1); }
static inline unsigned long pud_index(unsigned long address) { return (address >> PUD_SHIFT) & (PTRS_PER_PUD - 1); }
static inline unsigned long pmd_index(unsigned long address) { return (address >> PMD_SHIFT) & (PTRS_PER_PMD - 1); }
static inline unsigned long pte_index(unsigned long address) { return (address >> PAGE_SHIFT) & (PTRS_PER_PTE - 1); }

#define init_mm (pt_k()->init_mm)
#define pgd_offset(mm, address) ((mm)->pgd + pgd_index((address)))
#define pgd_offset_k(address) pgd_offset(&init_mm, (address))
static inline p4d_t *p4d_offset(pgd_t *pgd, unsigned long address)
{
	(void)address;
	return (p4d_t *)pgd;
}
static inline pud_t *pud_offset(p4d_t *p4d, unsigned long address)
{
	return p4d_pgtable(*p4d) + pud_index(address);
}
static inline pmd_t *pmd_offset(pud_t *pud, unsigned long address)
{
	return pud_pgtable(*pud) + pmd_index(address);
}
static inline pte_t *pte_offset_kernel(pmd_t *pmd, unsigned long address)
{
	return (pte_t *)pmd_page_vaddr(*pmd) + pte_index(address);
}

/* include/linux/pgtable.h: the next boundary, clamped to end (wrap-safe) */
#define pgd_addr_end(addr, end)						\
({	unsigned long __boundary = ((addr) + PGDIR_SIZE) & PGDIR_MASK;	\
	(__boundary - 1 < (end) - 1) ? __boundary : (end);		\
})
#define p4d_addr_end(addr, end) ((void)(addr), (end))		/* folded */
#define pud_addr_end(addr, end)						\
({	unsigned long __boundary = ((addr) + PUD_SIZE) & PUD_MASK;	\
	(__boundary - 1 < (end) - 1) ? __boundary : (end);		\
})
#define pmd_addr_end(addr, end)						\
({	unsigned long __boundary = ((addr) + PMD_SIZE) & PMD_MASK;	\
	(__boundary - 1 < (end) - 1) ? __boundary : (end);		\
})

/* ---- entry writes: every one reaches the sanitizer ---- */
#define PT_KLEVEL_PGD 1
#define PT_KLEVEL_PUD 3
#define PT_KLEVEL_PMD 4
#define PT_KLEVEL_PTE 5
static __always_inline void set_pte(pte_t *ptep, pte_t pte)
{
	struct pt_kernel *k = pt_k();
	/* a PTE write over a non-present entry matters only while removed leaves are
	 * pending (StaleTlbEntry): the common case stays one compare */
	if (unlikely(k->san_enabled) && ((ptep->pte & _PAGE_PRESENT) || k->san_pending) &&
	    ptep->pte != pte.pte)
		pt_k_pte_write(k, ptep, ptep->pte, pte.pte);
	ptep->pte = pte.pte;
}
#define set_pte_at(mm, addr, ptep, pte) ((void)(mm), (void)(addr), set_pte((ptep), (pte)))
static __always_inline void set_pmd(pmd_t *pmdp, pmd_t pmd)
{
	struct pt_kernel *k = pt_k();
	if (k->san_enabled)
		pt_k_entry_write(k, pmdp, PT_KLEVEL_PMD, pmdp->pmd, pmd.pmd);
	pmdp->pmd = pmd.pmd;
}
static __always_inline void set_pud(pud_t *pudp, pud_t pud)
{
	struct pt_kernel *k = pt_k();
	if (k->san_enabled)
		pt_k_entry_write(k, pudp, PT_KLEVEL_PUD, pudp->pud, pud.pud);
	pudp->pud = pud.pud;
}
static __always_inline void set_p4d(p4d_t *p4dp, p4d_t p4d)	/* folded: the pgd entry */
{
	struct pt_kernel *k = pt_k();
	if (k->san_enabled)
		pt_k_entry_write(k, p4dp, PT_KLEVEL_PGD, p4dp->p4d, p4d.p4d);
	p4dp->p4d = p4d.p4d;
}
static inline void pte_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	(void)mm; (void)addr;
	set_pte(ptep, __pte(0));
}
static inline void pmd_clear(pmd_t *pmd) { set_pmd(pmd, __pmd(0)); }
static inline void pud_clear(pud_t *pud) { set_pud(pud, __pud(0)); }
static inline void p4d_clear(p4d_t *p4d) { set_p4d(p4d, __p4d(0)); }
static inline void pgd_clear(pgd_t *pgd) { (void)pgd; }	/* folded */
static inline pte_t ptep_get(pte_t *ptep) { return READ_ONCE(*ptep); }
static inline pte_t ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	pte_t pte = *ptep;
	pte_clear(mm, addr, ptep);
	return pte;
}

/* ---- gfp and page allocation (include/linux/gfp.h, asm/pgalloc.h) ---- */
#define ___GFP_DIRECT_RECLAIM	0x400u
#define ___GFP_KSWAPD_RECLAIM	0x800u
#define ___GFP_IO		0x40u
#define ___GFP_FS		0x80u
#define ___GFP_ZERO		0x100u
#define ___GFP_HIGHMEM		0x02u
#define ___GFP_ACCOUNT		0x400000u
#define __GFP_ZERO		((gfp_t)___GFP_ZERO)
#define __GFP_HIGHMEM		((gfp_t)___GFP_HIGHMEM)
#define __GFP_DIRECT_RECLAIM	((gfp_t)___GFP_DIRECT_RECLAIM)
#define __GFP_RECLAIM		((gfp_t)(___GFP_DIRECT_RECLAIM | ___GFP_KSWAPD_RECLAIM))
#define __GFP_IO		((gfp_t)___GFP_IO)
#define __GFP_FS		((gfp_t)___GFP_FS)
#define GFP_KERNEL		(__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_PGTABLE_KERNEL	(GFP_KERNEL | __GFP_ZERO)
#define PGALLOC_GFP		(GFP_KERNEL | __GFP_ZERO)

/* The site an allocation or free is charged to is the calling kernel function. */
#define __get_free_pages(gfp, order) \
	pt_k_alloc_page(pt_k(), (gfp), (order), PT_KOWNER_TEMP, __func__)
#define __get_free_page(gfp) __get_free_pages((gfp), 0)
#define get_zeroed_page(gfp) __get_free_pages((gfp) | __GFP_ZERO, 0)
#define free_pages(addr, order) pt_k_free_page(pt_k(), (unsigned long)(addr), (order), 0, __func__)
#define free_page(addr) free_pages((addr), 0)
#define __free_pages(page, order) free_pages((unsigned long)page_address(page), (order))
#define __free_page(page) __free_pages((page), 0)

/* asm/pgalloc.h: kernel page-table pages (the variadic tail absorbs the address argument
 * that some versions pass) */
#define pte_alloc_one_kernel(mm, ...) \
	((pte_t *)pt_k_alloc_page(pt_k(), PGALLOC_GFP, 0, PT_KOWNER_PTE, __func__))
#define pmd_alloc_one(mm, ...) \
	((pmd_t *)pt_k_alloc_page(pt_k(), PGALLOC_GFP, 0, PT_KOWNER_PMD, __func__))
#define pud_alloc_one(mm, ...) \
	((pud_t *)pt_k_alloc_page(pt_k(), PGALLOC_GFP, 0, PT_KOWNER_PUD, __func__))
#define p4d_alloc_one(mm, ...) \
	((p4d_t *)pt_k_alloc_page(pt_k(), PGALLOC_GFP, 0, PT_KOWNER_P4D, __func__))
/* v6.x: pte_free_kernel()/pmd_free() end in pagetable_dtor_free(), which defers a kernel
 * table when the profile has CONFIG_ASYNC_KERNEL_PGTABLE_FREE (older kernels free_page()
 * it: the same when nothing is deferred) */
#define pte_free_kernel(mm, pte) pagetable_dtor_free(virt_to_ptdesc(pte))
#define pmd_free(mm, pmd) pagetable_dtor_free(virt_to_ptdesc(pmd))
#define pud_free(mm, pud) pt_k_free_page(pt_k(), (unsigned long)(pud), 0, PT_KOWNER_PUD, __func__)

/* asm/pgalloc.h: tables are linked as _PAGE_TABLE (P|RW|US|A|D) */
static inline void pmd_populate_kernel(struct mm_struct *mm, pmd_t *pmd, pte_t *pte)
{
	(void)mm;
	set_pmd(pmd, __pmd(__pa(pte) | _PAGE_TABLE));
}
static inline void pud_populate(struct mm_struct *mm, pud_t *pud, pmd_t *pmd)
{
	(void)mm;
	set_pud(pud, __pud(__pa(pmd) | _PAGE_TABLE));
}
static inline void p4d_populate(struct mm_struct *mm, p4d_t *p4d, pud_t *pud)
{
	(void)mm;
	set_p4d(p4d, __p4d(__pa(pud) | _PAGE_TABLE));
}

/* include/linux/mm.h: split ptlocks of PMD tables and the ptdesc frees (v5.11, v6.x) */
static inline bool pgtable_pmd_page_ctor(struct page *page) { page->pt_ptl = 1; return true; }
static inline void pgtable_pmd_page_dtor(struct page *page) { page->pt_ptl = 0; }
static inline void pagetable_dtor(struct ptdesc *ptdesc) { ptdesc->ptl = 0; }
void pagetable_free_kernel(struct ptdesc *pt);	/* mm/pgtable-generic.c (v6.19) */
#define __pagetable_free(pt) free_pages((unsigned long)ptdesc_address(pt), 0)
/* include/linux/mm.h v6.19: with CONFIG_ASYNC_KERNEL_PGTABLE_FREE a kernel table (PT_kernel
 * set at allocation) is queued for the worker; whether this machine defers is its
 * profile's choice (knob deferred_free).  Macros here, so that a free is charged to the
 * kernel function that called them. */
#define pagetable_free(pt)							\
do {									\
	struct ptdesc *__pt = (pt);					\
	if (__pt->pt_kernel) {						\
		__pt->pt_kernel = 0;					\
		__pt->pt_queued_by = __func__;	/* the free is charged to it */	\
		pagetable_free_kernel(__pt);				\
	} else {							\
		__pagetable_free(__pt);					\
	}								\
} while (0)
#define pagetable_dtor_free(pt)						\
do {									\
	struct ptdesc *__ptd = (pt);					\
	pagetable_dtor(__ptd);						\
	pagetable_free(__ptd);						\
} while (0)

/* ---- lists (include/linux/list.h; list_add() checks as CONFIG_DEBUG_LIST, and more
 * strictly: an entry that is already on a list is "list_add double add") ---- */
#define LIST_POISON1 ((struct list_head *)0x100)
#define LIST_POISON2 ((struct list_head *)0x122)
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)
static inline void INIT_LIST_HEAD(struct list_head *list)
{
	list->next = list;
	list->prev = list;
}
static inline bool pt_list_linked(const struct list_head *e)
{
	return e->next && e->next != e && e->next != LIST_POISON1;
}
static inline void __list_add(struct list_head *new, struct list_head *prev,
			      struct list_head *next)
{
	if (unlikely(pt_list_linked(new) || new == prev || new == next)) {
		pt_k_list_corrupt(pt_k(), "list_add", "list_add double add", new);
		return;
	}
	next->prev = new;
	new->next = next;
	new->prev = prev;
	prev->next = new;
}
static inline void list_add(struct list_head *new, struct list_head *head)
{
	__list_add(new, head, head->next);
}
static inline void list_add_tail(struct list_head *new, struct list_head *head)
{
	__list_add(new, head->prev, head);
}
static inline void list_del(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	entry->prev->next = entry->next;
	entry->next = LIST_POISON1;
	entry->prev = LIST_POISON2;
}
static inline int list_empty(const struct list_head *head) { return head->next == head; }
static inline void list_splice_tail_init(struct list_head *list, struct list_head *head)
{
	if (!list_empty(list)) {
		struct list_head *first = list->next, *last = list->prev, *at = head;
		first->prev = at->prev;
		at->prev->next = first;
		last->next = at;
		at->prev = last;
		INIT_LIST_HEAD(list);
	}
}
static inline void list_splice_init(struct list_head *list, struct list_head *head)
{
	if (!list_empty(list)) {
		struct list_head *first = list->next, *last = list->prev, *at = head->next;
		first->prev = head;
		head->next = first;
		last->next = at;
		at->prev = last;
		INIT_LIST_HEAD(list);
	}
}
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) list_entry((ptr)->next, type, member)
#define list_next_entry(pos, member) list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry_safe(pos, n, head, member)				\
	for (pos = list_first_entry(head, __typeof__(*pos), member),		\
		n = list_next_entry(pos, member);				\
	     &pos->member != (head);						\
	     pos = n, n = list_next_entry(n, member))

/* ---- locks: real state, held from Python with Machine.mmap_write_lock() ---- */
static inline int mmap_read_trylock(struct mm_struct *mm)
{
	if (mm->mmap_lock.writer)
		return 0;
	mm->mmap_lock.readers++;
	return 1;
}
static inline void mmap_read_unlock(struct mm_struct *mm) { mm->mmap_lock.readers--; }
static inline void mmap_write_lock(struct mm_struct *mm) { mm->mmap_lock.writer = 1; }
static inline void mmap_write_unlock(struct mm_struct *mm) { mm->mmap_lock.writer = 0; }
static inline void spin_lock(spinlock_t *lock) { lock->locked++; }
static inline void spin_unlock(spinlock_t *lock) { lock->locked--; }

/* ---- CPUs and TLB flushes (asm/tlbflush.h, kernel/smp.c) ---- */
#define TLB_FLUSH_ALL (-1UL)
typedef void (*smp_call_func_t)(void *info);
static inline int num_online_cpus(void) { return pt_k()->nr_cpus; }
static inline int smp_processor_id(void) { return pt_k()->this_cpu; }
/* one thread runs every CPU's part in turn, as the IPIs would */
static inline void on_each_cpu(smp_call_func_t func, void *info, int wait)
{
	struct pt_kernel *k = pt_k();
	(void)wait;
	for (int cpu = 0; cpu < k->nr_cpus; cpu++) {
		k->this_cpu = cpu;
		func(info);
	}
	k->this_cpu = 0;
}
/* INVLPG on this CPU */
static inline void __flush_tlb_one_kernel(unsigned long addr) { pt_k_invlpg(pt_k(), addr); }
/* CR4.PGE toggle on this CPU (CR3 reload without PGE) */
static inline void __flush_tlb_all(void) { pt_k_flush_tlb_all(pt_k()); }
#define X86_FEATURE_PSE 1
#define X86_FEATURE_GBPAGES 2
#define boot_cpu_has(f) ((f) == X86_FEATURE_PSE ? pt_k()->x86_feature_pse : \
			 (f) == X86_FEATURE_GBPAGES ? pt_k()->x86_feature_gbpages : 0)
/* drivers/iommu/iommu-sva.c (v6.19): the IOMMU drops its caches of the kernel's tables */
static inline void iommu_sva_invalidate_kva_range(unsigned long start, unsigned long end)
{
	pt_k_iommu_invalidate(pt_k(), start, end);
}

/* ---- BUG, WARN, printk ---- */
#define BUG() pt_k_bug(pt_k(), __func__, __FILE__, __LINE__, "kernel BUG at %s!", __func__)
#define BUG_ON(condition)							\
	do {									\
		if (unlikely(condition))					\
			pt_k_bug(pt_k(), __func__, __FILE__, __LINE__,		\
				 "kernel BUG at %s: BUG_ON(%s)", __func__, #condition); \
	} while (0)
#define WARN_ON(condition)							\
({										\
	int __ret_warn_on = !!(condition);					\
	if (unlikely(__ret_warn_on))						\
		pt_k_warn(pt_k(), NULL, __func__, __FILE__, __LINE__,		\
			  "WARNING at %s: WARN_ON(%s)", __func__, #condition);	\
	unlikely(__ret_warn_on);						\
})
#define WARN_ON_ONCE(condition)							\
({										\
	static const char __pt_once;						\
	int __ret_warn_on = !!(condition);					\
	if (unlikely(__ret_warn_on))						\
		pt_k_warn(pt_k(), &__pt_once, __func__, __FILE__, __LINE__,	\
			  "WARNING at %s: WARN_ON_ONCE(%s)", __func__, #condition); \
	unlikely(__ret_warn_on);						\
})
#define WARN_ONCE(condition, fmt, ...)						\
({										\
	static const char __pt_once;						\
	int __ret_warn_on = !!(condition);					\
	if (unlikely(__ret_warn_on))						\
		pt_k_warn(pt_k(), &__pt_once, __func__, __FILE__, __LINE__,	\
			  fmt, ##__VA_ARGS__);					\
	unlikely(__ret_warn_on);						\
})
#define VM_WARN_ON(cond) ((void)WARN_ON(cond))
#define VM_WARN_ON_ONCE(cond) ((void)WARN_ON_ONCE(cond))
#define pr_warn(fmt, ...) \
	pt_k_warn(pt_k(), NULL, __func__, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) pr_warn(fmt, ##__VA_ARGS__)
#define pr_warn_once(fmt, ...)							\
({										\
	static const char __pt_once;						\
	pt_k_warn(pt_k(), &__pt_once, __func__, __FILE__, __LINE__, fmt, ##__VA_ARGS__); \
})
#define pr_info(fmt, ...) do { } while (0)
#define pr_debug(fmt, ...) do { } while (0)
#define KERN_ERR ""
#define KERN_WARNING ""
#define printk(fmt, ...) pr_warn(fmt, ##__VA_ARGS__)

/* ---- ptlib's probe points: where a test may look at a table being freed (what a software
 * walker still holding the pointer would read), like a tracepoint ---- */
#define PTLIB_PROBE_PUD_FREE_BEFORE_FREE_PMD 1
#define ptlib_probe_point(point, table) pt_k_probe(pt_k(), PTLIB_PROBE_##point, (table))

/* ---- workqueues (one thread: schedule_work() only marks the work pending; ptlib runs the
 * v6.19 worker when Machine.run_deferred_work() is called) ---- */
static inline bool schedule_work(struct work_struct *work)
{
	work->pending = 1;
	return true;
}

/* ---- pgtable_64.h: pXd_ERROR() (4-level: p4d_ERROR is the pgd's) ---- */
#define pgd_ERROR(e) pr_err("%s:%d: bad pgd %p(%016lx)\n", __FILE__, __LINE__, &(e), pgd_val(e))
#define p4d_ERROR(e) pr_err("%s:%d: bad pgd %p(%016lx)\n", __FILE__, __LINE__, &(e), p4d_val(e))
#define pud_ERROR(e) pr_err("%s:%d: bad pud %p(%016lx)\n", __FILE__, __LINE__, &(e), pud_val(e))
#define pmd_ERROR(e) pr_err("%s:%d: bad pmd %p(%016lx)\n", __FILE__, __LINE__, &(e), pmd_val(e))
#define pgtable_l5_enabled() 0			/* 4-level paging */
#define panic(fmt, ...) pt_k_bug(pt_k(), __func__, __FILE__, __LINE__, "Kernel panic - not syncing: " fmt, ##__VA_ARGS__)
#define protval_4k_2_large(val) pgprot_val(pgprot_4k_2_large(__pgprot(val)))

/* ---- the kernel's globals that the ported files define (static __read_mostly state set
 * at boot or by the command line): one set per machine, in its struct pt_kernel ---- */
#ifndef PTLIB_MACHINE_SIDE	/* (the machine's own C files name the fields themselves) */
#define ioremap_p4d_capable (pt_k()->ioremap_p4d_capable)	/* lib/ioremap.c */
#define ioremap_pud_capable (pt_k()->ioremap_pud_capable)
#define ioremap_pmd_capable (pt_k()->ioremap_pmd_capable)
#define ioremap_huge_disabled (pt_k()->ioremap_huge_disabled)	/* "nohugeiomap" */
#define iomap_max_page_shift (pt_k()->iomap_max_page_shift)	/* mm/ioremap.c v5.13 */
#define kernel_pgtable_work (pt_k()->kernel_pgtable_work)	/* mm/pgtable-generic.c */
#define vmap_lazy_nr (pt_k()->vmap_lazy_nr)			/* mm/vmalloc.c */
#endif

/* ---- the ported functions (their bodies: csrc/kernel/, one per version; which body runs
 * is the machine's profile, through the dispatch in csrc/kops/dispatch.c) ---- */
/* lib/ioremap.c, mm/ioremap.c, mm/vmalloc.c */
int ioremap_page_range(unsigned long addr, unsigned long end, phys_addr_t phys_addr,
		       pgprot_t prot);
void unmap_kernel_range_noflush(unsigned long addr, unsigned long size);
void unmap_kernel_range(unsigned long addr, unsigned long size);
void vunmap_range_noflush(unsigned long start, unsigned long end);
void vunmap_range(unsigned long addr, unsigned long end);
int vmap_range(unsigned long addr, unsigned long end, phys_addr_t phys_addr, pgprot_t prot,
	       unsigned int max_page_shift);
void ioremap_huge_init(void);
/* arch/x86/mm/ioremap.c */
int arch_ioremap_p4d_supported(void);
int arch_ioremap_pud_supported(void);
int arch_ioremap_pmd_supported(void);
/* arch/x86/mm/pgtable.c (CONFIG_HAVE_ARCH_HUGE_VMAP) */
int p4d_set_huge(p4d_t *p4d, phys_addr_t addr, pgprot_t prot);
int pud_set_huge(pud_t *pud, phys_addr_t addr, pgprot_t prot);
int pmd_set_huge(pmd_t *pmd, phys_addr_t addr, pgprot_t prot);
int p4d_clear_huge(p4d_t *p4d);
int pud_clear_huge(pud_t *pud);
int pmd_clear_huge(pmd_t *pmd);
int p4d_free_pud_page(p4d_t *p4d, unsigned long addr);
int pud_free_pmd_page(pud_t *pud, unsigned long addr);
int pmd_free_pte_page(pmd_t *pmd, unsigned long addr);
/* arch/x86/mm/tlb.c */
void flush_tlb_all(void);
void flush_tlb_kernel_range(unsigned long start, unsigned long end);
void flush_tlb_kernel_pgtable_range(unsigned long start, unsigned long end);	/* 2025 */
/* mm/memory.c, mm/pgtable-generic.c */
int __p4d_alloc(struct mm_struct *mm, pgd_t *pgd, unsigned long address);
int __pud_alloc(struct mm_struct *mm, p4d_t *p4d, unsigned long address);
int __pmd_alloc(struct mm_struct *mm, pud_t *pud, unsigned long address);
int __pte_alloc_kernel(pmd_t *pmd, unsigned long address);
void pgd_clear_bad(pgd_t *pgd);
void p4d_clear_bad(p4d_t *p4d);
void pud_clear_bad(pud_t *pud);
void pmd_clear_bad(pmd_t *pmd);

/* include/linux/vmalloc.h (v4.18): areas.  ptlib's struct vmap_area is also the
 * vm_struct (kernel_abi.h); VM_PURGE_LIST is ptlib's mark of an area on vmap_purge_list. */
#define VM_IOREMAP	0x00000001
#define VM_NO_GUARD	0x00000040
#define VM_PURGE_LIST	0x100
struct vmap_area *get_vm_area_caller(unsigned long size, unsigned long flags);
struct vmap_area *find_vm_area(const void *addr);
struct vmap_area *remove_vm_area(const void *addr);
void free_vm_area(struct vmap_area *area);
/* arch/x86/mm/ioremap.c (v4.18): ptlib's __ioremap_caller() takes the final pgprot and
 * returns the error; iounmap() says whether it found the area */
unsigned long __ioremap_caller(phys_addr_t phys_addr, unsigned long size, pgprot_t prot,
			       int *err);
bool iounmap(unsigned long addr);

/* Static (or __init) upstream, non-static in the port: ptlib's entry points call them. */
void purge_vmap_area_lazy(void);			/* mm/vmalloc.c */
unsigned long lazy_max_pages(void);			/* mm/vmalloc.c */
void kernel_pgtable_work_func(struct work_struct *work);	/* mm/pgtable-generic.c v6.19 */
void preallocate_vmalloc_pages(void);			/* arch/x86/mm/init_64.c v5.9 */

/* include/linux/mm.h: allocate the next level when it is missing */
static inline p4d_t *p4d_alloc(struct mm_struct *mm, pgd_t *pgd, unsigned long address)
{
	(void)mm;
	return p4d_offset(pgd, address);	/* folded: __p4d_alloc() never runs */
}
static inline pud_t *pud_alloc(struct mm_struct *mm, p4d_t *p4d, unsigned long address)
{
	return (unlikely(p4d_none(*p4d)) && __pud_alloc(mm, p4d, address)) ?
		NULL : pud_offset(p4d, address);
}
static inline pmd_t *pmd_alloc(struct mm_struct *mm, pud_t *pud, unsigned long address)
{
	return (unlikely(pud_none(*pud)) && __pmd_alloc(mm, pud, address)) ?
		NULL : pmd_offset(pud, address);
}
#define pte_alloc_kernel(pmd, address)					\
	((unlikely(pmd_none(*(pmd))) && __pte_alloc_kernel(pmd, address)) ? \
		NULL : pte_offset_kernel(pmd, address))

/* mm/pgalloc-track.h (v5.8): the same, noting which level was modified */
static inline p4d_t *p4d_alloc_track(struct mm_struct *mm, pgd_t *pgd,
				     unsigned long address, pgtbl_mod_mask *mod_mask)
{
	if (unlikely(pgd_none(*pgd))) {
		if (!p4d_alloc(mm, pgd, address))
			return NULL;
		*mod_mask |= PGTBL_PGD_MODIFIED;
	}
	return p4d_offset(pgd, address);
}
static inline pud_t *pud_alloc_track(struct mm_struct *mm, p4d_t *p4d,
				     unsigned long address, pgtbl_mod_mask *mod_mask)
{
	if (unlikely(p4d_none(*p4d))) {
		if (__pud_alloc(mm, p4d, address))
			return NULL;
		*mod_mask |= PGTBL_P4D_MODIFIED;
	}
	return pud_offset(p4d, address);
}
static inline pmd_t *pmd_alloc_track(struct mm_struct *mm, pud_t *pud,
				     unsigned long address, pgtbl_mod_mask *mod_mask)
{
	if (unlikely(pud_none(*pud))) {
		if (__pmd_alloc(mm, pud, address))
			return NULL;
		*mod_mask |= PGTBL_PUD_MODIFIED;
	}
	return pmd_offset(pud, address);
}
#define pte_alloc_kernel_track(pmd, address, mask)			\
	((unlikely(pmd_none(*(pmd))) &&					\
	  (__pte_alloc_kernel(pmd, address) || ({*(mask) |= PGTBL_PMD_MODIFIED; 0; }))) ? \
		NULL : pte_offset_kernel(pmd, address))

/* include/linux/pgtable.h: skip a missing level, clear (and report) a bad one */
static inline int pgd_none_or_clear_bad(pgd_t *pgd)
{
	if (pgd_none(*pgd))
		return 1;
	if (unlikely(pgd_bad(*pgd))) {
		pgd_clear_bad(pgd);
		return 1;
	}
	return 0;
}
static inline int p4d_none_or_clear_bad(p4d_t *p4d)
{
	if (p4d_none(*p4d))
		return 1;
	if (unlikely(p4d_bad(*p4d))) {
		p4d_clear_bad(p4d);
		return 1;
	}
	return 0;
}
static inline int pud_none_or_clear_bad(pud_t *pud)
{
	if (pud_none(*pud))
		return 1;
	if (unlikely(pud_bad(*pud))) {
		pud_clear_bad(pud);
		return 1;
	}
	return 0;
}
static inline int pmd_none_or_clear_bad(pmd_t *pmd)
{
	if (pmd_none(*pmd))
		return 1;
	if (unlikely(pmd_bad(*pmd))) {
		pmd_clear_bad(pmd);
		return 1;
	}
	return 0;
}

#endif
