# SPDX-License-Identifier: GPL-2.0-only
"""mm/vmalloc.c after v6.19's base: three fidelity corrections, each a knob and a body.

ioremap_vm_area_check (v6.9, 3e49a866c9dc "mm: Enforce VM_IOREMAP flag and range in
ioremap_page_range."; csrc/kernel/mm_vmalloc_v6_9.c):

    area = find_vm_area((void *)addr);
    if (!area || !(area->flags & VM_IOREMAP)) {
        WARN_ONCE(1, "vm_area at addr %lx is not marked as VM_IOREMAP\\n", addr);
        return -EINVAL;
    }
    if (addr != (unsigned long)area->addr ||
        (void *)end != area->addr + get_vm_area_size(area)) {
        WARN_ONCE(1, "ioremap request [%lx,%lx) doesn't match vm_area [%lx, %lx)\\n", ...);
        return -ERANGE;
    }

vunmap_warn_partial_huge (v6.16, 61ef8ddaa35e "mm/vmalloc: Warn on improper use of
vunmap_range()"; csrc/kernel/mm_vmalloc_v6_16.c): in vunmap_pmd_range/vunmap_pud_range
``if (cleared) { WARN_ON(next - addr < PMD_SIZE); continue; }`` -- after pmd_clear_huge()
already cleared the whole leaf.

vmap_ptdump_lock (v7.2, Lorenzo Stoakes "mm/vmalloc: acquire init_mm lock on huge vmap to
avoid ptdump UAF", 2026, CVE-2026-74672 per the SPEC, hash not confirmed;
csrc/kernel/mm_vmalloc_v7_2.c): in vmap_try_huge_pmd/pud ``if (!pmd_present(*pmd)) return
pmd_set_huge(...)``, else ``scoped_cond_guard(mmap_read_lock_try, return 0, &init_mm) {
if (!pmd_free_pte_page(pmd, addr)) return 0; return pmd_set_huge(...); }``.
"""
from __future__ import annotations

import pytest

import ptlib

from conftest import G1, K4, M2, PHYS, V, assert_no_leak, table_pfn

NOT_IOREMAP = "vm_area at addr ffffc90000000000 is not marked as VM_IOREMAP"


def _warnings(m: ptlib.Machine) -> list[str]:
    return [r.message for r in m.reports if r.kind == "KernelWarning"]


# ---- the knobs and profiles ----

def test_knobs_by_profile() -> None:
    get = ptlib.profiles.get
    for name in ("v4.17", "v4.18", "v5.3", "v5.13", "jannh-2025"):
        kn = get(name).knobs
        assert (kn["ioremap_vm_area_check"], kn["vunmap_warn_partial_huge"],
                kn["vmap_ptdump_lock"]) == (False, False, False), name
    v619 = get("v6.19").knobs
    assert v619["ioremap_vm_area_check"] is True          # v6.9, 3e49a866c9dc
    assert v619["vunmap_warn_partial_huge"] is True       # v6.16, 61ef8ddaa35e
    assert v619["vmap_ptdump_lock"] is False              # 2026: v7.2
    # v7.2 is v6.19 plus the ptdump UAF fix
    assert dict(get("v7.2").knobs) == {**v619, "vmap_ptdump_lock": True}
    assert "CVE-2026-74672" in get("v7.2").description
    assert "not confirmed" in get("v7.2").description
    for knob in ("ioremap_vm_area_check", "vunmap_warn_partial_huge", "vmap_ptdump_lock"):
        assert ptlib.profiles.KNOBS[knob].values is None  # booleans
        assert knob in ptlib.profiles.__doc__
        with pytest.raises(ptlib.InvalidArgument, match=knob):
            ptlib.Machine(**{knob: 2})


# ---- v6.9: ioremap_page_range only maps a whole VM_IOREMAP area ----

