"""The atheris harnesses (``fuzz/``) run briefly: a reader bug they meet fails the suite.

Each harness runs in a child process for a few seconds from its seeds (the sample tracks, the
real corpus when present, files built in ``fuzz/targets.py``) with a fixed libFuzzer seed. It
fails only on a finding: a traceback other than a one-line TrailtechError, an input slower
than 20 s or a process above 2 GiB. The long runs are documented in the README ("Reading
watch files"). Skipped where atheris is not installed (it has Linux x86-64 wheels only).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import REAL_DIR, ROOT

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("kind", ["fit", "gpx", "tcx"])
def test_fuzz_harness_short_run(kind, tmp_path):
    pytest.importorskip("atheris")
    cmd = [sys.executable, "-m", f"fuzz.fuzz_{kind}", "-seed=1", "-runs=400", "-max_total_time=4",
           "-timeout=20", "-rss_limit_mb=2048", f"-artifact_prefix={tmp_path}/", str(tmp_path / "corpus")]
    env = {**os.environ, "TRAILTECH_REAL_TRACKS": str(REAL_DIR)}
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    log = out.stderr
    assert out.returncode == 0, log[-4000:]
    done = re.search(r"Done (\d+) runs", log)
    assert done and int(done.group(1)) > 0, log[-2000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
