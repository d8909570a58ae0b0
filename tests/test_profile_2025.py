# SPDX-License-Identifier: GPL-2.0-only
"""The 2025 kernel-table-freeing changes as profile knobs (csrc/pgfree.c, csrc/tlbflush.c).

free_flush="range_all_pcids": Jann Horn, "x86/mm: Fix paging-structure cache flush on kernel
table freeing" (LKML 2025-05-28, v1): pud_free_pmd_page flushes [addr, addr + PUD_SIZE),
pmd_free_pte_page [addr, addr + PAGE_SIZE) -- exclusive ends -- through
flush_tlb_kernel_pgtable_range(), which without INVLPGB is flush_tlb_all(): the
paging-structure caches of every PCID on every CPU.

deferred_free=True: v6.19's CONFIG_ASYNC_KERNEL_PGTABLE_FREE ("mm: introduce deferred
freeing for kernel page tables", "x86/mm: Use 'ptdesc' when freeing PMD pages"; Lu Baolu's
series v7 2025-10-22): the tables are queued and freed by kernel_pgtable_work_func() after
iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL).  That series' pmd_free_pte_page
still flushes one page, so the v6.19 profile keeps free_flush="one_page".
"""
from __future__ import annotations

from array import array

import pytest

import ptlib
from ptlib.cpu import FAULT

from conftest import G1, K4, M2, PHYS, V, assert_no_leak, pud_variant, table_pfn

POST = "jannh-2025"
PAGE_OFFSET = 0xffff888000000000
TLB_FLUSH_ALL = 2**64 - 1


def _inactive_pcid(kernel: str, **knobs: object) -> ptlib.Machine:
    """test_differential.test_v418_inactive_pcid_keeps_stale_pde's scenario: PCID 0 caches
    the PDE of a PTE table, PCID 1 is current when pmd_free_pte_page frees it.
    Raw ioremap_page_range() at fixed addresses outside any area, which v6.9 refuses
    (3e49a866c9dc): ioremap_vm_area_check is off (no effect before v6.19)."""
    m = ptlib.Machine(cpus=1, kernel=kernel, ram_pages=1 << 12, ioremap_vm_area_check=False,
                      **knobs)
    c = m.cpus[0]
    c.set_cr4(pcide=True)
    m.ioremap_page_range(V, V + K4, PHYS + M2)
    assert c.access(V) == PHYS + M2
    c.write_cr3(pcid=1)
    m.vunmap_range(V, V + K4)
    return m


# ---- the knobs and profiles ----

def test_knobs_and_profiles() -> None:
    K = ptlib.profiles.KNOBS
    assert K["free_flush"].values == ("one_page", "range_all_pcids")
    assert K["deferred_free"].values is None
    for name in ("v4.17", "v4.18", "v5.3", "v5.13"):
        kn = ptlib.profiles.get(name).knobs
        assert kn["free_flush"] == "one_page" and kn["deferred_free"] is False
    # both later profiles start from v5.13's knobs plus v5.15's forced NX
    base = {**ptlib.profiles.get("v5.13").knobs, "ioremap_force_nx": True}
    # v6.19 runs v6.19's bodies of the free functions (412d000346ea "x86/mm: use 'ptdesc'
    # when freeing PMD pages") and v6.5's pXd_set_huge (12f0dd8df142, MTRR rework)
    v619_bodies = {"free_tables": "412d000346ea", "set_huge": "12f0dd8df142"}
    post, v619 = ptlib.profiles.get(POST).knobs, ptlib.profiles.get("v6.19").knobs
    # ... and lib/fault-inject.c's v6.x order (the site filter before space; Wei Yongjun, 2022)
    base["fault_inject_order"] = "v6.x"
    assert dict(post) == {**base, "free_flush": "range_all_pcids"}
    # ... and mm/vmalloc.c's v6.9 ioremap_page_range (3e49a866c9dc, only a whole VM_IOREMAP
    # area) and v6.16 vunmap chain (61ef8ddaa35e, WARN_ON a partly unmapped huge leaf)
    v619_vmalloc = {"ioremap_vm_area_check": True, "vunmap_warn_partial_huge": True}
    assert dict(v619) == {**base, "deferred_free": True, **v619_bodies, **v619_vmalloc}
    for name in ptlib.profiles.names():
        assert set(ptlib.profiles.get(name).knobs) == set(K)
    with pytest.raises(ptlib.InvalidArgument, match="free_flush"):
        ptlib.Machine(free_flush="all")
    with pytest.raises(ptlib.InvalidArgument, match="deferred_free"):
        ptlib.Machine(deferred_free=2)


# ---- free_flush="range_all_pcids" ----

def test_post_2025_inactive_pcid_is_clean() -> None:
    """v4.18's INVLPG under PCID 1 leaves PCID 0's PDE entry (reported); the 2025 flush is
    flush_tlb_all(), which drops it before the free: no report, no stale walk."""
    m = _inactive_pcid(POST)
    c = m.cpus[0]
    assert any(e.level == "pmd" and e.pcid == 0 for e in c.psc_entries())
    m.ioremap_page_range(V, V + M2, PHYS)            # pmd_free_pte_page
    assert m.reports == []
    assert c.psc_entries() == []                      # every PCID's entries gone
    c.write_cr3(pcid=0, noflush=True)
    vas = array("Q", [V + 123])
    assert list(c.translate_many(vas)) == [PHYS + 123] != [FAULT]
    assert m.reports == []
    assert_no_leak(m)