def test_v619_raw_ioremap_page_range_outside_an_area_is_einval() -> None:
    m = ptlib.Machine(kernel="v6.19")
    allocated = m.pages.allocated
    with pytest.raises(ptlib.InvalidArgument, match="^start: .*" + NOT_IOREMAP) as exc:
        m.ioremap_page_range(V, V + M2, PHYS)
    assert "-EINVAL" in str(exc.value)
    assert m.mappings() == [] and m.pages.allocated == allocated   # nothing mapped
    (rep,) = m.reports
    assert (rep.kind, rep.message, rep.site) == ("KernelWarning", NOT_IOREMAP,
                                                 "ioremap_page_range")
    # WARN_ONCE: the second refusal is silent
    with pytest.raises(ptlib.InvalidArgument, match=NOT_IOREMAP):
        m.ioremap_page_range(V, V + K4, PHYS)
    assert len(m.reports) == 1 and m.mappings() == []
    assert_no_leak(m)


def test_v619_lazily_freed_area_is_no_area() -> None:
    """find_vm_area() does not find an area iounmap() freed (lazily, not yet purged)."""
    m = ptlib.Machine(kernel="v6.19")
    va = m.ioremap(PHYS, K4)
    m.iounmap(va)
    assert m.lazy_areas() and m.vm_areas() == []
    with pytest.raises(ptlib.InvalidArgument, match=NOT_IOREMAP):
        m.ioremap_page_range(va, va + K4, PHYS)
    assert m.mappings() == []


def test_v619_range_not_the_whole_area_is_erange() -> None:
    m = ptlib.Machine(kernel="v6.19")
    va = m.ioremap(PHYS, M2)                             # area [V, V + 2M) + guard page
    assert va == V and m.vm_areas() == [(V, M2 + K4, PHYS)]
    before = m.mappings()
    assert [(x.va, x.size) for x in before] == [(V, M2)]
    with pytest.raises(ptlib.InvalidArgument,
                       match=r"^start: .*-ERANGE: ioremap request \[ffffc90000000000,"
                             r"ffffc90000001000\) doesn't match vm_area \[ffffc90000000000, "
                             r"ffffc90000200000\)"):
        m.ioremap_page_range(V, V + K4, PHYS)
    # the guard page is not part of get_vm_area_size(): [V, V + 2M + 4K) is refused too
    with pytest.raises(ptlib.InvalidArgument, match="-ERANGE"):
        m.ioremap_page_range(V, V + M2 + K4, PHYS)
    # a start inside the area, not at its start
    with pytest.raises(ptlib.InvalidArgument, match="-ERANGE"):
        m.ioremap_page_range(V + K4, V + M2, PHYS)
    assert m.mappings() == before                        # nothing changed
    assert _warnings(m) == ["ioremap request [ffffc90000000000,ffffc90000001000) doesn't "
                            "match vm_area [ffffc90000000000, ffffc90000200000)"]  # once
    assert_no_leak(m)


def test_v619_ioremap_maps_its_area() -> None:
    """__ioremap_caller() reserves a VM_IOREMAP area and maps exactly it: it passes."""
    m = ptlib.Machine(kernel="v6.19")
    va = m.ioremap(PHYS + 0x123, M2 - 0x123)
    assert va == V + 0x123
    (x,) = m.mappings()
    assert (x.va, x.pa, x.size) == (V, PHYS, M2)
    assert x.prot & (1 << 63)                             # NX forced (8491502f787c)
    assert m.reports == []
    m.iounmap(va)
    assert m.mappings() == []


def test_knob_off_is_v515_and_older_profiles_unchanged() -> None:
    for kernel, knobs in (("v6.19", {"ioremap_vm_area_check": False}), ("v5.13", {}),
                          ("jannh-2025", {})):
        m = ptlib.Machine(kernel=kernel, **knobs)
        assert m.ioremap_page_range(V, V + M2, PHYS) == 0
        assert [(x.va, x.size) for x in m.mappings()] == [(V, M2)]
        assert m.reports == []


# ---- v6.16: vunmap_range of part of a huge leaf ----

