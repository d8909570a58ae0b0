# SPDX-License-Identifier: GPL-2.0-only
"""fail_page_alloc fault injection, the allocation-failure sweep, the allocator policies."""
from __future__ import annotations

import pytest

import ptlib
from ptlib import faults
from ptlib.faults import FailPageAlloc

from conftest import G1, K4, M2, PHYS, V, assert_no_leak

# every knob fires on the test helper's data pages once the gfp filters are off
OPEN = dict(min_order=0, ignore_gfp_wait=False, ignore_gfp_highmem=False)
_MS = V + G1 - 3 * M2 - 5 * K4
MIXED = (_MS, _MS + G1 + 2 * M2 + G1)             # 4K, 2M and 1G leaves


def attempts(m: ptlib.Machine, k: int) -> list[bool]:
    """k data-page allocations: True where it failed (successes are freed again)."""
    out = []
    for _ in range(k):
        try:
            pa = m.alloc_page()
        except ptlib.OutOfMemory:
            out.append(True)
        else:
            m.free_page(pa)
            out.append(False)
    return out


def _splitmix(state: int) -> tuple[int, int]:
    state = (state + 0x9E3779B97F4A7C15) % (1 << 64)
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % (1 << 64)
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % (1 << 64)
    return state, z ^ (z >> 31)


# ---- the gfp filters and the kernel defaults ----

def test_mixed_range_has_all_three_sizes() -> None:
    m = ptlib.Machine()
    m.ioremap_page_range(*MIXED, PHYS + G1 - 3 * M2 - 5 * K4)
    assert {x.size for x in m.mappings()} == {K4, M2, G1}


def test_kernel_defaults_never_fail_ptlib_allocations() -> None:
    m = ptlib.Machine()
    m.fail_page_alloc(probability=100, times=-1)     # min_order=1, ignore_gfp_wait=Y
    m.ioremap_page_range(*MIXED, PHYS + G1 - 3 * M2 - 5 * K4)
    assert attempts(m, 5) == [False] * 5
    m.set_fail_page_alloc(probability=100, times=-1, min_order=0)   # still ignore_gfp_wait
    m.ioremap_page_range(V + 5 * G1, V + 5 * G1 + K4, PHYS)
    assert m.faults_injected == 0 and m.pages.failed == 0
    m.set_fail_page_alloc(probability=100, times=-1, min_order=0, ignore_gfp_wait=False)
    with pytest.raises(ptlib.OutOfMemory):
        m.ioremap_page_range(V + 7 * G1, V + 7 * G1 + K4, PHYS)
    assert m.faults_injected == 1 and m.last_failed_alloc[:2] == ("__pmd_alloc", "fail_page_alloc")
    assert_no_leak(m)


def test_min_order_one_skips_order_zero() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=-1, **{**OPEN, "min_order": 1})
    assert attempts(m, 4) == [False] * 4
    m.set_fail_page_alloc(probability=100, times=-1, **OPEN)
    assert attempts(m, 2) == [True, True]


def test_ignore_gfp_highmem_spares_only_highuser_pages() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=-1, min_order=0, ignore_gfp_wait=False)
    assert attempts(m, 2) == [False, False]           # GFP_HIGHUSER data page: spared
    with pytest.raises(ptlib.OutOfMemory):             # GFP_KERNEL table page: failed
        m.ioremap_page_range(V, V + K4, PHYS)
    m.set_fail_page_alloc(probability=100, times=-1, **OPEN)
    assert attempts(m, 2) == [True, True]


# ---- should_fail's knobs ----

def test_times_n_then_stops() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=3, **OPEN)
    assert attempts(m, 6) == [True] * 3 + [False] * 3
    assert m.fail_page_alloc_state.times == 0 and m.faults_injected == 3


def test_times_minus_one_is_unlimited() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=-1, **OPEN)
    assert attempts(m, 50) == [True] * 50
    assert m.fail_page_alloc_state.times == -1


# mm/fail_page_alloc.c __should_fail_alloc_page(): should_fail_ex(&attr, 1 << order, flags)
# (v4.17/v4.18's mm/page_alloc.c should_fail_alloc_page(): should_fail(&attr, 1 << order)):
# the size is in pages.  lib/fault-inject.c: "if (atomic_read(&attr->space) > size)
# { atomic_sub(size, &attr->space); return false; }".

