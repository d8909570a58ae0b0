// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_memory_v4_18.c: its slot functions are linked as NAME$mm_memory_v4_18
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define __p4d_alloc __p4d_alloc$mm_memory_v4_18
#define __pud_alloc __pud_alloc$mm_memory_v4_18
#define __pmd_alloc __pmd_alloc$mm_memory_v4_18
#define __pte_alloc_kernel __pte_alloc_kernel$mm_memory_v4_18
#include "../../kernel/mm_memory_v4_18.c"
