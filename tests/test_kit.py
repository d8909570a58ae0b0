# SPDX-License-Identifier: GPL-2.0-only
"""The user kit: ptlib.strategies, the pytest plugin (ptmachine fixture, ptlib marker,
options, Hypothesis profiles) and examples/test_my_change.py."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import ptlib
import ptlib.machine
from ptlib import strategies as pst

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "test_my_change.py"
# subprocesses run outside the source tree, so they import the installed ptlib (with its
# compiled core), not ./ptlib; examples/ is found by absolute path
CWD = ROOT / "tests"


def run_py(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=CWD, timeout=120)


# ---- the plugin stays cheap and optional ----

def test_entry_point_registered() -> None:
    from importlib.metadata import entry_points
    eps = entry_points()
    group = eps.select(group="pytest11") if hasattr(eps, "select") else eps.get("pytest11", [])
    assert "ptlib._pytest_plugin" in [e.value for e in group if e.name == "ptlib"]


def test_hypothesis_entry_point_registered() -> None:
    from importlib.metadata import entry_points
    eps = entry_points()
    group = eps.select(group="hypothesis") if hasattr(eps, "select") else eps.get("hypothesis", [])
    assert "ptlib._hypothesis_hook:_hypothesis_setup_hook" in [e.value for e in group]


def test_hypothesis_hook_is_lazy_and_registers_profiles() -> None:
    """Importing Hypothesis runs ptlib's hook: the profiles exist, no compiled module (nor
    ptlib.machine / ptlib.strategies) is loaded; from_type(Machine) works once ptlib.machine
    is imported afterwards, and from_type(FailPageAlloc) once ptlib.faults is."""
    r = run_py(
        "import sys, hypothesis\n"
        "from hypothesis import settings, strategies as st\n"
        "bad = [m for m in sys.modules if m.startswith(('_cffi', 'ptlib._ptlib', "
        "'ptlib.machine', 'ptlib.strategies'))]\n"
        "assert not bad, bad\n"
        "assert 'ptlib._hypothesis_hook' in sys.modules\n"
        "settings.load_profile('ci'); assert settings.default.derandomize\n"
        "settings.load_profile('nightly'); assert settings.default.max_examples == 5000\n"
        "import ptlib.machine, ptlib.faults\n"
        "m = st.from_type(ptlib.Machine).example()\n"
        "assert isinstance(m, ptlib.Machine) and m.paging == '4level', m\n"
        "fa = st.from_type(ptlib.faults.FailPageAlloc).example()\n"
        "assert isinstance(fa, ptlib.faults.FailPageAlloc), fa\n")
    assert r.returncode == 0, r.stderr


def test_hypothesis_types_registered_when_ptlib_first() -> None:
    """The other order: ptlib.machine imported before Hypothesis."""
    r = run_py("import ptlib.machine, ptlib\n"
               "from hypothesis import strategies as st\n"
               "assert isinstance(st.from_type(ptlib.Machine).example(), ptlib.Machine)\n")
    assert r.returncode == 0, r.stderr


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.from_type(ptlib.machine.Machine))
def test_from_type_machine_is_usable(m: ptlib.machine.Machine) -> None:
    # the area path (ioremap()), which every profile accepts: the raw ioremap_page_range()
    # outside an area is refused from v6.9 on (3e49a866c9dc, the v6.19 profile)
    va = m.ioremap(0x40_0000_0000, ptlib.PMD_SIZE)
    assert va == ptlib.VMALLOC_START
    assert m.walk(va).page_size == ptlib.PMD_SIZE
    m.check()


def test_plugin_import_loads_no_compiled_module() -> None:
    r = run_py("import ptlib._pytest_plugin, sys; "
               "assert 'ptlib._ptlib' not in sys.modules and 'ptlib.machine' not in sys.modules; "
               "assert 'hypothesis' not in sys.modules; "
               "assert not [m for m in sys.modules if m.startswith('_cffi')], sys.modules")
    assert r.returncode == 0, r.stderr


def test_plugin_import_cost() -> None:
    """Best of 5 fresh interpreters: the import of ptlib._pytest_plugin once pytest is loaded
    (pytest itself is paid by any run).  Target < 50 ms; asserted with a generous bound."""
    code = ("import time, pytest; t = time.perf_counter(); import ptlib._pytest_plugin; "
            "print(time.perf_counter() - t)")
    times = []
    for _ in range(5):
        r = run_py(code)
        assert r.returncode == 0, r.stderr
        times.append(float(r.stdout.strip()))
    best = min(times)
    print(f"ptlib._pytest_plugin import: best {best * 1e3:.2f} ms of {[round(t * 1e3, 2) for t in times]}")
    assert best < 0.25


def test_import_ptlib_does_not_import_hypothesis() -> None:
    r = run_py("import ptlib, sys; ptlib.Machine; assert 'hypothesis' not in sys.modules; "
               "import ptlib.strategies; assert 'hypothesis' in sys.modules")
    assert r.returncode == 0, r.stderr


def test_strategy_constants_match_machine() -> None:
    for name in ("PAGE_SIZE", "PMD_SIZE", "PUD_SIZE", "VMALLOC_START", "VMALLOC_SIZE",
                 "PAGE_KERNEL", "PAGE_KERNEL_EXEC", "PAGE_KERNEL_RO", "PAGE_KERNEL_IO",
                 "PAGE_KERNEL_IO_NOCACHE", "PAGE_KERNEL_NOCACHE", "PAGE_KERNEL_IO_WC"):
        assert getattr(pst, name) == getattr(ptlib.machine, name), name
    from ptlib import faults
    assert set(pst.SITES) <= set(faults.SITES)


# ---- examples/test_my_change.py ----

def _run_example(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rxXf", "-p", "no:cacheprovider",
                           str(EXAMPLE), *args], capture_output=True, text=True,
                          cwd=str(tmp),
                          timeout=300)


def test_example_passes_v418_and_finds_v417_bug(tmp_path: Path) -> None:
    r = _run_example(tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed, 1 xfailed" in r.stdout, r.stdout
    assert "XFAIL" in r.stdout and "[v4.17]" in r.stdout


def test_example_without_xfail_fails_on_v417_only(tmp_path: Path) -> None:
    r = _run_example(tmp_path, "--runxfail")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "1 failed, 1 passed" in r.stdout, r.stdout
    assert "FAILED" in r.stdout and "test_remap_4k_as_2m[v4.17]" in r.stdout
    assert "StalePagingStructureCache" in r.stdout


# ---- the ptmachine fixture, the marker and the options (pytester, in-process) ----

BUG_SEQ = """
import ptlib
def seq(m):
    va = ptlib.VMALLOC_START
    m.ioremap_page_range(va, va + 4096, 0x4000000000)
    m.cpus[1].access(va)
    m.vunmap_range(va, va + 4096)
    m.ioremap_page_range(va, va + ptlib.PMD_SIZE, 0x4000000000)
