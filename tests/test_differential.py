# SPDX-License-Identifier: GPL-2.0-only
"""Differential tests: the emulated CPUs against an independent walker and the reference model.

* ``walk_phys`` (ptlib/model.py, pure Python, written from the SDM) is checked on hand-built
  tables, then used as the oracle for ``cpu.translate_many`` after random operation sequences:
  on the fixed kernel (v4.18) what a CPU translates through its TLBs and paging-structure
  caches must be exactly what the tables in memory say, and both must agree with RefModel.
* A Hypothesis state machine drives v4.18 with random speculation, PCIDs, INVLPG and CR3
  writes and requires zero sanitizer reports (no false positives) and correct translations.
* On v4.17 (free without flush) the same checks must fail: the differential sees the stale
  paging-structure cache, and the sanitizer reports it.
"""
from __future__ import annotations

import random
import struct
from array import array
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, rule,
                                 run_state_machine_as_test)

import ptlib
from ptlib.cpu import FAULT
from ptlib.model import RefModel, walk_phys, walk_phys_many

from conftest import G1, K4, M2, PHYS, V, assert_no_leak, model_for

N_ADDRS = 100_000


# ---------------------------------------------------------------------------------------
# walk_phys on hand-built tables (so that the oracle itself is checked)
# ---------------------------------------------------------------------------------------

class _Mem:
    """Sparse physical memory of 64-bit entries for hand-built tables."""

    def __init__(self) -> None:
        self.q: dict[int, int] = {}
        self.reads = 0

    def set(self, table: int, idx: int, val: int) -> None:
        self.q[table + 8 * idx] = val

    def read_u64(self, pa: int) -> int:
        assert pa % 8 == 0
        self.reads += 1
        return self.q.get(pa, 0)

    def read_page(self, pa: int) -> bytes:
        assert pa % K4 == 0
        self.reads += 1
        return struct.pack("<512Q", *(self.q.get(pa + 8 * i, 0) for i in range(512)))


P, RW, PS, A, D, G, NX = 1, 2, 0x80, 0x20, 0x40, 0x100, 1 << 63
TBL = P | RW | A
PML4, PDPT, PD, PT = 0x1000, 0x2000, 0x3000, 0x4000
HI = 0xFFFF_8000_0000_0000          # the PML4E index 256 half


def _tables() -> _Mem:
    """PML4[256] -> PDPT; PDPT[0] 1 GiB leaf, PDPT[1] -> PD; PD[0] 2 MiB leaf, PD[1] -> PT;
    PT[0..2] 4 KiB leaves; PT[3] not present."""
    mem = _Mem()
    mem.set(PML4, 256, PDPT | TBL)
    mem.set(PDPT, 0, 0x40_0000_0000 | TBL | PS | G | NX)
    mem.set(PDPT, 1, PD | TBL)
    mem.set(PD, 0, 0x1234_0000_0000 | TBL | PS | D)
    mem.set(PD, 1, PT | TBL)
    for i in range(3):
        mem.set(PT, i, (0xABC_D000 + i * K4) | P | RW)
    return mem


def test_walk_phys_follows_the_sdm() -> None:
    mem = _tables()
    w = lambda va: walk_phys(mem.read_u64, PML4, va)   # noqa: E731
    assert w(HI + 0x1234_5678) == (0x40_0000_0000 + 0x1234_5678, G1)
    assert w(HI + G1 + 0x1F_FFFF) == (0x1234_0000_0000 + 0x1F_FFFF, M2)
    assert w(HI + G1 + M2 + 2 * K4 + 0xFFF) == (0xABC_D000 + 2 * K4 + 0xFFF, K4)
    assert w(HI + G1 + M2 + 3 * K4) is None                 # PTE not present
    assert w(HI + G1 + 2 * M2) is None                      # PDE not present
    assert w(HI + 2 * G1) is None                           # PDPTE not present
    assert w(0x1000) is None                                # PML4E not present
    assert w(0x0000_8000_0000_0000) is None                 # non-canonical
    # CR3's low 12 bits (PCID / PWT, PCD) are not part of the root address
    assert walk_phys(mem.read_u64, PML4 | 0x5, HI + 3) == (0x40_0000_0003, G1)
    # the PAT bit of a 4 KiB PTE is bit 7 (not PS); bit 12 of a large leaf is its PAT bit
    mem.set(PT, 0, 0xABC_D000 | P | 0x80)
    assert w(HI + G1 + M2) == (0xABC_D000, K4)
    mem.set(PD, 0, 0x1234_0000_0000 | TBL | PS | 0x1000)
    assert w(HI + G1 + 5) == (0x1234_0000_0005, M2)
    # bits 62:52 are ignored and bit 63 is XD: neither changes the address
    mem.set(PT, 1, (0xABC_E000 | P) | (0x7FF << 52) | NX)
    assert w(HI + G1 + M2 + K4 + 1) == (0xABC_E001, K4)


