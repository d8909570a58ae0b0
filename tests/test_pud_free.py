# SPDX-License-Identifier: GPL-2.0-only
"""The pud_free knob: three strategies for the v4.18 pud_free_pmd_page (free_tables
"5e0fb5df2ee8").

* temp_page (5e0fb5df2ee8, the kernel's code): save the 512 PMDs in a temporary page, clear
  them and the PUD, one flush, free; fails with nothing changed without the page;
* page_list (Joerg Roedel's review of v3, 2018): PTE frames threaded on a list through
  struct page's lru while the PMDs are cleared; never allocates;
* no_save: clear the PUD, flush, free the PTE tables from the still-intact PMD table.

All three are clean for the MMU; they differ in allocations, in behaviour at the RAM limit,
and in what a software walker holding the old PMD table pointer sees (the pause point
"pud_free_pmd_page:before_free_pmd").
"""
from __future__ import annotations

import pytest

import ptlib

from conftest import G1, K4, M2, PHYS, V, assert_no_leak

STRATEGIES = ("temp_page", "page_list", "no_save")
BASE = V + G1
NEW_PHYS = 0x80_0000_0000
PROBE = "pud_free_pmd_page:before_free_pmd"
PFN_MASK = 0x000F_FFFF_FFFF_F000


def _pfn(entry: int) -> int:
    return (entry & PFN_MASK) >> 12


def _setup(m: ptlib.Machine) -> dict[str, object]:
    """The seed's PUD scenario up to the 1 GiB ioremap: 4 KiB and 2 MiB mappings inside one
    1 GiB region (three PTE tables, two 2 MiB leaves, one PMD table), touched by every
    CPU, then unmapped (the tables stay)."""
    m.ioremap_page_range(BASE, BASE + 5 * K4, PHYS)                        # PTE table 0
    m.ioremap_page_range(BASE + 4 * M2, BASE + 6 * M2, PHYS + 4 * M2)      # two 2 MiB leaves
    m.ioremap_page_range(BASE + 9 * M2 + K4, BASE + 9 * M2 + 9 * K4, PHYS)  # PTE table 9
    m.ioremap_page_range(BASE + G1 - K4, BASE + G1, PHYS)                  # PTE table 511
    touched = (BASE, BASE + 4 * M2 + 77, BASE + 9 * M2 + K4, BASE + G1 - K4)
    for cpu in m.cpus:
        for va in touched:
            cpu.access(va)
    tables = {"pte": sorted(_pfn(m.walk(va).entries[2][1]) for va in touched if va != touched[1]),
              "pmd": _pfn(m.walk(BASE).entries[1][1])}
    m.vunmap_range(BASE, BASE + G1)
    for cpu in m.cpus:                       # speculative walks re-fill the PML4E/PDPTE caches
        cpu.speculate(BASE)
        cpu.speculate(BASE + 9 * M2)
    return tables


def _machine(strategy: str, **kw: object) -> ptlib.Machine:
    kw.setdefault("ram_pages", 1 << 14)
    return ptlib.Machine(cpus=2, kernel="v4.18", pud_free=strategy, **kw)


