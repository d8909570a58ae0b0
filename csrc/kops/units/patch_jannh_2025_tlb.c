// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/patch_jannh_2025_tlb.c (kops/ops.h). */
#define flush_tlb_kernel_pgtable_range flush_tlb_kernel_pgtable_range$patch_jannh_2025_tlb
#include "../../kernel/patch_jannh_2025_tlb.c"
