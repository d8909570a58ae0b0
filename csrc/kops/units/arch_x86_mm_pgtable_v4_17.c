// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/arch_x86_mm_pgtable_v4_17.c: its slot functions are linked as NAME$arch_x86_mm_pgtable_v4_17
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define p4d_set_huge p4d_set_huge$arch_x86_mm_pgtable_v4_17
#define pud_set_huge pud_set_huge$arch_x86_mm_pgtable_v4_17
#define pmd_set_huge pmd_set_huge$arch_x86_mm_pgtable_v4_17
#define p4d_clear_huge p4d_clear_huge$arch_x86_mm_pgtable_v4_17
#define pud_clear_huge pud_clear_huge$arch_x86_mm_pgtable_v4_17
#define pmd_clear_huge pmd_clear_huge$arch_x86_mm_pgtable_v4_17
#define pud_free_pmd_page pud_free_pmd_page$arch_x86_mm_pgtable_v4_17
#define pmd_free_pte_page pmd_free_pte_page$arch_x86_mm_pgtable_v4_17
#include "../../kernel/arch_x86_mm_pgtable_v4_17.c"
