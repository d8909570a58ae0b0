/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kops/select.c - which body of each kernel function a profile runs, chosen once when the
 * machine is created: a profile is a version (the bodies below) plus experiment knobs.
 * The origin string of each slot (file, version, commit) is what the README's profile
 * table lists (Machine.kernel_bodies()).
 */
#define PTLIB_MACHINE_SIDE
#include "../ptlib.h"
#include "ops.h"

/* every body of every unit, declared with its slot's type */
#define B(name, unit) PT_DECLARE_BODY(name, unit)
B(ioremap_page_range, lib_ioremap_v4_18) B(ioremap_huge_init, lib_ioremap_v4_18)
B(ioremap_page_range, lib_ioremap_v5_0) B(ioremap_huge_init, lib_ioremap_v5_0)
B(ioremap_page_range, lib_ioremap_v5_3) B(ioremap_huge_init, lib_ioremap_v5_3)
B(unmap_kernel_range_noflush, mm_vmalloc_v4_18) B(unmap_kernel_range, mm_vmalloc_v4_18)
B(vmap_range, mm_vmalloc_v5_13) B(vunmap_range_noflush, mm_vmalloc_v5_13)
B(vunmap_range, mm_vmalloc_v5_13)
B(ioremap_page_range, mm_ioremap_v5_13) B(ioremap_page_range, mm_vmalloc_v5_15)
B(ioremap_page_range, mm_vmalloc_v6_9)
B(vunmap_range_noflush, mm_vmalloc_v6_16) B(vunmap_range, mm_vmalloc_v6_16)
B(vmap_range, mm_vmalloc_v7_2)
B(arch_ioremap_p4d_supported, arch_x86_mm_ioremap_v4_18)
B(arch_ioremap_pud_supported, arch_x86_mm_ioremap_v4_18)
B(arch_ioremap_pmd_supported, arch_x86_mm_ioremap_v4_18)
B(flush_tlb_all, arch_x86_mm_tlb_v4_18) B(flush_tlb_kernel_range, arch_x86_mm_tlb_v4_18)
B(__p4d_alloc, mm_memory_v4_18) B(__pud_alloc, mm_memory_v4_18)
B(__pmd_alloc, mm_memory_v4_18) B(__pte_alloc_kernel, mm_memory_v4_18)
B(p4d_set_huge, arch_x86_mm_pgtable_v4_17) B(pud_set_huge, arch_x86_mm_pgtable_v4_17)
B(pmd_set_huge, arch_x86_mm_pgtable_v4_17) B(p4d_clear_huge, arch_x86_mm_pgtable_v4_17)
B(pud_clear_huge, arch_x86_mm_pgtable_v4_17) B(pmd_clear_huge, arch_x86_mm_pgtable_v4_17)
B(pud_free_pmd_page, arch_x86_mm_pgtable_v4_17) B(pmd_free_pte_page, arch_x86_mm_pgtable_v4_17)
B(pud_free_pmd_page, arch_x86_mm_pgtable_v4_18) B(pmd_free_pte_page, arch_x86_mm_pgtable_v4_18)
B(p4d_free_pud_page, arch_x86_mm_pgtable_v5_0) B(pud_free_pmd_page, arch_x86_mm_pgtable_v5_0)
B(pmd_free_pte_page, arch_x86_mm_pgtable_v5_0)
B(pud_free_pmd_page, arch_x86_mm_pgtable_v5_11)
B(pud_set_huge, arch_x86_mm_pgtable_v6_5) B(pmd_set_huge, arch_x86_mm_pgtable_v6_5)
B(pud_free_pmd_page, arch_x86_mm_pgtable_v6_19) B(pmd_free_pte_page, arch_x86_mm_pgtable_v6_19)
B(pud_free_pmd_page, patch_jannh_2025) B(pmd_free_pte_page, patch_jannh_2025)
B(flush_tlb_kernel_pgtable_range, patch_jannh_2025_tlb)
B(pud_free_pmd_page, experiment_pud_free_page_list)
B(pud_free_pmd_page, experiment_pud_free_no_save)
B(pgd_clear_bad, mm_pgtable_generic_v4_18) B(p4d_clear_bad, mm_pgtable_generic_v4_18)
B(pud_clear_bad, mm_pgtable_generic_v4_18) B(pmd_clear_bad, mm_pgtable_generic_v4_18)
B(pagetable_free_kernel, mm_pgtable_generic_v6_19)
#undef B

