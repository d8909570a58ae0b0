# SPDX-License-Identifier: GPL-2.0-only
"""ptlib.get_include() and the kernel-compatible header (issue 9, point 1)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ptlib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_kernel_header  # noqa: E402

needs_cc = pytest.mark.skipif(shutil.which(os.environ.get("CC", "cc")) is None,
                              reason="needs a C compiler")


def test_get_include_holds_the_header_and_loads_no_compiled_module() -> None:
    inc = Path(ptlib.get_include())
    assert (inc / "ptlib" / "kernel.h").is_file() and (inc / "ptlib" / "kernel_abi.h").is_file()
    code = ("import sys, ptlib; ptlib.get_include(); "
            "print(any(m.endswith('_ptlib') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd="/", check=True).stdout.strip()
    assert out == "False"


@needs_cc
@pytest.mark.skipif(not (ROOT / "csrc" / "kernel").is_dir(), reason="needs the source tree")
def test_every_kernel_file_compiles_unchanged_with_werror() -> None:
    assert check_kernel_header.compile_all(ROOT / "csrc" / "kernel", ptlib.get_include()) == []


@needs_cc
def test_the_header_has_every_promised_name() -> None:
    """tests/kernel_style/header_names.c uses each type, constant, entry helper, allocation,
    list, flush, lock and BUG/WARN name issue 9 lists, as kernel code does."""
    here = Path(__file__).resolve().parent / "kernel_style"
    assert check_kernel_header.compile_all(here, ptlib.get_include()) == []


@needs_cc
def test_kernel_style_code_compiles_and_a_mistake_is_an_error(tmp_path: Path) -> None:
    """A patch-style function compiles; the same with an undeclared kernel name or a wrong
    entry type fails under -Werror (so the check above can fail)."""
    good = tmp_path / "good.c"
    good.write_text(
        "#include <ptlib/kernel.h>\n"
        "int pmd_free_pte_page(pmd_t *pmd, unsigned long addr)\n{\n"
        "\tpte_t *pte;\n\n\tif (pmd_none(*pmd))\n\t\treturn 1;\n"
        "\tpte = (pte_t *)pmd_page_vaddr(*pmd);\n\tpmd_clear(pmd);\n"
        "\tflush_tlb_kernel_range(addr, addr + PAGE_SIZE-1);\n"
        "\tfree_page((unsigned long)pte);\n\treturn 1;\n}\n")
    bad1 = tmp_path / "bad1.c"
    bad1.write_text(good.read_text().replace("pmd_clear(pmd)", "pmd_clear_everything(pmd)"))
    bad2 = tmp_path / "bad2.c"
    bad2.write_text(good.read_text().replace("pmd_clear(pmd)", "pud_clear(pmd)"))
    cc = os.environ.get("CC", "cc")

    def rc(f: Path, levels: int = 4) -> int:
        return subprocess.run([cc, "-std=c11", "-Wall", "-Werror", "-fsyntax-only",
                               f"-DPTLIB_PAGING_LEVELS={levels}", f"-I{ptlib.get_include()}",
                               str(f)], capture_output=True).returncode

    assert rc(good) == 0
    assert rc(bad1) != 0 and rc(bad2) != 0
    # a paging mode the header does not implement yet is a clear compile error
    r = subprocess.run([cc, "-std=c11", "-fsyntax-only", "-DPTLIB_PAGING_LEVELS=5",
                        f"-I{ptlib.get_include()}", str(good)], capture_output=True, text=True)
    assert r.returncode != 0 and "only 4-level paging is implemented" in r.stderr


@pytest.mark.skipif(not (ROOT / ".git").exists() or shutil.which("git") is None,
                    reason="needs the git checkout")
def test_every_tracked_file_carries_an_spdx_line() -> None:
    """GPL-2.0 like the kernel code ptlib ports: every source and text file says so."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    exempt = {"LICENSE", "ptlib/py.typed"}
    missing = [f for f in files if f not in exempt and not f.startswith("tests/fuzz/corpus/")
               and "SPDX-License-Identifier: GPL-2.0" not in (ROOT / f).read_text(errors="replace")]
    assert missing == []
