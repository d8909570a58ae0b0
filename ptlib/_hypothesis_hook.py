# SPDX-License-Identifier: GPL-2.0-only
"""ptlib's Hypothesis integration, registered under Hypothesis's ``hypothesis`` entry point.

Hypothesis calls :func:`_hypothesis_setup_hook` when it is imported, in every environment
where ptlib is installed, so this module imports nothing at load time (not the C core, not
``ptlib.machine``, not Hypothesis: Hypothesis is imported by then).  The hook

- registers the settings profiles "dev", "ci" (derandomized) and "nightly" (long), without
  loading one (``settings.load_profile("ci")``, or ``PTLIB_HYPOTHESIS_PROFILE=ci`` under
  pytest, picks one);
- registers type strategies, so that ``st.from_type(ptlib.Machine)`` and
  ``st.from_type(ptlib.faults.FailPageAlloc)`` work: for the ptlib modules already imported
  now, and for the others when they are imported later (they call :func:`register_types`
  at the end of their import if Hypothesis is loaded).  The C core is never loaded for it.
"""
from __future__ import annotations

import importlib
import sys
from typing import Any

#: the settings profiles; ``derandomize`` is explicit in each (Hypothesis's own default
#: derandomizes when it sees CI=true)
HYPOTHESIS_PROFILES: dict[str, dict[str, Any]] = {
    "dev": {"max_examples": 25, "derandomize": False},
    "ci": {"max_examples": 100, "derandomize": True, "deadline": None, "print_blob": True},
    "nightly": {"max_examples": 5000, "deadline": None, "derandomize": False},
}


def register_hypothesis_profiles() -> bool:
    """Register the "dev"/"ci"/"nightly" settings profiles; False if hypothesis is missing."""
    try:
        from hypothesis import settings
    except ImportError:
        return False
    for name, kw in HYPOTHESIS_PROFILES.items():
        settings.register_profile(name, **kw)
    return True


def register_types() -> None:
    """Register ``from_type`` strategies for the ptlib types whose modules are imported."""
    if "hypothesis" not in sys.modules:
        return
    from hypothesis import strategies as st

    def later(name: str) -> Any:       # ptlib.strategies may be half-imported right now
        return st.deferred(lambda: getattr(importlib.import_module("ptlib.strategies"), name)())

    if "ptlib.machine" in sys.modules:
        st.register_type_strategy(sys.modules["ptlib.machine"].Machine, later("machines"))
    if "ptlib.faults" in sys.modules:
        fpa = sys.modules["ptlib.faults"].FailPageAlloc
        st.register_type_strategy(fpa, later("fault_settings").map(lambda kw: fpa(**kw)))


def _hypothesis_setup_hook() -> None:
    """Entry point ``hypothesis``: profiles and type strategies (see the module docstring)."""
    register_hypothesis_profiles()
    register_types()
