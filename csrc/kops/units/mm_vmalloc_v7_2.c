// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_vmalloc_v7_2.c: its slot functions are linked as NAME$mm_vmalloc_v7_2
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define vmap_range vmap_range$mm_vmalloc_v7_2
#include "../../kernel/mm_vmalloc_v7_2.c"
