/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kops/dispatch.c - the kernel's symbols: each function of kops/ops.h under its kernel name
 * calls the running machine's body.  The three TLB flushes are traced on the way (the
 * machine's flush log: the range the caller passed, whether a CPU did a full flush, which
 * CPUs flushed); a flush called from inside another is logged once, by the outer one.
 */
#include "ops.h"

/* the flush log (csrc/kservices.c) */
void pt_k_flush_trace_begin(struct pt_kernel *k, unsigned long start, unsigned long end);
void pt_k_flush_trace_end(struct pt_kernel *k);

#define PT_DISPATCH(ret, name, params, args) \
	ret name params { return pt_k()->ops->name args; }
#define PT_DISPATCH_VOID(ret, name, params, args) \
	ret name params { pt_k()->ops->name args; }
#define PT_DISPATCH_TRACED(ret, name, params, args)	/* written out below */
PT_KERNEL_FUNCS(PT_DISPATCH, PT_DISPATCH_VOID, PT_DISPATCH_TRACED)

void flush_tlb_all(void)
{
	struct pt_kernel *k = pt_k();
	pt_k_flush_trace_begin(k, 0, TLB_FLUSH_ALL);
	k->ops->flush_tlb_all();
	pt_k_flush_trace_end(k);
}

void flush_tlb_kernel_range(unsigned long start, unsigned long end)
{
	struct pt_kernel *k = pt_k();
	pt_k_flush_trace_begin(k, start, end);
	k->ops->flush_tlb_kernel_range(start, end);
	pt_k_flush_trace_end(k);
}

void flush_tlb_kernel_pgtable_range(unsigned long start, unsigned long end)
{
	struct pt_kernel *k = pt_k();
	pt_k_flush_trace_begin(k, start, end);
	k->ops->flush_tlb_kernel_pgtable_range(start, end);
	pt_k_flush_trace_end(k);
}
