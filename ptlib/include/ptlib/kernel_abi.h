/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ptlib/kernel_abi.h - the data that the kernel header (ptlib/kernel.h) and the machine
 * below it share: the kernel-visible state of one machine (struct pt_kernel), the kernel's
 * struct page, and the entry types.  No functions: kernel.h adds the kernel's API on top,
 * csrc/internal.h embeds struct pt_kernel in the machine.  Both sides include this file,
 * neither includes the other.
 *
 * The running machine is implicit, as in the kernel: every ptlib entry point that runs
 * kernel code sets the thread's current machine (pt_kernel_current) for the operation, and
 * no kernel-side function takes it as an argument.
 */
#ifndef PTLIB_KERNEL_ABI_H
#define PTLIB_KERNEL_ABI_H
#include <stdint.h>

/* The paging mode the header is compiled for (the build passes -DPTLIB_PAGING_LEVELS=N). */
#ifndef PTLIB_PAGING_LEVELS
#define PTLIB_PAGING_LEVELS 4
#endif

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)

typedef uint64_t pteval_t;
typedef uint64_t pmdval_t;
typedef uint64_t pudval_t;
typedef uint64_t p4dval_t;
typedef uint64_t pgdval_t;
typedef uint64_t pgprotval_t;

typedef struct { pteval_t pte; } pte_t;
typedef struct { pmdval_t pmd; } pmd_t;
typedef struct { pudval_t pud; } pud_t;
typedef struct { p4dval_t p4d; } p4d_t;
typedef struct { pgdval_t pgd; } pgd_t;
typedef struct { pgprotval_t pgprot; } pgprot_t;

struct list_head {
	struct list_head *next, *prev;
};

/* include/linux/mm_types.h: the part of struct page the ported code uses.  ptlib's own
 * frame metadata (owner, history, sanitizer state) lives below, in struct pt_page. */
struct page {
	unsigned long flags;
	struct list_head lru;
	unsigned long pt_ptl;		/* a PMD table's split ptlock (pgtable_pmd_page_ctor) */
	unsigned long pt_kernel;	/* PG_table + kernel ptdesc mark (pagetable_free) */
	const char *pt_queued_by;	/* ptlib: the function whose pagetable_free() queued it */
};

/* include/linux/mm_types.h (v6.x): a page-table page seen as a ptdesc; it overlays the
 * struct page of the frame, as in the kernel. */
struct ptdesc {
	unsigned long __page_flags;
	struct list_head pt_list;
	unsigned long ptl;
	unsigned long pt_kernel;
	const char *pt_queued_by;
};

/* The mmap lock: a reader count and a writer flag (one thread: trylock semantics). */
struct rw_semaphore {
	int readers;
	int writer;
};

typedef struct { int locked; } spinlock_t;

struct work_struct {
	unsigned long pending;
};

struct mm_struct {
	pgd_t *pgd;
	struct rw_semaphore mmap_lock;
	spinlock_t page_table_lock;
};

struct pt_kernel_ops;

/* What the kernel header sees of the running machine. */
struct pt_kernel {
	unsigned char *ram;		/* __va(0): physical pa lives at ram + pa */
	uint64_t ram_size;
	struct page *mem_map;		/* one struct page per frame */
	uint64_t max_pfn;
	struct mm_struct init_mm;
	const struct pt_kernel_ops *ops;	/* the bodies this machine runs (its profile) */
	/* sanitizer fast-path state, kept up to date by the sanitizer (KASAN-style checks) */
	uint32_t san_enabled;		/* hooks on */
	uint32_t san_pending;		/* removed leaves wait for a flush (StaleTlbEntry) */
	/* CPUs: the one on_each_cpu() is running, how many are online */
	int this_cpu;
	int nr_cpus;
	/* boot-time state of the kernel (CPU features, command line, __ro_after_init) */
	int x86_feature_pse;
	int x86_feature_gbpages;
	int ioremap_p4d_capable, ioremap_pud_capable, ioremap_pmd_capable, ioremap_huge_disabled;
	unsigned int iomap_max_page_shift;
	/* kernel globals of the ported files, one set per machine */
	struct {				/* mm/pgtable-generic.c kernel_pgtable_work */
		struct list_head list;
		spinlock_t lock;
		struct work_struct work;
	} kernel_pgtable_work;
	/* mm/vmalloc.c's vmap_area tree (kept as an array sorted by va_start, see
	 * csrc/kernel/mm_vmalloc_areas_v4_18.c) and vmap_lazy_nr */
	struct vmap_area *vmap;
	uint32_t nvmap, cap_vmap;
	unsigned long vmap_lazy_nr;
};

/* mm/vmalloc.c v4.18 struct vmap_area and its vm_struct, as one record. */
struct vmap_area {
	unsigned long va_start;
	unsigned long va_end;		/* the guard page included */
	unsigned long flags;		/* VM_VM_AREA, VM_LAZY_FREE, ptlib's VM_PURGE_LIST */
	unsigned long vm_flags;		/* vm_struct->flags: VM_IOREMAP */
	uint64_t phys_addr;		/* vm_struct->phys_addr */
};

/* The current machine of this thread (set by the entry points). */
extern __thread struct pt_kernel *pt_kernel_current
	__attribute__((tls_model("initial-exec")));

#endif
