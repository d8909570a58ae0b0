# SPDX-License-Identifier: GPL-2.0-only
"""The ``Machine``: emulated RAM, the page allocator, init_mm's page tables, CPUs, and the
ported kernel functions that change them.

This layer stays thin: it checks arguments (every bad input becomes a typed exception naming
the argument and the rule), turns C results into Python objects and exceptions, and leaves
all the work to the C core (``ptlib._ptlib``).
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from . import _hypothesis_hook, errors, profiles
from ._ptlib import ffi, lib
from .cpu import CPU

PAGE_SIZE = 4096
PMD_SIZE = 1 << 21
PUD_SIZE = 1 << 30
PGDIR_SIZE = 1 << 39

VMALLOC_START = 0xFFFFC90000000000
VMALLOC_SIZE = 32 << 40
VMALLOC_END = VMALLOC_START + VMALLOC_SIZE - 1     #: last byte, as the kernel's VMALLOC_END
MAX_PHYS_BITS = 52                                 #: x86-64 MAXPHYADDR limit (4-level)

# Leaf protections (arch/x86/include/asm/pgtable_types.h), 4 KiB pgprot form.
_P, _RW, _US, _PWT, _PCD, _A, _D, _PAT, _G = (1 << b for b in range(9))
_NX = 1 << 63
PAGE_KERNEL_EXEC = _P | _RW | _D | _A | _G          #: __PAGE_KERNEL_EXEC
PAGE_KERNEL = PAGE_KERNEL_EXEC | _NX                #: __PAGE_KERNEL
PAGE_KERNEL_RO = (PAGE_KERNEL & ~_RW)               #: __PAGE_KERNEL_RO
PAGE_KERNEL_IO = PAGE_KERNEL                        #: __PAGE_KERNEL_IO (write-back)
PAGE_KERNEL_IO_NOCACHE = PAGE_KERNEL_IO | _PCD      #: UC- (PAT index 2)
PAGE_KERNEL_NOCACHE = PAGE_KERNEL | _PCD | _PWT     #: UC (PAT index 3)
PAGE_KERNEL_IO_WC = PAGE_KERNEL_IO | _PWT           #: WC (Linux's PAT index 1)
_PROT_ALLOWED = 0x1FF | _NX                         # bits 0..8 and 63

_PAGINGS = {"4level": lib.PT_PAGING_4LEVEL}
_PAGINGS_PLANNED = ("5level", "pae")
_LEVEL_NAMES = {lib.PT_LEVEL_PGD: "pgd", lib.PT_LEVEL_P4D: "p4d", lib.PT_LEVEL_PUD: "pud",
                lib.PT_LEVEL_PMD: "pmd", lib.PT_LEVEL_PTE: "pte"}
_OWNERS = {"pgd": lib.PT_OWNER_PGD, "p4d": lib.PT_OWNER_P4D, "pud": lib.PT_OWNER_PUD,
           "pmd": lib.PT_OWNER_PMD, "pte": lib.PT_OWNER_PTE, "temp": lib.PT_OWNER_TEMP,
           "data": lib.PT_OWNER_DATA}
_REPORT_KINDS = {lib.PT_REPORT_KERNEL_BUG: "KernelBug",
                 lib.PT_REPORT_KERNEL_WARNING: "KernelWarning",
                 lib.PT_REPORT_BAD_PAGE_STATE: "BadPageState",
                 lib.PT_REPORT_STALE_PSC: "StalePagingStructureCache",
                 lib.PT_REPORT_STALE_TLB: "StaleTlbEntry",
                 lib.PT_REPORT_UAF: "PageTableUseAfterFree",
                 lib.PT_REPORT_LEAK: "PageTableLeak"}
_FREE_TABLES = {"28ee90fe6048": lib.PT_FREE_28EE90FE6048, "5e0fb5df2ee8": lib.PT_FREE_5E0FB5DF2EE8,
                "v5.0": lib.PT_FREE_V5_0, "d1c5246e08eb": lib.PT_FREE_D1C5246E08EB,
                "412d000346ea": lib.PT_FREE_412D000346EA}
_SET_HUGE = {"v4.18": lib.PT_SET_HUGE_V4_18, "12f0dd8df142": lib.PT_SET_HUGE_12F0DD8DF142}
_PUD_FREE = {"temp_page": lib.PT_PUD_FREE_TEMP_PAGE, "page_list": lib.PT_PUD_FREE_PAGE_LIST,
             "no_save": lib.PT_PUD_FREE_NO_SAVE}
_FREE_FLUSH = {"one_page": lib.PT_FREE_FLUSH_ONE_PAGE,
               "range_all_pcids": lib.PT_FREE_FLUSH_RANGE_ALL_PCIDS}
#: pause points for Machine.probe_at (kernel.h ptlib_probe_point)
PROBE_POINTS = {"pud_free_pmd_page:before_free_pmd": lib.PT_PROBE_PUD_FREE_BEFORE_FREE_PMD}
_INVLPG_PSC = {"sdm": 0, "covering": 1}
_SPECULATION = {"none": lib.PT_SPEC_NONE, "random": lib.PT_SPEC_RANDOM}
#: default cache sizes (entries): TLBs 4K/2M/1G, then PML4E/PDPTE/PDE caches
CACHE_DEFAULTS = {"tlb_4k": 1024, "tlb_2m": 32, "tlb_1g": 16,
                  "psc_pml4e": 4, "psc_pdpte": 4, "psc_pde": 32}
_MTRR_TYPES = {"UC": 0, "WC": 1, "WT": 4, "WP": 5, "WB": 6}
ENOMEM = 12
EINVAL = 22
ERANGE = 34


@dataclass(frozen=True)
class Walk:
    """A software walk of init_mm's tables for one va (what the MMU would resolve)."""

    va: int
    pa: Optional[int]                 #: physical address of va, None if not mapped
    page_size: Optional[int]          #: 4096, 2 MiB or 1 GiB, None if not mapped
    level: Optional[str]              #: leaf level "pte", "pmd", "pud", or None
    entries: list[tuple[str, int]]    #: (level name, raw value) of each entry read, root first
    prot: Optional[int] = None        #: leaf flags in 4 KiB pgprot form (PAT bit 7, no PSE)


@dataclass(frozen=True)
class Mapping:
    """One leaf: its va (the leaf's start), pa, size and prot (4 KiB pgprot form)."""

    va: int
    pa: int
    size: int
    prot: int


