# SPDX-License-Identifier: GPL-2.0-only
"""Hypothesis strategies for ptlib inputs (needs ``hypothesis``; ``import ptlib`` does not).

    from hypothesis import given
    from ptlib import strategies as pst

    @given(pst.profiles(), pst.ranges(level="2M"), pst.protections())
    def test_x(kernel, rng, prot): ...

- ``profiles()``: profile names (``ptlib.profiles.names()``).
- ``protections()``: leaf pgprot values ``Machine`` accepts (PAGE_KERNEL_IO and friends).
- ``ranges(level=None)``: ``(start, end)`` page-aligned vmalloc ranges; ``level`` "4K",
  "2M" or "1G" (or 4096/PMD_SIZE/PUD_SIZE) picks the granule; ranges are aligned to it,
  unaligned, or crossing one of its boundaries.
- ``phys_addrs(size, align)``: physical addresses for a mapping of ``size`` bytes.
- ``operations()``: lists of ``("ioremap", start, end, phys)``, ``("vunmap", start, end)``,
  ``("access" | "speculate" | "invlpg", cpu, va)``; :func:`apply` runs one on a Machine.
- ``fault_settings()``: kwargs dicts for ``Machine.fail_page_alloc``.
- ``machines()``: fresh ``Machine`` objects (``st.from_type(ptlib.Machine)`` too).

Only this module needs the compiled core lazily: the constants are repeated here (they are
the x86-64 4-level values ``ptlib.machine`` defines; ``tests/test_kit.py`` checks they agree).
"""
from __future__ import annotations

from typing import Any, Optional, Union

from hypothesis import strategies as st

from . import profiles as _profiles

PAGE_SIZE = 4096
PMD_SIZE = 1 << 21
PUD_SIZE = 1 << 30
VMALLOC_START = 0xFFFFC90000000000
VMALLOC_SIZE = 32 << 40

_P, _RW, _US, _PWT, _PCD, _A, _D, _PAT, _G = (1 << b for b in range(9))
_NX = 1 << 63
PAGE_KERNEL_EXEC = _P | _RW | _D | _A | _G
PAGE_KERNEL = PAGE_KERNEL_EXEC | _NX
PAGE_KERNEL_RO = PAGE_KERNEL & ~_RW
PAGE_KERNEL_IO = PAGE_KERNEL
PAGE_KERNEL_IO_NOCACHE = PAGE_KERNEL_IO | _PCD
PAGE_KERNEL_NOCACHE = PAGE_KERNEL | _PCD | _PWT
PAGE_KERNEL_IO_WC = PAGE_KERNEL_IO | _PWT

#: the named protections
NAMED_PROTECTIONS = {
    "PAGE_KERNEL_IO": PAGE_KERNEL_IO, "PAGE_KERNEL_IO_NOCACHE": PAGE_KERNEL_IO_NOCACHE,
    "PAGE_KERNEL_IO_WC": PAGE_KERNEL_IO_WC, "PAGE_KERNEL_NOCACHE": PAGE_KERNEL_NOCACHE,
    "PAGE_KERNEL": PAGE_KERNEL, "PAGE_KERNEL_RO": PAGE_KERNEL_RO,
    "PAGE_KERNEL_EXEC": PAGE_KERNEL_EXEC,
}
_LEVELS = {"4K": PAGE_SIZE, "2M": PMD_SIZE, "1G": PUD_SIZE,
           PAGE_SIZE: PAGE_SIZE, PMD_SIZE: PMD_SIZE, PUD_SIZE: PUD_SIZE}
#: where generated ranges live: the first few GiB of the vmalloc area, so that sequences
#: of operations overlap often
SPAN = 4 * PUD_SIZE
#: default physical base for generated MMIO (1 GiB aligned, above any emulated RAM)
PHYS_BASE = 0x40_0000_0000
#: allocation sites Machine.fail_page_alloc knows (ptlib.faults.SITES)
SITES = ("__pud_alloc", "__pmd_alloc", "__pte_alloc_kernel", "pud_free_pmd_page")


