# SPDX-License-Identifier: GPL-2.0-only
"""ioremap_page_range / vunmap_range against the reference model and the kernel's rules."""
from __future__ import annotations

import pytest
from hypothesis import event, given, settings, strategies as st

import ptlib
from ptlib.model import RefModel, expected_leaf_sizes

from conftest import G1, K4, M2, PHYS, V, assert_matches_model, assert_no_leak, model_for

# (va offset from VMALLOC_START, size, phys): sized/aligned, unaligned starts, odd sizes,
# ranges crossing PMD, PUD and PGD boundaries, and va/phys misaligned against each other.
CASES = [
    (0, K4, PHYS),
    (0, M2, PHYS),
    (0, G1, PHYS),
    (G1, 2 * G1, PHYS),                          # two 1 GiB leaves
    (K4, M2, PHYS + K4),                         # unaligned start: no huge leaf fits
    (M2 - K4, M2 + 2 * K4, PHYS + M2 - K4),      # crosses two PMD boundaries
    (3 * K4, 5 * M2 + 7 * K4, PHYS + 3 * K4),    # odd size, inner 2 MiB leaves
    (G1 - M2, G1 + 2 * M2, PHYS + G1 - M2),      # crosses a PUD boundary with 2 MiB leaves
    (G1 - K4, G1 + 2 * K4, PHYS),                # crosses a PUD boundary, 4 KiB only
    (M2, G1, PHYS + M2),                         # 1 GiB sized but not PUD aligned
    (0, G1, PHYS + M2),                          # va aligned, phys only 2 MiB aligned
    (0, 2 * M2, PHYS + K4),                      # va aligned, phys only 4 KiB aligned
    (511 * G1 + G1 - M2, 2 * M2 + K4, PHYS),     # crosses a PGD (512 GiB) boundary
    (G1 - 3 * M2 - 5 * K4, G1 + 2 * M2 + G1, PHYS + G1 - 3 * M2 - 5 * K4),  # all three sizes
]


