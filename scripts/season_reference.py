"""Issue 14 item 2: how much history the personal reference stands on, one run vs the season.

For one runner's folder of activities (default: the real corpus's ``coros-run-metrics``, five
trail runs of one runner in two weeks), ``analyze_season`` is run (no cache) and every scored
descent is read against the same run (``history_pct``, ``history_weight``) and against the
season (``season_history_pct``, ``season_history_weight``, :mod:`trailtech.season.reference`).
Prints a Markdown table: scored descents, how many have a history percentile (total weight of
similar descents at least one), the median weight, and how many read at the top of their
history (percentile 100, to rounding).

Usage::

    PYTHONPATH=$PWD python scripts/season_reference.py [FOLDER] [--jobs 2]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _default_folder() -> Path:
    from trailtech.devdata import real_tracks_dir

    return real_tracks_dir(ROOT) / "coros-run-metrics"


def measure(folder: Path, jobs: int = 2) -> pd.DataFrame:
    """One row per history (same run, season): the figures of the module's table."""
    from trailtech import analyze_season

    season = analyze_season([folder], jobs=jobs, cache=False, progress=False)
    rows = [d for doc in season.analyses.values() for d in doc.get("descents") or []
            if d.get("control_score") is not None]
    df = pd.DataFrame(rows)
    out = []
    for label, prefix in (("same run", ""), ("season", "season_")):
        pct, weight = df[f"{prefix}history_pct"], df[f"{prefix}history_weight"]
        out.append({"history": label, "activities": len(season.analyses), "scored descents": len(df),
                    "with a percentile": int(pct.notna().sum()),
                    "median weight [descents]": round(float(weight.median()), 1),
                    "at the top (>= 99.95)": int((pct >= 99.95).sum())})
    return pd.DataFrame(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, nargs="?", default=_default_folder())
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    table = measure(args.folder, args.jobs)
    print("| " + " | ".join(table.columns) + " |")
    print("|" + "---|" * len(table.columns))
    for row in table.itertuples(index=False):
        print("| " + " | ".join(str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
