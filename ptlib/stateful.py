# SPDX-License-Identifier: GPL-2.0-only
"""A Hypothesis state machine over ptlib: ``IoremapStateMachine``.

Importing this module imports Hypothesis (``import ptlib`` never does).  Use it as a test::

    from ptlib.stateful import IoremapStateMachine
    TestV418 = IoremapStateMachine.TestCase            # pytest / unittest collects it

    class OnV417(IoremapStateMachine):                 # a buggy profile: the machine fails
        profile = "v4.17"

Parameters are class attributes (override them in a subclass): ``profile`` (kernel profile
name), ``paging``, ``cpus``, ``speculation``, ``ram_pages``, ``flush_left_pcid`` (see
below) and ``use_areas`` (the ioremap()/iounmap() area rules).  ``speculation`` is "none" by
default: every TLB / paging-structure-cache fill is then an explicit ``access`` or
``speculate`` step (the sanitizer's stale-cache check needs no fill: it reports a table
freed while some CPU *may* hold a pointer to it).  With "random" the CPUs also walk pages
chosen by the machine's seeded PRNG after every kernel operation.

Rules
  * ``map_range``: ``ioremap_page_range`` of 4 KiB .. 1 GiB at various alignments inside
    ``RAW_LO .. RAW_HI`` (3 GiB, starting 4 GiB above ``VMALLOC_START``), only where the
    RefModel says nothing is mapped;
  * ``unmap_range``: ``vunmap_range`` of a sub-range of a mapped leaf, of the 2 MiB / 1 GiB
    chunk around it (so that a huge map may then free its table), or anywhere;
  * ``map_huge``: an aligned 2 MiB / 1 GiB map over the chunk of an earlier ``unmap_range``;
  * ``remap_huge``: the two in one step, as a driver remapping a region with a larger page
    size does: ``vunmap_range`` of the leaves in the 2 MiB / 1 GiB chunk around a smaller
    leaf, then one huge ``ioremap_page_range`` over the chunk (the path where
    ``pmd_free_pte_page`` / ``pud_free_pmd_page`` free the chunk's table);
  * ``map_area`` / ``unmap_area``: ``m.ioremap(phys, size)`` / ``m.iounmap(va)`` (a Bundle of
    live areas; the area allocator is first fit from ``VMALLOC_START``, so areas live below
    ``RAW_LO``, which is checked);
  * ``access`` (a random CPU, read or write, ``PageFault`` expected exactly where nothing is
    mapped), ``access_area``, ``speculate``, ``invlpg``;
  * ``write_cr3``: every CPU runs with CR4.PCIDE set (done at boot); a CPU switching from
    PCID a to b then runs INVPCID type 1 on a when ``flush_left_pcid`` is True (default).
    On v4.18 the kernel's flush before a table free is one INVLPG, which drops only the
    *current* PCID's paging-structure-cache entries (SDM 4.10.4.1): with
    ``flush_left_pcid = False`` the PCIDs left behind keep entries to freed tables and the
    machine finds real reports (the bug of the 2025 fix "x86/mm: Fix paging-structure cache
    flush on kernel table freeing"), not false positives;
  * allocation failures: the allocating rules (``map_range``, ``map_huge``, ``map_area``)
    take a ``fail`` argument; when it is not 0, ``m.fail_nth(fail)`` is switched on for that
    one operation and off again after it (a per-operation switch shrinks better than
    separate on/off steps, which Hypothesis's shrinker tends to leave in); ``OutOfMemory``
    is then an accepted outcome of every allocating rule;
  * ``deferred_work``: ``m.run_deferred_work()`` (only on profiles with ``deferred_free``).

Profiles from v6.19 on: the machine is made with ``ioremap_vm_area_check=False``, because
the raw-window rules call ``ioremap_page_range`` outside any area, which v6.9 refuses
(3e49a866c9dc): with the knob on it maps nothing and returns -EINVAL.  Their
ioremap_page_range is then v5.15's (NX forced), the rest of the profile unchanged; the
v6.9 check itself is tested in tests/test_profile_v6x.py.  With ``vunmap_warn_partial_huge``
(v6.16, 61ef8ddaa35e) an ``unmap_range`` over part of a huge leaf must record exactly one
``KernelWarning`` per such leaf (the RefModel says which), which is then cleared.

Invariants (after every step)
  * allocator accounting: ``m.check_leaks()`` finds no table page allocated but unreachable,
    ``m.pages.by_owner["temp"] == 0``;
  * no sanitizer report (``m.reports`` empty; else ``SanitizerFound``);
  * successful CPU accesses in the raw window translate as the RefModel says.

How the RefModel is kept in sync: ``vunmap_range`` is applied to both.  ``ioremap_page_range``
is applied to both and the leaves (va, pa, size) must agree -- except when an allocation
failure is armed or ``OutOfMemory`` was raised: the kernel may then have stopped half way or
fallen back (v4.18's ``pud_free_pmd_page`` without its temporary page gives 2 MiB leaves), so
the model is re-synchronised from ``m.mappings()`` over that range (the range was empty in
the model, so every leaf there is new).  The area API is *not* modelled: accesses to live
areas are checked against the current page tables (``m.translate``, ptlib's software walk),
which still catches a CPU using stale TLB / paging-structure-cache entries; accesses to
iounmapped (lazily freed) areas are not made.
"""
from __future__ import annotations

