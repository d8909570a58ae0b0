// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/arch_x86_mm_pgtable_v6_5.c: its slot functions are linked as NAME$arch_x86_mm_pgtable_v6_5
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define pud_set_huge pud_set_huge$arch_x86_mm_pgtable_v6_5
#define pmd_set_huge pmd_set_huge$arch_x86_mm_pgtable_v6_5
#include "../../kernel/arch_x86_mm_pgtable_v6_5.c"
