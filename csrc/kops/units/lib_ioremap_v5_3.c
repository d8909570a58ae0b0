// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/lib_ioremap_v5_3.c: its slot functions are linked as NAME$lib_ioremap_v5_3
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define ioremap_page_range ioremap_page_range$lib_ioremap_v5_3
#define ioremap_huge_init ioremap_huge_init$lib_ioremap_v5_3
#include "../../kernel/lib_ioremap_v5_3.c"
