"""Shared helpers: the leak check every test uses, and model comparison."""
from __future__ import annotations

import pytest

import ptlib
from ptlib.model import RefModel

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


@pytest.fixture
def m() -> ptlib.Machine:
    return ptlib.Machine(cpus=2, ram_pages=1 << 14)
