# SPDX-License-Identifier: GPL-2.0-only
"""The v5.3 profile: lib/ioremap.c as of v5.3, against v4.18 and the reference model.

What v5.3's lib/ioremap.c changed (read from torvalds/linux lib/ioremap.c and the patches):
- v5.0, Will Deacon "ioremap: Rework pXd_free_pYd_page() API": the huge attempt moved into
  ioremap_try_huge_pmd/pud/p4d(), and the core calls the arch free function only on a
  *present* entry (``if (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr)) return 0;``);
  v4.18 called it on every entry and relied on the arch function's pmd_none() early return.
  "x86/pgtable: Drop pXd_none() checks from pXd_free_pYd_table()" then dropped that early
  return on x86 (unreachable from ioremap once the core checks presence).
- v5.0, "lib/ioremap: Ensure phys_addr actually corresponds to a physical address":
  ``phys_addr += (next - addr)`` in the loop instead of ``phys_addr -= addr`` and
  ``phys_addr + addr`` — the same value modulo 2**64, so no observable difference on x86-64.
- v5.3, 6b95ab4218bf "mm/ioremap: check virtual address alignment while creating huge
  mappings": ``if (!IS_ALIGNED(addr, PMD_SIZE)) return 0;`` (and PUD/P4D).

Where the difference is observable: only on an entry that is neither none nor present (a
non-present entry with more than the A/D bits).  v4.18's pmd_free_pte_page() treats it as a
table (clear, INVLPG, free the frame it points to); v5.3 skips the free and overwrites it.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

import ptlib

from conftest import G1, K4, M2, PHYS, V, assert_no_leak, check_leaf_sizes_match_model
from test_ioremap import CASES

PFN_MASK = 0x000F_FFFF_FFFF_F000


def _machine(kernel: str, **knobs) -> ptlib.Machine:
    return ptlib.Machine(kernel=kernel, cpus=2, ram_pages=1 << 14, record_events=True,
                         **knobs)


def _trace(m: ptlib.Machine) -> tuple:
    """Everything the two forms could differ in: leaves, page counters, flushes, the
    sanitizer's event log (every entry write, alloc and free, in order), reports."""
    st_ = m.pages
    return (m.mappings(), st_.allocs, st_.frees, dict(st_.allocs_by_site),
            dict(st_.frees_by_site), dict(st_.by_owner),
            [(f.start, f.end, f.full, f.cpus) for f in m.flushes], m.events(),
            [(r.kind, r.site) for r in m.reports], m.leaked_tables())


def _entry_pa(m: ptlib.Machine, va: int, level: str) -> int:
    """Physical address of the entry of ``level`` ('pud' or 'pmd') that translates va."""
    entries = dict(m.walk(va).entries)
    parent = {"pud": "pgd", "pmd": "pud"}[level]
    shift = {"pud": 30, "pmd": 21}[level]
    return (entries[parent] & PFN_MASK) + ((va >> shift) & 511) * 8


def test_v53_profile_is_v418_plus_the_ioremap_knobs() -> None:
    v418, v53 = ptlib.profiles.get("v4.18").knobs, ptlib.profiles.get("v5.3").knobs
    assert set(v418) == set(v53) == set(ptlib.profiles.KNOBS)
    # free_tables: v5.3 runs v5.0's free functions (Will Deacon's series dropped their
    # pXd_none() early returns; the caller checks presence)
    assert {k for k in v53 if v53[k] != v418[k]} == {"ioremap_try_huge_helpers",
                                                      "ioremap_va_align_check", "free_tables"}
    assert v53["free_tables"] == "v5.0"
    assert v53["ioremap_try_huge_helpers"] is True and v53["ioremap_va_align_check"] is True
    assert ptlib.profiles.get("v4.17").knobs["ioremap_try_huge_helpers"] is False


@pytest.mark.parametrize("off,size,phys", CASES)
def test_v53_leaf_sizes_match_model(off: int, size: int, phys: int) -> None:
    check_leaf_sizes_match_model("v5.3", off, size, phys)


