"""Issue 15 targets for hike or run without cadence: real files with cadence, cadence removed.

For every running file of the corpus whose gait is classified from cadence, the gait is
classified again as if the file had no cadence, and compared second by second with the cadence
labels, two ways:

* ``fixed``: the population speed rule, slower than ``v_wrt(g)`` is hiking (before issue 15's
  anchor);
* ``anchored``: the rule the analysis uses, ``v_wrt(g)`` scaled to the runner's own flat running
  pace, with heart rate telling a jog from a walk (:mod:`trailtech.analysis.gait.anchor`).

Prints per file the agreement and the hiking minutes, then the pooled agreement (targets: >= 95 %
pooled, >= 85 % on every file) and the worst hiking-minutes difference on files with at least 10
minutes of hiking (target: within 15 %).

It also bounds *any* classifier from the information the file holds, with lookup tables fitted
to the file's own cadence labels: the seconds binned by grade (2 %), 15 s median speed
(0.1 m/s) and, for the second bound, 15 s median heart rate (10 bpm), each bin given its
majority label. Fitted and scored on the same seconds (``in-sample``), this is optimistic, the
more so the more bins; so the same tables are also fitted on alternate 5-minute blocks and
scored on the others (``held-out``, coarser bins: grade 4 %, speed 0.2 m/s, heart rate 10 bpm;
a bin never seen in fitting takes the fitting half's majority), over files of at least 20
minutes.

Usage::

    PYTHONPATH=$PWD python scripts/gait_without_cadence.py [--real /path/to/shared/tracks/real] [--quiet]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from gait_corpus import cadence_runs, default_real_dir


def _median15(x):
    import pandas as pd

    return pd.Series(np.asarray(x, float)).rolling(15, center=True, min_periods=1).median().to_numpy()


def _table_agreement(keys, hike, w, fit=None, test=None) -> float:
    """Seconds of ``test`` whose label is the majority label of their bin among the ``fit``
    seconds (both all seconds by default) [s]."""
    import pandas as pd

    fit = np.ones(hike.size, bool) if fit is None else fit
    test = np.ones(hike.size, bool) if test is None else test
    cols = [f"k{i}" for i in range(len(keys))]
    bins = pd.DataFrame({**{c: k[fit] for c, k in zip(cols, keys)}, "h": hike[fit] * w[fit],
                         "r": ~hike[fit] * w[fit]}).groupby(cols)[["h", "r"]].sum()
    label = bins["h"] > bins["r"]
    where = pd.MultiIndex.from_arrays([k[test] for k in keys], names=cols)
    majority = bool(w[fit][hike[fit]].sum() > w[fit][~hike[fit]].sum())
    pred = label.reindex(where).to_numpy(dtype=object)
    pred = np.where(pd.isna(pred), majority, pred).astype(bool)
    return float(w[test][pred == hike[test]].sum())


def _bounds(tl, m, hike, w) -> dict[str, float]:
    """Agreement shares of the four lookup-table bounds (see the module) on one file."""
    v15, hr15 = _median15(tl.speed_mps)[m], _median15(tl.heart_rate_bpm)[m]
    grade = np.nan_to_num(tl.grade_pct[m])
    hr_bin = np.floor(np.nan_to_num(hr15, nan=-10.0) / 10.0)
    fine = [np.floor(grade / 2.0), np.floor(v15 / 0.1)]
    coarse = [np.floor(grade / 4.0), np.floor(v15 / 0.2)]
    block = (np.floor(tl.elapsed_s[m] / 300.0) % 2).astype(bool)
    total = float(w.sum())
    out = {"in_sg": _table_agreement(fine, hike, w) / total,
           "in_sgh": _table_agreement(fine + [hr_bin], hike, w) / total}
    for name, keys in (("out_sg", coarse), ("out_sgh", coarse + [hr_bin])):
        out[name] = sum(_table_agreement(keys, hike, w, fit=block != k, test=block == k)
                        for k in (False, True)) / total
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", type=Path, default=default_real_dir())
    ap.add_argument("--quiet", action="store_true", help="only the summary")
    args = ap.parse_args(argv)

    from trailtech.analysis.gait import analysis_moving, gait_codes, gait_smoothing_samples
    from trailtech.analysis.gait.classification import speed_rule_scale
    from trailtech.analysis.gait.bouts import row_dt_s
    from trailtech.config import AnalysisConfig
    from trailtech.timeline import GAIT_HIKE, GAIT_STOP

    cfg = AnalysisConfig()
    ways = ("fixed", "anchored")
    agree = {k: 0.0 for k in ways}
    worst = {k: (1.0, "") for k in ways}
    worst_min = {k: (0.0, "") for k in ways}
    bound_w = {k: 0.0 for k in ("in_sg", "in_sgh", "out_sg", "out_sgh")}
    bound_worst = {k: (1.0, "") for k in bound_w}
    total_w, lines, worse = 0.0, [], []
    for file, tl, g in cadence_runs(args.real, cfg):
        moving = analysis_moving(tl)
        dt = row_dt_s(tl.elapsed_s)
        m = g.codes != GAIT_STOP
        w = dt[m]
        if w.sum() <= 0:
            continue
        grade = tl.grade_pct / 100.0
        scale = speed_rule_scale(tl.speed_mps[moving], grade[moving], tl.heart_rate_bpm[moving],
                                 dt[moving], cfg) if moving.any() else 1.0
        hike = g.codes[m] == GAIT_HIKE
        h_cad = float(dt[g.codes == GAIT_HIKE].sum()) / 60.0
        total_w += float(w.sum())
        text = f"{file[:52]:52s} hiking {h_cad:6.1f} min (cadence)"
        share = {}
        for way, k in zip(ways, (1.0, scale)):
            codes = gait_codes(moving, tl.speed_mps, grade, None, threshold_spm=float("nan"),
                               method="speed", speed_scale=k, **gait_smoothing_samples(cfg))
            same = float(w[hike == (codes[m] == GAIT_HIKE)].sum())
            agree[way] += same
            share[way] = same / float(w.sum())
            worst[way] = min(worst[way], (share[way], file))
            h = float(dt[codes == GAIT_HIKE].sum()) / 60.0
            diff = (h - h_cad) / h_cad if h_cad > 0 else float("nan")
            if h_cad >= 10:
                worst_min[way] = max(worst_min[way], (abs(diff), file))
            text += f" | {way} {100 * share[way]:5.1f} % {h:6.1f} min" + (f" {100 * diff:+4.0f} %" if h_cad >= 10 else "      ")
        if share["anchored"] < share["fixed"] - 0.02:
            worse.append(file)
        b = _bounds(tl, m, hike, w)
        for k, v in b.items():
            bound_w[k] += v * float(w.sum())
            if not k.startswith("out") or w.sum() >= 1200:
                bound_worst[k] = min(bound_worst[k], (v, file))
        lines.append(text + f" | bounds {100 * b['in_sg']:5.1f} {100 * b['in_sgh']:5.1f} "
                     f"held-out {100 * b['out_sg']:5.1f} {100 * b['out_sgh']:5.1f}")
    if not args.quiet:
        print("\n".join(lines) + "\n")
    print(f"{len(lines)} files")
    for way in ways:
        print(f"{way:9s}: pooled agreement {100 * agree[way] / max(total_w, 1e-9):.1f} % (target >= 95 %), "
              f"worst file {100 * worst[way][0]:.1f} % {worst[way][1]} (target >= 85 %); hiking minutes on files with "
              f">= 10 min of hiking: worst {100 * worst_min[way][0]:.0f} % off {worst_min[way][1]} (target <= 15 %)")
    print(f"files where anchored is more than 2 points worse than fixed: {len(worse)} {worse}")
    names = {"in_sg": "speed+grade, in-sample", "in_sgh": "speed+grade+heart rate, in-sample",
             "out_sg": "speed+grade, held-out", "out_sgh": "speed+grade+heart rate, held-out"}
    for k, name in names.items():
        print(f"bound {name:34s}: pooled {100 * bound_w[k] / max(total_w, 1e-9):5.1f} %, "
              f"worst file {100 * bound_worst[k][0]:5.1f} % {bound_worst[k][1]}"
              + (" (files >= 20 min)" if k.startswith("out") else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
