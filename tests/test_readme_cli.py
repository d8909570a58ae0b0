"""The README's example runs as written; the CLI demo works and tells the truth."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_demo_shows_the_bug_on_v417_and_not_on_v418() -> None:
    doc = run_demo()
    v17, v18 = doc["runs"]
    assert (v17["profile"], v18["profile"]) == ("v4.17", "v4.18")
    assert len(v17["stale_psc_reports"]) == 2          # one per CPU, at the free
    assert all("pmd_free_pte_page" in r for r in v17["stale_psc_reports"])
    assert len(v17["use_after_free_reports"]) == 1
    assert "0x12345000" in v17["use_after_free_reports"][0]
    assert v17["cpu1_sees"] == "0x12345000"              # the attacker's page
    assert v17["page_tables_say"] == {"pa": "0x4000000000", "page_size": ptlib.PMD_SIZE,
                                      "level": "pmd"}
    assert v18["clean"] and v18["all_reports"] == []
    assert v18["cpu1_sees"] == "0x4000000000"
    assert v18["pages"]["frees_by_site"] == {"pmd_free_pte_page": 1}


def test_cli_json_and_exit_status(capsys) -> None:
    assert main(["demo", "--json", "--profile", "v4.18"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["profile"] for r in doc["runs"]] == ["v4.18"] and doc["runs"][0]["clean"]
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert "v4.17" in out and "v4.18" in out


def test_python_dash_m_runs_the_demo() -> None:
    r = subprocess.run([sys.executable, "-m", "ptlib", "demo"], capture_output=True, text=True,
                       cwd=ROOT / "tests", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "StalePagingStructureCache: pmd_free_pte_page frees" in r.stdout
    assert "page-table use-after-free: CPU 1" in r.stdout
    assert "clean: no report, CPU 1 sees the 2 MiB mapping" in r.stdout


def test_readme_state_machine_block_finds_the_v417_bug() -> None:
    """The README's IoremapStateMachine snippet: the subclass it defines fails on v4.17."""
    from hypothesis import HealthCheck, Phase, seed, settings
    from hypothesis.stateful import run_state_machine_as_test

    from ptlib.stateful import SanitizerFound
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(from ptlib.stateful import IoremapStateMachine\n.*?)```",
                      text, re.S).group(1)
    ns: dict = {}
    exec(compile(block, "README.md", "exec"), ns)
    assert ns["TestOnV417"] is ns["OnV417"].TestCase
    machine = seed(0)(ns["OnV417"])
    with pytest.raises(SanitizerFound, match="StalePagingStructureCache"):
        run_state_machine_as_test(machine, settings=settings(
            max_examples=200, stateful_step_count=20, deadline=None, database=None,
            phases=[Phase.generate], print_blob=False, suppress_health_check=list(HealthCheck)))
