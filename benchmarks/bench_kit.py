# SPDX-License-Identifier: GPL-2.0-only
"""Benchmark of the testing kit: Machine create+destroy time, and the Hypothesis state
machine's throughput (steps per second), in one run.

    python benchmarks/bench_kit.py            # prints markdown tables
    python benchmarks/bench_kit.py --record   # also appends a section to benchmarks/RESULTS.md

Create+destroy is measured three ways: in C (pt_bench_machine_cycle: clock_gettime around
pt_machine_new + pt_machine_free, one value per pair), from Python (``ptlib.Machine(...)``
whose last reference is then dropped, timed in batches of 1,000 with perf_counter_ns; one
value per batch; the configurations' batches interleaved in rounds) and from Python for a
configuration not seen before (the argument checks and the pt_config fill run again; the
config cache is cleared before each).  Medians.

Throughput: ``ptlib.stateful.IoremapStateMachine`` (v4.18, 2 CPUs, its defaults; the
rules keep the RefModel in step and assert leaves and translations, the invariants check
reports and allocator accounting after every step) run by Hypothesis's
``run_state_machine_as_test`` in the generate phase only (no database, derandomized);
steps = rule executions, counted by an invariant (which Hypothesis runs after the
initialize step and after every rule).  Also shown: a state machine of the same shape
(rules, argument strategies, Bundle, preconditions, invariants) whose bodies do nothing —
what Hypothesis itself allows such a machine here — and one whose single rule does nothing.  Targets: create+destroy ≤ 20 µs;
≥ 2,000 steps/s.  Not a test: nothing asserts a time.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, initialize, invariant,
                                 precondition, rule, run_state_machine_as_test)

import ptlib
import ptlib.machine as pm
from ptlib._ptlib import ffi, lib
from ptlib import stateful as S
from ptlib.stateful import IoremapStateMachine

sys.path.insert(0, str(Path(__file__).parent))
from _results import append_results  # noqa: E402

CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("Machine() (1 CPU, v4.18, 256 MiB RAM)", {}),
    ("Machine(cpus=2, kernel='v4.17')", {"cpus": 2, "kernel": "v4.17"}),
    ("Machine(cpus=8, kernel='v6.19', ram_pages=4096)",
     {"cpus": 8, "kernel": "v6.19", "ram_pages": 4096}),
]


def c_cycle_us(kwargs: dict[str, Any], reps: int) -> float:
    """Median µs of pt_machine_new + pt_machine_free in C, for the config Machine(**kwargs) uses."""
    m = ptlib.Machine(**kwargs)
    cfg = next(v[0] for v in pm._CONFIGS.values() if v[1] == m.knobs)  # the cached pt_config
    del m
    buf = ffi.new("double[]", reps)
    assert lib.pt_bench_machine_cycle(cfg, reps, buf) == lib.PT_OK
    return statistics.median(buf[i] for i in range(reps)) / 1e3


def batch_us(make: Callable[[], Any], per_batch: int) -> float:
    """Mean µs of ``make()`` over one batch, each result dropped at once."""
    t0 = time.perf_counter_ns()
    for _ in range(per_batch):
        make()
    return (time.perf_counter_ns() - t0) / per_batch / 1e3


def create_destroy(batches: int) -> list[tuple[str, float, float, float]]:
    """Per configuration: C pairs, then Python batches interleaved in rounds across the
    configurations (round r of every case before round r + 1 of any: a shared host's slow
    spells hit all cases alike); medians."""
    c_us = [c_cycle_us(kw, batches * 200) for _label, kw in CONFIGS]
    hot: list[list[float]] = [[] for _ in CONFIGS]
    cold: list[list[float]] = [[] for _ in CONFIGS]
    for r in range(batches):
        for i, (_label, kw) in enumerate(CONFIGS):
            hot[i].append(batch_us(lambda: ptlib.Machine(**kw), 1000))
            if r % 3 == 0:
                def uncached() -> Any:
                    pm._CONFIGS.clear()
                    return ptlib.Machine(**kw)
                cold[i].append(batch_us(uncached, 300))
    return [(label, c_us[i], statistics.median(hot[i]), statistics.median(cold[i]))
            for i, (label, _kw) in enumerate(CONFIGS)]


class _Counted(IoremapStateMachine):
    steps = 0
    examples = 0

    @invariant()
    def count(self) -> None:
        type(self).steps += 1

    def teardown(self) -> None:
        type(self).examples += 1


class _SameShape(RuleBasedStateMachine):
    """IoremapStateMachine's shape with nothing behind it: the same initialize step, rules,
    argument strategies, Bundle, preconditions and number of invariants, empty bodies.
    Its rate is what Hypothesis allows a machine of this shape on this host."""
    steps = 0
    examples = 0
    areas = Bundle("areas")

    @initialize(seed=st.integers(0, 2**32 - 1))
    def boot(self, seed: int) -> None:
        pass

    @rule(off=S._off, size=S._size, delta=S._delta, fail=S._fail)
    def map_range(self, **kw: Any) -> None: ...

    @rule(mode=st.sampled_from(["leaf", "chunk", "chunk", "random"]), sel=S._sel,
          pages=st.sampled_from([1, 2, 5, 40, 512, 600]))
    def unmap_range(self, **kw: Any) -> None: ...

    @rule(sel=S._sel, size=st.sampled_from([1, 1, 2, 3]), delta=st.sampled_from([0, 0, 1]),
          fail=S._fail)
    def map_huge(self, **kw: Any) -> None: ...

    @rule(sel=S._sel, huge=st.sampled_from([1, 2]))
    def remap_huge(self, **kw: Any) -> None: ...

    @precondition(lambda self: True)
    @rule(target=areas, sel=st.integers(0, 63), offset=st.sampled_from([0, 0, 0x10, 0xff8]),
          size=st.sampled_from(list(range(7))), fail=S._fail)
    def map_area(self, sel: int, **kw: Any) -> int:
        return sel

    @rule(area=consumes(areas))
    def unmap_area(self, area: int) -> None: ...

    @rule(area=areas, cpu=S._cpu, sel=S._sel, write=st.booleans())
    def access_area(self, **kw: Any) -> None: ...

    @rule(cpu=S._cpu, mode=S._mode, sel=S._sel, write=st.booleans())
    def access(self, **kw: Any) -> None: ...

    @rule(cpu=S._cpu, mode=S._mode, sel=S._sel)
    def speculate(self, **kw: Any) -> None: ...

    @rule(cpu=S._cpu, mode=S._mode, sel=S._sel)
    def invlpg(self, **kw: Any) -> None: ...

    @rule(cpu=S._cpu, pcid=st.sampled_from([0, 0, 1, 2]), noflush=st.booleans())
    def write_cr3(self, **kw: Any) -> None: ...

    @precondition(lambda self: False)
    @rule()
    def deferred_work(self) -> None: ...

    @invariant()
    def count(self) -> None:
        type(self).steps += 1

    @invariant()
    def no_reports(self) -> None: ...

    def teardown(self) -> None:
        type(self).examples += 1


class _Empty(RuleBasedStateMachine):
    steps = 0
    examples = 0

    @rule(x=st.integers(0, 7))
    def nothing(self, x: int) -> None:
        type(self).steps += 1

    def teardown(self) -> None:
        type(self).examples += 1


def throughput(cls: Any, examples: int, step_count: int) -> tuple[float, int, float]:
    """(steps per second, steps, seconds) of cls under run_state_machine_as_test."""
    cls.steps = cls.examples = 0
    s = settings(max_examples=examples, stateful_step_count=step_count, deadline=None,
                 database=None, derandomize=True, phases=[Phase.generate], print_blob=False,
                 suppress_health_check=list(HealthCheck))
    gc.collect()
    t0 = time.perf_counter()
    run_state_machine_as_test(cls, settings=s)
    dt = time.perf_counter() - t0
    steps = cls.steps - (cls.examples if cls is not _Empty else 0)  # minus the initialize runs
    return steps / dt, steps, dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batches", type=int, default=21)
    ap.add_argument("--examples", type=int, default=200)
    ap.add_argument("--steps", type=int, default=50, help="stateful_step_count")
    ap.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = ap.parse_args()

    rows = create_destroy(args.batches)
    t1 = ["| configuration | C new+free (µs) | Python create+destroy (µs) | Python, config not "
          "cached (µs) |", "|---|---:|---:|---:|"]
    t1 += [f"| {label} | {c:.2f} | {py:.2f} | {cold:.2f} |" for label, c, py, cold in rows]
    runs = [("IoremapStateMachine (v4.18, 2 CPUs)", _Counted),
            ("the same rules and arguments, empty bodies (Hypothesis's share)", _SameShape),
            ("Hypothesis alone (one rule that does nothing)", _Empty)]
    t2 = ["| state machine | steps | seconds | steps/s |", "|---|---:|---:|---:|"]
    sm = []
    for label, cls in runs:
        rate, steps, dt = throughput(cls, args.examples, args.steps)
        sm.append(rate)
        t2.append(f"| {label} | {steps} | {dt:.2f} | {rate:,.0f} |")
    default_py = rows[0][2]
    verdict = (f"Targets: create+destroy ≤ 20 µs — Machine() from Python {default_py:.1f} µs "
               f"({'met' if default_py <= 20 else 'NOT met'}), in C {rows[0][1]:.1f} µs; "
               f"≥ 2,000 steps/s — IoremapStateMachine {sm[0]:,.0f} steps/s "
               f"({'met' if sm[0] >= 2000 else 'NOT met'}; the same shape with empty rule "
               f"bodies {sm[1]:,.0f}, one empty rule {sm[2]:,.0f}).")
    body = "\n".join(t1) + "\n\n" + "\n".join(t2) + "\n\n" + verdict
    print(body)
    if args.record:
        append_results("bench_kit.py", f"Create+destroy: medians ({args.batches} batches of "
                       f"1,000 from Python; {args.batches * 200} pairs in C). State machine: "
                       f"{args.examples} examples × up to {args.steps} steps, generate phase, "
                       f"derandomized. One run.\n\n" + body)


if __name__ == "__main__":
    main()
