"""Damaged copies of the real corpus load and analyse, or fail with a one-line error.

Fixed batches of mutated files (``tests/mutation.py``: bit flips, cuts, splices, zeroed and
duplicated stretches; and structure-aware damage of the FIT files that keeps their message
framing valid) run in a child process with a 3 GiB address-space limit, so a crash of the
interpreter or a runaway allocation is reported as a failure with the case that caused it
instead of taking the test run (or the machine) down; a case above 1 GiB of resident memory
fails too. Longer runs:
``python -m tests.mutation --real ../shared/tracks/real --seconds 600 --seed N [--structure]``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def test_mutated_real_files_never_crash_hang_or_exhaust_memory(real_dir):
    cmd = [sys.executable, "-m", "tests.mutation", "--real", str(real_dir), "--seed", "7",
           "--cases", "300", "--slow", "10", "--memory-gib", "3"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode in (0, 1), f"the child died (exit {out.returncode}): {out.stderr[-3000:]}"
    report = json.loads(out.stdout)
    assert report["cases"] == 300
    assert report["crashes"] == [], json.dumps(report["crashes"], indent=1)
    assert report["slow"] == [], report["slow"]
    assert report["big"] == [], report["big"]
    # The damage is real: some cases are refused, most still read (the readers recover).
    assert 0 < report["errors"] < report["cases"]


def test_structure_aware_fit_mutations_never_crash_hang_or_exhaust_memory(real_dir):
    cmd = [sys.executable, "-m", "tests.mutation", "--real", str(real_dir), "--structure", "--seed", "3",
           "--cases", "100", "--slow", "10", "--memory-gib", "3", "--max-rss-mib", "1024"]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode in (0, 1), f"the child died (exit {out.returncode}): {out.stderr[-3000:]}"
    report = json.loads(out.stdout)
    assert report["cases"] == 100
    assert report["crashes"] == [], json.dumps(report["crashes"], indent=1)
    assert report["slow"] == [] and report["big"] == [], (report["slow"], report["big"])
    assert 0 < report["errors"] < report["cases"]
    # most kinds of structural damage were drawn
    assert len(report["kinds"]) >= 10, report["kinds"]
