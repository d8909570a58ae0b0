"""The README's example runs as written; the CLI demo works and tells the truth."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import ptlib
from ptlib.cli import main, run_demo

ROOT = Path(__file__).resolve().parent.parent


def test_readme_example_runs(capsys) -> None:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Example\n\n```python\n(.*?)```", text, re.S).group(1)
    exec(compile(block, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "pmd_free_pte_page" in out and "ioremap_pte_range" in out
    assert "{'pgd': 0, 'pud': 0, 'pmd': 0, 'pte': 0}" in out


def test_readme_opens_with_install_and_test_commands() -> None:
    head = (ROOT / "README.md").read_text().splitlines()[:6]
    assert any("pip install ." in l and "ptlib demo" in l for l in head)
    assert any("pip install '.[test]'" in l and "pytest" in l for l in head)


def test_demo_document_shows_both_frees() -> None:
    doc = run_demo()
    assert doc["profile"] == "v4.18" and doc["reports"] == []
    assert all(v == 0 for v in doc["leaked_tables"].values())
    assert doc["pages"]["frees_by_site"] == {"pmd_free_pte_page": 1, "pud_free_pmd_page": 3}
    assert doc["pages"]["allocs_by_site"]["pud_free_pmd_page"] == 1     # the temporary page
    assert doc["pages"]["by_owner"]["temp"] == 0
    last = doc["steps"][-1]
    assert last["leaves"] == [{"va": hex(ptlib.VMALLOC_START), "pa": "0x4000000000",
                               "size": ptlib.PUD_SIZE}]
    assert any("PSE" in line and line.endswith("pud") for line in doc["ptdump_vmalloc"])


def test_cli_json_and_exit_status(capsys) -> None:
    assert main(["demo", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["steps"][2]["frees_by_site"] == {"pmd_free_pte_page": 1}
    assert main(["profiles"]) == 0
    assert "v4.18" in capsys.readouterr().out


def test_python_dash_m_runs_the_demo() -> None:
    r = subprocess.run([sys.executable, "-m", "ptlib", "demo"], capture_output=True, text=True,
                       cwd=ROOT / "tests", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "pud_free_pmd_page" in r.stdout and "leaked table pages: 0" in r.stdout