@pytest.mark.parametrize("size,level", [(M2, "pmd"), (G1, "pud")])
def test_v619_vunmap_part_of_a_huge_leaf_warns_and_clears_it(size: int, level: str) -> None:
    m = ptlib.Machine(kernel="v6.19")
    va = m.ioremap(PHYS, size)
    assert [(x.va, x.size) for x in m.mappings()] == [(V, size)]
    m.vunmap_range(va, va + size // 2)
    (rep,) = m.reports
    assert rep.kind == "KernelWarning" and rep.site == f"vunmap_{level}_range"
    assert rep.message == (f"WARNING at vunmap_{level}_range: "
                           f"WARN_ON(next - addr < {level.upper()}_SIZE)")
    assert m.mappings() == []                             # the whole leaf is cleared
    assert m.translate(va + size // 2) is None
    # a whole leaf: no warning
    m.clear_reports()
    m.iounmap(va)
    va = m.ioremap(PHYS, size)
    m.vunmap_range(va, va + size)
    assert m.reports == [] and m.mappings() == []


def test_v513_vunmap_part_of_a_huge_leaf_is_silent() -> None:
    m = ptlib.Machine(kernel="v5.13")
    m.ioremap_page_range(V, V + M2, PHYS)
    m.vunmap_range(V, V + M2 // 2)
    assert m.reports == []
    assert m.mappings() == []                             # cleared whole, as in v6.16
    assert ptlib.Machine(kernel="v5.13", vunmap_warn_partial_huge=True).knobs[
        "vunmap_warn_partial_huge"] is True


# ---- v7.2: the ptdump UAF fix ----

def _pte_table_under_v(kernel: str) -> tuple[ptlib.Machine, int]:
    """A 4 KiB ioremap at V, iounmapped and purged: the PTE table stays under V's PMD entry,
    the range is free again."""
    m = ptlib.Machine(kernel=kernel)
    va = m.ioremap(PHYS + M2, K4)
    assert va == V
    m.iounmap(va)
    m.purge_vmap_area_lazy()
    assert m.mappings() == [] and m.vm_areas() == [] and m.lazy_areas() == []
    return m, table_pfn(m.walk(V).entries[2][1])


def test_v72_huge_ioremap_under_the_mmap_write_lock_keeps_the_table() -> None:
    m, pte = _pte_table_under_v("v7.2")
    frees = m.pages.frees
    with m.mmap_write_lock():
        assert m.mmap_write_locked
        va = m.ioremap(PHYS, M2)                          # vmap_try_huge_pmd: trylock fails
    assert not m.mmap_write_locked
    assert va == V
    maps = m.mappings()
    assert len(maps) == 512 and {x.size for x in maps} == {K4}
    assert [x.pa for x in maps] == [PHYS + i * K4 for i in range(512)]
    assert table_pfn(m.walk(V).entries[2][1]) == pte      # the same PTE table
    f = m.frame(pte)
    assert f["state"] == "allocated" and f["owner"] == "pte"
    assert m.deferred_frames() == [] and m.pages.frees == frees   # nothing freed
    assert m.reports == []
    assert_no_leak(m)


@pytest.mark.parametrize("kernel,locked", [("v7.2", False), ("v6.19", True),
                                           ("v6.19", False)])
def test_huge_ioremap_frees_the_table(kernel: str, locked: bool) -> None:
    """Without the lock (v7.2), or on v6.19 where nothing takes it: pmd_free_pte_page()
    frees the PTE table (queued: deferred_free) and the 2 MiB leaf is set."""
    m, pte = _pte_table_under_v(kernel)
    if locked:
        with m.mmap_write_lock():
            va = m.ioremap(PHYS, M2)
    else:
        va = m.ioremap(PHYS, M2)
    assert va == V
    assert [(x.va, x.pa, x.size) for x in m.mappings()] == [(V, PHYS, M2)]
    assert m.deferred_frames() == [pte]
    assert m.run_deferred_work() == 1
    assert m.frame(pte)["state"] == "free"
    assert m.reports == []
    assert_no_leak(m)


def test_mmap_write_lock_is_not_reentrant_and_released_on_error() -> None:
    m = ptlib.Machine(kernel="v7.2")
    with m.mmap_write_lock():
        with pytest.raises(ptlib.InvalidArgument, match="already held"):
            with m.mmap_write_lock():
                pass
        assert m.mmap_write_locked                        # the outer hold is kept
    assert not m.mmap_write_locked
    with pytest.raises(RuntimeError):
        with m.mmap_write_lock():
            raise RuntimeError
    assert not m.mmap_write_locked
