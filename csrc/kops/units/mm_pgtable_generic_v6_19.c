// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_pgtable_generic_v6_19.c: its slot functions are linked as NAME$mm_pgtable_generic_v6_19
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define pagetable_free_kernel pagetable_free_kernel$mm_pgtable_generic_v6_19
#include "../../kernel/mm_pgtable_generic_v6_19.c"