import bisect
from typing import Any, ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, initialize,
                                 invariant, multiple, precondition, rule)

from . import errors
from .machine import PAGE_KERNEL_IO, PAGE_SIZE, PMD_SIZE, PUD_SIZE, VMALLOC_START, Machine
from .model import RefModel

__all__ = ["IoremapStateMachine", "SanitizerFound", "RAW_LO", "RAW_HI"]

K4, M2, G1 = PAGE_SIZE, PMD_SIZE, PUD_SIZE
RAW_LO = VMALLOC_START + 4 * G1       # the ioremap_page_range window ...
RAW_HI = RAW_LO + 3 * G1              # ... 3 GiB; areas stay below RAW_LO
PHYS = 0x40_0000_0000                 # MMIO base of the raw window (1 GiB aligned, above RAM)
AREA_PHYS = 0x80_0000_0000            # MMIO base of the areas
MAX_AREAS = 8


class SanitizerFound(AssertionError):
    """The sanitizer recorded a report (``m.reports`` is not empty)."""


def format_reports(m: Machine) -> str:
    return "\n".join(f"[{r.kind} op={r.op} cpu={r.cpu} site={r.site}] {r.message}"
                     for r in m.reports)


# Each argument is one draw (sampled_from of precomputed values, simplest first): a step
# costs Hypothesis about one draw per argument, and draws are most of a step's time.
_off = st.sampled_from([g * G1 + mi * M2 + k * K4 for g in range(3)
                        for mi in (0, 0, 1, 2, 511) for k in (0, 0, 1, 7, 511)])
_size = st.sampled_from([k * K4 for k in range(1, 41)]                         # 4 KiB pages
                        + 6 * [M2, M2, 2 * M2, 3 * M2 + K4, G1, G1 - M2, G1 + M2])  # 2 MiB .. 1 GiB
_delta = st.sampled_from([0, 0, 0, K4, M2])
_sel = st.integers(0, 1 << 40)
_mode = st.sampled_from(["leaf", "leaf", "edge", "random"])
_cpu = st.integers(0, 7)
_fail = st.sampled_from([0, 0, 0, 1, 2, 3, 5])     # fail_nth for one operation; 0 = off