"""


def test_fixture_defaults_and_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_a="""
import pytest
def test_default(ptmachine):
    assert (ptmachine.kernel, ptmachine.paging, len(ptmachine.cpus)) == ("v4.18", "4level", 2)
@pytest.mark.ptlib(kernel="v4.17", cpus=3)
def test_marker(ptmachine):
    assert (ptmachine.kernel, len(ptmachine.cpus)) == ("v4.17", 3)
@pytest.mark.ptlib(cpus=1)
class TestClass:
    @pytest.mark.ptlib(kernel="v5.13")
    def test_merge(self, ptmachine):
        assert (ptmachine.kernel, len(ptmachine.cpus)) == ("v5.13", 1)
@pytest.mark.ptlib(ram_pages=64, free_flush="range_all_pcids")
def test_machine_kwargs(ptmachine):
    assert ptmachine.knobs["free_flush"] == "range_all_pcids"
def test_no_fixture():
    pass
""")
    r = pytester.runpytest("--strict-markers")
    r.assert_outcomes(passed=5)


def test_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_b="""
import pytest
def test_opt(ptmachine):
    assert (ptmachine.kernel, ptmachine.paging, len(ptmachine.cpus)) == ("v5.3", "4level", 4)
@pytest.mark.ptlib(kernel="v4.17")
def test_marker_beats_option(ptmachine):
    assert ptmachine.kernel == "v4.17"
