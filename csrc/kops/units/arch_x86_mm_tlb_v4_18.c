// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/arch_x86_mm_tlb_v4_18.c: its slot functions are linked as NAME$arch_x86_mm_tlb_v4_18
 * (kops/ops.h); calls between them stay direct, as in the kernel file. */
#define flush_tlb_all flush_tlb_all$arch_x86_mm_tlb_v4_18
#define flush_tlb_kernel_range flush_tlb_kernel_range$arch_x86_mm_tlb_v4_18
#include "../../kernel/arch_x86_mm_tlb_v4_18.c"
