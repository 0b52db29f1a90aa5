"""Time ``trailtech season`` over a large simulated season, cold and warm.

Target (trailtech issue 7): 200 activities of about 10,000 samples each in at most 60 s cold
(nothing cached) and at most 5 s warm (everything cached) on a 2-core machine.

The season is generated with trailtech's own simulator: ``--courses`` distinct routes
(``simulate_ultra(seed, hours=2.8)`` ≈ 10,000 one-second samples), each run many times by
runners of different speed with fresh GPS noise, dated over ~7 months, written as FIT files.
Generating takes a few minutes the first time; pass ``--data DIR`` to keep and reuse it.

Usage::

    python benchmarks/season_bench.py                    # 200 files in a temporary folder
    python benchmarks/season_bench.py --data /tmp/season200 --n 200 --jobs 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _make_one(args: tuple[int, int, str, float]) -> int:
    """Write activity ``i`` (route ``course``) as FIT; returns its sample count."""
    import warnings

    import numpy as np
    import pandas as pd

    from trailtech.errors import DataQualityWarning
    from trailtech.io.fit_write import to_fit
    from trailtech.simulate import Runner, simulate_ultra

    warnings.simplefilter("ignore", DataQualityWarning)
    i, course, out, hours = args
    rng = np.random.default_rng(1000 + i)
    # Same route (seed), another day: a different runner speed moves every sample in time;
    # position noise of another size gives a different GPS trace.
    runner = Runner(flat_speed_mps=float(rng.uniform(2.6, 3.4)))
    run = simulate_ultra(course, hours=hours, runner=runner, position_noise_m=float(rng.uniform(2.0, 5.0)))
    tr = run.track
    tr.samples["time"] = tr.samples["time"] + pd.Timedelta(days=int(i * 210 / 200), hours=int(rng.integers(0, 10)))
    Path(out).write_bytes(to_fit(tr))
    return len(tr.samples)


def generate(folder: Path, n: int, courses: int, hours: float, jobs: int) -> int:
    """Create the season files that are missing; returns the total sample count."""
    folder.mkdir(parents=True, exist_ok=True)
    todo = []
    for i in range(n):
        p = folder / f"{i // 50:02d}" / f"activity_{i:03d}.fit"
        p.parent.mkdir(exist_ok=True)
        if not p.exists():
            todo.append((i, i % courses, str(p), hours))
    if todo:
        t0 = time.perf_counter()
        with ProcessPoolExecutor(jobs) as ex:
            list(ex.map(_make_one, todo, chunksize=4))
        print(f"generated {len(todo)} files in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    import trailtech

    sample = trailtech.load(next(folder.rglob("*.fit")))
    return len(sample.samples)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="folder for the generated season (kept)")
    ap.add_argument("--n", type=int, default=200, help="activities (default 200)")
    ap.add_argument("--courses", type=int, default=8, help="distinct routes (default 8)")
    ap.add_argument("--hours", type=float, default=2.8, help="length of each activity [h] (default 2.8)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    args = ap.parse_args(argv)

    import trailtech

    tmp = None
    data = args.data
    if data is None:
        tmp = tempfile.mkdtemp(prefix="trailtech-season-bench-")
        data = Path(tmp) / "data"
    cache = Path(tempfile.mkdtemp(prefix="trailtech-season-cache-"))
    try:
        per_file = generate(data, args.n, args.courses, args.hours, args.jobs)
        t0 = time.perf_counter()
        cold = trailtech.analyze_season([data], jobs=args.jobs, cache=cache, progress=False)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = trailtech.analyze_season([data], jobs=args.jobs, cache=cache, progress=False)
        t_warm = time.perf_counter() - t0
        assert warm.to_dict() == cold.to_dict(), "warm and cold runs differ"
        n_pass = int(cold.segments["n_passes"].sum()) if len(cold.segments) else 0
        print("| run | activities | samples/file | errors | segments (passes) | time [s] | target [s] |")
        print("|---|---|---|---|---|---|---|")
        for name, t, target in (("cold", t_cold, 60), ("warm", t_warm, 5)):
            print(f"| {name} | {len(cold.activities)} | ~{per_file:,} | {len(cold.errors)} | "
                  f"{len(cold.segments)} ({n_pass}) | {t:.1f} | {target} |")
        print(f"\njobs={args.jobs}, cores={os.cpu_count()}, trailtech {trailtech.__version__}")
        return 0 if (t_cold <= 60 and t_warm <= 5) else 1
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
