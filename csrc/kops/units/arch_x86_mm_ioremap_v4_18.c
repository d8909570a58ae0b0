// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/arch_x86_mm_ioremap_v4_18.c: its slot functions are linked as NAME$arch_x86_mm_ioremap_v4_18
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define arch_ioremap_p4d_supported arch_ioremap_p4d_supported$arch_x86_mm_ioremap_v4_18
#define arch_ioremap_pud_supported arch_ioremap_pud_supported$arch_x86_mm_ioremap_v4_18
#define arch_ioremap_pmd_supported arch_ioremap_pmd_supported$arch_x86_mm_ioremap_v4_18
#include "../../kernel/arch_x86_mm_ioremap_v4_18.c"
