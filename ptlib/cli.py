"""The ``ptlib`` command.

``ptlib demo`` maps 4 KiB pages, unmaps them, remaps the range with a 2 MiB leaf (the kernel
frees the PTE table: ``pmd_free_pte_page``), then does the same one level up with a 1 GiB leaf
(``pud_free_pmd_page`` with its temporary page), printing each step, the flushes, the
kernel's ptdump of the vmalloc area and the allocator's statistics.
``ptlib profiles`` lists the kernel profiles.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Optional, Sequence

from . import profiles
from .machine import (PAGE_KERNEL_IO, PAGE_SIZE, PMD_SIZE, PUD_SIZE, VMALLOC_START, Machine)

MMIO = 0x40_0000_0000


def _vmalloc_ptdump(m: Machine) -> list[str]:
    lines = m.ptdump().splitlines()
    start = lines.index("---[ vmalloc() Area ]---")
    out = []
    for line in lines[start + 1:]:
        if line.startswith("---["):
            break
        if line.split()[-1] and "RW" in line:     # only the mapped runs
            out.append(line)
    return out


def run_demo(profile: str = "v4.18", cpus: int = 2) -> dict[str, Any]:
    """Run the demo scenario and return what it observed (the ``--json`` document)."""
    m = Machine(cpus=cpus, kernel=profile)
    va = VMALLOC_START
    steps: list[dict[str, Any]] = []

    def step(title: str) -> None:
        st = m.pages
        steps.append({
            "step": title,
            "leaves": [{"va": hex(x.va), "pa": hex(x.pa), "size": x.size}
                       for x in m.mappings()][:8],
            "tables": {k: st.by_owner[k] for k in ("pgd", "pud", "pmd", "pte", "temp")},
            "allocs": st.allocs, "frees": st.frees,
            "frees_by_site": dict(st.frees_by_site),
            "flushes": [{"start": hex(f.start), "end": hex(f.end), "full": f.full,
                         "cpus": list(f.cpus)} for f in m.flushes],
        })

    m.ioremap_page_range(va, va + 4 * PAGE_SIZE, MMIO, PAGE_KERNEL_IO)
    step("ioremap 16 KiB with 4 KiB pages (allocates PUD, PMD and PTE tables)")
    m.vunmap_range(va, va + 4 * PAGE_SIZE)
    step("vunmap: leaves cleared, tables kept, range flushed")
    m.ioremap_page_range(va, va + PMD_SIZE, MMIO, PAGE_KERNEL_IO)
    step("ioremap 2 MiB at the same va: pmd_free_pte_page clears, flushes one page, frees "
         "the PTE table")
    m.ioremap_page_range(va + 3 * PMD_SIZE, va + 3 * PMD_SIZE + PAGE_SIZE, MMIO)
    m.vunmap_range(va, va + PUD_SIZE)
    step("ioremap a 4 KiB page beside it, then vunmap the whole 1 GiB")
    m.ioremap_page_range(va, va + PUD_SIZE, MMIO, PAGE_KERNEL_IO)
    step("ioremap 1 GiB: pud_free_pmd_page takes a temporary page, clears 512 PMDs and the "
         "PUD, flushes one page, frees the PTE table, the temporary page and the PMD table")
    st = m.pages
    return {
        "profile": profile,
        "cpus": cpus,
        "steps": steps,
        "ptdump_vmalloc": _vmalloc_ptdump(m),
        "pages": {"allocated": st.allocated, "by_owner": st.by_owner, "allocs": st.allocs,
                  "frees": st.frees, "failed": st.failed, "peak": st.peak,
                  "allocs_by_site": st.allocs_by_site, "frees_by_site": st.frees_by_site},
        "leaked_tables": m.leaked_tables(),
        "reports": [r.message for r in m.reports],
    }


def _print_demo(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(soft_wrap=True)
    con.rule(f"ptlib demo — kernel profile {doc['profile']}, {doc['cpus']} CPUs")
    nflush = 0
    for i, s in enumerate(doc["steps"], 1):
        con.print(f"[bold]{i}. {s['step']}[/bold]")
        t = s["tables"]
        con.print(f"   tables: pud={t['pud']} pmd={t['pmd']} pte={t['pte']} temp={t['temp']}"
                  f"   allocs={s['allocs']} frees={s['frees']} {s['frees_by_site'] or ''}")
        for f in s["flushes"][nflush:]:
            kind = "full flush" if f["full"] else "INVLPG per page"
            con.print(f"   flush_tlb_kernel_range({f['start']}, {f['end']}): {kind} on CPUs "
                      f"{f['cpus']}")
        nflush = len(s["flushes"])
        for leaf in s["leaves"][:3]:
            con.print(f"   leaf {leaf['va']} -> {leaf['pa']} ({leaf['size'] // 1024} KiB)")
    con.rule("ptdump (vmalloc area, mapped runs)")
    for line in doc["ptdump_vmalloc"]:
        con.print(line, markup=False, highlight=False)
    con.rule("page allocator")
    p = doc["pages"]
    tab = Table("owner", "allocated now")
    for k, v in p["by_owner"].items():
        tab.add_row(k, str(v))
    con.print(tab)
    con.print(f"allocs={p['allocs']} frees={p['frees']} failed={p['failed']} peak={p['peak']}")
    con.print(f"allocations by site: {p['allocs_by_site']}")
    con.print(f"frees by site: {p['frees_by_site']}")
    leaked = sum(doc["leaked_tables"].values())
    con.print(f"leaked table pages: {leaked}; reports: {len(doc['reports'])}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``ptlib`` console script; returns the exit status."""
    ap = argparse.ArgumentParser(prog="ptlib", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")
    d = sub.add_parser("demo", help="map, unmap, remap huge; print ptdump and page statistics")
    d.add_argument("--profile", default="v4.18", choices=profiles.names(),
                   help="kernel profile to run (default v4.18)")
    d.add_argument("--cpus", type=int, default=2, help="number of CPUs (default 2)")
    d.add_argument("--json", action="store_true", help="print a JSON document instead")
    sub.add_parser("profiles", help="list the kernel profiles")
    args = ap.parse_args(["demo"] if argv is None and len(sys.argv) <= 1 else argv)
    if args.cmd == "profiles":
        for name in profiles.names():
            print(f"{name}: {profiles.get(name).description}")
        return 0
    if args.cmd in (None, "demo"):
        doc = run_demo(getattr(args, "profile", "v4.18"), getattr(args, "cpus", 2))
        if getattr(args, "json", False):
            print(json.dumps(doc, indent=2))
        else:
            _print_demo(doc)
        return 0 if not doc["reports"] and not any(doc["leaked_tables"].values()) else 1
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
