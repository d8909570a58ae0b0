# SPDX-License-Identifier: GPL-2.0-only
"""Emulated CPUs: CR3/CR4, TLBs, paging-structure caches, the walker and the invalidation
instructions (Intel SDM Vol. 3A 4.10).  ``m.cpus[i]`` is one; all the work is in csrc/cpu.c."""
from __future__ import annotations

import weakref
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from . import errors
from ._ptlib import ffi, lib

if TYPE_CHECKING:
    from .machine import Machine

_LEVELS = {lib.PT_LEVEL_PGD: "pgd", lib.PT_LEVEL_PUD: "pud", lib.PT_LEVEL_PMD: "pmd",
           lib.PT_LEVEL_PTE: "pte"}
FAULT = (1 << 64) - 1      #: translate_many's value for an address that faulted
_CANONICAL_TOPS = (0, (1 << 17) - 1)


@dataclass(frozen=True)
class CacheEntry:
    """A TLB or paging-structure-cache entry.

    TLB: ``level`` is the leaf level ("pte" 4 KiB, "pmd" 2 MiB, "pud" 1 GiB) and ``pfn`` the
    page frame.  PSC: ``level`` is the level of the cached entry ("pgd" = PML4E, "pud" =
    PDPTE, "pmd" = PDE) and ``pfn`` the frame of the table it points to.  ``va`` is the first
    address the entry covers.
    """

    level: str
    va: int
    pcid: int
    pfn: int
    global_: bool = False
    rw: bool = False
    us: bool = False
    nx: bool = False
    dirty: bool = False


def _check_va(va: object) -> int:
    if isinstance(va, bool) or not isinstance(va, int):
        raise TypeError(f"va: expected int, got {type(va).__name__}")
    va = int.__index__(va)           # an int subclass by its value (its own arithmetic aside)
    if not 0 <= va < 1 << 64:
        raise errors.InvalidArgument(f"va: {va:#x} is not a 64-bit unsigned value")
    top = va >> 47
    if top not in (0, (1 << 17) - 1):
        raise errors.InvalidArgument(f"va: {va:#x} is not a canonical 4-level address")
    return va


def _check_bool(name: str, v: object) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"{name}: expected bool, got {type(v).__name__}")
    return v


def _check_pcid(pcid: object) -> int:
    if isinstance(pcid, bool) or not isinstance(pcid, int):
        raise TypeError(f"pcid: expected int, got {type(pcid).__name__}")
    pcid = int.__index__(pcid)
    if not 0 <= pcid <= 4095:
        raise errors.InvalidArgument(f"pcid: {pcid} is not in 0..4095")
    return pcid


def _check_items(name: str, buf: Any, size: int) -> None:
    """A buffer argument must hold items of `size` bytes (or be raw bytes of a multiple)."""
    try:
        mv = memoryview(buf)
    except TypeError as exc:
        raise TypeError(f"{name}: expected a buffer of uint{8 * size}, got "
                        f"{type(buf).__name__}") from exc
    if mv.itemsize != size and not (mv.itemsize == 1 and mv.nbytes % size == 0):
        raise TypeError(f"{name}: items of {mv.itemsize} bytes (format {mv.format!r}); "
                        f"need uint{8 * size}")


def describe_error_code(err: int) -> str:
    """The x86 page-fault error code in words (P, W/R, U/S, RSVD, I/D)."""
    parts = ["protection" if err & lib.PT_PF_PROT else "not-present",
             "write" if err & lib.PT_PF_WRITE else "read",
             "user" if err & lib.PT_PF_USER else "supervisor"]
    if err & lib.PT_PF_RSVD:
        parts.append("reserved-bit")
    if err & lib.PT_PF_INSTR:
        parts.append("instruction-fetch")
    return ", ".join(parts)


