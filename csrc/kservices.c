/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kservices.c - the machine's side of ptlib/kernel.h: the pt_k_* services the header's
 * kernel API is built on.  Each hands the request to the part of the machine that owns it
 * (the allocator in frames.c, the CPUs in cpu.c, the sanitizer, the reports); none calls
 * back into kernel code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define PTLIB_MACHINE_SIDE
#include "internal.h"
#include "util.h"
#include <ptlib/kernel.h>

__thread struct pt_kernel *pt_kernel_current __attribute__((tls_model("initial-exec")));

struct pt_kernel *pt_k_current(void)
{
	return pt_kernel_current;
}

/* ---- allocation ---- */

/* kernel.h's owners are the frame owners of ptlib.h */
_Static_assert(PT_KOWNER_PGD == PT_OWNER_PGD && PT_KOWNER_P4D == PT_OWNER_P4D &&
	       PT_KOWNER_PUD == PT_OWNER_PUD && PT_KOWNER_PMD == PT_OWNER_PMD &&
	       PT_KOWNER_PTE == PT_OWNER_PTE && PT_KOWNER_TEMP == PT_OWNER_TEMP,
	       "kernel.h PT_KOWNER_* and ptlib.h PT_OWNER_* differ");

unsigned long pt_k_alloc_page(struct pt_kernel *k, gfp_t gfp, unsigned int order, int owner,
			      const char *site)
{
	pt_machine *m = pt_machine_of(k);
	int sid = pt_site_id(site);

	if (order) {		/* ptlib's kernel code allocates single pages only */
		pt_report_add(m, PT_REPORT_KERNEL_WARNING, pt_site_name(sid), 0, 0,
			      "WARNING: %s asks for an order-%u allocation; ptlib's allocator has "
			      "only order 0", site, order);
		return 0;
	}
	uint64_t pa = pt_get_free_page(m, owner, sid, (gfp & __GFP_ZERO) != 0);
	if (!pa)
		return 0;
	struct page *pg = &k->mem_map[pa >> PAGE_SHIFT];
	memset(pg, 0, sizeof(*pg));
	INIT_LIST_HEAD(&pg->lru);
	/* v6.19 with CONFIG_ASYNC_KERNEL_PGTABLE_FREE: kernel PTE and PMD tables carry PT_kernel
	 * (pagetable_free() of them defers; ptlib's pud_free() frees at once) */
	if (m->prof.deferred_free && (owner == PT_OWNER_PMD || owner == PT_OWNER_PTE))
		pg->pt_kernel = 1;
	return (unsigned long)(uintptr_t)(k->ram + pa);
}

void pt_k_free_page(struct pt_kernel *k, unsigned long addr, unsigned int order, int owner,
		    const char *site)
{
	pt_machine *m = pt_machine_of(k);
	uint64_t pa = (uint64_t)addr - (uint64_t)(uintptr_t)k->ram;

	(void)order;
	/* a deferred table's free is charged to the function that queued it */
	if (pa < k->ram_size && k->mem_map[pa >> PAGE_SHIFT].pt_queued_by) {
		site = k->mem_map[pa >> PAGE_SHIFT].pt_queued_by;
		k->mem_map[pa >> PAGE_SHIFT].pt_queued_by = NULL;
	}
	pt_free_page(m, pa, owner ? owner : PT_OWNER_KERNEL, pt_site_id(site));
}

int pt_k_vmap_grow(struct pt_kernel *k)
{
	return pt_grow(k->vmap, k->cap_vmap, (size_t)k->nvmap + 1, 64);
}

/* ---- entry writes: the sanitizer ---- */

void pt_k_entry_write(struct pt_kernel *k, void *entry, int level, u64 old, u64 val)
{
	san_entry_write(pt_machine_of(k), entry, level, old, val);
}

void pt_k_pte_write(struct pt_kernel *k, void *entry, u64 old, u64 val)
{
	pt_machine *m = pt_machine_of(k);
	if (m->san.record)
		san_entry_write(m, entry, PT_LEVEL_PTE, old, val);
	else
		san_pte_write(m, entry, old, val);
}

/* ---- CPUs ---- */

void pt_k_invlpg(struct pt_kernel *k, unsigned long addr)
{
	pt_machine *m = pt_machine_of(k);
	m->log.flush_cpus |= 1ULL << k->this_cpu;
	pt_cpu_do_invlpg(m, k->this_cpu, addr);
}

void pt_k_flush_tlb_all(struct pt_kernel *k)
{
	pt_machine *m = pt_machine_of(k);
	m->log.flush_cpus |= 1ULL << k->this_cpu;
	m->log.flush_full = 1;
	pt_cpu_do_flush_tlb_all(m, k->this_cpu);
}

void pt_k_flush_trace_begin(struct pt_kernel *k, unsigned long start, unsigned long end)
{
	pt_machine *m = pt_machine_of(k);
	if (m->log.flush_depth++)
		return;
	m->log.flush_full = 0;
	m->log.flush_cpus = 0;
	m->log.flush_start = start;
	m->log.flush_end = end;
}

void pt_k_flush_trace_end(struct pt_kernel *k)
{
	pt_machine *m = pt_machine_of(k);
	if (--m->log.flush_depth)
		return;
	pt_flush_log(m, m->log.flush_start, m->log.flush_end, m->log.flush_full, m->log.flush_cpus);
}

