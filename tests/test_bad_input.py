# SPDX-License-Identifier: GPL-2.0-only
"""Bad input from Python: every one raises a typed exception whose message names the argument
(``InvalidArgument``, also a ``ValueError``, or ``TypeError``) -- never a crash, a hang, or a
garbage value handed to the C core -- and the machine works normally afterwards.

Messages have the form ``"<argument>: <rule>"`` (``"start/end: ..."`` when the rule is about
both), so the tests match the argument name in the part before the first colon.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import ptlib

V = ptlib.VMALLOC_START
VEND = ptlib.VMALLOC_END + 1                 # exclusive end of the vmalloc area
K4, M2, G1 = ptlib.PAGE_SIZE, ptlib.PMD_SIZE, ptlib.PUD_SIZE
PHYS = 0x40_0000_0000                        # MMIO base, 1 GiB aligned, above RAM
PHYS_LIMIT = 1 << 52
U64 = 1 << 64
RAM_PAGES = 4096
RAM = RAM_PAGES * K4
NX = 1 << 63

IA = ptlib.InvalidArgument

# A known-good va for the "machine still works" probe, away from everything the tests touch.
PROBE_VA = V + 7 * G1


def names(*args: str) -> str:
    """Regex: the message's prefix (before the first ':') names one of args."""
    alts = "|".join(re.escape(a) for a in args)
    return rf"^[\w/]*?\b(?:{alts})\b[\w/]*:"


def snapshot(m: ptlib.Machine) -> dict[str, Any]:
    st_ = m.pages
    return {"allocated": st_.allocated, "allocs": st_.allocs, "frees": st_.frees,
            "failed": st_.failed, "by_owner": st_.by_owner, "op": m.op,
            "mappings": m.mappings(), "flushes": len(m.flushes), "reports": len(m.reports)}


def assert_sane(m: ptlib.Machine) -> None:
    assert m.leaked_tables() == {"pgd": 0, "pud": 0, "pmd": 0, "pte": 0}
    assert m.reachable_tables()["bad_pointers"] == 0
    assert m.pages.by_owner["temp"] == 0
    assert m.walk(V).va == V


def assert_works(m: ptlib.Machine) -> None:
    """A valid ioremap/vunmap round trip succeeds and leaves nothing behind."""
    before = m.pages.allocated
    assert m.ioremap_page_range(PROBE_VA, PROBE_VA + 2 * K4, PHYS + 2 * G1) == 0
    w = m.walk(PROBE_VA + K4)
    assert (w.pa, w.page_size) == (PHYS + 2 * G1 + K4, K4)
    m.vunmap_range(PROBE_VA, PROBE_VA + 2 * K4)
    assert m.walk(PROBE_VA).pa is None
    # the tables built for the probe stay (vunmap never frees tables), nothing else changes
    assert m.pages.allocated >= before
    assert_sane(m)


def rejected(m: ptlib.Machine, exc: type[BaseException], argnames: tuple[str, ...] | str,
             call: Callable[[], Any], *, reaches_core: bool = False,
             also: str | None = None,
             check: Callable[[], None] | None = None) -> BaseException:
    """call() raises exc naming one of argnames; nothing in the machine changed (not even
    the operation counter unless the core itself had to look); the machine still works."""
    if isinstance(argnames, str):
        argnames = (argnames,)
    before = snapshot(m)
    with pytest.raises(exc, match=names(*argnames)) as info:
        call()
    e = info.value
    assert type(e) is exc                    # exactly the documented type, not a subclass
    if exc is IA:
        assert isinstance(e, ValueError) and isinstance(e, ptlib.PtlibError)
    if also is not None:
        assert re.search(also, str(e)), str(e)
    after = snapshot(m)
    if reaches_core:                         # only the op counter may move
        before.pop("op"), after.pop("op")
    assert after == before
    if check is not None:                    # more state checks, before the probe below
        check()
    assert_works(m)
    return e


@pytest.fixture
def mach() -> ptlib.Machine:
    return ptlib.Machine(cpus=2, ram_pages=RAM_PAGES)


@pytest.fixture
def mapped() -> ptlib.Machine:
    """A machine with a 1 GiB leaf at V and a 2 MiB leaf plus a 4 KiB leaf at V + G1."""
    m = ptlib.Machine(cpus=2, ram_pages=RAM_PAGES)
    m.ioremap_page_range(V, V + G1, PHYS)
    m.ioremap_page_range(V + G1, V + G1 + M2 + K4, PHYS + G1)
    assert [(x.va, x.size) for x in m.mappings()] == [(V, G1), (V + G1, M2),
                                                       (V + G1 + M2, K4)]
    return m


RANGE_FNS = ["ioremap_page_range", "vunmap_range", "vunmap_range_noflush"]


def range_call(m: ptlib.Machine, fn: str, start: Any, end: Any,
               phys: Any = PHYS, prot: Any = ptlib.PAGE_KERNEL_IO) -> Callable[[], Any]:
    if fn == "ioremap_page_range":
        return lambda: m.ioremap_page_range(start, end, phys, prot)
    return lambda: getattr(m, fn)(start, end)


# ---------------------------------------------------------------- empty and reversed ranges

@pytest.mark.parametrize("fn", RANGE_FNS)
@pytest.mark.parametrize("start,end", [
    (V, V), (V + M2, V + M2), (VEND - K4, VEND - K4),                  # empty
    (V + K4, V), (V + M2, V + K4), (VEND, V), (VEND - K4, V + G1),      # reversed
])
def test_empty_or_reversed_range(mapped, fn, start, end):
    e = rejected(mapped, IA, "end", range_call(mapped, fn, start, end),
                 also="empty or reversed")
    assert isinstance(e, ValueError)


@pytest.mark.parametrize("addr,size", [(V, 0), (V + G1, 0)])
def test_unmap_kernel_range_empty(mapped, addr, size):
    rejected(mapped, IA, "size", lambda: mapped.unmap_kernel_range(addr, size))


def test_empty_flush_range_is_allowed_but_reversed_is_not(mach):
    n = len(mach.flushes)
    mach.flush_tlb_kernel_range(V, V)         # the kernel allows an empty flush
    assert len(mach.flushes) == n + 1
    rejected(mach, IA, "end", lambda: mach.flush_tlb_kernel_range(V + K4, V))


# ---------------------------------------------------------------------- alignment

@pytest.mark.parametrize("fn", RANGE_FNS)
@pytest.mark.parametrize("start,end,bad", [
    (V + 1, V + 2 * K4, "start"), (V + 0x800, V + 2 * K4, "start"),
    (V + K4 - 1, V + 2 * K4, "start"),
    (V, V + K4 + 1, "end"), (V, V + 0xfff, "end"), (V, V + M2 - 1, "end"),
])
def test_unaligned_range(mapped, fn, start, end, bad):
    rejected(mapped, IA, bad, range_call(mapped, fn, start, end), also="aligned")


@pytest.mark.parametrize("addr,size", [(V + 1, K4), (V, 100), (V, K4 + 1), (V + 0x800, K4)])
def test_unmap_kernel_range_unaligned(mapped, addr, size):
    rejected(mapped, IA, ("addr", "size"), lambda: mapped.unmap_kernel_range(addr, size),
             also="aligned")


@pytest.mark.parametrize("phys", [PHYS + 1, PHYS + 0x800, PHYS + K4 - 1, 0xfff, 1])
def test_ioremap_unaligned_phys(mach, phys):
    rejected(mach, IA, "phys", lambda: mach.ioremap_page_range(V, V + K4, phys),
             also="aligned")