class IoremapStateMachine(RuleBasedStateMachine):
    """Random ioremap/vunmap/area/CPU/PCID/fault-injection sequences on one Machine; see the
    module docstring for the rules, invariants and how the RefModel is kept in sync."""

    profile: ClassVar[str] = "v4.18"
    paging: ClassVar[str] = "4level"
    cpus: ClassVar[int] = 2
    speculation: ClassVar[str] = "none"
    ram_pages: ClassVar[int] = 1 << 14
    flush_left_pcid: ClassVar[bool] = True
    use_areas: ClassVar[bool] = True

    # the steps of the example being run (reset per example): after a failure
    # run_state_machine_as_test re-runs the shrunk example last, so this is its steps
    steps_log: ClassVar[list[str]] = []

    areas = Bundle("areas")

    def __init__(self) -> None:
        super().__init__()
        type(self).steps_log = []
        self.failing = False

    # ---- helpers ----

    def _log(self, text: str) -> None:
        type(self).steps_log.append(text)

    def _pick_cpu(self, i: int) -> Any:
        return self.m.cpus[i % len(self.m.cpus)]

    def _leaves(self) -> list[tuple[int, int, int, int]]:
        """The RefModel's leaves in the raw window (cached until the model changes)."""
        if self._leaves_cache is None:
            self._leaves_cache = self.model.mappings(RAW_LO, RAW_HI)
            self._leaf_vas = [x[0] for x in self._leaves_cache]
        return self._leaves_cache

    def _changed(self, start: int, end: int) -> None:
        """The model changed in [start, end) (an unmap may also have dropped whole leaves
        overlapping it): re-read its leaves over that span into the cache."""
        if self._leaves_cache is None:
            return
        leaves, vas = self._leaves_cache, self._leaf_vas
        i = bisect.bisect_right(vas, start) - 1          # cached leaves overlapping the range
        if i < 0 or leaves[i][0] + leaves[i][2] <= start:
            i += 1
        j = bisect.bisect_left(vas, end)
        lo = min(start, leaves[i][0]) if i < j else start
        hi = max(end, leaves[j - 1][0] + leaves[j - 1][2]) if i < j else end
        new = self.model.mappings(max(lo, RAW_LO), min(hi, RAW_HI))
        leaves[i:j] = new
        vas[i:j] = [x[0] for x in new]

    def _mapped(self, start: int, end: int) -> bool:
        """Whether the RefModel has a leaf overlapping [start, end) (leaves are sorted)."""
        leaves = self._leaves()
        i = bisect.bisect_right(self._leaf_vas, start) - 1     # the last leaf at or below
        if i >= 0 and leaves[i][0] + leaves[i][2] > start:
            return True
        return i + 1 < len(leaves) and leaves[i + 1][0] < end

    def _va(self, mode: str, sel: int) -> int:
        """An address of the raw window: inside a leaf, near a leaf's edge, or anywhere."""
        leaves = self._leaves() if mode != "random" else []
        if not leaves:
            return RAW_LO + sel % (RAW_HI - RAW_LO)
        va, _pa, size, _prot = leaves[sel % len(leaves)]
        sel //= len(leaves)
        if mode == "leaf":
            return va + sel % size
        edge = va if sel % 2 else va + size
        off = (sel // 2) % (6 * K4) - 3 * K4
        return min(max(edge + off, RAW_LO), RAW_HI - 1)

    def _sync_model(self, start: int, end: int) -> None:
        """Copy the machine's leaves in [start, end) (empty in the model) into the model."""
        for x in self.m.mappings(start, end):
            s, e = max(x.va, start), min(x.va + x.size, end)
            assert self.model.ioremap_page_range(s, e, x.pa + (s - x.va), x.prot) == 0
        self._changed(start, end)

    # ---- boot ----

    @initialize(seed=st.integers(0, 2**32 - 1))
    def boot(self, seed: int) -> None:
        cls = type(self)
        # the raw-window rules call ioremap_page_range() outside any area, which v6.9
        # refuses (3e49a866c9dc, knob ioremap_vm_area_check, on from v6.19): it is off
        # here, so those profiles map with v5.15's body (NX forced too) -- see the docstring
        self.m = Machine(paging=cls.paging, cpus=cls.cpus, kernel=cls.profile, seed=seed,
                         ram_pages=cls.ram_pages, speculation=cls.speculation,
                         ioremap_vm_area_check=False)
        self.warn_partial = bool(self.m.knobs.get("vunmap_warn_partial_huge"))
        for c in self.m.cpus:
            c.set_cr4(pcide=True)
        self.model = RefModel(free_frames=None,
                              prealloc_pud=bool(self.m.knobs.get("prealloc_vmalloc_pgd")))
        self.deferred = bool(self.m.knobs.get("deferred_free"))
        self.unmapped: list[int] = []        # starts of vunmap_range calls
        self._leaves_cache: Any = None
        self._log(f"boot(seed={seed})")

    # ---- ioremap_page_range / vunmap_range in the raw window ----

    def _arm(self, fail: int) -> None:
        """Switch allocation failures on (``fail`` >= 1: the fail-th next page allocation
        fails) for one operation; ``_disarm`` switches them off again."""
        self.failing = fail > 0
        if fail:
            self.m.fail_nth(fail)

    def _disarm(self) -> None:
        if self.failing:
            self.m.fail_nth(0)
            self.failing = False

    @rule(off=_off, size=_size, delta=_delta, fail=_fail)
    def map_range(self, off: int, size: int, delta: int, fail: int = 0) -> None:
        if size >= 64 * M2:            # big ranges: 2 MiB aligned, so few 4 KiB pages
            off &= ~(M2 - 1)
            delta &= ~(M2 - 1)
        start = RAW_LO + off
        end = min(start + size, RAW_HI)
        phys = PHYS + off + delta
        if self._mapped(start, end):
            return
        self._log(f"ioremap_page_range({start - RAW_LO:#x}, +{end - start:#x}, "
                  f"phys={phys - PHYS:#x}" + (f", fail_nth={fail})" if fail else ")"))
        self._arm(fail)
        try:
            self.m.ioremap_page_range(start, end, phys)
            oom = False
        except errors.OutOfMemory:
            oom = True
        finally:
            failing = self.failing
            self._disarm()
        if oom or failing:
            self._sync_model(start, end)
            return
        assert self.model.ioremap_page_range(start, end, phys, PAGE_KERNEL_IO) == 0
        self._changed(start, end)
        got = [(x.va, x.pa, x.size) for x in self.m.mappings(start, end)]
        exp = [(va, pa, sz) for va, pa, sz, _ in self.model.mappings(start, end)]
        assert got == exp, f"leaves differ from the RefModel: {got[:4]} vs {exp[:4]}"

    @rule(mode=st.sampled_from(["leaf", "chunk", "chunk", "random"]), sel=_sel,
          pages=st.sampled_from([1, 2, 5, 40, 512, 600]))
    def unmap_range(self, mode: str, sel: int, pages: int) -> None:
        leaves = self._leaves() if mode != "random" else []
        if leaves:
            va, _pa, size, _prot = leaves[sel % len(leaves)]
            start = va + (sel // len(leaves)) % (size // K4) * K4
        else:
            start = RAW_LO + sel % ((RAW_HI - RAW_LO) // K4) * K4
        end = min(start + pages * K4, RAW_HI)
        if mode == "chunk" and leaves:     # the whole 2 MiB (PTE table) or 1 GiB chunk
            chunk = M2 if size == K4 and pages <= 40 else G1
            start = max(start & ~(chunk - 1), RAW_LO)
            end = min(start + chunk, RAW_HI)
        self._log(f"vunmap_range({start - RAW_LO:#x}, +{end - start:#x})")
        # v6.16 (61ef8ddaa35e, knob vunmap_warn_partial_huge): one WARN_ON per huge leaf
        # the range covers only in part (the leaf is still cleared whole, as the model does)
        partial = sum(1 for va, _pa, size, _prot in self._leaves()
                      if size > K4 and va < end and start < va + size
                      and not (start <= va and va + size <= end)) if self.warn_partial else 0
        self.m.vunmap_range(start, end)
        self.model.vunmap_range(start, end)
        self._changed(start, end)
        if partial:
            self._expect_partial_warnings(partial)
        if leaves:              # a table there may now be empty: map_huge's candidates
            self.unmapped.append(start)

    def _expect_partial_warnings(self, n: int) -> None:
        """Exactly n reports, each vunmap_pmd_range/vunmap_pud_range's WARN_ON(next - addr <
        PMD_SIZE / PUD_SIZE); then forgotten (anything else is left for no_reports)."""
        reps = self.m.reports
        ok = [r for r in reps if r.kind == "KernelWarning"
              and r.site in ("vunmap_pmd_range", "vunmap_pud_range")
              and r.message.startswith(f"WARNING at {r.site}: WARN_ON(next - addr < ")]
        if len(ok) != len(reps):
            raise SanitizerFound(format_reports(self.m))
        assert len(ok) == n, f"{len(ok)} partial-unmap warnings, expected {n}"
        self.m.clear_reports()

    @rule(sel=_sel, size=st.sampled_from([M2, M2, 2 * M2, G1]), delta=st.sampled_from([0, 0, M2]),
          fail=_fail)
    def map_huge(self, sel: int, size: int, delta: int, fail: int) -> None:
        """An aligned map (2 MiB / 1 GiB leaves, or 2 MiB leaves of a 1 GiB range when
        ``delta`` is M2) over the chunk of an earlier vunmap_range, whose emptied table
        pmd_free_pte_page / pud_free_pmd_page then free; else anywhere."""
        if self.unmapped:
            start = self.unmapped[sel % len(self.unmapped)] & ~(size - 1)
        else:
            start = RAW_LO + sel % ((RAW_HI - RAW_LO) // size) * size
        start = max(start, RAW_LO)
        self.map_range(start - RAW_LO, size, delta, fail)

    @rule(sel=_sel, huge=st.sampled_from([M2, G1]))
    def remap_huge(self, sel: int, huge: int) -> None:
        """vunmap_range of the leaves in the chunk around a leaf smaller than ``huge``, then
        a map of ``huge`` bytes over the chunk (see the module docstring)."""
        small = [x for x in self._leaves() if x[2] < huge]
        if not small:
            return
        va = small[sel % len(small)][0]
        start = va & ~(huge - 1)
        if start < RAW_LO or start + huge > RAW_HI:
            return
        # unmap just the span of the chunk's leaves (as iounmap of the old region would):
        # a few pages flush page by page, so INVLPG's PCID rules matter, not a full flush
        inside = [x for x in self._leaves() if start <= x[0] < start + huge]
        lo, hi = inside[0][0], max(x[0] + x[2] for x in inside)
        if hi > start + huge:          # a leaf reaching out of the chunk: keep it whole
            return
        self._log(f"vunmap_range({lo - RAW_LO:#x}, +{hi - lo:#x})")
        self.m.vunmap_range(lo, hi)
        self.model.vunmap_range(lo, hi)
        self._changed(lo, hi)
        self.unmapped.append(lo)
        self.map_range(start - RAW_LO, huge, 0, 0)

    # ---- the area API ----

    @precondition(lambda self: type(self).use_areas)
    @rule(target=areas, sel=st.integers(0, 63), offset=st.sampled_from([0, 0, 0x10, 0xff8]),
          size=st.sampled_from([K4, 3 * K4, 40 * K4, M2, M2 + K4, 2 * M2, 4 * M2]), fail=_fail)
    def map_area(self, sel: int, offset: int, size: int, fail: int) -> Any:
        if len(self.m.vm_areas()) >= MAX_AREAS:
            return multiple()
        phys = AREA_PHYS + sel * 4 * M2 + offset
        self._log(f"ioremap(phys={phys - AREA_PHYS:#x}, size={size:#x}"
                  + (f", fail_nth={fail})" if fail else ")"))
        self._arm(fail)
        try:
            va = self.m.ioremap(phys, size)
        except errors.OutOfMemory:
            return multiple()
        finally:
            self._disarm()
        start = va & ~(K4 - 1)
        assert start + size <= RAW_LO, "an ioremap area reached the raw window"
        return (va, phys, size)

    @rule(area=consumes(areas))
    def unmap_area(self, area: tuple[int, int, int]) -> None:
        va, _phys, _size = area
        self._log(f"iounmap(area of {area[1] - AREA_PHYS:#x})")
        self.m.iounmap(va)

    @rule(area=areas, cpu=_cpu, sel=_sel, write=st.booleans())
    def access_area(self, area: tuple[int, int, int], cpu: int, sel: int, write: bool) -> None:
        va, phys, size = area
        off = sel % size
        exp = self.m.translate(va + off)
        self._log(f"cpu{cpu % self.cpus}.access(area of {phys - AREA_PHYS:#x} + {off:#x})")
        c = self._pick_cpu(cpu)
        if exp is None:                # a partly mapped area cannot exist; be tolerant
            try:
                c.access(va + off, write=write)
            except errors.PageFault:
                return
            raise AssertionError(f"{va + off:#x}: no mapping in the tables, but no fault")
        assert exp == phys + off, (hex(exp), hex(phys + off))
        got = c.access(va + off, write=write)
        assert got == exp, f"{va + off:#x}: CPU {got:#x}, tables {exp:#x}"

    # ---- CPU rules ----

    @rule(cpu=_cpu, mode=_mode, sel=_sel, write=st.booleans())
    def access(self, cpu: int, mode: str, sel: int, write: bool) -> None:
        va = self._va(mode, sel)
        exp = self.model.translate(va)
        self._log(f"cpu{cpu % self.cpus}.access({va - RAW_LO:#x})")
        c = self._pick_cpu(cpu)
        if exp is None:
            try:
                got = c.access(va, write=write)
            except errors.PageFault:
                return
            raise AssertionError(f"{va:#x}: unmapped in the RefModel, CPU gave {got:#x}")
        got = c.access(va, write=write)
        assert got == exp[0], f"{va:#x}: CPU {got:#x}, RefModel {exp[0]:#x}"

    @rule(cpu=_cpu, mode=_mode, sel=_sel)
    def speculate(self, cpu: int, mode: str, sel: int) -> None:
        va = self._va(mode, sel)
        self._log(f"cpu{cpu % self.cpus}.speculate({va - RAW_LO:#x})")
        self._pick_cpu(cpu).speculate(va)

    @rule(cpu=_cpu, mode=_mode, sel=_sel)
    def invlpg(self, cpu: int, mode: str, sel: int) -> None:
        va = self._va(mode, sel)
        self._log(f"cpu{cpu % self.cpus}.invlpg({va - RAW_LO:#x})")
        self._pick_cpu(cpu).invlpg(va)

    @rule(cpu=_cpu, pcid=st.sampled_from([0, 0, 1, 2]), noflush=st.booleans())
    def write_cr3(self, cpu: int, pcid: int, noflush: bool) -> None:
        c = self._pick_cpu(cpu)
        old = c.cr3[1]
        self._log(f"cpu{cpu % self.cpus}.write_cr3(pcid={pcid}, noflush={noflush})")
        c.write_cr3(pcid=pcid, noflush=noflush)
        if old != pcid and type(self).flush_left_pcid:
            c.invpcid(1, pcid=old)

    # ---- deferred work (profiles with deferred_free) ----

    @precondition(lambda self: self.deferred)
    @rule()
    def deferred_work(self) -> None:
        self._log("run_deferred_work()")
        self.m.run_deferred_work()

    # ---- invariants ----

    @invariant()
    def no_reports(self) -> None:
        if self.m.reports:
            raise SanitizerFound(format_reports(self.m))

    @invariant()
    def accounting(self) -> None:
        # check_leaks: one pass in C, a PageTableLeak report per table page allocated but
        # not reachable (m.leaked_tables() says the same by level, at more cost per step)
        if self.m.check_leaks():
            raise SanitizerFound(format_reports(self.m))
        assert self.m.pages.by_owner["temp"] == 0
