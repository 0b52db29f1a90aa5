"""Does keeping freed memory (glibc ``mallopt``) pay in the long-lived workers? Paired processes.

A script, not a test. Two workloads, each timed in fresh processes with and without
``trailtech.memory.keep_freed_memory`` (``TRAILTECH_KEEP_FREED_MEMORY=1`` / ``0``; the pool's
workers inherit it), the two kinds run in turn (A B B A ...):

* ``uploads``: what one web worker does (``trailtech.web.jobs``): ``init_worker``, then
  ``answer(data, name, ("report", "json", "flags_gpx"))`` for each upload, ``--rounds`` times
  over the same uploads (the first round, which imports matplotlib, is left out). Uploads:
  the sample trail run (FIT), the sample hill repeats (GPX), a 5.7-hour real FIT and the
  simulated 9-hour ultra (GPX), when present.
* ``season``: ``trailtech.analyze_season(folder, jobs=2, cache=False)`` over the files of
  ``--season`` (e.g. the folder that ``benchmarks/season_bench.py --data`` generates), the
  whole call as a user waits for it.

Prints the median of each kind, the median of the paired differences and the minor page
faults.

    python benchmarks/memory_bench.py uploads --pairs 6
    python benchmarks/memory_bench.py season --season /tmp/season60 --pairs 4
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("TRAILTECH_REAL_TRACKS", ROOT.parent / "shared" / "tracks" / "real"))

_UPLOADS = """
import json, resource, sys, time
from trailtech.web import jobs
jobs.init_worker(None)
files = json.loads(sys.argv[1])
uploads = [(open(p, "rb").read(), p.rsplit("/", 1)[-1]) for p in files]
kinds = tuple(sys.argv[3].split(","))
rounds = []
for _ in range(int(sys.argv[2])):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0, c0 = time.perf_counter(), time.process_time()
    for data, name in uploads:
        status, _ = jobs.answer(data, name, kinds)
        assert status == "ok", (name, status)
    rounds.append((time.perf_counter() - t0, time.process_time() - c0,
                   resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0))
rounds = rounds[1:]
print(json.dumps({"seconds": [r[0] for r in rounds], "cpu": [r[1] for r in rounds],
                  "faults": [r[2] for r in rounds]}))
"""

_SEASON = """
import json, resource, sys, time
import trailtech
t0 = time.perf_counter()
season = trailtech.analyze_season([sys.argv[1]], jobs=2, cache=False, progress=False)
seconds = time.perf_counter() - t0
use = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
print(json.dumps({"seconds": [seconds], "cpu": [sum(u.ru_utime + u.ru_stime for u in use)],
                  "faults": [sum(u.ru_minflt for u in use)], "activities": len(season.activities)}))
"""


def _uploads(tmp: Path) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from trailtech.io.gpx_write import to_gpx
    from trailtech.simulate import simulate_ultra

    ultra = tmp / "ultra.gpx"
    ultra.write_bytes(to_gpx(simulate_ultra(seed=0, hours=9.0).track))
    files = [ROOT / "sample_tracks" / "trail_run.fit", ROOT / "sample_tracks" / "hill_repeats.gpx",
             REAL / "sports-lib" / "6914448270.fit", ultra]
    return [str(p) for p in files if p.exists()]


def _run(code: str, args: list[str], keep: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["TRAILTECH_KEEP_FREED_MEMORY"] = "1" if keep else "0"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=["uploads", "season"])
    ap.add_argument("--pairs", type=int, default=5, help="processes of each kind, run in turn")
    ap.add_argument("--rounds", type=int, default=6, help="uploads: rounds per process (first left out)")
    ap.add_argument("--kinds", default="report,json,flags_gpx",
                    help="uploads: the answers rendered per upload (the page asks for all three)")
    ap.add_argument("--season", type=Path, help="season: the folder of activity files")
    args = ap.parse_args()
    if args.workload == "season" and args.season is None:
        ap.error("season needs --season FOLDER")
    runs: dict[bool, list[dict]] = {True: [], False: []}
    with tempfile.TemporaryDirectory() as tmp:
        if args.workload == "uploads":
            files = _uploads(Path(tmp))
            code, cmd_args = _UPLOADS, [json.dumps(files), str(args.rounds), args.kinds]
            what = f"one round of {len(files)} uploads ({args.kinds} each)"
        else:
            code, cmd_args = _SEASON, [str(args.season)]
            what = f"the whole season of {args.season} (jobs=2, no cache)"
        for i in range(args.pairs):
            for keep in ((True, False) if i % 2 == 0 else (False, True)):
                runs[keep].append(_run(code, cmd_args, keep))
    wall = {k: [statistics.median(r["seconds"]) for r in v] for k, v in runs.items()}
    cpu = {k: [statistics.median(r["cpu"]) for r in v] for k, v in runs.items()}
    print(f"{what}: {args.pairs} processes of each kind, in turn")
    print("| freed memory kept | median wall s | min wall s | median CPU s | median minor page faults |")
    print("|---|---:|---:|---:|---:|")
    for keep in (True, False):
        faults = statistics.median(f for r in runs[keep] for f in r["faults"])
        label = "yes" if keep else "no (glibc defaults)"
        print(f"| {label} | {statistics.median(wall[keep]):.3f} | {min(wall[keep]):.3f} | "
              f"{statistics.median(cpu[keep]):.3f} | {faults:,.0f} |")
    for name, t in (("wall", wall), ("CPU", cpu)):
        diff = statistics.median(a - b for a, b in zip(t[True], t[False]))
        print(f"median of paired {name} differences (kept - default): {diff:+.3f} s "
              f"({100 * diff / statistics.median(t[False]):+.1f} %)")


if __name__ == "__main__":
    main()
