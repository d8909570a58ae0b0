# SPDX-License-Identifier: GPL-2.0-only
"""Shared helpers: the leak check every test uses, and model comparison."""
from __future__ import annotations

import pytest

import ptlib
from ptlib.model import RefModel, expected_leaf_sizes

V = ptlib.VMALLOC_START
K4, M2, G1 = ptlib.PAGE_SIZE, ptlib.PMD_SIZE, ptlib.PUD_SIZE
PHYS = 0x40_0000_0000          # MMIO base used by most tests (1 GiB aligned, above RAM)


def assert_no_leak(m: ptlib.Machine) -> None:
    """Allocated table pages == table pages reachable from the root; no temporary page
    outlives its operation; no table entry points outside RAM."""
    assert m.leaked_tables() == {"pgd": 0, "pud": 0, "pmd": 0, "pte": 0}, m.leaked_tables()
    assert m.pages.by_owner["temp"] == 0
    assert m.reachable_tables()["bad_pointers"] == 0
    st = m.pages
    assert st.allocated == sum(st.by_owner.values())
    assert st.allocs - st.frees == st.allocated


def c_mappings(m: ptlib.Machine, start: int = V, end: int = ptlib.VMALLOC_END + 1):
    return [(x.va, x.pa, x.size, x.prot) for x in m.mappings(start, end)]


def assert_matches_model(m: ptlib.Machine, model: RefModel, start: int = V,
                         end: int = ptlib.VMALLOC_END + 1) -> None:
    """Every leaf (va, pa, size, prot) agrees, and so do the table page counts."""
    assert c_mappings(m, start, end) == model.mappings(start, end)
    reach = m.reachable_tables()
    frames = model.table_frames()
    for lvl in ("pgd", "pud", "pmd", "pte"):
        assert reach[lvl] == frames.get(lvl, 0), (lvl, reach, frames)


def model_for(m: ptlib.Machine) -> RefModel:
    """A reference model with the same remaining frame budget as m."""
    return RefModel(free_frames=m.pages.free, prealloc_pud=m.knobs["prealloc_vmalloc_pgd"])


def table_pfn(entry: int) -> int:
    """The frame number a table entry points to."""
    return entry >> 12 & (2**40 - 1)


def pud_variant(kernel: str, invlpg_psc: str = "sdm") -> tuple[ptlib.Machine, dict]:
    """The seed bug's PUD variant: two PTE tables under one PMD table (1 GiB above V),
    walked by CPU 1, the 1 GiB unmapped and speculated through, then a 1 GiB map over it
    (pud_free_pmd_page frees the PMD table and both PTE tables).  Returns the machine and
    the tables' frames {"pte0", "pte10", "pmd"}.  The maps are the raw ioremap_page_range()
    at fixed addresses outside any area, which v6.9 refuses (3e49a866c9dc): the knob
    ioremap_vm_area_check is off (no effect on the profiles before v6.19)."""
    m = ptlib.Machine(cpus=2, kernel=kernel, invlpg_psc=invlpg_psc,
                      ioremap_vm_area_check=False)
    base = V + G1
    m.ioremap_page_range(base, base + K4, PHYS)
    m.ioremap_page_range(base + 10 * M2, base + 10 * M2 + K4, PHYS)
    tables = {"pte0": table_pfn(m.walk(base).entries[2][1]),
              "pte10": table_pfn(m.walk(base + 10 * M2).entries[2][1]),
              "pmd": table_pfn(m.walk(base).entries[1][1])}
    for va in (base, base + 10 * M2):
        assert m.cpus[1].access(va) == PHYS
    m.vunmap_range(base, base + G1)
    m.cpus[1].speculate(base)
    m.cpus[1].speculate(base + 10 * M2)
    m.ioremap_page_range(base, base + G1, 0x80_0000_0000)
    return m, tables


def check_leaf_sizes_match_model(kernel: str, off: int, size: int, phys: int) -> None:
    """ioremap_page_range of [V + off, V + off + size) on ``kernel``: the leaf sizes equal
    the model's and the arithmetic expectation, every leaf and walk agrees, no leak."""
    m = ptlib.Machine(kernel=kernel, ram_pages=1 << 14)
    model = model_for(m)
    start, end = V + off, V + off + size
    assert m.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_IO) == 0
    assert model.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_IO) == 0
    sizes = [x.size for x in m.mappings(start, end)]
    assert sizes == model.leaf_sizes(start, end) == expected_leaf_sizes(start, end, phys)
    assert_matches_model(m, model)
    for va in (start, end - 1, start + size // 2):
        w = m.walk(va)
        assert (w.pa, w.page_size, w.prot) == model.translate(va)
    assert_no_leak(m)


@pytest.fixture
def m() -> ptlib.Machine:
    return ptlib.Machine(cpus=2, ram_pages=1 << 14)
