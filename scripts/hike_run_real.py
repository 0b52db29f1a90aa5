"""Issue 15 targets on the real trail runs of the corpus (``trail_run`` yes in its manifest).

For each trail run: how its gait was told (cadence or speed), its crossover (observed, with
its interval) or the reason there is none, and its hike/run flags. Then:

* the crossover target: among the runs where the runner hiked and ran overlapping climbing
  grades (an answer, or a reason that needs overlap: ``running_faster``, ``hiking_faster``,
  ``uncertain``), how many have an observed crossover, and how many a reason saying the
  crossover lies outside the grades seen (running or hiking faster at every shared grade);
* the flags target: flags that contradict the climbs table beside them (the check of
  ``tests/analysis/test_analysis_real.py``, counted here instead of asserted).

Usage::

    PYTHONPATH=$PWD python scripts/hike_run_real.py [--real /path/to/shared/tracks/real]
"""

from __future__ import annotations

import argparse
import csv
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from gait_corpus import default_real_dir

#: Reasons that mean the runner hiked and ran overlapping grades.
OVERLAP_REASONS = ("running_faster", "hiking_faster", "uncertain")


def _contradictions(a) -> int:
    """Flags of one analysis that contradict the climbs table (see the module)."""
    hr, climbs, n = a.hike_run, a.climbs, 0
    for kind, flags in (("ran_should_hike", hr.ran_should_hike), ("hiked_could_run", hr.hiked_could_run)):
        for f in flags.itertuples():
            mid = 0.5 * (f.start_m + f.end_m)
            on = climbs[(climbs["start_m"] <= mid) & (climbs["end_m"] >= mid)]
            if len(on) != 1:
                n += 1
                continue
            hv, rv = float(on["hike_vam_m_per_h"].iloc[0]), float(on["run_vam_m_per_h"].iloc[0])
            if np.isfinite(hv) and np.isfinite(rv):
                bad = rv > hv * a.config.marginal_hike_ratio if kind == "ran_should_hike" else hv >= rv
                n += int(bad)
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--real", type=Path, default=default_real_dir())
    args = ap.parse_args(argv)

    import trailtech

    with open(args.real / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["trail_run"] == "yes"]
    reasons, overlap, found, outside, flags, contradict, n = Counter(), 0, 0, 0, 0, 0, 0
    for r in rows:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a = trailtech.analyze(args.real / r["file"])
        except trailtech.TrailtechError:
            continue
        n += 1
        hr = a.hike_run
        cross = (f"{hr.crossover_grade_pct:5.1f} % ({hr.crossover_ci_pct[0]:.1f}-{hr.crossover_ci_pct[1]:.1f})"
                 if hr.crossover_grade_pct is not None else f"- {hr.crossover_reason}"
                 + ("" if hr.crossover_reason_grade_pct is None else f" ({hr.crossover_reason_grade_pct:.0f} %)"))
        k = len(hr.ran_should_hike) + len(hr.hiked_could_run)
        c = _contradictions(a)
        flags += k
        contradict += c
        reasons[hr.crossover_reason or "observed"] += 1
        if hr.crossover_grade_pct is not None or hr.crossover_reason in OVERLAP_REASONS:
            overlap += 1
            found += hr.crossover_grade_pct is not None
            outside += hr.crossover_reason in ("running_faster", "hiking_faster")
        print(f"{r['file'][:52]:52s} {hr.method:8s} hiking {hr.hike_time_s / 60:6.1f} min  crossover {cross}"
              f"  flags {k} (contradicting {c})")
    print(f"\n{n} trail runs: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    print(f"hiked and ran overlapping grades: {overlap}; crossover observed on {found}, "
          f"outside the grades seen (running/hiking faster at every shared grade) on {outside}, "
          f"other reasons {overlap - found - outside}")
    print(f"flags: {flags}, contradicting the climbs table: {contradict} (target 0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