@pytest.mark.parametrize("speculation,seed", [("none", 0), ("random", 1), ("random", 7)])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_strategy_is_clean_and_frees_everything(strategy: str, speculation: str,
                                                seed: int) -> None:
    m = _machine(strategy, speculation=speculation, seed=seed)
    t = _setup(m)
    before, nflush = m.pages, len(m.flushes)
    m.ioremap_page_range(BASE, BASE + G1, NEW_PHYS)
    after = m.pages
    assert m.reports == [], m.reports
    m.check()
    # one single-page flush, before any table is freed (the sanitizer would report otherwise)
    assert [(f.start, f.end, f.full) for f in m.flushes[nflush:]] == [(BASE, BASE + K4 - 1, False)]
    for pfn in (*t["pte"], t["pmd"]):
        fr = m.frame(pfn)
        assert (fr["state"], fr["free_site"]) == ("free", "pud_free_pmd_page")
    temp = 1 if strategy == "temp_page" else 0
    assert after.frees - before.frees == 3 + 1 + temp            # 3 PTE + PMD (+ temp page)
    assert after.allocs - before.allocs == temp
    assert after.by_owner["pte"] == 0 and after.by_owner["pmd"] == 0
    for va in (BASE, BASE + 9 * M2 + 5, BASE + G1 - 1):
        w = m.walk(va)
        assert (w.level, w.pa) == ("pud", NEW_PHYS + va - BASE)
        for cpu in m.cpus:
            assert cpu.access(va) == NEW_PHYS + va - BASE
    assert m.reports == []
    assert m.check_leaks() == 0
    assert_no_leak(m)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_allocations_per_call(strategy: str) -> None:
    """temp_page allocates exactly one page (the temporary one) per call; the others none."""
    m = _machine(strategy)
    _setup(m)
    before = m.pages.allocs_by_site.get("pud_free_pmd_page", 0)
    allocs = m.pages.allocs
    assert m.pud_free_pmd_page(BASE) == 1
    want = 1 if strategy == "temp_page" else 0
    assert m.pages.allocs_by_site.get("pud_free_pmd_page", 0) - before == want
    assert m.pages.allocs - allocs == want
    assert m.pages.frees_by_site["pud_free_pmd_page"] == 4 + want
    assert m.reports == []
    assert_no_leak(m)


def _fill_ram(m: ptlib.Machine) -> list[int]:
    """Allocate data pages until none is left (the RAM limit at zero free pages)."""
    held = []
    while m.pages.free:
        held.append(m.alloc_page())
    with pytest.raises(ptlib.OutOfMemory):
        m.alloc_page()
    return held


