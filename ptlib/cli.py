# SPDX-License-Identifier: GPL-2.0-only
"""The ``ptlib`` command.

``ptlib demo`` replays the bug of the 2018 review thread "fix free pmd/pte page handlings on
x86": on the v4.17 profile, ioremap_page_range() maps a 2 MiB leaf over a range whose 4 KiB
mapping was just unmapped, and pmd_free_pte_page() frees the PTE table without a TLB flush
while CPU 1's paging-structure cache still points to it.  The sanitizer reports the hazard at
the free; then an "attacker" data page takes the freed frame, and CPU 1's next access walks
through its stale PDE-cache entry into it (use-after-free, bogus translation).  The same
sequence on v4.18 (clear, one INVLPG, free) is clean.
``ptlib profiles`` lists the kernel profiles.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Optional, Sequence

from . import errors, profiles
from .machine import PAGE_KERNEL_IO, PAGE_SIZE, PMD_SIZE, VMALLOC_START, Machine

MMIO = 0x40_0000_0000            #: the device's physical address the demo maps
ATTACKER_PA = 0x1234_5000        #: where the attacker's forged PTE points


def run_scenario(profile: str, cpus: int = 2) -> dict[str, Any]:
    """Run the seed scenario on one profile; returns what was observed (JSON-ready)."""
    m = Machine(cpus=cpus, kernel=profile)
    va = VMALLOC_START
    cpu = m.cpus[1]
    steps: list[str] = []

    def hx(x: Optional[int]) -> Optional[str]:
        return None if x is None else hex(x)

    m.ioremap_page_range(va, va + PAGE_SIZE, MMIO, PAGE_KERNEL_IO)
    steps.append(f"ioremap 4 KiB: {hex(va)} -> {hex(MMIO)}")
    pa = cpu.access(va)
    steps.append(f"CPU 1 reads {hex(va)} -> {hex(pa)} (fills its TLB and PDE cache)")
    m.vunmap_range(va, va + PAGE_SIZE)
    steps.append("iounmap: leaf cleared, range flushed on every CPU; the PTE table stays")
    cpu.speculate(va)
    psc = [e for e in cpu.psc_entries() if e.level == "pmd"]
    steps.append(f"CPU 1 speculates {hex(va)}: its PDE cache points to the PTE table again "
                 f"(pfn {', '.join(hex(e.pfn) for e in psc) or 'none'})")
    pte_pfn = psc[0].pfn if psc else None
    n_before = len(m.reports)
    m.ioremap_page_range(va, va + PMD_SIZE, MMIO, PAGE_KERNEL_IO)
    frees = m.pages.frees_by_site.get("pmd_free_pte_page", 0)
    flushed = [f for f in m.flushes if f.op == m.op]
    steps.append(f"ioremap 2 MiB over it: pmd_free_pte_page frees the PTE table "
                 f"({frees} freed, {len(flushed)} flush{'es' if len(flushed) != 1 else ''} "
                 "before the free)")
    hazard = [r for r in m.reports[n_before:] if r.kind == "StalePagingStructureCache"]

    attacker = m.alloc_page()
    forged = ATTACKER_PA | 0x163            # P|RW|A|D|G, as a kernel PTE
    m.write_phys(attacker, forged.to_bytes(8, "little"))
    steps.append(f"attacker allocates a data page: {hex(attacker)}"
                 f"{' (the freed PTE table, reused LIFO)' if pte_pfn is not None and attacker >> 12 == pte_pfn else ''}"
                 f" and writes a PTE pointing to {hex(ATTACKER_PA)}")
    n_before = len(m.reports)
    try:
        seen: Optional[int] = cpu.access(va)
        fault = None
    except errors.PageFault as pf:
        seen, fault = None, pf.error_code
    uaf = [r for r in m.reports[n_before:] if r.kind == "PageTableUseAfterFree"]
    steps.append(f"CPU 1 reads {hex(va)} -> " +
                 (hex(seen) if seen is not None else f"page fault {fault:#x}") +
                 (" — the attacker's page, through the stale PDE-cache entry"
                  if seen is not None and seen == ATTACKER_PA else
                  " — the new 2 MiB mapping" if seen == MMIO else ""))
    w = m.walk(va)
    st = m.pages
    return {
        "profile": profile,
        "description": profiles.get(profile).description,
        "steps": steps,
        "stale_psc_reports": [r.message for r in hazard],
        "use_after_free_reports": [r.message for r in uaf],
        "cpu1_sees": hx(seen),
        "page_tables_say": {"pa": hx(w.pa), "page_size": w.page_size, "level": w.level},
        "attacker_page": hex(attacker),
        "all_reports": [{"kind": r.kind, "cpu": r.cpu, "op": r.op, "pfn": r.pfn,
                         "message": r.message} for r in m.reports],
        "pages": {"allocated": st.allocated, "by_owner": st.by_owner, "allocs": st.allocs,
                  "frees": st.frees, "frees_by_site": st.frees_by_site},
        "clean": not m.reports and seen == MMIO,
    }


def run_demo(profile: Optional[str] = None, cpus: int = 2) -> dict[str, Any]:
    """The demo: the seed scenario on v4.17 then v4.18 (or on ``profile`` alone)."""
    names = [profile] if profile else ["v4.17", "v4.18"]
    return {"runs": [run_scenario(p, cpus) for p in names]}


def _print_demo(doc: dict[str, Any]) -> None:
    from rich.console import Console

    con = Console(soft_wrap=True, highlight=False)
    for run in doc["runs"]:
        con.rule(f"kernel profile {run['profile']}")
        con.print(run["description"], style="dim")
        for i, s in enumerate(run["steps"], 1):
            con.print(f"{i}. {s}")
        for msg in run["stale_psc_reports"]:
            con.print(f"[bold red]REPORT[/bold red] {msg}", markup=True)
        for msg in run["use_after_free_reports"]:
            con.print(f"[bold red]REPORT[/bold red] {msg}", markup=True)
        t = run["page_tables_say"]
        con.print(f"page tables: {VMALLOC_START:#x} -> {t['pa']} ({t['level']} leaf); "
                  f"CPU 1 sees {run['cpu1_sees']}")
        verdict = ("[bold green]clean[/bold green]: no report, CPU 1 sees the 2 MiB mapping"
                   if run["clean"] else
                   f"[bold red]{len(run['all_reports'])} report(s)[/bold red]")
        con.print(verdict)


def bodies_table() -> str:
    """The README's table of kernel function bodies per profile (``ptlib profiles
    --bodies``): for each profile, the functions whose body differs between profiles with the
    origin of the one it runs; then the bodies every profile shares."""
    from .machine import Machine
    bodies = {p: Machine(kernel=p).kernel_bodies() for p in profiles.names()}
    funcs = list(bodies[profiles.names()[0]])
    varying = [f for f in funcs if len({bodies[p][f] for p in bodies}) > 1]
    lines = ["| profile | the bodies it runs (of the functions whose body differs) |",
             "|---|---|"]
    for p, b in bodies.items():
        lines.append(f"| `{p}` | " + "; ".join(f"`{f}`: {b[f]}" for f in varying) + " |")
    common = [f for f in funcs if f not in varying]
    first = bodies[profiles.names()[0]]
    lines.append("")
    lines.append("Every profile: " + "; ".join(f"`{f}`: {first[f]}" for f in common) + ".")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``ptlib`` console script; returns the exit status."""
    ap = argparse.ArgumentParser(prog="ptlib", description=(__doc__ or "").splitlines()[0])
    sub = ap.add_subparsers(dest="cmd")
    d = sub.add_parser("demo", help="the seed thread's stale page-directory cache, "
                       "on v4.17 and v4.18")
    d.add_argument("--profile", choices=profiles.names(),
                   help="run only this kernel profile (default: v4.17 then v4.18)")
    d.add_argument("--cpus", type=int, default=2, help="number of CPUs (default 2, at least 2)")
    d.add_argument("--json", action="store_true", help="print a JSON document instead")
    pr = sub.add_parser("profiles", help="list the kernel profiles")
    pr.add_argument("--bodies", action="store_true",
                    help="print, as the README's Markdown table, the origin (file, version, "
                         "commit) of every kernel function body each profile runs")
    args = ap.parse_args(["demo"] if argv is None and len(sys.argv) <= 1 else argv)
    if args.cmd == "profiles":
        if args.bodies:
            print(bodies_table())
            return 0
        for name in profiles.names():
            print(f"{name}: {profiles.get(name).description}")
        return 0
    if args.cmd in (None, "demo"):
        cpus = getattr(args, "cpus", 2)
        if cpus < 2:
            ap.error("--cpus: the demo needs at least 2 CPUs")
        doc = run_demo(getattr(args, "profile", None), cpus)
        if getattr(args, "json", False):
            print(json.dumps(doc, indent=2))
        else:
            _print_demo(doc)
        return 0
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
