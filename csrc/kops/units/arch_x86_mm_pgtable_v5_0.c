// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/arch_x86_mm_pgtable_v5_0.c: its slot functions are linked as NAME$arch_x86_mm_pgtable_v5_0
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define p4d_free_pud_page p4d_free_pud_page$arch_x86_mm_pgtable_v5_0
#define pud_free_pmd_page pud_free_pmd_page$arch_x86_mm_pgtable_v5_0
#define pmd_free_pte_page pmd_free_pte_page$arch_x86_mm_pgtable_v5_0
#include "../../kernel/arch_x86_mm_pgtable_v5_0.c"
