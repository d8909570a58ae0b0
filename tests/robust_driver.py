# SPDX-License-Identifier: GPL-2.0-only
"""Robustness driver: calls ptlib's public API with arbitrary arguments, many times.

Run by tests/test_robustness.py in a subprocess (so that a crash of the interpreter -- a
segfault, an abort, an AddressSanitizer report -- is a test failure with the last calls
logged), or by hand to replay a failure::

    python tests/robust_driver.py --seed 1234 --calls 20000 [--log calls.log]

What it calls is found by introspection: every public method and property (and settable
property) of ``ptlib.Machine`` and ``ptlib.CPU``, the ``Machine`` constructor, and the
public names (``__all__``, else the names without a leading underscore) of
``ptlib.faults`` and ``ptlib.profiles`` -- functions, classes (constructors) and the public
methods of those classes.  Arguments come from the signatures: a pool of values per
parameter that mixes valid ones (addresses of the vmalloc area aligned to 4 KiB / 2 MiB /
1 GiB, RAM addresses of live page tables, profile and knob names, ...), near-valid ones
(off by a page, unaligned, empty and reversed ranges, the vmalloc end, non-canonical) and
garbage (huge and negative integers, bool, float, NaN, None, str, bytes, lists, dicts,
objects of the wrong class), plus wrong arity and unknown keywords.  A few long-lived
machines (panic_on_report, fault injection left on, a tiny RAM, ...) take the calls, so
most calls happen after errors.

Every outcome must be a result, a ``ptlib.PtlibError``, or a ``TypeError`` whose message
names the argument (or is Python's own wrong-arity message).  Anything else is a failure:
the driver prints a ``FAIL`` line with a reproducer and exits with status 1.  At the end
it prints one ``RESULT <json>`` line: the number of calls, the outcome histogram per
target, and how often each target succeeded with valid arguments.
"""
from __future__ import annotations

import argparse
import dataclasses
import faulthandler
import inspect
import json
import math
import random
import re
import sys
import time
import traceback
from array import array
from collections import Counter, defaultdict
from typing import Any, Callable, Optional

import ptlib
from ptlib import faults, profiles
from ptlib.cpu import CPU
from ptlib.machine import Machine

K4, M2, G1 = ptlib.PAGE_SIZE, ptlib.PMD_SIZE, ptlib.PUD_SIZE
V = ptlib.VMALLOC_START
VEND = ptlib.VMALLOC_END + 1
PHYS = 0x40_0000_0000
PHYS_LIMIT = 1 << 52
U64 = 1 << 64
NX = 1 << 63
TLB_FLUSH_ALL = U64 - 1
HANG_SECONDS = 120         # 50 calls taking longer than this: a hang

# ------------------------------------------------------------------ the API, by introspection

MODULES = (faults, profiles)


@dataclasses.dataclass
class Target:
    name: str              # "Machine.walk", "CPU.cr3", "Machine.pages=", "faults.sweep", ...
    kind: str              # "method", "get", "set", "func", "ctor"
    owner: Any             # the class (method/get/set), or the callable (func/ctor)
    attr: str = ""
    params: list[inspect.Parameter] = dataclasses.field(default_factory=list)


def _params(fn: Any, drop_self: bool) -> list[inspect.Parameter]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return []
    ps = list(sig.parameters.values())
    return ps[1:] if drop_self and ps else ps


def public_api() -> dict[str, Target]:
    """Every public callable and property that the driver must exercise."""
    out: dict[str, Target] = {}
    for cls in (Machine, CPU):
        for name, obj in inspect.getmembers(cls):
            if name.startswith("_"):
                continue
            full = f"{cls.__name__}.{name}"
            if isinstance(obj, property):
                out[full] = Target(full, "get", cls, name)
                if obj.fset is not None:
                    out[full + "="] = Target(full + "=", "set", cls, name)
            elif inspect.isfunction(obj):
                out[full] = Target(full, "method", cls, name, _params(obj, True))
            elif inspect.isdatadescriptor(obj):          # a __slots__ member: settable
                out[full] = Target(full, "get", cls, name)
                out[full + "="] = Target(full + "=", "set", cls, name)
    out["Machine()"] = Target("Machine()", "ctor", Machine, "",
                              _params(Machine.__init__, True))
    for mod in MODULES:
        short = mod.__name__.rsplit(".", 1)[-1]
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
        for name in names:
            obj = getattr(mod, name)
            if not callable(obj) or getattr(obj, "__module__", None) != mod.__name__:
                continue                                 # constants, imported names
            full = f"{short}.{name}"
            if inspect.isclass(obj):
                init = obj.__init__ if "__init__" in vars(obj) or dataclasses.is_dataclass(obj) \
                    else None
                out[full + "()"] = Target(full + "()", "func", obj, name,
                                          _params(init, True) if init else _params(obj, False))
                if issubclass(obj, BaseException):
                    continue                             # exception classes: constructor only
                for mname, mobj in vars(obj).items():
                    if mname.startswith("_"):
                        continue
                    mfull = f"{short}.{name}.{mname}"
                    if isinstance(mobj, property):
                        out[mfull] = Target(mfull, "get", obj, mname)
                    elif inspect.isfunction(mobj):
                        out[mfull] = Target(mfull, "method", obj, mname, _params(mobj, True))
            else:
                out[full] = Target(full, "func", obj, name, _params(obj, False))
    return out


# ------------------------------------------------------------------ values

class Wrong:
    """An object of a class ptlib knows nothing about."""

    def __repr__(self) -> str:
        return "Wrong()"


class Tricky(int):
    """An int subclass whose arithmetic misbehaves (a user's own integer type): ptlib must
    take it by its value."""

    def _odd(self, *_: Any) -> str:
        return "tricky"

    __add__ = __radd__ = __sub__ = __rsub__ = __mod__ = __floordiv__ = __mul__ = _odd
    __rshift__ = __lshift__ = __and__ = __or__ = __xor__ = __neg__ = _odd

    def __repr__(self) -> str:
        return f"Tricky({int.__repr__(self)})"