def test_space_counts_pages_space_3_lets_two_order0_calls_through() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=-1, space=3, **OPEN)
    # order 0, size 1: 3 > 1 (-> 2, through), 2 > 1 (-> 1, through), 1 > 1 is false: the
    # third call goes on to the roll and fails; space stays 1
    assert attempts(m, 4) == [False, False, True, True]
    assert m.fail_page_alloc_state.space == 1


def test_space_1_and_0_let_no_call_through() -> None:
    for space in (1, 0):                               # 1 > 1 and 0 > 1 are false
        m = ptlib.Machine()
        m.set_fail_page_alloc(probability=100, times=-1, space=space, **OPEN)
        assert attempts(m, 2) == [True, True]
        assert m.fail_page_alloc_state.space == space


def test_space_4096_is_4095_pages_not_one_page_of_bytes() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=-1, space=4096, **OPEN)
    assert attempts(m, 4096) == [False] * 4095 + [True]


def test_interval() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=-1, interval=3, **OPEN)
    assert attempts(m, 9) == [False, False, True] * 3


def test_probability_zero_never_fails() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=0, times=-1, **OPEN)
    assert attempts(m, 30) == [False] * 30
    assert m.pages.failed == 0


def test_probability_50_is_seeded_splitmix_roll() -> None:
    runs = []
    for seed in (7, 7, 8):
        m = ptlib.Machine(seed=seed)
        m.set_fail_page_alloc(probability=50, times=-1, **OPEN)
        runs.append(attempts(m, 200))
    assert runs[0] == runs[1] and runs[0] != runs[2]
    assert 60 < sum(runs[0]) < 140
    state, want = 7, []
    for _ in range(200):                               # fail iff probability > roll % 100
        state, r = _splitmix(state)
        want.append(50 > r % 100)
    assert runs[0] == want
    m = ptlib.Machine(seed=7)
    m.set_fail_page_alloc(probability=50, times=-1, seed=8, **OPEN)
    assert attempts(m, 200) == runs[2]                 # an explicit seed wins


# ---- the evaluation order ----

# lib/fault-inject.c should_fail()/should_fail_ex(): probability == 0 and times == 0 return
# before the space test; space (size 1 << order, mm/fail_page_alloc.c) before the interval.

def test_times_zero_stops_before_space_is_consumed() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=0, space=5, **OPEN)
    assert attempts(m, 3) == [False] * 3
    assert m.fail_page_alloc_state.space == 5


def test_space_before_interval_counter() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=-1, space=3, interval=2, **OPEN)
    # calls 1-2 spent on space (3 -> 2 -> 1, counter untouched), then counter 1 (pass),
    # 2 (fail), ...
    assert attempts(m, 6) == [False, False, False, True, False, True]


def test_probability_zero_stops_before_space() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=0, times=-1, space=5, **OPEN)
    attempts(m, 3)
    assert m.fail_page_alloc_state.space == 5


def test_gfp_filters_before_should_fail() -> None:
    # mm/fail_page_alloc.c: min_order / __GFP_HIGHMEM / __GFP_DIRECT_RECLAIM return false
    # before should_fail_ex() is called
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=-1, space=3, fail_nth=1,
                          **{**OPEN, "ignore_gfp_highmem": True})
    assert attempts(m, 3) == [False] * 3               # filtered: nothing counted
    st = m.fail_page_alloc_state
    assert (st.space, st.fail_nth) == (3, 1)


# ---- the site filter: where each era checks it (knob fault_inject_order) ----
# v6.x, lib/fault-inject.c should_fail_ex() after Wei Yongjun's "fault-injection: make
# stacktrace filter works as expected" (2022): the fail-nth branch calls fail_stacktrace()
# before counting, and the other path calls it after times == 0, before space.
# v4.18 (still so in v6.1), lib/fault-inject.c should_fail(): the fail-nth branch has no
# fail_stacktrace(); the other path calls it last, after the probability roll.