""")
    r = pytester.runpytest("--ptlib-profile", "v5.3", "--ptlib-paging", "4level",
                           "--ptlib-cpus", "4")
    r.assert_outcomes(passed=2)
    r = pytester.runpytest("--ptlib-paging", "5level")       # planned, not implemented
    r.assert_outcomes(errors=2)
    r.stdout.fnmatch_lines(["*InvalidArgument*5level*"])


def test_teardown_check_fails_a_test_that_leaves_a_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(helper=BUG_SEQ, test_c="""
import pytest
from helper import seq
@pytest.mark.ptlib(kernel="v4.17")
def test_leaves_report(ptmachine):
    seq(ptmachine)
@pytest.mark.ptlib(kernel="v4.17", check=False)
def test_opted_out(ptmachine):
    seq(ptmachine)
    assert ptmachine.reports
@pytest.mark.ptlib(kernel="v4.18")
def test_clean(ptmachine):
    seq(ptmachine)
""")
    r = pytester.runpytest()
    r.assert_outcomes(passed=3, errors=1)
    r.stdout.fnmatch_lines(["*ERROR at teardown of test_leaves_report*",
                            "*ptlib: 2 report(s) recorded on Machine(*kernel='v4.17'*"
                            "(first: StalePagingStructureCache)*",
                            "*[[]0] pmd_free_pte_page (op 4): StalePagingStructureCache: *CPU 0*",
                            "*[[]1] pmd_free_pte_page (op 4): StalePagingStructureCache: *CPU 1*"])


def test_marker_registered(pytester: pytest.Pytester) -> None:
    r = pytester.runpytest("--markers")
    r.stdout.fnmatch_lines(["@pytest.mark.ptlib(kernel=*check=False*"])


@pytest.mark.parametrize("profile, expect", [("ci", "True 100"), ("nightly", "False 5000"),
                                             ("dev", "False 25")])
def test_hypothesis_profiles(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                             profile: str, expect: str) -> None:
    from hypothesis import settings as hs
    saved = hs._current_profile                                  # restored below
    monkeypatch.setenv("PTLIB_HYPOTHESIS_PROFILE", profile)
    pytester.makepyfile(test_d=f"""
from hypothesis import settings
def test_profile():
    s = settings()
    assert f"{{s.derandomize}} {{s.max_examples}}" == {expect!r}