void pt_k_iommu_invalidate(struct pt_kernel *k, unsigned long start, unsigned long end)
{
	pt_machine *m = pt_machine_of(k);
	uint64_t *e = m->log.iommu_inval[m->log.niommu_inval % 64];
	e[0] = m->op;
	e[1] = start;
	e[2] = end;
	m->log.niommu_inval++;
}

unsigned char pt_k_mtrr_type_lookup(struct pt_kernel *k, u64 start, u64 end, u8 *uniform)
{
	return pt_mtrr_type_lookup(pt_machine_of(k), start, end, uniform);
}

/* ---- BUG, WARN, oops, lists ---- */

static const char *strip_unit(const char *func, char *buf, size_t n)
{
	const char *d = strchr(func, '$');	/* NAME$UNIT (kops/ops.h) */
	if (!d)
		return func;
	snprintf(buf, n, "%.*s", (int)(d - func), func);
	return buf;
}

_Noreturn void pt_k_bug(struct pt_kernel *k, const char *func, const char *file, int line,
			const char *fmt, ...)
{
	char site[64], msg[512], tmp[512];
	va_list ap;
	(void)file; (void)line;
	const char *name = strip_unit(func, site, sizeof(site));
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* the message names the function as the kernel does, without the unit */
	const char *d = strstr(tmp, func);
	if (d && name != func)
		snprintf(msg, sizeof(msg), "%.*s%s%s", (int)(d - tmp), tmp, name, d + strlen(func));
	else
		snprintf(msg, sizeof(msg), "%s", tmp);
	pt_bug(pt_machine_of(k), name, pt_machine_of(k)->op_va, 0, "%s", msg);
}

_Noreturn void pt_k_oops(struct pt_kernel *k, const char *func, u64 pa, const char *what)
{
	char site[64];
	pt_machine *m = pt_machine_of(k);
	pt_bug(m, strip_unit(func, site, sizeof(site)), 0, pa >> PAGE_SHIFT,
	       "BUG: unable to handle page request: %s at physical %#llx is outside RAM "
	       "(%#llx bytes)", what, (unsigned long long)pa, (unsigned long long)m->ram_size);
}

void pt_k_warn(struct pt_kernel *k, const void *once_key, const char *func, const char *file,
	       int line, const char *fmt, ...)
{
	pt_machine *m = pt_machine_of(k);
	char site[64], msg[512];
	va_list ap;
	(void)file; (void)line;
	if (once_key && pt_once_seen(m, once_key))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	size_t n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = 0;
	const char *name = strip_unit(func, site, sizeof(site));
	char *d = strstr(msg, func);
	if (d && name != func)
		memmove(d + strlen(name), d + strlen(func), strlen(d + strlen(func)) + 1),
		memcpy(d, name, strlen(name));
	pt_report_add(m, PT_REPORT_KERNEL_WARNING, name, m->op_va, 0, "%s", msg);
}

void pt_k_list_corrupt(struct pt_kernel *k, const char *func, const char *what, void *entry)
{
	pt_machine *m = pt_machine_of(k);
	uint64_t pfn = 0;
	char site[64];

	/* the entry is a struct page's lru (a ptdesc's pt_list at the same offset) */
	if ((uintptr_t)entry >= (uintptr_t)k->mem_map &&
	    (uintptr_t)entry < (uintptr_t)(k->mem_map + m->ram_pages))
		pfn = ((uintptr_t)entry - (uintptr_t)k->mem_map) / sizeof(struct page);
	pt_report_add(m, PT_REPORT_BAD_PAGE_STATE, strip_unit(func, site, sizeof(site)),
		      m->op_va, pfn, "%s: %s lists pfn %#llx a second time", what,
		      strip_unit(func, site, sizeof(site)), (unsigned long long)pfn);
}

/* pr_warn_once()/WARN_ON_ONCE(): whether this call site already warned on this machine */
int pt_once_seen(pt_machine *m, const void *key)
{
	for (uint32_t i = 0; i < m->kern.nonce; i++)
		if (m->kern.once_keys[i] == key)
			return 1;
	if (pt_grow(m->kern.once_keys, m->kern.cap_once, m->kern.nonce + 1, 8))
		return 0;
	m->kern.once_keys[m->kern.nonce++] = key;
	return 0;
}

/* ---- the flush log (Machine.flushes): what kops/dispatch.c traced ---- */

void pt_flush_log(pt_machine *m, uint64_t start, uint64_t end, int full, uint64_t cpus)
{
	if (pt_grow(m->log.flushes, m->log.cap_flushes, m->log.nflushes + 1, 64))
		return;	/* the log is best effort; the flush itself happened */
	m->log.flushes[m->log.nflushes++] = (pt_flush_event){ m->op, start, end, full, cpus };
}

/* ---- ptlib's probe points (kernel.h ptlib_probe_point) ---- */

void pt_k_probe(struct pt_kernel *k, int point, const void *table)
{
	pt_machine *m = pt_machine_of(k);
	uint64_t pa = (uint64_t)(uintptr_t)table - (uint64_t)(uintptr_t)k->ram;
	if (m->log.probe_point != point || !pt_pa_is_ram(m, pa))
		return;
	memcpy(m->log.probe_entries, m->ram + pa, 512 * sizeof(*m->log.probe_entries));
	m->log.probe_hits++;
	m->log.probe_op = m->op;
	m->log.probe_pa = pa;
}