class CPU:
    """One emulated CPU of a :class:`~ptlib.machine.Machine` (``m.cpus[i]``)."""

    __slots__ = ("_machine_ref", "_index", "_access1", "_mm", "_panic")

    def __init__(self, machine: "Machine", index: int) -> None:
        # A weak reference: no Machine <-> CPU cycle, so a machine is freed (and its arena
        # recycled) as soon as its last reference goes, not at the next cyclic collection.
        self._machine_ref = weakref.ref(machine)
        self._index = index
        # access()'s fast path: bound once (the machine's handle and its panic setting are
        # fixed for its lifetime)
        self._access1 = lib.pt_cpu_access1
        self._mm = machine._m
        self._panic = machine.panic_on_report

    def __repr__(self) -> str:
        root, pcid = self.cr3
        return f"CPU({self.index}, cr3={root:#x}, pcid={pcid})"

    @property
    def _machine(self) -> "Machine":
        machine = self._machine_ref()
        if machine is None:
            raise errors.PtlibError(
                f"CPU {self.index}: its Machine no longer exists; keep a reference to the "
                "Machine while you use its CPUs")
        return machine

    @property
    def _m(self) -> Any:
        return self._mm

    @property
    def index(self) -> int:
        """This CPU's number in ``machine.cpus`` (read-only: it names the CPU in the core)."""
        return self._index

    def _stats(self) -> Any:
        st = ffi.new("pt_cpu_stats *")
        lib.pt_cpu_stats_get(self._m, self.index, st)
        return st

    def _state(self) -> Any:
        st = ffi.new("pt_cpu_state *")
        lib.pt_cpu_state_get(self._m, self.index, st)
        return st

    # ---- state ----

    @property
    def invlpg_count(self) -> int:
        """INVLPGs this CPU executed (kernel flushes and ``invlpg`` calls)."""
        return int(self._stats().invlpg)

    @property
    def full_flush_count(self) -> int:
        """Full TLB flushes (the kernel's ``__flush_tlb_all``) this CPU executed."""
        return int(self._stats().full_flushes)

    @property
    def cr3(self) -> tuple[int, int]:
        """(root physical address, PCID) loaded in CR3."""
        st = self._state()
        return int(st.cr3_root), int(st.pcid)

    @property
    def pge(self) -> bool:
        """CR4.PGE: global pages enabled."""
        return bool(self._state().pge)

    @property
    def pcide(self) -> bool:
        """CR4.PCIDE: process-context identifiers enabled."""
        return bool(self._state().pcide)

    # ---- accesses ----

    def access(self, va: int, write: bool = False, user: bool = False,
               fetch: bool = False) -> int:
        """Translate va as a data read (or write / user-mode / instruction fetch) would:
        TLB, then the deepest PSC hit, then memory; sets A (and D on a write) like hardware.
        Returns the physical address; raises :class:`~ptlib.PageFault` with the x86 error
        code (the fault drops va's TLB and PSC entries of the current PCID, SDM 4.10.4.1;
        a global entry filled under another PCID stays)."""
        if (write is False and user is False and fetch is False and type(va) is int
                and (va >> 47) in _CANONICAL_TOPS):
            pa = self._access1(self._mm, self._index, va, 0)    # fast path: a plain read
            if pa != FAULT and not self._panic:
                return pa
            v, acc = va, 0
        else:
            v = _check_va(va)
            acc = ((lib.PT_ACC_WRITE if _check_bool("write", write) else 0) |
                   (lib.PT_ACC_USER if _check_bool("user", user) else 0) |
                   (lib.PT_ACC_FETCH if _check_bool("fetch", fetch) else 0))
            pa = self._access1(self._mm, self.index, v, acc)
        if self._panic:
            self._machine._after()
        if pa == FAULT:
            err = int(lib.pt_cpu_last_error(self._mm, self.index))
            raise errors.PageFault(
                f"page fault on CPU {self.index} at va {v:#x}: error code {err:#x} "
                f"({describe_error_code(err)})", va=v, error_code=err, cpu=self.index)
        return int(pa)

    def translate_many(self, vas: Any, out: Any = None, errors_out: Any = None) -> Any:
        """Translate a buffer of uint64 addresses as reads, in C, with no Python loop.

        ``vas``: any buffer of uint64 (``array('Q')``, a NumPy uint64 array, bytes) — a
        list of ints is accepted and converted.  ``out``: a writable uint64 buffer of the same
        length (default: a new ``array('Q')``), which is returned; an address that faults
        gives ``ptlib.cpu.FAULT`` (2**64-1), and so does a non-canonical address (it would
        #GP; error code 0, no cache touched).  ``errors_out``: an optional writable uint32
        buffer that receives each error code (0 when translated).
        """
        if isinstance(vas, (list, tuple)):
            for i, v in enumerate(vas):
                if isinstance(v, bool) or not isinstance(v, int):
                    raise TypeError(f"vas: item {i}: expected int, got {type(v).__name__}")
                if not 0 <= v < 1 << 64:
                    raise errors.InvalidArgument(
                        f"vas: item {i}: {v:#x} is not a 64-bit unsigned value")
            vas = array("Q", vas)
        _check_items("vas", vas, 8)
        if out is not None:
            _check_items("out", out, 8)
        if errors_out is not None:
            _check_items("errors_out", errors_out, 4)
        try:
            src = ffi.from_buffer("uint64_t[]", vas)
        except TypeError as exc:
            raise TypeError(f"vas: expected a buffer of uint64, got {type(vas).__name__}") from exc
        n = len(src)
        if out is None:
            out = array("Q", bytes(8 * n))
        try:
            dst = ffi.from_buffer("uint64_t[]", out, require_writable=True)
        except (TypeError, BufferError) as exc:
            raise TypeError(f"out: expected a writable buffer of uint64, got {type(out).__name__}") from exc
        if len(dst) != n:
            raise errors.InvalidArgument(f"out: has {len(dst)} entries, vas has {n}")
        errp = ffi.NULL
        if errors_out is not None:
            try:
                errp = ffi.from_buffer("uint32_t[]", errors_out, require_writable=True)
            except (TypeError, BufferError) as exc:
                raise TypeError("errors_out: expected a writable buffer of uint32") from exc
            if len(errp) != n:
                raise errors.InvalidArgument(f"errors_out: has {len(errp)} entries, vas has {n}")
        lib.pt_cpu_translate_many(self._m, self.index, src, dst, errp, n)
        self._machine._after()
        return out

    def speculate(self, va: int) -> bool:
        """A speculative walk of va: fills the PSCs and, if a leaf is present, the TLB; never
        faults.  True if it found a translation."""
        rc = lib.pt_cpu_speculate(self._m, self.index, _check_va(va))
        self._machine._after()
        return bool(rc == 1)

    # ---- invalidation ----

    def invlpg(self, va: int) -> None:
        """INVLPG: drop va's TLB entries (current PCID, and global ones) and every PSC entry
        of the current PCID ("sdm") or only those covering va ("covering")."""
        lib.pt_cpu_invlpg(self._m, self.index, _check_va(va))
        self._machine._after()

    def write_cr3(self, root: Optional[int] = None, pcid: int = 0, noflush: bool = False) -> None:
        """MOV to CR3.  Without ``noflush`` (bit 63) the new PCID's non-global TLB entries and
        all its PSC entries are dropped.  ``root`` defaults to init_mm's PGD; a PCID other
        than 0, or noflush, needs CR4.PCIDE (``set_cr4(pcide=True)``)."""
        r = self._machine.root if root is None else root
        if isinstance(r, bool) or not isinstance(r, int):
            raise TypeError(f"root: expected int, got {type(r).__name__}")
        r = int.__index__(r)
        if r % 4096 or not 0 <= r < self._machine.pages.ram_pages * 4096:
            raise errors.InvalidArgument(f"root: {r:#x} is not a page-aligned address in RAM")
        p = _check_pcid(pcid)
        nf = _check_bool("noflush", noflush)
        if not self.pcide and (p or nf):
            raise errors.InvalidArgument(
                "pcid/noflush: need CR4.PCIDE=1 (a PCID other than 0 or the no-flush bit "
                "would #GP)")
        lib.pt_cpu_write_cr3(self._m, self.index, r, p, int(nf))
        self._machine._after()

    def invpcid(self, type: int, pcid: int = 0, va: int = 0) -> None:
        """INVPCID: type 0 drops non-global mappings of (va, pcid); 1 all non-global mappings
        of pcid; 2 everything, global translations included; 3 everything except global."""
        if isinstance(type, bool) or not isinstance(type, int):
            raise TypeError(f"type: expected int, got {type.__class__.__name__}")
        type = int.__index__(type)
        if type not in (0, 1, 2, 3):
            raise errors.InvalidArgument(f"type: {type} is not an INVPCID type (0..3)")
        p = _check_pcid(pcid)
        v = _check_va(va)
        if not self.pcide and type <= 1 and p:
            raise errors.InvalidArgument("pcid: must be 0 while CR4.PCIDE=0 (types 0 and 1)")
        lib.pt_cpu_invpcid(self._m, self.index, type, p, v)
        self._machine._after()

    def flush_all(self) -> None:
        """Toggle CR4.PGE: drop every TLB entry (global ones too) and every PSC entry."""
        lib.pt_cpu_flush_all(self._m, self.index)
        self._machine._after()

    def set_cr4(self, pge: Optional[bool] = None, pcide: Optional[bool] = None) -> None:
        """Write CR4.PGE and/or CR4.PCIDE.  A change of PGE, or clearing PCIDE, flushes
        everything; setting PCIDE needs the PCID in CR3 to be 0."""
        g = self.pge if pge is None else _check_bool("pge", pge)
        c = self.pcide if pcide is None else _check_bool("pcide", pcide)
        if lib.pt_cpu_set_cr4(self._m, self.index, int(g), int(c)) != lib.PT_OK:
            raise errors.InvalidArgument("pcide: CR3's PCID must be 0 to set CR4.PCIDE")
        self._machine._after()

    # ---- inspection ----

    def _entries(self, fn: Any, levels: dict[int, str]) -> list[CacheEntry]:
        n = fn(self._m, self.index, ffi.NULL, 0)
        buf = ffi.new("pt_cache_record[]", max(n, 1))
        fn(self._m, self.index, buf, n)
        return [CacheEntry(levels[r.level], int(r.va), int(r.pcid), int(r.pfn), bool(r.global_),
                           bool(r.rw), bool(r.us), bool(r.nx), bool(r.dirty))
                for r in (buf[i] for i in range(n))]

    def tlb_entries(self) -> list[CacheEntry]:
        """The valid TLB entries (4 KiB, 2 MiB and 1 GiB)."""
        return self._entries(lib.pt_cpu_tlb_entries, _LEVELS)

    def psc_entries(self) -> list[CacheEntry]:
        """The valid paging-structure-cache entries (PML4E, PDPTE and PDE caches)."""
        return self._entries(lib.pt_cpu_psc_entries, _LEVELS)
