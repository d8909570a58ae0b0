// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_vmalloc_v6_9.c: its slot functions are linked as NAME$mm_vmalloc_v6_9
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define ioremap_page_range ioremap_page_range$mm_vmalloc_v6_9
#include "../../kernel/mm_vmalloc_v6_9.c"