""")
    try:
        r = pytester.runpytest()
        r.assert_outcomes(passed=1)
        r.stdout.fnmatch_lines([f"ptlib: hypothesis profile '{profile}'"])
    finally:
        hs.load_profile(saved)


def test_hypothesis_profile_unknown(pytester: pytest.Pytester,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTLIB_HYPOTHESIS_PROFILE", "nope")
    pytester.makepyfile(test_e="def test_x(): pass")
    r = pytester.runpytest()
    assert r.ret == pytest.ExitCode.USAGE_ERROR
    r.stderr.fnmatch_lines(["*PTLIB_HYPOTHESIS_PROFILE=nope*"])


def test_profiles_registered_after_collection() -> None:
    from hypothesis import settings as hs
    hs.get_profile("ci")        # this suite imports hypothesis: the plugin registered them
    assert hs.get_profile("ci").derandomize


# ---- strategies generate inputs the Machine accepts ----

@given(pst.ranges())
def test_ranges_any_level(rng) -> None:
    s, e = rng
    assert s % 4096 == 0 and e % 4096 == 0 and pst.VMALLOC_START <= s < e <= pst.VMALLOC_START + pst.SPAN


@pytest.mark.parametrize("level, g", [("4K", 4096), ("2M", 1 << 21), ("1G", 1 << 30),
                                      (1 << 21, 1 << 21)])
@given(data=st.data())
def test_ranges_per_level(level, g, data) -> None:
    s, e = data.draw(pst.ranges(level))
    assert s % 4096 == 0 and e % 4096 == 0 and s < e
    assert pst.VMALLOC_START <= s and e <= pst.VMALLOC_START + pst.SPAN
    aligned = s % g == 0 and e % g == 0
    crossing = s // g != (e - 1) // g
    assert aligned or crossing or (e - s) < 3 * g


def test_ranges_cover_all_kinds() -> None:
    seen = set()

    @settings(max_examples=200, database=None)
    @given(pst.ranges("2M"))
    def probe(rng):
        s, e = rng
        g = 1 << 21
        seen.add("aligned" if s % g == 0 and e % g == 0 else
                 "crossing" if s // g != (e - 1) // g else "inside")
    probe()
    assert seen == {"aligned", "crossing", "inside"}


def test_ranges_bad_level() -> None:
    with pytest.raises(ValueError):
        pst.ranges("3M")


@given(size=st.sampled_from([4096, 1 << 21, 1 << 30]), data=st.data())
def test_phys_addrs(size, data) -> None:
    pa = data.draw(pst.phys_addrs(size, size))
    assert pa % size == 0 and pa + size <= 1 << 46
    ptlib.Machine._check_phys(pa, size, size)


@settings(max_examples=60, deadline=None)
@given(kernel=pst.profiles(), prot=pst.protections(), ops=pst.operations(cpus=2))
def test_operations_run_on_machine(kernel, prot, ops) -> None:
    # the operations call the raw ioremap_page_range() outside any area, which v6.9 refuses
    # (3e49a866c9dc): the knob is off (no effect on the profiles before v6.19)
    m = ptlib.Machine(kernel=kernel, cpus=2, ram_pages=1 << 12, ioremap_vm_area_check=False)
    for op in ops:
        try:
            pst.apply(m, op, prot)
        except (ptlib.KernelBug, ptlib.OutOfMemory):
            pass                     # mapping over a live mapping / RAM limit: kernel outcomes
    assert m.walk(pst.VMALLOC_START).va == pst.VMALLOC_START


@settings(max_examples=60, deadline=None)
@given(level=st.sampled_from(["4K", "2M", "1G"]), data=st.data())
def test_ioremap_each_level(level, data) -> None:
    m = ptlib.Machine(cpus=2, ram_pages=1 << 12)
    s, e = data.draw(pst.ranges(level))
    phys = data.draw(pst.phys_addrs(e - s, 4096))
    prot = data.draw(pst.protections())
    m.ioremap_page_range(s, e, phys, prot)
    w = m.walk(s)
    assert w.pa == phys and w.prot == prot
    m.vunmap_range(s, e)
    assert m.walk(s).pa is None
    m.check()


@settings(max_examples=60, deadline=None)
@given(kw=pst.fault_settings(), rng=pst.ranges("1G"))
def test_fault_settings_accepted(kw, rng) -> None:
    m = ptlib.Machine(cpus=2, ram_pages=1 << 12)
    with m.fail_page_alloc(**kw):
        try:
            m.ioremap_page_range(rng[0], rng[1], 0x40_0000_0000 + (rng[0] - pst.VMALLOC_START) % (1 << 30))
        except ptlib.OutOfMemory:
            pass
    assert m.pages.by_owner["temp"] == 0


@given(pst.operations(cpus=3, level="2M", max_size=5))
def test_operations_shape(ops) -> None:
    assert 1 <= len(ops) <= 5
    for op in ops:
        assert op[0] in ("ioremap", "vunmap", "access", "speculate", "invlpg")
        if op[0] in ("access", "speculate", "invlpg"):
            assert 0 <= op[1] < 3
        if op[0] == "ioremap":        # phys congruent to va modulo 1 GiB: huge leaves possible
            assert (op[3] - op[1]) % (1 << 30) == 0
