// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/arch_x86_mm_init_64_v5_9.c: no slot functions (one version). */
#include "../../kernel/arch_x86_mm_init_64_v5_9.c"
