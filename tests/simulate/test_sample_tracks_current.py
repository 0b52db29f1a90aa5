"""The shipped sample tracks are exactly what ``scripts/make_sample_tracks.py`` writes today:
a change to the simulator or a writer that moves their bytes shows here, not in a user's hands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_sample_tracks_are_what_the_generator_writes(tmp_path):
    out = tmp_path / "samples"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_sample_tracks.py"), "--out", str(out)],
                   check=True, capture_output=True, cwd=ROOT)
    written = sorted(p.name for p in out.iterdir())
    assert written, "the generator wrote nothing"
    stale = [name for name in written if (out / name).read_bytes() != (ROOT / "sample_tracks" / name).read_bytes()]
    assert stale == [], f"regenerate with python scripts/make_sample_tracks.py: {stale}"
