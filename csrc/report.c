/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * report.c - the bottom layer: the machine's reports (KernelBug, KernelWarning, the
 * sanitizer's), the BUG()/oops landing pad (pt_bug() unwinds to the running entry point's
 * setjmp), and the names that reports use (allocation sites, frame owners).  It depends on
 * nothing else of the machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "util.h"

static const char *const site_names[PT_NR_SITES] = {
    [PT_SITE_NONE] = "none",
    [PT_SITE_MACHINE_INIT] = "machine_init",
    [PT_SITE_PREALLOCATE_VMALLOC] = "preallocate_vmalloc_pages",
    [PT_SITE_PUD_ALLOC] = "__pud_alloc",
    [PT_SITE_PMD_ALLOC] = "__pmd_alloc",
    [PT_SITE_PTE_ALLOC_KERNEL] = "__pte_alloc_kernel",
    [PT_SITE_PUD_FREE_PMD_PAGE] = "pud_free_pmd_page",
    [PT_SITE_PMD_FREE_PTE_PAGE] = "pmd_free_pte_page",
    [PT_SITE_ALLOC_PAGE] = "alloc_page",
    [PT_SITE_FREE_PAGE] = "free_page",
    [PT_SITE_KERNEL_PGTABLE_WORK] = "kernel_pgtable_work_func",
};

static const char *const owner_names[PT_NR_OWNERS] = {
    [PT_OWNER_NONE] = "none", [PT_OWNER_PGD] = "pgd", [PT_OWNER_P4D] = "p4d",
    [PT_OWNER_PUD] = "pud", [PT_OWNER_PMD] = "pmd", [PT_OWNER_PTE] = "pte",
    [PT_OWNER_TEMP] = "temp", [PT_OWNER_DATA] = "data", [PT_OWNER_RESERVED] = "reserved",
};

const char *pt_site_name(int site)
{
    return (site >= 0 && site < PT_NR_SITES) ? site_names[site] : "?";
}

/* The site of a kernel function name (__func__ of the caller of the header's allocation
 * and free functions; a unit's NAME$UNIT counts as NAME); PT_SITE_NONE if it is none of
 * the known ones. */
int pt_site_id(const char *name)
{
    size_t n = strcspn(name, "$");
    for (int i = 1; i < PT_NR_SITES; i++)
        if (strlen(site_names[i]) == n && !strncmp(site_names[i], name, n))
            return i;
    return PT_SITE_NONE;
}

const char *pt_owner_name(int owner)
{
    return (owner >= 0 && owner < PT_NR_OWNERS) ? owner_names[owner] : "?";
}

static void report_vadd(pt_machine *m, int kind, int cpu, const char *site, uint64_t va,
                        uint64_t pfn, const char *fmt, va_list ap)
{
    /* A WARN per entry over a huge range would store millions (GBs of host memory):
     * past PT_MAX_REPORTS only BUG reports are kept (at most one per operation). */
    if (m->log.nreports >= PT_MAX_REPORTS && kind != PT_REPORT_KERNEL_BUG) {
        m->log.reports_dropped++;
        return;
    }
    if (pt_grow(m->log.reports, m->log.cap_reports, m->log.nreports + 1, 16))
        return;
    pt_report *r = &m->log.reports[m->log.nreports++];
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->op = m->op;
    r->cpu = cpu;
    r->va = va;
    r->pfn = pfn;
    snprintf(r->site, sizeof(r->site), "%s", site);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
}

void pt_report_add(pt_machine *m, int kind, const char *site, uint64_t va, uint64_t pfn,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_vadd(m, kind, -1, site, va, pfn, fmt, ap);
    va_end(ap);
}

void pt_report_add_cpu(pt_machine *m, int kind, int cpu, const char *site, uint64_t va,
                       uint64_t pfn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_vadd(m, kind, cpu, site, va, pfn, fmt, ap);
    va_end(ap);
}

_Noreturn void pt_bug(pt_machine *m, const char *site, uint64_t va, uint64_t pfn,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_vadd(m, PT_REPORT_KERNEL_BUG, -1, site, va, pfn, fmt, ap);
    va_end(ap);
    if (!m->in_op)
        abort();   /* a BUG outside an entry point is a bug of ptlib itself */
    longjmp(m->bug_jmp, 1);
}

size_t pt_report_count(const pt_machine *m) { return m->log.nreports; }

int pt_report_get(const pt_machine *m, size_t i, pt_report *out)
{
    if (i >= m->log.nreports)
        return PT_EINVAL;
    *out = m->log.reports[i];
    return PT_OK;
}

void pt_reports_clear(pt_machine *m) { m->log.nreports = 0; m->log.reports_dropped = 0; }
uint64_t pt_reports_dropped(const pt_machine *m) { return m->log.reports_dropped; }