@pytest.mark.parametrize("off,size,phys", CASES)
def test_v53_and_v418_identical_on_fresh_ranges(off: int, size: int, phys: int) -> None:
    """On none entries v4.18's pmd_free_pte_page()/pud_free_pmd_page() return 1 at once and
    v5.3 does not call them: the same writes, allocations and flushes, event for event."""
    traces = []
    for kernel in ("v4.18", "v5.3"):
        m = _machine(kernel)
        m.ioremap_page_range(V + off, V + off + size, phys)
        traces.append(_trace(m))
    assert traces[0] == traces[1]


# 6b95ab4218bf cannot change anything on 4-level x86: in the pmd and pud loops
# next = pXd_addr_end(addr, end) is at most the next PXD_SIZE boundary above addr, so
# (next - addr) == PXD_SIZE already implies IS_ALIGNED(addr, PXD_SIZE) (the boundary cannot
# wrap to 0 there: that needs addr >= 2**64 - PXD_SIZE, and then end - addr < PXD_SIZE);
# at the p4d level ioremap_p4d_enabled() is 0 on x86 (and P4D_SIZE == PGDIR_SIZE, folded).
# The check matters for callers whose `end - addr` is not bounded by the table boundary
# (arm64's motivation).  So: with and without it, and against v4.18, everything agrees.
@settings(max_examples=150, deadline=None)
@given(st.integers(0, 3 * 512), st.integers(1, 3 * 512), st.integers(0, 511))
def test_va_align_check_cannot_differ_on_4level_x86(off_pages: int, npages: int,
                                                     phys_pages: int) -> None:
    start = V + G1 - M2 * 3 + off_pages * K4 * 257      # strides across PMD/PUD boundaries
    end = start + npages * K4 * 683
    phys = PHYS + phys_pages * M2 + (off_pages * K4 * 257) % G1
    traces = []
    for kernel, knobs in (("v4.18", {}), ("v5.3", {}), ("v5.3", {"ioremap_va_align_check": False})):
        m = ptlib.Machine(kernel=kernel, ram_pages=1 << 15, record_events=True, **knobs)
        m.ioremap_page_range(start, end, phys)
        traces.append(_trace(m))
    assert traces[0] == traces[1] == traces[2]


def test_va_align_check_alone_has_no_effect_on_the_v418_form() -> None:
    a, b = _machine("v4.18"), _machine("v4.18", ioremap_va_align_check=True)
    for m in (a, b):
        m.ioremap_page_range(V + K4, V + K4 + G1 + 2 * M2, PHYS + K4)
    assert _trace(a) == _trace(b)


def _remap_4k_unmap_2m(m: ptlib.Machine) -> None:
    m.ioremap_page_range(V, V + 3 * K4, PHYS)
    m.vunmap_range(V, V + 3 * K4)
    m.ioremap_page_range(V, V + M2, PHYS)


def _remap_mixed_unmap_1g(m: ptlib.Machine) -> None:
    base = V + G1
    m.ioremap_page_range(base, base + 5 * K4, PHYS)
    m.ioremap_page_range(base + 4 * M2, base + 6 * M2, PHYS + 4 * M2)
    m.ioremap_page_range(base + 9 * M2 + K4, base + 9 * M2 + 9 * K4, PHYS)
    m.ioremap_page_range(base + G1 - K4, base + G1, PHYS)
    m.vunmap_range(base, base + G1)
    m.ioremap_page_range(base, base + G1, 0x80_0000_0000)


@pytest.mark.parametrize("scenario", [_remap_4k_unmap_2m, _remap_mixed_unmap_1g])
@pytest.mark.parametrize("free_tables", ["5e0fb5df2ee8", "28ee90fe6048"])
def test_seed_remap_scenarios_same_allocs_frees_flushes(scenario, free_tables: str) -> None:
    """The seed's remaps find *present* table entries: v4.18 and v5.3 both call the arch
    free function there, so allocations, frees and flushes are the same in both, with
    either version of the free functions."""
    traces = []
    for kernel in ("v4.18", "v5.3"):
        m = _machine(kernel, free_tables=free_tables)
        scenario(m)
        traces.append(_trace(m))
    assert traces[0] == traces[1]