@pytest.mark.parametrize("how", ["ram_limit", "fail_nth"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_no_free_page(strategy: str, how: str) -> None:
    """Without a free page, temp_page returns 0 and ioremap falls back to 512 2 MiB leaves
    (the PTE tables go through pmd_free_pte_page, the PMD table stays); page_list and
    no_save still make the 1 GiB leaf."""
    m = _machine(strategy, ram_pages=64)
    t = _setup(m)
    if how == "ram_limit":
        _fill_ram(m)
        assert m.pages.free == 0
    else:
        m.fail_nth(1)
    failed = m.pages.failed
    m.ioremap_page_range(BASE, BASE + G1, NEW_PHYS)
    maps = m.mappings(BASE, BASE + G1)
    if strategy == "temp_page":
        assert m.pages.failed == failed + 1
        assert {x.size for x in maps} == {M2} and len(maps) == 512
        assert m.pages.frees_by_site["pmd_free_pte_page"] == 3
        assert "pud_free_pmd_page" not in m.pages.frees_by_site
        assert m.frame(t["pmd"])["state"] == "allocated"
        assert m.pages.by_owner["pmd"] == 1
    else:
        assert m.pages.failed == failed
        assert [(x.va, x.pa, x.size) for x in maps] == [(BASE, NEW_PHYS, G1)]
        assert m.pages.frees_by_site["pud_free_pmd_page"] == 4
        assert m.pages.by_owner["pmd"] == 0
    assert m.pages.by_owner["pte"] == 0
    for cpu in m.cpus:
        assert cpu.access(BASE + G1 - 1) == NEW_PHYS + G1 - 1
    assert m.reports == []
    assert m.check_leaks() == 0
    assert_no_leak(m)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_software_walker_between_pte_frees_and_pmd_free(strategy: str) -> None:
    """The documented difference: at the pause point (PTE tables freed, PMD table not yet),
    a walker holding the old PMD table pointer reads only cleared entries with temp_page
    and page_list, but entries pointing to already freed PTE tables with no_save."""
    m = _machine(strategy)
    t = _setup(m)
    m.probe_at(PROBE)
    assert m.probe_result() is None
    m.ioremap_page_range(BASE, BASE + G1, NEW_PHYS)
    r = m.probe_result()
    assert r is not None and r["hits"] == 1
    assert r["table_pa"] >> 12 == t["pmd"]
    assert r["op"] == m.op
    live = {i: e for i, e in enumerate(r["entries"]) if e}
    if strategy == "no_save":
        assert sorted(live) == [0, 9, 511]
        assert sorted(_pfn(e) for e in live.values()) == t["pte"]
        for e in live.values():
            fr = m.frame(_pfn(e))
            assert fr["state"] == "free"
            assert (fr["free_site"], fr["free_op"]) == ("pud_free_pmd_page", r["op"])
    else:
        assert live == {}
    assert m.reports == []               # the MMU never sees any of this: all are clean
    assert_no_leak(m)
    m.probe_at(None)
    assert m.probe_result() is None


def test_probe_on_v417_sees_cleared_entries() -> None:
    """v4.17's pud_free_pmd_page clears each PMD entry as it frees the PTE table."""
    m = ptlib.Machine(cpus=2, kernel="v4.17")
    _setup(m)
    m.probe_at(PROBE)
    m.ioremap_page_range(BASE, BASE + G1, NEW_PHYS)
    r = m.probe_result()
    assert r is not None and not any(r["entries"])


def test_knob_has_no_effect_on_v417() -> None:
    """On v4.17 (free_tables 28ee90fe6048) every pud_free value runs the same code."""
    results = []
    for strategy in STRATEGIES:
        m = ptlib.Machine(cpus=2, kernel="v4.17", pud_free=strategy)
        _setup(m)
        m.ioremap_page_range(BASE, BASE + G1, NEW_PHYS)
        st = m.pages
        results.append(([(r.kind, r.pfn, r.cpu) for r in m.reports], st.allocs, st.frees,
                         st.frees_by_site, len(m.flushes)))
    assert results[0] == results[1] == results[2]
    assert any(k == "StalePagingStructureCache" for k, _, _ in results[0][0])


def test_profiles_default_to_temp_page() -> None:
    for name in ("v4.17", "v4.18"):
        assert ptlib.profiles.get(name).knobs["pud_free"] == "temp_page"
        assert ptlib.Machine(kernel=name).knobs["pud_free"] == "temp_page"
    assert ptlib.profiles.KNOBS["pud_free"].values == STRATEGIES


def test_bad_knob_and_probe_values() -> None:
    with pytest.raises(ptlib.InvalidArgument, match="pud_free"):
        ptlib.Machine(pud_free="lru")
    m = ptlib.Machine()
    with pytest.raises(ptlib.InvalidArgument, match="point"):
        m.probe_at("pud_free_pmd_page:nowhere")
    with pytest.raises(TypeError):
        m.probe_at(1)  # type: ignore[arg-type]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_pmd_table_with_duplicate_entry(strategy: str) -> None:
    """Two PMD entries pointing to one PTE table (a corrupted table): every strategy
    reports BadPageState (double free; page_list: CONFIG_DEBUG_LIST's "list_add double
    add" instead of corrupting its list) and the allocator stays consistent."""
    m = _machine(strategy, ram_pages=64)
    m.ioremap_page_range(BASE, BASE + K4, PHYS)
    w = m.walk(BASE)
    pmd_pa, pte_entry = w.entries[1][1] & PFN_MASK, w.entries[2][1]
    m.write_phys(pmd_pa + 8, pte_entry.to_bytes(8, "little"))
    m.vunmap_range(BASE, BASE + 2 * M2)
    assert m.pud_free_pmd_page(BASE) == 1
    bad = [r for r in m.reports if r.kind == "BadPageState"]
    assert len(bad) == 1 and bad[0].pfn == _pfn(pte_entry)
    if strategy == "page_list":
        assert "list_add double add" in bad[0].message
    else:
        assert "already free" in bad[0].message
    free = m.pages.free
    held = _fill_ram(m)
    assert len(held) == len(set(held)) == free