def test_v418_inactive_pcid_still_reported() -> None:
    m = _inactive_pcid("v4.18")
    m.ioremap_page_range(V, V + M2, PHYS)
    assert [(r.kind, r.site) for r in m.reports] == [
        ("StalePagingStructureCache", "pmd_free_pte_page")]


def test_free_flush_knob_alone_fixes_v418() -> None:
    m = _inactive_pcid("v4.18", free_flush="range_all_pcids")
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.reports == []


@pytest.mark.parametrize("invlpg_psc", ["sdm", "covering"])
def test_post_2025_pud_variant_is_clean(invlpg_psc: str) -> None:
    """test_covering_invlpg_shows_the_one_page_pud_flush_bug: with covering INVLPG, v4.18's
    one-page flush leaves the PDE of the second 2 MiB region; the 2025 fix flushes the whole
    PUD range, on every PCID: nothing stale is left."""
    m, t = pud_variant(POST, invlpg_psc)
    assert m.reports == []
    for cpu in m.cpus:
        assert all(e.pfn not in t.values() for e in cpu.psc_entries())
    for va in (V + G1, V + G1 + 10 * M2 + 5):
        for cpu in m.cpus:
            assert cpu.access(va) == 0x80_0000_0000 + (va - V - G1)
    for k in ("pte0", "pte10", "pmd"):
        assert m.frame(t[k])["state"] == "free"
    assert_no_leak(m)


def test_v418_covering_pud_variant_unchanged() -> None:
    m, t = pud_variant("v4.18", "covering")
    stale = {(r.pfn, r.cpu) for r in m.reports if r.kind == "StalePagingStructureCache"}
    assert stale == {(t["pte10"], 0), (t["pte10"], 1)}


def test_flush_log_ranges() -> None:
    """The flush log: v4.18 passes [addr, addr + PAGE_SIZE - 1] to flush_tlb_kernel_range
    (per page, one INVLPG); the fix passes exclusive ends, PUD_SIZE for the PUD case, and
    runs a full flush on every CPU."""
    def free_flushes(kernel: str, invlpg_psc: str = "sdm") -> list:
        m, _ = pud_variant(kernel, invlpg_psc)
        n = len(m.flushes)
        m2 = _inactive_pcid(kernel)
        k = len(m2.flushes)
        m2.ioremap_page_range(V, V + M2, PHYS)
        return [m.flushes[n - 1], m2.flushes[k]]

    pud, pmd = free_flushes("v4.18")
    assert (pud.start, pud.end, pud.full, pud.pages) == (V + G1, V + G1 + K4 - 1, False, 1)
    assert (pmd.start, pmd.end, pmd.full) == (V, V + K4 - 1, False)
    pud, pmd = free_flushes(POST)
    assert (pud.start, pud.end, pud.full, pud.cpus) == (V + G1, V + 2 * G1, True, (0, 1))
    assert (pmd.start, pmd.end, pmd.full, pmd.cpus) == (V, V + K4, True, (0,))


def test_pgtable_range_flush_entry_point() -> None:
    m = ptlib.Machine(cpus=2, kernel=POST)
    m.ioremap_page_range(V, V + K4, PHYS)
    for cpu in m.cpus:
        cpu.access(V)
        assert cpu.psc_entries()
    m.flush_tlb_kernel_pgtable_range(V, V + M2)
    f = m.flushes[-1]
    assert (f.start, f.end, f.full, f.cpus) == (V, V + M2, True, (0, 1))
    assert all(cpu.psc_entries() == [] and cpu.tlb_entries() == [] for cpu in m.cpus)


# ---- deferred_free (v6.19) ----

def test_v619_pmd_free_is_deferred_until_the_worker_runs() -> None:
    # raw ioremap_page_range() outside any area, which v6.9 refuses (3e49a866c9dc): knob off
    m = ptlib.Machine(cpus=2, kernel="v6.19", ioremap_vm_area_check=False)
    m.ioremap_page_range(V, V + K4, PHYS + M2)
    for cpu in m.cpus:
        assert cpu.access(V) == PHYS + M2
    m.vunmap_range(V, V + K4)
    pte = table_pfn(m.walk(V).entries[2][1])
    m.ioremap_page_range(V, V + M2, PHYS)            # pmd_free_pte_page queues the table
    assert m.reports == []
    f = m.frame(pte)
    assert f["state"] == "allocated" and f["owner"] == "pte"
    assert m.deferred_frames() == [pte]
    assert m.iommu_invalidations == []
    assert m.check_leaks() == 0 and m.reports == []  # pending is not a leak
    assert_no_leak(m)
    frees = m.pages.frees
    assert m.run_deferred_work() == 1
    assert m.frame(pte)["state"] == "free" and m.frame(pte)["free_site"] == "pmd_free_pte_page"
    assert m.pages.frees == frees + 1
    assert m.deferred_frames() == []
    (op, start, end), = m.iommu_invalidations
    assert (start, end) == (PAGE_OFFSET, TLB_FLUSH_ALL) and op == m.flushes[-1].op + 1
    assert m.reports == []
    assert_no_leak(m)
    assert m.run_deferred_work() == 0 and len(m.iommu_invalidations) == 1   # nothing queued


