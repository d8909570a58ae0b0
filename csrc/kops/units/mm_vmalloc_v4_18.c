// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_vmalloc_v4_18.c: its slot functions are linked as NAME$mm_vmalloc_v4_18
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define unmap_kernel_range_noflush unmap_kernel_range_noflush$mm_vmalloc_v4_18
#define unmap_kernel_range unmap_kernel_range$mm_vmalloc_v4_18
#include "../../kernel/mm_vmalloc_v4_18.c"
