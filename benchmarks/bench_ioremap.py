# SPDX-License-Identifier: GPL-2.0-only
"""Benchmark: ns per PTE for ioremap_page_range of 1 GiB with 4 KiB pages, against a plain C
loop writing the same 262,144 PTE values (the fill limit), in one run.

    python benchmarks/bench_ioremap.py            # prints a markdown table
    python benchmarks/bench_ioremap.py --record   # also appends to benchmarks/RESULTS.md

Timings are taken inside C (clock_gettime around the loop), one value per repetition; the
table reports medians.  Also measured, from Python: the same ioremap through the binding, the
cffi call floor, and ptlib's pure-Python reference model doing the same mapping.
Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import ptlib
from ptlib._ptlib import ffi, lib
from ptlib.model import RefModel

sys.path.insert(0, str(Path(__file__).parent))
from _results import append_results  # noqa: E402

NPTE = 262_144                     # 1 GiB / 4 KiB
SIZE = NPTE * 4096
VA = ptlib.VMALLOC_START
PHYS = 0x40_0000_0000 + 4096       # 4 KiB aligned only: every chunk falls back to PTEs
PROT = ptlib.PAGE_KERNEL_IO


def c_times(fn, reps: int) -> list[float]:
    buf = ffi.new("double[]", reps)
    rc = fn(buf)
    assert rc == lib.PT_OK, rc
    return [buf[i] for i in range(reps)]


def run(reps: int = 21) -> dict[str, float]:
    res: dict[str, float] = {}
    loop = c_times(lambda b: lib.pt_bench_pte_loop2(NPTE, PHYS, PROT, reps, 0, b), reps)
    res["loop_ns_per_pte"] = statistics.median(loop) / NPTE
    loop = c_times(lambda b: lib.pt_bench_pte_loop2(NPTE, PHYS, PROT, reps, 1, b), reps)
    res["scalar_loop_ns_per_pte"] = statistics.median(loop) / NPTE

    m = ptlib.Machine(ram_pages=1 << 12)
    times = c_times(lambda b: lib.pt_bench_ioremap(m._m, VA, SIZE, PHYS, PROT, reps, b), reps)
    res["ioremap_cold_ns_per_pte"] = times[0] / NPTE       # run 0 allocates 514 tables
    res["ioremap_warm_ns_per_pte"] = statistics.median(times[1:]) / NPTE
    assert m.pages.by_owner["pte"] == 512

    # Fresh machines each time: every run allocates and zeroes its tables.
    cold = []
    for _ in range(max(5, reps // 4)):
        m2 = ptlib.Machine(ram_pages=1 << 12)
        cold += c_times(lambda b: lib.pt_bench_ioremap(m2._m, VA, SIZE, PHYS, PROT, 1, b), 1)
    res["ioremap_fresh_ns_per_pte"] = statistics.median(cold) / NPTE

    # From Python: one binding call (argument checks + cffi + C), tables present.
    py = []
    for _ in range(reps):
        t0 = time.perf_counter_ns()
        m.ioremap_page_range(VA, VA + SIZE, PHYS, PROT)
        py.append(time.perf_counter_ns() - t0)
        m.vunmap_range_noflush(VA, VA + SIZE)
    res["python_call_ns_per_pte"] = statistics.median(py) / NPTE

    # cffi call floor: a C function that does nothing but read one field.
    n = 200_000
    t0 = time.perf_counter_ns()
    for _ in range(n):
        lib.pt_op(m._m)
    res["cffi_call_floor_ns"] = (time.perf_counter_ns() - t0) / n

    # The pure-Python reference model doing the same mapping (one run: it is slow).
    model = RefModel()
    t0 = time.perf_counter_ns()
    model.ioremap_page_range(VA, VA + SIZE, PHYS, PROT)
    res["model_ns_per_pte"] = (time.perf_counter_ns() - t0) / NPTE
    return res


def table(res: dict[str, float]) -> str:
    loop = res["loop_ns_per_pte"]
    rows = [
        ("plain C loop writing the same PTE values (fill limit; gcc -O2 vectorizes it)", loop),
        ("the same loop kept scalar (no-tree-vectorize)", res["scalar_loop_ns_per_pte"]),
        ("ioremap_page_range, tables present (median)", res["ioremap_warm_ns_per_pte"]),
        ("ioremap_page_range, first run on the machine (allocates tables)",
         res["ioremap_cold_ns_per_pte"]),
        ("ioremap_page_range, fresh machine each run (median)", res["ioremap_fresh_ns_per_pte"]),
        ("Machine.ioremap_page_range from Python, tables present", res["python_call_ns_per_pte"]),
        ("pure-Python reference model (ptlib.model)", res["model_ns_per_pte"]),
    ]
    out = ["| what | ns per PTE | rate vs fill limit |", "|---|---:|---:|"]
    for name, v in rows:
        out.append(f"| {name} | {v:.3f} | {loop / v:.2f} |")
    out.append(f"| cffi call floor (ns per call) | {res['cffi_call_floor_ns']:.1f} | |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--record", action="store_true", help="append to benchmarks/RESULTS.md")
    args = ap.parse_args()
    res = run(args.reps)
    md = table(res)
    ratio = res["loop_ns_per_pte"] / res["ioremap_warm_ns_per_pte"]
    sratio = res["scalar_loop_ns_per_pte"] / res["ioremap_warm_ns_per_pte"]
    verdict = (f"Target: ioremap rate >= 0.5 x the fill limit's rate. Measured (tables present): "
               f"{ratio:.2f} vs the vectorized loop -> {'met' if ratio >= 0.5 else 'NOT met'}; "
               f"{sratio:.2f} vs the scalar loop -> {'met' if sratio >= 0.5 else 'NOT met'}.")
    print(md)
    print()
    print(verdict)
    if args.record:
        append_results("bench_ioremap.py", f"1 GiB with 4 KiB pages ({NPTE} PTEs), "
                       f"{args.reps} repetitions, medians, one run.\n\n{md}\n\n{verdict}")

if __name__ == "__main__":
    main()