def test_v6x_site_filter_before_space() -> None:
    # raw ioremap_page_range() outside any area, which v6.9 refuses (3e49a866c9dc): knob off
    m = ptlib.Machine(kernel="v6.19", ioremap_vm_area_check=False)
    assert m.knobs["fault_inject_order"] == "v6.x"
    m.set_fail_page_alloc(probability=100, times=-1, space=3,
                          sites={"pte_alloc_kernel"}, **OPEN)
    assert attempts(m, 3) == [False] * 3               # rejected before space: not spent
    assert m.fail_page_alloc_state.space == 3
    m.ioremap_page_range(V, V + K4, PHYS)              # PTE: 3 > 1 -> 2, through
    m.ioremap_page_range(V + M2, V + M2 + K4, PHYS)    # PTE: 2 > 1 -> 1, through
    assert m.fail_page_alloc_state.space == 1
    with pytest.raises(ptlib.OutOfMemory):             # PTE: 1 > 1 false, roll: fails
        m.ioremap_page_range(V + 2 * M2, V + 2 * M2 + K4, PHYS)
    assert m.last_failed_alloc[:2] == ("__pte_alloc_kernel", "fail_page_alloc")
    assert m.faults_injected == 1
    assert_no_leak(m)


def test_v418_site_filter_after_the_roll_space_spent_by_every_site() -> None:
    m = ptlib.Machine(kernel="v4.18")
    assert m.knobs["fault_inject_order"] == "v4.18"
    m.set_fail_page_alloc(probability=100, times=-1, space=3,
                          sites={"pte_alloc_kernel"}, **OPEN)
    # data pages: 3 > 1 -> 2 and 2 > 1 -> 1 return before the filter; the third passes
    # space, interval and the roll, then fail_stacktrace() rejects it: no failure
    assert attempts(m, 3) == [False] * 3
    assert m.fail_page_alloc_state.space == 1 and m.faults_injected == 0
    with pytest.raises(ptlib.OutOfMemory):             # PUD/PMD rejected last; PTE fails
        m.ioremap_page_range(V, V + K4, PHYS)
    assert m.last_failed_alloc[:2] == ("__pte_alloc_kernel", "fail_page_alloc")
    assert m.faults_injected == 1 and m.fail_page_alloc_state.space == 1
    assert_no_leak(m)


def test_fault_inject_order_knob_overrides_the_profile() -> None:
    for kernel, order, space_left in (("v4.18", "v6.x", 3), ("v6.19", "v4.18", 1),
                                      ("v5.13", "v4.18", 1), ("jannh-2025", "v6.x", 3)):
        m = ptlib.Machine(kernel=kernel, fault_inject_order=order)
        m.set_fail_page_alloc(probability=100, times=-1, space=3,
                              sites={"pte_alloc_kernel"}, **OPEN)
        assert attempts(m, 3) == [False] * 3
        assert m.fail_page_alloc_state.space == space_left, (kernel, order)
    for kernel in ("v4.17", "v4.18", "v5.3", "v5.13"):
        assert ptlib.profiles.get(kernel).knobs["fault_inject_order"] == "v4.18"
    for kernel in ("jannh-2025", "v6.19"):
        assert ptlib.profiles.get(kernel).knobs["fault_inject_order"] == "v6.x"
    with pytest.raises(ptlib.InvalidArgument, match="fault_inject_order"):
        ptlib.Machine(fault_inject_order="v6.3")


def test_task_fail_nth_before_probability_times_and_interval() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=0, times=0, interval=1000, fail_nth=3, **OPEN)
    assert attempts(m, 5) == [False, False, True, False, False]
    st = m.fail_page_alloc_state
    assert st.fail_nth == 0 and st.times == 0


def test_v6x_task_fail_nth_counts_only_calls_passing_the_site_filter() -> None:
    # raw ioremap_page_range() outside any area, which v6.9 refuses (3e49a866c9dc): knob off
    m = ptlib.Machine(kernel="v6.19", ioremap_vm_area_check=False)
    m.set_fail_page_alloc(fail_nth=2, sites={"__pte_alloc_kernel"}, **OPEN)
    assert attempts(m, 4) == [False] * 4               # data pages: not counted
    assert m.fail_page_alloc_state.fail_nth == 2
    m.ioremap_page_range(V, V + K4, PHYS)              # PMD rejected, PTE is call 1
    with pytest.raises(ptlib.OutOfMemory):
        m.ioremap_page_range(V + M2, V + M2 + K4, PHYS)
    assert m.last_failed_alloc[:2] == ("__pte_alloc_kernel", "fail_page_alloc")