def test_v53_4k_unmap_2m_frees_pte_table_with_one_flush() -> None:
    m = _machine("v5.3")
    m.ioremap_page_range(V, V + 3 * K4, PHYS)
    m.vunmap_range(V, V + 3 * K4)
    before, nflush = m.pages, len(m.flushes)
    m.ioremap_page_range(V, V + M2, PHYS)
    after = m.pages
    assert after.frees - before.frees == 1
    assert after.frees_by_site == {"pmd_free_pte_page": 1}
    assert [(f.start, f.end) for f in m.flushes[nflush:]] == [(V, V + K4 - 1)]
    assert m.walk(V + 5).page_size == M2 and m.walk(V + 5).pa == PHYS + 5
    assert_no_leak(m)


def test_v53_mixed_unmap_1g_uses_pud_free_pmd_page() -> None:
    m = _machine("v5.3")
    _remap_mixed_unmap_1g(m)
    st_ = m.pages
    assert st_.allocs_by_site["pud_free_pmd_page"] == 1          # the temporary page
    assert st_.frees_by_site["pud_free_pmd_page"] == 5           # 3 PTE + temp + PMD
    w = m.walk(V + G1 + 12345)
    assert (w.level, w.pa) == ("pud", 0x80_0000_0000 + 12345)
    assert_no_leak(m)


def test_temp_page_failure_falls_back_identically() -> None:
    """pud_free_pmd_page() failing (no temporary page) returns 0 in both forms; both fall
    back to ioremap_pmd_range and free the PTE tables one by one."""
    traces = []
    for kernel in ("v4.18", "v5.3"):
        m = _machine(kernel)
        base = V + 2 * G1
        m.ioremap_page_range(base, base + 3 * K4, PHYS)
        m.ioremap_page_range(base + 7 * M2, base + 7 * M2 + K4, PHYS)
        m.vunmap_range(base, base + G1)
        m.fail_nth(1)
        assert m.ioremap_page_range(base, base + G1, PHYS) == 0
        assert {x.size for x in m.mappings(base, base + G1)} == {M2}
        traces.append(_trace(m))
    assert traces[0] == traces[1]


def _nonpresent_pmd_over_pte_table(m: ptlib.Machine) -> int:
    """A 4 KiB mapping, unmapped (the PTE table stays), then the PMD entry's present bit
    cleared: not pmd_none() (the pfn and RW/A/D remain), not pmd_present().  Returns the
    PTE table's pa."""
    m.ioremap_page_range(V, V + K4, PHYS)
    pte_pa = dict(m.walk(V).entries)["pmd"] & PFN_MASK
    m.vunmap_range(V, V + K4)
    m.write_phys(_entry_pa(m, V, "pmd"), (pte_pa | 0x62).to_bytes(8, "little"))
    return pte_pa


def test_nonpresent_pmd_v418_frees_the_table_it_points_to() -> None:
    m = _machine("v4.18")
    pte_pa = _nonpresent_pmd_over_pte_table(m)
    before, nflush = m.pages, len(m.flushes)
    m.ioremap_page_range(V, V + M2, PHYS)
    # pmd_free_pte_page(): not pmd_none() -> clear, INVLPG, free the PTE table
    assert m.pages.frees - before.frees == 1
    assert m.frame(pte_pa >> 12)["free_site"] == "pmd_free_pte_page"
    assert [(f.start, f.end) for f in m.flushes[nflush:]] == [(V, V + K4 - 1)]
    assert m.walk(V).level == "pmd" and m.walk(V).pa == PHYS
    assert_no_leak(m)


def test_nonpresent_pmd_v53_skips_the_free_and_leaks_the_table() -> None:
    m = _machine("v5.3")
    pte_pa = _nonpresent_pmd_over_pte_table(m)
    before, nflush = m.pages, len(m.flushes)
    m.ioremap_page_range(V, V + M2, PHYS)
    # ioremap_try_huge_pmd(): !pmd_present() -> no pmd_free_pte_page(); pmd_set_huge()
    # accepts a non-present entry and overwrites it: the PTE table is no longer reachable
    assert m.pages.frees == before.frees and m.pages.allocs == before.allocs
    assert m.flushes[nflush:] == []
    assert m.frame(pte_pa >> 12)["state"] == "allocated"
    assert m.walk(V).level == "pmd" and m.walk(V).pa == PHYS
    assert m.leaked_tables() == {"pgd": 0, "pud": 0, "pmd": 0, "pte": 1}