@dataclass(frozen=True)
class PageStats:
    """Allocator statistics (frames of 4 KiB)."""

    allocated: int                    #: frames allocated now
    by_owner: dict[str, int]          #: allocated now, by owner
    allocs: int                       #: allocations since creation
    frees: int                        #: frees since creation
    failed: int                       #: failed allocations (injected or RAM limit)
    peak: int                         #: most frames allocated at once
    free: int = 0                     #: frames that can still be allocated
    ram_pages: int = 0                #: frames of RAM (frame 0 is reserved)
    allocs_by_site: dict[str, int] = field(default_factory=dict)
    frees_by_site: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Flush:
    """One kernel TLB flush: the range as passed (end exclusive), full or per page, CPUs."""

    op: int
    start: int
    end: int
    full: bool
    cpus: tuple[int, ...]

    @property
    def pages(self) -> int:
        """INVLPGs each CPU ran for this flush (0 for a full flush)."""
        if self.full:
            return 0
        return max(0, -(-(self.end - self.start) // PAGE_SIZE))


@dataclass(frozen=True)
class Report:
    """A recorded kernel BUG/WARN or sanitizer finding."""

    kind: str                         #: exception class name, e.g. "KernelBug"
    message: str
    op: int                           #: operation number at detection
    cpu: Optional[int]
    va: int
    pfn: int
    profile: str
    site: str = ""                    #: kernel function (or check) that reported

    def exception(self) -> errors.PtlibError:
        """The exception this report stands for."""
        cls = getattr(errors, self.kind, errors.PtlibError)
        return cls(self.message, self)


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected int, got {type(value).__name__}")
    return int.__index__(value)      # an int subclass by its value (its own arithmetic aside)


def _check_u64(name: str, value: object) -> int:
    v = _check_int(name, value)
    if not 0 <= v < 1 << 64:
        raise errors.InvalidArgument(f"{name}: {v:#x} is not a 64-bit unsigned value")
    return v


def _canonical(va: int) -> bool:
    top = va >> 47
    return top == 0 or top == (1 << 17) - 1


# Validated configurations by their arguments (and the arguments' types), so creating the
# same kind of machine again skips the checks and the struct fill (benchmarks/bench_kit.py).
_CONFIGS: dict[tuple, tuple[Any, dict[str, Any], dict[str, int]]] = {}


def _make_config(paging: object, cpus: object, kernel: object, seed: object,
                 ram_pages: object, invlpg_psc: object, speculation: object,
                 sanitize: object, record_events: object,
                 knobs: dict[str, Any]) -> tuple[Any, dict[str, Any], dict[str, int]]:
    """Check Machine()'s arguments; return the pt_config, the profile knobs and cache sizes."""
    if not isinstance(paging, str):
        raise TypeError(f"paging: expected str, got {type(paging).__name__}")
    if paging in _PAGINGS_PLANNED:
        raise errors.InvalidArgument(
            f"paging: {paging!r} is not implemented yet; available: {sorted(_PAGINGS)}")
    if paging not in _PAGINGS:
        raise errors.InvalidArgument(
            f"paging: unknown mode {paging!r}; known: {sorted(_PAGINGS)}")
    cpus = _check_int("cpus", cpus)
    if not 1 <= cpus <= lib.PT_MAX_CPUS:
        raise errors.InvalidArgument(f"cpus: {cpus} is not in 1..{lib.PT_MAX_CPUS}")
    if not isinstance(kernel, str):
        raise TypeError(f"kernel: expected str, got {type(kernel).__name__}")
    if kernel not in profiles.names():
        raise errors.InvalidArgument(
            f"kernel: unknown profile {kernel!r}; known: {profiles.names()}")
    seed = _check_u64("seed", seed)
    ram_pages = _check_int("ram_pages", ram_pages)
    if not 16 <= ram_pages <= 1 << 26:
        raise errors.InvalidArgument(f"ram_pages: {ram_pages} is not in 16..{1 << 26}")
    for sname, svalue, table in (("invlpg_psc", invlpg_psc, _INVLPG_PSC),
                                 ("speculation", speculation, _SPECULATION)):
        if not isinstance(svalue, str):
            raise TypeError(f"{sname}: expected str, got {type(svalue).__name__}")
        if svalue not in table:
            raise errors.InvalidArgument(f"{sname}: {svalue!r} is not one of {sorted(table)}")
    for bname, bvalue in (("sanitize", sanitize), ("record_events", record_events)):
        if not isinstance(bvalue, bool):
            raise TypeError(f"{bname}: expected bool, got {type(bvalue).__name__}")
    caches = dict(CACHE_DEFAULTS)
    prof: dict[str, Any] = dict(profiles.get(kernel).knobs)
    for name, value in knobs.items():
        if name in CACHE_DEFAULTS:
            value = _check_int(name, value)
            ways = min(4, value) if value > 0 else 1
            sets = value // ways if value > 0 else 0
            if value < 0 or value > 1 << 20 or (value and (sets * ways != value or
                                                           sets & (sets - 1))):
                raise errors.InvalidArgument(
                    f"{name}: {value} entries; need 0 (not implemented) or up to 4 ways "
                    "times a power of two, at most 2**20")
            caches[name] = value
            continue
        if name not in profiles.KNOBS:
            raise errors.InvalidArgument(
                f"{name}: not a Machine argument nor a profile knob; knobs: "
                f"{sorted(profiles.KNOBS)}")
        allowed = profiles.KNOBS[name].values
        if allowed is not None:
            if value not in allowed:
                raise errors.InvalidArgument(f"{name}: {value!r} is not one of {allowed}")
            prof[name] = value
            continue
        if not isinstance(value, (bool, int)) or value not in (0, 1):
            raise errors.InvalidArgument(f"{name}: knob values are True or False")
        prof[name] = bool(value)

    cfg = ffi.new("pt_config *")
    cfg.paging = _PAGINGS[paging]
    cfg.ncpus = cpus
    cfg.ram_pages = ram_pages
    cfg.seed = seed
    for name, value in prof.items():
        if name == "fault_inject_order":    # not in pt_profile: set_fail_page_alloc passes it
            continue
        setattr(cfg.profile, name,
                _FREE_TABLES[value] if name == "free_tables" else
                _PUD_FREE[value] if name == "pud_free" else
                _FREE_FLUSH[value] if name == "free_flush" else
                _SET_HUGE[value] if name == "set_huge" else int(value))
    # mtrr_type_lookup() follows set_huge: 12f0dd8df142 and the cache-map lookup (8227f40ade23,
    # 973df1942068) are one series, Juergen Gross's x86/mtrr rework merged for v6.5.
    cfg.profile.mtrr_lookup = (lib.PT_MTRR_LOOKUP_V6_5 if prof["set_huge"] == "12f0dd8df142"
                               else lib.PT_MTRR_LOOKUP_V4_18)
    cfg.invlpg_covering = _INVLPG_PSC[invlpg_psc]
    cfg.sanitize = int(sanitize)
    cfg.record_events = int(record_events)
    cfg.speculation = _SPECULATION[speculation]
    for i, k in enumerate(("tlb_4k", "tlb_2m", "tlb_1g")):
        cfg.tlb_entries[i] = caches[k]
    for i, k in enumerate(("psc_pml4e", "psc_pdpte", "psc_pde")):
        cfg.psc_entries[i] = caches[k]
    return cfg, prof, caches


class Machine:
    """An emulated x86 machine running a ported Linux kernel profile.

    ``Machine(paging="4level", cpus=1, kernel="v4.18", seed=0, ram_pages=65536, **knobs)``:
    ``kernel`` names a profile (``ptlib.profiles.names()``); ``knobs`` override single knobs
    of it; ``ram_pages`` is the RAM size in 4 KiB frames (a limit that makes allocations
    fail like GFP_KERNEL under OOM).  Only 4-level paging is implemented so far.

    CPU model: ``invlpg_psc`` is "sdm" (INVLPG drops every PSC entry of the current PCID,
    the default) or "covering" (only entries covering the address); ``speculation`` is
    "none" (only ``cpu.speculate``) or "random" (after each kernel operation each CPU walks
    a random page of a recently used range, seeded by ``seed``); cache sizes in entries:
    ``tlb_4k``, ``tlb_2m``, ``tlb_1g``, ``psc_pml4e``, ``psc_pdpte``, ``psc_pde`` (0 = not
    implemented; otherwise ways (up to 4) times a power of two).  ``sanitize`` turns the
    sanitizer off for comparison runs; ``panic_on_report`` raises a report's exception as
    soon as an operation records it.
    """

    def __init__(self, paging: str = "4level", cpus: int = 1, kernel: str = "v4.18",
                 seed: int = 0, ram_pages: int = 65536, *, invlpg_psc: str = "sdm",
                 speculation: str = "none", sanitize: bool = True,
                 panic_on_report: bool = False, record_events: bool = False,
                 alloc_policy: str = "lifo", quarantine: int = 0,
                 **knobs: Any) -> None:
        args = (paging, cpus, kernel, seed, ram_pages, invlpg_psc, speculation, sanitize,
                record_events)
        try:     # the types are part of the key: True == 1 must not pass for an int
            key: Optional[tuple] = (args, tuple(map(type, args)),
                                    tuple((k, type(v), v) for k, v in knobs.items()))
            hit = _CONFIGS.get(key)
        except Exception:       # an unhashable argument: the checks below name it
            key = hit = None
        if hit is None:
            hit = _make_config(*args, knobs)
            if key is not None:
                if len(_CONFIGS) >= 1024:
                    _CONFIGS.clear()
                _CONFIGS[key] = hit
        cfg, prof, caches = hit
        if not isinstance(panic_on_report, bool):
            raise TypeError(f"panic_on_report: expected bool, got {type(panic_on_report).__name__}")
        err = ffi.new("char[256]")
        raw = lib.pt_machine_new(cfg, err, 256)
        if raw == ffi.NULL:
            raise errors.InvalidArgument(ffi.string(err).decode())
        self._m = ffi.gc(raw, lib.pt_machine_free)
        self.paging = paging
        self.kernel = kernel
        self.profile = kernel
        self.knobs: dict[str, Any] = dict(prof)
        self._fault_v4_18_order = prof["fault_inject_order"] == "v4.18"   # for pt_fault_attr
        self.caches = dict(caches)
        self.invlpg_psc = invlpg_psc
        self.speculation = speculation
        self.sanitize = sanitize
        self.panic_on_report = panic_on_report
        self._seen_reports = 0
        self.seed = cfg.seed                 # the checked values (int subclasses by value)
        self.cpus: list[CPU] = [CPU(self, i) for i in range(cfg.ncpus)]
        self._init_alloc_policy(alloc_policy, quarantine)    # ptlib/faults.py

    def __repr__(self) -> str:
        return (f"Machine(paging={self.paging!r}, cpus={len(self.cpus)}, "
                f"kernel={self.kernel!r}, op={self.op})")

    # ---- state ----

    @property
    def root(self) -> int:
        """Physical address of init_mm's PGD."""
        return int(lib.pt_root(self._m))

    @property
    def op(self) -> int:
        """The number of the last operation (every kernel function call is one)."""
        return int(lib.pt_op(self._m))

    def kernel_bodies(self) -> dict[str, str]:
        """The kernel functions whose body the profile chooses, each with the origin of the
        body this machine runs: ``{"pmd_free_pte_page": "arch/x86/mm/pgtable.c v4.18
        (5e0fb5df2ee8)", ...}`` (csrc/kops/select.c)."""
        out = {}
        origin = ffi.new("const char **")
        i = 0
        while True:
            name = lib.pt_machine_kernel_body(self._m, i, origin)
            if name == ffi.NULL:
                return out
            out[ffi.string(name).decode()] = ffi.string(origin[0]).decode()
            i += 1

    # ---- argument checks ----

    def _check_range(self, start: object, end: object, *, area: str = "vmalloc") -> tuple[int, int]:
        s = _check_u64("start", start)
        e = _check_u64("end", end)
        for name, v in (("start", s), ("end", e)):
            if v % PAGE_SIZE:
                raise errors.InvalidArgument(f"{name}: {v:#x} is not page aligned (4096)")
        if not _canonical(s):
            raise errors.InvalidArgument(f"start: {s:#x} is not a canonical 4-level address")
        if e <= s:
            raise errors.InvalidArgument(
                f"end: {e:#x} must be above start {s:#x} (the range is empty or reversed)")
        if area == "vmalloc" and not (VMALLOC_START <= s and e - 1 <= VMALLOC_END):
            raise errors.InvalidArgument(
                f"start/end: [{s:#x}, {e:#x}) is outside the vmalloc area "
                f"[{VMALLOC_START:#x}, {VMALLOC_END + 1:#x})")
        return s, e

    @staticmethod
    def _check_phys(phys: object, size: int, align: int = PAGE_SIZE, name: str = "phys") -> int:
        p = _check_u64(name, phys)
        if p % align:
            raise errors.InvalidArgument(f"{name}: {p:#x} is not aligned to {align:#x}")
        if p + size > 1 << MAX_PHYS_BITS:
            raise errors.InvalidArgument(
                f"{name}: [{p:#x}, {p + size:#x}) goes beyond the {MAX_PHYS_BITS}-bit "
                "physical address limit")
        return p

    @staticmethod
    def _check_prot(prot: object) -> int:
        p = _check_u64("prot", prot)
        if p & ~_PROT_ALLOWED:
            raise errors.InvalidArgument(
                f"prot: {p:#x} has bits outside the flags (0..8 and 63 NX): "
                f"{p & ~_PROT_ALLOWED:#x}")
        return p

    def _check_va(self, va: object, align: int) -> int:
        v = _check_u64("va", va)
        if not _canonical(v):
            raise errors.InvalidArgument(f"va: {v:#x} is not a canonical 4-level address")
        if v % align:
            raise errors.InvalidArgument(f"va: {v:#x} is not aligned to {align:#x}")
        return v

    # ---- results ----

    def _after(self) -> None:
        """With panic_on_report, raise the first report recorded since the last check."""
        n = lib.pt_report_count(self._m)
        if self.panic_on_report and n > self._seen_reports:
            first = self._seen_reports
            self._seen_reports = n
            raise self._report(first).exception()
        self._seen_reports = n

    def _status(self, status: int, what: str, va: int = 0) -> None:
        if status == lib.PT_OK:
            self._after()
            return
        if status == lib.PT_EBUG:
            self._seen_reports = lib.pt_report_count(self._m)
            rep = self._report(lib.pt_report_count(self._m) - 1)
            raise errors.KernelBug(rep.message, rep)
        if status == lib.PT_ENOTABLE:
            raise errors.InvalidArgument(
                f"va: no table at the level {what} works on covers {va:#x} "
                "(a table above it is missing or is a leaf)")
        raise errors.InvalidArgument(f"{what}: rejected by the core (status {status})")

    # ---- the kernel port ----

    def ioremap_page_range(self, start: int, end: int, phys: int,
                           prot: int = PAGE_KERNEL_IO) -> int:
        """lib/ioremap.c ``ioremap_page_range(start, end, phys, prot)``.

        Maps [start, end) of the vmalloc area to phys with the largest leaves the profile
        allows.  Returns 0; raises ``OutOfMemory`` on -ENOMEM (what was mapped before the
        failure stays, as in the kernel) and ``KernelBug`` on the PTE walk's BUG_ON.

        With the knob ``ioremap_vm_area_check`` (v6.9, 3e49a866c9dc; on from the v6.19
        profile on) the range must be exactly one live VM_IOREMAP area without its guard
        page (what :meth:`ioremap` reserves): otherwise the kernel WARN_ONCEs (a
        ``KernelWarning`` report, once per message on a machine), maps nothing and returns
        -EINVAL (no VM_IOREMAP area contains start) or -ERANGE (the range is not the whole
        area), raised here as ``InvalidArgument`` naming ``start`` and quoting the warning.
        """
        s, e = self._check_range(start, end)
        p = self._check_phys(phys, e - s)
        pr = self._check_prot(prot)
        ret = ffi.new("int *")
        self._status(lib.pt_ioremap_page_range(self._m, s, e, p, pr, ret), "ioremap_page_range")
        if ret[0] == -ENOMEM:
            raise errors.OutOfMemory(
                f"ioremap_page_range({s:#x}, {e:#x}): -ENOMEM (page-table allocation failed)")
        if ret[0] == -EINVAL:       # mm/vmalloc.c v6.9 (3e49a866c9dc)
            raise errors.InvalidArgument(
                f"start: {s:#x}: ioremap_page_range: -EINVAL: vm_area at addr {s:x} is not "
                "marked as VM_IOREMAP (v6.9 maps only a whole VM_IOREMAP area: use ioremap(), "
                "or the knob ioremap_vm_area_check=False)")
        if ret[0] == -ERANGE:
            lo, hi = self._vm_area_at(s)
            raise errors.InvalidArgument(
                f"start: {s:#x}: ioremap_page_range: -ERANGE: ioremap request [{s:x},{e:x}) "
                f"doesn't match vm_area [{lo:x}, {hi:x}) (v6.9 maps only a whole VM_IOREMAP "
                "area)")
        return int(ret[0])

    def _vm_area_at(self, va: int) -> tuple[int, int]:
        """The live area containing va, without its guard page, as the kernel's
        ``[area->addr, area->addr + get_vm_area_size(area))``."""
        for st, sz, _ in self.vm_areas():
            if st <= va < st + sz:
                return st, st + sz - PAGE_SIZE
        return 0, 0

    def unmap_kernel_range(self, addr: int, size: int) -> None:
        """mm/vmalloc.c (v4.18) ``unmap_kernel_range(addr, size)``: clear leaves, flush."""
        sz, a = _check_u64("size", size), _check_u64("addr", addr)
        try:
            self._check_range(a, a + sz)
        except errors.InvalidArgument as exc:
            raise errors.InvalidArgument(f"addr/size: {exc}") from None
        self.vunmap_range(a, a + sz)

    def vunmap_range(self, start: int, end: int) -> None:
        """Unmap [start, end): clear the leaves (huge ones whole), never free tables, then
        ``flush_tlb_kernel_range(start, end)``.  In v4.18 this is ``unmap_kernel_range``;
        ``vunmap_range`` is its v5.13 name."""
        s, e = self._check_range(start, end)
        self._status(lib.pt_unmap_kernel_range(self._m, s, e - s), "vunmap_range")

    def vunmap_range_noflush(self, start: int, end: int) -> None:
        """Like :meth:`vunmap_range` without the flush (``unmap_kernel_range_noflush``)."""
        s, e = self._check_range(start, end)
        self._status(lib.pt_unmap_kernel_range_noflush(self._m, s, e - s),
                     "vunmap_range_noflush")

    def _one_entry(self, fn: Any, what: str, va: int, align: int, *args: int) -> int:
        v = self._check_va(va, align)
        ret = ffi.new("int *")
        self._status(fn(self._m, v, *args, ret), what, v)
        return int(ret[0])

    def pmd_set_huge(self, va: int, phys: int, prot: int = PAGE_KERNEL_IO) -> int:
        """``pmd_set_huge()`` on the PMD entry of va: 1 if a 2 MiB leaf was set, 0 if refused
        (a present non-leaf entry, or MTRRs: set_huge v4.18 refuses a non-uniform range whose
        type is not WB, 12f0dd8df142 any range its v6.5 mtrr_type_lookup() says is not uniform)."""
        p = self._check_phys(phys, PMD_SIZE, PMD_SIZE)
        return self._one_entry(lib.pt_pmd_set_huge, "pmd_set_huge", va, PMD_SIZE, p,
                               self._check_prot(prot))

    def pud_set_huge(self, va: int, phys: int, prot: int = PAGE_KERNEL_IO) -> int:
        """``pud_set_huge()`` on the PUD entry of va: 1 if a 1 GiB leaf was set, 0 if refused."""
        p = self._check_phys(phys, PUD_SIZE, PUD_SIZE)
        return self._one_entry(lib.pt_pud_set_huge, "pud_set_huge", va, PUD_SIZE, p,
                               self._check_prot(prot))

    def pmd_clear_huge(self, va: int) -> int:
        """``pmd_clear_huge()``: 1 if the PMD entry of va was a leaf and was cleared."""
        return self._one_entry(lib.pt_pmd_clear_huge, "pmd_clear_huge", va, PMD_SIZE)

    def pud_clear_huge(self, va: int) -> int:
        """``pud_clear_huge()``: 1 if the PUD entry of va was a leaf and was cleared."""
        return self._one_entry(lib.pt_pud_clear_huge, "pud_clear_huge", va, PUD_SIZE)

    def pmd_free_pte_page(self, va: int) -> int:
        """``pmd_free_pte_page(pmd, va)`` as the profile has it (v4.18: clear the PMD entry,
        flush [va, va+PAGE_SIZE-1], free the PTE table; 1 on success or none)."""
        return self._one_entry(lib.pt_pmd_free_pte_page, "pmd_free_pte_page", va, PMD_SIZE)

    def pud_free_pmd_page(self, va: int) -> int:
        """``pud_free_pmd_page(pud, va)`` as the profile has it (v4.18: temporary page, clear
        512 PMDs and the PUD, one flush, free PTE tables, temp page, PMD table; 0 with
        nothing changed if the temporary page cannot be allocated).  The ``pud_free`` knob
        picks another strategy ("page_list", "no_save": never allocate, never fail)."""
        return self._one_entry(lib.pt_pud_free_pmd_page, "pud_free_pmd_page", va, PUD_SIZE)

    def flush_tlb_kernel_range(self, start: int, end: int) -> None:
        """arch/x86/mm/tlb.c ``flush_tlb_kernel_range(start, end)`` (end exclusive; more than
        33 pages is a full flush on every CPU, else one INVLPG per page on every CPU)."""
        s = _check_u64("start", start)
        e = _check_u64("end", end)
        if not _canonical(s):
            raise errors.InvalidArgument(f"start: {s:#x} is not a canonical 4-level address")
        if e < s:
            raise errors.InvalidArgument(f"end: {e:#x} is below start {s:#x}")
        if (1 << 64) - PAGE_SIZE < e < (1 << 64) - 1:
            raise errors.InvalidArgument(
                f"end: {e:#x} is inside the last page; use {(1 << 64) - 1:#x} (TLB_FLUSH_ALL)")
        self._status(lib.pt_flush_tlb_kernel_range(self._m, s, e), "flush_tlb_kernel_range")

    def flush_tlb_all(self) -> None:
        """arch/x86/mm/tlb.c ``flush_tlb_all()``: a full flush on every CPU."""
        self._status(lib.pt_flush_tlb_all(self._m), "flush_tlb_all")

    # ---- MTRRs ----

    def add_mtrr(self, base: int, size: int, type: str = "UC") -> None:
        """Add a variable-range MTRR [base, base+size) of ``type`` ("UC", "WC", "WT", "WP",
        "WB").  With none (the default), MTRRs are off and every range is uniform."""
        b = self._check_phys(base, 0, PAGE_SIZE, "base")
        sz = _check_u64("size", size)
        if sz == 0 or sz % PAGE_SIZE or b + sz > 1 << MAX_PHYS_BITS:
            raise errors.InvalidArgument(
                f"size: {sz:#x} must be a non-zero multiple of 4096 within the physical limit")
        if not isinstance(type, str):
            raise TypeError(f"type: expected str, got {type.__class__.__name__}")
        if type not in _MTRR_TYPES:
            raise errors.InvalidArgument(f"type: {type!r} is not one of {sorted(_MTRR_TYPES)}")
        if lib.pt_mtrr_add(self._m, b, sz, _MTRR_TYPES[type]) != lib.PT_OK:
            raise errors.InvalidArgument(f"base: no room for another MTRR (at most {lib.PT_MAX_MTRR})")

    # ---- RAM and allocator ----

    def read_phys(self, pa: int, n: int) -> bytes:
        """n bytes of emulated RAM at physical address pa."""
        a = _check_u64("pa", pa)
        k = _check_int("n", n)
        if k < 0:
            raise errors.InvalidArgument(f"n: {k} is negative")
        if a + k > self.pages.ram_pages * PAGE_SIZE:
            raise errors.InvalidArgument(
                f"pa/n: [{a:#x}, {a + k:#x}) is not inside RAM (0..{self.pages.ram_pages * PAGE_SIZE:#x})")
        buf = ffi.new("uint8_t[]", max(k, 1))
        if lib.pt_read_phys(self._m, a, buf, k) != lib.PT_OK:
            raise errors.InvalidArgument(
                f"pa: [{a:#x}, {a + k:#x}) is not inside RAM (0..{self.pages.ram_pages * PAGE_SIZE:#x})")
        return bytes(ffi.buffer(buf, k))

    def write_phys(self, pa: int, data: bytes) -> None:
        """Write bytes into emulated RAM at physical address pa (tests: the attacker page)."""
        a = _check_u64("pa", pa)
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data: expected bytes, got {type(data).__name__}")
        raw = bytes(data)
        if lib.pt_write_phys(self._m, a, raw, len(raw)) != lib.PT_OK:
            raise errors.InvalidArgument(f"pa: [{a:#x}, {a + len(raw):#x}) is not inside RAM")
        self._after()

    def alloc_page(self) -> int:
        """Allocate a data frame and return its physical address (LIFO: the most recently
        freed frame comes back first).  ``OutOfMemory`` if none can be had."""
        pa = ffi.new("uint64_t *")
        if lib.pt_alloc_data_page(self._m, pa) != lib.PT_OK:
            raise errors.OutOfMemory("alloc_page: no free frame (RAM limit or injected failure)")
        return int(pa[0])

    def free_page(self, pa: int) -> None:
        """Free a data frame obtained from :meth:`alloc_page`."""
        a = _check_u64("pa", pa)
        info = self.frame(a // PAGE_SIZE) if a % PAGE_SIZE == 0 else None
        if info is None or info["state"] != "allocated" or info["owner"] != "data":
            raise errors.InvalidArgument(f"pa: {a:#x} is not an allocated data frame")
        lib.pt_free_data_page(self._m, a)

    def frame(self, pfn: int) -> Optional[dict[str, Any]]:
        """Metadata of frame pfn (state, owner, allocating/freeing op and site), None if
        pfn is not RAM."""
        p = _check_u64("pfn", pfn)
        fi = ffi.new("pt_frame_info *")
        if lib.pt_frame_info_get(self._m, p, fi) != lib.PT_OK:
            return None
        states = {lib.PT_FRAME_FREE: "free", lib.PT_FRAME_ALLOCATED: "allocated",
                  lib.PT_FRAME_RESERVED: "reserved"}
        return {"state": states[fi.state], "owner": ffi.string(lib.pt_owner_name(fi.owner)).decode(),
                "alloc_op": int(fi.alloc_op), "alloc_site": _site(fi.alloc_site),
                "free_op": int(fi.free_op), "free_site": _site(fi.free_site)}

    @property
    def pages(self) -> PageStats:
        """Allocator statistics (``PageStats``)."""
        st = ffi.new("pt_stats *")
        lib.pt_get_stats(self._m, st)
        by_owner, allocs, frees = st.by_owner, st.allocs_by_site, st.frees_by_site
        return PageStats(
            allocated=st.allocated,
            by_owner={name: by_owner[i] for name, i in _OWNERS.items()},
            allocs=st.allocs, frees=st.frees, failed=st.failed,
            peak=st.peak, free=st.free, ram_pages=st.ram_pages,
            allocs_by_site={name: allocs[i] for i, name in enumerate(_SITE_NAMES) if allocs[i]},
            frees_by_site={name: frees[i] for i, name in enumerate(_SITE_NAMES) if frees[i]},
        )

    def fail_nth(self, n: int) -> None:
        """Make the n-th next page allocation fail (1 = the very next; 0 = off), like
        /proc/self/fail-nth.  Every allocation attempt counts down, whatever its site."""
        k = _check_int("n", n)
        if k < 0:
            raise errors.InvalidArgument(f"n: {k} is negative")
        if k >= 1 << 64:
            raise errors.InvalidArgument(f"n: {k:#x} is not a 64-bit unsigned value")
        lib.pt_fail_nth(self._m, k)

    @contextlib.contextmanager
    def failing_nth(self, n: int) -> Iterator[None]:
        """Context manager: :meth:`fail_nth` inside, off again on exit."""
        self.fail_nth(n)
        try:
            yield
        finally:
            lib.pt_fail_nth(self._m, 0)

    # ---- inspection ----

    def walk(self, va: int) -> Walk:
        """Software walk of init_mm's tables for va (present and PS bits decide, as the MMU)."""
        v = _check_u64("va", va)
        if not _canonical(v):
            raise errors.InvalidArgument(f"va: {v:#x} is not a canonical 4-level address")
        w = ffi.new("pt_walk_result *")
        lib.pt_walk(self._m, v, w)
        entries = [(_LEVEL_NAMES[w.levels[i]], int(w.entries[i])) for i in range(w.nentries)]
        if w.leaf_level == 0:
            return Walk(v, None, None, None, entries)
        return Walk(v, int(w.pa), int(w.page_size), _LEVEL_NAMES[w.leaf_level], entries,
                    int(w.prot))

    def translate(self, va: int) -> Optional[int]:
        """Physical address of va by a software walk, None if unmapped."""
        return self.walk(va).pa

    def mappings(self, start: int = VMALLOC_START, end: int = VMALLOC_END + 1) -> list[Mapping]:
        """The leaves overlapping [start, end), one ``Mapping`` each, in va order."""
        s = _check_u64("start", start)
        e = _check_int("end", end)
        if not 0 < e <= 1 << 64 or e <= s:
            raise errors.InvalidArgument(f"end: {e:#x} must be above start {s:#x}")
        if not _canonical(s):
            raise errors.InvalidArgument(f"start: {s:#x} is not a canonical 4-level address")
        if not _canonical(e - 1) or (e - 1) >> 63 != s >> 63:
            raise errors.InvalidArgument(
                f"end: [{s:#x}, {e:#x}) reaches into the non-canonical hole")
        e = min(e, (1 << 64) - 1)
        cap = 256
        while True:
            buf = ffi.new("pt_mapping[]", cap)
            n = lib.pt_mappings(self._m, s, e, buf, cap)
            if n > lib.pt_mappings_limit(self._m):
                raise errors.InvalidArgument(
                    f"start/end: [{s:#x}, {e:#x}) holds more leaves than tables in RAM can "
                    f"({lib.pt_mappings_limit(self._m)}): tables are linked more than once "
                    "(write_phys?); ask for a smaller range")
            if n <= cap:
                return [Mapping(int(buf[i].va), int(buf[i].pa), int(buf[i].size),
                                int(buf[i].prot)) for i in range(n)]
            cap = n

    def ptdump(self) -> str:
        """init_mm's tables in the format of /sys/kernel/debug/page_tables/kernel."""
        need = lib.pt_ptdump(self._m, ffi.NULL, 0)
        buf = ffi.new("char[]", need)
        lib.pt_ptdump(self._m, buf, need)
        return ffi.string(buf).decode()

    def reachable_tables(self) -> dict[str, int]:
        """Table pages reachable from the root through present non-leaf entries, by level
        (plus "bad_pointers": table entries pointing outside RAM)."""
        c = ffi.new("pt_table_census *")
        if lib.pt_census(self._m, c) != lib.PT_OK:
            raise errors.OutOfMemory("reachable_tables: no host memory for the walk")
        out = {"pgd": int(c.by_level[lib.PT_LEVEL_PGD]), "pud": int(c.by_level[lib.PT_LEVEL_PUD]),
               "pmd": int(c.by_level[lib.PT_LEVEL_PMD]), "pte": int(c.by_level[lib.PT_LEVEL_PTE])}
        out["bad_pointers"] = int(c.bad_pointers)
        return out

    def leaked_tables(self) -> dict[str, int]:
        """Allocated table pages minus reachable ones, by level (all zero when nothing leaks).
        Frames queued for the deferred-free worker (``deferred_free``) are not leaks."""
        reach = self.reachable_tables()
        owned = self.pages.by_owner
        pending = {"pgd": 0, "p4d": 0, "pud": 0, "pmd": 0, "pte": 0}
        for pfn in self.deferred_frames() if lib.pt_deferred_count(self._m) else ():
            f = self.frame(pfn)
            if f is not None and f["owner"] in pending:
                pending[f["owner"]] += 1
        return {lvl: owned[lvl] - reach[lvl] - pending[lvl]
                for lvl in ("pgd", "pud", "pmd", "pte")}

    @property
    def flushes(self) -> list[Flush]:
        """Every kernel TLB flush so far, in order."""
        out = []
        ev = ffi.new("pt_flush_event *")
        for i in range(lib.pt_flush_count(self._m)):
            lib.pt_flush_get(self._m, i, ev)
            cpus = tuple(c for c in range(len(self.cpus)) if ev.cpumask >> c & 1)
            out.append(Flush(int(ev.op), int(ev.start), int(ev.end), bool(ev.full), cpus))
        return out

    def _report(self, i: int) -> Report:
        r = ffi.new("pt_report *")
        lib.pt_report_get(self._m, i, r)
        return Report(kind=_REPORT_KINDS.get(r.kind, "PtlibError"),
                      message=ffi.string(r.message).decode(errors="replace"),
                      op=int(r.op), cpu=None if r.cpu < 0 else int(r.cpu), va=int(r.va),
                      pfn=int(r.pfn), profile=self.kernel,
                      site=ffi.string(r.site).decode(errors="replace"))

    @property
    def reports(self) -> list[Report]:
        """Every report recorded so far (kernel BUGs and WARNs, bad page states)."""
        return [self._report(i) for i in range(lib.pt_report_count(self._m))]

    @property
    def reports_dropped(self) -> int:
        """Reports not stored because :attr:`reports` already holds ``PT_MAX_REPORTS``
        (16384; a WARN per entry of a huge range would otherwise take gigabytes).  Kernel
        BUG reports are always stored.  :meth:`clear_reports` resets it."""
        return int(lib.pt_reports_dropped(self._m))

    def clear_reports(self) -> None:
        """Forget the recorded reports."""
        lib.pt_reports_clear(self._m)
        self._seen_reports = 0

    def events(self) -> list[tuple[str, int, int, int, int, int, int]]:
        """The sanitizer's event log (needs ``Machine(record_events=True)``), in order, as
        (kind, cpu, pcid, level, a, b, c): "root" (a = pgd pfn), "write" (a = entry's
        physical address, b = old, c = new value, level of the table), "slot" (cpu switches
        to pcid, b = 1 if that PCID's PSC entries are flushed), "flush_slot", "flush_cpu",
        "cover" (PSC entries of (cpu, pcid) covering va = a dropped), "alloc" (a = pfn,
        b = owner number, c = 1 if zeroed), "free" (a = pfn).  PTE writes over non-present
        entries are not logged (they cannot change reachability)."""
        names = {lib.PT_EV_ROOT: "root", lib.PT_EV_WRITE: "write", lib.PT_EV_SLOT: "slot",
                 lib.PT_EV_FLUSH_SLOT: "flush_slot", lib.PT_EV_FLUSH_CPU: "flush_cpu",
                 lib.PT_EV_COVER: "cover", lib.PT_EV_ALLOC: "alloc", lib.PT_EV_FREE: "free"}
        n = lib.pt_event_count(self._m)
        buf = ffi.new("pt_event[]", max(n, 1))
        lib.pt_events_get(self._m, 0, buf, n)
        return [(names[e.kind], int(e.cpu), int(e.pcid), int(e.level), int(e.a), int(e.b),
                 int(e.c)) for e in (buf[i] for i in range(n))]

    def check_leaks(self) -> int:
        """Record a ``PageTableLeak`` report for every table page that is allocated but not
        reachable from the root (and not pending free); returns how many."""
        n = int(lib.pt_check_leaks(self._m))
        self._after()
        return n

    def check(self) -> None:
        """Raise the first recorded report as its exception class; nothing if none."""
        if lib.pt_report_count(self._m):
            raise self._report(0).exception()

    # ---- pause points (what a software walker would see mid-operation) ----

    def probe_at(self, point: Optional[str]) -> None:
        """Arm a pause point (``PROBE_POINTS``), or disarm with None; clears the last
        capture.  When a kernel function reaches the armed point, the 512 entries of the
        table it is about to free are copied (a software walker still holding the old table
        pointer would read exactly these).  Only point so far:
        ``"pud_free_pmd_page:before_free_pmd"`` — the PTE tables are freed, the PMD table
        not yet."""
        if point is not None and not isinstance(point, str):
            raise TypeError(f"point: expected str or None, got {type(point).__name__}")
        if point is not None and point not in PROBE_POINTS:
            raise errors.InvalidArgument(f"point: {point!r} is not one of {sorted(PROBE_POINTS)}")
        if lib.pt_probe_set(self._m, lib.PT_PROBE_NONE if point is None
                            else PROBE_POINTS[point]) == lib.PT_ENOMEM:
            raise MemoryError("probe_at: out of host memory for the capture buffer")

    def probe_result(self) -> Optional[dict[str, Any]]:
        """The last capture since :meth:`probe_at`: {"hits": times the point was reached,
        "op": operation, "table_pa": the table's physical address, "entries": its 512 raw
        entries}; None if the point was not reached."""
        op, pa = ffi.new("uint64_t *"), ffi.new("uint64_t *")
        buf = ffi.new("uint64_t[512]")
        hits = int(lib.pt_probe_get(self._m, op, pa, buf))
        if not hits:
            return None
        return {"hits": hits, "op": int(op[0]), "table_pa": int(pa[0]),
                "entries": [int(buf[i]) for i in range(512)]}

    # ---- fault injection and allocator policy (ptlib/faults.py) ----

    def _init_alloc_policy(self, policy: object, quarantine: object) -> None:
        self._fpa_seed: Optional[int] = None
        if policy.__class__ is str and policy == "lifo" and quarantine.__class__ is int \
                and quarantine == 0:         # the default: what pt_machine_new set up
            lib.pt_alloc_policy_set(self._m, lib.PT_ALLOC_LIFO, 0, self.seed)
            self.alloc_policy, self.quarantine = "lifo", 0
            return
        from . import faults
        if not isinstance(policy, str):
            raise TypeError(f"alloc_policy: expected str, got {type(policy).__name__}")
        if policy not in faults.ALLOC_POLICIES:
            raise errors.InvalidArgument(
                f"alloc_policy: {policy!r} is not one of {sorted(faults.ALLOC_POLICIES)}")
        q = _check_int("quarantine", quarantine)
        if policy != "quarantine" and q:
            raise errors.InvalidArgument(
                f"quarantine: {q} frames needs alloc_policy='quarantine' (got {policy!r})")
        if policy == "quarantine" and not 1 <= q <= self.pages.ram_pages:
            raise errors.InvalidArgument(
                f"quarantine: {q} is not in 1..{self.pages.ram_pages} (frames held back)")
        lib.pt_alloc_policy_set(self._m, faults.ALLOC_POLICIES[policy], q, self.seed)
        self.alloc_policy = policy
        self.quarantine = q

    @property
    def quarantined(self) -> int:
        """Freed frames held back by the quarantine policy right now."""
        return int(lib.pt_quarantined(self._m))

    def set_fail_page_alloc(self, config: Any = None, **fields: Any) -> Any:
        """Set the fail_page_alloc attributes (``ptlib.faults.FailPageAlloc``; fields not
        given take the kernel defaults; interval counter and PRNG start over).  Returns
        the new ``FailPageAlloc``."""
        from . import faults
        if config is None:
            fa = faults.FailPageAlloc(**faults.check_fields(fields))
        elif isinstance(config, faults.FailPageAlloc):
            fa = config.replace(**fields) if fields else config
        else:
            raise TypeError(f"config: expected FailPageAlloc, got {type(config).__name__}")
        lib.pt_fault_attr_set(self._m, faults.to_c(
            fa, self.seed, v4_18_order=self._fault_v4_18_order))
        self._fpa_seed = fa.seed
        return fa

    def fail_page_alloc(self, **fields: Any) -> Any:
        """Set the fail_page_alloc attributes now (as :meth:`set_fail_page_alloc`); the
        result is a context manager restoring the previous state on exit::

            with m.fail_page_alloc(probability=100, times=1, sites={"pud_free_pmd_page"},
                                   ignore_gfp_wait=False, min_order=0):
                ...
        """
        from . import faults
        saved = ffi.new("pt_fault_attr *")
        lib.pt_fault_attr_get(self._m, saved)
        saved_seed = self._fpa_seed
        self.set_fail_page_alloc(**fields)
        return faults.FailPageAllocScope(self, saved, saved_seed)

    @property
    def fail_page_alloc_state(self) -> Any:
        """The current attributes as a ``FailPageAlloc`` (``times``, ``space`` and
        ``fail_nth`` as they are now, counting down)."""
        from . import faults
        c = ffi.new("pt_fault_attr *")
        lib.pt_fault_attr_get(self._m, c)
        if c.interval == 0 and c.verbose == 0 and c.min_order == 0 and not c.ignore_gfp_wait:
            return faults.FailPageAlloc()        # never set: the kernel defaults
        return faults.from_c(c, self._fpa_seed)

    @property
    def faults_injected(self) -> int:
        """Failures injected by fail_page_alloc so far (not counting :meth:`fail_nth`)."""
        info = ffi.new("pt_fault_info *")
        lib.pt_fault_info_get(self._m, info)
        return int(info.injected)

    @property
    def last_failed_alloc(self) -> tuple[Optional[str], Optional[str], int]:
        """(site, reason, op) of the last failed allocation; reason "fail_nth",
        "fail_page_alloc" or "oom"; (None, None, 0) if none failed."""
        from . import faults
        return faults.last_failure(self)

    @property
    def fault_reports(self) -> list[Report]:
        """fail_page_alloc's log (verbose >= 1), oldest first, the last 256 kept: one
        ``Report`` of kind "FaultInjected" per injected failure, naming the site.  These are
        informational and are not in :attr:`reports` (``check()`` ignores them)."""
        out = []
        r = ffi.new("pt_report *")
        for i in range(lib.pt_fault_log_count(self._m)):
            lib.pt_fault_log_get(self._m, i, r)
            out.append(Report(kind="FaultInjected",
                              message=ffi.string(r.message).decode(errors="replace"),
                              op=int(r.op), cpu=None, va=0, pfn=0, profile=self.kernel,
                              site=ffi.string(r.site).decode(errors="replace")))
        return out

    def clear_fault_reports(self) -> None:
        """Forget fail_page_alloc's log."""
        lib.pt_fault_log_clear(self._m)

    # ---- vmap areas: ioremap()/iounmap() and the lazy purge (csrc/kernel/mm_vmalloc_areas_v4_18.c) ----

    def ioremap(self, phys: int, size: int, prot: int = PAGE_KERNEL_IO_NOCACHE) -> int:
        """arch/x86/mm/ioremap.c (v4.18) ``__ioremap_caller(phys, size)`` with the final
        ``prot`` (default UC-, as ``ioremap_nocache``): page-align phys and size, reserve a
        VM_IOREMAP area (aligned to the size rounded up to a power of two, between 4 KiB and
        1 GiB, plus a guard page) and map it with ``ioremap_page_range``.  Returns the va of
        phys (the area start plus phys's offset in its page).  ``OutOfMemory`` when no area
        fits (after one lazy purge) or a table page cannot be allocated (the area is then
        freed lazily, as the kernel's ``free_vm_area``)."""
        p = _check_u64("phys", phys)
        sz = _check_u64("size", size)
        if sz == 0:
            raise errors.InvalidArgument("size: 0 (ioremap of nothing returns NULL)")
        if p + sz > 1 << MAX_PHYS_BITS:
            raise errors.InvalidArgument(
                f"phys/size: [{p:#x}, {p + sz:#x}) goes beyond the {MAX_PHYS_BITS}-bit "
                "physical address limit")
        pr = self._check_prot(prot)
        va, err = ffi.new("uint64_t *"), ffi.new("int *")
        self._status(lib.pt_ioremap(self._m, p, sz, pr, va, err), "ioremap")
        if va[0] == 0:
            what = ("no vmalloc area fits (-EBUSY)" if err[0] == -16 else
                    "page-table allocation failed (-ENOMEM)")
            raise errors.OutOfMemory(f"ioremap({p:#x}, {sz:#x}): NULL: {what}")
        return int(va[0])

    def iounmap(self, va: int) -> None:
        """arch/x86/mm/ioremap.c (v4.18) ``iounmap(va)``: va is masked to its page and must
        be the start of a live ioremap area (``InvalidArgument`` otherwise, where the kernel
        prints "iounmap: bad address").  Clears the area's leaves (tables stay), no flush;
        the area is freed lazily (``lazy_pages`` grows by its pages, guard included) and
        purged with one flush once ``lazy_pages`` exceeds ``lazy_max_pages``."""
        v = _check_u64("va", va)
        if not _canonical(v):
            raise errors.InvalidArgument(f"va: {v:#x} is not a canonical 4-level address")
        a = v & ~(PAGE_SIZE - 1)
        if a not in {start for start, _, _ in self.vm_areas()}:
            raise errors.InvalidArgument(
                f"va: {v:#x} is not in the first page of a live ioremap area "
                "(iounmap: bad address)")
        found = ffi.new("int *")
        self._status(lib.pt_iounmap(self._m, a, found), "iounmap", a)
        if not found[0]:
            raise errors.InvalidArgument(f"va: {v:#x}: iounmap: bad address")

    def _vm_areas(self) -> list[tuple[int, int, int, bool]]:
        n = lib.pt_vm_areas(self._m, ffi.NULL, 0)
        buf = ffi.new("pt_vm_area[]", max(n, 1))
        lib.pt_vm_areas(self._m, buf, n)
        return [(int(buf[i].start), int(buf[i].size), int(buf[i].phys), bool(buf[i].lazy))
                for i in range(n)]

    def vm_areas(self) -> list[tuple[int, int, int]]:
        """The live vmap areas in va order: (start, size including the guard page, phys)."""
        return [(s, sz, p) for s, sz, p, lazy in self._vm_areas() if not lazy]

    def lazy_areas(self) -> list[tuple[int, int, int]]:
        """Areas freed by iounmap but not purged yet (their range is still reserved)."""
        return [(s, sz, p) for s, sz, p, lazy in self._vm_areas() if lazy]

    def purge_vmap_area_lazy(self) -> None:
        """mm/vmalloc.c (v4.18) ``purge_vmap_area_lazy()``: one ``flush_tlb_kernel_range``
        over [min start, max end) of the lazily freed areas, then their ranges are free
        again; nothing (no flush) if there are none."""
        self._status(lib.pt_purge_vmap_area_lazy(self._m), "purge_vmap_area_lazy")

    @property
    def lazy_pages(self) -> int:
        """mm/vmalloc.c ``vmap_lazy_nr``: pages of lazily freed areas (guard pages included)."""
        return int(lib.pt_vmap_lazy_nr(self._m))

    @property
    def lazy_max_pages(self) -> int:
        """mm/vmalloc.c (v4.18) ``lazy_max_pages()``: fls(CPUs) * 32 MiB / PAGE_SIZE."""
        return int(lib.pt_lazy_max_pages(self._m))


    # ---- init_mm's mmap lock (the v7.2 vmap_try_huge_pXd() trylock, knob vmap_ptdump_lock) ----

    @contextlib.contextmanager
    def mmap_write_lock(self) -> Iterator[None]:
        """Hold init_mm's mmap lock for write for the ``with`` block, as a kernel page-table
        walker does (ptdump_walk_pgd() takes mmap_write_lock(&init_mm) around its walk).
        While it is held, ``mmap_read_trylock(&init_mm)`` fails in the kernel code: on the
        v7.2 profile (knob ``vmap_ptdump_lock``) a huge ioremap over a present entry then
        keeps the table under it and maps with the smaller leaves instead of freeing it.
        Elsewhere nothing takes the lock, so it changes nothing.  Not reentrant (the
        kernel's rwsem is not): entering it while held raises ``InvalidArgument``.  The lock
        is dropped when the block ends, on an exception too."""
        if lib.pt_mmap_write_lock(self._m, 1) != lib.PT_OK:
            raise errors.InvalidArgument(
                "mmap_write_lock: init_mm's mmap lock is already held for write (not "
                "reentrant)")
        try:
            yield
        finally:
            lib.pt_mmap_write_lock(self._m, 0)

    @property
    def mmap_write_locked(self) -> bool:
        """Whether :meth:`mmap_write_lock` holds init_mm's mmap lock now."""
        return bool(lib.pt_mmap_write_locked(self._m))

    # ---- 2025: deferred kernel page-table free (knob deferred_free, mm_pgtable_generic_v6_19.c) ----

    def deferred_frames(self) -> list[int]:
        """Table frames queued by ``pagetable_free_kernel()`` (knob ``deferred_free``, v6.19)
        and not yet freed, newest first (the order the worker frees them).  They stay
        allocated with their owner until :meth:`run_deferred_work`."""
        n = int(lib.pt_deferred_count(self._m))
        buf = ffi.new("uint64_t[]", max(n, 1))
        n = lib.pt_deferred_list(self._m, buf, n)
        return [int(buf[i]) for i in range(n)]

    def run_deferred_work(self) -> int:
        """Run v6.19's ``kernel_pgtable_work_func()``: if frames are queued, one IOMMU
        invalidation (``iommu_sva_invalidate_kva_range(PAGE_OFFSET, TLB_FLUSH_ALL)``, see
        :attr:`iommu_invalidations`), then free every queued frame (newest first); the
        sanitizer's stale-PSC check runs at these frees.  Returns how many were freed.  The
        kernel gives no point by which the work has run (``schedule_work()``), so ptlib
        never runs it implicitly."""
        n = ffi.new("uint64_t *")
        lib.pt_run_deferred_work(self._m, n)
        self._after()
        return int(n[0])

    @property
    def iommu_invalidations(self) -> list[tuple[int, int, int]]:
        """IOMMU invalidations the deferred-free worker issued, (op, start, end) with end
        exclusive (``TLB_FLUSH_ALL`` = 2**64 - 1), oldest first; the last 64 are kept."""
        out = []
        op, st, en = ffi.new("uint64_t *"), ffi.new("uint64_t *"), ffi.new("uint64_t *")
        i = 0
        while lib.pt_iommu_inval_get(self._m, i, op, st, en) == lib.PT_OK:
            out.append((int(op[0]), int(st[0]), int(en[0])))
            i += 1
        return out

    def flush_tlb_kernel_pgtable_range(self, start: int, end: int) -> None:
        """Jann Horn's 2025 ``flush_tlb_kernel_pgtable_range(start, end)`` (end exclusive):
        without INVLPGB, ``flush_tlb_all()`` on every CPU (all PCIDs); logged in
        :attr:`flushes` with the range, full."""
        lib.pt_flush_tlb_kernel_pgtable_range(self._m, _check_u64("start", start),
                                              _check_u64("end", end))
        self._after()


def _site(i: int) -> str:
    return ffi.string(lib.pt_site_name(i)).decode()


_SITE_NAMES = tuple(_site(i) for i in range(lib.PT_NR_SITES))


# st.from_type(Machine) when Hypothesis is loaded (ptlib/_hypothesis_hook.py)
_hypothesis_hook.register_types()