def test_v418_task_fail_nth_counts_every_call_and_fails_any_site() -> None:
    m = ptlib.Machine(kernel="v4.18")
    m.set_fail_page_alloc(fail_nth=2, sites={"__pte_alloc_kernel"}, **OPEN)
    # fail_nth 2 -> 1 on the first data page, 1 -> 0 on the second: "goto fail", no filter
    assert attempts(m, 4) == [False, True, False, False]
    assert m.last_failed_alloc[:2] == ("alloc_page", "fail_page_alloc")
    assert m.fail_page_alloc_state.fail_nth == 0 and m.faults_injected == 1


def test_ptlib_fail_nth_comes_first_and_counts_every_attempt() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=1, sites={"alloc_page"}, **OPEN)
    m.fail_nth(1)
    assert attempts(m, 1) == [True]
    assert m.last_failed_alloc[1] == "fail_nth"
    assert m.fail_page_alloc_state.times == 1          # should_fail was never reached
    assert attempts(m, 2) == [True, False]
    assert m.last_failed_alloc[1] == "fail_page_alloc"
    # with the kernel defaults (nothing reaches should_fail) fail_nth still counts
    m.set_fail_page_alloc()
    m.fail_nth(3)
    with pytest.raises(ptlib.OutOfMemory):
        m.ioremap_page_range(V + 3 * G1, V + 3 * G1 + K4, PHYS)
    assert m.last_failed_alloc[:2] == ("__pte_alloc_kernel", "fail_nth")


def test_reject_sites() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=1, reject_sites={"pud_alloc", "__pmd_alloc"},
                          **OPEN)
    with pytest.raises(ptlib.OutOfMemory):
        m.ioremap_page_range(V, V + K4, PHYS)
    assert m.last_failed_alloc[:2] == ("__pte_alloc_kernel", "fail_page_alloc")
    assert m.pages.by_owner["pud"] == 1 and m.pages.by_owner["pmd"] == 1
    assert_no_leak(m)


def test_site_filter_targets_the_temporary_page() -> None:
    """The issue's example: only pud_free_pmd_page's temporary page fails; v4.18 falls back
    to 2 MiB leaves; restored on exit."""
    m = ptlib.Machine(cpus=2)
    base = V + G1
    m.ioremap_page_range(base, base + 3 * K4, PHYS)
    m.ioremap_page_range(base + 2 * M2, base + 4 * M2, PHYS)
    m.vunmap_range(base, base + G1)
    before = m.fail_page_alloc_state
    with m.fail_page_alloc(probability=100, times=1, sites={"pud_free_pmd_page"},
                           ignore_gfp_wait=False, min_order=0, verbose=1):
        assert m.ioremap_page_range(base, base + G1, PHYS) == 0
        assert m.fail_page_alloc_state.times == 0
    assert m.fail_page_alloc_state == before
    assert {x.size for x in m.mappings(base, base + G1)} == {M2}
    assert m.faults_injected == 1
    assert [r.site for r in m.fault_reports] == ["pud_free_pmd_page"]
    assert m.pages.allocs_by_site.get("pud_free_pmd_page", 0) == 0
    assert_no_leak(m)
    m.vunmap_range(base, base + G1)
    m.ioremap_page_range(base, base + G1, PHYS)        # outside the block: the temp page works
    assert {x.size for x in m.mappings(base, base + G1)} == {G1}


def test_verbose_levels_and_reports_are_informational() -> None:
    for verbose, n in ((0, 0), (1, 2), (2, 2)):
        m = ptlib.Machine(panic_on_report=True)
        m.set_fail_page_alloc(probability=100, times=2, verbose=verbose, **OPEN)
        assert attempts(m, 3) == [True, True, False]
        reps = m.fault_reports
        assert len(reps) == n
        for r in reps:
            assert r.kind == "FaultInjected" and r.site == "alloc_page"
            assert r.message.startswith("FAULT_INJECTION: forcing a failure.")
            assert "name fail_page_alloc" in r.message
            assert ("Call Trace" in r.message) == (verbose == 2)
        if n:
            assert "times 2" in reps[0].message and "times 1" in reps[1].message
        assert m.reports == []
        m.check()
        m.clear_fault_reports()
        assert m.fault_reports == []
    assert issubclass(faults.FaultInjected, ptlib.PtlibError)


