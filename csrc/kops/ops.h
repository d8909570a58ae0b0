/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kops/ops.h - the kernel functions whose body a profile chooses (or a patch replaces):
 * one slot each in struct pt_kernel_ops.  Kernel code calls them by their kernel names;
 * those names are the dispatchers of kops/dispatch.c, which call the running machine's
 * slot.  A body is the function of one kernel file at one version (csrc/kernel/), built
 * by its unit (kops/units/) under the name NAME$UNIT, so that every version can be linked
 * side by side; kops/select.c fills a machine's table from its profile.
 *
 * Calls between two functions of one kernel file stay direct, as in the kernel (the unit
 * renames them together): a profile takes a file's functions together.
 */
#ifndef PTLIB_KOPS_H
#define PTLIB_KOPS_H
#include <ptlib/kernel.h>

/* X(ret, name, params, args) for functions returning a value, V(...) for void ones, T(...)
 * for the TLB flushes (void; their dispatchers also log the flush). */
#define PT_KERNEL_FUNCS(X, V, T)							\
	X(int, ioremap_page_range, (unsigned long addr, unsigned long end,	\
	  phys_addr_t phys_addr, pgprot_t prot), (addr, end, phys_addr, prot))	\
	V(void, unmap_kernel_range_noflush, (unsigned long addr, unsigned long size), \
	  (addr, size))								\
	V(void, unmap_kernel_range, (unsigned long addr, unsigned long size), (addr, size)) \
	V(void, vunmap_range_noflush, (unsigned long start, unsigned long end), (start, end)) \
	V(void, vunmap_range, (unsigned long addr, unsigned long end), (addr, end)) \
	X(int, vmap_range, (unsigned long addr, unsigned long end, phys_addr_t phys_addr, \
	  pgprot_t prot, unsigned int max_page_shift),				\
	  (addr, end, phys_addr, prot, max_page_shift))				\
	V(void, ioremap_huge_init, (void), ())					\
	X(int, arch_ioremap_p4d_supported, (void), ())				\
	X(int, arch_ioremap_pud_supported, (void), ())				\
	X(int, arch_ioremap_pmd_supported, (void), ())				\
	X(int, p4d_set_huge, (p4d_t *p4d, phys_addr_t addr, pgprot_t prot), (p4d, addr, prot)) \
	X(int, pud_set_huge, (pud_t *pud, phys_addr_t addr, pgprot_t prot), (pud, addr, prot)) \
	X(int, pmd_set_huge, (pmd_t *pmd, phys_addr_t addr, pgprot_t prot), (pmd, addr, prot)) \
	X(int, p4d_clear_huge, (p4d_t *p4d), (p4d))				\
	X(int, pud_clear_huge, (pud_t *pud), (pud))				\
	X(int, pmd_clear_huge, (pmd_t *pmd), (pmd))				\
	X(int, p4d_free_pud_page, (p4d_t *p4d, unsigned long addr), (p4d, addr)) \
	X(int, pud_free_pmd_page, (pud_t *pud, unsigned long addr), (pud, addr)) \
	X(int, pmd_free_pte_page, (pmd_t *pmd, unsigned long addr), (pmd, addr)) \
	T(void, flush_tlb_all, (void), ())					\
	T(void, flush_tlb_kernel_range, (unsigned long start, unsigned long end), (start, end)) \
	T(void, flush_tlb_kernel_pgtable_range, (unsigned long start, unsigned long end), \
	  (start, end))								\
	X(int, __p4d_alloc, (struct mm_struct *mm, pgd_t *pgd, unsigned long address), \
	  (mm, pgd, address))							\
	X(int, __pud_alloc, (struct mm_struct *mm, p4d_t *p4d, unsigned long address), \
	  (mm, p4d, address))							\
	X(int, __pmd_alloc, (struct mm_struct *mm, pud_t *pud, unsigned long address), \
	  (mm, pud, address))							\
	X(int, __pte_alloc_kernel, (pmd_t *pmd, unsigned long address), (pmd, address)) \
	V(void, pgd_clear_bad, (pgd_t *pgd), (pgd))				\
	V(void, p4d_clear_bad, (p4d_t *p4d), (p4d))				\
	V(void, pud_clear_bad, (pud_t *pud), (pud))				\
	V(void, pmd_clear_bad, (pmd_t *pmd), (pmd))				\
	V(void, pagetable_free_kernel, (struct ptdesc *pt), (pt))

enum pt_kop {
#define PT_KOP_ENUM(ret, name, params, args) PT_KOP_##name,
	PT_KERNEL_FUNCS(PT_KOP_ENUM, PT_KOP_ENUM, PT_KOP_ENUM)
#undef PT_KOP_ENUM
	PT_NR_KOPS
};

struct pt_kernel_ops {
#define PT_KOP_FIELD(ret, name, params, args) ret (*name) params;
	PT_KERNEL_FUNCS(PT_KOP_FIELD, PT_KOP_FIELD, PT_KOP_FIELD)
#undef PT_KOP_FIELD
	const char *origin[PT_NR_KOPS];		/* "file version: commit" of each body */
};

/* A body: the function NAME of the kernel file built as UNIT. */
#define PT_BODY(name, unit) name##$##unit
#define PT_DECLARE_BODY(name, unit) extern __typeof__(name) PT_BODY(name, unit);

/* The names of the slots, and one profile's table (select.c). */
extern const char *const pt_kop_names[PT_NR_KOPS];
struct pt_profile;
void pt_kernel_ops_select(const struct pt_profile *prof, struct pt_kernel_ops *ops);
const char *pt_kernel_body(const struct pt_kernel_ops *ops, int i, const char **origin);

#endif
