# SPDX-License-Identifier: GPL-2.0-only
"""The v5.13 profile: mm/vmalloc.c's vmap_range() form of ioremap, against v5.3 and the model.

What v5.13 changed (read from Nicholas Piggin's v13 "huge vmalloc mappings" series on
linux-mm/linux-arch, March 2021, and v5.13/v5.14 mm/vmalloc.c + mm/ioremap.c as quoted in
Christoph Hellwig's "mm: move ioremap_page_range to vmalloc.c", August 2021):
- lib/ioremap.c's ioremap_*_range / ioremap_try_huge_* became mm/vmalloc.c's
  vmap_*_range / vmap_try_huge_* with a ``max_page_shift`` argument; each try-huge helper
  starts with ``if (max_page_shift < PXD_SHIFT) return 0;`` and then asks
  ``arch_vmap_pXd_supported(prot)`` (x86: GBPAGES / PSE / never p4d), then the v5.3 checks
  in the v5.3 order (size, IS_ALIGNED(addr), IS_ALIGNED(phys), pXd_present + free, set_huge).
- mm/ioremap.c's ioremap_page_range() is ``vmap_range(addr, end, phys_addr, prot,
  iomap_max_page_shift)``: BITS_PER_LONG - 1, or PAGE_SHIFT with "nohugeiomap".
- the table allocations go through pXd_alloc_track() (v5.8 pgtbl_mod_mask): the same
  allocations; x86-64 has no ARCH_PAGE_TABLE_SYNC_MASK since v5.9, so no sync.
- unmap_kernel_range() became vunmap_range(addr, end): flush_cache_vunmap,
  vunmap_range_noflush, flush_tlb_kernel_range(addr, end) - the same steps as v4.18.
- v5.8 (x86/mm/64: Pre-allocate p4d/pud pages for vmalloc area): 64 PUD tables at boot.
Not in v5.13: ``pgprot_nx(prot)`` in ioremap_page_range() is 8491502f787c "mm: don't allow
executable ioremap mappings" (v5.15; knob ioremap_force_nx, off in the v5.13 profile), and
the VM_IOREMAP exact-area check (-EINVAL/-ERANGE) is later still (2024).
"""
from __future__ import annotations

import pytest

import ptlib

from conftest import (G1, K4, M2, PHYS, V, assert_matches_model, assert_no_leak,
                      check_leaf_sizes_match_model, model_for)
from test_ioremap import CASES
from test_profile_v53 import (_machine, _remap_4k_unmap_2m, _remap_mixed_unmap_1g, _trace,
                              _nonpresent_pmd_over_pte_table)

NX = 1 << 63


def test_v513_profile_knobs() -> None:
    v53, v513 = ptlib.profiles.get("v5.3").knobs, ptlib.profiles.get("v5.13").knobs
    assert set(v513) == set(ptlib.profiles.KNOBS)
    # free_tables: v5.13 runs v5.11's pud_free_pmd_page (d1c5246e08eb "x86/mm: Fix leak of
    # pmd ptlock": pgtable_pmd_page_dtor() on the PMD table)
    assert {k for k in v513 if v513[k] != v53[k]} == {"prealloc_vmalloc_pgd", "vmap_range_form",
                                                      "free_tables"}
    assert v513["free_tables"] == "d1c5246e08eb"
    assert v513["vmap_range_form"] is True and v513["prealloc_vmalloc_pgd"] is True
    assert v513["ioremap_force_nx"] is False            # 8491502f787c is v5.15
    assert v513["iomap_max_page_shift"] == "63"
    for name in ("v4.17", "v4.18", "v5.3"):              # older than v5.13
        assert ptlib.profiles.get(name).knobs["vmap_range_form"] is False
    for name in ("jannh-2025", "v6.19"):                  # later kernels keep the form
        assert ptlib.profiles.get(name).knobs["vmap_range_form"] is True


@pytest.mark.parametrize("off,size,phys", CASES)
def test_v513_leaf_sizes_match_model(off: int, size: int, phys: int) -> None:
    check_leaf_sizes_match_model("v5.13", off, size, phys)


@pytest.mark.parametrize("off,size,phys", CASES)
def test_forced_nx_matches_model_with_nx_prot(off: int, size: int, phys: int) -> None:
    """With pgprot_nx() an executable prot gives what the model gives for prot | NX."""
    m = ptlib.Machine(kernel="v5.13", ram_pages=1 << 14, ioremap_force_nx=True)
    model = model_for(m)
    start, end = V + off, V + off + size
    assert m.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_EXEC) == 0
    assert model.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_EXEC | NX) == 0
    leaves = m.mappings(start, end)
    assert [x.size for x in leaves] == model.leaf_sizes(start, end)
    assert all(x.prot & NX for x in leaves)
    assert_matches_model(m, model)
    assert_no_leak(m)