@pytest.mark.parametrize("table,idx,bad,va", [
    (PML4, 256, PDPT | TBL | PS, HI + 5),                          # PS reserved in a PML4E
    (PDPT, 0, 0x40_0000_0000 | TBL | PS | 1 << 13, HI + 5),        # 1 GiB leaf, bit 13
    (PDPT, 0, 0x40_0000_0000 | TBL | PS | 1 << 29, HI + 5),        # 1 GiB leaf, bit 29
    (PD, 0, 0x1234_0000_0000 | TBL | PS | 1 << 13, HI + G1 + 5),   # 2 MiB leaf, bit 13
    (PD, 0, 0x1234_0000_0000 | TBL | PS | 1 << 20, HI + G1 + 5),   # 2 MiB leaf, bit 20
])
def test_walk_phys_reserved_bits_fault(table: int, idx: int, bad: int, va: int) -> None:
    mem = _tables()
    assert walk_phys(mem.read_u64, PML4, va) is not None
    mem.set(table, idx, bad)
    assert walk_phys(mem.read_u64, PML4, va) is None


def test_walk_phys_bits_above_maxphyaddr_are_reserved() -> None:
    mem = _tables()
    mem.set(PT, 0, (1 << 45) | P)
    assert walk_phys(mem.read_u64, PML4, HI + G1 + M2) == (1 << 45, K4)
    assert walk_phys(mem.read_u64, PML4, HI + G1 + M2, maxphyaddr=46) == (1 << 45, K4)
    assert walk_phys(mem.read_u64, PML4, HI + G1 + M2, maxphyaddr=45) is None


def test_walk_phys_many_caches_pages_and_agrees_with_walk_phys() -> None:
    mem = _tables()
    rng = random.Random(1)
    vas = [HI + rng.randrange(2 * G1 + M2) for _ in range(5000)] + [HI + G1 + M2 + 3 * K4]
    got = walk_phys_many(mem.read_page, PML4, vas)
    assert mem.reads <= 4                                  # each table page read once
    exp = [walk_phys(mem.read_u64, PML4, va) for va in vas]
    assert got == [None if e is None else e[0] for e in exp]
    assert got[-1] is None and any(g is not None for g in got)


# ---------------------------------------------------------------------------------------
# helpers shared by the differential and the state machine
# ---------------------------------------------------------------------------------------

def _read_page(m: ptlib.Machine):
    return lambda pa: m.read_phys(pa, K4)


def _read_u64(m: ptlib.Machine):
    return lambda pa: int.from_bytes(m.read_phys(pa, 8), "little")


