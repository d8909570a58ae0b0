# SPDX-License-Identifier: GPL-2.0-only
"""Robustness: ptlib's whole public API driven with arbitrary arguments (valid and invalid,
wrong types, huge and negative integers, reversed ranges, wrong arity, calls after errors).
Every outcome must be a result, a ``PtlibError`` or a ``TypeError`` naming the argument;
never another exception, a hang, or a crash of the interpreter.

The calls run in a subprocess (``tests/robust_driver.py``) so that a segfault, an abort or
an AddressSanitizer report (the suite's ASan run preloads libasan, which the subprocess
inherits) fails this test with the last calls shown.  How many calls: the Hypothesis
profile named by ``PTLIB_HYPOTHESIS_PROFILE`` decides -- "nightly" 100,000 calls with a
random seed, "dev" 10,000 with a random seed, "ci" (also when unset) 20,000 with a fixed
seed; ``PTLIB_ROBUST_SEED`` and ``PTLIB_ROBUST_CALLS`` override.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "robust_driver.py"

#: calls per Hypothesis profile (ptlib/_pytest_plugin.py), and whether the seed is random
CALLS = {"ci": (20_000, False), "dev": (10_000, True), "nightly": (100_000, True)}
CI_SEED = 20260501
MIN_VALID_OK = 3            # every target: at least this many successes with valid arguments
TIMEOUT = {"ci": 300, "dev": 300, "nightly": 1800}


def _plan() -> tuple[str, int, int]:
    profile = os.environ.get("PTLIB_HYPOTHESIS_PROFILE") or "ci"
    calls, random_seed = CALLS.get(profile, CALLS["ci"])
    calls = int(os.environ.get("PTLIB_ROBUST_CALLS", calls))
    seed_env = os.environ.get("PTLIB_ROBUST_SEED")
    if seed_env is not None:
        seed = int(seed_env)
    else:
        seed = random.SystemRandom().randrange(1 << 32) if random_seed else CI_SEED
    return profile, calls, seed


def _last_lines(path: Path, n: int = 20) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no call log)"
    return "\n".join(lines[-n:])


def test_public_api_never_crashes(tmp_path):
    profile, calls, seed = _plan()
    log = tmp_path / "calls.log"
    cmd = [sys.executable, str(DRIVER), "--seed", str(seed), "--calls", str(calls),
           "--log", str(log)]
    replay = f"PTLIB_ROBUST_SEED={seed} PTLIB_ROBUST_CALLS={calls} (or: python {DRIVER} " \
             f"--seed {seed} --calls {calls})"
    print(f"robustness: profile={profile} calls={calls} seed={seed}")
    try:
        # cwd outside the source tree: the installed ptlib is imported, not ./ptlib
        proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True,
                              timeout=TIMEOUT.get(profile, 300))
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"robust_driver hung (> {exc.timeout} s); replay: {replay}\n"
                    f"last calls:\n{_last_lines(log)}", pytrace=False)
    out = proc.stdout
    result = None
    for line in out.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
    if proc.returncode != 0 or result is None or result["failed"]:
        text = "\n".join(l for l in out.splitlines() if not l.startswith("RESULT "))
        status = (f"killed by signal {-proc.returncode}" if proc.returncode < 0 else
                  f"exit status {proc.returncode}")
        pytest.fail(f"robust_driver failed ({status}); replay: {replay}\n"
                    f"{text[-6000:]}\nstderr:\n{proc.stderr[-6000:]}\n"
                    f"last calls:\n{_last_lines(log)}", pytrace=False)

    assert result["calls"] >= calls, result["calls"]
    # the driver enumerated the API itself: check it against ours (nothing is skipped)
    sys.path.insert(0, str(HERE))
    try:
        import robust_driver
    finally:
        sys.path.remove(str(HERE))
    assert sorted(result["api"]) == sorted(robust_driver.public_api())
    hist = result["hist"]
    missing = [name for name in result["api"] if name not in hist]
    assert not missing, f"never called: {missing}"
    weak = {name: (result["valid_ok"].get(name, 0), result["valid_calls"].get(name, 0))
            for name in result["api"]
            if result["valid_ok"].get(name, 0) < MIN_VALID_OK}
    assert not weak, ("argument generation degenerated: these succeeded fewer than "
                      f"{MIN_VALID_OK} times with valid arguments (ok, valid calls): {weak}")
    totals: dict[str, int] = {}
    for h in hist.values():
        for outcome, k in h.items():
            totals[outcome] = totals.get(outcome, 0) + k
    print(f"robustness: {result['calls']} calls, {len(result['api'])} targets, outcomes "
          f"{dict(sorted(totals.items(), key=lambda kv: -kv[1]))}")
    if result["slow"]:
        print(f"robustness: slow calls {result['slow']}")
    for name, msg in result["unnamed_invalid_argument"].items():
        # informational: an InvalidArgument whose message does not start "<argument>:"
        print(f"robustness: {name}: InvalidArgument not naming an argument: {msg!r}")


def test_driver_enumerates_the_public_api():
    """The enumeration finds the API's corners: properties, the constructor, the module
    functions and classes -- and no private name."""
    sys.path.insert(0, str(HERE))
    try:
        import robust_driver
    finally:
        sys.path.remove(str(HERE))
    api = robust_driver.public_api()
    for name in ("Machine()", "Machine.ioremap_page_range", "Machine.pages", "Machine.walk",
                 "CPU.access", "CPU.cr3", "CPU.translate_many", "faults.sweep",
                 "faults.FailPageAlloc()", "faults.FailPageAlloc.replace",
                 "faults.last_failure", "profiles.get", "profiles.names"):
        assert name in api, name
    assert not [n for n in api if n.split(".")[-1].startswith("_")]
    assert api["Machine.pages"].kind == "get"
    # a read-only property cannot be set (CPU.index names the CPU in the core)
    assert "CPU.index=" not in api