def test_nx_set_on_every_leaf_only_when_forced() -> None:
    start, end = V + G1 - M2 - K4, V + 2 * G1 + M2 + K4       # 4K, 2M, 1G, 2M, 4K leaves
    phys = PHYS + G1 - M2 - K4
    for force in (False, True):
        m = ptlib.Machine(kernel="v5.13", ram_pages=1 << 14, ioremap_force_nx=force)
        m.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_EXEC)
        leaves = m.mappings(start, end)
        assert {x.size for x in leaves} == {K4, M2, G1}
        assert {bool(x.prot & NX) for x in leaves} == {force}
        for x in leaves:
            assert x.prot & ~NX == ptlib.PAGE_KERNEL_EXEC
        for x in leaves[:3]:                             # an instruction fetch from a leaf
            if force:
                with pytest.raises(ptlib.errors.PageFault):
                    m.cpus[0].access(x.va + 8, fetch=True)
            else:
                assert m.cpus[0].access(x.va + 8, fetch=True) == x.pa + 8


def test_prealloc_64_pud_tables_and_ioremap_allocates_none() -> None:
    m = ptlib.Machine(kernel="v5.13", ram_pages=1 << 14)
    assert m.pages.allocs_by_site.get("__pud_alloc") == 64
    for k in range(4):                                   # four different PGD slots
        base = V + k * 512 * G1 + 7 * M2
        assert m.ioremap_page_range(base, base + M2 + 3 * K4, PHYS) == 0
    st_ = m.pages
    assert st_.allocs_by_site["__pud_alloc"] == 64
    assert st_.allocs_by_site["__pmd_alloc"] == 4 and st_.allocs_by_site["__pte_alloc_kernel"] == 4
    v53 = ptlib.Machine(kernel="v5.3", ram_pages=1 << 14)
    for k in range(4):
        base = V + k * 512 * G1 + 7 * M2
        v53.ioremap_page_range(base, base + M2 + 3 * K4, PHYS)
    assert v53.pages.allocs_by_site["__pud_alloc"] == 4
    assert_no_leak(m)


@pytest.mark.parametrize("scenario", [_remap_4k_unmap_2m, _remap_mixed_unmap_1g])
@pytest.mark.parametrize("free_tables", ["5e0fb5df2ee8", "28ee90fe6048"])
def test_seed_scenarios_same_as_v53_with_prealloc(scenario, free_tables: str) -> None:
    """vmap_range() and vunmap_range() do what v5.3's lib/ioremap.c and v4.18's
    unmap_kernel_range() do, write for write: with the same boot (prealloc) the traces
    are identical, event for event."""
    traces = []
    for kernel, knobs in (("v5.3", {"prealloc_vmalloc_pgd": True}), ("v5.13", {})):
        m = _machine(kernel, free_tables=free_tables, **knobs)
        scenario(m)
        traces.append(_trace(m))
    assert traces[0] == traces[1]


@pytest.mark.parametrize("scenario", [_remap_4k_unmap_2m, _remap_mixed_unmap_1g])
def test_seed_scenarios_against_plain_v53_differ_only_by_the_pud_tables(scenario) -> None:
    res = {}
    for kernel in ("v5.3", "v5.13"):
        m = _machine(kernel)
        before = m.pages
        scenario(m)
        after = m.pages
        res[kernel] = (after.allocs - before.allocs, after.frees - before.frees,
                       {k: after.allocs_by_site.get(k, 0) - before.allocs_by_site.get(k, 0)
                        for k in after.allocs_by_site},
                       dict(after.frees_by_site),
                       [(f.start, f.end, f.full) for f in m.flushes], m.mappings())
    a, b = res["v5.3"], res["v5.13"]
    assert a[0] - b[0] == a[2]["__pud_alloc"] == 1       # v5.3 allocates the PUD table
    assert b[2].get("__pud_alloc", 0) == 0
    assert a[1] == b[1] and a[3] == b[3]                 # frees: the same, by site
    assert a[4] == b[4] and a[5] == b[5]                 # flushes and final leaves


