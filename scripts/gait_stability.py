"""Issue 15 stability target: moving the walk/run cadence split by ±5 % changes hiking time by
at most 3 minutes on any real file.

For every running file of the corpus with cadence, the gait is classified as the analysis
does (:func:`trailtech.analysis.gait.classify_gait`), then again with the split moved by
-5 % and +5 %; the script prints each file's split, its hiking time and the change, and the
worst change.

Usage::

    PYTHONPATH=$PWD python scripts/gait_stability.py [--real /path/to/shared/tracks/real]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from gait_corpus import cadence_runs, default_real_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", type=Path, default=default_real_dir())
    ap.add_argument("--shift", type=float, default=0.05)
    args = ap.parse_args(argv)

    from trailtech.analysis.gait import analysis_moving, gait_codes, gait_smoothing_samples
    from trailtech.analysis.gait.bouts import row_dt_s
    from trailtech.config import AnalysisConfig
    from trailtech.timeline import GAIT_HIKE

    cfg = AnalysisConfig()
    worst, lines, over = 0.0, [], 0
    for file, tl, g in cadence_runs(args.real, cfg):
        dt = row_dt_s(tl.elapsed_s)
        base = float(np.sum(dt[g.codes == GAIT_HIKE])) / 60.0
        moving = analysis_moving(tl)
        grade = tl.grade_pct / 100.0
        changes = []
        for k in (1 - args.shift, 1 + args.shift):
            codes = gait_codes(moving, tl.speed_mps, grade, tl.cadence_spm, threshold_spm=g.threshold_spm * k,
                               hysteresis_spm=cfg.gait_hysteresis_spm, **gait_smoothing_samples(cfg))
            changes.append(float(np.sum(dt[codes == GAIT_HIKE])) / 60.0 - base)
        change = max(abs(c) for c in changes)
        worst = max(worst, change)
        over += change > 3.0
        lines.append(f"{file[:52]:52s} split {g.threshold_spm:5.1f} spm  hiking {base:6.1f} min  "
                     f"-{100 * args.shift:.0f} %: {changes[0]:+6.1f}  +{100 * args.shift:.0f} %: {changes[1]:+6.1f} min")
    print("\n".join(lines))
    print(f"\n{len(lines)} files with cadence; worst change of hiking time for a ±{100 * args.shift:.0f} % "
          f"move of the split: {worst:.1f} min (target <= 3 min); files over 3 min: {over}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