const char *const pt_kop_names[PT_NR_KOPS] = {
#define PT_KOP_NAME(ret, name, params, args) [PT_KOP_##name] = #name,
	PT_KERNEL_FUNCS(PT_KOP_NAME, PT_KOP_NAME, PT_KOP_NAME)
#undef PT_KOP_NAME
};

/* v5.13's mm/vmalloc.c asks arch_vmap_pXd_supported() at each call: no boot-time
 * ioremap_huge_init() (ptlib glue, not kernel code). */
static void ioremap_huge_init_none(void)
{
}

/* v5.13 renamed unmap_kernel_range_noflush()/unmap_kernel_range(addr, size) to
 * vunmap_range_noflush()/vunmap_range(start, end); the v4.18 vmap-area code that ptlib runs
 * on every profile calls the old names (ptlib glue, not kernel code). */
static void unmap_kernel_range_noflush_via_vunmap(unsigned long addr, unsigned long size)
{
	vunmap_range_noflush(addr, addr + size);
}

static void unmap_kernel_range_via_vunmap(unsigned long addr, unsigned long size)
{
	vunmap_range(addr, addr + size);
}

/* What each unit is: the file, the version and the commit its changed bodies mirror. */
#define O_lib_ioremap_v4_18		"lib/ioremap.c v4.18"
#define O_lib_ioremap_v5_0		"lib/ioremap.c v5.0 (Will Deacon, \"ioremap: Rework pXd_free_pYd_page() API\")"
#define O_lib_ioremap_v5_3		"lib/ioremap.c v5.3 (6b95ab4218bf)"
#define O_mm_ioremap_v5_13		"mm/ioremap.c v5.13"
#define O_mm_vmalloc_v4_18		"mm/vmalloc.c v4.18"
#define O_mm_vmalloc_v5_13		"mm/vmalloc.c v5.13"
#define O_mm_vmalloc_v5_15		"mm/vmalloc.c v5.15 (8491502f787c)"
#define O_mm_vmalloc_v6_9		"mm/vmalloc.c v6.9 (3e49a866c9dc)"
#define O_mm_vmalloc_v6_16		"mm/vmalloc.c v6.16 (61ef8ddaa35e)"
#define O_mm_vmalloc_v7_2		"mm/vmalloc.c v7.2 (ptdump UAF fix, 2026; hash not confirmed)"
#define O_mm_memory_v4_18		"mm/memory.c v4.18"
#define O_mm_pgtable_generic_v4_18	"mm/pgtable-generic.c v4.18"
#define O_mm_pgtable_generic_v6_19	"mm/pgtable-generic.c v6.19 (CONFIG_ASYNC_KERNEL_PGTABLE_FREE)"
#define O_arch_x86_mm_ioremap_v4_18	"arch/x86/mm/ioremap.c v4.18"
#define O_arch_x86_mm_tlb_v4_18		"arch/x86/mm/tlb.c v4.18"
#define O_arch_x86_mm_pgtable_v4_17	"arch/x86/mm/pgtable.c v4.17"
#define O_arch_x86_mm_pgtable_v4_18	"arch/x86/mm/pgtable.c v4.18 (5e0fb5df2ee8)"
#define O_arch_x86_mm_pgtable_v5_0	"arch/x86/mm/pgtable.c v5.0 (Will Deacon: pXd_none() checks dropped)"
#define O_arch_x86_mm_pgtable_v5_11	"arch/x86/mm/pgtable.c v5.11 (d1c5246e08eb)"
#define O_arch_x86_mm_pgtable_v6_5	"arch/x86/mm/pgtable.c v6.5 (12f0dd8df142)"
#define O_arch_x86_mm_pgtable_v6_19	"arch/x86/mm/pgtable.c v6.19 (412d000346ea)"
#define O_patch_jannh_2025		"Jann Horn's patch, LKML 2025-05-28 (v1, not merged)"
#define O_patch_jannh_2025_tlb		O_patch_jannh_2025
#define O_experiment_pud_free_page_list	"ptlib experiment pud_free=page_list (review of v3, 2018)"
#define O_experiment_pud_free_no_save	"ptlib experiment pud_free=no_save"