def test_v513_4k_unmap_2m_frees_pte_table_with_one_flush() -> None:
    m = _machine("v5.13")
    m.ioremap_page_range(V, V + 3 * K4, PHYS)
    m.vunmap_range(V, V + 3 * K4)
    assert [(f.start, f.end) for f in m.flushes] == [(V, V + 3 * K4)]   # vunmap_range's
    before, nflush = m.pages, len(m.flushes)
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.pages.frees - before.frees == 1
    assert m.pages.frees_by_site == {"pmd_free_pte_page": 1}
    assert [(f.start, f.end) for f in m.flushes[nflush:]] == [(V, V + K4 - 1)]
    assert m.walk(V + 5).page_size == M2 and m.walk(V + 5).pa == PHYS + 5
    assert_no_leak(m)


def test_vunmap_range_same_flush_as_v418_unmap_kernel_range() -> None:
    flushes = []
    for kernel in ("v4.18", "v5.13"):
        m = _machine(kernel)
        m.ioremap_page_range(V + G1 - M2, V + 2 * G1 + M2 + K4, PHYS + G1 - M2)
        m.vunmap_range(V + G1 - M2, V + 2 * G1 + M2 + K4)
        m.ioremap_page_range(V, V + 5 * K4, PHYS)
        m.vunmap_range_noflush(V, V + 5 * K4)
        assert m.mappings() == []
        flushes.append([(f.start, f.end, f.full) for f in m.flushes])
    assert flushes[0] == flushes[1] and len(flushes[0]) == 1


def test_nohugeiomap_gives_4k_only_and_skips_the_free() -> None:
    """iomap_max_page_shift = PAGE_SHIFT: every vmap_try_huge_* returns 0 at its first
    check, before pmd_present()/pmd_free_pte_page(): a remap over a PTE table frees
    nothing and reuses the table."""
    m = _machine("v5.13", iomap_max_page_shift="12")
    m.ioremap_page_range(V, V + 2 * G1, PHYS)
    assert {x.size for x in m.mappings()} == {K4}
    assert len(m.mappings()) == 2 * 512 * 512
    m.vunmap_range(V, V + 2 * G1)
    before, nflush = m.pages, len(m.flushes)
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.pages.allocs == before.allocs and m.pages.frees == before.frees
    assert m.flushes[nflush:] == []
    assert {x.size for x in m.mappings()} == {K4}
    assert_no_leak(m)


def test_pud_capable_false_gives_no_1g_leaf() -> None:
    m = ptlib.Machine(kernel="v5.13", ram_pages=1 << 14, ioremap_pud_capable=False)
    m.ioremap_page_range(V + G1, V + 3 * G1, PHYS)
    assert {x.size for x in m.mappings()} == {M2}
    assert len(m.mappings()) == 1024
    assert_no_leak(m)


def test_pmd_capable_false_still_allows_1g_leaves() -> None:
    """arch_vmap_pud_supported() and arch_vmap_pmd_supported() are asked separately."""
    m = ptlib.Machine(kernel="v5.13", ram_pages=1 << 14, ioremap_pmd_capable=False)
    m.ioremap_page_range(V + G1 - M2, V + 2 * G1 + M2, PHYS + G1 - M2)
    sizes = [x.size for x in m.mappings()]
    assert sizes.count(G1) == 1 and set(sizes) == {G1, K4}
    assert_no_leak(m)


def test_v513_knobs_have_no_effect_on_the_older_forms() -> None:
    a = _machine("v5.3")
    b = _machine("v5.3", iomap_max_page_shift="12", ioremap_force_nx=True)
    for m in (a, b):
        m.ioremap_page_range(V + K4, V + K4 + G1 + 2 * M2, PHYS + K4, ptlib.PAGE_KERNEL_EXEC)
        m.ioremap_page_range(V + 2 * G1, V + 3 * G1, PHYS, ptlib.PAGE_KERNEL_EXEC)
    assert _trace(a) == _trace(b)


def test_nonpresent_pmd_v513_skips_the_free_like_v53() -> None:
    m = _machine("v5.13")
    pte_pa = _nonpresent_pmd_over_pte_table(m)
    before, nflush = m.pages, len(m.flushes)
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.pages.frees == before.frees and m.flushes[nflush:] == []
    assert m.frame(pte_pa >> 12)["state"] == "allocated"
    assert m.leaked_tables() == {"pgd": 0, "pud": 0, "pmd": 0, "pte": 1}


def test_enomem_returns_minus_12_like_v53() -> None:
    res = []
    for kernel, knobs in (("v5.3", {"prealloc_vmalloc_pgd": True}), ("v5.13", {})):
        m = _machine(kernel, **knobs)
        m.fail_nth(2)                                    # the PTE table
        with pytest.raises(ptlib.errors.OutOfMemory):    # -ENOMEM from vmap_pte_range
            m.ioremap_page_range(V + K4, V + 2 * K4, PHYS)
        assert m.mappings() == []
        res.append(_trace(m))
    assert res[0] == res[1]
