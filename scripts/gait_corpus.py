"""The real running files with cadence that the hike/run scripts read (issue 15), shared by
``gait_stability.py`` and ``gait_without_cadence.py``.

Not a script itself: those import it (they run with ``scripts/`` first on the path).
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]


def default_real_dir() -> Path:
    """The real corpus (:func:`trailtech.devdata.real_tracks_dir`)."""
    from trailtech.devdata import real_tracks_dir

    return real_tracks_dir(ROOT)


def cadence_runs(real: Path, cfg) -> Iterator[tuple[str, object, object]]:
    """``(file, timeline, classification)`` of every running file of the corpus's manifest that
    has cadence and whose gait the analysis takes from it; unreadable files are skipped."""
    import trailtech
    from trailtech.analysis.gait import classify_gait
    from trailtech.prepare import prepare

    with open(real / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["is_running"].startswith("yes") and r["has_cadence"] == "yes"]
    for r in rows:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tl = prepare(trailtech.load(real / r["file"]), cfg).timeline
        except trailtech.TrailtechError:
            continue
        g = classify_gait(tl, cfg)
        if g.method == "cadence":
            yield r["file"], tl, g
