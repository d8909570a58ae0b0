# SPDX-License-Identifier: GPL-2.0-only
"""Independent pure-Python reference model (test oracle) of Linux v4.18 huge ioremap.

This module models ``init_mm``'s kernel page tables for x86-64 with 4-level
paging (pgd -> pud -> pmd -> pte, the p4d level folded into the pgd) and the
v4.18 behaviour of:

* ``ioremap_page_range()`` (with huge PUD / PMD mappings enabled),
* ``pud_free_pmd_page()`` / ``pmd_free_pte_page()`` (the v4.18 variants that
  free lower-level tables, including the temporary save page in the PUD case),
* ``unmap_kernel_range()`` / ``vunmap_page_range()`` (which never frees tables).

Tables are modelled as Python objects (:class:`Table` with a dict of
index -> entry, where an entry is a child :class:`Table` or a :class:`Leaf`),
not as raw bits.  Every page-table page and the temporary page are one
"frame" taken from an optional budget; allocation order mirrors the kernel so
that ``fail_nth`` / budget failures hit the same allocation as a C port.

``prot`` values are stored and reported exactly as passed (x86 pgprot in
4 KiB-PTE format) for every leaf size.

The model is deliberately standalone: it only uses the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import struct
from typing import Callable, Iterable, Iterator, Union

__all__ = [
    "PAGE_SHIFT",
    "PMD_SHIFT",
    "PUD_SHIFT",
    "PGDIR_SHIFT",
    "PAGE_SIZE",
    "PMD_SIZE",
    "PUD_SIZE",
    "PGDIR_SIZE",
    "PTRS_PER_TABLE",
    "ENOMEM",
    "VMALLOC_START",
    "VMALLOC_SIZE",
    "OWNERS",
    "KernelBugModel",
    "ModelUnsupported",
    "Leaf",
    "Table",
    "Entry",
    "RefModel",
    "expected_leaf_sizes",
    "walk_phys",
    "walk_phys_many",
]

# --------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------

PAGE_SHIFT = 12
PMD_SHIFT = 21
PUD_SHIFT = 30
PGDIR_SHIFT = 39

PAGE_SIZE = 1 << PAGE_SHIFT  # 4 KiB
PMD_SIZE = 1 << PMD_SHIFT  # 2 MiB
PUD_SIZE = 1 << PUD_SHIFT  # 1 GiB
PGDIR_SIZE = 1 << PGDIR_SHIFT  # 512 GiB

PTRS_PER_TABLE = 512
_IDX_MASK = PTRS_PER_TABLE - 1

ENOMEM = 12

_MASK64 = (1 << 64) - 1
_CANON_HIGH = 0xFFFF_0000_0000_0000
_LOW_HALF_END = 1 << 47  # first non-canonical address of the lower half
_HIGH_HALF_START = 0xFFFF_8000_0000_0000

#: Start of the x86-64 (4-level) vmalloc/ioremap area.
VMALLOC_START = 0xFFFF_C900_0000_0000
#: Size of the vmalloc area (32 TiB) -> 64 PGD slots.
VMALLOC_SIZE = 32 << 40

#: Owner tags used by the allocation accounting.
OWNERS: tuple[str, ...] = ("pgd", "p4d", "pud", "pmd", "pte", "temp", "data")

# Level names, top to bottom, and the size mapped by one entry at that level.
_ENTRY_SIZE = {"pgd": PGDIR_SIZE, "pud": PUD_SIZE, "pmd": PMD_SIZE, "pte": PAGE_SIZE}
_CHILD_LEVEL = {"pgd": "pud", "pud": "pmd", "pmd": "pte"}


# --------------------------------------------------------------------------
# Exceptions
# --------------------------------------------------------------------------


class KernelBugModel(Exception):
    """The modelled kernel would hit ``BUG()`` / ``BUG_ON()`` here.

    :ivar site: name of the kernel function containing the BUG_ON
        (e.g. ``"ioremap_pte_range"``).
    """

    def __init__(self, site: str, message: str | None = None) -> None:
        """Create the exception for BUG site ``site``."""
        self.site = site
        super().__init__(message if message is not None else f"kernel BUG in {site}")


class ModelUnsupported(Exception):
    """The situation is outside what the model represents.

    Raised e.g. when the kernel would interpret a huge leaf's data page as a
    lower-level table, or for misaligned / non-canonical inputs.
    """


# --------------------------------------------------------------------------
# Table objects
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leaf:
    """A present leaf mapping.

    :ivar pa: physical address of the start of the mapped page.
    :ivar size: page size in bytes (4 KiB, 2 MiB or 1 GiB).
    :ivar prot: pgprot value exactly as passed (4 KiB-PTE format).
    """

    pa: int
    size: int
    prot: int


@dataclass(slots=True, eq=False)
class Table:
    """One page-table page (one allocated frame).

    :ivar level: ``"pgd"``, ``"pud"``, ``"pmd"`` or ``"pte"`` (also the
        allocation owner tag).
    :ivar entries: populated slots, index (0..511) -> child :class:`Table`
        or :class:`Leaf`.  A missing index is an empty (``none``) entry.
    """

    level: str
    entries: dict[int, "Entry"] = field(default_factory=dict)


Entry = Union[Table, Leaf]


# --------------------------------------------------------------------------
# Address helpers
# --------------------------------------------------------------------------


def _index(va: int, shift: int) -> int:
    """Table index of ``va`` at the level with the given shift."""
    return (va >> shift) & _IDX_MASK


def _addr_end(addr: int, end: int, size: int) -> int:
    """Kernel ``pXd_addr_end()``: next ``size`` boundary after addr, capped at end."""
    boundary = (addr + size) & ~(size - 1)
    return boundary if boundary < end else end


def _is_canonical(va: int) -> bool:
    """True if ``va`` is a canonical 48-bit virtual address (as a u64)."""
    return 0 <= va < _LOW_HALF_END or _HIGH_HALF_START <= va <= _MASK64


def _pgd_base(pgd_idx: int) -> int:
    """Canonical virtual address of the start of PGD slot ``pgd_idx``."""
    va = pgd_idx << PGDIR_SHIFT
    if pgd_idx >= PTRS_PER_TABLE // 2:
        va |= _CANON_HIGH
    return va


def _check_range(addr: int, end: int, site: str) -> None:
    """Validate a virtual range; BUG_ON(addr >= end) -> KernelBugModel(site)."""
    if addr >= end:
        raise KernelBugModel(site, f"BUG_ON(addr >= end) in {site}: {addr:#x} >= {end:#x}")
    if addr % PAGE_SIZE or end % PAGE_SIZE:
        raise ModelUnsupported(f"range [{addr:#x}, {end:#x}) is not page aligned")
    if not _is_canonical(addr) or not _is_canonical(end - 1):
        raise ModelUnsupported(f"range [{addr:#x}, {end:#x}) is not canonical")
    if (addr < _LOW_HALF_END) != (end - 1 < _LOW_HALF_END):
        raise ModelUnsupported(f"range [{addr:#x}, {end:#x}) spans the canonical hole")


# --------------------------------------------------------------------------
# Independent arithmetic oracle
# --------------------------------------------------------------------------


def expected_leaf_sizes(addr: int, end: int, phys: int) -> list[int]:
    """Leaf sizes v4.18 picks when mapping [addr, end) at ``phys`` into EMPTY tables.

    Pure arithmetic, independent of the table machinery: each 1 GiB chunk
    (bounded by 1 GiB boundaries and ``end``) becomes a 1 GiB leaf if it is
    exactly 1 GiB long and its physical address is 1 GiB aligned; otherwise
    it is split into 2 MiB chunks with the same rule, and the rest into
    4 KiB pages.  Returned in virtual-address order.
    """
    sizes: list[int] = []
    va = addr
    while va < end:
        gend = min((va // PUD_SIZE + 1) * PUD_SIZE, end)
        pa = phys + (va - addr)
        if gend - va == PUD_SIZE and pa % PUD_SIZE == 0:
            sizes.append(PUD_SIZE)
            va = gend
            continue
        while va < gend:
            mend = min((va // PMD_SIZE + 1) * PMD_SIZE, gend)
            pa = phys + (va - addr)
            if mend - va == PMD_SIZE and pa % PMD_SIZE == 0:
                sizes.append(PMD_SIZE)
            else:
                sizes.extend([PAGE_SIZE] * ((mend - va) // PAGE_SIZE))
            va = mend
    return sizes


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------


class RefModel:
    """Reference model of init_mm kernel page tables and v4.18 huge ioremap.

    :param free_frames: frames available to allocations after machine
        creation (``None`` = unlimited).  Freed frames are returned to it.
    :param prealloc_pud: if True, pre-populate a PUD table in each of the 64
        PGD slots covering the vmalloc area (not charged to the budget).
    :param fail_nth: if > 0, equivalent to calling :meth:`fail_nth` with it.

    Public attributes:

    * ``pgd`` -- the root :class:`Table`.
    * ``free_frames`` -- remaining budget (``None`` = unlimited).
    * ``allocs`` / ``frees`` / ``failed`` -- successful allocations
      (including the construction-time pgd/pud tables), frees and failed
      allocation attempts.
    * ``initial_allocs`` -- the number of allocations made at construction
      (subtract from ``allocs`` to get runtime allocations).
    * ``allocated_by_owner`` -- frames currently allocated, per owner tag.
    * ``flushes`` -- TLB flush events ``(start, end)`` as the kernel passes them.
    * ``freed`` -- owner tag of every freed frame, in order.
    """

    def __init__(
        self,
        free_frames: int | None = None,
        prealloc_pud: bool = False,
        fail_nth: int = 0,
    ) -> None:
        """Create the machine: a PGD table, optionally vmalloc-area PUD tables."""
        self.free_frames: int | None = free_frames
        self.allocs = 0
        self.frees = 0
        self.failed = 0
        self.allocated_by_owner: dict[str, int] = {o: 0 for o in OWNERS}
        self.flushes: list[tuple[int, int]] = []
        self.freed: list[str] = []
        self._fail_countdown = 0

        # Construction-time tables: accounted, but not charged to the budget.
        self.pgd = Table("pgd")
        self._account_alloc("pgd")
        if prealloc_pud:
            first = _index(VMALLOC_START, PGDIR_SHIFT)
            for i in range(first, first + VMALLOC_SIZE // PGDIR_SIZE):
                self.pgd.entries[i] = Table("pud")
                self._account_alloc("pud")
        self.initial_allocs = self.allocs

        if fail_nth:
            self.fail_nth(fail_nth)

    # ------------------------------------------------------------------
    # Allocation accounting
    # ------------------------------------------------------------------

    def fail_nth(self, n: int) -> None:
        """Make the n-th next allocation attempt fail (1 = the very next).

        Like Linux ``/proc/self/fail-nth``: every attempt decrements the
        countdown; the attempt that brings it to zero fails (consuming no
        frame).  ``n <= 0`` disarms it.
        """
        self._fail_countdown = max(0, int(n))

    def _account_alloc(self, owner: str) -> None:
        """Record a successful allocation of one frame for ``owner``."""
        self.allocs += 1
        self.allocated_by_owner[owner] += 1

    def _alloc(self, owner: str) -> bool:
        """Attempt to allocate one frame for ``owner``; return success."""
        if self._fail_countdown > 0:
            self._fail_countdown -= 1
            if self._fail_countdown == 0:
                self.failed += 1
                return False
        if self.free_frames is not None:
            if self.free_frames <= 0:
                self.failed += 1
                return False
            self.free_frames -= 1
        self._account_alloc(owner)
        return True

    def _free(self, owner: str) -> None:
        """Free one frame previously allocated for ``owner``."""
        self.frees += 1
        self.allocated_by_owner[owner] -= 1
        self.freed.append(owner)
        if self.free_frames is not None:
            self.free_frames += 1

    def _flush(self, start: int, end: int) -> None:
        """Record a flush_tlb_kernel_range(start, end) event."""
        self.flushes.append((start, end))

    # ------------------------------------------------------------------
    # ioremap_page_range and its levels
    # ------------------------------------------------------------------

    def ioremap_page_range(self, addr: int, end: int, phys: int, prot: int) -> int:
        """Map [addr, end) to ``phys`` with ``prot``; return 0 or -ENOMEM (-12).

        Mirrors v4.18 ``ioremap_page_range()`` with huge PUD/PMD enabled.
        Raises :class:`KernelBugModel` (site ``"ioremap_page_range"``) if
        ``addr >= end`` and (site ``"ioremap_pte_range"``) when a 4 KiB slot
        to be written is not empty; work done before the error stays.
        """
        _check_range(addr, end, "ioremap_page_range")
        if phys < 0 or phys % PAGE_SIZE:
            raise ModelUnsupported(f"phys {phys:#x} is not page aligned")
        start = addr
        while True:
            nxt = _addr_end(addr, end, PGDIR_SIZE)
            # p4d level is folded into the pgd: no allocation there.
            err = self._ioremap_pud_range(
                _index(addr, PGDIR_SHIFT), addr, nxt, phys + (addr - start), prot
            )
            if err:
                return err
            addr = nxt
            if addr == end:
                break
        # flush_cache_vmap() is a no-op on x86: no flush event.
        return 0

    def _ioremap_pud_range(self, pgd_idx: int, addr: int, end: int, phys: int, prot: int) -> int:
        """v4.18 ioremap_pud_range() for one PGD slot."""
        pud = self.pgd.entries.get(pgd_idx)
        if pud is None:
            if not self._alloc("pud"):
                return -ENOMEM
            pud = Table("pud")
            self.pgd.entries[pgd_idx] = pud
        elif not isinstance(pud, Table):  # pragma: no cover - cannot happen
            raise ModelUnsupported("PGD slot holds a leaf")
        start = addr
        while True:
            nxt = _addr_end(addr, end, PUD_SIZE)
            idx = _index(addr, PUD_SHIFT)
            pa = phys + (addr - start)
            if (
                nxt - addr == PUD_SIZE
                and pa % PUD_SIZE == 0
                and self._pud_free_pmd_page(pud, idx, addr)
            ):
                if self._pud_set_huge(pud, idx, pa, prot):
                    addr = nxt
                    if addr == end:
                        break
                    continue
            if self._ioremap_pmd_range(pud, idx, addr, nxt, pa, prot):
                return -ENOMEM
            addr = nxt
            if addr == end:
                break
        return 0

    def _ioremap_pmd_range(
        self, pud: Table, pud_idx: int, addr: int, end: int, phys: int, prot: int
    ) -> int:
        """v4.18 ioremap_pmd_range() for one PUD slot."""
        pmd = pud.entries.get(pud_idx)
        if pmd is None:
            if not self._alloc("pmd"):
                return -ENOMEM
            pmd = Table("pmd")
            pud.entries[pud_idx] = pmd
        elif isinstance(pmd, Leaf):
            raise ModelUnsupported(
                f"pmd_alloc on a 1 GiB leaf at {addr:#x}: kernel would use the data page as a PMD table"
            )
        start = addr
        while True:
            nxt = _addr_end(addr, end, PMD_SIZE)
            idx = _index(addr, PMD_SHIFT)
            pa = phys + (addr - start)
            if (
                nxt - addr == PMD_SIZE
                and pa % PMD_SIZE == 0
                and self._pmd_free_pte_page(pmd, idx, addr)
            ):
                if self._pmd_set_huge(pmd, idx, pa, prot):
                    addr = nxt
                    if addr == end:
                        break
                    continue
            if self._ioremap_pte_range(pmd, idx, addr, nxt, pa, prot):
                return -ENOMEM
            addr = nxt
            if addr == end:
                break
        return 0

    def _ioremap_pte_range(
        self, pmd: Table, pmd_idx: int, addr: int, end: int, phys: int, prot: int
    ) -> int:
        """v4.18 ioremap_pte_range() for one PMD slot."""
        pte = pmd.entries.get(pmd_idx)
        if pte is None:
            if not self._alloc("pte"):
                return -ENOMEM
            pte = Table("pte")
            pmd.entries[pmd_idx] = pte
        elif isinstance(pte, Leaf):
            raise ModelUnsupported(
                f"pte_alloc_kernel on a 2 MiB leaf at {addr:#x}: kernel would use the data page as a PTE table"
            )
        entries = pte.entries
        first = _index(addr, PAGE_SHIFT)
        count = (end - addr) >> PAGE_SHIFT
        for t in range(count):
            i = first + t
            if i in entries:
                raise KernelBugModel(
                    "ioremap_pte_range",
                    f"BUG_ON(!pte_none(*pte)) in ioremap_pte_range at {addr + t * PAGE_SIZE:#x}",
                )
            entries[i] = Leaf(phys + t * PAGE_SIZE, PAGE_SIZE, prot)
        return 0

    @staticmethod
    def _pud_set_huge(pud: Table, idx: int, pa: int, prot: int) -> int:
        """pud_set_huge(): refuse on a present non-leaf entry (MTRR assumed uniform)."""
        if isinstance(pud.entries.get(idx), Table):
            return 0
        pud.entries[idx] = Leaf(pa, PUD_SIZE, prot)
        return 1

    @staticmethod
    def _pmd_set_huge(pmd: Table, idx: int, pa: int, prot: int) -> int:
        """pmd_set_huge(): refuse on a present non-leaf entry (MTRR assumed uniform)."""
        if isinstance(pmd.entries.get(idx), Table):
            return 0
        pmd.entries[idx] = Leaf(pa, PMD_SIZE, prot)
        return 1

    # ------------------------------------------------------------------
    # v4.18 free functions
    # ------------------------------------------------------------------

    def _pmd_free_pte_page(self, pmd: Table, idx: int, addr: int) -> int:
        """v4.18 pmd_free_pte_page() on slot ``idx`` of ``pmd``."""
        entry = pmd.entries.get(idx)
        if entry is None:
            return 1
        if isinstance(entry, Leaf):
            raise ModelUnsupported(
                f"pmd_free_pte_page on a 2 MiB leaf at {addr:#x}: kernel would free the data page"
            )
        # The PTE table is freed even if it still holds live PTEs.
        del pmd.entries[idx]
        self._flush(addr, addr + PAGE_SIZE - 1)
        self._free("pte")
        return 1

    def _pud_free_pmd_page(self, pud: Table, idx: int, addr: int) -> int:
        """v4.18 pud_free_pmd_page() on slot ``idx`` of ``pud``."""
        entry = pud.entries.get(idx)
        if entry is None:
            return 1
        if isinstance(entry, Leaf):
            raise ModelUnsupported(
                f"pud_free_pmd_page on a 1 GiB leaf at {addr:#x}: kernel would read the data page as a PMD table"
            )
        # Temporary page to save the PMD entries.
        if not self._alloc("temp"):
            return 0
        saved = sorted(entry.entries.items())
        entry.entries.clear()
        del pud.entries[idx]
        self._flush(addr, addr + PAGE_SIZE - 1)
        for _, sub in saved:
            if isinstance(sub, Table):
                self._free("pte")
            # 2 MiB leaves are just dropped here (see module/report notes).
        self._free("temp")
        self._free("pmd")
        return 1

    def _walk_to(self, addr: int, level: str) -> Table:
        """Return the table at ``level`` ("pud" or "pmd") covering ``addr``."""
        pud = self.pgd.entries.get(_index(addr, PGDIR_SHIFT))
        if not isinstance(pud, Table):
            raise ModelUnsupported(f"no PUD table covers {addr:#x}")
        if level == "pud":
            return pud
        pmd = pud.entries.get(_index(addr, PUD_SHIFT))
        if not isinstance(pmd, Table):
            raise ModelUnsupported(f"no PMD table covers {addr:#x}")
        return pmd

    def pud_free_pmd_page(self, addr: int) -> int:
        """Run v4.18 pud_free_pmd_page() on the PUD slot covering ``addr``.

        ``addr`` is passed through as the kernel's ``addr`` argument (used for
        the flush event).  Returns 1 (slot now empty) or 0 (temp page
        allocation failed, nothing changed).
        """
        return self._pud_free_pmd_page(self._walk_to(addr, "pud"), _index(addr, PUD_SHIFT), addr)

    def pmd_free_pte_page(self, addr: int) -> int:
        """Run v4.18 pmd_free_pte_page() on the PMD slot covering ``addr``.

        Returns 1 (slot now empty).
        """
        return self._pmd_free_pte_page(self._walk_to(addr, "pmd"), _index(addr, PMD_SHIFT), addr)

    # ------------------------------------------------------------------
    # Unmap
    # ------------------------------------------------------------------

    def vunmap_range(self, addr: int, end: int) -> None:
        """unmap_kernel_range() over [addr, end): clear leaves, never free tables.

        Huge leaves touched by the range are cleared whole (pud/pmd_clear_huge).
        Records one flush event ``(addr, end)``.  Raises
        :class:`KernelBugModel` (site ``"vunmap_page_range"``) if addr >= end.
        """
        _check_range(addr, end, "vunmap_page_range")
        start = addr
        while True:
            nxt = _addr_end(addr, end, PGDIR_SIZE)
            pud = self.pgd.entries.get(_index(addr, PGDIR_SHIFT))
            if isinstance(pud, Table):
                self._vunmap_pud_range(pud, addr, nxt)
            addr = nxt
            if addr == end:
                break
        self._flush(start, end)

    def unmap_kernel_range(self, addr: int, size: int) -> None:
        """Kernel-named alias: ``vunmap_range(addr, addr + size)``."""
        self.vunmap_range(addr, addr + size)

    @staticmethod
    def _vunmap_pud_range(pud: Table, addr: int, end: int) -> None:
        """vunmap_pud_range() (and below) within one PUD table."""
        while True:
            nxt = _addr_end(addr, end, PUD_SIZE)
            idx = _index(addr, PUD_SHIFT)
            entry = pud.entries.get(idx)
            if isinstance(entry, Leaf):
                del pud.entries[idx]
            elif isinstance(entry, Table):
                a = addr
                while True:
                    n2 = _addr_end(a, nxt, PMD_SIZE)
                    j = _index(a, PMD_SHIFT)
                    sub = entry.entries.get(j)
                    if isinstance(sub, Leaf):
                        del entry.entries[j]
                    elif isinstance(sub, Table):
                        first = _index(a, PAGE_SHIFT)
                        count = (n2 - a) >> PAGE_SHIFT
                        ptes = sub.entries
                        if count == PTRS_PER_TABLE:
                            ptes.clear()
                        else:
                            for i in range(first, first + count):
                                ptes.pop(i, None)
                    a = n2
                    if a == nxt:
                        break
            addr = nxt
            if addr == end:
                break

    # ------------------------------------------------------------------
    # Queries
    # ------------------------------------------------------------------

    def translate(self, va: int) -> tuple[int, int, int] | None:
        """Return ``(pa, page_size, prot)`` for the leaf covering ``va``, or None.

        ``pa`` is the physical address ``va`` translates to (the leaf's base
        plus ``va``'s offset within the leaf).
        """
        if not _is_canonical(va):
            return None
        node: Entry | None = self.pgd
        for shift in (PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT, PAGE_SHIFT):
            assert isinstance(node, Table)
            node = node.entries.get(_index(va, shift))
            if node is None:
                return None
            if isinstance(node, Leaf):
                return (node.pa + (va & (node.size - 1)), node.size, node.prot)
        return None  # pragma: no cover - PTE entries are always leaves

    def _iter_leaves(self, start: int, end: int) -> Iterator[tuple[int, Leaf]]:
        """Yield ``(va, leaf)`` for each leaf overlapping [start, end), by va."""
        if start >= end:
            return

        def walk(table: Table, base: int) -> Iterator[tuple[int, Leaf]]:
            size = _ENTRY_SIZE[table.level]
            if table.level == "pgd":
                keys = sorted(table.entries)
                bases = [(k, _pgd_base(k)) for k in keys]
            else:
                lo = max(0, (start - base) // size)
                hi = min(PTRS_PER_TABLE - 1, (end - 1 - base) // size)
                if lo > hi:
                    return
                ents = table.entries
                if hi - lo + 1 < len(ents):
                    keys = [k for k in range(lo, hi + 1) if k in ents]
                else:
                    keys = sorted(k for k in ents if lo <= k <= hi)
                bases = [(k, base + k * size) for k in keys]
            for k, va in bases:
                if va >= end or va + size <= start:
                    continue
                entry = table.entries[k]
                if isinstance(entry, Leaf):
                    if va < end and va + entry.size > start:
                        yield (va, entry)
                else:
                    yield from walk(entry, va)

        yield from walk(self.pgd, 0)

    def mappings(self, start: int, end: int) -> list[tuple[int, int, int, int]]:
        """Return ``(va, pa, size, prot)`` for every leaf overlapping [start, end).

        ``va``/``pa`` are the leaf's start addresses; sorted by ``va``.
        """
        return [(va, leaf.pa, leaf.size, leaf.prot) for va, leaf in self._iter_leaves(start, end)]

    def leaf_sizes(self, start: int, end: int) -> list[int]:
        """Sizes of the leaves of :meth:`mappings` ``(start, end)``, in order."""
        return [leaf.size for _, leaf in self._iter_leaves(start, end)]

    def table_frames(self) -> dict[str, int]:
        """Count table pages reachable from the root, by owner (pgd/pud/pmd/pte)."""
        counts = {"pgd": 0, "pud": 0, "pmd": 0, "pte": 0}
        stack: list[Table] = [self.pgd]
        while stack:
            t = stack.pop()
            counts[t.level] += 1
            if t.level != "pte":
                stack.extend(e for e in t.entries.values() if isinstance(e, Table))
        return counts

    def allocated_frames(self) -> int:
        """Total frames currently allocated (sum of ``allocated_by_owner``)."""
        return sum(self.allocated_by_owner.values())


# --------------------------------------------------------------------------
# Independent hardware walker (Intel SDM Vol. 3A, 4.5 "4-level paging")
# --------------------------------------------------------------------------

#: Bits 51:12 of a paging-structure entry: the physical address of the next table or page.
_ADDR_MASK_4K = ((1 << 52) - 1) & ~((1 << 12) - 1)
#: Bits 51:21 (2 MiB page frame) and 51:30 (1 GiB page frame).
_ADDR_MASK_2M = ((1 << 52) - 1) & ~((1 << 21) - 1)
_ADDR_MASK_1G = ((1 << 52) - 1) & ~((1 << 30) - 1)
#: Reserved bits of a large-page leaf (bit 12 is its PAT bit): 20:13 (PDE), 29:13 (PDPTE).
_RSVD_2M = ((1 << 21) - 1) & ~((1 << 13) - 1)
_RSVD_1G = ((1 << 30) - 1) & ~((1 << 13) - 1)
_BIT_P = 1 << 0
_BIT_PS = 1 << 7


def walk_phys(read_u64: Callable[[int], int], root: int, va: int,
              maxphyaddr: int = 52) -> tuple[int, int] | None:
    """Translate ``va`` by walking x86-64 4-level page tables in memory, as the Intel SDM
    (Vol. 3A, section 4.5, tables 4-14 .. 4-20) specifies; no TLB or paging-structure cache.

    :param read_u64: returns the 64-bit little-endian value at a physical address (always
        8-byte aligned).
    :param root: CR3: the PML4 table is at bits 51:12 (the low 12 bits -- PCID or PWT/PCD --
        are ignored).
    :param va: a linear address; a non-canonical one (bits 63:47 not all equal) has no
        translation (it would #GP) and gives None.
    :param maxphyaddr: MAXPHYADDR; entry bits 51:MAXPHYADDR are reserved (none at 52).
    :returns: ``(pa, page_size)`` -- the physical address ``va`` maps to and the size of the
        page (4096, 2 MiB or 1 GiB) -- or None if the walk ends in a page fault.

    The walk, each step reading one 8-byte entry:

    1. PML4E at ``(CR3 & 51:12) | va[47:39] << 3``.  P (bit 0) clear: not present.  PS
       (bit 7) is reserved in a PML4E: set -> reserved-bit fault.
    2. PDPTE at ``(PML4E & 51:12) | va[38:30] << 3``.  P clear: not present.  PS set: a
       1 GiB page, bits 29:13 reserved (bit 12 is PAT), frame at bits 51:30,
       ``pa = frame | va[29:0]``.
    3. PDE at ``(PDPTE & 51:12) | va[29:21] << 3``.  P clear: not present.  PS set: a 2 MiB
       page, bits 20:13 reserved, frame at bits 51:21, ``pa = frame | va[20:0]``.
    4. PTE at ``(PDE & 51:12) | va[20:12] << 3``.  P clear: not present; else a 4 KiB page,
       frame at bits 51:12 (bit 7 is PAT, not PS), ``pa = frame | va[11:0]``.

    In every present entry, bits 51:MAXPHYADDR are reserved.  Access rights (R/W, U/S, XD)
    are not checked: the result is what a supervisor read would get (with IA32_EFER.NXE=1,
    so bit 63 is XD, not reserved; bits 62:52 are ignored).
    """
    if va < 0 or va >> 64:
        raise ValueError(f"va: {va:#x} is not a 64-bit unsigned value")
    top = va >> 47
    if top != 0 and top != (1 << 17) - 1:
        return None
    rsvd_hi = ((1 << 52) - 1) & ~((1 << maxphyaddr) - 1)
    table = root & _ADDR_MASK_4K
    for level in (4, 3, 2, 1):                       # PML4, PDPT, PD, PT
        shift = 12 + 9 * (level - 1)                 # 39, 30, 21, 12
        entry = read_u64(table | ((va >> shift) & 0x1FF) << 3)
        if not entry & _BIT_P or entry & rsvd_hi:
            return None
        if level == 4:
            if entry & _BIT_PS:                      # reserved in a PML4E
                return None
        elif level == 3 and entry & _BIT_PS:         # 1 GiB page
            if entry & _RSVD_1G:
                return None
            return (entry & _ADDR_MASK_1G) | (va & (PUD_SIZE - 1)), PUD_SIZE
        elif level == 2 and entry & _BIT_PS:         # 2 MiB page
            if entry & _RSVD_2M:
                return None
            return (entry & _ADDR_MASK_2M) | (va & (PMD_SIZE - 1)), PMD_SIZE
        elif level == 1:                             # 4 KiB page
            return (entry & _ADDR_MASK_4K) | (va & (PAGE_SIZE - 1)), PAGE_SIZE
        table = entry & _ADDR_MASK_4K
    return None  # pragma: no cover - the loop returns at level 1


_PAGE_U64 = struct.Struct("<512Q")


def walk_phys_many(read_page: Callable[[int], bytes], root: int, vas: Iterable[int],
                   maxphyaddr: int = 52) -> list[int | None]:
    """:func:`walk_phys` for many addresses: the physical address of each of ``vas`` (None
    where the walk faults).

    ``read_page(pa)`` returns the 4096 bytes of the page-aligned physical page ``pa``; each
    page is read once and kept (decoded to 512 little-endian entries) for the whole call, so
    the tables must not change during it.
    """
    pages: dict[int, tuple[int, ...]] = {}

    def read_u64(pa: int) -> int:
        base = pa & ~(PAGE_SIZE - 1)
        ents = pages.get(base)
        if ents is None:
            data = read_page(base)
            if len(data) != PAGE_SIZE:
                raise ValueError(f"read_page({base:#x}) returned {len(data)} bytes, not 4096")
            ents = pages[base] = _PAGE_U64.unpack(data)
        return ents[(pa & (PAGE_SIZE - 1)) >> 3]

    out: list[int | None] = []
    for va in vas:
        r = walk_phys(read_u64, root, va, maxphyaddr)
        out.append(None if r is None else r[0])
    return out


# --------------------------------------------------------------------------
# Self-check
# --------------------------------------------------------------------------

if __name__ == "__main__":  # pragma: no cover
    PROT = 0x8000_0000_0000_0163  # P|RW|A|D|G|NX
    GiB, MiB = PUD_SIZE, 1 << 20
    V = VMALLOC_START + 5 * GiB  # 1 GiB aligned

    def check(cond: bool, what: str) -> None:
        """Assert with a message and print progress."""
        if not cond:
            raise AssertionError(what)
        print("ok:", what)

    # 1. 4K map, unmap, 2M remap at the same VA frees the PTE table.
    m = RefModel()
    check(m.ioremap_page_range(V, V + 2 * MiB, 0x4000_1000, PROT) == 0, "4K map")
    check(m.leaf_sizes(V, V + 2 * MiB) == [PAGE_SIZE] * 512, "512 x 4K leaves")
    check(m.leaf_sizes(V, V + 2 * MiB) == expected_leaf_sizes(V, V + 2 * MiB, 0x4000_1000), "oracle 4K")
    check(m.translate(V + 0x1234) == (0x4000_2234, PAGE_SIZE, PROT), "translate 4K")
    check(m.table_frames() == {"pgd": 1, "pud": 1, "pmd": 1, "pte": 1}, "tables after 4K map")
    m.vunmap_range(V, V + 2 * MiB)
    check(m.mappings(V, V + 2 * MiB) == [] and m.flushes == [(V, V + 2 * MiB)], "unmap")
    check(m.ioremap_page_range(V, V + 2 * MiB, 0x4000_0000, PROT) == 0, "2M remap")
    check(m.mappings(V, V + 2 * MiB) == [(V, 0x4000_0000, PMD_SIZE, PROT)], "one 2M leaf")
    check(m.freed == ["pte"] and m.flushes[-1] == (V, V + PAGE_SIZE - 1), "PTE table freed + flush")
    check(m.table_frames()["pte"] == 0 and m.allocated_by_owner["pte"] == 0, "pte accounting")
    print("   counters:", m.allocs, m.frees, m.failed, m.allocated_by_owner)

    def mixed(model: RefModel) -> None:
        """Build mixed 4K/2M mappings in the 1 GiB region at V, then unmap it."""
        assert model.ioremap_page_range(V, V + 4 * MiB, 0x8000_1000, PROT) == 0
        assert model.ioremap_page_range(V + 4 * MiB, V + 8 * MiB, 0x8040_0000, PROT) == 0
        assert model.leaf_sizes(V, V + GiB) == [PAGE_SIZE] * 1024 + [PMD_SIZE] * 2
        model.vunmap_range(V, V + GiB)
        assert model.mappings(V, V + GiB) == []

    # 2. mixed 4K/2M, unmap, 1 GiB map frees pte tables + temp + pmd.
    m = RefModel(prealloc_pud=True)
    check(m.allocated_by_owner["pud"] == 64 and m.allocs == 65, "prealloc_pud")
    mixed(m)
    check(m.table_frames() == {"pgd": 1, "pud": 64, "pmd": 1, "pte": 2}, "tables after mixed")
    nflush = len(m.flushes)
    check(m.ioremap_page_range(V, V + GiB, 0xC000_0000, PROT) == 0, "1G map")
    check(m.mappings(V, V + GiB) == [(V, 0xC000_0000, PUD_SIZE, PROT)], "one 1G leaf")
    check(m.freed == ["pte", "pte", "temp", "pmd"], "free order pte,pte,temp,pmd")
    check(m.flushes[nflush:] == [(V, V + PAGE_SIZE - 1)], "one flush from pud_free_pmd_page")
    check(m.allocated_by_owner["temp"] == 0 and m.table_frames()["pmd"] == 0, "temp/pmd released")
    check(m.translate(V + 0x1234_5678) == (0xC000_0000 + 0x1234_5678, PUD_SIZE, PROT), "translate 1G")
    print("   counters:", m.allocs, m.frees, m.failed, m.allocated_by_owner)

    # 3. fail_nth(1): temp alloc fails -> fall back to 2 MiB leaves.
    m = RefModel()
    mixed(m)
    m.fail_nth(1)
    nflush = len(m.flushes)
    check(m.ioremap_page_range(V, V + GiB, 0xC000_0000, PROT) == 0, "1G map with fail_nth(1)")
    check(m.failed == 1 and m.allocated_by_owner["temp"] == 0, "temp allocation failed")
    check(m.leaf_sizes(V, V + GiB) == [PMD_SIZE] * 512, "fell back to 512 x 2M")
    check(m.freed == ["pte", "pte"], "PTE tables freed via pmd_free_pte_page")
    check(m.flushes[nflush:] == [(V, V + PAGE_SIZE - 1), (V + MiB * 2, V + 2 * MiB + PAGE_SIZE - 1)],
          "two pmd_free_pte_page flushes")
    check(m.table_frames() == {"pgd": 1, "pud": 1, "pmd": 1, "pte": 0}, "pmd table kept")

    # 4. budget exhaustion: pud + pmd fit, pte fails.
    m = RefModel(free_frames=2)
    check(m.ioremap_page_range(V, V + 8 * PAGE_SIZE, 0x1000, PROT) == -ENOMEM, "budget ENOMEM")
    check(m.failed == 1 and m.allocated_by_owner["pud"] == 1 and m.allocated_by_owner["pmd"] == 1,
          "failed on the pte allocation")

    # 5. BUG_ON(!pte_none) on double 4K map.
    m = RefModel()
    m.ioremap_page_range(V, V + 4 * PAGE_SIZE, 0x1000, PROT)
    try:
        m.ioremap_page_range(V + 2 * PAGE_SIZE, V + 8 * PAGE_SIZE, 0x1000, PROT)
    except KernelBugModel as e:
        check(e.site == "ioremap_pte_range", "KernelBugModel site")
    else:
        raise AssertionError("expected KernelBugModel")

    # 6. 1 GiB of 4K pages + oracle cross-check on several ranges.
    import time

    t0 = time.perf_counter()
    m = RefModel()
    check(m.ioremap_page_range(V, V + GiB, 0x1000, PROT) == 0, "1 GiB of 4K pages")
    check(len(m.mappings(V, V + GiB)) == 262144, "262144 PTEs")
    m.vunmap_range(V, V + GiB)
    check(m.mappings(V, V + GiB) == [], "1 GiB unmapped")
    print(f"   1 GiB 4K map+query+unmap took {time.perf_counter() - t0:.2f}s")
    for a, end_, p in [
        (V - 3 * MiB, V + GiB + 5 * MiB, 0xC000_0000 - 3 * MiB),
        (V + PAGE_SIZE, V + 3 * GiB, 0x2000_0000 + PAGE_SIZE),
        (V - 512 * GiB + GiB, V + 2 * GiB, 0),
    ]:
        m = RefModel()
        assert m.ioremap_page_range(a, end_, p, PROT) == 0
        check(m.leaf_sizes(a, end_) == expected_leaf_sizes(a, end_, p),
              f"oracle agrees on [{a:#x}, {end_:#x})")
        tot = sum(sz for _, _, sz, _ in m.mappings(a, end_))
        check(tot == end_ - a, "leaves cover the range exactly")
    print("all self-checks passed")