def test_context_manager_restores_counters_too() -> None:
    m = ptlib.Machine()
    m.set_fail_page_alloc(probability=100, times=5, **OPEN)
    assert attempts(m, 2) == [True, True]
    with m.fail_page_alloc(probability=0):
        assert attempts(m, 3) == [False] * 3
    assert m.fail_page_alloc_state.times == 3
    assert attempts(m, 4) == [True] * 3 + [False]
    scope = m.fail_page_alloc(probability=100, times=-1, **OPEN)   # plain state change
    assert attempts(m, 1) == [True]
    scope.restore()
    assert attempts(m, 1) == [False]


@pytest.mark.parametrize("name,value,exc", [
    ("probability", 101, ptlib.InvalidArgument), ("probability", -1, ptlib.InvalidArgument),
    ("probability", 1.5, TypeError), ("interval", 0, ptlib.InvalidArgument),
    ("times", -2, ptlib.InvalidArgument), ("times", 1 << 31, ptlib.InvalidArgument),
    ("space", -1, ptlib.InvalidArgument), ("verbose", 3, ptlib.InvalidArgument),
    ("min_order", 11, ptlib.InvalidArgument), ("min_order", -1, ptlib.InvalidArgument),
    ("ignore_gfp_wait", 1, TypeError), ("ignore_gfp_highmem", "Y", TypeError),
    ("sites", {"kmalloc"}, ptlib.InvalidArgument), ("sites", "__pmd_alloc", TypeError),
    ("reject_sites", {"bogus"}, ptlib.InvalidArgument), ("fail_nth", -1, ptlib.InvalidArgument),
    ("seed", 1 << 64, ptlib.InvalidArgument), ("probabilty", 5, ptlib.InvalidArgument),
])
def test_bad_fields_name_the_field(name: str, value: object, exc: type) -> None:
    m = ptlib.Machine()
    before = m.fail_page_alloc_state
    with pytest.raises(exc, match=name):
        m.set_fail_page_alloc(**{name: value})
    with pytest.raises(exc, match=name):
        m.fail_page_alloc(**{name: value})
    assert m.fail_page_alloc_state == before


def test_dataclass_config_and_aliases() -> None:
    fa = FailPageAlloc(probability=100, times=-1, sites={"pmd_alloc"}, **OPEN)
    assert fa.sites == frozenset({"__pmd_alloc"})
    m = ptlib.Machine()
    assert m.set_fail_page_alloc(fa) == fa
    assert m.fail_page_alloc_state == fa
    with pytest.raises(ptlib.OutOfMemory):
        m.ioremap_page_range(V, V + K4, PHYS)
    assert m.last_failed_alloc[0] == "__pmd_alloc"
    assert fa.replace(times=2).times == 2
    with pytest.raises(TypeError, match="config"):
        m.set_fail_page_alloc({"probability": 1})


# ---- the sweep ----

def _mixed_op(m: ptlib.Machine) -> int:
    return m.ioremap_page_range(*MIXED, PHYS + G1 - 3 * M2 - 5 * K4)


def _remap_4k_2m(m: ptlib.Machine) -> int:
    m.ioremap_page_range(V, V + 3 * K4, PHYS)
    m.vunmap_range(V, V + 3 * K4)
    return m.ioremap_page_range(V, V + M2, PHYS)


def _remap_mixed_1g(m: ptlib.Machine) -> int:
    base = V + G1
    m.ioremap_page_range(base, base + 3 * K4, PHYS)
    m.ioremap_page_range(base + 2 * M2, base + 4 * M2, PHYS)
    m.ioremap_page_range(base + 7 * M2, base + 7 * M2 + K4, PHYS)
    m.vunmap_range(base, base + G1)
    return m.ioremap_page_range(base, base + G1, PHYS)


def _clean_allocs(kernel: str, op) -> list[str]:
    m = ptlib.Machine(kernel=kernel, cpus=2)
    before = m.pages.allocs_by_site
    op(m)
    after = m.pages.allocs_by_site
    return sorted((s for s in after for _ in range(after[s] - before.get(s, 0))))


@pytest.mark.parametrize("kernel", ["v4.17", "v4.18"])
def test_sweep_mixed_ioremap(kernel: str) -> None:
    rows = faults.sweep(lambda: ptlib.Machine(kernel=kernel, cpus=2), _mixed_op)
    *failed, last = rows
    assert [r.n for r in rows] == list(range(1, len(rows) + 1))
    assert (last.site, last.outcome, last.injected) == (None, "ok: 0", False)
    assert all(r.outcome == "OutOfMemory" and r.injected for r in failed)   # -ENOMEM
    assert sorted(r.site for r in failed) == _clean_allocs(kernel, _mixed_op)
    assert failed[0].site == "__pud_alloc"


