# SPDX-License-Identifier: GPL-2.0-only
"""Fault injection (the kernel's ``fault_attr`` + ``fail_page_alloc``), the allocation-failure
sweep, and the allocator policies.

``FailPageAlloc`` mirrors /sys/kernel/debug/fail_page_alloc (Documentation/fault-injection/
fault-injection.rst).  Its fields and their kernel defaults:

=================== ======= =========================================================
probability         0       percent of the calls that pass the other tests which fail
interval            1       fail only every interval-th call that passes the other tests
times               1       failures left; -1 = no limit
space               0       budget in pages: a call of size s = 1 << order (mm/
                            fail_page_alloc.c) is let through while space > s (and space
                            -= s), so space=N lets N-1 order-0 calls through (space=1: none)
verbose             2       0 silent, 1 one log entry per failure, 2 plus a call trace
min_order           1       orders below it are never failed (ptlib only allocates order 0)
ignore_gfp_wait     True    allocations that may sleep are never failed (the kernel's
                            ignore-gfp-wait / ignore_gfp_reclaim); all of ptlib's table and
                            temporary pages are GFP_KERNEL, which may sleep
ignore_gfp_highmem  True    __GFP_HIGHMEM allocations are never failed; only the test
                            helper ``alloc_page`` (GFP_HIGHUSER) has that flag
sites / reject_sites empty  the analog of require-start/end and reject-start/end: only
                            allocations from ``sites`` (empty: any) and none from
                            ``reject_sites`` may fail
fail_nth            0       the kernel's task fail-nth (/proc/self/task/<tid>/fail-nth):
                            the n-th call that reaches should_fail() fails, whatever
                            probability/times/space/interval say; on "v6.x" only calls
                            passing the site filter count, on "v4.18" every call counts
                            and the n-th fails whatever its site
seed                None    seed of the probability roll (None: the machine's seed)
=================== ======= =========================================================

So with the kernel's defaults (min_order=1, ignore_gfp_wait=True) nothing ptlib allocates is
ever failed: failing page-table allocations needs ``min_order=0, ignore_gfp_wait=False``.

The evaluation order is the kernel's (mm/fail_page_alloc.c ``__should_fail_alloc_page``, then
lib/fault-inject.c ``should_fail``/``should_fail_ex`` with size ``1 << order``), in the era the
machine's profile knob ``fault_inject_order`` names: min_order, ignore_gfp_highmem,
ignore_gfp_wait; then

* "v6.x" (jannh-2025, v6.19; Wei Yongjun's "fault-injection: make stacktrace filter works as
  expected", 2022): the task fail-nth (site filter, countdown, fail at zero), probability
  == 0 (stop), times == 0 (stop), site filter, space, interval counter, probability roll;
* "v4.18" (v4.17 to v5.13; the order until that change, still in v6.1): the task fail-nth (countdown, fail at
  zero, no site filter), probability == 0, times == 0, space, interval counter, probability
  roll, site filter last: space and the interval counter are spent by calls from every site.

On failure the log entry (verbose) and ``times`` decremented unless -1.

``Machine.fail_nth(n)`` is ptlib's own, simpler knob and comes before all of this: the n-th
next allocation *attempt* fails whatever its site, order and gfp flags; the kernel's fail-nth
(``FailPageAlloc.fail_nth``) only counts calls that pass fail_page_alloc's filters (and, on
"v6.x", the site filter).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from . import _hypothesis_hook, errors
from ._ptlib import ffi, lib

#: allocation sites (frames.c's site table) that can be named, with the issue's aliases
SITES = {"machine_init": lib.PT_SITE_MACHINE_INIT,
         "preallocate_vmalloc_pages": lib.PT_SITE_PREALLOCATE_VMALLOC,
         "__pud_alloc": lib.PT_SITE_PUD_ALLOC, "__pmd_alloc": lib.PT_SITE_PMD_ALLOC,
         "__pte_alloc_kernel": lib.PT_SITE_PTE_ALLOC_KERNEL,
         "pud_free_pmd_page": lib.PT_SITE_PUD_FREE_PMD_PAGE,
         "alloc_page": lib.PT_SITE_ALLOC_PAGE}
ALIASES = {"pud_alloc": "__pud_alloc", "pmd_alloc": "__pmd_alloc",
           "pte_alloc_kernel": "__pte_alloc_kernel"}
#: Machine(alloc_policy=...)
ALLOC_POLICIES = {"lifo": lib.PT_ALLOC_LIFO, "fifo": lib.PT_ALLOC_FIFO,
                  "random": lib.PT_ALLOC_RANDOM, "quarantine": lib.PT_ALLOC_QUARANTINE}
_REASONS = {lib.PT_FAIL_NONE: None, lib.PT_FAIL_NTH: "fail_nth",
            lib.PT_FAIL_ATTR: "fail_page_alloc", lib.PT_FAIL_OOM: "oom"}
_U64 = 1 << 64
_INT_MAX = (1 << 31) - 1


class FaultInjected(errors.PtlibError):
    """Informational: one failure injected by ``fail_page_alloc`` (verbose >= 1).  Never
    raised by ptlib; the entries are in ``Machine.fault_reports``, not ``Machine.reports``,
    so ``Machine.check()`` ignores them."""


def _int(name: str, value: object, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected int, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise errors.InvalidArgument(f"{name}: {value} is not in {lo}..{hi}")
    return int.__index__(value)      # an int subclass by its value


def _site_set(name: str, value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"{name}: expected a set of site names, got {type(value).__name__}")
    out = set()
    for s in value:
        if not isinstance(s, str):
            raise TypeError(f"{name}: site names are str, got {type(s).__name__}")
        s = ALIASES.get(s, s)
        if s not in SITES:
            raise errors.InvalidArgument(
                f"{name}: unknown site {s!r}; known: {sorted(SITES)} "
                f"(aliases {sorted(ALIASES)})")
        out.add(s)
    return frozenset(out)


@dataclass(frozen=True)
class FailPageAlloc:
    """The fail_page_alloc attributes (kernel defaults); see the module docstring."""

    probability: int = 0
    interval: int = 1
    times: int = 1
    space: int = 0
    verbose: int = 2
    min_order: int = 1
    ignore_gfp_wait: bool = True
    ignore_gfp_highmem: bool = True
    sites: frozenset[str] = field(default_factory=frozenset)
    reject_sites: frozenset[str] = field(default_factory=frozenset)
    fail_nth: int = 0
    seed: Optional[int] = None

    def __post_init__(self) -> None:
        for name, lo, hi in (("probability", 0, 100), ("interval", 1, _U64 - 1),
                             ("times", -1, _INT_MAX), ("space", 0, _INT_MAX),
                             ("verbose", 0, 2), ("min_order", 0, 10),
                             ("fail_nth", 0, _U64 - 1), ("seed", 0, _U64 - 1)):
            if name != "seed" or self.seed is not None:
                object.__setattr__(self, name, _int(name, getattr(self, name), lo, hi))
        for name in ("ignore_gfp_wait", "ignore_gfp_highmem"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name}: expected bool, got {type(getattr(self, name)).__name__}")
        object.__setattr__(self, "sites", _site_set("sites", self.sites))
        object.__setattr__(self, "reject_sites", _site_set("reject_sites", self.reject_sites))

    def replace(self, **fields: Any) -> "FailPageAlloc":
        """A copy with some fields changed (validated; unknown names are InvalidArgument)."""
        return dataclasses.replace(self, **check_fields(fields))


_FIELDS = tuple(f.name for f in dataclasses.fields(FailPageAlloc))


def check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    for name in fields:
        if name not in _FIELDS:
            raise errors.InvalidArgument(
                f"{name}: not a fail_page_alloc attribute; known: {list(_FIELDS)}")
    return fields


def _mask(names: frozenset[str]) -> int:
    m = 0
    for s in names:
        m |= 1 << SITES[s]
    return m


def _names(mask: int) -> frozenset[str]:
    return frozenset(s for s, i in SITES.items() if mask >> i & 1)


def to_c(fa: FailPageAlloc, machine_seed: int, v4_18_order: bool = False) -> Any:
    """The pt_fault_attr for ``fa``; ``v4_18_order``: the machine's profile knob
    ``fault_inject_order`` is "v4.18" (the site filter after the roll)."""
    c = ffi.new("pt_fault_attr *")
    c.probability = fa.probability
    c.interval = fa.interval
    c.times = fa.times
    c.space = fa.space
    c.verbose = fa.verbose
    c.task_fail_nth = fa.fail_nth
    c.min_order = fa.min_order
    c.ignore_gfp_wait = int(fa.ignore_gfp_wait)
    c.ignore_gfp_highmem = int(fa.ignore_gfp_highmem)
    c.require_sites = _mask(fa.sites)
    c.reject_sites = _mask(fa.reject_sites)
    c.count = 0
    c.rng = machine_seed if fa.seed is None else fa.seed
    c.v4_18_order = int(v4_18_order)
    return c


def from_c(c: Any, seed: Optional[int]) -> FailPageAlloc:
    return FailPageAlloc(
        probability=int(c.probability), interval=max(1, int(c.interval)), times=int(c.times),
        space=int(c.space), verbose=int(c.verbose), min_order=int(c.min_order),
        ignore_gfp_wait=bool(c.ignore_gfp_wait), ignore_gfp_highmem=bool(c.ignore_gfp_highmem),
        sites=_names(int(c.require_sites)), reject_sites=_names(int(c.reject_sites)),
        fail_nth=int(c.task_fail_nth), seed=seed)


def _check_machine(name: str, machine: object) -> Any:
    from .machine import Machine
    if not isinstance(machine, Machine):
        raise TypeError(f"{name}: expected ptlib.Machine, got {type(machine).__name__}")
    return machine


class FailPageAllocScope:
    """What ``Machine.fail_page_alloc(**fields)`` returns: the attributes are already set;
    used as a context manager, the previous state (counters and PRNG included) comes back
    on exit."""

    def __init__(self, machine: Any, saved: Any, saved_seed: Optional[int]) -> None:
        _check_machine("machine", machine)
        if not (isinstance(saved, ffi.CData) and ffi.typeof(saved) is ffi.typeof("pt_fault_attr *")):
            raise TypeError(f"saved: expected the saved pt_fault_attr (cdata), got "
                            f"{type(saved).__name__}")
        if saved_seed is not None:
            _int("saved_seed", saved_seed, 0, _U64 - 1)
        self._machine = machine
        self._saved = saved
        self._saved_seed = saved_seed

    def __enter__(self) -> "FailPageAllocScope":
        return self

    def __exit__(self, *exc: object) -> None:
        lib.pt_fault_attr_set(self._machine._m, self._saved)
        self._machine._fpa_seed = self._saved_seed

    def restore(self) -> None:
        """Restore the previous state now (what leaving the ``with`` block does)."""
        self.__exit__(None, None, None)


def last_failure(machine: Any) -> tuple[Optional[str], Optional[str], int]:
    """(site, reason, op) of the machine's last failed allocation: reason is "fail_nth",
    "fail_page_alloc" or "oom"; (None, None, 0) if none failed yet."""
    _check_machine("machine", machine)
    info = ffi.new("pt_fault_info *")
    lib.pt_fault_info_get(machine._m, info)
    reason = _REASONS.get(info.last_failed_reason)
    if reason is None:
        return None, None, 0
    site = ffi.string(lib.pt_site_name(info.last_failed_site)).decode()
    return site, reason, int(info.last_failed_op)


# ---- the sweep ----

@dataclass(frozen=True)
class SweepRow:
    """One run of :func:`sweep`: the n-th allocation failed (or, for the last row, none did)."""

    n: int
    site: Optional[str]               #: site of the failed allocation; None: nothing failed
    outcome: str                      #: "ok: <repr of the result>" or the exception class name
    reports: tuple[str, ...] = ()     #: kinds of the reports the run recorded
    injected: bool = True             #: False for the final run (the failure was not reached)


class SweepError(AssertionError):
    """A sweep run broke an invariant (leak, temporary page left, unexpected report)."""


def sweep(machine_factory: Callable[[], Any], operation: Callable[[Any], Any], *,
          expected_reports: Iterable[str] = (), max_n: int = 100_000) -> list[SweepRow]:
    """Run ``operation(m)`` on fresh machines (``machine_factory()``) whose 1st, 2nd, ...
    allocation inside the operation fails (``m.fail_nth(n)`` right before it), until a run
    ends without consuming the injected failure.  After each run: no table page leaked
    (``m.leaked_tables()`` all zero), no temporary page left, allocator counters consistent,
    and no report whose kind is not in ``expected_reports``; otherwise ``SweepError``.

    Returns one ``SweepRow`` per run; the outcome is ``"ok: <result>"`` or the exception
    class name (an ioremap whose table allocation fails returns -ENOMEM, which ptlib raises
    as ``OutOfMemory``).  Exceptions that are not ``PtlibError`` propagate.
    """
    for name, fn in (("machine_factory", machine_factory), ("operation", operation)):
        if not callable(fn):
            raise TypeError(f"{name}: expected a callable, got {type(fn).__name__}")
    if isinstance(expected_reports, str) or not isinstance(expected_reports, Iterable):
        raise TypeError(f"expected_reports: expected a collection of report kinds, got "
                        f"{type(expected_reports).__name__}")
    expected = frozenset(expected_reports)
    if not all(isinstance(k, str) for k in expected):
        raise TypeError("expected_reports: report kinds are str (e.g. \"KernelBug\")")
    max_n = _int("max_n", max_n, 1, _U64 - 1)
    rows: list[SweepRow] = []
    for n in range(1, max_n + 1):
        m = _check_machine("machine_factory: its result", machine_factory())
        m.fail_nth(n)
        try:
            outcome = f"ok: {operation(m)!r}"
        except errors.PtlibError as exc:
            outcome = type(exc).__name__
        consumed = lib.pt_fail_nth_pending(m._m) == 0
        m.fail_nth(0)
        site, reason, _ = last_failure(m)
        kinds = tuple(r.kind for r in m.reports)
        where = f"sweep n={n} (site {site if consumed else None}, outcome {outcome})"
        leaked = m.leaked_tables()
        if any(leaked.values()):
            raise SweepError(f"{where}: table pages leaked: {leaked}")
        st = m.pages
        if st.by_owner["temp"]:
            raise SweepError(f"{where}: {st.by_owner['temp']} temporary page(s) left")
        if st.allocated != sum(st.by_owner.values()) or st.allocs - st.frees != st.allocated:
            raise SweepError(f"{where}: allocator counters inconsistent: {st}")
        unexpected = sorted(set(kinds) - expected)
        if unexpected:
            raise SweepError(f"{where}: unexpected reports {unexpected}: "
                             f"{[r.message for r in m.reports if r.kind in unexpected][:3]}")
        rows.append(SweepRow(n, site if consumed and reason == "fail_nth" else None,
                             outcome, kinds, consumed))
        if not consumed:
            return rows
    raise SweepError(f"sweep: the operation still consumed the failure after {max_n} runs")


__all__ = ["FailPageAlloc", "FailPageAllocScope", "FaultInjected", "SITES", "ALIASES",
           "ALLOC_POLICIES", "SweepRow", "SweepError", "sweep", "last_failure"]

# st.from_type(FailPageAlloc) when Hypothesis is loaded (ptlib/_hypothesis_hook.py)
_hypothesis_hook.register_types()
