"""Issue 15 targets for hike or run without cadence: real files with cadence, cadence removed.

For every running file of the corpus whose gait is classified from cadence, the gait is
classified again as if the file had no cadence (:func:`trailtech.analysis.gait.gait_codes`
with ``method="speed"``: the per-activity clustering of speed against grade), and compared
second by second with the cadence labels. Prints per file the agreement and the hiking
minutes both ways, then the pooled agreement (targets: >= 95 % pooled, >= 85 % on every
file) and the worst hiking-minutes difference on files with at least 10 minutes of hiking
(target: within 15 %).

It also prints, per file, an upper bound for *any* classifier from speed and grade alone:
the seconds binned by grade (2 %) and 15 s median speed (0.1 m/s), each bin given its
majority cadence label -- a lookup table fitted to that very file, so an optimistic bound.

Usage::

    PYTHONPATH=$PWD python scripts/gait_without_cadence.py [--real /path/to/shared/tracks/real]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from gait_corpus import cadence_runs, default_real_dir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", type=Path, default=default_real_dir())
    args = ap.parse_args(argv)

    import pandas as pd

    from trailtech.analysis.gait import analysis_moving, gait_codes, gait_smoothing_samples
    from trailtech.analysis.gait.bouts import row_dt_s
    from trailtech.config import AnalysisConfig
    from trailtech.timeline import GAIT_HIKE, GAIT_STOP

    cfg = AnalysisConfig()
    agree_w = total_w = bound_w = 0.0
    worst_bound = 1.0
    worst_file, worst_min, lines = 1.0, 0.0, []
    for file, tl, g in cadence_runs(args.real, cfg):
        moving = analysis_moving(tl)
        dt = row_dt_s(tl.elapsed_s)
        speed = gait_codes(moving, tl.speed_mps, tl.grade_pct / 100.0, None, threshold_spm=float("nan"),
                           method="speed", **gait_smoothing_samples(cfg))
        m = g.codes != GAIT_STOP
        w = dt[m]
        if w.sum() <= 0:
            continue
        same = float(w[(g.codes[m] == GAIT_HIKE) == (speed[m] == GAIT_HIKE)].sum())
        hike = g.codes[m] == GAIT_HIKE
        v15 = pd.Series(tl.speed_mps).rolling(15, center=True, min_periods=1).median().to_numpy()[m]
        bins = pd.DataFrame({"g": np.floor(np.nan_to_num(tl.grade_pct[m]) / 2.0), "v": np.floor(v15 / 0.1),
                             "h": hike * w, "r": ~hike * w}).groupby(["g", "v"])[["h", "r"]].sum()
        bound = float(np.maximum(bins["h"], bins["r"]).sum())
        bound_w += bound
        worst_bound = min(worst_bound, bound / float(w.sum()))
        agree_w += same
        total_w += float(w.sum())
        share = same / float(w.sum())
        worst_file = min(worst_file, share)
        h_cad = float(dt[g.codes == GAIT_HIKE].sum()) / 60.0
        h_spd = float(dt[speed == GAIT_HIKE].sum()) / 60.0
        diff = (h_spd - h_cad) / h_cad if h_cad > 0 else float("nan")
        if h_cad >= 10:
            worst_min = max(worst_min, abs(diff))
        lines.append(f"{file[:52]:52s} agreement {100 * share:5.1f} % (bound {100 * bound / float(w.sum()):5.1f} %)  hiking {h_cad:6.1f} min "
                     f"(cadence) {h_spd:6.1f} min (no cadence)" + (f"  {100 * diff:+.0f} %" if h_cad >= 10 else ""))
    print("\n".join(lines))
    print(f"\n{len(lines)} files: pooled agreement {100 * agree_w / max(total_w, 1e-9):.1f} % (target >= 95 %), "
          f"worst file {100 * worst_file:.1f} % (target >= 85 %); hiking minutes on files with >= 10 min "
          f"of hiking: worst {100 * worst_min:.0f} % off (target <= 15 %)")
    print(f"speed-and-grade bound (a lookup table fitted to each file): pooled {100 * bound_w / max(total_w, 1e-9):.1f} %, "
          f"worst file {100 * worst_bound:.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
