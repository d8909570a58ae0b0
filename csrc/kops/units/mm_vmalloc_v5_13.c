// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_vmalloc_v5_13.c: its slot functions are linked as NAME$mm_vmalloc_v5_13
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define vmap_range vmap_range$mm_vmalloc_v5_13
#define vunmap_range_noflush vunmap_range_noflush$mm_vmalloc_v5_13
#define vunmap_range vunmap_range$mm_vmalloc_v5_13
#include "../../kernel/mm_vmalloc_v5_13.c"