/* The slot's body is the unit's */
#define USE(slot, unit)								\
	do {									\
		ops->slot = PT_BODY(slot, unit);				\
		ops->origin[PT_KOP_##slot] = O_##unit;				\
	} while (0)
/* pmd_free_pte_page and pud_free_pmd_page of units pmd and pud */
#define USE_FREE(pmd, pud)							\
	do {									\
		USE(pmd_free_pte_page, pmd);					\
		USE(pud_free_pmd_page, pud);					\
	} while (0)

void pt_kernel_ops_select(const struct pt_profile *p, struct pt_kernel_ops *ops)
{
	/* every profile */
	USE(arch_ioremap_p4d_supported, arch_x86_mm_ioremap_v4_18);
	USE(arch_ioremap_pud_supported, arch_x86_mm_ioremap_v4_18);
	USE(arch_ioremap_pmd_supported, arch_x86_mm_ioremap_v4_18);
	USE(flush_tlb_all, arch_x86_mm_tlb_v4_18);
	USE(flush_tlb_kernel_range, arch_x86_mm_tlb_v4_18);
	USE(flush_tlb_kernel_pgtable_range, patch_jannh_2025_tlb);
	USE(__p4d_alloc, mm_memory_v4_18);
	USE(__pud_alloc, mm_memory_v4_18);
	USE(__pmd_alloc, mm_memory_v4_18);
	USE(__pte_alloc_kernel, mm_memory_v4_18);
	USE(pgd_clear_bad, mm_pgtable_generic_v4_18);
	USE(p4d_clear_bad, mm_pgtable_generic_v4_18);
	USE(pud_clear_bad, mm_pgtable_generic_v4_18);
	USE(pmd_clear_bad, mm_pgtable_generic_v4_18);
	USE(pagetable_free_kernel, mm_pgtable_generic_v6_19);
	USE(vmap_range, mm_vmalloc_v5_13);
	USE(vunmap_range_noflush, mm_vmalloc_v5_13);
	USE(vunmap_range, mm_vmalloc_v5_13);
	USE(p4d_free_pud_page, arch_x86_mm_pgtable_v5_0);

	/* pXd_set_huge / pXd_clear_huge */
	USE(p4d_set_huge, arch_x86_mm_pgtable_v4_17);
	USE(p4d_clear_huge, arch_x86_mm_pgtable_v4_17);
	USE(pud_clear_huge, arch_x86_mm_pgtable_v4_17);
	USE(pmd_clear_huge, arch_x86_mm_pgtable_v4_17);
	if (p->set_huge == PT_SET_HUGE_12F0DD8DF142) {
		USE(pud_set_huge, arch_x86_mm_pgtable_v6_5);
		USE(pmd_set_huge, arch_x86_mm_pgtable_v6_5);
	} else {
		USE(pud_set_huge, arch_x86_mm_pgtable_v4_17);
		USE(pmd_set_huge, arch_x86_mm_pgtable_v4_17);
	}

	/* pmd_free_pte_page / pud_free_pmd_page */
	switch (p->free_tables) {
	case PT_FREE_28EE90FE6048:
		USE_FREE(arch_x86_mm_pgtable_v4_17, arch_x86_mm_pgtable_v4_17);
		ops->origin[PT_KOP_pmd_free_pte_page] = ops->origin[PT_KOP_pud_free_pmd_page] =
			O_arch_x86_mm_pgtable_v4_17 " (28ee90fe6048)";
		break;
	case PT_FREE_V5_0:
		USE_FREE(arch_x86_mm_pgtable_v5_0, arch_x86_mm_pgtable_v5_0);
		break;
	case PT_FREE_D1C5246E08EB:	/* v5.11 changed pud_free_pmd_page only */
		USE_FREE(arch_x86_mm_pgtable_v5_0, arch_x86_mm_pgtable_v5_11);
		break;
	case PT_FREE_412D000346EA:
		USE_FREE(arch_x86_mm_pgtable_v6_19, arch_x86_mm_pgtable_v6_19);
		break;
	default:	/* PT_FREE_5E0FB5DF2EE8 */
		USE_FREE(arch_x86_mm_pgtable_v4_18, arch_x86_mm_pgtable_v4_18);
		break;
	}
	/* experiments and the 2025 patch: bodies of their own */
	if (p->free_flush == PT_FREE_FLUSH_RANGE_ALL_PCIDS)
		USE_FREE(patch_jannh_2025, patch_jannh_2025);
	if (p->free_tables != PT_FREE_28EE90FE6048 && p->pud_free == PT_PUD_FREE_PAGE_LIST)
		USE(pud_free_pmd_page, experiment_pud_free_page_list);
	if (p->free_tables != PT_FREE_28EE90FE6048 && p->pud_free == PT_PUD_FREE_NO_SAVE)
		USE(pud_free_pmd_page, experiment_pud_free_no_save);

	/* ioremap_page_range and the unmap */
	if (p->vmap_range_form) {
		if (p->ioremap_vm_area_check)
			USE(ioremap_page_range, mm_vmalloc_v6_9);
		else if (p->ioremap_force_nx)
			USE(ioremap_page_range, mm_vmalloc_v5_15);
		else
			USE(ioremap_page_range, mm_ioremap_v5_13);
		ops->ioremap_huge_init = ioremap_huge_init_none;
		ops->origin[PT_KOP_ioremap_huge_init] =
			"ptlib glue: none since v5.13 (arch_vmap_pXd_supported() at each call)";
		ops->unmap_kernel_range_noflush = unmap_kernel_range_noflush_via_vunmap;
		ops->origin[PT_KOP_unmap_kernel_range_noflush] =
			"ptlib glue: vunmap_range_noflush(addr, addr + size) (v5.13 rename)";
		ops->unmap_kernel_range = unmap_kernel_range_via_vunmap;
		ops->origin[PT_KOP_unmap_kernel_range] =
			"ptlib glue: vunmap_range(addr, addr + size) (v5.13 rename)";
		if (p->vunmap_warn_partial_huge) {
			USE(vunmap_range_noflush, mm_vmalloc_v6_16);
			USE(vunmap_range, mm_vmalloc_v6_16);
		}
		if (p->vmap_ptdump_lock)
			USE(vmap_range, mm_vmalloc_v7_2);
	} else {
		if (p->ioremap_try_huge_helpers && p->ioremap_va_align_check) {
			USE(ioremap_page_range, lib_ioremap_v5_3);
			USE(ioremap_huge_init, lib_ioremap_v5_3);
		} else if (p->ioremap_try_huge_helpers) {
			USE(ioremap_page_range, lib_ioremap_v5_0);
			USE(ioremap_huge_init, lib_ioremap_v5_0);
		} else {
			USE(ioremap_page_range, lib_ioremap_v4_18);
			USE(ioremap_huge_init, lib_ioremap_v4_18);
		}
		USE(unmap_kernel_range_noflush, mm_vmalloc_v4_18);
		USE(unmap_kernel_range, mm_vmalloc_v4_18);
		/* filled, but no body of these forms calls them */
		ops->origin[PT_KOP_vmap_range] = "not called (" O_mm_vmalloc_v5_13 ")";
		ops->origin[PT_KOP_vunmap_range_noflush] = "not called (" O_mm_vmalloc_v5_13 ")";
		ops->origin[PT_KOP_vunmap_range] = "not called (" O_mm_vmalloc_v5_13 ")";
	}
	/* slots that no chosen body reaches on this profile */
	ops->origin[PT_KOP_p4d_free_pud_page] =
		"not called: no 512 GiB pages (" O_arch_x86_mm_pgtable_v5_0 ")";
	ops->origin[PT_KOP_p4d_set_huge] =
		"not called: no 512 GiB pages (" O_arch_x86_mm_pgtable_v4_17 ")";
	if (p->vmap_range_form) {	/* only lib/ioremap.c's ioremap_huge_init() asks them */
		ops->origin[PT_KOP_arch_ioremap_p4d_supported] =
			"not called (" O_arch_x86_mm_ioremap_v4_18 ")";
		ops->origin[PT_KOP_arch_ioremap_pud_supported] =
			"not called (" O_arch_x86_mm_ioremap_v4_18 ")";
		ops->origin[PT_KOP_arch_ioremap_pmd_supported] =
			"not called (" O_arch_x86_mm_ioremap_v4_18 ")";
	}
	if (p->free_flush != PT_FREE_FLUSH_RANGE_ALL_PCIDS)
		ops->origin[PT_KOP_flush_tlb_kernel_pgtable_range] =
			"not called (" O_patch_jannh_2025_tlb ")";
	if (!p->deferred_free)
		ops->origin[PT_KOP_pagetable_free_kernel] =
			"not called: nothing deferred (" O_mm_pgtable_generic_v6_19 ")";
}

/* Machine.kernel_bodies(): slot i's kernel name and the origin of the body it runs. */
const char *pt_kernel_body(const struct pt_kernel_ops *ops, int i, const char **origin)
{
	if (i < 0 || i >= PT_NR_KOPS)
		return NULL;
	*origin = ops->origin[i];
	return pt_kop_names[i];
}
