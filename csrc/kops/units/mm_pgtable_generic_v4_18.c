// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_pgtable_generic_v4_18.c: its slot functions are linked as NAME$mm_pgtable_generic_v4_18
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define pgd_clear_bad pgd_clear_bad$mm_pgtable_generic_v4_18
#define p4d_clear_bad p4d_clear_bad$mm_pgtable_generic_v4_18
#define pud_clear_bad pud_clear_bad$mm_pgtable_generic_v4_18
#define pmd_clear_bad pmd_clear_bad$mm_pgtable_generic_v4_18
#include "../../kernel/mm_pgtable_generic_v4_18.c"