def test_nonpresent_pud_v418_runs_pud_free_pmd_page_v53_does_not() -> None:
    res = {}
    for kernel in ("v4.18", "v5.3"):
        m = _machine(kernel)
        m.ioremap_page_range(V, V + K4, PHYS)                 # PMD table + PTE table
        pmd_pa = dict(m.walk(V).entries)["pud"] & PFN_MASK
        m.vunmap_range(V, V + K4)
        m.write_phys(_entry_pa(m, V, "pud"), (pmd_pa | 0x62).to_bytes(8, "little"))
        before, nflush = m.pages, len(m.flushes)
        m.ioremap_page_range(V, V + G1, 0x80_0000_0000)
        assert m.walk(V).level == "pud" and m.walk(V).pa == 0x80_0000_0000
        res[kernel] = (m.pages.allocs - before.allocs, m.pages.frees - before.frees,
                       [(f.start, f.end) for f in m.flushes[nflush:]], m.leaked_tables())
    # v4.18: temporary page, PTE table + temp + PMD table freed, one INVLPG
    assert res["v4.18"] == (1, 3, [(V, V + K4 - 1)], {"pgd": 0, "pud": 0, "pmd": 0, "pte": 0})
    # v5.3: !pud_present() -> straight to pud_set_huge(); both tables stay allocated
    assert res["v5.3"] == (0, 0, [], {"pgd": 0, "pud": 0, "pmd": 1, "pte": 1})


def test_accessed_dirty_only_pmd_is_none_in_both() -> None:
    """pmd_none() ignores A/D on x86 (the KNL erratum mask), and such an entry is not
    present: v4.18's pmd_free_pte_page() returns 1 at once, v5.3 does not call it; both
    then write the leaf, with no free and no flush."""
    traces = []
    for kernel in ("v4.18", "v5.3"):
        m = _machine(kernel)
        m.ioremap_page_range(V + M2, V + M2 + K4, PHYS)       # PMD table exists
        m.write_phys(_entry_pa(m, V, "pmd"), (0x60).to_bytes(8, "little"))
        before, nflush = m.pages, len(m.flushes)
        m.ioremap_page_range(V, V + M2, PHYS)
        assert m.pages.frees == before.frees and m.flushes[nflush:] == []
        assert m.walk(V).level == "pmd"
        assert_no_leak(m)
        traces.append(_trace(m))
    assert traces[0] == traces[1]


def test_live_2m_leaf_is_passed_to_pmd_free_pte_page_in_both() -> None:
    """A 2 MiB leaf is pmd_present() and not pmd_none(): both forms hand it to
    pmd_free_pte_page(), which frees the leaf's target as if it were a PTE table (here a
    reserved/unallocated frame: BadPageState), then map the new leaf."""
    traces = []
    for kernel in ("v4.18", "v5.3"):
        m = _machine(kernel)
        m.ioremap_page_range(V, V + M2, 0x20_0000)
        m.ioremap_page_range(V, V + M2, 0x40_0000)
        assert [(r.kind, r.site) for r in m.reports] == [("BadPageState", "pmd_free_pte_page")]
        assert m.walk(V).pa == 0x40_0000
        traces.append(_trace(m))
    assert traces[0] == traces[1]


def test_v50_free_functions_have_no_none_check() -> None:
    """Will Deacon's v5.0 series dropped the pXd_none() early returns of pmd_free_pte_page()
    and pud_free_pmd_page() (the core checks pXd_present() first).  Called directly on a none
    entry, the v5.0 bodies (profile v5.3) take the table behind the none entry, frame 0, and
    free it: the allocator refuses a reserved frame (BadPageState); 5e0fb5df2ee8's bodies
    (v4.18) return 1 at the none check and change nothing."""
    for kernel, bad in (("v4.18", []), ("v5.3", ["pmd_free_pte_page", "pud_free_pmd_page"])):
        m = _machine(kernel)
        m.ioremap_page_range(V, V + K4, PHYS)           # a PMD table with none entries after V
        before = m.pages.frees
        assert m.pmd_free_pte_page(V + M2) == 1
        assert m.pud_free_pmd_page(V + G1) == 1
        assert [(r.kind, r.site, r.pfn) for r in m.reports] == [("BadPageState", s, 0) for s in bad]
        # v4.18 frees nothing; v5.3 frees only pud_free_pmd_page's temporary page
        assert m.pages.frees - before == (0 if kernel == "v4.18" else 1)
