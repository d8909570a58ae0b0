"""Benchmark of the testing kit: Machine create+destroy time, and the Hypothesis state
machine's throughput (steps per second), in one run.

    python benchmarks/bench_kit.py            # prints markdown tables
    python benchmarks/bench_kit.py --record   # also appends a section to benchmarks/RESULTS.md

Create+destroy is measured three ways: in C (pt_bench_machine_cycle: clock_gettime around
pt_machine_new + pt_machine_free, one value per pair), from Python (``ptlib.Machine(...)``
whose last reference is then dropped, timed in batches of 1,000 with perf_counter_ns; one
value per batch) and from Python for a configuration not seen before (the argument checks
and the pt_config fill run again; the config cache is cleared before each).  Medians.

Throughput: ``ptlib.stateful.IoremapStateMachine`` (v4.18, 2 CPUs, its defaults; the
rules keep the RefModel in step and assert leaves and translations, the invariants check
reports and allocator accounting after every step) run by Hypothesis's
``run_state_machine_as_test`` in the generate phase only (no database, derandomized);
steps = rule executions, counted by an invariant (which Hypothesis runs after the
initialize step and after every rule).  Also shown, as Hypothesis's own ceiling on this
host, a state machine whose single rule does nothing.  Targets: create+destroy ≤ 20 µs;
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
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

import ptlib
import ptlib.machine as pm
from ptlib._ptlib import ffi, lib
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


def py_cycle_us(make: Callable[[], Any], batches: int, per_batch: int = 1000) -> float:
    """Median over batches of the mean µs of ``make()`` with its result dropped at once."""
    out = []
    for _ in range(batches):
        t0 = time.perf_counter_ns()
        for _ in range(per_batch):
            make()
        out.append((time.perf_counter_ns() - t0) / per_batch / 1e3)
    return statistics.median(out)


def create_destroy(batches: int) -> list[tuple[str, float, float, float]]:
    rows = []
    for label, kw in CONFIGS:
        c_us = c_cycle_us(kw, batches * 200)
        py_us = py_cycle_us(lambda: ptlib.Machine(**kw), batches)

        def uncached() -> Any:
            pm._CONFIGS.clear()
            return ptlib.Machine(**kw)
        cold_us = py_cycle_us(uncached, max(3, batches // 3), 300)
        rows.append((label, c_us, py_us, cold_us))
    return rows


class _Counted(IoremapStateMachine):
    steps = 0
    examples = 0

    @invariant()
    def count(self) -> None:
        type(self).steps += 1

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
    steps = cls.steps - (cls.examples if cls is _Counted else 0)   # minus the initialize runs
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
               f"({'met' if sm[0] >= 2000 else 'NOT met'}; Hypothesis's own ceiling here "
               f"{sm[1]:,.0f}).")
    body = "\n".join(t1) + "\n\n" + "\n".join(t2) + "\n\n" + verdict
    print(body)
    if args.record:
        append_results("bench_kit.py", f"Create+destroy: medians ({args.batches} batches of "
                       f"1,000 from Python; {args.batches * 200} pairs in C). State machine: "
                       f"{args.examples} examples × up to {args.steps} steps, generate phase, "
                       f"derandomized. One run.\n\n" + body)


if __name__ == "__main__":
    main()
