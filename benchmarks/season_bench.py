"""Time ``trailtech season`` over a large simulated season, cold and warm.

Targets (trailtech issue 17, on a 2-core machine):

* ``--case sim``: 200 simulated activities of about 10,000 samples each, cold (nothing cached)
  at most 20 s, warm (everything cached) at most 1 s;
* ``--case real14``: 14 real files spanning 2010-2024 (and two FR70 files whose unset clock
  says 1990), copied from the real corpus into a temporary folder: warm at most 1 s and at
  least 5x faster than cold;
* ``--case real``: the whole real corpus (``--real DIR``) as one archive, cold at most 30 s
  with 2 jobs, warm at most 2 s.

The season is generated with trailtech's own simulator: ``--courses`` distinct routes
(``simulate_ultra(seed, hours=2.8)`` ≈ 10,000 one-second samples), each run many times by
runners of different speed with fresh GPS noise, dated over ~7 months, written as FIT files.
Generating takes a few minutes the first time; pass ``--data DIR`` to keep and reuse it.

Usage::

    python benchmarks/season_bench.py                    # 200 files in a temporary folder
    python benchmarks/season_bench.py --data /tmp/season200 --n 200 --jobs 2
    python benchmarks/season_bench.py --case real14 --jobs 2
    python benchmarks/season_bench.py --case real --real /work/shared/tracks/real --jobs 2
    python benchmarks/season_bench.py --case real14 --jobs 2 --reports   # + each activity's report

``--reports`` also draws each activity's own HTML report (``season --report``'s folder), to
measure what the per-activity reports cost cold and warm.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
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


#: The ``real14`` case: files of the real corpus (paths under ``--real``), 2010-2024, two FR70
#: files with their clock unset, five COROS trail runs of one athlete over 13 days.
REAL14 = [
    "coros-run-metrics/BoulderTrailRun20241122063002.fit", "coros-run-metrics/BoulderTrailRun20241124062708.fit",
    "coros-run-metrics/BoulderTrailRun20241126062604.fit", "coros-run-metrics/BoulderTrailRun20241205063840.fit",
    "coros-run-metrics/LakewoodTrailRun20241128074748.fit", "python-fitparse/2013-02-06-12-11-14.fit",
    "python-fitparse/activity-small-fenix2-run.fit", "python-fitparse/compressed-speed-distance.fit",
    "python-fitparse/antfs-dump.63.fit", "runpandas/run.fit", "runpandas/basic.tcx", "heartandsole/testdata.fit",
    "gpxpy/korita-zbevnica.gpx", "tormoder-fit/mornindew-broken.fit",
]
#: Targets [s]: case -> (cold, warm); the ``real14`` case also needs warm <= cold / 5.
TARGETS = {"sim": (20.0, 1.0), "real14": (None, 1.0), "real": (30.0, 2.0)}


def _copy_real14(real: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for rel in REAL14:
        shutil.copyfile(real / rel, dest / rel.replace("/", "_"))


def _warm_processes(data: Path, cache: Path, jobs: int, runs: int) -> list[float]:
    """Wall times [s] of ``runs`` whole ``python -m trailtech.cli season`` processes over a warm
    cache (the same interpreter and ``PYTHONPATH`` as this script: set it to time another checkout)."""
    import subprocess

    import trailtech

    # From the checkout of the trailtech this script imported: ``-m`` puts the working folder
    # first on the path, before PYTHONPATH.
    here = Path(trailtech.__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "trailtech.cli", "season", str(data), "--json", "--jobs", str(jobs),
           "--cache", str(cache)]
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=here)
        walls.append(time.perf_counter() - t0)
    return walls


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, help="folder for the generated season (kept)")
    ap.add_argument("--n", type=int, default=200, help="activities (default 200)")
    ap.add_argument("--courses", type=int, default=8, help="distinct routes (default 8)")
    ap.add_argument("--hours", type=float, default=2.8, help="length of each activity [h] (default 2.8)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--case", choices=sorted(TARGETS), default="sim",
                    help="sim: simulated season (default); real14: 14 real files; real: the whole --real folder")
    from trailtech.devdata import real_tracks_dir

    ap.add_argument("--real", type=Path, default=real_tracks_dir(Path(__file__).resolve().parents[1]),
                    help="the real corpus (cases real14 and real)")
    ap.add_argument("--reports", action="store_true", help="also write each activity's own report")
    ap.add_argument("--cli-runs", type=int, default=0, metavar="N",
                    help="also time N warm `trailtech season DIR --json` whole processes (interpreter "
                         "start and imports included) and print their median")
    args = ap.parse_args(argv)

    import trailtech

    tmp = None
    data = args.data
    if data is None:
        tmp = tempfile.mkdtemp(prefix="trailtech-season-bench-")
        data = Path(tmp) / "data"
    cache = Path(tempfile.mkdtemp(prefix="trailtech-season-cache-"))
    reports = {"activity_reports": cache.with_name(cache.name + "-reports")} if args.reports else {}
    try:
        if args.case == "sim":
            per_file = f"~{generate(data, args.n, args.courses, args.hours, args.jobs):,}"
        elif args.case == "real14":
            _copy_real14(args.real, data)
            per_file = "real"
        else:
            data, per_file = args.real, "real"
        t0 = time.perf_counter()
        cold = trailtech.analyze_season([data], jobs=args.jobs, cache=cache, progress=False, **reports)
        t_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        warm = trailtech.analyze_season([data], jobs=args.jobs, cache=cache, progress=False, **reports)
        t_warm = time.perf_counter() - t0
        assert warm.to_dict() == cold.to_dict(), "warm and cold runs differ"
        n_pass = int(cold.segments["n_passes"].sum()) if len(cold.segments) else 0
        print("| run | activities | samples/file | errors | segments (passes) | time [s] | target [s] |")
        print("|---|---|---|---|---|---|---|")
        cold_target, warm_target = TARGETS[args.case]
        label = " + reports" if args.reports else ""
        for name, t, target in (("cold", t_cold, cold_target), ("warm", t_warm, warm_target)):
            print(f"| {args.case} {name}{label} | {len(cold.activities)} | {per_file} | {len(cold.errors)} | "
                  f"{len(cold.segments)} ({n_pass}) | {t:.2f} | {'–' if target is None else target} |")
        if args.cli_runs > 0:
            walls = _warm_processes(data, cache, args.jobs, args.cli_runs)
            print(f"\nwarm `trailtech season --json` as a whole process, {len(walls)} runs: median "
                  f"{statistics.median(walls):.2f} s (min {min(walls):.2f}, max {max(walls):.2f})")
        ratio = t_cold / t_warm if t_warm > 0 else float("inf")
        print(f"\ncold/warm = {ratio:.1f}x; jobs={args.jobs}, cores={os.cpu_count()}, "
              f"load average {os.getloadavg()[0]:.1f}, trailtech {trailtech.__version__}")
        met = (cold_target is None or t_cold <= cold_target) and t_warm <= warm_target
        if args.case == "real14":
            met = met and ratio >= 5.0
        return 0 if met else 1
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if reports:
            shutil.rmtree(reports["activity_reports"], ignore_errors=True)
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
