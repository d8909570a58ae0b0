# SPDX-License-Identifier: GPL-2.0-only
"""Kernel profiles: which historical behaviour each step of the ported code has.

A profile is data — a name (the kernel version it models) and a value for every knob.  The C
core reads the knobs from one struct (``pt_profile`` in ``csrc/ptlib.h``); nothing in the
code asks for a version number.  ``Machine(kernel=NAME, **knobs)`` starts from the named
profile and overrides single knobs.

| knob                  | meaning                                                         | v4.18 | source |
|-----------------------|-----------------------------------------------------------------|-------|--------|
| ioremap_pud_capable   | 1 GiB leaves allowed (arch_ioremap_pud_supported, GB pages)     | True  | lib/ioremap.c (huge I/O mappings, v4.1) |
| ioremap_pmd_capable   | 2 MiB leaves allowed (arch_ioremap_pmd_supported, PSE)          | True  | lib/ioremap.c (huge I/O mappings, v4.1) |
| prealloc_vmalloc_pgd  | level below the PGD preallocated for the vmalloc area at boot   | False | arch/x86/mm/init_64.c, v5.9, 6eb82f994026 "x86/mm: Pre-allocate P4D/PUD pages for vmalloc area" |
| free_tables           | which pmd_free_pte_page/pud_free_pmd_page run: "28ee90fe6048" (v4.17: clear and free, no flush, no temporary page), "5e0fb5df2ee8" (clear, one INVLPG, free; temporary page: mainline v4.19, 4.18.y), "v5.0" (Will Deacon: the pXd_none() early returns dropped), "d1c5246e08eb" (v5.11: the PMD ptlock freed) or "412d000346ea" (v6.19: ptdesc, pagetable_dtor_free()) | "5e0fb5df2ee8" | arch/x86/mm/pgtable.c |
| set_huge              | which pud_set_huge/pmd_set_huge run (and which mtrr_type_lookup): "v4.18" (refuse a non-uniform MTRR range unless WB) or "12f0dd8df142" (v6.5 MTRR rework: refuse any non-uniform range) | "v4.18" | arch/x86/mm/pgtable.c; arch/x86/kernel/cpu/mtrr/generic.c |
| pud_free              | strategy of the v4.18 pud_free_pmd_page (free_tables "5e0fb5df2ee8"; no effect on "28ee90fe6048"): "temp_page" (5e0fb5df2ee8: save the 512 PMDs in a temporary GFP_KERNEL page; fails with nothing changed without one), "page_list" (Joerg Roedel's review of v3, 2018: PTE frames on a list through struct page's lru; never allocates), "no_save" (clear the PUD, flush, free from the still-intact PMD table; never allocates) | "temp_page" | arch/x86/mm/pgtable.c; LKML review 2018 |
| ioremap_try_huge_helpers | lib/ioremap.c's v5.0 form: ioremap_try_huge_pmd/pud/p4d, pXd_present() checked in the core before the arch free call, phys_addr advanced with the loop | False | lib/ioremap.c v5.0 (Will Deacon, "ioremap: Rework pXd_free_pYd_page() API" + "lib/ioremap: Ensure phys_addr actually corresponds to a physical address") |
| ioremap_va_align_check | IS_ALIGNED(addr, PXD_SIZE) in the try-huge helpers (needs ioremap_try_huge_helpers) | False | lib/ioremap.c v5.3, 6b95ab4218bf |
| free_flush            | flush before a table free: "one_page" (v4.18, flush_tlb_kernel_range(addr, addr + PAGE_SIZE - 1)) or "range_all_pcids" (Jann Horn 2025: flush_tlb_kernel_pgtable_range(addr, addr + PUD_SIZE or PAGE_SIZE), exclusive end, flush_tlb_all() on every CPU) | "one_page" | LKML 2025-05-28 "x86/mm: Fix paging-structure cache flush on kernel table freeing" (v1) |
| deferred_free         | table pages queued, freed by Machine.run_deferred_work() after an IOMMU invalidation | False | mm/pgtable-generic.c v6.19 (CONFIG_ASYNC_KERNEL_PGTABLE_FREE); "x86/mm: Use 'ptdesc' when freeing PMD pages" |
| vmap_range_form       | mm/vmalloc.c's v5.13 form: ioremap_page_range -> vmap_range(.., iomap_max_page_shift) with vmap_try_huge_pmd/pud/p4d (max_page_shift check, arch_vmap_pXd_supported); unmap through vunmap_range(); takes precedence over ioremap_try_huge_helpers | False | mm/vmalloc.c + mm/ioremap.c v5.13 (Nicholas Piggin's huge vmalloc series) |
| iomap_max_page_shift  | "63" (BITS_PER_LONG - 1) or "12" (PAGE_SHIFT, nohugeiomap); needs vmap_range_form | "63" | mm/ioremap.c v5.13 |
| ioremap_force_nx      | pgprot_nx(prot) in ioremap_page_range (NX on every leaf); needs vmap_range_form | False | mm/vmalloc.c v5.15, 8491502f787c |
| ioremap_vm_area_check | ioremap_page_range refuses a range that is not one whole VM_IOREMAP area: -EINVAL (no such area at start, WARN_ONCE "vm_area at addr %lx is not marked as VM_IOREMAP") or -ERANGE (WARN_ONCE "ioremap request [%lx,%lx) doesn't match vm_area [%lx, %lx)"), raised as InvalidArgument; forces NX; needs vmap_range_form | False | mm/vmalloc.c v6.9, 3e49a866c9dc |
| vunmap_warn_partial_huge | vunmap_pmd/pud_range WARN_ON a huge leaf the range covers only in part (cleared whole); needs vmap_range_form | False | mm/vmalloc.c v6.16, 61ef8ddaa35e |
| vmap_ptdump_lock      | vmap_try_huge_pmd/pud/p4d free a present entry's table and set the leaf under mmap_read_trylock(&init_mm); return 0 (smaller leaves, nothing freed) while Machine.mmap_write_lock() is held; needs vmap_range_form | False | mm/vmalloc.c v7.2, Lorenzo Stoakes "mm/vmalloc: acquire init_mm lock on huge vmap to avoid ptdump UAF" (2026; hash not confirmed) |
| fault_inject_order    | lib/fault-inject.c's order for fail_page_alloc: "v4.18" (the site filter after the probability roll, none on the task fail-nth; v4.18..v6.1 at least) or "v6.x" (the site filter before space and on fail-nth) | "v4.18" | lib/fault-inject.c; Wei Yongjun, "fault-injection: make stacktrace filter works as expected" (LKML 2022-12-12; not in the v6.1-era tree) |

| profile | free_tables | the rest |
|---------|-------------|----------|
| v4.17   | 28ee90fe6048 | as v4.18 |
| v4.18   | 5e0fb5df2ee8 | |
| v5.3    | v5.0 | ioremap_try_huge_helpers=True, ioremap_va_align_check=True |
| v5.13   | d1c5246e08eb | as v5.3, vmap_range_form=True, prealloc_vmalloc_pgd=True (ioremap_force_nx=False: v5.15) |
| jannh-2025 | d1c5246e08eb | as v5.13 + ioremap_force_nx, free_flush="range_all_pcids" (landing version not confirmed), fault_inject_order="v6.x" |
| v6.19   | 412d000346ea | as v5.13 + ioremap_force_nx, deferred_free=True (flush still one_page, see its description), fault_inject_order="v6.x", set_huge="12f0dd8df142", ioremap_vm_area_check=True (v6.9), vunmap_warn_partial_huge=True (v6.16) |
| v7.2    | 412d000346ea | as v6.19 + vmap_ptdump_lock=True (the 2026 ptdump UAF fix; CVE-2026-74672 per the SPEC, not confirmed) |

All profiles set ``pud_free="temp_page"`` (the kernel's own code); on v4.17 the knob has no
effect (28ee90fe6048's pud_free_pmd_page has no save step to choose).

The v4.18 free functions (``pmd_free_pte_page``/``pud_free_pmd_page``: clear, one INVLPG,
free; temporary page) come from 5e0fb5df2ee8, 785a19f9d1dd and f967db0b9ed4; v4.17's from
28ee90fe6048.  Later kernels are added as knobs for their behaviours are ported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Union

from .errors import InvalidArgument


@dataclass(frozen=True)
class Knob:
    """One profile knob: its name, meaning, the commit it comes from, and, for a knob that
    picks one of several versions, the allowed values (``None``: a boolean knob)."""

    name: str
    doc: str
    source: str
    values: Optional[tuple[str, ...]] = None


KNOBS: Mapping[str, Knob] = MappingProxyType({
    k.name: k for k in (
        Knob("ioremap_pud_capable", "1 GiB leaves allowed (arch_ioremap_pud_supported)",
             "lib/ioremap.c (huge I/O mappings, v4.1)"),
        Knob("ioremap_pmd_capable", "2 MiB leaves allowed (arch_ioremap_pmd_supported)",
             "lib/ioremap.c (huge I/O mappings, v4.1)"),
        Knob("prealloc_vmalloc_pgd",
             "level below the PGD preallocated for the vmalloc area at boot",
             "arch/x86/mm/init_64.c v5.9, 6eb82f994026 (x86/mm: Pre-allocate P4D/PUD pages for vmalloc "
             "area)"),
        Knob("free_tables",
             "version of pmd_free_pte_page/pud_free_pmd_page: 28ee90fe6048 (v4.17, no flush), "
             "5e0fb5df2ee8 (v4.18 profile: one INVLPG, temporary page; mainline v4.19 and "
             "4.18.y), v5.0 (Will Deacon's series: the pXd_none() early returns dropped, the "
             "caller checks presence), d1c5246e08eb (v5.11: pud_free_pmd_page also runs "
             "pgtable_pmd_page_dtor() on the PMD table) or 412d000346ea (v6.19: PTE tables "
             "freed with pagetable_dtor_free(), the PMD table with pmd_free())",
             "arch/x86/mm/pgtable.c",
             ("28ee90fe6048", "5e0fb5df2ee8", "v5.0", "d1c5246e08eb", "412d000346ea")),
        Knob("set_huge",
             "version of pud_set_huge/pmd_set_huge and of the mtrr_type_lookup() they call: "
             "v4.18 (refuse a non-uniform MTRR range unless its type is WB; the v4.2..v6.4 "
             "lookup) or 12f0dd8df142 (v6.5, Juergen Gross's MTRR rework: refuse any "
             "non-uniform range; the rework's cache-map lookup)",
             "arch/x86/mm/pgtable.c, arch/x86/kernel/cpu/mtrr/generic.c; 12f0dd8df142 "
             "\"x86/mm: Only check uniform after calling mtrr_type_lookup()\"",
             ("v4.18", "12f0dd8df142")),
        Knob("pud_free",
             "strategy of the v4.18 pud_free_pmd_page (no effect with free_tables "
             "28ee90fe6048): temp_page (5e0fb5df2ee8, temporary page), page_list (Joerg "
             "Roedel's review of v3, 2018: PTE frames listed through page->lru) or no_save "
             "(free from the intact PMD table after the flush)",
             "arch/x86/mm/pgtable.c 5e0fb5df2ee8; LKML review of v3, 2018",
             ("temp_page", "page_list", "no_save")),
        Knob("ioremap_try_huge_helpers",
             "lib/ioremap.c in its v5.0 form: ioremap_try_huge_pmd/pud/p4d, the pXd_present() "
             "check in the core before pmd_free_pte_page/pud_free_pmd_page, phys_addr "
             "advanced with the loop (False: the v4.18 form, the arch free call on any entry)",
             "lib/ioremap.c v5.0 (Will Deacon: \"ioremap: Rework pXd_free_pYd_page() API\", "
             "\"lib/ioremap: Ensure phys_addr actually corresponds to a physical address\")"),
        Knob("ioremap_va_align_check",
             "IS_ALIGNED(addr, PXD_SIZE) in the try-huge helpers (no effect without "
             "ioremap_try_huge_helpers; implied by (end - addr) == PXD_SIZE on 4-level x86)",
             "lib/ioremap.c v5.3, 6b95ab4218bf \"mm/ioremap: check virtual address alignment "
             "while creating huge mappings\""),
        Knob("free_flush",
             "the flush pmd_free_pte_page/pud_free_pmd_page (free_tables 5e0fb5df2ee8) run "
             "between clearing the entry and freeing the table(s): one_page (v4.18: "
             "flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1), one INVLPG, only the current "
             "PCID's paging-structure caches) or range_all_pcids (Jann Horn 2025: "
             "flush_tlb_kernel_pgtable_range(addr, addr + PUD_SIZE / PAGE_SIZE), exclusive "
             "end, done as flush_tlb_all() without INVLPGB: every PCID on every CPU)",
             "arch/x86/mm/pgtable.c, arch/x86/mm/tlb.c; Jann Horn, \"x86/mm: Fix "
             "paging-structure cache flush on kernel table freeing\" (LKML 2025-05-28, v1)",
             ("one_page", "range_all_pcids")),
        Knob("deferred_free",
             "kernel page-table pages freed by pmd_free_pte_page/pud_free_pmd_page are queued "
             "(still allocated, pending) and freed by a worker after an IOMMU invalidation "
             "(Machine.run_deferred_work); False: freed at once",
             "mm/pgtable-generic.c v6.19 (CONFIG_ASYNC_KERNEL_PGTABLE_FREE, x86 with "
             "IOMMU_SVA): \"mm: introduce deferred freeing for kernel page tables\", "
             "\"x86/mm: Use 'ptdesc' when freeing PMD pages\" (Lu Baolu's series, v7 "
             "2025-10-22)"),
        # ---- mm/vmalloc.c v5.13 (csrc/kernel/mm_vmalloc_v5_13.c) ----
        Knob("vmap_range_form",
             "mm/vmalloc.c's v5.13 page-table code: ioremap_page_range() through "
             "vmap_range() (vmap_try_huge_pmd/pud/p4d with max_page_shift, "
             "arch_vmap_pXd_supported), unmap through vunmap_range(); takes precedence over "
             "ioremap_try_huge_helpers (False: the v4.18/v5.3 lib/ioremap.c forms)",
             "mm/vmalloc.c + mm/ioremap.c v5.13 (Nicholas Piggin's huge vmalloc series: "
             "\"mm/ioremap: rename ioremap_*_range to vmap_*_range\", \"mm: HUGE_VMAP arch "
             "support cleanup\", \"mm: move vmap_range from mm/ioremap.c to mm/vmalloc.c\")"),
        Knob("iomap_max_page_shift",
             "max_page_shift that ioremap_page_range() passes to vmap_range(): \"63\" "
             "(BITS_PER_LONG - 1) or \"12\" (PAGE_SHIFT, the nohugeiomap boot option: 4 KiB "
             "leaves only); no effect without vmap_range_form",
             "mm/ioremap.c v5.13 (iomap_max_page_shift, set_nohugeiomap)", ("63", "12")),
        Knob("ioremap_force_nx",
             "pgprot_nx(prot) in ioremap_page_range(): every ioremap leaf gets NX; no effect "
             "without vmap_range_form",
             "mm/vmalloc.c v5.15, 8491502f787c \"mm: don't allow executable ioremap mappings\""),
        Knob("ioremap_vm_area_check",
             "ioremap_page_range() refuses a range that is not exactly one VM_IOREMAP area "
             "(vm_struct) without its guard page: -EINVAL with the WARN_ONCE \"vm_area at "
             "addr %lx is not marked as VM_IOREMAP\" when none contains start or it is not "
             "VM_IOREMAP, -ERANGE with \"ioremap request [%lx,%lx) doesn't match vm_area "
             "[%lx, %lx)\" when the range differs; nothing mapped (Python: InvalidArgument "
             "naming start).  Machine.ioremap() maps a whole area and passes; the raw "
             "Machine.ioremap_page_range() outside an area does not.  Its body forces NX "
             "(as ioremap_force_nx); no effect without vmap_range_form",
             "mm/vmalloc.c v6.9, 3e49a866c9dc \"mm: Enforce VM_IOREMAP flag and range in "
             "ioremap_page_range.\" (+ d7bca9199a27 \"mm: Introduce vmap_page_range() to "
             "map pages in PCI address space\")"),
        Knob("vunmap_warn_partial_huge",
             "vunmap_pmd_range()/vunmap_pud_range() WARN_ON(next - addr < PMD_SIZE/PUD_SIZE) "
             "after clearing a huge leaf that the range covers only in part (the whole leaf "
             "is still cleared); no effect without vmap_range_form",
             "mm/vmalloc.c v6.16, 61ef8ddaa35e \"mm/vmalloc: Warn on improper use of "
             "vunmap_range()\" (Ryan Roberts)"),
        Knob("vmap_ptdump_lock",
             "vmap_try_huge_pmd/pud/p4d() free the table under a present entry and set the "
             "leaf only while holding mmap_read_trylock(&init_mm); when the trylock fails "
             "(Machine.mmap_write_lock() held, as ptdump does) they return 0 and the range "
             "is mapped with the smaller leaves into the existing table (nothing freed); no "
             "effect without vmap_range_form",
             "mm/vmalloc.c v7.2, Lorenzo Stoakes \"mm/vmalloc: acquire init_mm lock on huge "
             "vmap to avoid ptdump UAF\" (2026, mm-hotfixes; CVE-2026-74672 per the SPEC; "
             "mainline hash and CVE id not confirmed)"),
        # ---- lib/fault-inject.c (csrc/frames.c should_fail; set through pt_fault_attr) ----
        Knob("fault_inject_order",
             "where should_fail() checks fail_page_alloc's site filter (the analog of the "
             "stack-trace filter): \"v4.18\" (the order of v4.18 and still of v6.1: after the probability "
             "roll, so space and the interval counter are spent by calls from every site, "
             "and the task fail-nth counts and fails calls from any site) or \"v6.x\" "
             "(after times == 0 and before space; the task fail-nth counts only calls that "
             "pass it)",
             "lib/fault-inject.c; Wei Yongjun, \"fault-injection: make stacktrace filter "
             "works as expected\" (LKML 2022-12-12, -next v2 4/4; mainline hash not "
             "confirmed here, the v6.1-era tree still has the old order)",
             ("v4.18", "v6.x")),
    )
})


@dataclass(frozen=True)
class Profile:
    """A named kernel profile: a value for every knob."""

    name: str
    description: str
    knobs: Mapping[str, Union[bool, str]] = field(default_factory=dict)


# Each profile's knobs: the kernel it builds on, plus what changed (read top to bottom).
_KNOBS_v4_18: dict[str, Union[bool, str]] = {
    "ioremap_pud_capable": True, "ioremap_pmd_capable": True, "prealloc_vmalloc_pgd": False,
    "free_tables": "5e0fb5df2ee8", "pud_free": "temp_page",
    "ioremap_try_huge_helpers": False, "ioremap_va_align_check": False,
    "free_flush": "one_page", "deferred_free": False,
    "vmap_range_form": False, "iomap_max_page_shift": "63", "ioremap_force_nx": False,
    "fault_inject_order": "v4.18", "set_huge": "v4.18",
    "ioremap_vm_area_check": False, "vunmap_warn_partial_huge": False,
    "vmap_ptdump_lock": False,
}
_KNOBS_v4_17 = {**_KNOBS_v4_18, "free_tables": "28ee90fe6048"}
_KNOBS_v5_3 = {**_KNOBS_v4_18, "ioremap_try_huge_helpers": True, "ioremap_va_align_check": True,
               "free_tables": "v5.0"}
_KNOBS_v5_13 = {**_KNOBS_v5_3, "prealloc_vmalloc_pgd": True, "vmap_range_form": True,
                "free_tables": "d1c5246e08eb"}
_KNOBS_jannh_2025 = {**_KNOBS_v5_13, "free_flush": "range_all_pcids", "ioremap_force_nx": True,
                     "fault_inject_order": "v6.x"}
_KNOBS_v6_19 = {**_KNOBS_v5_13, "deferred_free": True, "ioremap_force_nx": True,
                "fault_inject_order": "v6.x", "free_tables": "412d000346ea",
                "set_huge": "12f0dd8df142", "ioremap_vm_area_check": True,
                "vunmap_warn_partial_huge": True}
_KNOBS_v7_2 = {**_KNOBS_v6_19, "vmap_ptdump_lock": True}

_PROFILES: dict[str, Profile] = {
    "v4.17": Profile(
        "v4.17",
        "28ee90fe6048 \"x86/mm: implement free pmd/pte page interfaces\": pmd_free_pte_page and "
        "pud_free_pmd_page clear and free with no TLB flush (the bug the seed thread fixes)",
        MappingProxyType(_KNOBS_v4_17),
    ),
    "v4.18": Profile(
        "v4.18",
        "lib/ioremap.c + arch/x86/mm/pgtable.c after the seed's series (5e0fb5df2ee8, "
        "785a19f9d1dd, f967db0b9ed4): clear -> one INVLPG -> free; temporary page in "
        "pud_free_pmd_page.  5e0fb5df2ee8 went in on v4.18-rc3's tip x86/mm and reached "
        "mainline in v4.19 and 4.18.y stable, not the v4.18 release: the profile is the "
        "v4.18 code with the seed's series",
        MappingProxyType(_KNOBS_v4_18),
    ),
    "v5.3": Profile(
        "v5.3",
        "lib/ioremap.c as of v5.3: the v5.0 try-huge helpers (present check in the core, "
        "phys_addr advanced with the loop) and 6b95ab4218bf's virtual-address alignment "
        "check; arch free functions v5.0's (Will Deacon's series dropped their pXd_none() "
        "early returns: the core checks presence)",
        MappingProxyType(_KNOBS_v5_3),
    ),
    "v5.13": Profile(
        "v5.13",
        "mm/vmalloc.c + mm/ioremap.c as of v5.13: ioremap_page_range() -> vmap_range(..., "
        "iomap_max_page_shift) -> vmap_range_noflush() with vmap_try_huge_pmd/pud/p4d "
        "(max_page_shift check, arch_vmap_pXd_supported, 6b95ab4218bf's va check, present "
        "check in the core), unmap through vunmap_range(); v5.9's preallocated vmalloc "
        "PUD tables (6eb82f994026); arch free functions v5.0's, pud_free_pmd_page v5.11's "
        "(d1c5246e08eb: it frees the PMD table's ptlock).  No NX forcing: pgprot_nx() in "
        "ioremap_page_range() is 8491502f787c (v5.15), knob ioremap_force_nx",
        MappingProxyType(_KNOBS_v5_13),
    ),
    "jannh-2025": Profile(
        "jannh-2025",
        "a patch, not a release: Jann Horn's \"x86/mm: Fix paging-structure cache flush on "
        "kernel table freeing\" (LKML 2025-05-28, v1, base b1456f6dc167; reviewed, but no "
        "later version or merge is on the public record, so the release profiles keep its "
        "three bugs) on the v5.13 mm/vmalloc.c form with v5.9's preallocation and v5.15's "
        "forced NX (8491502f787c): "
        "pud_free_pmd_page flushes [addr, addr + PUD_SIZE) and pmd_free_pte_page "
        "[addr, addr + PAGE_SIZE), exclusive ends, with flush_tlb_kernel_pgtable_range() = "
        "flush_tlb_all() (all PCIDs, every CPU)",
        MappingProxyType(_KNOBS_jannh_2025),
    ),
    "v6.19": Profile(
        "v6.19",
        "the v5.13 mm/vmalloc.c form with v5.9's preallocation and v5.15's forced NX "
        "(8491502f787c), v6.19's free functions (412d000346ea) and v6.5's pXd_set_huge "
        "(12f0dd8df142), plus v6.19's deferred "
        "freeing of kernel page tables (x86 with IOMMU_SVA; Lu Baolu / Dave "
        "Hansen, \"Fix stale IOTLB entries for kernel address space\", v7 2025-10-22): "
        "table pages are queued by pagetable_free() and freed by a worker after "
        "iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL); "
        "Machine.run_deferred_work() runs it.  The flush stays v4.18's one page: that "
        "series' x86 patch (\"x86/mm: Use 'ptdesc' when freeing PMD pages\") still has "
        "flush_tlb_kernel_range(addr, addr + PAGE_SIZE-1) in pmd_free_pte_page; Jann Horn's "
        "fix is not known to be merged (jannh-2025; free_flush=\"range_all_pcids\" adds it).  "
        "ioremap_page_range() is v6.9's (3e49a866c9dc: only a whole VM_IOREMAP area, knob "
        "ioremap_vm_area_check) and vunmap_range() v6.16's (61ef8ddaa35e: a WARN_ON for a "
        "huge leaf unmapped in part, knob vunmap_warn_partial_huge).  The vmap-area allocator "
        "(ioremap()/iounmap(), the lazy purge) is v4.18's on every profile: v6.19's rewrite "
        "(the rb-tree of free areas, per-node pools, the lazy purge in a worker) is not "
        "ported; the areas handed out, the guard page and the purge before reuse are the same",
        MappingProxyType(_KNOBS_v6_19),
    ),
    "v7.2": Profile(
        "v7.2",
        "v6.19 plus the 2026 fix of the ptdump use-after-free (Lorenzo Stoakes, "
        "\"mm/vmalloc: acquire init_mm lock on huge vmap to avoid ptdump UAF\", "
        "mm-hotfixes, merged around v7.2-rc5; CVE-2026-74672 per the SPEC; the mainline "
        "hash and the CVE id are not confirmed): vmap_try_huge_pmd/pud/p4d() free a table "
        "and set the leaf over it only under mmap_read_trylock(&init_mm), and map with "
        "smaller leaves when a walker (Machine.mmap_write_lock()) holds the write lock",
        MappingProxyType(_KNOBS_v7_2),
    ),
}


def names() -> list[str]:
    """The names of the known profiles."""
    return list(_PROFILES)


class UnknownProfile(InvalidArgument, KeyError):
    """No profile has that name: an ``InvalidArgument`` (so a ``PtlibError``), and also
    a ``KeyError`` as :func:`get` always raised."""

    __str__ = Exception.__str__         # the message, not KeyError's repr of it


def get(name: str) -> Profile:
    """The profile called ``name``; ``UnknownProfile`` (an ``InvalidArgument`` and a
    ``KeyError``) if there is none, ``TypeError`` if ``name`` is not a str."""
    if not isinstance(name, str):
        raise TypeError(f"name: expected str, got {type(name).__name__}")
    try:
        return _PROFILES[name]
    except KeyError:
        raise UnknownProfile(f"name: unknown profile {name!r}; known: {names()}") from None
