// SPDX-License-Identifier: GPL-2.0-only
/* Build unit of csrc/kernel/mm_vmalloc_areas_v4_18.c: no slot functions (one version). */
#include "../../kernel/mm_vmalloc_areas_v4_18.c"