HUGE = [2 ** 63, 2 ** 64, 2 ** 64 - 1, 2 ** 64 + K4, 2 ** 200, -(2 ** 63), -(2 ** 64), -(2 ** 200)]
NEG = [-1, -K4, -M2, -G1, -V]
GARBAGE: list[Callable[[random.Random], Any]] = [
    lambda r: r.choice(HUGE), lambda r: r.choice(NEG), lambda r: r.choice([True, False]),
    lambda r: r.choice([0.0, 1.5, float(K4), float("nan"), float("inf"), -float("inf")]),
    lambda r: None, lambda r: r.choice(["", "x", "0x1000", "v4.18", "UC", "4level", "\x00"]),
    lambda r: r.choice([b"", b"\x00" * 8, bytearray(16), memoryview(b"abcd")]),
    lambda r: r.choice([[], [0], [V, "x"], [-1], [U64], (1, 2), {1, 2}, frozenset()]),
    lambda r: r.choice([{}, {"a": 1}, {"probability": 100}]),
    lambda r: Wrong(), lambda r: object(), lambda r: r.choice([int, str, Machine, len]),
    lambda r: complex(1, 2), lambda r: Tricky(r.choice([0, 1, 8, K4, V, V + M2, PHYS, -1, U64])),
    lambda r: r.choice([array("Q", [V]), array("I", [1, 2]), array("d", [1.0]), array("b", [1])]),
    lambda r: r.choice([10 ** 30, 1 << 52, 1 << 47, (1 << 48) - K4, 0x0000_c900_0000_0000]),
    lambda r: r.randrange(-(1 << 70), 1 << 70),
]


def garbage(r: random.Random) -> Any:
    return r.choice(GARBAGE)(r)


class MState:
    """A long-lived machine and what the driver knows about it."""

    def __init__(self, label: str, m: Machine, kwargs: dict[str, Any]) -> None:
        self.label = label
        self.m = m
        self.kwargs = kwargs
        self.tainted = False          # write_phys, a BUG or a bad report: leak checks off
        # A huge leaf may exist: mapping over it makes the kernel code treat the leaf's
        # frame as a lower table (lib/ioremap.c and mm/vmalloc.c check pXd_none only), so
        # the tables it then allocates are unreachable -- a leak by design, not a bug.
        self.maybe_huge = False
        self.data_pages: list[int] = []
        self.scopes: list[Any] = []
        self.calls = 0

    def __repr__(self) -> str:
        return f"<{self.label} Machine({', '.join(f'{k}={v!r}' for k, v in self.kwargs.items())})>"


POOL_SPECS: list[dict[str, Any]] = [
    dict(cpus=2, ram_pages=1024, ioremap_pmd_capable=False, ioremap_pud_capable=False),
    dict(cpus=2, kernel="v4.17", ram_pages=1024, panic_on_report=True),
    dict(cpus=1, ram_pages=24),                                         # tiny RAM: OOM
    dict(cpus=3, kernel="v6.19", ram_pages=2048, speculation="random", seed=5),
    dict(cpus=2, kernel="jannh-2025", ram_pages=1024, invlpg_psc="covering",
         alloc_policy="quarantine", quarantine=8),
    dict(cpus=2, kernel="v5.3", ram_pages=1024, record_events=True, alloc_policy="random"),
    dict(cpus=1, kernel="v5.13", ram_pages=1024, sanitize=False, pud_free="page_list",
         psc_pde=0, tlb_4k=8),
    dict(cpus=2, kernel="v4.18", ram_pages=512, panic_on_report=True, pud_free="no_save",
         alloc_policy="fifo"),
]
FAULTY = 3            # index of the POOL_SPECS entry that gets fault injection left on


#: calls that can build a huge leaf or write table entries below one
MAPPERS = {"Machine.ioremap_page_range", "Machine.ioremap", "Machine.pmd_set_huge",
           "Machine.pud_set_huge"}


