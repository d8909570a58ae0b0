// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_vmalloc_v5_15.c: its slot functions are linked as NAME$mm_vmalloc_v5_15
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define ioremap_page_range ioremap_page_range$mm_vmalloc_v5_15
#include "../../kernel/mm_vmalloc_v5_15.c"
