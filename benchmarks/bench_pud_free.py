# SPDX-License-Identifier: GPL-2.0-only
"""Benchmark: pud_free_pmd_page cost per call for each pud_free strategy (temp_page,
page_list, no_save) with 0, 1 and 512 PTE tables under the PMD table, plus allocations per
call; the same with the RAM nearly full (1 free frame) and full (0 free frames).

    python benchmarks/bench_pud_free.py            # prints markdown tables
    python benchmarks/bench_pud_free.py --record   # also appends to benchmarks/RESULTS.md

Timed in C (csrc/bench.c pt_bench_pud_free): the state is rebuilt untimed before every
call (nptes 4 KiB mappings, one per 2 MiB region, or one 2 MiB leaf for 0 PTE tables; a
flushing unmap of the 1 GiB; data pages allocated or freed until the wanted number of free
frames is left), and only the pt_pud_free_pmd_page() call is timed (clock_gettime around
it; the timer floor is shown).  Repetitions are interleaved in rounds across all cases;
medians, with the best beside.  2 CPUs (every flush runs INVLPG on both).  Target:
page_list no slower than temp_page, zero allocations.  Not a test: nothing asserts a time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import ptlib
from ptlib._ptlib import ffi, lib

sys.path.insert(0, str(Path(__file__).parent))
from _results import append_results  # noqa: E402

STRATEGIES = ("temp_page", "page_list", "no_save")
NPTES = (0, 1, 512)
VA = ptlib.VMALLOC_START + ptlib.PUD_SIZE
NO_FILLER = (1 << 64) - 1


class Case:
    """One (strategy, nptes, sanitize, free frames left) case on its own machine."""

    def __init__(self, strategy: str, nptes: int, sanitize: bool = True,
                 leave_free: int = NO_FILLER) -> None:
        self.key = (strategy, nptes, sanitize, leave_free)
        ram = 1024 if leave_free != NO_FILLER else 4096
        self.m = ptlib.Machine(cpus=2, kernel="v4.18", pud_free=strategy, ram_pages=ram,
                               sanitize=sanitize)
        self.nptes, self.leave_free = nptes, leave_free
        self.ns: list[float] = []
        self.allocs: list[int] = []
        self.ok: list[int] = []
        self.round_medians: list[float] = []

    def run(self, reps: int) -> None:
        ns, al, ok = ffi.new("double[]", reps), ffi.new("uint64_t[]", reps), ffi.new("int[]", reps)
        rc = lib.pt_bench_pud_free(self.m._m, VA, self.nptes, self.leave_free, reps, ns, al, ok)
        assert rc == lib.PT_OK, (self.key, rc)
        self.ns += [ns[i] for i in range(reps)]
        self.allocs += [int(al[i]) for i in range(reps)]
        self.ok += [int(ok[i]) for i in range(reps)]
        self.round_medians.append(statistics.median(ns[i] for i in range(reps)))

    @property
    def median(self) -> float:
        return statistics.median(self.ns)

    @property
    def spread(self) -> float:
        """Run-to-run noise: (max - min) / median of the per-round medians."""
        r = self.round_medians
        return (max(r) - min(r)) / statistics.median(r)

    @property
    def best(self) -> float:
        return min(self.ns)

    def check(self) -> None:
        """Every case must leave the machine clean (no report, nothing leaked)."""
        m = self.m
        assert m.reports == [], (self.key, m.reports[:3])
        leaked = m.leaked_tables()
        assert not any(leaked.values()) and m.pages.by_owner["temp"] == 0, (self.key, leaked)


def run(reps: int = 201, rounds: int = 7) -> dict:
    cases: dict[tuple, Case] = {}
    for s in STRATEGIES:
        for n in NPTES:
            for san in (True, False):
                cases[(s, n, san, NO_FILLER)] = Case(s, n, san)
            for left in (1, 0):
                cases[(s, n, True, left)] = Case(s, n, True, left)
    floor = Case("temp_page", -1)
    per_round = max(1, reps // rounds)
    for _ in range(rounds):                       # interleaved: round r of every case first
        for c in (*cases.values(), floor):
            c.run(per_round)
    for c in cases.values():
        c.check()
    return {"cases": cases, "floor": floor, "reps": per_round * rounds}


def _fmt_ns(v: float) -> str:
    return f"{v / 1000:.2f} µs" if v >= 10_000 else f"{v:.0f} ns"


def tables(res: dict) -> tuple[str, str, list[str]]:
    cases = res["cases"]
    out = ["| strategy | PTE tables | median | best | vs temp_page | allocs/call | "
           "median, sanitizer off | vs temp_page |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    verdicts = []
    for n in NPTES:
        ref_on = cases[("temp_page", n, True, NO_FILLER)].median
        ref_off = cases[("temp_page", n, False, NO_FILLER)].median
        for s in STRATEGIES:
            on, off = cases[(s, n, True, NO_FILLER)], cases[(s, n, False, NO_FILLER)]
            allocs = statistics.mean(on.allocs)
            out.append(f"| {s} | {n} | {_fmt_ns(on.median)} | {_fmt_ns(on.best)} | "
                       f"{on.median / ref_on:.2f}× | {allocs:g} | {_fmt_ns(off.median)} | "
                       f"{off.median / ref_off:.2f}× |")
            if s == "page_list":
                noise = max(cases[("temp_page", n, True, NO_FILLER)].spread,
                            cases[("temp_page", n, False, NO_FILLER)].spread)
                verdicts.append((n, on.median / ref_on, off.median / ref_off, allocs, noise))
    out.append(f"| timer floor (clock_gettime pair, no call) | | {_fmt_ns(res['floor'].median)} "
               f"| {_fmt_ns(res['floor'].best)} | | | | |")

    pr = ["| strategy | PTE tables | free frames before the call | median | best | "
          "vs temp_page | allocs/call | returned 1 |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for left in (1, 0):
        for n in NPTES:
            ref = cases[("temp_page", n, True, left)].median
            for s in STRATEGIES:
                c = cases[(s, n, True, left)]
                pr.append(f"| {s} | {n} | {left} | {_fmt_ns(c.median)} | {_fmt_ns(c.best)} | "
                          f"{c.median / ref:.2f}× | {statistics.mean(c.allocs):g} | "
                          f"{sum(c.ok)}/{len(c.ok)} |")
    lines = []
    for n, r_on, r_off, allocs, noise in verdicts:
        worst = max(r_on, r_off)
        if allocs:
            word = "NOT met (allocates)"
        elif worst <= 1.0:
            word = "met"
        elif worst <= 1.0 + noise:
            word = f"met within noise (temp_page's round-to-round spread is {noise:.0%})"
        else:
            word = "NOT met"
        lines.append(f"page_list vs temp_page, {n} PTE tables: {r_on:.2f}× (sanitizer on), "
                     f"{r_off:.2f}× (off), {allocs:g} allocations per call -> {word}")
    return "\n".join(out), "\n".join(pr), lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=203)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = ap.parse_args()
    res = run(args.reps, args.rounds)
    main_t, pressure_t, verdicts = tables(res)
    verdict = ("Target: page_list no slower than temp_page (median ratio ≤ 1.00, sanitizer on "
               "and off), zero allocations.\n\n" + "\n".join(f"- {v}" for v in verdicts))
    print(main_t, pressure_t, verdict, sep="\n\n")
    if args.record:
        append_results("bench_pud_free.py",
                       f"pud_free_pmd_page on v4.18 (free_tables 5e0fb5df2ee8), 2 CPUs, per "
                       f"pud_free strategy; {res['reps']} calls per case in {args.rounds} "
                       f"interleaved rounds, state rebuilt untimed before each call, only the "
                       f"call timed in C; medians and best; one run.\n\n{main_t}\n\n"
                       f"Memory pressure (sanitizer on): data pages fill RAM until 1 or 0 frames "
                       f"are free before each call (temp_page at 0 fails: it returns 0 with "
                       f"nothing changed, and the time is that of the failure).\n\n"
                       f"{pressure_t}\n\n{verdict}")

if __name__ == "__main__":
    main()