@pytest.mark.parametrize("off,size,phys", CASES)
def test_leaf_sizes_match_model(off: int, size: int, phys: int) -> None:
    m = ptlib.Machine(ram_pages=1 << 14)
    model = model_for(m)
    start, end = V + off, V + off + size
    m.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_IO)
    assert model.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_IO) == 0
    sizes = [x.size for x in m.mappings(start, end)]
    assert sizes == model.leaf_sizes(start, end)
    assert sizes == expected_leaf_sizes(start, end, phys)
    assert sum(sizes) == size
    assert_matches_model(m, model)
    for va in (start, end - 1, start + size // 2):
        w = m.walk(va)
        assert (w.pa, w.page_size, w.prot) == model.translate(va)
    assert_no_leak(m)


def test_huge_disabled_knob_gives_4k_only() -> None:
    m = ptlib.Machine(ioremap_pud_capable=False, ioremap_pmd_capable=False)
    m.ioremap_page_range(V, V + 2 * M2, PHYS)
    assert {x.size for x in m.mappings()} == {K4}
    assert len(m.mappings()) == 1024
    assert_no_leak(m)


def test_leaf_encoding_follows_sdm() -> None:
    """A 2 MiB leaf has PS set and PAT moved to bit 12; a 4 KiB PTE keeps PAT at bit 7."""
    m = ptlib.Machine()
    prot = ptlib.PAGE_KERNEL_IO | (1 << 7)            # PAT bit in 4 KiB form
    m.ioremap_page_range(V, V + M2, PHYS, prot)
    m.ioremap_page_range(V + M2, V + M2 + K4, PHYS, prot)
    big = m.walk(V).entries[-1][1]
    small = m.walk(V + M2).entries[-1][1]
    assert big & (1 << 7) and big & (1 << 12)          # PS and PAT(large)
    assert small & (1 << 7) and not small & (1 << 12)  # PAT(4K)
    assert big & ~(1 << 12) & ((1 << 52) - 1) & ~0xFFF == PHYS
    # table entries are _PAGE_TABLE: P|RW|US|A|D
    for _, e in m.walk(V).entries[:-1]:
        assert e & 0xFFF == 0x67
    assert m.walk(V).prot == m.walk(V + M2).prot == prot


def test_remap_4k_then_2m_frees_pte_table(m: ptlib.Machine) -> None:
    """4K map -> unmap -> 2M map: pmd_free_pte_page frees the PTE table, one flush of
    [addr, addr + PAGE_SIZE - 1]."""
    m.ioremap_page_range(V, V + 3 * K4, PHYS)
    pte_pfn = m.walk(V).entries[2][1] >> 12 & ((1 << 40) - 1)
    m.vunmap_range(V, V + 3 * K4)
    assert m.pages.by_owner["pte"] == 1              # unmap never frees tables
    before = m.pages
    nflush = len(m.flushes)
    m.ioremap_page_range(V, V + M2, PHYS)
    after = m.pages
    assert after.by_owner["pte"] == 0
    assert after.frees - before.frees == 1
    assert after.frees_by_site.get("pmd_free_pte_page", 0) == 1
    assert m.frame(pte_pfn)["state"] == "free"
    assert m.frame(pte_pfn)["free_site"] == "pmd_free_pte_page"
    new = m.flushes[nflush:]
    assert [(f.start, f.end, f.full) for f in new] == [(V, V + K4 - 1, False)]
    assert new[0].cpus == (0, 1) and new[0].pages == 1
    assert m.walk(V + 5).page_size == M2 and m.walk(V + 5).pa == PHYS + 5
    assert_no_leak(m)


def test_freed_table_is_poisoned_and_reused_lifo(m: ptlib.Machine) -> None:
    m.ioremap_page_range(V, V + K4, PHYS)
    pte_pa = m.walk(V).entries[2][1] & 0x000F_FFFF_FFFF_F000
    m.vunmap_range(V, V + K4)
    m.ioremap_page_range(V, V + M2, PHYS)
    assert m.read_phys(pte_pa, 4096) == b"\xaa" * 4096      # PAGE_POISON
    assert m.alloc_page() == pte_pa                          # LIFO: most recently freed
    assert m.frame(pte_pa >> 12)["owner"] == "data"


def test_remap_1g_over_mixed_frees_everything(m: ptlib.Machine) -> None:
    """4K and 2M mappings inside one 1 GiB region -> unmap -> 1 GiB map:
    pud_free_pmd_page allocates exactly one temporary page and frees it, frees every PTE
    table and the PMD table, one flush."""
    base = V + G1
    m.ioremap_page_range(base, base + 5 * K4, PHYS)                      # PTE table 1
    m.ioremap_page_range(base + 4 * M2, base + 6 * M2, PHYS + 4 * M2)    # two 2 MiB leaves
    m.ioremap_page_range(base + 9 * M2 + K4, base + 9 * M2 + 9 * K4, PHYS)  # PTE table 2
    m.ioremap_page_range(base + G1 - K4, base + G1, PHYS)                # PTE table 3
    assert m.pages.by_owner["pte"] == 3 and m.pages.by_owner["pmd"] == 1
    m.vunmap_range(base, base + G1)
    before, nflush = m.pages, len(m.flushes)

    m.ioremap_page_range(base, base + G1, 0x80_0000_0000)
    after = m.pages
    assert after.allocs - before.allocs == 1                               # the temp page
    assert after.allocs_by_site["pud_free_pmd_page"] == 1
    assert after.frees - before.frees == 5                                 # 3 PTE + temp + PMD
    assert after.frees_by_site["pud_free_pmd_page"] == 5
    assert after.by_owner["pte"] == 0 and after.by_owner["pmd"] == 0
    assert after.by_owner["temp"] == 0
    assert [(f.start, f.end) for f in m.flushes[nflush:]] == [(base, base + K4 - 1)]
    w = m.walk(base + 12345)
    assert (w.level, w.pa) == ("pud", 0x80_0000_0000 + 12345)
    assert_no_leak(m)


def _mixed_then_unmapped(m: ptlib.Machine, model: RefModel, base: int) -> None:
    for mm in (m, model):
        mm.ioremap_page_range(base, base + 3 * K4, PHYS, ptlib.PAGE_KERNEL_IO)
        mm.ioremap_page_range(base + 2 * M2, base + 4 * M2, PHYS, ptlib.PAGE_KERNEL_IO)
        mm.ioremap_page_range(base + 7 * M2, base + 7 * M2 + K4, PHYS, ptlib.PAGE_KERNEL_IO)
        mm.vunmap_range(base, base + G1)


def test_temp_page_failure_falls_back_to_2m(m: ptlib.Machine) -> None:
    """fail_nth on the temporary page: pud_free_pmd_page returns 0 and changes nothing;
    ioremap_page_range falls back to 2 MiB leaves and frees the PTE tables via
    pmd_free_pte_page; translations match the model; no leak."""
    model = model_for(m)
    base = V + 2 * G1
    _mixed_then_unmapped(m, model, base)
    assert m.pages.by_owner["pte"] == 2
    before = m.pages
    nflush = len(m.flushes)
    m.fail_nth(1)          # the first allocation of the next call is pud_free_pmd_page's
    model.fail_nth(1)
    assert m.ioremap_page_range(base, base + G1, PHYS) == 0
    assert model.ioremap_page_range(base, base + G1, PHYS, ptlib.PAGE_KERNEL_IO) == 0
    after = m.pages
    assert after.failed == before.failed + 1
    assert after.allocs == before.allocs                    # nothing else was allocated
    assert after.frees_by_site["pmd_free_pte_page"] == 2    # both PTE tables, one by one
    assert "pud_free_pmd_page" not in after.frees_by_site
    assert after.by_owner["pmd"] == 1 and after.by_owner["pte"] == 0
    sizes = {x.size for x in m.mappings(base, base + G1)}
    assert sizes == {M2} and len(m.mappings(base, base + G1)) == 512
    # one single-page flush per freed PTE table, at the 2 MiB chunk's address
    assert [(f.start, f.end) for f in m.flushes[nflush:]] == [
        (base, base + K4 - 1), (base + 7 * M2, base + 7 * M2 + K4 - 1)]
    assert_matches_model(m, model)
    assert_no_leak(m)


def test_pud_free_pmd_page_without_temp_page_changes_nothing(m: ptlib.Machine) -> None:
    base = V
    m.ioremap_page_range(base, base + K4, PHYS)
    m.ioremap_page_range(base + M2, base + 2 * M2, PHYS)
    m.vunmap_range(base, base + 2 * M2)
    pud_pa = m.walk(base).entries[0][1] & 0x000F_FFFF_FFFF_F000
    pmd_pa = m.walk(base).entries[1][1] & 0x000F_FFFF_FFFF_F000
    tables = m.read_phys(pud_pa, 4096), m.read_phys(pmd_pa, 4096)
    st, nflush = m.pages, len(m.flushes)
    m.fail_nth(1)
    assert m.pud_free_pmd_page(base) == 0
    assert (m.read_phys(pud_pa, 4096), m.read_phys(pmd_pa, 4096)) == tables
    assert len(m.flushes) == nflush
    after = m.pages
    assert (after.allocs, after.frees, after.by_owner) == (st.allocs, st.frees, st.by_owner)
    assert after.failed == st.failed + 1
    # and with the page available it frees
    assert m.pud_free_pmd_page(base) == 1
    assert m.pages.by_owner["pmd"] == 0 and m.pages.by_owner["pte"] == 0
    assert_no_leak(m)


def test_out_of_memory_mid_ioremap_leaves_kernel_partial_state() -> None:
    """RAM limit reached in the middle of an ioremap: OutOfMemory, the partial mapping is
    what the kernel leaves (the model, given the same budget, stops at the same allocation),
    and vunmap_range of the whole range then leaves no leaf; no leak."""
    m = ptlib.Machine(ram_pages=20)
    model = model_for(m)
    start, end = V + M2 - 8 * K4, V + 40 * M2 + 3 * K4     # needs a PTE table per 2 MiB chunk
    with pytest.raises(ptlib.OutOfMemory):
        m.ioremap_page_range(start, end, PHYS + K4)
    assert model.ioremap_page_range(start, end, PHYS + K4, ptlib.PAGE_KERNEL_IO) == -12
    assert m.pages.free == 0 and m.pages.failed == 1
    assert 0 < len(m.mappings()) < (end - start) // K4
    assert_matches_model(m, model)
    m.vunmap_range(start, end)
    assert m.mappings() == []
    assert m.walk(start).pa is None
    assert_no_leak(m)


def test_bug_on_live_pte_is_kernel_bug_and_machine_survives(m: ptlib.Machine) -> None:
    model = model_for(m)
    for mm in (m, model):
        mm.ioremap_page_range(V + 4 * K4, V + 6 * K4, PHYS, ptlib.PAGE_KERNEL_IO)
    with pytest.raises(ptlib.KernelBug, match="ioremap_pte_range"):
        m.ioremap_page_range(V, V + 8 * K4, PHYS + G1)
    from ptlib.model import KernelBugModel
    with pytest.raises(KernelBugModel):
        model.ioremap_page_range(V, V + 8 * K4, PHYS + G1, ptlib.PAGE_KERNEL_IO)
    # the operation stopped where the kernel stops: PTEs 0..3 written, 4.. untouched
    assert_matches_model(m, model)
    assert m.walk(V + 3 * K4).pa == PHYS + G1 + 3 * K4
    assert m.walk(V + 4 * K4).pa == PHYS
    rep = m.reports[-1]
    assert rep.kind == "KernelBug" and rep.site == "ioremap_pte_range"
    # the kernel's BUG_ON() carries no address: the report has the operation's (its start)
    assert rep.va == V and rep.profile == "v4.18" and rep.op == m.op
    with pytest.raises(ptlib.KernelBug):
        m.check()
    # still answers, and still works
    assert "pte" in m.ptdump()
    assert m.pages.allocated > 0
    m.ioremap_page_range(V + M2, V + 2 * M2, PHYS)
    assert m.walk(V + M2).level == "pmd"
    assert_no_leak(m)


def test_vunmap_clears_huge_leaf_whole_and_flushes(m: ptlib.Machine) -> None:
    m.ioremap_page_range(V, V + G1, PHYS)
    m.ioremap_page_range(V + G1, V + G1 + M2, PHYS)
    nflush = len(m.flushes)
    m.vunmap_range(V + G1 - K4, V + G1 + K4)           # one page of each leaf
    assert m.mappings() == []                            # both leaves cleared whole
    f = m.flushes[nflush:]
    assert [(x.start, x.end, x.full) for x in f] == [(V + G1 - K4, V + G1 + K4, False)]
    assert all(c.invlpg_count == 2 for c in m.cpus)
    assert m.pages.by_owner["pmd"] == 1                  # tables are never freed by unmap
    assert_no_leak(m)


def test_vunmap_noflush_records_no_flush(m: ptlib.Machine) -> None:
    m.ioremap_page_range(V, V + 2 * K4, PHYS)
    n = len(m.flushes)
    m.vunmap_range_noflush(V, V + 2 * K4)
    assert len(m.flushes) == n and m.mappings() == []


@pytest.mark.parametrize("pages,full", [(1, False), (33, False), (34, True), (1000, True)])
def test_flush_tlb_kernel_range_ceiling(m: ptlib.Machine, pages: int, full: bool) -> None:
    """More than 33 pages -> flush everything on every CPU; else one INVLPG per page."""
    m.flush_tlb_kernel_range(V, V + pages * K4)
    f = m.flushes[-1]
    assert f.full is full and f.cpus == (0, 1)
    for c in m.cpus:
        assert c.invlpg_count == (0 if full else pages)
        assert c.full_flush_count == (1 if full else 0)


def test_flush_end_is_exclusive(m: ptlib.Machine) -> None:
    m.flush_tlb_kernel_range(V, V + K4 - 1)       # as the v4.18 free functions pass it
    assert m.cpus[0].invlpg_count == 1
    m.flush_tlb_kernel_range(V, V + K4)
    assert m.cpus[0].invlpg_count == 2
    m.flush_tlb_all()
    assert m.flushes[-1].full and m.cpus[1].full_flush_count == 1


def test_set_huge_refuses_present_table_and_clear_huge(m: ptlib.Machine) -> None:
    m.ioremap_page_range(V, V + K4, PHYS)
    assert m.pmd_set_huge(V, PHYS) == 0                # present non-leaf: refused
    assert m.walk(V).level == "pte"
    assert m.pmd_clear_huge(V) == 0                    # not a leaf: nothing cleared
    assert m.pmd_set_huge(V + M2, PHYS + M2) == 1      # none: set
    assert m.walk(V + M2).level == "pmd"
    assert m.pmd_set_huge(V + M2, PHYS) == 1           # a leaf may be overwritten
    assert m.walk(V + M2).pa == PHYS
    assert m.pmd_clear_huge(V + M2) == 1
    assert m.walk(V + M2).pa is None
    assert m.pud_set_huge(V, PHYS) == 0                # PMD table present
    assert m.pud_set_huge(V + G1, PHYS) == 1
    assert m.pud_clear_huge(V + G1) == 1 and m.pud_clear_huge(V + G1) == 0
    assert_no_leak(m)


def test_mtrr_nonuniform_range_refuses_huge(m: ptlib.Machine) -> None:
    """pmd_set_huge/pud_set_huge (v4.18) refuse a range that is not uniform unless its
    merged type is WB, and ioremap falls back to smaller leaves.  The third chunk is WB only
    at its start: v4.18 mtrr_type_lookup()'s repeat loop merges it with the default UC of
    the rest (check_type_overlap(WB, UC) = UC), so it is refused too (it was mapped 2 MiB
    while csrc/mtrr.c took only the type at start).  More cases: tests/test_mtrr.py."""
    m.add_mtrr(PHYS + M2 + 64 * K4, K4 * 16, "UC")     # inside the second 2 MiB chunk
    m.add_mtrr(PHYS + 2 * M2, K4, "WB")                # WB at start, default UC after it
    m.ioremap_page_range(V, V + 3 * M2, PHYS)
    sizes = [x.size for x in m.mappings(V, V + 3 * M2)]
    assert sizes == [M2] + [K4] * 1024
    assert any(r.site == "pmd_set_huge" and "MTRR" in r.message for r in m.reports)
    assert_no_leak(m)


def test_prealloc_knob_preallocates_vmalloc_puds() -> None:
    m = ptlib.Machine(prealloc_vmalloc_pgd=True)
    assert m.pages.by_owner["pud"] == 64                 # 32 TiB / 512 GiB
    before = m.pages.allocs
    m.ioremap_page_range(V + 5 * 512 * G1, V + 5 * 512 * G1 + M2, PHYS)
    assert m.pages.allocs - before == 1                  # only the PMD table
    assert_no_leak(m)


def test_ptdump_format_and_coalescing(m: ptlib.Machine) -> None:
    """Lines as /sys/kernel/debug/page_tables/kernel prints them: range, size with unit,
    flags, level; runs of equal flags coalesce whatever their physical addresses."""
    m.ioremap_page_range(V, V + 3 * K4, PHYS)
    m.ioremap_page_range(V + 3 * K4, V + 4 * K4, 0x1234000)
    m.ioremap_page_range(V + M2, V + 2 * M2, PHYS, ptlib.PAGE_KERNEL_IO_NOCACHE)
    out = m.ptdump().splitlines()
    # printk_prot() columns: USR RW PWT PCD PSE PAT GLB NX, each "XXX " or blanks
    pte_line = f"0x{V:016x}-0x{V + 4 * K4:016x}   {16:>9}K " + \
        "    " + "RW " + "    " + "    " + "    " + "    " + "GLB " + "NX " + "pte"
    pmd_line = f"0x{V + M2:016x}-0x{V + 2 * M2:016x}   {2:>9}M " + \
        "    " + "RW " + "    " + "PCD " + "PSE " + "    " + "GLB " + "NX " + "pmd"
    assert pte_line in out
    assert pmd_line in out
    assert "---[ vmalloc() Area ]---" in out
    i = out.index("---[ vmalloc() Area ]---")
    assert out[i + 1] == pte_line                      # the area starts with our run


# ---- Hypothesis: random sequences of ioremap / vunmap agree with the model ----

_va_off = st.builds(lambda g, mi, k: g * G1 + mi * M2 + k * K4,
                    st.integers(0, 2), st.sampled_from([0, 0, 1, 2, 255, 510, 511]),
                    st.sampled_from([0, 1, 7, 511]))
_size = st.builds(lambda g, mi, k: g * G1 + mi * M2 + k * K4 or K4,
                  st.integers(0, 1), st.sampled_from([0, 1, 2, 3]), st.integers(0, 40))
_phys_delta = st.sampled_from([0, 0, K4, M2])
_op = st.tuples(st.sampled_from(["map", "map", "unmap", "fail"]), _va_off, _size, _phys_delta)


@settings(max_examples=150, deadline=None)
@given(st.lists(_op, min_size=1, max_size=8), st.booleans())
def test_random_sequences_agree_with_model(ops, prealloc: bool) -> None:
    m = ptlib.Machine(ram_pages=1 << 13, prealloc_vmalloc_pgd=prealloc)
    model = model_for(m)
    for kind, off, size, delta in ops:
        if size >= G1:                   # keep 4 KiB-heavy ranges small: huge ranges start
            off &= ~(M2 - 1)             # 2 MiB aligned (they still cross PUD boundaries)
            delta &= ~(M2 - 1)
        start, end = V + off, V + off + size
        if kind == "fail":               # the n-th next allocation fails, in both
            n = 1 + (size // K4) % 3
            m.fail_nth(n)
            model.fail_nth(n)
            continue
        if kind == "map":
            if model.mappings(start, end):
                continue                 # never map over a live leaf (that is the BUG_ON test)
            phys = PHYS + off + delta
            ret = model.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_IO)
            if ret == 0:
                assert m.ioremap_page_range(start, end, phys) == 0
                event(f"mapped leaf sizes {sorted({x.size for x in m.mappings(start, end)})}")
            else:
                assert ret == -12
                event("ioremap -ENOMEM")
                with pytest.raises(ptlib.OutOfMemory):
                    m.ioremap_page_range(start, end, phys)
        else:
            m.vunmap_range(start, end)
            model.vunmap_range(start, end)
        assert_matches_model(m, model)
        st_ = m.pages
        assert st_.frees == model.frees and st_.allocs == model.allocs
        assert st_.failed == model.failed
        for owner in ("pud", "pmd", "pte", "temp"):
            assert st_.by_owner[owner] == model.allocated_by_owner[owner]
        assert [(f.start, f.end) for f in m.flushes] == model.flushes
        for probe in (start, end - 1, start + (size // 2 & ~(K4 - 1)) + 123):
            w = m.walk(probe)
            exp = model.translate(probe)
            assert (None if w.pa is None else (w.pa, w.page_size, w.prot)) == exp
        assert_no_leak(m)


def test_double_free_is_reported_not_done(m: ptlib.Machine) -> None:
    """pmd_free_pte_page on a 2 MiB leaf over RAM frees the leaf's first frame as if it were
    a PTE table (v4.18 does not look at PSE); freeing it again is a double free, which the
    allocator reports as BadPageState and refuses, so its counters stay consistent."""
    pa = 2 * M2                                        # frames 1024.., never allocated
    assert m.frame(pa >> 12)["state"] == "free"
    m.ioremap_page_range(V, V + K4, PHYS)              # PUD and PMD tables exist
    assert m.pmd_set_huge(V + M2, pa) == 1
    before = m.pages
    assert m.pmd_free_pte_page(V + M2) == 1
    rep = m.reports[-1]
    assert rep.kind == "BadPageState" and rep.pfn == pa >> 12
    assert "already free" in rep.message and rep.site == "pmd_free_pte_page"
    after = m.pages
    assert (after.frees, after.allocated) == (before.frees, before.allocated)
    with pytest.raises(ptlib.BadPageState):
        m.check()
    assert_no_leak(m)