@pytest.mark.parametrize("kernel,expected", [("v4.17", {"StalePagingStructureCache"}),
                                             ("v4.18", set())])
@pytest.mark.parametrize("op", [_remap_4k_2m, _remap_mixed_1g])
def test_sweep_remap_scenarios(kernel: str, expected: set, op) -> None:
    rows = faults.sweep(lambda: ptlib.Machine(kernel=kernel, cpus=2), op,
                        expected_reports=expected)
    assert rows[-1].outcome == "ok: 0" and not rows[-1].injected
    assert len(rows) - 1 == len(_clean_allocs(kernel, op))
    for r in rows[:-1]:
        if r.site == "pud_free_pmd_page":                # v4.18: fall back to 2 MiB
            assert kernel == "v4.18" and r.outcome == "ok: 0"
        else:
            assert r.outcome == "OutOfMemory", r
    if kernel == "v4.18" and op is _remap_mixed_1g:
        assert "pud_free_pmd_page" in [r.site for r in rows]
    if kernel == "v4.17":                                # the expected report does occur
        with pytest.raises(faults.SweepError, match="StalePagingStructureCache"):
            faults.sweep(lambda: ptlib.Machine(kernel=kernel, cpus=2), op)


@pytest.mark.parametrize("kernel", ptlib.profiles.names())
@pytest.mark.parametrize("pud_free", ["temp_page", "page_list", "no_save"])
@pytest.mark.parametrize("op", [_mixed_op, _remap_4k_2m, _remap_mixed_1g])
def test_sweep_every_profile_and_strategy(kernel: str, pud_free: str, op) -> None:
    """Every failure point of every scenario, on every profile and pud_free strategy: no
    leak, the kernel's return value (-ENOMEM as OutOfMemory, or 0 after the temp-page
    fallback), and no report beyond the profile's own known bug (v4.17's stale cache)."""
    expected = {"StalePagingStructureCache"} if kernel == "v4.17" else set()
    # the scenarios call the raw ioremap_page_range() outside any area, which v6.9 refuses
    # (3e49a866c9dc): the knob is off for them (no effect on profiles before v6.19)
    factory = lambda: ptlib.Machine(kernel=kernel, cpus=2, pud_free=pud_free,   # noqa: E731
                                    ioremap_vm_area_check=False)
    rows = faults.sweep(factory, op, expected_reports=expected)
    assert rows[-1].outcome == "ok: 0" and not rows[-1].injected
    for r in rows[:-1]:
        assert r.injected
        if r.site == "pud_free_pmd_page":
            # only the kernel's temp_page allocates there, and its failure is not an error
            assert pud_free == "temp_page" and kernel != "v4.17" and r.outcome == "ok: 0"
        else:
            assert r.outcome == "OutOfMemory", r


def test_sweep_catches_a_leak() -> None:
    def leaky(m: ptlib.Machine) -> int:
        m.ioremap_page_range(V, V + K4, PHYS)
        pmd_entry_pa = (m.walk(V).entries[1][1] & 0x000F_FFFF_FFFF_F000) + ((V >> 21) & 511) * 8
        m.write_phys(pmd_entry_pa, bytes(8))             # the PTE table becomes unreachable
        return 0
    with pytest.raises(faults.SweepError, match="leaked"):
        faults.sweep(ptlib.Machine, leaky)


# ---- allocator policies ----

def _free_three(m: ptlib.Machine) -> list[int]:
    pas = [m.alloc_page() for _ in range(3)]
    for pa in pas:
        m.free_page(pa)
    return pas


def _invariants(m: ptlib.Machine) -> None:
    st = m.pages
    assert st.allocated == sum(st.by_owner.values())
    assert st.allocs - st.frees == st.allocated
    assert st.free + st.allocated + 1 == st.ram_pages      # frame 0 is reserved