@pytest.mark.parametrize("fn,va,phys,bad", [
    ("pmd_set_huge", V + K4, PHYS, "va"), ("pmd_set_huge", V + M2 // 2, PHYS, "va"),
    ("pmd_set_huge", V + 1, PHYS, "va"),
    ("pmd_set_huge", V, PHYS + K4, "phys"), ("pmd_set_huge", V, PHYS + M2 // 2, "phys"),
    ("pud_set_huge", V + M2, PHYS, "va"), ("pud_set_huge", V + K4, PHYS, "va"),
    ("pud_set_huge", V + G1 // 2, PHYS, "va"),
    ("pud_set_huge", V, PHYS + M2, "phys"), ("pud_set_huge", V, PHYS + K4, "phys"),
])
def test_set_huge_alignment(mapped, fn, va, phys, bad):
    rejected(mapped, IA, bad, lambda: getattr(mapped, fn)(va, phys), also="aligned")


@pytest.mark.parametrize("fn,va", [
    ("pmd_clear_huge", V + G1 + K4), ("pmd_free_pte_page", V + G1 + K4),
    ("pud_clear_huge", V + M2), ("pud_free_pmd_page", V + M2),
    ("pud_clear_huge", V + G1 + M2),
])
def test_clear_free_unaligned_va(mapped, fn, va):
    rejected(mapped, IA, "va", lambda: getattr(mapped, fn)(va), also="aligned")


# --------------------------------------------------------------- non-canonical addresses

NONCANON = [
    0x0000_8000_0000_0000,        # first address of the hole
    0xffff_0000_0000_0000,        # last part of the hole
    0x8000_0000_0000_0000,
    0x7fff_8000_0000_0000,
    0x0000_c900_0000_0000,        # V with bits 63..48 cleared: aliases V's PGD slot
    0x0000_c900_4000_0000,        # aliases V + G1
]


@pytest.mark.parametrize("fn", RANGE_FNS)
@pytest.mark.parametrize("start", NONCANON)
def test_noncanonical_range(mapped, fn, start):
    rejected(mapped, IA, "start", range_call(mapped, fn, start, start + M2 + K4),
             also="canonical")


@pytest.mark.parametrize("addr", NONCANON)
def test_noncanonical_unmap_kernel_range(mapped, addr):
    rejected(mapped, IA, "addr", lambda: mapped.unmap_kernel_range(addr, M2 + K4),
             also="canonical")


ONE_ENTRY = {
    "pmd_set_huge": lambda m, va: m.pmd_set_huge(va, PHYS + 3 * G1),
    "pud_set_huge": lambda m, va: m.pud_set_huge(va, PHYS + 3 * G1),
    "pmd_clear_huge": lambda m, va: m.pmd_clear_huge(va),
    "pud_clear_huge": lambda m, va: m.pud_clear_huge(va),
    "pmd_free_pte_page": lambda m, va: m.pmd_free_pte_page(va),
    "pud_free_pmd_page": lambda m, va: m.pud_free_pmd_page(va),
}


@pytest.mark.parametrize("fn", sorted(ONE_ENTRY))
@pytest.mark.parametrize("va", NONCANON)
def test_noncanonical_va(mapped, fn, va):
    """The aliases of V and V + G1 would hit the real leaves there if they reached the core;
    ``rejected`` checks that every leaf is still there."""
    rejected(mapped, IA, "va", lambda: ONE_ENTRY[fn](mapped, va), also="canonical")


@pytest.mark.parametrize("va", NONCANON)
def test_noncanonical_walk(mapped, va):
    rejected(mapped, IA, "va", lambda: mapped.walk(va), also="canonical")


@pytest.mark.parametrize("start", NONCANON)
def test_noncanonical_flush(mach, start):
    rejected(mach, IA, "start", lambda: mach.flush_tlb_kernel_range(start, start + K4),
             also="canonical")


@pytest.mark.parametrize("start", NONCANON)
def test_noncanonical_mappings(mapped, start):
    """Before the fix, mappings(0x0000c90000000000, ...) listed V's leaves at the alias."""
    rejected(mapped, IA, "start", lambda: mapped.mappings(start, start + G1),
             also="canonical")


@pytest.mark.parametrize("start,end", [(0, U64), (0, VEND), (0x7fff_ffff_f000, V + K4),
                                       (0, 0x0000_8000_0000_1000)])
def test_mappings_through_the_hole(mapped, start, end):
    rejected(mapped, IA, "end", lambda: mapped.mappings(start, end), also="hole")


def test_mappings_valid_halves(mapped):
    assert mapped.mappings(0, 0x0000_8000_0000_0000) == []
    assert [x.va for x in mapped.mappings(0xffff_8000_0000_0000, U64)] == [
        V, V + G1, V + G1 + M2]


# ------------------------------------------------------------ outside the vmalloc area

OUTSIDE = [
    (V - K4, V),                                  # canonical kernel address just below
    (V - M2, V + K4),                             # starts below, ends inside
    (0xffff_8880_0000_0000, 0xffff_8880_0000_1000),   # direct map
    (0xffff_ffff_8000_0000, 0xffff_ffff_8020_0000),   # kernel text
    (VEND, VEND + K4),                            # just above
    (VEND - K4, VEND + K4),                       # starts inside, ends after VMALLOC_END+1
    (V, VEND + K4),
    (0, K4), (0x40_0000, 0x40_1000),              # user space
    (0x7fff_ffff_f000, 0x8000_0000_0000),         # last user page
]


@pytest.mark.parametrize("fn", RANGE_FNS)
@pytest.mark.parametrize("start,end", OUTSIDE)
def test_range_outside_vmalloc(mapped, fn, start, end):
    e = rejected(mapped, IA, "start", range_call(mapped, fn, start, end), also="vmalloc")
    assert re.match(names("end"), str(e))


@pytest.mark.parametrize("start,end", OUTSIDE)
def test_unmap_kernel_range_outside_vmalloc(mapped, start, end):
    rejected(mapped, IA, ("addr", "size"),
             lambda: mapped.unmap_kernel_range(start, end - start), also="vmalloc")


def test_vmalloc_edges_are_accepted(mach):
    """The checks are not off by one: the first and last page of the area map."""
    mach.ioremap_page_range(V, V + K4, PHYS)
    mach.ioremap_page_range(VEND - K4, VEND, PHYS + K4)
    assert mach.walk(VEND - 1).pa == PHYS + 2 * K4 - 1
    mach.unmap_kernel_range(VEND - K4, K4)
    assert mach.walk(VEND - K4).pa is None
    assert_sane(mach)


@pytest.mark.parametrize("fn", sorted(ONE_ENTRY))
@pytest.mark.parametrize("va", [0, G1, 0x7fff_c000_0000, 0xffff_8880_0000_0000,
                                0xffff_ffff_8000_0000, VEND, V - G1])
def test_one_entry_outside_vmalloc(mapped, fn, va):
    """No table covers these vas: the core says so and nothing is allocated or changed."""
    rejected(mapped, IA, "va", lambda: ONE_ENTRY[fn](mapped, va), reaches_core=True,
             also="no table")


# ------------------------------------------- phys limit, negative and >= 2**64 numbers

@pytest.mark.parametrize("phys,size", [
    (PHYS_LIMIT, K4), (PHYS_LIMIT - K4, 2 * K4), (PHYS_LIMIT - K4, M2),
    (1 << 60, K4), (U64 - K4, K4),
])
def test_ioremap_phys_beyond_limit(mach, phys, size):
    rejected(mach, IA, "phys", lambda: mach.ioremap_page_range(V, V + size, phys),
             also="52-bit")


def test_ioremap_phys_at_limit_is_accepted(mach):
    mach.ioremap_page_range(V, V + K4, PHYS_LIMIT - K4)
    assert mach.walk(V).pa == PHYS_LIMIT - K4
    assert_sane(mach)


@pytest.mark.parametrize("fn,phys", [
    ("pmd_set_huge", PHYS_LIMIT), ("pmd_set_huge", 1 << 60),
    ("pmd_set_huge", 1 << 62), ("pud_set_huge", PHYS_LIMIT), ("pud_set_huge", 1 << 62),
])
def test_set_huge_phys_beyond_limit(mapped, fn, phys):
    rejected(mapped, IA, "phys", lambda: getattr(mapped, fn)(V + G1, phys), also="52-bit")


BIG = [-1, -K4, -(1 << 63), U64, U64 + K4, 1 << 100, -(1 << 100)]


@pytest.mark.parametrize("fn", RANGE_FNS)
@pytest.mark.parametrize("value", BIG)
@pytest.mark.parametrize("which", ["start", "end"])
def test_range_out_of_u64(mapped, fn, value, which):
    start, end = (value, V + K4) if which == "start" else (V, value)
    rejected(mapped, IA, which, range_call(mapped, fn, start, end), also="64-bit")


@pytest.mark.parametrize("value", BIG)
@pytest.mark.parametrize("which", ["phys", "prot"])
def test_ioremap_phys_prot_out_of_u64(mach, value, which):
    kw = {"phys": PHYS, "prot": ptlib.PAGE_KERNEL_IO, which: value}
    rejected(mach, IA, which, lambda: mach.ioremap_page_range(V, V + K4, **kw),
             also="64-bit")


@pytest.mark.parametrize("value", BIG)
@pytest.mark.parametrize("fn", sorted(ONE_ENTRY))
def test_one_entry_va_out_of_u64(mapped, fn, value):
    rejected(mapped, IA, "va", lambda: ONE_ENTRY[fn](mapped, value), also="64-bit")


@pytest.mark.parametrize("value", BIG)
@pytest.mark.parametrize("fn", ["pmd_set_huge", "pud_set_huge"])
def test_set_huge_phys_out_of_u64(mapped, fn, value):
    rejected(mapped, IA, "phys", lambda: getattr(mapped, fn)(V + G1, value))


@pytest.mark.parametrize("addr,size,bad", [
    (-K4, K4, "addr"), (U64, K4, "addr"), (V, -K4, "size"), (V, U64, "size"),
    (U64 - K4, 2 * K4, "addr"),               # addr + size overflows 64 bits
])
def test_unmap_kernel_range_out_of_u64(mapped, addr, size, bad):
    rejected(mapped, IA, bad, lambda: mapped.unmap_kernel_range(addr, size))


@pytest.mark.parametrize("start,end,bad", [
    (-K4, V, "start"), (U64, U64, "start"), (V, U64, "end"), (V, -1, "end"),
])
def test_flush_out_of_u64(mach, start, end, bad):
    rejected(mach, IA, bad, lambda: mach.flush_tlb_kernel_range(start, end))


@pytest.mark.parametrize("start,end", [
    (U64 - 2 * K4, U64 - 2), (U64 - K4, U64 - 2), (U64 - K4 + 1, U64 - 2),
    (U64 - 33 * K4, U64 - K4 + 1),
])
def test_flush_end_in_last_page(mach, start, end):
    """The per-page INVLPG loop (addr += PAGE_SIZE while addr < end) wrapped past 2**64 and
    never ended for these ranges; they are rejected now."""
    rejected(mach, IA, "end", lambda: mach.flush_tlb_kernel_range(start, end),
             also="TLB_FLUSH_ALL")


def test_flush_to_top_is_a_full_flush(mach):
    mach.flush_tlb_kernel_range(U64 - 2 * K4, U64 - 1)       # TLB_FLUSH_ALL
    mach.flush_tlb_kernel_range(U64 - 3 * K4, U64 - K4)      # two pages, below the top
    assert [(f.full, f.pages) for f in mach.flushes[-2:]] == [(True, 0), (False, 2)]


@pytest.mark.parametrize("va", [-1, U64, 1 << 80])
def test_walk_out_of_u64(mach, va):
    rejected(mach, IA, "va", lambda: mach.walk(va))


@pytest.mark.parametrize("start,end,bad", [(-1, VEND, "start"), (V, U64 + 1, "end"),
                                           (V, V, "end"), (V + K4, V, "end")])
def test_mappings_bad_range(mapped, start, end, bad):
    rejected(mapped, IA, bad, lambda: mapped.mappings(start, end))


# ------------------------------------------------------------------------------- prot

BAD_PROT = [1 << 9, 1 << 11, 1 << 12, 1 << 40, 1 << 52, 1 << 62, U64 - 1,
            ptlib.PAGE_KERNEL | 1 << 12]


@pytest.mark.parametrize("prot", BAD_PROT)
def test_ioremap_bad_prot(mach, prot):
    rejected(mach, IA, "prot", lambda: mach.ioremap_page_range(V, V + K4, PHYS, prot),
             also="bits outside")


@pytest.mark.parametrize("prot", BAD_PROT)
@pytest.mark.parametrize("fn,va,phys", [("pmd_set_huge", V + G1, PHYS),
                                        ("pud_set_huge", V + G1, PHYS)])
def test_set_huge_bad_prot(mapped, prot, fn, va, phys):
    rejected(mapped, IA, "prot", lambda: getattr(mapped, fn)(va, phys, prot),
             also="bits outside")


@pytest.mark.parametrize("prot", [0x1FF | NX, ptlib.PAGE_KERNEL_IO_NOCACHE,
                                  ptlib.PAGE_KERNEL_IO_WC, ptlib.PAGE_KERNEL_RO])
def test_every_flag_bit_is_accepted(mach, prot):
    mach.ioremap_page_range(V, V + K4, PHYS, prot)
    assert mach.mappings()[0].pa == PHYS
    assert_sane(mach)


# ------------------------------------------------------------------- the constructor

def ctor_rejected(exc: type[BaseException], argname: str, also: str | None = None,
                  **kwargs: Any) -> None:
    with pytest.raises(exc, match=names(argname)) as info:
        ptlib.Machine(**kwargs)
    assert type(info.value) is exc
    if exc is IA:
        assert isinstance(info.value, ValueError)
    if also is not None:
        assert re.search(also, str(info.value)), str(info.value)
    # another machine can still be made and used
    assert_works(ptlib.Machine(ram_pages=RAM_PAGES))


@pytest.mark.parametrize("paging", ["3level", "2level", "", "4-level", "4LEVEL", "5Level"])
def test_unknown_paging(paging):
    ctor_rejected(IA, "paging", also="unknown", paging=paging)


@pytest.mark.parametrize("paging", ["5level", "pae"])
def test_planned_paging_not_implemented(paging):
    ctor_rejected(IA, "paging", also="not implemented", paging=paging)


@pytest.mark.parametrize("kernel", ["v9.99", "", "4.18", "V4.18", "v4.18 "])
def test_unknown_kernel(kernel):
    ctor_rejected(IA, "kernel", also="unknown profile", kernel=kernel)


@pytest.mark.parametrize("knob", ["foo", "ioremap_pmd", "PAGING", "ram"])
def test_unknown_knob(knob):
    ctor_rejected(IA, knob, also="not a Machine argument", **{knob: 1})


@pytest.mark.parametrize("value", [2, -1, "yes", None, 1.0])
def test_bad_knob_value(value):
    ctor_rejected(IA, "ioremap_pud_capable", ioremap_pud_capable=value)


@pytest.mark.parametrize("cpus", [0, 65, -1, 1 << 64])
def test_bad_cpus(cpus):
    ctor_rejected(IA, "cpus", cpus=cpus)


@pytest.mark.parametrize("ram_pages", [0, 15, -1, 2 ** 27, (1 << 26) + 1])
def test_bad_ram_pages(ram_pages):
    ctor_rejected(IA, "ram_pages", ram_pages=ram_pages)


@pytest.mark.parametrize("seed", [-1, U64])
def test_bad_seed(seed):
    ctor_rejected(IA, "seed", seed=seed)


def test_constructor_edges_are_accepted():
    m = ptlib.Machine(cpus=64, ram_pages=16, ioremap_pud_capable=False)
    assert len(m.cpus) == 64 and m.pages.ram_pages == 16
    assert m.knobs["ioremap_pud_capable"] is False


@pytest.mark.parametrize("kwargs,argname", [
    ({"paging": 4}, "paging"), ({"paging": None}, "paging"), ({"paging": b"4level"}, "paging"),
    ({"kernel": None}, "kernel"), ({"kernel": 4.18}, "kernel"),
    ({"cpus": "2"}, "cpus"), ({"cpus": 2.0}, "cpus"), ({"cpus": True}, "cpus"),
    ({"cpus": None}, "cpus"),
    ({"ram_pages": 4096.0}, "ram_pages"), ({"ram_pages": "4096"}, "ram_pages"),
    ({"ram_pages": True}, "ram_pages"),
    ({"seed": None}, "seed"), ({"seed": 1.5}, "seed"), ({"seed": False}, "seed"),
])
def test_constructor_wrong_types(kwargs, argname):
    ctor_rejected(TypeError, argname, also="expected", **kwargs)


# ----------------------------------------------------------------- wrong Python types

WRONG = ["0x1000", 1.5, 4096.0, None, True, False, b"\x00", [4096], object()]


@pytest.mark.parametrize("value", WRONG, ids=repr)
@pytest.mark.parametrize("which", ["start", "end", "phys", "prot"])
def test_ioremap_wrong_types(mach, value, which):
    kw = {"start": V, "end": V + K4, "phys": PHYS, "prot": ptlib.PAGE_KERNEL_IO,
          which: value}
    rejected(mach, TypeError, which, lambda: mach.ioremap_page_range(**kw), also="expected int")


@pytest.mark.parametrize("value", WRONG, ids=repr)
@pytest.mark.parametrize("fn", ["vunmap_range", "vunmap_range_noflush", "flush_tlb_kernel_range",
                                "mappings"])
@pytest.mark.parametrize("which", ["start", "end"])
def test_range_wrong_types(mapped, value, fn, which):
    kw = {"start": V, "end": V + K4, which: value}
    rejected(mapped, TypeError, which, lambda: getattr(mapped, fn)(**kw), also="expected int")


@pytest.mark.parametrize("value", WRONG, ids=repr)
@pytest.mark.parametrize("which", ["addr", "size"])
def test_unmap_kernel_range_wrong_types(mapped, value, which):
    kw = {"addr": V, "size": K4, which: value}
    rejected(mapped, TypeError, which, lambda: mapped.unmap_kernel_range(**kw),
             also="expected int")


@pytest.mark.parametrize("value", WRONG, ids=repr)
@pytest.mark.parametrize("fn", sorted(ONE_ENTRY))
def test_one_entry_va_wrong_types(mapped, value, fn):
    rejected(mapped, TypeError, "va", lambda: ONE_ENTRY[fn](mapped, value), also="expected int")


@pytest.mark.parametrize("value", WRONG, ids=repr)
@pytest.mark.parametrize("fn", ["pmd_set_huge", "pud_set_huge"])
@pytest.mark.parametrize("which", ["phys", "prot"])
def test_set_huge_wrong_types(mapped, value, fn, which):
    kw = {"va": V + G1, "phys": PHYS, "prot": ptlib.PAGE_KERNEL_IO, which: value}
    rejected(mapped, TypeError, which, lambda: getattr(mapped, fn)(**kw), also="expected int")


@pytest.mark.parametrize("value", WRONG, ids=repr)
def test_inspection_wrong_types(mapped, value):
    rejected(mapped, TypeError, "va", lambda: mapped.walk(value))
    rejected(mapped, TypeError, "va", lambda: mapped.translate(value))
    rejected(mapped, TypeError, "pfn", lambda: mapped.frame(value))


@pytest.mark.parametrize("value", WRONG, ids=repr)
def test_ram_wrong_types(mach, value):
    rejected(mach, TypeError, "pa", lambda: mach.read_phys(value, 1))
    rejected(mach, TypeError, "n", lambda: mach.read_phys(K4, value))
    rejected(mach, TypeError, "pa", lambda: mach.write_phys(value, b"x"))
    rejected(mach, TypeError, "pa", lambda: mach.free_page(value))
    rejected(mach, TypeError, "n", lambda: mach.fail_nth(value))


@pytest.mark.parametrize("data", ["ab", "", None, 7, [1, 2], (0,), 1.5], ids=repr)
def test_write_phys_non_bytes(mach, data):
    pa = K4 * 100
    old = mach.read_phys(pa, 8)
    rejected(mach, TypeError, "data", lambda: mach.write_phys(pa, data), also="expected bytes")
    assert mach.read_phys(pa, 8) == old


@pytest.mark.parametrize("data", [b"ab", bytearray(b"ab"), memoryview(b"ab")], ids=repr)
def test_write_phys_bytes_like_is_accepted(mach, data):
    mach.write_phys(K4 * 100, data)
    assert mach.read_phys(K4 * 100, 2) == b"ab"


# ------------------------------------------------------------ one-entry, no table there

@pytest.mark.parametrize("fn", sorted(ONE_ENTRY))
@pytest.mark.parametrize("va", [V, V + G1, VEND - G1])
def test_one_entry_no_table_fresh(mach, fn, va):
    e = rejected(mach, IA, "va", lambda: ONE_ENTRY[fn](mach, va), reaches_core=True,
                 also="no table")
    assert f"{va:#x}" in str(e)


@pytest.mark.parametrize("fn,va", [
    # the PMD level under V does not exist: V is a 1 GiB leaf
    ("pmd_set_huge", V), ("pmd_clear_huge", V), ("pmd_free_pte_page", V),
    ("pmd_set_huge", V + 3 * M2), ("pmd_free_pte_page", V + 5 * M2),
    # a PUD table exists (same PGD slot) but no PMD table under V + 2 GiB
    ("pmd_clear_huge", V + 2 * G1), ("pmd_free_pte_page", V + 2 * G1),
    # no PUD table at all in the last PGD slot of the area
    ("pud_set_huge", VEND - G1), ("pud_free_pmd_page", VEND - G1),
])
def test_one_entry_no_table_mapped(mapped, fn, va):
    rejected(mapped, IA, "va", lambda: ONE_ENTRY[fn](mapped, va), reaches_core=True,
             also="no table")


def test_one_entry_with_table_answers(mapped):
    """Control: where the table exists the same calls work (so 'no table' is not blanket)."""
    assert mapped.pud_clear_huge(V + 2 * G1) == 0            # empty PUD entry
    assert mapped.pmd_clear_huge(V + G1) == 1                # the 2 MiB leaf
    assert mapped.walk(V + G1).pa is None
    assert mapped.pud_set_huge(V + 2 * G1, PHYS + 2 * G1) == 1
    assert mapped.walk(V + 2 * G1).page_size == G1


# ------------------------------------------------------------------ RAM and allocator

@pytest.mark.parametrize("pa,n,bad", [
    (RAM, 1, "pa"), (RAM - 1, 2, "pa"), (RAM + K4, 0, "pa"), (PHYS_LIMIT, 1, "pa"),
    (0, RAM + 1, "n"), (K4, RAM, "n"), (0, 1 << 40, "n"), (0, U64, "n"), (0, 1 << 80, "n"),
    (-1, 1, "pa"), (U64, 1, "pa"), (0, -1, "n"), (K4, -K4, "n"),
])
def test_read_phys_bad(mach, pa, n, bad):
    """(0, 1 << 40) used to try to allocate a 1 TiB buffer (MemoryError) and (0, 2**64)
    overflowed in cffi before RAM bounds were checked."""
    rejected(mach, IA, bad, lambda: mach.read_phys(pa, n))


def test_read_phys_edges_are_accepted(mach):
    assert mach.read_phys(RAM - 4, 4) == bytes(4)
    assert mach.read_phys(RAM, 0) == b""
    assert len(mach.read_phys(0, RAM)) == RAM


@pytest.mark.parametrize("pa,data", [
    (RAM, b"x"), (RAM - 1, b"ab"), (RAM - K4, bytes(K4 + 1)), (PHYS, b"x"), (-1, b"x"),
    (U64, b"x"), (U64 - 1, b"ab"),
])
def test_write_phys_outside_ram(mach, pa, data):
    tail = mach.read_phys(RAM - K4, K4)
    rejected(mach, IA, "pa", lambda: mach.write_phys(pa, data))
    assert mach.read_phys(RAM - K4, K4) == tail


def _pte_table_pa(m: ptlib.Machine) -> int:
    w = m.walk(V + G1 + M2)                     # the 4 KiB leaf: pgd, pud, pmd, pte entries
    assert [lvl for lvl, _ in w.entries] == ["pgd", "pud", "pmd", "pte"]
    pmd_entry = dict(w.entries)["pmd"]
    return pmd_entry & ((1 << 52) - 1) & ~(K4 - 1)


@pytest.mark.parametrize("which", ["root", "pte_table", "free", "reserved", "freed_data",
                                   "unaligned_data", "beyond_ram", "negative", "huge"])
def test_free_page_bad(mapped, which):
    data = mapped.alloc_page()
    freed = mapped.alloc_page()
    mapped.free_page(freed)
    pa = {"root": mapped.root, "pte_table": _pte_table_pa(mapped), "free": RAM - K4,
          "reserved": 0, "freed_data": freed, "unaligned_data": data + 8,
          "beyond_ram": RAM, "negative": -K4, "huge": U64}[which]
    frame = mapped.frame(pa // K4) if 0 <= pa < RAM else None
    if which in ("root", "pte_table", "freed_data", "free", "reserved", "unaligned_data"):
        assert frame is not None

    def unchanged() -> None:
        if frame is not None:
            assert mapped.frame(pa // K4) == frame
        assert mapped.reports == []            # no BadPageState: nothing reached the core

    rejected(mapped, IA, "pa", lambda: mapped.free_page(pa), check=unchanged)
    mapped.free_page(data)                     # the good free still works
    assert mapped.frame(data // K4)["state"] == "free"


@pytest.mark.parametrize("n", [-1, -(1 << 70), U64, 1 << 100])
def test_fail_nth_bad(mach, n):
    """(2**64 used to raise an unnamed OverflowError from cffi.)  ``rejected`` then runs
    an ioremap, which would fail if an allocation failure had been armed."""
    rejected(mach, IA, "n", lambda: mach.fail_nth(n))


def test_fail_nth_edges_are_accepted(mach):
    mach.fail_nth(U64 - 1)
    mach.fail_nth(0)
    mach.fail_nth(1)
    with pytest.raises(ptlib.OutOfMemory):
        mach.alloc_page()


MTRR_OK_BASE = PHYS + K4       # a UC MTRR here makes [PHYS, PHYS + 2 MiB) non-uniform


def assert_no_mtrr_effect(m: ptlib.Machine) -> None:
    """With no MTRR (or a uniform one) [PHYS, PHYS + 2 MiB) maps as one 2 MiB leaf."""
    m.ioremap_page_range(V + 5 * G1, V + 5 * G1 + M2, PHYS)
    assert [x.size for x in m.mappings(V + 5 * G1, V + 6 * G1)] == [M2]


def test_mtrr_control(mach):
    """Control for assert_no_mtrr_effect: a real UC MTRR splits the range into 4 KiB pages."""
    mach.add_mtrr(MTRR_OK_BASE, K4, "UC")
    mach.ioremap_page_range(V + 5 * G1, V + 5 * G1 + M2, PHYS)
    assert len(mach.mappings(V + 5 * G1, V + 6 * G1)) == 512


@pytest.mark.parametrize("base,size,type_,bad", [
    (MTRR_OK_BASE, K4, "XX", "type"), (MTRR_OK_BASE, K4, "uc", "type"),
    (MTRR_OK_BASE, K4, "", "type"), (MTRR_OK_BASE, K4, "UC ", "type"),
    (MTRR_OK_BASE, 0, "UC", "size"), (MTRR_OK_BASE, 100, "UC", "size"),
    (MTRR_OK_BASE, K4 + 1, "UC", "size"), (MTRR_OK_BASE, -K4, "UC", "size"),
    (MTRR_OK_BASE, U64, "UC", "size"), (MTRR_OK_BASE, PHYS_LIMIT, "UC", "size"),
    (MTRR_OK_BASE + 1, K4, "UC", "base"), (PHYS_LIMIT + K4, K4, "UC", "base"),
    (PHYS_LIMIT - K4, 2 * K4, "UC", "size"), (PHYS_LIMIT, K4, "UC", "size"),
    (-K4, K4, "UC", "base"), (U64, K4, "UC", "base"),
])
def test_add_mtrr_bad(mach, base, size, type_, bad):
    rejected(mach, IA, bad, lambda: mach.add_mtrr(base, size, type_))
    assert_no_mtrr_effect(mach)


@pytest.mark.parametrize("base,size,type_,bad", [
    (MTRR_OK_BASE, K4, None, "type"), (MTRR_OK_BASE, K4, 0, "type"),
    (MTRR_OK_BASE, K4, ["UC"], "type"), (MTRR_OK_BASE, K4, b"UC", "type"),
    ("0", K4, "UC", "base"), (MTRR_OK_BASE, 4096.0, "UC", "size"),
    (True, K4, "UC", "base"), (MTRR_OK_BASE, None, "UC", "size"),
])
def test_add_mtrr_wrong_types(mach, base, size, type_, bad):
    """(type=["UC"] used to raise an unnamed 'unhashable type' TypeError.)"""
    rejected(mach, TypeError, bad, lambda: mach.add_mtrr(base, size, type_))
    assert_no_mtrr_effect(mach)


def test_add_mtrr_table_full(mach):
    for i in range(16):
        mach.add_mtrr(PHYS_LIMIT - (i + 1) * K4, K4, "WB")
    rejected(mach, IA, "base", lambda: mach.add_mtrr(MTRR_OK_BASE, K4, "UC"), also="no room")
    assert_no_mtrr_effect(mach)


# --------------------------------------------------------------------- random garbage

_INTERESTING = [0, 1, -1, K4, M2, G1, V, VEND, V + K4, V + M2, V + G1, VEND - K4, VEND + K4,
                PHYS, PHYS_LIMIT, PHYS_LIMIT - K4, 1 << 12, 1 << 40, 1 << 63, U64 - 1, U64,
                0x0000_8000_0000_0000, 0xffff_0000_0000_0000, 0x0000_c900_0000_0000,
                ptlib.PAGE_KERNEL_IO, ptlib.PAGE_KERNEL_IO_NOCACHE, ptlib.PAGE_KERNEL_RO]
_ints = st.one_of(
    st.integers(),
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.sampled_from(_INTERESTING),
    st.integers(min_value=0, max_value=4096).map(lambda k: V + k * K4),
    st.integers(min_value=0, max_value=64).map(lambda k: V + k * M2),
    st.integers(min_value=0, max_value=1 << 20).map(lambda k: PHYS + k * K4),
)
_garbage = st.one_of(_ints, _ints, _ints, st.text(max_size=8), st.none(),
                     st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
                     st.binary(max_size=4))
_DELTAS = [1, -1, 0x800, K4, -K4, M2, -M2, 1 << 46, 1 << 47, 1 << 48, 1 << 52, 1 << 62,
           1 << 63, U64, -U64, 1 << 9, 1 << 12, 1 << 40]
_ANY_TYPE = [True, False, None, "0x1000", b"\x00", 1.0, float("nan")]
# One rule broken at a time; (index in [start, end, phys, prot], new value from the old args).
_SPOIL: list[tuple[int, Callable[[list[Any]], Any]]] = [
    (0, lambda a: a[0] + 1), (0, lambda a: a[0] + 0x800), (0, lambda a: a[0] - U64),
    (0, lambda a: a[0] + U64), (0, lambda a: a[0] & ((1 << 48) - 1)),   # non-canonical alias
    (0, lambda a: V - K4), (0, lambda a: 0), (0, lambda a: a[0] ^ (1 << 63)),
    (1, lambda a: a[1] - 1), (1, lambda a: a[1] + 0x800), (1, lambda a: a[0]),      # empty
    (1, lambda a: a[0] - K4), (1, lambda a: VEND + K4), (1, lambda a: a[1] + U64),
    (1, lambda a: a[1] - U64), (1, lambda a: U64),
    (2, lambda a: a[2] + 1), (2, lambda a: a[2] + 0x800), (2, lambda a: -K4),
    (2, lambda a: a[2] - U64), (2, lambda a: a[2] + U64), (2, lambda a: PHYS_LIMIT),
    (2, lambda a: PHYS_LIMIT - (a[1] - a[0]) + K4),                 # one page too far
    (3, lambda a: a[3] | 1 << 9), (3, lambda a: a[3] | 1 << 12), (3, lambda a: a[3] | 1 << 40),
    (3, lambda a: a[3] | 1 << 52), (3, lambda a: -1), (3, lambda a: a[3] - U64),
    (3, lambda a: a[3] + U64),
] + [(i, (lambda v: lambda a: v)(v)) for i in range(4) for v in _ANY_TYPE]


@st.composite
def _args(draw: Any) -> list[Any]:
    """[start, end, phys, prot]: a valid ioremap call, left alone, spoiled in exactly one
    rule (most often), or spoiled at random in up to three places."""
    start = draw(st.one_of(st.integers(0, 8192).map(lambda k: V + k * K4),
                           st.sampled_from([V, VEND - K4, VEND - M2, VEND - G1])))
    size = draw(st.one_of(st.sampled_from([K4, 2 * K4, M2, M2 + K4, G1, G1 + M2]),
                          st.integers(1, 1024).map(lambda k: k * K4)))
    end = min(start + size, VEND)
    phys = draw(st.one_of(st.integers(0, 1 << 20).map(lambda k: PHYS + k * K4),
                          st.sampled_from([0, PHYS, PHYS_LIMIT - G1 - M2])))
    prot = draw(st.sampled_from([ptlib.PAGE_KERNEL_IO, ptlib.PAGE_KERNEL_IO_NOCACHE,
                                 ptlib.PAGE_KERNEL_RO, ptlib.PAGE_KERNEL_EXEC, 0x1FF | NX]))
    args: list[Any] = [start, end, phys, prot]
    mode = draw(st.sampled_from(["valid", "one", "one", "one", "many"]))
    if mode == "one":
        i = draw(st.integers(0, 3))              # the argument first, then how to spoil it
        spoil = draw(st.sampled_from([f for j, f in _SPOIL if j == i]))
        args[i] = spoil(args)
    elif mode == "many":
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, 3))
            how = draw(st.sampled_from(["garbage", "offset", "swap"]))
            if how == "garbage":
                args[i] = draw(_garbage)
            elif how == "offset" and type(args[i]) is int:
                args[i] += draw(st.sampled_from(_DELTAS))
            elif how == "swap":
                args[0], args[1] = args[1], args[0]
    return args


def _is_int(*xs: Any) -> bool:
    return all(type(x) is int for x in xs)


def _range_valid(start: Any, end: Any) -> bool:
    return (_is_int(start, end) and start % K4 == 0 and end % K4 == 0
            and V <= start < end <= VEND)


def _ioremap_valid(start: Any, end: Any, phys: Any, prot: Any) -> bool:
    return (_range_valid(start, end) and _is_int(phys, prot) and phys >= 0
            and phys % K4 == 0 and phys + (end - start) <= PHYS_LIMIT
            and 0 <= prot < U64 and prot & ~(0x1FF | NX) == 0)


def _light_snapshot(m: ptlib.Machine) -> tuple[Any, ...]:
    """Like snapshot() but cheap when millions of 4 KiB leaves exist (ptdump, not mappings)."""
    st_ = m.pages
    return (m.ptdump(), st_.allocated, st_.allocs, st_.frees, st_.failed, st_.by_owner, m.op,
            len(m.flushes), len(m.reports))


def _check_leaves(m: ptlib.Machine) -> None:
    """Nothing outside the rules got mapped."""
    if m.pages.by_owner["pte"] <= 64:
        for leaf in m.mappings():
            assert V <= leaf.va and leaf.va + leaf.size <= VEND
            assert leaf.pa + leaf.size <= PHYS_LIMIT
            assert leaf.prot & ~(0x1FF | NX) == 0
        return
    # an ioremap that ran out of memory after ~2 million 4 KiB leaves: listing them all would
    # take seconds, so read ptdump's ranges (mapped ones have flags) instead
    for line in m.ptdump().splitlines():
        if line.startswith("0x") and len(line.split()) > 3:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            assert V <= lo and hi <= VEND, line
    for leaf in m.mappings(V, V + M2) + m.mappings(VEND - M2, VEND):
        assert leaf.pa + leaf.size <= PHYS_LIMIT


def _check_outcome(m: ptlib.Machine, valid: bool, exc: BaseException | None,
                   before: dict[str, Any], names_: tuple[str, ...]) -> None:
    """Valid input: success (or the kernel's own -ENOMEM/BUG).  Invalid input: a rejection
    naming an argument, with nothing changed.  Never anything else."""
    if exc is not None:
        assert isinstance(exc, (ptlib.PtlibError, TypeError)), repr(exc)
    if valid:
        assert exc is None or isinstance(exc, (ptlib.OutOfMemory, ptlib.KernelBug)), repr(exc)
    else:
        assert isinstance(exc, (IA, TypeError)), f"invalid input accepted ({exc!r})"
        assert type(exc) in (IA, TypeError)
        assert re.match(names(*names_), str(exc)), str(exc)
        assert _light_snapshot(m) == before      # nothing reached the core
    assert m.leaked_tables() == {"pgd": 0, "pud": 0, "pmd": 0, "pte": 0}
    assert m.reachable_tables()["bad_pointers"] == 0
    assert m.pages.by_owner["temp"] == 0
    assert m.walk(V).va == V
    _check_leaves(m)


_OK = [V, V + 2 * K4, PHYS, ptlib.PAGE_KERNEL_IO]


@settings(max_examples=200, deadline=None)
# pinned examples: inputs that a single missing check would let through while the others
# still pass (a bool that is a valid int, a page-aligned negative phys, phys at the limit)
@example(ioremap=[V, V + K4, False, ptlib.PAGE_KERNEL_IO], unmap=[V, True, 0, 0])
@example(ioremap=[V, V + K4, PHYS, True], unmap=[False, V + K4, 0, 0])
@example(ioremap=[V, V + K4, -K4, ptlib.PAGE_KERNEL_IO], unmap=[V - U64, V + K4 - U64, 0, 0])
@example(ioremap=[V, V + 2 * K4, PHYS_LIMIT - K4, ptlib.PAGE_KERNEL_IO], unmap=[V, V, 0, 0])
@example(ioremap=[V, V + K4, PHYS - U64, ptlib.PAGE_KERNEL_IO], unmap=[V + K4, V, 0, 0])
@example(ioremap=[V - U64, V + K4 - U64, PHYS, ptlib.PAGE_KERNEL_IO],
         unmap=[VEND - K4, VEND + K4, 0, 0])
@example(ioremap=[V, V + K4, PHYS, ptlib.PAGE_KERNEL_IO | 1 << 12], unmap=[V + 1, V + K4, 0, 0])
@example(ioremap=[V, V + K4, PHYS + 1, ptlib.PAGE_KERNEL_IO], unmap=_OK)
@example(ioremap=_OK, unmap=[0x0000_c900_0000_0000, 0x0000_c900_0000_2000, 0, 0])
@given(ioremap=st.one_of(_args(), st.lists(_garbage, min_size=4, max_size=4)),
       unmap=st.one_of(_args(), st.lists(_garbage, min_size=4, max_size=4)))
def test_random_garbage(ioremap, unmap):
    m = ptlib.Machine(ram_pages=RAM_PAGES)
    start, end, phys, prot = ioremap
    valid = _ioremap_valid(start, end, phys, prot)
    before = _light_snapshot(m)
    exc: BaseException | None = None
    try:
        ret = m.ioremap_page_range(start, end, phys, prot)
    except Exception as e:                       # noqa: BLE001 - classified below
        exc = e
    else:
        assert ret == 0
        if prot & 1:                             # present: it mapped what was asked
            w = m.walk(start)
            assert w.pa == phys
            assert w.prot is not None and w.prot & ~(1 << 7) == prot & ~(1 << 7)
    _check_outcome(m, valid, exc, before, ("start", "end", "phys", "prot"))

    ustart, uend = unmap[0], unmap[1]
    valid = _range_valid(ustart, uend)
    before = _light_snapshot(m)
    exc = None
    try:
        m.vunmap_range(ustart, uend)
    except Exception as e:                       # noqa: BLE001
        exc = e
    else:
        for va in (ustart, uend - K4, (ustart + uend) // 2 // K4 * K4):
            assert m.walk(va).pa is None             # [ustart, uend) is unmapped
    _check_outcome(m, valid, exc, before, ("start", "end"))


# ------------------------------------- found by tests/test_robustness.py (regressions)

def test_cpu_index_is_read_only(mach):
    """cpu.index names the CPU in the core: assigning it (a str, 99) used to be accepted
    and broke every later call on that CPU with cffi's "an integer is required"."""
    cpu = mach.cpus[1]
    with pytest.raises(AttributeError):
        cpu.index = "x"          # type: ignore[misc]
    with pytest.raises(AttributeError):
        cpu.index = 99           # type: ignore[misc]
    assert cpu.index == 1
    assert cpu.tlb_entries() == [] and cpu.cr3[0] == mach.root


@pytest.mark.parametrize("vas, exc", [
    ([V, None], TypeError), (["x"], TypeError), ([1.5], TypeError), ((V, b"\x00"), TypeError),
    ([-1], IA), ([U64], IA), ([V, 1 << 200], IA), ((-K4,), IA),
])
def test_translate_many_bad_list_items(mach, vas, exc):
    """A list/tuple of addresses is converted to uint64: a non-int item used to raise
    array's "'NoneType' object cannot be interpreted as an integer" and an out-of-range one
    OverflowError ("can't convert negative int to unsigned"), neither naming vas."""
    with pytest.raises(exc, match=names("vas")) as info:
        mach.cpus[0].translate_many(vas)
    assert type(info.value) is exc
    assert list(mach.cpus[0].translate_many([V])) == [ptlib.FAULT]


def test_profiles_get_bad_name():
    """profiles.get(name): an unknown name was a bare KeyError (not a PtlibError) and an
    unhashable one "unhashable type: 'dict'"; now UnknownProfile, an InvalidArgument that
    is still a KeyError, and a TypeError naming name."""
    with pytest.raises(IA, match=names("name")) as info:
        ptlib.profiles.get("v4.19")
    assert isinstance(info.value, KeyError)          # what get() always raised
    assert "v4.19" in str(info.value) and not str(info.value).startswith('"')
    for bad in (None, {"a": 1}, ["v4.18"], 4.18, b"v4.18"):
        with pytest.raises(TypeError, match=names("name")):
            ptlib.profiles.get(bad)                  # type: ignore[arg-type]
    assert ptlib.profiles.get("v4.18").name == "v4.18"


@pytest.mark.parametrize("bad", [None, 1, "m", object()])
def test_last_failure_not_a_machine(bad):
    """faults.last_failure(machine) raised AttributeError ("'str' object has no attribute
    '_m'")."""
    from ptlib import faults
    with pytest.raises(TypeError, match=names("machine")):
        faults.last_failure(bad)
    assert faults.last_failure(ptlib.Machine(ram_pages=64)) == (None, None, 0)


def test_fail_page_alloc_scope_bad_arguments(mach):
    """FailPageAllocScope(machine, saved, saved_seed) stored anything; restore() (or leaving
    the with block) then failed inside cffi, or with AttributeError for a non-machine."""
    from ptlib import faults
    from ptlib.machine import ffi
    good = mach.fail_page_alloc(probability=100, min_order=0, ignore_gfp_wait=False)
    saved = good._saved
    for args, name in [(("m", saved, None), "machine"), ((None, saved, None), "machine"),
                       ((mach, None, None), "saved"), ((mach, 1, None), "saved"),
                       ((mach, ffi.new("int *"), None), "saved")]:
        with pytest.raises(TypeError, match=names(name)):
            faults.FailPageAllocScope(*args)
    for seed, exc in [(-1, IA), (U64, IA), ("s", TypeError), (1.0, TypeError)]:
        with pytest.raises(exc, match=names("saved_seed")):
            faults.FailPageAllocScope(mach, saved, seed)
    good.restore()
    assert mach.fail_page_alloc_state == faults.FailPageAlloc()
    assert_works(mach)


def test_sweep_bad_arguments():
    """faults.sweep: a non-callable factory or operation raised "'int' object is not
    callable", a factory returning a non-Machine AttributeError, max_n="x" "unsupported
    operand type(s)", max_n <= 0 a SweepError claiming the failure was still consumed."""
    from ptlib import faults

    def factory() -> ptlib.Machine:
        return ptlib.Machine(ram_pages=64)

    def op(m: ptlib.Machine) -> int:
        return m.ioremap_page_range(V, V + K4, PHYS)

    cases = [((1, op), {}, TypeError, "machine_factory"), ((factory, None), {}, TypeError,
                                                            "operation"),
             ((lambda: 1, op), {}, TypeError, "machine_factory"),
             ((factory, op), {"max_n": "x"}, TypeError, "max_n"),
             ((factory, op), {"max_n": True}, TypeError, "max_n"),
             ((factory, op), {"max_n": 0}, IA, "max_n"),
             ((factory, op), {"max_n": -1}, IA, "max_n"),
             ((factory, op), {"expected_reports": None}, TypeError, "expected_reports"),
             ((factory, op), {"expected_reports": "KernelBug"}, TypeError, "expected_reports"),
             ((factory, op), {"expected_reports": [1]}, TypeError, "expected_reports")]
    for args, kw, exc, name in cases:
        with pytest.raises(exc, match=names(name)):
            faults.sweep(*args, **kw)
    rows = faults.sweep(factory, op, expected_reports=("KernelBug",), max_n=50)
    assert rows[-1].injected is False


class _OddInt(int):
    """An int subclass with its own (broken) arithmetic: ptlib takes it by its value."""

    def _odd(self, *_: Any) -> str:
        return "odd"

    __add__ = __radd__ = __sub__ = __rsub__ = __mod__ = __floordiv__ = __rshift__ = _odd
    __and__ = __or__ = __mul__ = _odd


def test_int_subclass_taken_by_value(mach):
    """ioremap(phys, size) and read_phys(pa, n) with such ints raised "'>' not supported
    between instances of 'str' and 'int'"; others gave wrong rejections ("V is not page
    aligned"); sweep(max_n=...) failed in range()."""
    from ptlib import faults
    o = _OddInt
    va = mach.ioremap(o(PHYS), o(K4))
    assert mach.walk(va).pa == PHYS
    assert mach.read_phys(o(K4), o(8)) == bytes(8)
    mach.iounmap(o(va))
    w = V + 3 * G1
    assert mach.ioremap_page_range(o(w), o(w + K4), o(PHYS), o(ptlib.PAGE_KERNEL_IO)) == 0
    assert mach.walk(o(w)).pa == PHYS
    assert mach.cpus[0].access(o(w)) == PHYS
    mach.cpus[0].invpcid(o(0), o(0), o(w))
    mach.cpus[0].write_cr3(o(mach.root))
    mach.vunmap_range(o(w), o(w + K4))
    mach.unmap_kernel_range(o(w), o(K4))
    fa = faults.FailPageAlloc(probability=o(5), times=o(-1))
    assert (fa.probability, fa.times) == (5, -1) and type(fa.probability) is int
    rows = faults.sweep(lambda: ptlib.Machine(ram_pages=64),
                        lambda m: m.ioremap_page_range(V, V + K4, PHYS), max_n=o(10))
    assert rows[-1].injected is False
    assert_sane(mach)


def test_warning_flood_is_capped():
    """Unmapping a range of non-present, non-zero PTEs WARNs once per entry (the kernel's
    WARN_ON in vunmap_pte_range): every one was stored, so an 8 GiB range took 3 s and
    1.2 GB of host memory (a RAM of 2**26 frames could exhaust the host).  Past
    PT_MAX_REPORTS only BUG reports are stored; the rest are counted."""
    m = ptlib.Machine(ram_pages=256)
    n = 48 * 512                                     # 48 PTE tables of non-present leaves
    m.ioremap_page_range(V, V + n * K4, PHYS + K4, 0)     # phys not 2 MiB aligned: 4 KiB
    m.vunmap_range(V, V + n * K4)
    cap = ptlib.machine.lib.PT_MAX_REPORTS
    reports = m.reports
    assert len(reports) == cap and {r.kind for r in reports} == {"KernelWarning"}
    assert m.reports_dropped == n - cap
    # a BUG is still recorded, and raised with its own report
    m.ioremap_page_range(V, V + K4, PHYS)
    with pytest.raises(ptlib.KernelBug, match="pte_none") as info:
        m.ioremap_page_range(V, V + K4, PHYS)
    assert m.reports[-1] == info.value.report and len(m.reports) == cap + 1
    m.clear_reports()
    assert (m.reports, m.reports_dropped) == ([], 0)


def _cross_linked(m: ptlib.Machine) -> None:
    """write_phys makes every PUD entry of V's PUD table point at V's PMD table, every PMD
    entry at V's PTE table (512 present PTEs), and 240 PGD entries at the PUD table."""
    import struct
    m.ioremap_page_range(V, V + K4, PHYS)
    pud, pmd, pte = (e & 0x000F_FFFF_FFFF_F000 for _, e in m.walk(V).entries[:3])
    m.write_phys(pud, struct.pack("<512Q", *[pmd | 0x63] * 512))
    m.write_phys(pmd, struct.pack("<512Q", *[pte | 0x63] * 512))
    m.write_phys(pte, struct.pack("<512Q", *[(PHYS + i * K4) | 0x163 for i in range(512)]))
    m.write_phys(m.root + 8 * 272, struct.pack("<240Q", *[pud | 0x63] * 240))


def test_cross_linked_tables_do_not_hang_the_walkers():
    """Tables linked more than once (three write_phys calls on a 64-frame machine): ptdump
    walked 240 * 512**3 entries (hours), reachable_tables counted 62 million PTE tables
    and mappings() asked cffi for a buffer of billions of leaves."""
    import time
    m = ptlib.Machine(ram_pages=64)
    _cross_linked(m)
    t0 = time.perf_counter()
    assert m.reachable_tables() == {"pgd": 1, "pud": 1, "pmd": 1, "pte": 1, "bad_pointers": 0}
    out = m.ptdump()
    assert "tables are linked more than once" in out.splitlines()[-1]
    with pytest.raises(IA, match=names("start/end")):
        m.mappings()
    leaves = m.mappings(V, V + 2 * M2)              # a small range is answered
    assert len(leaves) == 1024 and leaves[513].pa == PHYS + K4
    assert m.leaked_tables() == {"pgd": 0, "pud": 0, "pmd": 0, "pte": 0}
    m.check_leaks()
    assert time.perf_counter() - t0 < 10
    # an ordinary machine's dump has no such line
    assert "linked more than once" not in ptlib.Machine(ram_pages=64).ptdump()


def test_ram_too_small_to_boot_names_ram_pages() -> None:
    """v6.19 preallocates 64 PUD tables at boot: 24 frames cannot hold them."""
    with pytest.raises(ptlib.InvalidArgument, match=r"^ram_pages: 24 frames are too small"):
        ptlib.Machine(ram_pages=24, kernel="v6.19")
