// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/experiment_pud_free_page_list.c: its slot functions are linked as NAME$experiment_pud_free_page_list
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define pud_free_pmd_page pud_free_pmd_page$experiment_pud_free_page_list
#include "../../kernel/experiment_pud_free_page_list.c"