def profiles() -> st.SearchStrategy[str]:
    """A kernel profile name."""
    return st.sampled_from(_profiles.names())


def protections() -> st.SearchStrategy[int]:
    """A leaf pgprot: one of the kernel's named protections, optionally with the cache bits
    (PWT, PCD, PAT) recombined: present, global, accessed and dirty always set."""
    named = st.sampled_from(sorted(NAMED_PROTECTIONS.values()))
    combos = st.builds(
        lambda base, rw, nx, cache: (base | (_RW if rw else 0) | (_NX if nx else 0) | cache),
        st.just(_P | _A | _D | _G), st.booleans(), st.booleans(),
        st.sampled_from([0, _PWT, _PCD, _PCD | _PWT, _PAT, _PAT | _PWT]))
    return st.one_of(named, combos)


def _granule(level: Union[None, str, int]) -> Optional[int]:
    if level is None:
        return None
    if level not in _LEVELS:
        raise ValueError(f"level: {level!r} is not one of '4K', '2M', '1G' (or the sizes)")
    return _LEVELS[level]


@st.composite
def _ranges(draw: Any, g: int) -> tuple[int, int]:
    kind = draw(st.sampled_from(["aligned", "unaligned", "crossing"]))
    slots = SPAN // g
    if kind == "aligned":                       # n whole granules
        first = draw(st.integers(0, slots - 4))
        n = draw(st.integers(1, 3))
        return VMALLOC_START + first * g, VMALLOC_START + (first + n) * g
    pages_per = g // PAGE_SIZE
    if kind == "crossing" and g > PAGE_SIZE:    # straddles a granule boundary
        b = draw(st.integers(1, slots - 2)) * g
        before = draw(st.integers(1, min(pages_per, 1024)))
        after = draw(st.integers(1, min(pages_per, 1024)))
        return (VMALLOC_START + b - before * PAGE_SIZE,
                VMALLOC_START + b + after * PAGE_SIZE)
    # unaligned: page-aligned start/size within a couple of granules
    start = draw(st.integers(0, SPAN // PAGE_SIZE - 3 * pages_per - 1))
    n = draw(st.integers(1, min(2 * pages_per, 2048)))
    return VMALLOC_START + start * PAGE_SIZE, VMALLOC_START + (start + n) * PAGE_SIZE


def ranges(level: Union[None, str, int] = None) -> st.SearchStrategy[tuple[int, int]]:
    """``(start, end)``: a non-empty page-aligned range of the vmalloc area (in its first
    ``SPAN`` bytes), aligned to the level's granule, unaligned, or crossing one of its
    boundaries.  ``level=None`` mixes all three levels."""
    g = _granule(level)
    if g is None:
        return st.one_of(*(_ranges(x) for x in (PAGE_SIZE, PMD_SIZE, PUD_SIZE)))
    return _ranges(g)


def phys_addrs(size: int = PAGE_SIZE, align: int = PAGE_SIZE,
               base: int = PHYS_BASE) -> st.SearchStrategy[int]:
    """A physical address, a multiple of ``align`` (at least 4 KiB), at or above ``base``,
    such that ``[pa, pa + size)`` fits in 46 bits (well under MAXPHYADDR)."""
    align = max(PAGE_SIZE, align)
    if align & (align - 1):
        raise ValueError(f"align: {align} is not a power of two")
    lo = -(-base // align)
    hi = ((1 << 46) - size) // align
    return st.integers(lo, max(lo, min(hi, lo + 4096))).map(lambda k: k * align)


@st.composite
def _operation(draw: Any, cpus: int, level: Union[None, str, int]) -> tuple[Any, ...]:
    kind = draw(st.sampled_from(["ioremap", "ioremap", "vunmap", "access", "speculate",
                                 "invlpg"]))
    if kind in ("ioremap", "vunmap"):
        start, end = draw(ranges(level))
        if kind == "vunmap":
            return ("vunmap", start, end)
        # phys congruent to start modulo 1 GiB, so huge leaves are possible where aligned
        phys = PHYS_BASE + draw(st.integers(0, 7)) * PUD_SIZE + (start - VMALLOC_START) % PUD_SIZE
        return ("ioremap", start, end, phys)
    cpu = draw(st.integers(0, cpus - 1))
    va = VMALLOC_START + draw(st.integers(0, SPAN // PAGE_SIZE - 1)) * PAGE_SIZE \
        + draw(st.sampled_from([0, 8, 0xfff]))
    return (kind, cpu, va)


def operations(cpus: int = 2, level: Union[None, str, int] = None, min_size: int = 1,
               max_size: int = 12) -> st.SearchStrategy[list[tuple[Any, ...]]]:
    """A list of operations on a Machine with ``cpus`` CPUs: ``("ioremap", start, end,
    phys)``, ``("vunmap", start, end)``, ``("access" | "speculate" | "invlpg", cpu, va)``.
    Run one with :func:`apply`."""
    return st.lists(_operation(cpus, _granule(level) or level), min_size=min_size,
                    max_size=max_size)


def apply(machine: Any, op: tuple[Any, ...], prot: Optional[int] = None) -> Any:
    """Run one generated operation on ``machine``.  ``access`` swallows ``PageFault``
    (returns None); ``ioremap`` lets ``KernelBug``/``OutOfMemory`` propagate."""
    from .errors import PageFault
    kind = op[0]
    if kind == "ioremap":
        return machine.ioremap_page_range(op[1], op[2], op[3],
                                          PAGE_KERNEL_IO if prot is None else prot)
    if kind == "vunmap":
        return machine.vunmap_range(op[1], op[2])
    cpu = machine.cpus[op[1]]
    if kind == "access":
        try:
            return cpu.access(op[2])
        except PageFault:
            return None
    if kind == "speculate":
        return cpu.speculate(op[2])
    if kind == "invlpg":
        return cpu.invlpg(op[2])
    raise ValueError(f"unknown operation {kind!r}")


def fault_settings() -> st.SearchStrategy[dict[str, Any]]:
    """kwargs for ``Machine.fail_page_alloc(**kw)``: probability/interval/times/space, the
    order and GFP filters (min_order 0 and ignore_gfp_wait False so ptlib's order-0
    GFP_KERNEL allocations can fail), optional site filters, a seed."""
    sites = st.frozensets(st.sampled_from(SITES), max_size=2)
    return st.fixed_dictionaries(
        {"probability": st.integers(0, 100), "times": st.integers(-1, 8),
         "min_order": st.just(0), "ignore_gfp_wait": st.just(False)},
        optional={"interval": st.integers(1, 8), "space": st.integers(0, 4),
                  "verbose": st.integers(0, 2), "sites": sites, "reject_sites": sites,
                  "seed": st.integers(0, 2**32 - 1), "ignore_gfp_highmem": st.booleans()})


def machines(kernel: Optional[st.SearchStrategy[str]] = None,
             cpus: st.SearchStrategy[int] = st.integers(1, 4),
             ram_pages: st.SearchStrategy[int] = st.sampled_from([4096, 16384, 65536]),
             **kwargs: Any) -> st.SearchStrategy[Any]:
    """Fresh ``ptlib.Machine`` objects (4-level paging) of any profile (or ``kernel``),
    1-4 CPUs, a seed; extra keyword arguments are passed on (values or strategies).  This is
    ``st.from_type(ptlib.Machine)`` once ``ptlib.machine`` is imported."""
    from .machine import Machine         # the C core loads when a machine is drawn
    extra = {k: v if isinstance(v, st.SearchStrategy) else st.just(v)
             for k, v in kwargs.items()}
    return st.builds(Machine, kernel=kernel if kernel is not None else profiles(), cpus=cpus,
                     seed=st.integers(0, 2**32 - 1), ram_pages=ram_pages, **extra)


__all__ = ["profiles", "protections", "ranges", "phys_addrs", "operations", "apply",
           "fault_settings", "machines", "NAMED_PROTECTIONS", "SPAN", "PHYS_BASE"]
