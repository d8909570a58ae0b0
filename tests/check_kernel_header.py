# SPDX-License-Identifier: GPL-2.0-only
"""Compile kernel-style C against the installed ptlib's kernel header.

Every file of csrc/kernel/ (the project's own re-typing, in the kernel's style, of each
ported function of each version) must compile unchanged with ``-Wall -Werror`` against
``ptlib.get_include()``, in every paging mode ptlib implements, as C11 and as the
kernel's gnu11.  Run as a script (CI runs it from a fresh venv holding only the wheel):

    python tests/check_kernel_header.py [CSRC_KERNEL_DIR]

Exit status 0 when all compile; the compiler's diagnostics otherwise.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

#: paging modes ptlib implements, with the macro the header reads
PAGING_MODES = {"4level": 4}


def compile_all(kernel_dir: Path, include: str) -> list[str]:
    """Compile each file; return one message per failure (empty: all compiled)."""
    cc = os.environ.get("CC", "cc")
    failures = []
    files = sorted(kernel_dir.glob("*.c"))
    if not files:
        return [f"no kernel files in {kernel_dir}"]
    for mode, levels in PAGING_MODES.items():
        for std in ("c11", "gnu11"):
            for f in files:
                cmd = [cc, f"-std={std}", "-Wall", "-Werror", "-O2", "-c", "-o", os.devnull,
                       f"-DPTLIB_PAGING_LEVELS={levels}", f"-I{include}", str(f)]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode:
                    failures.append(f"{f.name} ({mode}, {std}):\n{r.stderr}")
    return failures


def main(argv: list[str]) -> int:
    import ptlib
    here = Path(__file__).resolve().parent
    kernel_dir = Path(argv[1]) if len(argv) > 1 else here.parent / "csrc" / "kernel"
    names = here / "kernel_style"             # the header's promised names, used
    if shutil.which(os.environ.get("CC", "cc")) is None:
        print("no C compiler")
        return 2
    failures = compile_all(kernel_dir, ptlib.get_include()) + compile_all(names, ptlib.get_include())
    for f in failures:
        print(f)
    n = len(list(kernel_dir.glob("*.c")))
    print(f"{n} kernel files x {len(PAGING_MODES)} paging mode(s) x 2 standards against "
          f"{ptlib.get_include()}: {'OK' if not failures else f'{len(failures)} failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
