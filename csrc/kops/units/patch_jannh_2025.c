// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/patch_jannh_2025.c: its slot functions are linked as NAME$patch_jannh_2025
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define pud_free_pmd_page pud_free_pmd_page$patch_jannh_2025
#define pmd_free_pte_page pmd_free_pte_page$patch_jannh_2025
#include "../../kernel/patch_jannh_2025.c"
