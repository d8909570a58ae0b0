# SPDX-License-Identifier: GPL-2.0-only
"""The C layers point one way (issue 9, docs/architecture.md).

- Kernel files (csrc/kernel/*.c) include only <ptlib/kernel.h>.
- Nothing below the kernel header (RAM/allocator, CPUs, sanitizer, ptdump, MTRRs, reports,
  the header's services) refers to a symbol of the kernel side (csrc/kernel via its units,
  csrc/kops) or of the top (the entry points of api.c, machine.c, bench.c).
- The kernel side refers to nothing of the machine but the header's services (pt_k_*) and
  the current-machine pointer.
- No two C files refer to each other's symbols in a cycle, and no C file includes another
  C file except a unit including its kernel file.

The references are read from the objects (``nm``), so a call through a macro or an inline
function of a header counts where it lands.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CSRC = ROOT / "csrc"
pytestmark = pytest.mark.skipif(not (CSRC / "kernel").is_dir() or shutil.which("nm") is None
                                or shutil.which(os.environ.get("CC", "cc")) is None,
                                reason="needs the source tree, a C compiler and nm")

BELOW = {"frames.c", "cpu.c", "sanitizer.c", "ptdump.c", "mtrr.c", "report.c", "kservices.c"}
TOP = {"api.c", "machine.c", "bench.c"}


def _layer(path: Path) -> str:
    rel = path.relative_to(CSRC).as_posix()
    if rel.startswith("kops/"):
        return "kernel"                   # units (kernel files) and the kernel's symbols
    return "below" if rel in BELOW else "top" if rel in TOP else "unknown"


def _sources() -> list[Path]:
    return sorted([*CSRC.glob("*.c"), *(CSRC / "kops").glob("*.c"),
                   *(CSRC / "kops" / "units").glob("*.c")])


@pytest.fixture(scope="module")
def symbols(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, tuple[set[str], set[str]]]:
    """Each C file's (defined, undefined) global symbols."""
    out = tmp_path_factory.mktemp("layering")
    cc = os.environ.get("CC", "cc")
    result = {}
    for i, src in enumerate(_sources()):
        obj = out / f"{i}.o"
        subprocess.run([cc, "-O0", "-std=c11", "-c", f"-I{CSRC}", f"-I{ROOT / 'ptlib' / 'include'}",
                        str(src), "-o", str(obj)], check=True, capture_output=True)
        nm = subprocess.run(["nm", str(obj)], check=True, capture_output=True, text=True).stdout
        defined, undefined = set(), set()
        for line in nm.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined.add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBRC" + "V":
                defined.add(parts[2])
        result[src] = (defined, undefined)
    return result


def _owner_map(symbols: dict[Path, tuple[set[str], set[str]]]) -> dict[str, Path]:
    owner: dict[str, Path] = {}
    for src, (defined, _) in symbols.items():
        for s in defined:
            assert s not in owner, f"{s} defined in {owner.get(s)} and {src}"
            owner[s] = src
    return owner


def test_every_source_has_a_layer() -> None:
    assert {_layer(p) for p in _sources()} <= {"kernel", "below", "top"}, \
        [p for p in _sources() if _layer(p) == "unknown"]


def test_kernel_files_include_only_the_kernel_header() -> None:
    files = sorted((CSRC / "kernel").glob("*.c"))
    assert len(files) >= 20
    for f in files:
        includes = re.findall(r"^\s*#\s*include\s*(\S+)", f.read_text(), re.M)
        assert includes == ["<ptlib/kernel.h>"], (f.name, includes)


def test_units_include_just_their_kernel_file() -> None:
    units = sorted((CSRC / "kops" / "units").glob("*.c"))
    kernel = {f.name for f in (CSRC / "kernel").glob("*.c")}
    assert {u.name for u in units} == kernel           # one unit per kernel file
    for u in units:
        includes = re.findall(r"^\s*#\s*include\s*(\S+)", u.read_text(), re.M)
        assert includes == [f'"../../kernel/{u.name}"'], (u.name, includes)


def test_no_c_file_includes_a_c_file_but_the_units() -> None:
    for src in _sources():
        if src.parent.name == "units":
            continue
        includes = re.findall(r"^\s*#\s*include\s*(\S+)", src.read_text(), re.M)
        assert not [i for i in includes if i.strip('"<>').endswith(".c")], src


def test_below_the_header_never_refers_up(symbols) -> None:
    owner = _owner_map(symbols)
    for src, (_, undefined) in symbols.items():
        if _layer(src) != "below":
            continue
        up = sorted(s for s in undefined if s in owner and _layer(owner[s]) != "below")
        assert not up, f"{src.name} refers to {[(s, owner[s].name) for s in up]}"


def test_kernel_side_reaches_the_machine_only_through_the_header(symbols) -> None:
    owner = _owner_map(symbols)
    allowed = {"pt_kernel_current"}
    for src, (_, undefined) in symbols.items():
        if _layer(src) != "kernel":
            continue
        for s in undefined:
            if s not in owner or _layer(owner[s]) == "kernel" or s in allowed:
                continue
            assert s.startswith("pt_k_") and owner[s].name == "kservices.c", \
                f"{src.name} refers to {s} of {owner[s].name}"


def test_no_reference_cycle_between_c_files(symbols) -> None:
    owner = _owner_map(symbols)
    edges = {src: {owner[s] for s in undefined if s in owner and owner[s] != src}
             for src, (_, undefined) in symbols.items()}
    # depth-first search for a cycle
    state: dict[Path, int] = {}
    path: list[Path] = []

    def visit(n: Path) -> None:
        state[n] = 1
        path.append(n)
        for m in edges[n]:
            if state.get(m) == 1:
                cycle = path[path.index(m):] + [m]
                raise AssertionError("cycle: " + " -> ".join(p.name for p in cycle))
            if m not in state:
                visit(m)
        path.pop()
        state[n] = 2

    for n in edges:
        if n not in state:
            visit(n)