class Gen:
    """Argument generation: valid, near-valid and garbage values per parameter name."""

    def __init__(self, r: random.Random) -> None:
        self.r = r

    # ---- valid values that depend on the machine ----

    def table_pas(self, ms: MState) -> list[int]:
        m = ms.m
        pas = [m.root]
        for va in (V, V + G1, V + 2 * G1 + M2):
            for _lvl, raw in m.walk(va).entries:
                if raw & 1 and not raw & 0x80:
                    pas.append(raw & 0x000F_FFFF_FFFF_F000)
        return pas

    def va(self, ms: Optional[MState], align: int = K4) -> int:
        r = self.r
        c = r.random()
        if ms is not None and c < 0.25:
            areas = ms.m.vm_areas()
            if areas:
                return r.choice(areas)[0] // align * align
        if c < 0.5:
            return V + r.randrange(0, 4) * G1 + r.randrange(0, 8) * M2 + r.randrange(0, 8) * K4
        if c < 0.8:
            return V + r.randrange(0, 4) * G1 + r.randrange(0, 4) * M2
        return V + r.randrange(0, 8) * G1

    def aligned(self, x: int, align: int) -> int:
        return x // align * align

    def size(self, align: int = K4) -> int:
        r = self.r
        s = r.choice([K4, 2 * K4, 3 * K4, 16 * K4, M2, M2 + K4, 2 * M2, G1, G1 + M2,
                      r.randrange(1, 40) * K4, r.randrange(1, 3) * M2])
        return max(align, s // align * align)

    def phys(self, ms: Optional[MState], align: int = K4) -> int:
        r = self.r
        c = r.random()
        if c < 0.5:
            return PHYS + r.randrange(0, 16) * G1 + r.randrange(0, 16) * M2 // align * align \
                + (r.randrange(0, 8) * K4 if align == K4 else 0)
        if c < 0.7 and ms is not None:
            return self.aligned(r.randrange(0, ms.m.pages.ram_pages) * K4, align)
        if c < 0.85 and ms is not None:
            return self.aligned(r.choice(self.table_pas(ms)), align)
        return self.aligned(r.choice([0, PHYS_LIMIT - G1, 1 << 40]), align)

    def prot(self) -> int:
        r = self.r
        if r.random() < 0.7:
            return r.choice([ptlib.PAGE_KERNEL_IO, ptlib.PAGE_KERNEL_IO_NOCACHE,
                             ptlib.PAGE_KERNEL_RO, ptlib.PAGE_KERNEL_EXEC, ptlib.PAGE_KERNEL,
                             ptlib.PAGE_KERNEL_NOCACHE, ptlib.PAGE_KERNEL_IO_WC])
        return r.randrange(0, 0x200) | (NX if r.random() < 0.5 else 0)

    def ram_pa(self, ms: MState) -> int:
        r = self.r
        c = r.random()
        if c < 0.3 and ms.data_pages:
            return r.choice(ms.data_pages)
        if c < 0.5:
            return r.choice(self.table_pas(ms)) + r.choice([0, 0, 8, 4088])
        return r.randrange(0, ms.m.pages.ram_pages * K4 - 64)

    # ---- per parameter: (valid, near) generators; `a` holds the arguments so far ----

    def value(self, tname: str, pname: str, ms: Optional[MState], a: dict[str, Any],
              quality: str) -> Any:
        """A value for parameter pname of target tname: quality "valid", "near" or "garbage"."""
        if quality == "garbage":
            return garbage(self.r)
        fn = getattr(self, f"p_{tname.rsplit('.', 1)[-1].rstrip('()')}_{pname}", None) \
            or getattr(self, f"p_{pname}", None)
        if fn is None and pname in self.FIELD_VALID and "FailPageAlloc" in tname:
            if quality == "valid":
                return self.FIELD_VALID[pname](self.r)
            return self.r.choice(self.FIELD_NEAR[pname])
        if fn is None:
            return garbage(self.r)
        return fn(ms, a, quality == "valid", tname)

    def near_int(self, x: int) -> int:
        r = self.r
        return r.choice([x + 1, x - 1, x + K4, x - K4, x + 0x800, x - U64, x + U64, x ^ (1 << 63),
                         x & ((1 << 48) - 1), -x, 0, VEND, VEND - K4, VEND + K4, V - K4,
                         ptlib.VMALLOC_END, U64 - 1, U64, 1 << 47, 0xffff_8000_0000_0000])

    def align_for(self, tname: str) -> int:
        if "pud_" in tname:
            return G1
        if "pmd_" in tname:
            return M2
        return K4

    def p_va(self, ms, a, ok, tname):
        al = self.align_for(tname)
        v = self.aligned(self.va(ms, al), al)
        if "iounmap" in tname and ms is not None:
            areas = ms.m.vm_areas()
            if areas and self.r.random() < 0.8:
                v = self.r.choice(areas)[0] + self.r.choice([0, 0, 5, K4 - 1])
        if tname.startswith("CPU") and self.r.random() < 0.2:
            v = self.r.choice([0, K4, (1 << 47) - K4, 0xffff_8000_0000_0000, U64 - K4])
        elif (tname.startswith("CPU") or "walk" in tname) and ms is not None \
                and self.r.random() < 0.5:
            try:
                leaves = ms.m.mappings(V, V + 8 * G1)  # a mapped va: translations succeed
            except ptlib.InvalidArgument:              # cross-linked tables (write_phys)
                leaves = ms.m.mappings(V, V + M2)
            if leaves:
                leaf = self.r.choice(leaves)
                v = leaf.va + self.r.randrange(0, leaf.size, K4)
        return v if ok else self.near_int(v)

    p_start = p_va
    p_addr = p_va

    def p_end(self, ms, a, ok, tname):
        s = a.get("start")
        s = s if type(s) is int else V
        if "mappings" in tname and self.r.random() < 0.3:
            e = VEND
        elif "flush" in tname and self.r.random() < 0.2:
            e = TLB_FLUSH_ALL
        else:
            e = min(s + self.cap(ms, self.size()), VEND)
        if ok:
            return e
        return self.r.choice([s, s - K4, s + 1, e + 1, e - 1, e + U64, e - U64, VEND + K4, U64,
                              U64 + 1, 0, -1, s + (1 << 48)])

    def p_size(self, ms, a, ok, tname):
        if "add_mtrr" in tname:
            s = self.r.choice([K4, M2, G1, 16 * K4])
        elif "ioremap" == tname.rsplit(".", 1)[-1]:
            s = self.r.choice([1, 100, K4, K4 + 1, 3 * K4, M2, M2 + 5, 2 * M2, G1])
        else:
            s = self.size()
        s = self.cap(ms, s)
        if ok:
            return s
        return self.r.choice([0, -K4, s + 1, s - 1, VEND, U64, U64 - 1, 1 << 52, 1 << 47])

    def cap(self, ms: Optional[MState], size: int) -> int:
        """Without huge leaves, a GiB is 262,144 PTEs (seconds): keep such ranges small."""
        if ms is not None and not ms.m.knobs["ioremap_pmd_capable"] and size > 4 * M2:
            return self.r.choice([4 * M2, M2 + K4, 64 * K4])
        return size

    def p_phys(self, ms, a, ok, tname):
        al = self.align_for(tname)
        if tname.endswith(".ioremap") and self.r.random() < 0.3:
            p = self.phys(ms) + self.r.randrange(0, K4)
        else:
            p = self.phys(ms, al)
        if ok:
            return p
        return self.r.choice([p + 1, p + K4, p - K4, -K4, PHYS_LIMIT, PHYS_LIMIT - K4, U64 - K4,
                              p + U64, p - U64, 1 << 63])

    def p_prot(self, ms, a, ok, tname):
        p = self.prot()
        if ok:
            return p
        return self.r.choice([p | 1 << 9, p | 1 << 12, p | 1 << 52, -1, p + U64, 1 << 62, U64 - 1])

    def p_base(self, ms, a, ok, tname):
        b = self.r.choice([PHYS, 0, K4, PHYS + G1, PHYS_LIMIT - G1])
        return b if ok else self.near_int(b)

    def p_add_mtrr_type(self, ms, a, ok, tname):
        if ok:
            return self.r.choice(["UC", "WC", "WT", "WP", "WB"])
        return self.r.choice(["uc", "WB ", "", "XX", 0, 6])

    def p_invpcid_type(self, ms, a, ok, tname):
        if ok:
            return self.r.choice([0, 1, 2, 3])
        return self.r.choice([4, -1, 255, U64, 1 << 31])

    def p_pcid(self, ms, a, ok, tname):
        if ok:
            cpu = a.get("__cpu__")
            if cpu is not None and not cpu.pcide:
                return 0
            return self.r.choice([0, 0, 1, 2, 4095, self.r.randrange(4096)])
        return self.r.choice([4096, -1, U64, 1 << 12, 1 << 63])

    def p_root(self, ms, a, ok, tname):
        if ok:
            c = self.r.random()
            if c < 0.5:
                return None
            if c < 0.7:
                return ms.m.root
            return self.aligned(self.ram_pa(ms), K4)
        return self.r.choice([ms.m.root + 8, -K4, ms.m.pages.ram_pages * K4, U64 - K4, PHYS, 1])

    def _bool(self, ms, a, ok, tname):
        if ok:
            return self.r.random() < 0.5
        return self.r.choice([0, 1, None, "yes", 2])

    p_write = p_user = p_fetch = p_noflush = _bool
    p_sanitize = p_panic_on_report = p_record_events = _bool

    def _opt_bool(self, ms, a, ok, tname):
        if ok:
            return self.r.choice([None, True, False])
        return self.r.choice([0, 1, "True", 2.0])

    p_pge = p_pcide = _opt_bool

    def p_pa(self, ms, a, ok, tname):
        pa = self.ram_pa(ms)
        if "free_page" in tname:
            if ms.data_pages and self.r.random() < 0.8:
                pa = self.r.choice(ms.data_pages)
            else:
                pa = self.aligned(pa, K4)
        if ok:
            return pa
        ram = ms.m.pages.ram_pages * K4
        return self.r.choice([ram, ram - 1, ram + K4, -1, U64 - 1, U64, pa + 1, pa + U64])

    def p_read_phys_n(self, ms, a, ok, tname):
        pa = a.get("pa")
        ram = ms.m.pages.ram_pages * K4
        room = ram - pa if type(pa) is int and 0 <= pa < ram else 0
        n = min(room, self.r.choice([0, 1, 8, 64, K4, self.r.randrange(0, 2 * K4)]))
        if ok:
            return n
        return self.r.choice([room + 1, -1, U64, 1 << 62, ram * 2])

    def p_fail_nth_n(self, ms, a, ok, tname):
        if ok:
            return self.r.choice([0, 0, 1, 2, 3, 5, 1000])
        return self.r.choice([-1, U64, U64 - 1, 1 << 200])

    p_failing_nth_n = p_fail_nth_n

    def p_data(self, ms, a, ok, tname):
        n = self.r.choice([0, 1, 8, 8, 64, 512])
        raw = bytes(self.r.randrange(256) for _ in range(n))
        c = self.r.random()
        if c < 0.2:                           # a "not present" / harmless entry pattern
            raw = bytes(n)
        elif c < 0.5 and ms is not None:      # table entries that point into RAM: cycles,
            ents = []                         # cross-linked and shared tables, huge leaves
            for _ in range(max(1, n // 8)):
                target = self.r.choice([self.r.choice(self.table_pas(ms)),
                                        self.r.randrange(ms.m.pages.ram_pages) * K4])
                flags = self.r.choice([0x63, 0x67, 0xE3, 0x163, 0x8000_0000_0000_0063, 0x62])
                ents.append((target | flags).to_bytes(8, "little"))
            raw = b"".join(ents)
        if ok:
            return self.r.choice([raw, bytearray(raw), memoryview(raw)])
        return self.r.choice([raw.decode("latin-1"), list(raw), bytes(U64 % 7 + 4096 * 4), None])

    def p_pfn(self, ms, a, ok, tname):
        pf = self.r.choice([0, 1, self.r.randrange(ms.m.pages.ram_pages),
                            self.r.choice(self.table_pas(ms)) // K4])
        if ok:
            return pf
        return self.r.choice([ms.m.pages.ram_pages, -1, U64, U64 - 1, 1 << 52])

    def p_point(self, ms, a, ok, tname):
        from ptlib.machine import PROBE_POINTS
        if ok:
            return self.r.choice([None, *PROBE_POINTS])
        return self.r.choice(["", "pud_free_pmd_page", 0, b"x"])

    def p_vas(self, ms, a, ok, tname):
        n = self.r.choice([0, 1, 3, 16])
        vals = [self.va(ms) + self.r.randrange(0, K4) for _ in range(n)]
        if self.r.random() < 0.2:
            vals += [0, 1 << 47, U64 - 1]
        if ok:
            kind = self.r.choice(["array", "list", "bytes", "tuple"])
            return (array("Q", vals) if kind == "array" else vals if kind == "list" else
                    tuple(vals) if kind == "tuple" else array("Q", vals).tobytes())
        return self.r.choice([vals + [-1], vals + [U64], vals + ["x"], vals + [1.5],
                              array("I", [1, 2, 3]), b"\x00" * 7, "abc", [None], [True]])

    def p_out(self, ms, a, ok, tname):
        vas = a.get("vas")
        try:
            n = len(memoryview(vas).cast("B")) // 8 if not isinstance(vas, (list, tuple)) \
                else len(vas)
        except TypeError:
            n = 1
        if ok:
            return self.r.choice([None, array("Q", bytes(8 * n)), bytearray(8 * n)])
        return self.r.choice([array("Q", bytes(8 * (n + 1))), bytes(8 * n), array("I", [0] * n),
                              [0] * n])

    def p_errors_out(self, ms, a, ok, tname):
        vas = a.get("vas")
        n = len(vas) if isinstance(vas, (list, tuple)) else \
            (len(memoryview(vas).cast("B")) // 8 if isinstance(vas, (bytes, array)) else 1)
        if ok:
            return self.r.choice([None, array("I", bytes(4 * n)), bytearray(4 * n)])
        return self.r.choice([array("I", bytes(4 * (n + 2))), bytes(4 * n), array("Q", [0] * n)])

    def p_config(self, ms, a, ok, tname):
        if ok:
            return self.r.choice([None, faults.FailPageAlloc(), self.fail_page_alloc()])
        return self.r.choice([{}, "FailPageAlloc", Wrong(), ms.m if ms else 1])

    # ---- FailPageAlloc fields (keywords of set_fail_page_alloc / fail_page_alloc) ----

    FIELD_VALID: dict[str, Callable[[random.Random], Any]] = {
        "probability": lambda r: r.choice([0, 10, 50, 100]),
        "interval": lambda r: r.choice([1, 2, 3, 10]),
        "times": lambda r: r.choice([-1, 0, 1, 3]),
        "space": lambda r: r.choice([0, 1, 3, 8]),       # pages (should_fail size 1 << order)
        "verbose": lambda r: r.choice([0, 1, 2]),
        "min_order": lambda r: r.choice([0, 0, 1, 10]),
        "ignore_gfp_wait": lambda r: r.random() < 0.3,
        "ignore_gfp_highmem": lambda r: r.random() < 0.5,
        "sites": lambda r: set(r.sample(sorted(faults.SITES) + sorted(faults.ALIASES),
                                        r.randrange(0, 3))),
        "reject_sites": lambda r: r.choice([set(), {"alloc_page"}, ["__pmd_alloc"]]),
        "fail_nth": lambda r: r.choice([0, 0, 1, 2, 4]),
        "seed": lambda r: r.choice([None, 0, 7, U64 - 1]),
    }
    FIELD_NEAR: dict[str, list[Any]] = {
        "probability": [101, -1], "interval": [0, U64], "times": [-2, 1 << 31],
        "space": [-1, 1 << 31], "verbose": [3, -1], "min_order": [11, -1],
        "ignore_gfp_wait": [1, None], "ignore_gfp_highmem": [0, "no"],
        "sites": ["pud_free_pmd_page", {"nope"}, {1}, [None], {"pud_alloc": 1}],
        "reject_sites": [{"x"}, 3], "fail_nth": [-1, U64], "seed": [-1, U64, 1.0],
    }

    def fields(self, ok: bool) -> dict[str, Any]:
        r = self.r
        names = r.sample(list(self.FIELD_VALID), r.randrange(0, 5))
        out = {n: self.FIELD_VALID[n](r) for n in names}
        if ok:
            if r.random() < 0.6:    # make it bite: page-table allocations can fail
                out.update(min_order=0, ignore_gfp_wait=False)
            return out
        c = r.random()
        if c < 0.4 and names:
            n = r.choice(names)
            out[n] = r.choice(self.FIELD_NEAR[n])
        elif c < 0.6 and names:
            out[r.choice(names)] = garbage(r)
        else:
            out[r.choice(["probabilty", "order", "x", "sites_", "self"])] = 1
        return out

    def fail_page_alloc(self) -> Any:
        f = self.fields(True)
        return faults.FailPageAlloc(**f)

    # ---- Machine() ----

    def machine_kwargs(self, ok: bool) -> dict[str, Any]:
        r = self.r
        kw: dict[str, Any] = {}
        if r.random() < 0.5:
            kw["kernel"] = r.choice(profiles.names())
        if r.random() < 0.4:
            kw["cpus"] = r.choice([1, 2, 3, 4, 8, 64] if r.random() < 0.2 else [1, 2, 3])
        if r.random() < 0.5:
            kw["ram_pages"] = r.choice([16, 24, 64, 256, 1024, 4096])
        if r.random() < 0.2:
            kw["paging"] = "4level"
        if r.random() < 0.3:
            kw["seed"] = r.choice([0, 1, 12345, U64 - 1])
        for name, vals in (("invlpg_psc", ["sdm", "covering"]), ("speculation", ["none", "random"]),
                           ("alloc_policy", ["lifo", "fifo", "random"])):
            if r.random() < 0.2:
                kw[name] = r.choice(vals)
        for name in ("sanitize", "panic_on_report", "record_events"):
            if r.random() < 0.15:
                kw[name] = r.random() < 0.5
        if r.random() < 0.1:
            kw["alloc_policy"] = "quarantine"
            kw["quarantine"] = r.choice([1, 4, 15])
        for name in r.sample(sorted(profiles.KNOBS), r.randrange(0, 3)):
            vals = profiles.KNOBS[name].values
            kw[name] = r.choice(vals) if vals else r.random() < 0.5
        for name in r.sample(sorted(ptlib.machine.CACHE_DEFAULTS), r.randrange(0, 2)):
            kw[name] = r.choice([0, 1, 2, 3, 4, 8, 12, 64, 1024])
        if ok:
            return kw
        bad_values: dict[str, list[Any]] = {
            "paging": ["5level", "pae", "", "4LEVEL", 4], "cpus": [0, 65, -1, U64, 1.0],
            "kernel": ["v9.9", "", "V4.18", None], "seed": [-1, U64, 2 ** 200, "0"],
            "ram_pages": [15, 0, -1, (1 << 26) + 1, 1 << 26, 1 << 25, U64, 2 ** 200],
            "invlpg_psc": ["SDM", 0], "speculation": ["always", None],
            "sanitize": [1, "yes"], "panic_on_report": [0, None], "record_events": [2],
            "alloc_policy": ["LIFO", "quarantine", 1], "quarantine": [-1, 0, 10 ** 9, U64, 5],
            "free_tables": ["28ee90fe", True], "pud_free": ["temp", None],
            "deferred_free": [2, "True", None], "iomap_max_page_shift": [63, "21"],
            "fault_inject_order": ["v6.3", "V4.18", "v6", None, 6],
            "ioremap_vm_area_check": [2, "True", None], "vunmap_warn_partial_huge": [2, "no"],
            "vmap_ptdump_lock": [-1, "True", None],
            "tlb_4k": [5, -1, (1 << 20) + 4, 1 << 21, U64, 1.0], "psc_pde": [6, 3 * 3],
            "no_such_knob": [1], "profile": ["v4.18"], "self": [1],
        }
        name = r.choice(sorted(bad_values))
        kw[name] = r.choice(bad_values[name]) if r.random() < 0.8 else garbage(r)
        return kw

    # ---- faults.sweep / last_failure / classes ----

    def p_machine_factory(self, ms, a, ok, tname):
        kernel = self.r.choice(profiles.names())
        pages = self.r.choice([64, 256])
        if ok:
            return lambda: Machine(kernel=kernel, ram_pages=pages)
        return self.r.choice([None, 1, lambda: 1, lambda: None, lambda x: Machine(), Machine()])

    OPS: list[Callable[[Machine], Any]] = [
        lambda m: m.ioremap_page_range(V, V + 2 * K4, PHYS),
        lambda m: m.ioremap_page_range(V + G1 - K4, V + G1 + M2 + K4, PHYS),
        lambda m: m.ioremap(PHYS + 12, 3 * K4),
        lambda m: m.alloc_page(),
        lambda m: (m.ioremap_page_range(V, V + 3 * K4, PHYS),
                   m.ioremap_page_range(V, V + M2, PHYS)),
    ]

    def p_operation(self, ms, a, ok, tname):
        if ok:
            return self.r.choice(self.OPS)
        return self.r.choice([None, 1, "op", lambda: 1])

    def p_expected_reports(self, ms, a, ok, tname):
        kinds = ["StalePagingStructureCache", "StaleTlbEntry", "PageTableUseAfterFree",
                 "BadPageState", "PageTableLeak", "KernelBug", "KernelWarning"]
        if ok:
            return self.r.choice([kinds, tuple(kinds), set(kinds), ()])
        return self.r.choice([None, 1, "KernelBug", [1]])

    def p_max_n(self, ms, a, ok, tname):
        if ok:
            return self.r.choice([1, 3, 50, 100_000])
        return self.r.choice([0, -1, U64, 2 ** 200])

    def p_machine(self, ms, a, ok, tname):
        if ok:
            return ms.m
        return self.r.choice([None, 1, "m", Wrong()])

    def p_saved(self, ms, a, ok, tname):
        if ok and ms.scopes:
            return self.r.choice(ms.scopes)._saved
        if ok:          # what Machine.fail_page_alloc saves: the C attributes
            saved = ptlib.machine.ffi.new("pt_fault_attr *")
            ptlib.machine.lib.pt_fault_attr_get(ms.m._m, saved)
            return saved
        return self.r.choice([None, 1, b"", Wrong()])

    def p_saved_seed(self, ms, a, ok, tname):
        if ok:
            return self.r.choice([None, 0, 5])
        return self.r.choice([-1, U64, "s"])

    def p_get_name(self, ms, a, ok, tname):
        if ok:
            return self.r.choice(profiles.names())
        return self.r.choice(["v4.19", "", "V4.18", None, 4.18, ["v4.18"]])

    def _text(self, ms, a, ok, tname):
        return self.r.choice(["x", "ioremap_pud_capable", ""]) if ok else garbage(self.r)

    p_name = p_doc = p_source = p_description = p_message = p_site = p_outcome = _text

    def p_values(self, ms, a, ok, tname):
        return self.r.choice([None, ("a", "b")]) if ok else garbage(self.r)

    def p_knobs(self, ms, a, ok, tname):
        return self.r.choice([{}, dict(profiles.get("v4.18").knobs)]) if ok else garbage(self.r)

    def p_report(self, ms, a, ok, tname):
        return None

    def p_n(self, ms, a, ok, tname):
        return self.r.choice([1, 2, 3]) if ok else garbage(self.r)

    def p_reports(self, ms, a, ok, tname):
        return self.r.choice([(), ("KernelBug",)]) if ok else garbage(self.r)

    def p_injected(self, ms, a, ok, tname):
        return self.r.random() < 0.5 if ok else garbage(self.r)

    def p_exc(self, ms, a, ok, tname):
        return None if ok else garbage(self.r)

    def p_args(self, ms, a, ok, tname):
        return ()

    def p_kwds(self, ms, a, ok, tname):
        return {}


# ------------------------------------------------------------------ outcome checks

ARITY = re.compile(
    r"missing \d+ required (positional|keyword-only) argument|"
    r"takes (\d+|from \d+ to \d+) positional arguments? but \d+ |"
    r"takes no keyword arguments|"
    r"got an unexpected keyword argument|got multiple values for argument|"
    r"takes no arguments|takes exactly one argument|got some positional-only arguments")


def names_argument(msg: str, allowed: set[str]) -> bool:
    """The message starts with "<name>[/<name>...]: " naming one of the allowed names."""
    head, sep, _ = msg.partition(":")
    if not sep:
        return False
    return any(part.strip() in allowed for part in re.split(r"[/ ,]+", head))


class Driver:
    def __init__(self, seed: int, log: Optional[str]) -> None:
        self.seed = seed
        self.r = random.Random(seed)
        self.gen = Gen(self.r)
        self.api = public_api()
        self.names = sorted(self.api)
        self.hist: dict[str, Counter] = defaultdict(Counter)
        self.valid_ok: Counter = Counter()
        self.valid_calls: Counter = Counter()
        self.slow: list[tuple[float, str]] = []
        self.unnamed_ia: dict[str, str] = {}
        self.logf = open(log, "w", buffering=1) if log else None
        self.pool: list[MState] = []
        self.serial = 0
        for i in range(len(POOL_SPECS)):
            self.pool.append(self.new_machine(i))
        self.calls = 0
        self.keep_going = False
        self.paranoid = False         # check the invariants after every call (slow)
        self.failures: dict[Any, str] = {}

    # ---- machines ----

    def new_machine(self, i: int) -> MState:
        self.serial += 1
        spec = POOL_SPECS[i]
        ms = MState(f"M{i}.{self.serial}", Machine(**spec), dict(spec))
        if i == FAULTY:           # fault injection on for the machine's whole life
            ms.m.set_fail_page_alloc(probability=30, times=-1, min_order=0,
                                     ignore_gfp_wait=False, verbose=1)
            ms.kwargs["set_fail_page_alloc"] = "p=30,times=-1"
        return ms

    def recycle(self) -> None:
        """Replace machines that grew too big to inspect cheaply (their logs grow with every
        operation; a machine with many 4 KiB leaves makes ``mappings()`` slow)."""
        for i, ms in enumerate(self.pool):
            m = ms.m
            if (ms.calls > 2500 or m.pages.by_owner["pte"] > 48 or
                    ptlib.machine.lib.pt_event_count(m._m) > 20_000 or
                    len(ms.data_pages) > 200 or (i < len(POOL_SPECS) and self.r.random() < 0.001)):
                try:
                    self.invariants(ms)
                except AssertionError as exc:
                    self.fail(f"#{self.calls} seed={self.seed} invariants({ms!r})", exc,
                              "machine invariant broken")
                self.pool[i] = self.new_machine(i % len(POOL_SPECS))

    def invariants(self, ms: MState) -> None:
        """Whatever happened, the machine stays inspectable; an untainted one leaks nothing
        and its allocator accounting adds up."""
        m = ms.m
        st = m.pages
        assert st.allocated == sum(st.by_owner.values()), (ms, st)
        assert st.allocs - st.frees == st.allocated, (ms, st)
        assert st.allocated + st.free + 1 == st.ram_pages or m.alloc_policy == "quarantine", \
            (ms, st)
        m.walk(V)
        m.reports
        m.ptdump()
        m.reachable_tables()
        for c in m.cpus:
            c.tlb_entries()
            c.psc_entries()
        self.note_reports(ms)
        if ms.tainted:
            return
        leaked = m.leaked_tables()
        assert not any(leaked.values()), (ms, leaked, m.reports[:3])
        assert m.reachable_tables()["bad_pointers"] == 0, ms
        assert st.by_owner["temp"] == 0, (ms, st)

    TAINT = {"KernelBug", "BadPageState", "PageTableUseAfterFree", "KernelWarning"}

    def note_reports(self, ms: MState) -> None:
        """A kernel BUG/WARN or a bad free may leave tables unreachable by design: the leak
        checks are off for that machine from then on (also after clear_reports)."""
        if not ms.tainted and {r.kind for r in ms.m.reports} & self.TAINT:
            ms.tainted = True

    # ---- one call ----

    def pick_receiver(self, t: Target) -> tuple[Any, Optional[MState], str]:
        r = self.r
        ms = r.choice(self.pool)
        if t.owner is Machine:
            return ms.m, ms, ms.label
        if t.owner is CPU:
            i = r.randrange(len(ms.m.cpus))
            return ms.m.cpus[i], ms, f"{ms.label}.cpus[{i}]"
        if t.owner is faults.FailPageAlloc:
            return self.gen.fail_page_alloc(), ms, "FailPageAlloc(...)"
        if t.owner is faults.FailPageAllocScope:
            if ms.scopes and r.random() < 0.5:
                return r.choice(ms.scopes), ms, f"{ms.label}.scope"
            scope = ms.m.fail_page_alloc(**self.gen.fields(True))
            return scope, ms, f"{ms.label}.fail_page_alloc(...)"
        if t.owner is profiles.Profile:
            return profiles.get(r.choice(profiles.names())), ms, "Profile"
        if t.owner is profiles.Knob:
            return r.choice(list(profiles.KNOBS.values())), ms, "Knob"
        if t.owner is faults.SweepRow:
            return faults.SweepRow(1, None, "ok: 0"), ms, "SweepRow"
        raise AssertionError(f"no receiver for {t.name}: add one to the driver")

    def build_args(self, t: Target, ms: Optional[MState], recv: Any,
                   mode: str) -> tuple[list[Any], dict[str, Any], bool]:
        """(positional, keyword, all arguments valid)."""
        r = self.r
        a: dict[str, Any] = {"__cpu__": recv if isinstance(recv, CPU) else None}
        pos: list[Any] = []
        kw: dict[str, Any] = {}
        params = t.params
        spoil = r.randrange(max(1, len(params))) if mode == "one" else -1
        all_valid = True
        skipped = False
        for i, p in enumerate(params):
            if p.kind == p.VAR_POSITIONAL:
                continue
            if p.kind == p.VAR_KEYWORD:
                if t.name == "Machine()":
                    continue
                extra = self.gen.fields(mode == "valid" or r.random() < 0.5)
                if mode != "valid" and extra and set(extra) - set(Gen.FIELD_VALID):
                    all_valid = False
                kw.update(extra)
                continue
            if mode == "valid":
                quality = "valid"
            elif mode == "one":
                quality = "valid" if i != spoil else r.choice(["near", "near", "garbage"])
            else:
                quality = r.choice(["valid", "near", "garbage"])
            optional = p.default is not p.empty
            if optional and r.random() < 0.3 and quality == "valid":
                skipped = True
                continue                    # leave the default
            v = self.gen.value(t.name, p.name, ms, a, quality)
            a[p.name] = v
            if quality != "valid":
                all_valid = False
            if p.kind == p.KEYWORD_ONLY or (r.random() < 0.3 and p.kind != p.POSITIONAL_ONLY):
                kw[p.name] = v
            elif kw or skipped:             # after a keyword or a gap: by keyword too
                kw[p.name] = v
            else:
                pos.append(v)
        if t.name == "Machine()":
            kw = self.gen.machine_kwargs(mode == "valid")
            pos = []
            all_valid = mode == "valid"
        if mode == "arity":
            all_valid = False
            c = r.random()
            if c < 0.3 and (pos or kw):
                if pos:
                    pos.pop()
                else:
                    kw.pop(r.choice(list(kw)))
            elif c < 0.6:
                pos.append(garbage(r))
            elif c < 0.8:
                kw[r.choice(["bogus", "Start", "va_", "self"])] = garbage(r)
            elif params:
                p = r.choice(params)
                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
                    pos.insert(0, garbage(r))
                    kw[p.name] = garbage(r)
        return pos, kw, all_valid

    def one_call(self) -> None:
        r = self.r
        t = self.api[r.choice(self.names)]
        mode = r.choices(["valid", "one", "chaos", "arity"], [45, 30, 20, 5])[0]
        recv, ms, label = (None, r.choice(self.pool), "") if t.kind in ("func", "ctor") \
            else self.pick_receiver(t)
        if t.kind == "get":
            pos, kw, valid = [], {}, True
            desc = f"{label}.{t.attr}"
            fn = lambda: getattr(recv, t.attr)                  # noqa: E731
        elif t.kind == "set":
            cur = getattr(recv, t.attr)
            ok = mode == "valid"
            val = (cur if r.random() < 0.5 else (not cur if isinstance(cur, bool) else cur)) \
                if ok else garbage(r)
            pos, kw, valid = [val], {}, ok
            desc = f"{label}.{t.attr} = {_short(val)}"
            fn = lambda: setattr(recv, t.attr, val)             # noqa: E731
        else:
            pos, kw, valid = self.build_args(t, ms, recv, mode)
            if t.kind == "method":
                fn0 = getattr(recv, t.attr)
                desc = f"{label}.{t.attr}"
            else:
                fn0 = t.owner
                desc = t.name.rstrip("()") if t.kind == "func" else "Machine"
            desc += "(" + ", ".join([_short(x) for x in pos] +
                                    [f"{k}={_short(v)}" for k, v in kw.items()]) + ")"
            fn = lambda: fn0(*pos, **kw)                        # noqa: E731
        self.calls += 1
        if ms is not None:
            ms.calls += 1
            if t.name == "Machine.clear_reports" or self.paranoid:
                self.note_reports(ms)
        line = f"#{self.calls} seed={self.seed} {desc}"
        if self.logf:
            self.logf.write(line + "\n")
        t0 = time.perf_counter()
        try:
            res = fn()
            if hasattr(res, "__enter__") and hasattr(res, "__exit__"):
                self.use_context(res, ms)
        except ptlib.PtlibError as exc:
            outcome = type(exc).__name__
            if isinstance(exc, ptlib.KernelBug) or (
                    isinstance(exc, ptlib.SanitizerReport) and
                    type(exc).__name__ in ("BadPageState", "PageTableUseAfterFree")):
                if ms is not None:
                    ms.tainted = True
            if type(exc) is ptlib.InvalidArgument:
                allowed = self.allowed_names(t, kw)
                if not names_argument(str(exc), allowed):
                    self.unnamed_ia.setdefault(t.name, str(exc)[:160])
        except TypeError as exc:
            outcome = "TypeError"
            msg = str(exc)
            own_code = t.name == "faults.sweep" and not (
                a_op(pos, kw) in Gen.OPS or a_op(pos, kw) is None)
            if not ARITY.search(msg) and not names_argument(msg, self.allowed_names(t, kw)) \
                    and not own_code:       # what the user's operation raised passes through
                self.fail(line, exc, "a TypeError that does not name the argument")
            if mode == "valid" and t.kind != "set" and valid:
                self.fail(line, exc, "TypeError for arguments the driver thinks are valid")
        except faults.SweepError as exc:
            outcome = "SweepError"
            if "unexpected reports" not in str(exc) and "still consumed" not in str(exc):
                self.fail(line, exc, "sweep found a broken invariant")
        except AttributeError as exc:
            if t.kind == "set" and "object attribute" in str(exc) or "has no setter" in str(exc):
                outcome = "AttributeError"          # a read-only attribute: Python's rule
            else:
                self.fail(line, exc, "unexpected exception")
                outcome = "FAIL:AttributeError"
        except BaseException as exc:                # noqa: BLE001 - anything else fails
            self.fail(line, exc, "unexpected exception")
            outcome = "FAIL:" + type(exc).__name__
        else:
            outcome = "ok"
            if valid:
                self.valid_ok[t.name] += 1
            self.after_ok(t, res, ms)
        dt = time.perf_counter() - t0
        if dt > 0.5:
            self.slow.append((round(dt, 3), line[:200]))
        if valid:
            self.valid_calls[t.name] += 1
        self.hist[t.name][outcome] += 1
        if ms is not None and t.name in ("Machine.write_phys",) and outcome == "ok":
            ms.tainted = True
        if ms is not None and t.name in MAPPERS and outcome != "InvalidArgument":
            if ms.maybe_huge:
                ms.tainted = True
            if t.name.endswith("set_huge") or (ms.m.knobs["ioremap_pmd_capable"] or
                                               ms.m.knobs["ioremap_pud_capable"]):
                ms.maybe_huge = True
        if self.paranoid and ms is not None:
            try:
                self.invariants(ms)
            except AssertionError as exc:
                self.fail(line, exc, "machine invariant broken right after this call")
                ms.tainted = True

    def allowed_names(self, t: Target, kw: dict[str, Any]) -> set[str]:
        names = {p.name for p in t.params} | set(kw) | {t.attr}
        if t.name == "Machine()":
            names |= set(profiles.KNOBS) | set(ptlib.machine.CACHE_DEFAULTS) | {
                "paging", "cpus", "kernel", "seed", "ram_pages", "quarantine", "alloc_policy"}
        if "fail_page_alloc" in t.name or "FailPageAlloc" in t.name:
            names |= set(Gen.FIELD_VALID) | {"config"}
        return names

    def use_context(self, res: Any, ms: Optional[MState]) -> None:
        """A context manager came back (fail_page_alloc, failing_nth): use it, or keep it
        (fault injection left on, restored much later or never)."""
        r = self.r
        c = r.random()
        if c < 0.4:
            with res:
                if ms is not None and r.random() < 0.7:
                    try:
                        ms.m.ioremap_page_range(V + 5 * G1, V + 5 * G1 + 3 * K4, PHYS)
                        ms.m.vunmap_range(V + 5 * G1, V + 5 * G1 + 3 * K4)
                    except ptlib.PtlibError:
                        pass
        elif c < 0.7 and ms is not None and isinstance(res, faults.FailPageAllocScope):
            ms.scopes.append(res)
            del ms.scopes[:-8]

    def after_ok(self, t: Target, res: Any, ms: Optional[MState]) -> None:
        if ms is None:
            return
        if t.name == "Machine.alloc_page" and isinstance(res, int):
            ms.data_pages.append(res)
        elif t.name == "Machine.free_page":
            ms.data_pages = [p for p in ms.data_pages
                             if (ms.m.frame(p // K4) or {}).get("owner") == "data"]
        elif t.name == "Machine()" and isinstance(res, Machine) and self.r.random() < 0.3:
            kw = {"ram_pages": res.pages.ram_pages, "cpus": len(res.cpus), "kernel": res.kernel}
            if res.pages.ram_pages <= 4096 and len(res.cpus) <= 8:
                # a freshly built machine of arbitrary configuration joins the pool for a while
                extra = MState(f"C{self.serial}", res, kw)
                self.serial += 1
                if len(self.pool) > len(POOL_SPECS):
                    self.pool[len(POOL_SPECS) + self.r.randrange(2)
                              if len(self.pool) > len(POOL_SPECS) + 1 else -1] = extra
                else:
                    self.pool.append(extra)

    def fail(self, line: str, exc: BaseException, why: str) -> None:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if self.keep_going:           # collect distinct failures (developer mode)
            key = (why, type(exc).__name__, line.split(" ", 2)[2].split("(")[0][:40])
            if key not in self.failures:
                self.failures[key] = f"{why}: {type(exc).__name__}: {exc}\n  {line}\n{tb}"
            return
        print(f"FAIL {why}: {type(exc).__name__}: {exc}\n  reproducer: {line}\n"
              f"  replay: python tests/robust_driver.py --seed {self.seed} --calls {self.calls}"
              f"\n{tb}", flush=True)
        self.finish(failed=True)
        sys.exit(1)

    def check_pool(self) -> None:
        """The machine invariants on every long-lived machine; a failure ends the run."""
        for ms in self.pool:
            try:
                self.invariants(ms)
            except AssertionError as exc:
                self.fail(f"#{self.calls} seed={self.seed} invariants({ms!r})", exc,
                          "machine invariant broken")

    def run(self, calls: int) -> None:
        while self.calls < calls:
            if self.calls % 50 == 0:
                # a hang (also inside C) ends the process with every thread's traceback;
                # the call log shows the calls that led there
                faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
            self.one_call()
            if self.calls % 97 == 0:
                self.recycle()
            if self.calls % 499 == 0:
                self.check_pool()
        self.check_pool()
        faulthandler.cancel_dump_traceback_later()
        self.finish(failed=False)

    def finish(self, failed: bool) -> None:
        api = {n: self.api[n].kind for n in self.names}
        res = {"seed": self.seed, "calls": self.calls, "failed": failed, "api": api,
               "hist": {k: dict(v) for k, v in sorted(self.hist.items())},
               "valid_ok": dict(self.valid_ok), "valid_calls": dict(self.valid_calls),
               "slow": self.slow[:20], "unnamed_invalid_argument": self.unnamed_ia}
        print("RESULT " + json.dumps(res, sort_keys=True), flush=True)


def a_op(pos: list[Any], kw: dict[str, Any]) -> Any:
    """The operation argument of a faults.sweep call."""
    return kw["operation"] if "operation" in kw else pos[1] if len(pos) > 1 else None


def _short(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return repr(v)
    if isinstance(v, int) and not isinstance(v, Tricky):
        return hex(v) if abs(v) > 4096 else repr(v)
    if isinstance(v, float) and math.isnan(v):
        return "float('nan')"
    if isinstance(v, Machine):
        return "<Machine>"
    if callable(v) and getattr(v, "__name__", "") == "<lambda>":
        return "<lambda>"
    s = repr(v)
    return s if len(s) <= 120 else s[:100] + f"...<{len(s)} chars>"


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--log", default=None, help="write each call here before making it")
    ap.add_argument("--only", default=None, metavar="REGEX",
                    help="call only the targets whose name matches (developer mode)")
    ap.add_argument("--paranoid", action="store_true",
                    help="check the machine invariants after every call")
    ap.add_argument("--keep-going", action="store_true",
                    help="collect distinct failures instead of stopping at the first")
    ns = ap.parse_args(argv)
    faulthandler.enable()        # a segfault/abort prints the Python stack of the call
    seed = ns.seed if ns.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"robust_driver: seed={seed} calls={ns.calls} ptlib={ptlib.__file__}", flush=True)
    t0 = time.perf_counter()
    d = Driver(seed, ns.log)
    d.keep_going = ns.keep_going
    if ns.only:
        d.names = [n for n in d.names if re.search(ns.only, n)]
    d.paranoid = ns.paranoid
    d.run(ns.calls)
    for text in d.failures.values():
        print("FAILURE " + text)
    print(f"robust_driver: done in {time.perf_counter() - t0:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
