# SPDX-License-Identifier: GPL-2.0-only
"""A Machine's lifetime: freed as soon as its last reference goes, its RAM arena recycled
zero (csrc/machine.c arena pool), CPUs that outlive their machine, the config cache.

The recycling check is behavioural: a scenario that exercises the allocator, the sanitizer
(a forged table entry pointing at a never-allocated frame, a use-after-free through a stale
paging-structure-cache entry) and the event log gives the same observable results on a
machine that reuses an arena which a messy machine used before, as on a fresh arena.
"""
from __future__ import annotations

import gc
import weakref

import pytest

import ptlib
from ptlib._ptlib import lib

VA = ptlib.VMALLOC_START
PHYS = 0x40_0000_0000


def test_machine_freed_without_the_cyclic_gc() -> None:
    gc.disable()
    try:
        m = ptlib.Machine(cpus=3)
        ref = weakref.ref(m)
        cpus = m.cpus
        del m, cpus
        assert ref() is None
    finally:
        gc.enable()


def test_cpu_outliving_its_machine_raises_not_crashes() -> None:
    m = ptlib.Machine(cpus=2)
    m.ioremap_page_range(VA, VA + 4096, PHYS)
    cpu = m.cpus[1]
    del m
    gc.collect()
    assert cpu.access(VA) == PHYS          # the C machine lives while the CPU holds it
    assert cpu.cr3[1] == 0
    with pytest.raises(ptlib.PtlibError, match="keep a reference to the Machine"):
        cpu.invlpg(VA)


def _messy(ram_pages: int, nframes: int) -> None:
    """Dirty a machine's arena every way the API allows, then drop it."""
    m = ptlib.Machine(cpus=2, kernel="v4.17", ram_pages=ram_pages, record_events=True,
                      alloc_policy="fifo")
    for i in range(nframes // 2):
        m.ioremap_page_range(VA + i * ptlib.PMD_SIZE, VA + i * ptlib.PMD_SIZE + 4096, PHYS)
    top = (ram_pages - 1) * 4096
    m.write_phys(top, b"\xa5" * 4096)                       # a never-allocated frame
    pmd = m.walk(VA).entries[1][1] & 0x000F_FFFF_FFFF_F000  # the PUD entry -> PMD table
    m.write_phys(pmd + 8 * 200, (top | 0x63).to_bytes(8, "little"))   # forged PDE -> top
    m.cpus[1].speculate(VA + 200 * ptlib.PMD_SIZE)
    m.vunmap_range(VA, VA + 4096)
    m.ioremap_page_range(VA, VA + ptlib.PMD_SIZE, PHYS)     # v4.17: frees without a flush
    for _ in range(nframes):
        try:
            m.write_phys(m.alloc_page(), b"\x5a" * 4096)
        except ptlib.OutOfMemory:
            break
    assert m.reports                                        # the sanitizer did write
    del m


def _scenario(ram_pages: int) -> tuple:
    """Everything observable about one deterministic run on a new machine."""
    m = ptlib.Machine(cpus=2, kernel="v4.17", ram_pages=ram_pages, record_events=True)
    boot_ram = m.read_phys(0, ram_pages * 4096)
    boot_frames = [m.frame(p) for p in range(ram_pages)]
    m.ioremap_page_range(VA, VA + 3 * 4096, PHYS)
    m.cpus[1].access(VA)
    m.vunmap_range(VA, VA + 3 * 4096)
    m.ioremap_page_range(VA, VA + ptlib.PMD_SIZE, PHYS)     # the seed bug: a report
    attacker = m.alloc_page()
    m.write_phys(attacker, (PHYS + 0x1000 | 0x63).to_bytes(8, "little") * 512)
    try:
        got = m.cpus[1].access(VA + 4096)
    except ptlib.PageFault as exc:
        got = exc.error_code
    top = (ram_pages - 1) * 4096
    return (boot_ram == bytes(len(boot_ram)), boot_frames, got,
            [(r.kind, r.op, r.cpu, r.site, r.message) for r in m.reports],
            m.events(), m.pages, m.read_phys(0, ram_pages * 4096) .count(0),
            m.read_phys(top, 4096), [m.frame(p) for p in range(ram_pages)])


@pytest.mark.parametrize("nframes", [8, 1500], ids=["memset-path", "madvise-path"])
def test_recycled_arena_behaves_like_a_fresh_one(nframes: int) -> None:
    ram = 2048 + nframes          # a size no other test uses: the pool holds only ours
    fresh = _scenario(ram)        # the first arena of this size (maybe pooled since)
    assert fresh[0], "boot RAM not zero"
    _messy(ram, nframes)
    assert lib.pt_arena_pooled(ram) >= 1, "the messy machine's arena was not pooled"
    before = lib.pt_arena_pooled(ram)
    again = _scenario(ram)        # takes the messy arena
    assert lib.pt_arena_pooled(ram) == before   # took one, gave one back
    assert again[0], "a recycled arena's RAM is not zero at boot"
    for i, (a, b) in enumerate(zip(fresh, again)):
        assert a == b, f"observation {i} differs on a recycled arena"


def test_config_cache_keeps_type_checks() -> None:
    ptlib.Machine(cpus=1)                    # cached with cpus=1 (an int)
    with pytest.raises(TypeError, match="cpus"):
        ptlib.Machine(cpus=True)             # True == 1, but not an int here
    ptlib.Machine(sanitize=True)
    with pytest.raises(TypeError, match="sanitize"):
        ptlib.Machine(sanitize=1)
    ptlib.Machine(pud_free="page_list")
    with pytest.raises(ptlib.InvalidArgument, match="pud_free"):
        ptlib.Machine(pud_free="page_lists")
    with pytest.raises(TypeError, match="panic_on_report"):
        ptlib.Machine(panic_on_report=1)
    m = ptlib.Machine(cpus=2, kernel="v4.17")
    m.knobs["pud_free"] = "no_save"          # a machine's dicts are its own copies
    assert ptlib.Machine(cpus=2, kernel="v4.17").knobs["pud_free"] != "no_save"