def test_lifo_default_and_fifo_order() -> None:
    m = ptlib.Machine()
    a, b, c = _free_three(m)
    assert [m.alloc_page() for _ in range(3)] == [c, b, a]
    m = ptlib.Machine(alloc_policy="fifo")
    a, b, c = _free_three(m)
    assert [m.alloc_page() for _ in range(3)] == [a, b, c]
    fresh = m.alloc_page()
    assert fresh not in (a, b, c)
    m.free_page(b)
    m.free_page(fresh)
    assert [m.alloc_page() for _ in range(2)] == [b, fresh]
    _invariants(m)


def test_random_is_seeded_and_reuses_freed_frames_first() -> None:
    orders = []
    for seed in (1, 1, 2):
        m = ptlib.Machine(seed=seed, alloc_policy="random")
        pas = [m.alloc_page() for _ in range(20)]
        for pa in pas:
            m.free_page(pa)
        got = [m.alloc_page() for _ in range(20)]
        assert sorted(got) == sorted(pas)
        orders.append(got)
        _invariants(m)
    assert orders[0] == orders[1] != orders[2]
    assert orders[0] not in (pas, pas[::-1])


def test_quarantine_delays_reuse_of_a_freed_pte_table() -> None:
    n = 4
    m = ptlib.Machine(alloc_policy="quarantine", quarantine=n)
    m.ioremap_page_range(V, V + K4, PHYS)
    pte_pa = m.walk(V).entries[2][1] & 0x000F_FFFF_FFFF_F000
    m.vunmap_range(V, V + K4)
    m.ioremap_page_range(V, V + M2, PHYS)              # pmd_free_pte_page frees it
    assert m.frame(pte_pa >> 12)["state"] == "free" and m.quarantined == 1
    assert m.read_phys(pte_pa, 4096) == b"\xaa" * 4096
    data = [m.alloc_page() for _ in range(n)]
    assert pte_pa not in data
    for i, pa in enumerate(data[:n - 1]):              # n - 1 more frees: still held
        m.free_page(pa)
        assert m.alloc_page() != pte_pa
        data[i] = None
    m.free_page(data[n - 1])                           # the n-th: the PTE table is released
    assert m.quarantined == n
    assert m.alloc_page() == pte_pa
    _invariants(m)


def test_quarantine_keeps_the_ram_limit() -> None:
    counts = {}
    for policy, q in (("lifo", 0), ("fifo", 0), ("random", 0), ("quarantine", 5)):
        m = ptlib.Machine(ram_pages=16, alloc_policy=policy, quarantine=q)
        pas = []
        with pytest.raises(ptlib.OutOfMemory):
            while True:
                pas.append(m.alloc_page())
        assert m.pages.free == 0 and m.pages.failed == 1
        for pa in pas:
            m.free_page(pa)
        again = []
        with pytest.raises(ptlib.OutOfMemory):
            while True:
                again.append(m.alloc_page())
        assert sorted(again) == sorted(pas)
        counts[policy] = len(pas)
        _invariants(m)
    assert set(counts.values()) == {16 - 1 - 1}        # frame 0 and the PGD


@pytest.mark.parametrize("policy,q", [("lifo", 0), ("fifo", 0), ("random", 0),
                                      ("quarantine", 3)])
def test_policies_keep_the_kernel_correct(policy: str, q: int) -> None:
    m = ptlib.Machine(kernel="v4.18", cpus=2, alloc_policy=policy, quarantine=q)
    _remap_mixed_1g(m)
    _remap_4k_2m(m)
    m.ioremap_page_range(MIXED[0] + 8 * G1, MIXED[1] + 8 * G1, PHYS + G1 - 3 * M2 - 5 * K4)
    assert m.reports == []
    assert_no_leak(m)
    _invariants(m)


@pytest.mark.parametrize("kw,exc,name", [
    ({"alloc_policy": "lru"}, ptlib.InvalidArgument, "alloc_policy"),
    ({"alloc_policy": 1}, TypeError, "alloc_policy"),
    ({"quarantine": 3}, ptlib.InvalidArgument, "quarantine"),
    ({"alloc_policy": "quarantine"}, ptlib.InvalidArgument, "quarantine"),
    ({"alloc_policy": "quarantine", "quarantine": 17}, ptlib.InvalidArgument, "quarantine"),
    ({"alloc_policy": "quarantine", "quarantine": 1.0}, TypeError, "quarantine"),
])
def test_bad_policy_arguments(kw: dict, exc: type, name: str) -> None:
    with pytest.raises(exc, match=name):
        ptlib.Machine(ram_pages=16, **kw)
