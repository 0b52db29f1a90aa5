"""Issue 15 targets for the hike/run crossover on simulated runners whose answer is known.

Runners of different abilities (flat speed 2.6-3.8 m/s, running fade 8-25) with true
crossovers drawn from 12-30 %; half choose well (switch at their crossover), a quarter run
4 points past it, a quarter hike 4 points below it (``trailtech.simulate.hikers``). Each runs
the hill session (26 climbs of 4-40 %, barometric altimeter) and is analysed as a user would.

Prints, for the observed estimate the analysis reports (and, for comparison, the models'
extrapolated estimate the analysis used to fall back on):
answered share, share within ±2.5 points of all runners and of the answered ones, largest
error, Spearman correlation of estimate and truth over the answered runners, and the reasons
given when there was no answer.

Usage::

    PYTHONPATH=$PWD python scripts/hike_run_accuracy.py [--runners 30] [--seed 11] [--sessions 3]
        [--switch-sd 0.03] [--grade-step 0.02]
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter

import numpy as np


def _spearman(a, b) -> float:
    if len(a) < 3:
        return float("nan")
    ra = np.argsort(np.argsort(a))
    rb = np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def _row(name: str, truth: np.ndarray, est: list) -> str:
    ok = np.array([e is not None for e in est])
    err = np.array([e - t for e, t in zip(est, truth) if e is not None])
    within = int(np.sum(np.abs(err) <= 2.5)) if err.size else 0
    return (f"| {name} | {ok.sum()}/{len(est)} | {within}/{len(est)} ({100 * within / len(est):.0f} %) | "
            f"{within}/{max(ok.sum(), 1)} ({100 * within / max(ok.sum(), 1):.0f} %) | "
            f"{np.abs(err).max() if err.size else float('nan'):.1f} | "
            f"{_spearman(truth[ok], np.array([e for e in est if e is not None])):.2f} |")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runners", type=int, default=30)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--switch-sd", type=float, default=0.0,
                    help="climb-to-climb spread of each runner's switch grade [fraction]")
    ap.add_argument("--sessions", type=int, default=1,
                    help="sessions per runner: with more than one, also the season's crossover "
                         "from their pooled climbing pieces (trailtech.season.summary.season_crossover)")
    ap.add_argument("--grade-step", type=float, default=0.03,
                    help="spacing of the session's climb grades from 4 to 40 %% [fraction]")
    args = ap.parse_args(argv)

    import pandas as pd

    import trailtech
    from trailtech.analysis.gait import crossover_from_models
    from trailtech.season.summary import season_crossover
    from trailtech.simulate.hikers import hiker_runner, simulate_hill_session

    grades = tuple(np.round(np.arange(0.04, 0.405, args.grade_step), 3))
    rng = np.random.default_rng(args.seed)
    truth, observed, model, offsets, reasons = [], [], [], [], Counter()
    season, season_reasons = [], Counter()
    for i in range(args.runners):
        c = rng.uniform(0.12, 0.30)
        off = float(rng.choice([0.0, 0.0, 0.04, -0.04]))
        r = hiker_runner(c, flat_speed_mps=rng.uniform(2.6, 3.8), steep_run_decay=rng.uniform(8, 25),
                         switch_offset=off)
        runs = []
        for k in range(max(args.sessions, 1)):
            # The first session is the single-run case; the others are further days.
            run = simulate_hill_session(r, seed=i + 1000 * k, switch_sd=args.switch_sd, grades=grades)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                runs.append(trailtech.analyze(run.track).hike_run)
        hr = runs[0]
        if args.sessions > 1:
            sx = season_crossover([x.crossover_grade_pct for x in runs],
                                  pd.concat([x.climb_bouts for x in runs], ignore_index=True))
            season.append(sx["grade_pct"])
            if sx["reason"]:
                season_reasons[sx["reason"]] += 1
        truth.append(100 * c)
        offsets.append(off)
        observed.append(hr.crossover_grade_pct)
        if hr.crossover_reason:
            reasons[hr.crossover_reason] += 1
        m, _ = crossover_from_models(hr.climb_bouts)
        model.append(None if m is None else 100 * m)
        print(f"runner {i:2d}: true {100 * c:5.1f} % (switch {100 * (c + off):5.1f} %) -> observed "
              f"{'-' if hr.crossover_grade_pct is None else f'{hr.crossover_grade_pct:5.1f}'} "
              f"{hr.crossover_ci_pct and tuple(round(x, 1) for x in hr.crossover_ci_pct) or hr.crossover_reason}"
              f"  model {'-' if m is None else f'{100 * m:5.1f}'}"
              + (f"  season {'-' if season[-1] is None else f'{season[-1]:5.1f}'}" if args.sessions > 1 else ""),
              flush=True)
    t = np.array(truth)
    print()
    print("| estimate | answered | within ±2.5 pts (all runners) | within ±2.5 pts (answered) | max error [pts] | Spearman (answered) |")
    print("|---|---|---|---|---|---|")
    print(_row("observed (reported)", t, observed))
    if args.sessions > 1:
        print(_row(f"season of {args.sessions} sessions, pooled", t, season))
    print(_row("models (old fallback)", t, model))
    off = np.array(offsets)
    for name, sel in (("switch at the crossover", off == 0), ("runs 4 pts past it", off > 0),
                      ("hikes 4 pts below it", off < 0)):
        idx = np.flatnonzero(sel)
        print(_row(f"observed, {name}", t[idx], [observed[i] for i in idx]))
    print()
    print("reasons when not answered: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    if args.sessions > 1:
        print("season, reasons when not answered: "
              + ", ".join(f"{k} {v}" for k, v in season_reasons.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
