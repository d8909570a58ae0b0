# SPDX-License-Identifier: GPL-2.0-only
"""Shared helpers of the benchmark scripts: the machine line and appending to RESULTS.md."""
from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine_description() -> str:
    """CPU model, cores, OS, Python and compiler of this run, one line."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, {gcc[0] if gcc else 'gcc ?'}, -O2")


def append_results(script: str, body: str) -> None:
    """Append a dated section for ``script`` (with the machine line) to RESULTS.md."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    section = (f"\n## {script} — {time.strftime('%Y-%m-%d')}\n\n"
               f"Machine: {machine_description()}\n\n{body.rstrip()}\n")
    RESULTS.write_text(text + section)
