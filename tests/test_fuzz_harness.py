# SPDX-License-Identifier: GPL-2.0-only
"""The fuzz harness of the C API (tests/fuzz/) builds with gcc, replays its corpus and a few
thousand pseudo-random inputs under ASan + UBSan without a finding, and still reaches every
function of csrc/ptlib.h.

The replay driver is compiled from the source tree (csrc/ and tests/fuzz/, found from this
file's path: the installed ptlib is not used) into a temporary directory, with its own
sanitizers; LD_PRELOAD is cleared for it (the sanitized test pass preloads libasan).
PTLIB_HYPOTHESIS_PROFILE=nightly (or PTLIB_NIGHTLY=1) runs ten times as many inputs;
PTLIB_FUZZ_SEED picks the random inputs' seed (default 1).
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"
FUZZ = ROOT / "tests" / "fuzz"
NIGHTLY = (os.environ.get("PTLIB_HYPOTHESIS_PROFILE") == "nightly"
           or bool(os.environ.get("PTLIB_NIGHTLY")))
NRANDOM = 20000 if NIGHTLY else 2000

pytestmark = [
    pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is needed to build the replay driver"),
    pytest.mark.skipif(not (CSRC / "ptlib.h").is_file() or not (FUZZ / "fuzz_api.c").is_file(),
                       reason="needs the source tree (csrc/, tests/fuzz/)"),
]


def _api_functions():
    """The function names declared in ptlib.h (comments stripped, as build_ffi.py does)."""
    text = re.sub(r"/\*.*?\*/", " ", (CSRC / "ptlib.h").read_text(), flags=re.S)
    names = []
    for n in re.findall(r"\b(pt_[a-z0-9_]+)\s*\(", text):
        if n not in names:
            names.append(n)
    return names


def _clean_env():
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=1"
    env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
    return env


@pytest.fixture(scope="module")
def replay(tmp_path_factory):
    exe = tmp_path_factory.mktemp("fuzz") / "replay"
    srcs = (sorted(str(p) for d in (CSRC, CSRC / "kops", CSRC / "kops" / "units")
                   for p in d.glob("*.c")) + [str(FUZZ / "fuzz_api.c"), str(FUZZ / "replay.c")])
    cmd = ["gcc", "-O1", "-g", "-std=c11", "-Wall", "-Wextra", "-Werror",
           "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer",
           f"-I{CSRC}", f"-I{ROOT / 'ptlib' / 'include'}", f"-I{FUZZ}", *srcs, "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True, env=_clean_env(), timeout=300)
    assert r.returncode == 0, f"replay driver does not build:\n{r.stderr[-4000:]}"
    return exe


def test_harness_lists_every_api_function():
    """fuzz_api.h counts calls per function of ptlib.h: a new function must be added there
    (and called by the harness)."""
    listed = re.findall(r"X\((pt_[a-z0-9_]+)\)", (FUZZ / "fuzz_api.h").read_text())
    assert listed == _api_functions()


def test_replay_corpus_and_random_inputs(replay):
    corpus = sorted(p for p in (FUZZ / "corpus").iterdir() if p.is_file() and not p.name.startswith("."))
    assert len(corpus) >= 7, "the seed corpus is missing"
    seed = os.environ.get("PTLIB_FUZZ_SEED", "1")
    r = subprocess.run([str(replay), "--quiet", "--random", str(NRANDOM), "--seed", seed,
                        str(FUZZ / "corpus")],
                       capture_output=True, text=True, env=_clean_env(), timeout=1200)
    assert r.returncode == 0, (f"replay failed (exit {r.returncode}, seed {seed}):\n"
                               f"{r.stderr[-6000:]}")
    m = re.search(r"^inputs: (\d+)$", r.stdout, flags=re.M)
    assert m and int(m.group(1)) == len(corpus) + NRANDOM, r.stdout[:200]
    calls = {name: int(n) for name, n in re.findall(r"^calls: (\S+) (\d+)$", r.stdout, flags=re.M)}
    assert set(calls) == set(_api_functions())
    missed = sorted(name for name, n in calls.items() if n == 0)
    assert not missed, f"the harness no longer reaches: {missed}"
