# SPDX-License-Identifier: GPL-2.0-only
"""Benchmark: the emulated MMU (csrc/cpu.c) against a plain C pointer chase of the same depth,
the Python batch rate, one cpu.access() call against the cffi call floor, and the sanitizer's
cost on an ioremap/vunmap workload, all in one run.

    python benchmarks/bench_mmu.py            # prints a markdown table
    python benchmarks/bench_mmu.py --record   # also appends a section to benchmarks/RESULTS.md

1. translate_many, ns per address, timed inside C (clock_gettime around each
   pt_cpu_translate_many call, one value per repetition) for
     (a) TLB hits: 256 pages of 4 KiB, translated once before timing;
     (b) TLB misses that hit the PDE cache: every 4 KiB page of 16 x 2 MiB, in order;
     (c) full walks: the same addresses on Machine(psc_pml4e=0, psc_pdpte=0, psc_pde=0,
         tlb_4k=4);
     (c') full walks with the default caches: 2,048 addresses, each in its own 1 GiB, 8 PGD
         slots in turn, so that every TLB set, the PML4E, PDPTE and PDE caches see cycles
         longer than their ways;
   against the "walk limit": 4 dependent loads per address through tables shaped like the
   walker's (pt_bench_chase), over the same addresses.  One timed call is one pass over the
   case's addresses ((a): 32,768 lookups of its 256 pages).  Each case is checked before timing:
   on a twin machine with the sanitizer off (caches behave the same) the Accessed bits of
   every entry the walk reads are cleared, one pass runs, and which A bits came back shows
   which levels were read from memory for every address (A bits set only when clear, so
   this proves misses/hits; the twin avoids the sanitizer's StaleTlbEntry on the A-bit
   writes).  The TLB/PSC contents of the timed machine are then compared with the twin's.
2. Addresses per second of cpu.translate_many(array('Q') of 1,000,000 addresses) from Python.
3. One cpu.access(va) call (a TLB hit) against the cffi floor lib.pt_op(m._m), both in a loop,
   with the parts of access() timed alone and a sketch of a fast path (not part of ptlib).
4. Machine(sanitize=True) vs Machine(sanitize=False) on 200 x [ioremap_page_range of 2 MiB of
   4 KiB pages at one of 8 rotating VAs, unmap_kernel_range (flushes, as vunmap does)].

Repetitions are interleaved (repetition r of every measurement before repetition r + 1 of
any) so that a noisy stretch of a shared host hits all of them alike.  Medians throughout,
the best repetition beside them.  Not a test: nothing here asserts a time (it does check that each case is
the case it claims to be).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from array import array
from pathlib import Path
from typing import Any, Callable

import ptlib
from ptlib import errors
from ptlib._ptlib import ffi, lib
from ptlib.cpu import FAULT, _check_bool, _check_va

sys.path.insert(0, str(Path(__file__).parent))
from _results import append_results  # noqa: E402

VA = ptlib.VMALLOC_START
PHYS = 0x40_0000_0000 + 4096        # 4 KiB aligned only: every mapping is made of 4 KiB PTEs
PROT = ptlib.PAGE_KERNEL_IO
PMD = ptlib.PMD_SIZE
PFN_MASK = ((1 << 52) - 1) & ~0xFFF
ACCESSED = 1 << 5
SHIFTS = (39, 30, 21, 12)
LEVELS = ("PGD", "PUD", "PMD", "PTE")

HIT_PAGES = 256                     # (a): one entry in each of the 4K TLB's 256 sets
NREG = 16                           # (b), (c): 2 MiB regions; 2 per PDE-cache set (8 x 4 ways)
SPREAD = 2048                       # (c'): addresses, one per GiB
HIT_PER_REP = 32768                 # (a): addresses per timed call (the 256 pages, tiled)
BATCH = 1_000_000
ACCESS_LOOP = 5_000                 # calls per timed Python loop


# ---- helpers ----

def c_times(fn: Callable[[Any], int], reps: int) -> list[float]:
    buf = ffi.new("double[]", reps)
    rc = fn(buf)
    assert rc == lib.PT_OK, rc
    return [buf[i] for i in range(reps)]


def summarize(samples: dict[str, Any]) -> dict[str, float]:
    """name -> median, and name@best -> the minimum (shown beside it: the host is shared)."""
    out: dict[str, float] = {}
    for k, v in samples.items():
        out[k] = statistics.median(v)
        out[f"{k}@best"] = min(v)
    return out


def tile(vas: array, n: int) -> array:
    """vas repeated in order up to n entries (the cyclic pattern of every case survives)."""
    reps = -(-n // len(vas))
    out = array("Q", vas.tolist() * reps)
    del out[n:]
    return out


def hit_vas() -> array:
    return array("Q", (VA + i * 4096 + ((i * 520) & 0xFF8) for i in range(HIT_PAGES)))


def region_vas() -> array:
    return array("Q", (VA + i * 4096 + ((i * 520) & 0xFF8) for i in range(NREG * 512)))


def spread_vas() -> array:
    # k-th address: PGD slot k % 8, its own GiB (so its own PUD entry, PMD and PTE table),
    # PDE-cache set k % 8, 4K-TLB set k % 256: every cache sees cycles longer than its ways.
    return array("Q", (VA + ((k % 8) << 39) + ((k // 8) << 30) + ((k % 8) << 21)
                       + ((k % 256) << 12) + 8 * (k % 512) for k in range(SPREAD)))


def linear_machine(**kw: Any) -> ptlib.Machine:
    m = ptlib.Machine(**kw)
    m.ioremap_page_range(VA, VA + NREG * PMD, PHYS, PROT)
    return m


def spread_machine(**kw: Any) -> ptlib.Machine:
    m = ptlib.Machine(**kw)
    for k, va in enumerate(spread_vas()):
        page = va & ~0xFFF
        m.ioremap_page_range(page, page + 4096, PHYS + k * 4096, PROT)
    return m


def entry_addrs(m: ptlib.Machine, va: int, cache: dict[int, int]) -> list[int]:
    """Physical addresses of the 4 entries a walk of va reads, root first."""
    table, out = m.root, []
    for sh in SHIFTS:
        ea = table + ((va >> sh) & 511) * 8
        out.append(ea)
        if ea not in cache:
            cache[ea] = int.from_bytes(m.read_phys(ea, 8), "little")
        table = cache[ea] & PFN_MASK
    return out


def accessed_after_one_pass(m: ptlib.Machine, vas: array) -> list[tuple[int, int]]:
    """Clear the A bit of every entry the walks of vas read, translate vas once, and return
    per level (entries with A set again, distinct entries)."""
    cache: dict[int, int] = {}
    per_level: list[set[int]] = [set() for _ in SHIFTS]
    for va in vas:
        for lvl, ea in enumerate(entry_addrs(m, va, cache)):
            per_level[lvl].add(ea)
    for eas in per_level:
        for ea in eas:
            m.write_phys(ea, (cache[ea] & ~ACCESSED).to_bytes(8, "little"))
    out = m.cpus[0].translate_many(vas)
    assert FAULT not in out
    res = []
    for eas in per_level:
        n = sum(1 for ea in eas if int.from_bytes(m.read_phys(ea, 8), "little") & ACCESSED)
        res.append((n, len(eas)))
    return res


def cache_summary(m: ptlib.Machine) -> tuple[dict[str, int], dict[str, int], set, set]:
    cpu = m.cpus[0]
    tlb, psc = cpu.tlb_entries(), cpu.psc_entries()
    t: dict[str, int] = {}
    p: dict[str, int] = {}
    for e in tlb:
        t[e.level] = t.get(e.level, 0) + 1
    for e in psc:
        p[e.level] = p.get(e.level, 0) + 1
    return t, p, {(e.level, e.va) for e in tlb}, {(e.level, e.va) for e in psc}


def fmt_counts(d: dict[str, int], names: dict[str, str]) -> str:
    return ", ".join(f"{names[k]} {d.get(k, 0)}" for k in names)


TLB_NAMES = {"pte": "4K", "pmd": "2M", "pud": "1G"}
PSC_NAMES = {"pgd": "PML4E", "pud": "PDPTE", "pmd": "PDE"}


# ---- 1. translate_many in C against the chase ----

# expected (A bits set again after one pass) per level: "none" or "all"
CASES: dict[str, dict[str, Any]] = {
    "a": dict(title="(a) TLB hits (256 pages of 4 KiB, translated before)",
              build=lambda **kw: linear_machine(**kw), vas=hit_vas, kw={},
              expect=("none", "none", "none", "none")),
    "b": dict(title="(b) 4K-TLB misses, PDE-cache hits (8,192 pages in 16 x 2 MiB)",
              build=lambda **kw: linear_machine(**kw), vas=region_vas, kw={},
              expect=("none", "none", "none", "all")),
    "c": dict(title="(c) full walks: same addresses, PSCs off, tlb_4k=4",
              build=lambda **kw: linear_machine(**kw), vas=region_vas,
              kw=dict(psc_pml4e=0, psc_pdpte=0, psc_pde=0, tlb_4k=4),
              expect=("all", "all", "all", "all")),
    "c2": dict(title="(c') full walks: default caches, 2,048 spread addresses",
               build=lambda **kw: spread_machine(**kw), vas=spread_vas, kw={},
               expect=("all", "all", "all", "all")),
}


def run_translate(reps: int) -> tuple[dict[str, float], list[str], dict[str, Any]]:
    notes: list[str] = []
    keep: dict[str, Any] = {}
    timed: dict[str, tuple[Callable[[Any], int], int]] = {}     # name -> (C call, addresses)
    bufs = []                                     # keep the from_buffer objects alive
    for key, case in CASES.items():
        base = case["vas"]()
        # one timed call: one pass over the case's addresses ((a): 128 passes), so that
        # every call lasts a fraction of a millisecond and most escape preemption
        vas = tile(base, HIT_PER_REP) if key == "a" else base
        src = ffi.from_buffer("uint64_t[]", vas)
        bufs.append((vas, src))
        # the walk limit over the same addresses (same table shapes, same footprint)
        vkey = f"chase_{case['vas'].__name__}"
        if vkey not in timed:
            timed[vkey] = ((lambda src, n: lambda b: lib.pt_bench_chase(src, n, 1, b))(
                src, len(vas)), len(vas))

        # twin with the sanitizer off: prove the case with the A bits
        twin = case["build"](sanitize=False, **case["kw"])
        twin.cpus[0].translate_many(base)
        twin.cpus[0].translate_many(base)
        got = accessed_after_one_pass(twin, base)
        for lvl, (want, (n, tot)) in enumerate(zip(case["expect"], got)):
            ok = n == 0 if want == "none" else n == tot
            if not ok:
                raise SystemExit(f"case {key}: {LEVELS[lvl]} entries with A set after one pass: "
                                 f"{n}/{tot}, designed {want} - the case is not what it claims")
        mach = case["build"](**case["kw"])             # the timed machine: sanitizer on
        mach.cpus[0].translate_many(base)              # translated once (fills the caches)
        for label, mm in (("on", mach), ("off", twin)):
            timed[f"{key}_{label}"] = (
                (lambda mm, src, n: lambda b: lib.pt_bench_translate_many(mm._m, 0, src, n, 1, b))(
                    mm, src, len(vas)), len(vas))
        keep[key] = (mach, base, twin, got)

    # Interleaved: repetition r of every measurement runs before repetition r + 1 of any,
    # so that a noisy stretch of the host hits all of them alike.
    samples: dict[str, list[float]] = {k: [] for k in timed}
    for _ in range(reps):
        for name, (fn, n) in timed.items():
            samples[name].append(c_times(fn, 1)[0] / n)
    res = summarize(samples)
    for key, case in CASES.items():
        for suffix in ("", "@best"):
            res[f"chase_{key}{suffix}"] = res[f"chase_{case['vas'].__name__}{suffix}"]
        mach, base, twin, got = keep[key]
        assert not mach.reports and not twin.reports, (mach.reports, twin.reports)
        tc, pc, tset, pset = cache_summary(mach)
        tc2, pc2, tset2, pset2 = cache_summary(twin)
        same = "same as" if (tset, pset) == (tset2, pset2) else "DIFFERENT from"
        a_bits = ", ".join(f"{LEVELS[i]} {n}/{tot}" for i, (n, tot) in enumerate(got))
        notes.append(f"{case['title']}: A bits set again after one pass: {a_bits}. "
                     f"Timed machine's caches after the run: TLB {fmt_counts(tc, TLB_NAMES)}; "
                     f"PSC {fmt_counts(pc, PSC_NAMES)} ({same} the sanitizer-off twin's).")
    return res, notes, keep


# ---- 2. batch rate from Python ----

def run_batch(reps: int, keep: dict[str, Any]) -> dict[str, float]:
    runs: dict[str, Callable[[], Any]] = {}
    for key in ("a", "c"):
        cpu = keep[key][0].cpus[0]
        vas = tile(keep[key][1], BATCH)
        out = array("Q", bytes(8 * BATCH))
        assert FAULT not in cpu.translate_many(vas)
        runs[f"batch_{key}_alloc"] = (lambda cpu, vas: lambda: cpu.translate_many(vas))(cpu, vas)
        runs[f"batch_{key}_prealloc"] = (
            lambda cpu, vas, out: lambda: cpu.translate_many(vas, out=out))(cpu, vas, out)
    ts: dict[str, list[int]] = {k: [] for k in runs}
    for _ in range(reps):
        for k, fn in runs.items():
            t0 = time.perf_counter_ns()
            fn()
            ts[k].append(time.perf_counter_ns() - t0)
    return {k: BATCH / (t * 1e-9) / 1e6 for k, t in summarize(ts).items()}   # M addr/s


# ---- 3. one access() against the cffi floor ----

def make_fast_access(cpu: Any, report_check: bool = True) -> Callable[[int], int]:
    """A sketch of a fast path for the common call (a read, va an exact int): one combined
    range+canonical check, per-CPU preallocated out-parameters.  Not part of ptlib.
    report_check=False drops Machine._after() (what folding the report check into the C
    call would save; not a valid wrapper by itself)."""
    mach, f, mm, idx = cpu._machine, lib.pt_cpu_access, cpu._machine._m, cpu.index
    pa, err = ffi.new("uint64_t *"), ffi.new("uint32_t *")
    after = mach._after if report_check else (lambda: None)

    def fast(va: int) -> int:
        if type(va) is not int or (va >> 47) not in (0, 0x1FFFF):
            return cpu.access(va)                # the checked path raises the right error
        if f(mm, idx, va, 0, pa, err):
            raise errors.PageFault(f"page fault at {va:#x}", va=va, error_code=int(err[0]),
                                   cpu=idx)
        after()
        return pa[0]
    return fast


def run_access(reps: int, keep: dict[str, Any]) -> dict[str, float]:
    mach, base = keep["a"][:2]
    va = base[3]
    acc = mach.cpus[0].access
    fast = make_fast_access(mach.cpus[0])
    fast_nc = make_fast_access(mach.cpus[0], report_check=False)
    assert acc(va) == fast(va) == fast_nc(va)
    n = ACCESS_LOOP
    m = mach
    rng = range(n)

    def t_access() -> float:
        t0 = time.perf_counter_ns()
        for _ in rng:
            acc(va)
        return (time.perf_counter_ns() - t0) / n

    def t_floor() -> float:                       # as in bench_ioremap.py
        t0 = time.perf_counter_ns()
        for _ in rng:
            lib.pt_op(m._m)
        return (time.perf_counter_ns() - t0) / n

    def t_bare() -> float:
        f, mm = lib.pt_op, m._m
        t0 = time.perf_counter_ns()
        for _ in rng:
            f(mm)
        return (time.perf_counter_ns() - t0) / n

    def t_fast() -> float:
        t0 = time.perf_counter_ns()
        for _ in rng:
            fast(va)
        return (time.perf_counter_ns() - t0) / n

    def t_fast_nc() -> float:
        t0 = time.perf_counter_ns()
        for _ in rng:
            fast_nc(va)
        return (time.perf_counter_ns() - t0) / n

    def t_new2() -> float:                       # the two out-parameters access() allocates
        t0 = time.perf_counter_ns()
        for _ in rng:
            ffi.new("uint64_t *")
            ffi.new("uint32_t *")
        return (time.perf_counter_ns() - t0) / n

    def t_after() -> float:                      # the report check after every call
        after = m._after
        t0 = time.perf_counter_ns()
        for _ in rng:
            after()
        return (time.perf_counter_ns() - t0) / n

    def t_checks() -> float:                     # the argument checks of access()
        t0 = time.perf_counter_ns()
        for _ in rng:
            _check_va(va)
            _check_bool("write", False)
            _check_bool("user", False)
            _check_bool("fetch", False)
        return (time.perf_counter_ns() - t0) / n

    fns = {"access": t_access, "floor": t_floor, "floor_bare": t_bare, "access_fast": t_fast,
           "access_fast_nc": t_fast_nc,
           "part_new2": t_new2, "part_after": t_after, "part_checks": t_checks}
    ts: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(reps):                          # interleaved: load changes hit all alike
        for k, fn in fns.items():
            ts[k].append(fn())
    return summarize({f"{k}_ns": v for k, v in ts.items()})


# ---- 4. sanitizer on vs off ----

CYCLES = 200
SLOTS = 8


def run_sanitizer(reps: int) -> dict[str, float]:
    machines = {"on": ptlib.Machine(sanitize=True), "off": ptlib.Machine(sanitize=False)}
    ts: dict[str, list[float]] = {f"san_{k}_{w}": [] for k in machines for w in ("c", "py")}
    for _ in range(reps):                          # interleaved, as above
        for label, m in machines.items():
            t = c_times(lambda b: lib.pt_bench_ioremap_cycles(
                m._m, VA, PMD, SLOTS, PMD, PHYS, PROT, CYCLES, 1, b), 1)[0]
            ts[f"san_{label}_c"].append(t / CYCLES / 1e3)
            t0 = time.perf_counter_ns()
            for k in range(CYCLES):
                va = VA + (k % SLOTS) * PMD
                m.ioremap_page_range(va, va + PMD, PHYS, PROT)
                m.vunmap_range(va, va + PMD)
            ts[f"san_{label}_py"].append((time.perf_counter_ns() - t0) / CYCLES / 1e3)
    for m in machines.values():
        assert not m.reports, m.reports
        assert m.pages.by_owner["pte"] == SLOTS
    return summarize({f"{k}_us": v for k, v in ts.items()})


# ---- report ----

def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def table(r: dict[str, float]) -> str:
    out = ["| what | median | best | ratio | target | |", "|---|---:|---:|---:|---|---|"]

    def row(name: str, key: str = "", fmt: str = "", ratio: str = "", target: str = "",
            met: str = "") -> None:
        v = fmt.format(r[key]) if key else ""
        b = fmt.format(r[key + "@best"]) if key else ""
        out.append(f"| {name} | {v} | {b} | {ratio} | {target} | {met} |")

    ns = "{:.2f} ns"
    row("**1. translate_many, ns per address (timed in C)**", ratio="vs walk limit")
    row("walk limit: C chase, 4 dependent loads/address, (a)'s addresses", "chase_a", ns, "1.00")
    row("walk limit, (b)/(c)'s addresses", "chase_b", ns, "1.00")
    row("walk limit, (c')'s addresses", "chase_c2", ns, "1.00")
    for key in CASES:
        ch = r[f"chase_{key}"]
        for label in ("on", "off"):
            k = f"{key}_{label}"
            name = CASES[key]["title"] + (", sanitizer off" if label == "off" else "")
            target = met = ""
            if key == "a" and label == "on":
                target, met = "≤ 5 ns", verdict(r[k] <= 5)
            if key in ("c", "c2") and label == "on":
                target, met = "≤ 4× walk limit", verdict(r[k] / ch <= 4)
            row(name, k, ns, f"{r[k] / ch:.2f}×", target, met)
    row("**2. cpu.translate_many(array('Q') of 1,000,000) from Python**")
    for key, what in (("a", "TLB hits (a)"), ("c", "full walks (c)")):
        for label, how in (("alloc", "out allocated by the call"),
                           ("prealloc", "out= preallocated")):
            k = f"batch_{key}_{label}"
            target = met = ""
            if label == "alloc":
                target, met = "≥ 50 M/s", verdict(r[k] >= 50)
            row(f"{what}, {how}", k, "{:.1f} M addr/s", "", target, met)
    row(f"**3. one Python call, ns per call (loops of {ACCESS_LOOP:,})**", ratio="vs floor")
    fl = r["floor_ns"]
    pns = "{:.0f} ns"
    row("cffi floor: lib.pt_op(m._m)", "floor_ns", pns, "1.00")
    row("cffi floor, lib.pt_op and m._m bound to locals", "floor_bare_ns", pns,
        f"{r['floor_bare_ns'] / fl:.2f}×")
    row("cpu.access(va), a TLB hit", "access_ns", pns, f"{r['access_ns'] / fl:.2f}×",
        "≤ 2× floor", verdict(r["access_ns"] / fl <= 2))
    for k, name in (("part_checks_ns", "… of which: argument checks (_check_va + 3 × _check_bool)"),
                    ("part_new2_ns", "… of which: 2 × ffi.new for the out-parameters"),
                    ("part_after_ns", "… of which: Machine._after() (a second cffi call, "
                                      "pt_report_count)"),
                    ("access_fast_ns", "sketch of a fast path (not in ptlib: exact-int check, "
                                       "preallocated out-params)"),
                    ("access_fast_nc_ns", "… the same without Machine._after() (report check "
                                          "folded into C)")):
        row(name, k, pns, f"{r[k] / fl:.2f}×")
    row(f"**4. {CYCLES} × [ioremap 2 MiB of 4 KiB pages, vunmap], µs per cycle**",
        ratio="on vs off")
    us = "{:.2f} µs"
    on, off = r["san_on_c_us"], r["san_off_c_us"]
    row("sanitize=False, timed in C", "san_off_c_us", us, "1.00")
    row("sanitize=True, timed in C", "san_on_c_us", us, f"{on / off:.2f}×", "≤ 1.3×",
        verdict(on / off <= 1.3))
    pon, poff = r["san_on_py_us"], r["san_off_py_us"]
    row("sanitize=False, from Python", "san_off_py_us", us, "1.00")
    row("sanitize=True, from Python", "san_on_py_us", us, f"{pon / poff:.2f}×")
    return "\n".join(out)


def run(reps: int) -> tuple[dict[str, float], list[str]]:
    res, notes, keep = run_translate(reps)
    res.update(run_batch(reps, keep))
    res.update(run_access(reps, keep))
    res.update(run_sanitizer(reps))
    return res, notes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    res, notes = run(args.reps)
    load1 = os.getloadavg()[0]
    md = table(res)
    checks = "\n".join(f"- {n}" for n in notes)
    print(md)
    print()
    print(f"load average {load0:.2f} before, {load1:.2f} after")
    print("Case checks (A bits per level: entries read from memory in one pass / entries):")
    print(checks)
    if args.record:
        append_results("bench_mmu.py",
                       f"1-minute load average {load0:.2f} before the run, {load1:.2f} after "
                       f"(the host is shared).\n\n"
                       f"{args.reps} repetitions, interleaved (repetition r of every measurement "
                       f"before repetition r + 1 of any); medians, with the best repetition "
                       f"beside them; one run; "
                       f"translate_many timed per call over one pass of each case's addresses ((a): "
                       f"{HIT_PER_REP}).\n\n{md}\n\n"
                       f"Case checks (A bits per level set again after one pass, on the "
                       f"sanitizer-off twin):\n\n{checks}")

if __name__ == "__main__":
    main()
