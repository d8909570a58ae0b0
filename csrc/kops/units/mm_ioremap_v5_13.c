// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_ioremap_v5_13.c: its slot functions are linked as NAME$mm_ioremap_v5_13
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define ioremap_page_range ioremap_page_range$mm_ioremap_v5_13
#include "../../kernel/mm_ioremap_v5_13.c"
