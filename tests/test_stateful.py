# SPDX-License-Identifier: GPL-2.0-only
"""ptlib.stateful.IoremapStateMachine: clean on v4.18, finds (and shrinks) v4.17's bug.

The v4.17 search runs for 10 seeds (up to 200 examples of up to 20 steps each, then
shrinking): ~5-15 s per seed on a 2-core machine, most of it in Hypothesis's shrinker.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from ptlib.machine import PMD_SIZE as M2
from ptlib.stateful import RAW_HI, RAW_LO, IoremapStateMachine, SanitizerFound

SEEDS = list(range(10))

CLEAN = settings(max_examples=100, stateful_step_count=40, deadline=None, derandomize=True,
                 suppress_health_check=list(HealthCheck))
# up to 20 steps per example: with 40, seed 1's shrink stalled at 7 steps (four no-op
# invlpg steps Hypothesis 6.170's shrinker did not delete); with 20 every seed shrinks to 3
FIND = settings(max_examples=200, stateful_step_count=20, deadline=None, database=None,
                print_blob=False, suppress_health_check=list(HealthCheck))


def test_import_ptlib_does_not_import_hypothesis() -> None:
    code = ("import sys, ptlib; assert 'hypothesis' not in sys.modules; "
            "import ptlib.stateful; assert 'hypothesis' in sys.modules")
    # run from tests/: from the repository root `-c` would import the source tree, which
    # has no compiled core after a non-editable install
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.dirname(__file__))


class CountingV418(IoremapStateMachine):
    """v4.18; counts the logged steps of every example (the whole run)."""
    total: dict[str, int] = {}

    def teardown(self) -> None:
        for s in type(self).steps_log:
            name = s.split("(")[0].split(".")[-1]
            type(self).total[name] = type(self).total.get(name, 0) + 1
        if hasattr(self, "m"):
            frees = self.m.pages.frees_by_site
            n = frees.get("pmd_free_pte_page", 0) + frees.get("pud_free_pmd_page", 0)
            type(self).total["table_frees"] = type(self).total.get("table_frees", 0) + n


def test_v418_runs_clean() -> None:
    CountingV418.total = {}
    run_state_machine_as_test(CountingV418, settings=CLEAN)
    total = CountingV418.total
    print(f"\nIoremapStateMachine v4.18: {sorted(total.items())}")
    assert total.get("boot", 0) >= 30
    assert total.get("ioremap_page_range", 0) >= 30
    assert total.get("vunmap_range", 0) >= 15
    assert total.get("access", 0) >= 30
    assert total.get("table_frees", 0) >= 5        # pmd_free_pte_page / pud_free_pmd_page ran


class CheckedCache(IoremapStateMachine):
    """The state machine's cached model leaves (updated piecewise after every change) equal
    the model's leaves read afresh, after every step."""

    @invariant()
    def leaves_cache_is_exact(self) -> None:
        if getattr(self, "_leaves_cache", None) is not None:
            assert self._leaves_cache == self.model.mappings(RAW_LO, RAW_HI)
            assert self._leaf_vas == [x[0] for x in self._leaves_cache]


def test_cached_model_leaves_stay_exact() -> None:
    run_state_machine_as_test(CheckedCache, settings=settings(CLEAN, max_examples=60))


class OnV619(IoremapStateMachine):
    profile = "v6.19"          # deferred_free: run_deferred_work is a rule


def test_v619_runs_clean() -> None:
    run_state_machine_as_test(OnV619, settings=settings(CLEAN, max_examples=15))


class LeavePcids(IoremapStateMachine):
    flush_left_pcid = False


def test_v418_unflushed_inactive_pcid_is_found() -> None:
    """Not a false positive: with the PCIDs a CPU leaves not flushed, v4.18's one INVLPG
    before a table free (current PCID only) leaves stale paging-structure-cache entries."""
    seed(0)(LeavePcids)
    with pytest.raises(SanitizerFound) as exc:
        run_state_machine_as_test(LeavePcids, settings=settings(
            CLEAN, max_examples=300, database=None, phases=[Phase.generate],
            print_blob=False))
    assert "StalePagingStructureCache" in str(exc.value), str(exc.value)
    assert any(x.startswith("cpu") and "write_cr3" in x for x in LeavePcids.steps_log)


@pytest.mark.parametrize("s", SEEDS)
def test_v417_bug_found_and_shrunk(s: int) -> None:
    class OnV417(IoremapStateMachine):
        profile = "v4.17"

    seed(s)(OnV417)
    with pytest.raises(SanitizerFound) as exc:
        run_state_machine_as_test(OnV417, settings=FIND)
    assert "StalePagingStructureCache" in str(exc.value), str(exc.value)
    # the last example run is the shrunk one that Hypothesis reports
    steps = OnV417.steps_log[1:]            # [0] is boot()
    print(f"\nseed {s}: {len(steps)} steps: {steps}")
    assert OnV417.steps_log[0].startswith("boot(")
    # 3 steps: map 4 KiB (or 2 MiB), vunmap, map 2 MiB (1 GiB) over it; or 2 steps: a map
    # whose PTE (PMD) table allocation fails leaves an empty PMD (PUD) entry's table, which
    # a 1 GiB (2 MiB) map then frees without a flush.  No CPU step is needed: the
    # sanitizer's check is timing-independent (the freed table was reachable and no flush
    # followed on some CPU, so that CPU may have cached a pointer to it by speculation).
    assert len(steps) >= 2 and steps[-1].startswith("ioremap_page_range"), steps
    assert len(steps) <= 6, steps


def test_v619_partial_huge_unmap_warning_is_expected_and_counted() -> None:
    """On v6.19 (61ef8ddaa35e, vunmap_warn_partial_huge) unmap_range over one page of a
    2 MiB leaf records one WARN_ON, which the rule expects and clears; the raw window maps
    although v6.9 refuses the raw API outside an area (the machine has the check off)."""
    sm = OnV619()
    sm.boot(seed=0)
    assert sm.m.knobs["ioremap_vm_area_check"] is False and sm.warn_partial
    sm.map_range(off=0, size=M2, delta=0)
    sm.unmap_range(mode="leaf", sel=0, pages=1)
    assert sm.m.reports == [] and sm.m.mappings(RAW_LO, RAW_HI) == []
    sm.map_range(off=0, size=M2, delta=0)
    sm.warn_partial = False                      # not expected: the warning stays
    sm.unmap_range(mode="leaf", sel=0, pages=1)
    assert [r.site for r in sm.m.reports] == ["vunmap_pmd_range"]
