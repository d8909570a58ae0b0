# SPDX-License-Identifier: GPL-2.0-only
"""ptlib's pytest plugin (entry point ``pytest11: ptlib``), loaded by every pytest run in an
environment where ptlib is installed, so loading it must stay cheap: it imports neither the
C core nor ``ptlib.machine`` (the fixture does, when a test asks for it).

- fixture ``ptmachine``: a fresh ``ptlib.Machine``.  Its arguments come from the marker
  ``@pytest.mark.ptlib(kernel="v4.17", cpus=2, paging="4level", **machine_kwargs)``, else
  from the options ``--ptlib-profile`` / ``--ptlib-paging`` / ``--ptlib-cpus``; defaults
  v4.18, 4level, 2 CPUs.  At teardown it runs ``machine.check()``: a test that leaves a
  sanitizer report (or a BUG) fails with the report text, unless it is marked
  ``@pytest.mark.ptlib(check=False)``.
- Hypothesis settings profiles "dev", "ci" (derandomize=True) and "nightly" (many examples),
  registered lazily: when ``PTLIB_HYPOTHESIS_PROFILE`` names one (hypothesis is imported
  then) or once hypothesis has been imported anyway (at configure or after collection); ``PTLIB_HYPOTHESIS_PROFILE=ci pytest`` runs with the "ci" profile.
  ``register_hypothesis_profiles()`` registers them without loading one.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Iterator

import pytest

from ._hypothesis_hook import HYPOTHESIS_PROFILES, register_hypothesis_profiles  # noqa: F401

DEFAULT_PROFILE = "v4.18"
DEFAULT_PAGING = "4level"
DEFAULT_CPUS = 2
ENV_HYPOTHESIS_PROFILE = "PTLIB_HYPOTHESIS_PROFILE"
def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("ptlib", "ptlib emulated MMU")
    group.addoption("--ptlib-profile", default=None, metavar="NAME",
                    help=f"kernel profile of the ptmachine fixture (default {DEFAULT_PROFILE})")
    group.addoption("--ptlib-paging", default=None, metavar="MODE",
                    help=f"paging mode of the ptmachine fixture (default {DEFAULT_PAGING})")
    group.addoption("--ptlib-cpus", default=None, type=int, metavar="N",
                    help=f"CPUs of the ptmachine fixture (default {DEFAULT_CPUS})")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line(
        "markers",
        "ptlib(kernel=..., cpus=..., paging=..., check=True, **machine_kwargs): arguments of "
        "the ptmachine fixture; check=False skips the teardown machine.check()")
    name = os.environ.get(ENV_HYPOTHESIS_PROFILE)
    if "hypothesis" in sys.modules and not name:    # already paid for: register now
        register_hypothesis_profiles()
    if name:
        if not register_hypothesis_profiles():
            raise pytest.UsageError(f"{ENV_HYPOTHESIS_PROFILE}={name}: hypothesis is not installed")
        from hypothesis import settings
        try:
            settings.load_profile(name)
        except Exception as exc:        # InvalidArgument: unknown profile
            raise pytest.UsageError(f"{ENV_HYPOTHESIS_PROFILE}={name}: {exc}") from None


def pytest_collection_finish(session: Any) -> None:
    # test modules imported hypothesis during collection: make the profiles available
    if "hypothesis" in sys.modules:
        register_hypothesis_profiles()


def pytest_report_header(config: Any) -> Any:
    name = os.environ.get(ENV_HYPOTHESIS_PROFILE)
    return f"ptlib: hypothesis profile {name!r}" if name else None


def machine_kwargs(request: Any) -> tuple[dict[str, Any], bool]:
    """(Machine kwargs, check at teardown) for a test: marker over options over defaults.
    Several ``ptlib`` markers merge, the closest (function level) winning."""
    opt = request.config.getoption
    kw: dict[str, Any] = {"kernel": opt("ptlib_profile") or DEFAULT_PROFILE,
                          "paging": opt("ptlib_paging") or DEFAULT_PAGING,
                          "cpus": opt("ptlib_cpus") or DEFAULT_CPUS}
    marks = list(request.node.iter_markers("ptlib"))
    for mark in reversed(marks):                    # farthest first, closest last
        if mark.args:
            raise pytest.UsageError("@pytest.mark.ptlib takes keyword arguments only")
        kw.update(mark.kwargs)
    check = kw.pop("check", True)
    if "profile" in kw:                             # alias
        kw["kernel"] = kw.pop("profile")
    return kw, bool(check)


@pytest.fixture
def ptmachine(request: Any) -> Iterator[Any]:
    """A fresh ptlib.Machine; checked for sanitizer reports at teardown."""
    kw, check = machine_kwargs(request)
    from ptlib.machine import Machine               # lazily: the C core loads here
    machine = Machine(**kw)
    yield machine
    if not check:
        return
    try:
        machine.check()
        return
    except Exception as exc:                        # the first report, as its exception
        first = f"{type(exc).__name__}"
    reports = machine.reports
    text = "\n".join(f"  [{i}] {r.site or '?'} (op {r.op}): {r.message}"
                     for i, r in enumerate(reports))
    pytest.fail(f"ptlib: {len(reports)} report(s) recorded on {machine!r} (first: {first}); "
                "mark the test @pytest.mark.ptlib(check=False) to allow it\n" + text,
                pytrace=False)
