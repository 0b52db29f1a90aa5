"""Time the library's stages on simulated runs: simulation, preparation, analysis, report.

These figures used to be timing assertions inside the unit tests (a test must not fail because
the machine is busy); they are measured here instead, best of ``--runs``, in one process after
a warm-up run::

    python benchmarks/stage_timings.py --runs 5

Rows: ``simulate_trail_run`` (a 1.6-hour trail run at 1 Hz), ``prepare`` and ``analyze`` of a
3-hour simulated ultra, ``render_report`` of that analysis (HTML with its figures).
"""

from __future__ import annotations

import argparse
import time
import warnings


def _best_of(fn, runs: int) -> float:
    fn()  # warm-up: imports, caches
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")

    import trailtech
    from trailtech.config import AnalysisConfig
    from trailtech.prepare import prepare
    from trailtech.report.html import render_report
    from trailtech.simulate import simulate_trail_run, simulate_ultra

    track = simulate_ultra(seed=0, hours=3.0).track
    analysis = trailtech.analyze(track)
    rows = [
        ("simulate_trail_run(seed=0)", lambda: simulate_trail_run(seed=0)),
        ("prepare, 3-hour ultra", lambda: prepare(track, AnalysisConfig())),
        ("analyze, 3-hour ultra", lambda: trailtech.analyze(track)),
        ("render_report, 3-hour ultra", lambda: render_report(analysis)),
    ]
    print(f"| stage | best of {args.runs} [s] |\n|---|---|")
    for label, fn in rows:
        print(f"| {label} | {_best_of(fn, args.runs):.3f} |")


if __name__ == "__main__":
    main()
