// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/arch_x86_mm_pgtable_v4_18.c: its slot functions are linked as NAME$arch_x86_mm_pgtable_v4_18
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define pud_free_pmd_page pud_free_pmd_page$arch_x86_mm_pgtable_v4_18
#define pmd_free_pte_page pmd_free_pte_page$arch_x86_mm_pgtable_v4_18
#include "../../kernel/arch_x86_mm_pgtable_v4_18.c"