def pick_va(model: RefModel, lo: int, hi: int, mode: str, sel: int) -> int:
    """An address in [lo, hi): inside a mapped leaf, just around a leaf's edges, or uniform.
    ``sel`` (any non-negative int) picks deterministically, so Hypothesis can shrink it."""
    leaves = model.mappings(lo, hi) if mode != "random" else []
    if not leaves:
        return lo + sel % (hi - lo)
    va, _pa, size, _prot = leaves[sel % len(leaves)]
    sel //= len(leaves)
    if mode == "inside":
        return va + sel % size
    # edge: within 3 pages (or, one time in four, 2 MiB) of the leaf's start or end
    span = M2 if sel % 4 == 0 else 3 * K4
    sel //= 4
    edge = va if sel % 2 else va + size
    off = (sel // 2) % (2 * span) - span
    return min(max(edge + off, lo), hi - 1)


def draw_addresses(model: RefModel, lo: int, hi: int, rng: random.Random, n: int) -> array:
    """n addresses: ~40% inside mapped leaves, ~20% near leaf edges, ~40% uniform in
    [lo, hi); of all of them 1% are made non-canonical (no translation: they would #GP)."""
    leaves = model.mappings(lo, hi)
    out = array("Q", bytes(8 * n))
    for i in range(n):
        r = rng.random()
        if leaves and r < 0.4:
            va, _pa, size, _prot = leaves[rng.randrange(len(leaves))]
            out[i] = va + rng.randrange(size)
        elif leaves and r < 0.6:
            va, _pa, size, _prot = leaves[rng.randrange(len(leaves))]
            span = M2 if rng.random() < 0.25 else 3 * K4
            edge = va if rng.random() < 0.5 else va + size
            out[i] = min(max(edge + rng.randrange(-span, span), lo), hi - 1)
        else:
            out[i] = rng.randrange(lo, hi)
        if r > 0.99:            # 1%: a non-canonical alias (upper bits cleared / one flipped)
            out[i] = out[i] & ((1 << 48) - 1) if r > 0.995 else out[i] ^ 1 << rng.randrange(48, 64)
    return out


def oracle(m: ptlib.Machine, vas: array) -> array:
    """walk_phys_many over emulated RAM, as translate_many reports it (FAULT for None)."""
    return array("Q", (FAULT if pa is None else pa
                       for pa in walk_phys_many(_read_page(m), m.root, vas)))


def first_mismatch(vas: array, got: array, exp: array) -> str:
    for va, g, e in zip(vas, got, exp):
        if g != e:
            fmt = lambda x: "FAULT" if x == FAULT else f"{x:#x}"   # noqa: E731
            return f"va {va:#x}: CPU {fmt(g)}, tables {fmt(e)}"
    return ""


def format_reports(m: ptlib.Machine) -> str:
    return "\n".join(f"[{r.kind} op={r.op} cpu={r.cpu} site={r.site}] {r.message}"
                     for r in m.reports)


# ---------------------------------------------------------------------------------------
# (a) translate_many == walk_phys_many (== RefModel) after random sequences, v4.18
# ---------------------------------------------------------------------------------------

# A 4 GiB window that crosses a PGD (512 GiB) boundary at WIN_LO + 2 GiB.
WIN_LO = V + 510 * G1
WIN_HI = WIN_LO + 4 * G1

_off = st.builds(lambda g, mi, k: g * G1 + mi * M2 + k * K4,
                 st.integers(0, 3), st.sampled_from([0, 0, 1, 2, 255, 510, 511]),
                 st.sampled_from([0, 0, 1, 7, 511]))
_size = st.one_of(
    st.integers(1, 40).map(lambda k: k * K4),                                   # 4 KiB pages
    st.builds(lambda mi, k: mi * M2 + k * K4, st.integers(1, 8), st.sampled_from([0, 1, 3])),
    st.sampled_from([G1, G1 + M2, G1 - M2, 2 * M2 + 2 * K4]),                   # up to 1 GiB+
)
_delta = st.sampled_from([0, 0, 0, K4, M2])


def clamp_range(off: int, size: int, delta: int) -> tuple[int, int, int]:
    """(start, end, phys) inside the window.  Ranges of 128 MiB and more start 2 MiB aligned
    and keep phys congruent mod 2 MiB, so the 4 KiB part stays small (the model is Python)."""
    if size >= 64 * M2:
        off &= ~(M2 - 1)
        delta &= ~(M2 - 1)
    start = WIN_LO + off
    end = min(start + size, WIN_HI)
    return start, end, PHYS + off + delta


def do_map(m: ptlib.Machine, model: RefModel, start: int, end: int, phys: int) -> bool:
    """Map [start, end) in both if nothing is mapped there; True if mapped."""
    if model.mappings(start, end):
        return False
    ret = model.ioremap_page_range(start, end, phys, ptlib.PAGE_KERNEL_IO)
    if ret:
        with pytest.raises(ptlib.OutOfMemory):
            m.ioremap_page_range(start, end, phys)
        return False
    assert m.ioremap_page_range(start, end, phys) == 0
    return True


_map_op = st.one_of(
    st.tuples(st.just("map"), _off, _size, _delta),
    # 2 MiB / 1 GiB aligned: 1 GiB leaves (delta 0) or 2 MiB ones
    st.tuples(st.just("map"), st.builds(lambda g, mi: g * G1 + mi * M2, st.integers(0, 3),
                                        st.sampled_from([0, 0, 1, 511])),
              st.sampled_from([M2, 3 * M2, G1, 2 * G1]), st.sampled_from([0, 0, M2])),
)
_seq_op = st.one_of(
    _map_op,
    st.tuples(st.just("unmap"), _off, _size, st.just(0)),
    st.tuples(st.sampled_from(["access", "invlpg", "speculate"]), st.integers(0, 1),
              st.sampled_from(["inside", "edge", "random"]), st.integers(0, 1 << 40)),
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(st.lists(_map_op, min_size=2, max_size=6), st.lists(_seq_op, max_size=14),
       st.integers(0, 2**32 - 1))
def test_translate_many_matches_independent_walker(maps, ops, seed: int) -> None:
    """Random maps, then random operations, then more maps (so the tables are rarely
    empty); then 100,000 addresses through both CPUs' translate_many against walk_phys_many
    (and a sample against RefModel and the C software walker)."""
    m = ptlib.Machine(cpus=2, kernel="v4.18", ram_pages=1 << 14)
    model = model_for(m)
    half = len(maps) // 2
    for op in maps[:half] + ops + maps[half:]:
        kind = op[0]
        if kind == "map":
            do_map(m, model, *clamp_range(*op[1:]))
        elif kind == "unmap":
            start, end, _ = clamp_range(*op[1:])
            m.vunmap_range(start, end)
            model.vunmap_range(start, end)
        else:
            _, cpu, mode, sel = op
            va = pick_va(model, WIN_LO, WIN_HI, mode, sel)
            c = m.cpus[cpu]
            if kind == "access":
                ref = model.translate(va)
                if ref is None:
                    with pytest.raises(ptlib.PageFault):
                        c.access(va)
                else:
                    assert c.access(va) == ref[0]
            elif kind == "invlpg":
                c.invlpg(va)
            else:
                c.speculate(va)
    assert m.reports == [], format_reports(m)
    frees = m.pages.frees_by_site
    event(f"tables freed by ioremap: {sum(frees.values()) > 0}")
    leaves = model.mappings(WIN_LO, WIN_HI)
    event(f"leaf sizes {sorted({x[2] for x in leaves})}")

    rng = random.Random(seed)
    # the window plus 1 GiB either side (unmapped tables and empty PGD slots too)
    vas = draw_addresses(model, WIN_LO - G1, WIN_HI + G1, rng, N_ADDRS)
    got = [m.cpus[i].translate_many(vas) for i in range(2)]
    exp = oracle(m, vas)
    for i in range(2):
        assert got[i] == exp, f"CPU {i}: " + first_mismatch(vas, got[i], exp)
    # a second pass goes through the TLBs and PSCs the first one filled
    again = m.cpus[0].translate_many(vas)
    assert again == exp, "CPU 0 second pass: " + first_mismatch(vas, again, exp)
    # the sample: the walker agrees with RefModel on (pa, size), and with the C walker
    read_u64 = _read_u64(m)
    for va in rng.sample(list(vas), 1500):
        w = walk_phys(read_u64, m.root, va)
        t = model.translate(va)
        assert w == (None if t is None else t[:2]), hex(va)
        if va >> 47 in (0, (1 << 17) - 1):             # m.walk rejects non-canonical va
            cw = m.walk(va)
            assert w == (None if cw.pa is None else (cw.pa, cw.page_size)), hex(va)
    mapped = sum(1 for x in exp if x != FAULT)
    if leaves:
        assert mapped >= N_ADDRS // 3          # the draw really hits mapped leaves
    event(f"mapped fraction {round(mapped / N_ADDRS, 1)}")
    assert m.reports == [], format_reports(m)
    assert_no_leak(m)


def _stale_pde_scenario(kernel: str) -> ptlib.Machine:
    """4 KiB map -> access -> vunmap -> speculative walk (refills the PDE cache with the PTE
    table) -> 2 MiB map over it, which frees the PTE table (pmd_free_pte_page)."""
    m = ptlib.Machine(cpus=2, kernel=kernel, ram_pages=1 << 12)
    m.ioremap_page_range(V, V + K4, PHYS + M2)
    assert m.cpus[0].access(V) == PHYS + M2
    m.vunmap_range(V, V + K4)
    assert m.cpus[0].speculate(V) is False         # no leaf, but PML4E/PDPTE/PDE cached
    assert any(e.level == "pmd" for e in m.cpus[0].psc_entries())
    m.ioremap_page_range(V, V + M2, PHYS)
    return m


@pytest.mark.parametrize("kernel", ["v4.17", "v4.18"])
def test_differential_sees_v417_stale_pde(kernel: str) -> None:
    """(a) can fail: on v4.17 the freed PTE table is still in CPU 0's PDE cache, so CPU 0
    does not translate what the tables say; the sanitizer reports it.  v4.18 is clean."""
    m = _stale_pde_scenario(kernel)
    model = model_for(m)
    vas = array("Q", [V, V + 5 * K4 + 17, V + M2 - 1, V + M2])
    exp = oracle(m, vas)
    assert list(exp) == [PHYS, PHYS + 5 * K4 + 17, PHYS + M2 - 1, FAULT]
    got0 = m.cpus[0].translate_many(vas)
    got1 = m.cpus[1].translate_many(vas)
    assert got1 == exp                              # CPU 1 never cached the PTE table
    kinds = {r.kind for r in m.reports}
    if kernel == "v4.18":
        assert got0 == exp and m.reports == [], format_reports(m)
    else:
        assert got0 != exp
        assert got0[0] == FAULT                     # walked the freed (cleared) PTE table
        assert "StalePagingStructureCache" in kinds and "PageTableUseAfterFree" in kinds
        # both CPUs: the table was reachable after their last PSC invalidation, so either
        # may have cached it (CPU 0 did)
        assert sorted((r.cpu, r.site) for r in m.reports
                      if r.kind == "StalePagingStructureCache") == [
            (0, "pmd_free_pte_page"), (1, "pmd_free_pte_page")]
    del model


# ---------------------------------------------------------------------------------------
# (b) zero false positives: a state machine on v4.18
# ---------------------------------------------------------------------------------------

# A 3 GiB window crossing a PGD boundary (at SM_LO + 1 GiB).
SM_LO = V + 511 * G1
SM_HI = SM_LO + 3 * G1
_sm_off = st.builds(lambda g, mi, k: g * G1 + mi * M2 + k * K4,
                    st.integers(0, 2), st.sampled_from([0, 0, 1, 2, 255, 511]),
                    st.sampled_from([0, 0, 1, 7, 511]))
_modes = st.sampled_from(["inside", "inside", "edge", "random"])
_sel = st.integers(0, 1 << 40)


class SanitizerFound(AssertionError):
    """The sanitizer recorded a report (the invariant of the zero-false-positive machine)."""


class ZeroFalsePositives(RuleBasedStateMachine):
    """v4.18 with random speculation: every step leaves m.reports empty, and every CPU access
    translates as RefModel does (or faults exactly where RefModel has no mapping).

    PCIDs: a CPU that switches from PCID a to PCID b runs INVPCID type 1 (single context) on
    a right after (``FLUSH_LEFT_PCID``).  Without it the machine finds true positives on
    v4.18: the kernel frees a table after one INVLPG, which (SDM 4.10.4.1) drops only the
    *current* PCID's paging-structure-cache entries, so the PCID left behind keeps its
    entries to the freed table and uses them after a no-flush CR3 write back -- see
    test_v418_inactive_pcid_keeps_stale_pde.
    """

    KERNEL = "v4.18"
    FLUSH_LEFT_PCID = True      # see the docstring: False finds a real v4.18 + PCID hazard
    # totals over every example of a run (class attributes, reset by the test)
    steps = 0
    counts: dict[str, int] = {}

    m: ptlib.Machine            # set by boot(), the first step of every example
    model: RefModel

    def _tick(self, what: str, step: bool = True) -> None:
        """Count a rule execution (``step``) or, with step=False, an outcome of one."""
        cls = type(self)
        cls.steps += step
        cls.counts[what] = cls.counts.get(what, 0) + 1

    def _va(self, mode: str, sel: int) -> int:
        return pick_va(self.model, SM_LO, SM_HI, mode, sel)

    @initialize(ncpus=st.integers(2, 3), seed=st.integers(0, 2**64 - 1), pcide=st.booleans())
    def boot(self, ncpus: int, seed: int, pcide: bool) -> None:
        self.m = ptlib.Machine(cpus=ncpus, kernel=self.KERNEL, speculation="random",
                               seed=seed, ram_pages=1 << 14)
        for c in self.m.cpus:
            c.set_cr4(pcide=pcide)
        self.model = model_for(self.m)
        self.chunks: list[tuple[int, int]] = []

    @rule(off=_sm_off, size=_size, delta=_delta)
    def ioremap(self, off: int, size: int, delta: int) -> None:
        self._tick("ioremap")
        if size >= 64 * M2:
            off &= ~(M2 - 1)
            delta &= ~(M2 - 1)
        start = SM_LO + off
        end = min(start + size, SM_HI)
        if do_map(self.m, self.model, start, end, PHYS + off + delta):
            self._tick("ioremap_done", step=False)

    @rule(mode=st.sampled_from(["leaf", "leaf", "chunk", "random"]), sel=_sel,
          pages=st.sampled_from([1, 2, 5, 40, 512, 600]))
    def vunmap(self, mode: str, sel: int, pages: int) -> None:
        """A random sub-range of a leaf (or of the window); "chunk": the whole 2 MiB
        (pages < 512) or 1 GiB chunk around a leaf, which a huge ioremap may then reuse."""
        self._tick("vunmap")
        leaves = self.model.mappings(SM_LO, SM_HI) if mode != "random" else []
        if leaves:
            va, _pa, size, _prot = leaves[sel % len(leaves)]
            start = va + (sel // len(leaves)) % (size // K4) * K4
        else:
            start = SM_LO + sel % ((SM_HI - SM_LO) // K4) * K4
        end = min(start + pages * K4, SM_HI)
        if mode == "chunk" and leaves:
            # leaf by leaf (4 KiB runs of up to 8 pages), so that the kernel flushes with
            # INVLPGs rather than one full flush
            # the 2 MiB chunk of a 4 KiB leaf (its PTE table), else (or when pages > 40)
            # the 1 GiB chunk (its PMD table)
            chunk = M2 if size == K4 and pages <= 40 else G1
            start = max(start & ~(chunk - 1), SM_LO)
            self.chunks.append((start, chunk))
            for va, _pa, size, _prot in self.model.mappings(start, start + chunk):
                if size == K4 and self.model.translate(va):
                    run = va
                    while run < va + 8 * K4 and self.model.translate(run):
                        run += K4
                    size = run - va
                elif size == K4:
                    continue
                self.m.vunmap_range(va, va + size)
                self.model.vunmap_range(va, va + size)
            return
        self.m.vunmap_range(start, end)
        self.model.vunmap_range(start, end)

    @rule(sel=_sel, size=st.sampled_from([M2, 2 * M2, G1]), delta=st.sampled_from([0, 0, M2]))
    def ioremap_huge(self, sel: int, size: int, delta: int) -> None:
        """An aligned ioremap of a chunk vunmap emptied (2 MiB or 1 GiB, whose tables
        pmd_free_pte_page / pud_free_pmd_page free; ``delta`` M2 turns a 1 GiB chunk into
        2 MiB leaves), else of ``size`` anywhere."""
        self._tick("ioremap_huge")
        if self.chunks:
            start, size = self.chunks[sel % len(self.chunks)]
        else:
            start = SM_LO + sel % ((SM_HI - SM_LO) // size) * size
        end = min(start + size, SM_HI)
        if do_map(self.m, self.model, start, end, PHYS + (start - SM_LO) + delta):
            self._tick("ioremap_done", step=False)

    @rule(cpu=st.integers(0, 2), mode=_modes, sel=_sel, write=st.booleans())
    def access(self, cpu: int, mode: str, sel: int, write: bool) -> None:
        self._tick("access")
        c = self.m.cpus[cpu % len(self.m.cpus)]
        va = self._va(mode, sel)
        exp = self.model.translate(va)
        if exp is None:
            with pytest.raises(ptlib.PageFault):
                c.access(va, write=write)
            self._tick("access_fault", step=False)
        else:
            assert c.access(va, write=write) == exp[0], hex(va)
            self._tick("access_ok", step=False)

    @rule(cpu=st.integers(0, 2), mode=_modes, sel=_sel)
    def invlpg(self, cpu: int, mode: str, sel: int) -> None:
        self._tick("invlpg")
        self.m.cpus[cpu % len(self.m.cpus)].invlpg(self._va(mode, sel))

    @rule(cpu=st.integers(0, 2), mode=_modes, sel=_sel)
    def speculate(self, cpu: int, mode: str, sel: int) -> None:
        self._tick("speculate")
        self.m.cpus[cpu % len(self.m.cpus)].speculate(self._va(mode, sel))

    @rule(cpu=st.integers(0, 2), on=st.sampled_from([True, True, True, False]))
    def set_pcide(self, cpu: int, on: bool) -> None:
        self._tick("set_pcide")
        self.m.cpus[cpu % len(self.m.cpus)].set_cr4(pcide=on)

    @rule(cpu=st.integers(0, 2), pcid=st.sampled_from([0, 0, 1, 2, 4095]),
          noflush=st.booleans())
    def write_cr3(self, cpu: int, pcid: int, noflush: bool) -> None:
        self._tick("write_cr3")
        c = self.m.cpus[cpu % len(self.m.cpus)]
        if not c.pcide:
            c.write_cr3()
            return
        old = c.cr3[1]
        c.write_cr3(pcid=pcid, noflush=noflush)
        self._tick("write_cr3_pcid", step=False)
        if old != pcid:
            self._tick("pcid_switch", step=False)
            if self.FLUSH_LEFT_PCID:
                c.invpcid(1, pcid=old)

    @invariant()
    def no_reports(self) -> None:
        if self.m.reports:
            raise SanitizerFound(format_reports(self.m))

    def teardown(self) -> None:
        if not hasattr(self, "m"):             # boot did not run
            return
        st_ = self.m.pages
        type(self).counts["table_frees"] = (type(self).counts.get("table_frees", 0) +
                                            st_.frees_by_site.get("pmd_free_pte_page", 0) +
                                            st_.frees_by_site.get("pud_free_pmd_page", 0))
        if self.KERNEL == "v4.18":
            assert_no_leak(self.m)
            assert self.m.check_leaks() == 0
            assert self.m.reports == [], format_reports(self.m)


# 100 examples x up to 50 steps: about 4,500 rule executions (asserted >= 2,000 below),
# ~5 s.  Hypothesis turns rules off at random per example ("swarm testing"), so the run is
# long enough that table frees and PCID switches meet in some examples (counted below).
# Derandomized: the counts asserted below describe the run; a random run could (rarely:
# seen once, pcid_switch 4) switch the PCID rule off in most examples.
SM_SETTINGS = settings(max_examples=100, stateful_step_count=50, deadline=None, derandomize=True,
                       suppress_health_check=[HealthCheck.too_slow,
                                              HealthCheck.data_too_large,
                                              HealthCheck.filter_too_much])


def test_zero_false_positives_v418() -> None:
    ZeroFalsePositives.steps = 0
    ZeroFalsePositives.counts = {}
    run_state_machine_as_test(ZeroFalsePositives, settings=SM_SETTINGS)
    counts = ZeroFalsePositives.counts
    print(f"\nZeroFalsePositives: {ZeroFalsePositives.steps} steps; {sorted(counts.items())}")
    assert ZeroFalsePositives.steps >= 2000, ZeroFalsePositives.steps
    # the run really did the hazardous things (maps, frees of page tables, PCID switches);
    # the bounds are about a third of the lowest counts seen in repeated runs (swarm testing
    # makes them vary: e.g. table_frees 20..66, access_ok 80..280, pcid_switch 52..510)
    assert counts.get("ioremap_done", 0) >= 100
    assert counts.get("access_ok", 0) >= 25 and counts.get("access_fault", 0) >= 25
    assert counts.get("table_frees", 0) >= 5
    assert counts.get("pcid_switch", 0) >= 15


# ---------------------------------------------------------------------------------------
# (c) the same machine on v4.17 finds the missing flush
# ---------------------------------------------------------------------------------------

class OnV417(ZeroFalsePositives):
    KERNEL = "v4.17"


def test_state_machine_finds_v417_bug() -> None:
    """The invariant can fail: on v4.17 the machine finds a sanitizer report (no shrinking,
    derandomized, no example database, so this is deterministic)."""
    with pytest.raises(SanitizerFound) as exc:
        run_state_machine_as_test(OnV417, settings=settings(
            SM_SETTINGS, max_examples=200, derandomize=True, database=None,
            phases=[Phase.generate], print_blob=False))
    assert "StalePagingStructureCache" in str(exc.value) or \
        "PageTableUseAfterFree" in str(exc.value), str(exc.value)


def test_v417_seed_scenario_reports_and_v418_does_not() -> None:
    """4 KiB map -> access -> vunmap -> 2 MiB map: v4.17 frees the PTE table with CPU 0's
    PDE cache still pointing to it (StalePagingStructureCache); v4.18 flushes first."""
    bad = _stale_pde_scenario("v4.17")
    assert {r.kind for r in bad.reports} == {"StalePagingStructureCache"}
    assert sorted((r.cpu, r.site, r.va) for r in bad.reports) == [
        (0, "pmd_free_pte_page", V), (1, "pmd_free_pte_page", V)]
    good = _stale_pde_scenario("v4.18")
    assert good.reports == []


def test_v418_inactive_pcid_keeps_stale_pde() -> None:
    """Not a false positive: v4.18's flush before freeing a table is one INVLPG, and INVLPG
    "invalidates all entries in all paging-structure caches associated with the *current*
    PCID" (SDM Vol. 3A 4.10.4.1).  A PDE-cache entry made under PCID 0 survives a free done
    while PCID 1 is current; a no-flush CR3 write back to PCID 0 then walks the freed PTE
    table (CPU: fault; tables: the new 2 MiB leaf).  The sanitizer reports it at the free,
    and the use after free at the walk."""
    m = ptlib.Machine(cpus=1, kernel="v4.18", ram_pages=1 << 12)
    c = m.cpus[0]
    c.set_cr4(pcide=True)
    m.ioremap_page_range(V, V + K4, PHYS + M2)
    assert c.access(V) == PHYS + M2                  # PCID 0 caches the PDE -> PTE table
    c.write_cr3(pcid=1)
    m.vunmap_range(V, V + K4)
    m.ioremap_page_range(V, V + M2, PHYS)            # pmd_free_pte_page: INVLPG under PCID 1
    assert [(r.kind, r.site, r.cpu) for r in m.reports] == [
        ("StalePagingStructureCache", "pmd_free_pte_page", 0)]
    assert "PCID 0" in m.reports[0].message
    assert any(e.level == "pmd" and e.pcid == 0 for e in c.psc_entries())
    c.write_cr3(pcid=0, noflush=True)
    vas = array("Q", [V + 123])
    exp = oracle(m, vas)
    assert list(exp) == [PHYS + 123]
    assert list(c.translate_many(vas)) == [FAULT]    # walked the freed PTE table
    assert m.reports[-1].kind == "PageTableUseAfterFree"
    # with the PCID left behind flushed (what ZeroFalsePositives does), nothing is reported
    m2 = ptlib.Machine(cpus=1, kernel="v4.18", ram_pages=1 << 12)
    c2 = m2.cpus[0]
    c2.set_cr4(pcide=True)
    m2.ioremap_page_range(V, V + K4, PHYS + M2)
    c2.access(V)
    c2.write_cr3(pcid=1)
    c2.invpcid(1, pcid=0)
    m2.vunmap_range(V, V + K4)
    m2.ioremap_page_range(V, V + M2, PHYS)
    c2.write_cr3(pcid=0, noflush=True)
    assert c2.translate_many(vas) == oracle(m2, vas) and m2.reports == []
