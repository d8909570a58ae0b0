// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_vmalloc_v6_16.c: its slot functions are linked as NAME$mm_vmalloc_v6_16
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define vunmap_range_noflush vunmap_range_noflush$mm_vmalloc_v6_16
#define vunmap_range vunmap_range$mm_vmalloc_v6_16
#include "../../kernel/mm_vmalloc_v6_16.c"