def test_v619_pud_free_defers_the_pte_and_pmd_tables() -> None:
    m, t = pud_variant("v6.19")
    assert m.reports == []
    pending = m.deferred_frames()
    # list_add() at the head: newest first; PTE tables in index order, then the PMD table
    assert pending == [t["pmd"], t["pte10"], t["pte0"]]
    for k in t:
        assert m.frame(t[k])["state"] == "allocated"
    assert m.pages.by_owner["temp"] == 0              # the temporary page is freed at once
    assert m.check_leaks() == 0
    assert_no_leak(m)
    allocated = m.pages.allocated
    assert m.run_deferred_work() == 3
    assert m.pages.allocated == allocated - 3
    assert all(m.frame(t[k])["state"] == "free" for k in t)
    assert m.reports == []
    assert_no_leak(m)
    # the allocator hands back the PTE table freed last (LIFO), not a pending one
    assert m.alloc_page() >> 12 == t["pte0"]


def test_v619_keeps_the_one_page_flush_hazards_until_the_worker() -> None:
    """Deferral alone does not fix the inactive-PCID or covering-INVLPG hazards of the
    one-page flush: the free, and its report, only move to the worker.  With Jann Horn's
    flush added (free_flush="range_all_pcids") both are clean."""
    m = _inactive_pcid("v6.19")
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.reports == []
    m.run_deferred_work()
    assert [(r.kind, r.site, r.cpu) for r in m.reports] == [
        ("StalePagingStructureCache", "pmd_free_pte_page", 0)]

    m, t = pud_variant("v6.19", "covering")
    assert m.reports == [] and len(m.deferred_frames()) == 3
    m.run_deferred_work()
    stale = {(r.pfn, r.cpu) for r in m.reports if r.kind == "StalePagingStructureCache"}
    assert stale == {(t["pte10"], 0), (t["pte10"], 1)}

    # Jann Horn's bodies (his v1 applies to a v6.15 tree, before 412d000346ea) free the PTE
    # table with free_page(): at once, nothing is queued for the worker
    m = _inactive_pcid("v6.19", free_flush="range_all_pcids")
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.run_deferred_work() == 0 and m.reports == []
    assert_no_leak(m)


def test_deferred_knob_on_v418() -> None:
    """Deferral is CONFIG_ASYNC_KERNEL_PGTABLE_FREE's pagetable_free(): v4.18's bodies free
    with free_page() (5e0fb5df2ee8), so v4.18 with deferred_free frees at once; only bodies
    that free through pagetable_free() (v6.19, 412d000346ea) queue the table."""
    m = ptlib.Machine(cpus=1, kernel="v4.18", deferred_free=True)
    m.ioremap_page_range(V, V + K4, PHYS)
    pte = table_pfn(m.walk(V).entries[2][1])
    m.vunmap_range(V, V + K4)
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.deferred_frames() == [] and m.frame(pte)["state"] == "free"
    assert m.run_deferred_work() == 0
    assert m.reports == []
    m = ptlib.Machine(cpus=1, kernel="v4.18", deferred_free=True, free_tables="412d000346ea")
    m.ioremap_page_range(V, V + K4, PHYS)
    pte = table_pfn(m.walk(V).entries[2][1])
    m.vunmap_range(V, V + K4)
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.deferred_frames() == [pte] and m.frame(pte)["state"] == "allocated"
    assert m.run_deferred_work() == 1 and m.frame(pte)["state"] == "free"
    assert m.reports == []


def test_pending_frames_survive_reuse_pressure() -> None:
    """A queued frame is still allocated: allocations while it is pending never get it."""
    m = _inactive_pcid("v6.19")
    pte = table_pfn(m.walk(V).entries[2][1])
    m.ioremap_page_range(V, V + M2, PHYS)
    got = {m.alloc_page() >> 12 for _ in range(64)}
    assert pte not in got
    assert m.deferred_frames() == [pte]


def test_pending_frame_cannot_be_freed_as_data() -> None:
    """A queued table page is not a data frame: Machine.free_page refuses it, it stays
    queued, and the worker frees it."""
    # raw ioremap_page_range() outside any area, which v6.9 refuses (3e49a866c9dc): knob off
    m = ptlib.Machine(cpus=1, kernel="v6.19", ioremap_vm_area_check=False)
    m.ioremap_page_range(V, V + K4, PHYS)
    pte = table_pfn(m.walk(V).entries[2][1])
    m.vunmap_range(V, V + K4)
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.deferred_frames() == [pte]
    with pytest.raises(ptlib.InvalidArgument):
        m.free_page(pte << 12)
    assert m.deferred_frames() == [pte]
    assert m.run_deferred_work() == 1 and m.reports == []
