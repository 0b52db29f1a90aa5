"""What the local-time lookup costs: the time zone of the first position (tzfpy + zoneinfo).

Usage::

    python benchmarks/localtime_cost.py                       # the lookup alone, fresh processes
    python benchmarks/localtime_cost.py --before /path/to/old  # plus whole analyze --json, paired

Two measurements:

* **the lookup alone**: a fresh interpreter with pandas and trailtech imported times its first
  :func:`trailtech.localtime.offset_at` (importing tzfpy, building its finder, loading the zone
  from the IANA database), CPU and wall, median of ``--runs``;
* **whole process, paired** (with ``--before``): ``python -m trailtech analyze --json FILE`` of
  this checkout and of an older checkout without the lookup, run alternately (order swapped
  every run), child CPU (user + sys) and wall, median of ``--runs`` and the median paired
  difference.

Prints a markdown table and a machine line. A script, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILES = [ROOT / "sample_tracks" / "trail_run.gpx", ROOT / "sample_tracks" / "trail_run.fit"]

_LOOKUP = """
import time, pandas as pd, trailtech
from trailtech.localtime import offset_at
c, w = time.process_time(), time.perf_counter()
offset_at(40.015, -105.27, pd.Timestamp("2024-11-24T13:27:08Z"))
print(time.process_time() - c, time.perf_counter() - w)
"""


def _child(cmd: list[str], checkout: Path) -> tuple[float, float]:
    """CPU (user + sys of the child) and wall time of one process [s]."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=checkout, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def lookup_alone(runs: int) -> tuple[float, float]:
    """Median CPU and wall of the first lookup in a fresh process [s]."""
    cpu, wall = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _LOOKUP], cwd=ROOT, check=True, capture_output=True,
                             text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        c, w = (float(x) for x in out.stdout.split())
        cpu.append(c)
        wall.append(w)
    return statistics.median(cpu), statistics.median(wall)


def paired(file: Path, before: Path, runs: int) -> dict[str, float]:
    """Whole ``analyze --json`` processes of this checkout and ``before``, alternately."""
    cmd = [sys.executable, "-m", "trailtech", "analyze", "--json", str(file.resolve())]
    new, old = [], []
    for i in range(runs):
        order = [(ROOT, new), (before, old)] if i % 2 == 0 else [(before, old), (ROOT, new)]
        for checkout, sink in order:
            sink.append(_child(cmd, checkout))
    med = statistics.median
    return {"cpu_new": med(c for c, _ in new), "cpu_old": med(c for c, _ in old),
            "wall_new": med(w for _, w in new), "wall_old": med(w for _, w in old),
            "cpu_diff": med(a[0] - b[0] for a, b in zip(new, old)),
            "wall_diff": med(a[1] - b[1] for a, b in zip(new, old))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--before", type=Path, help="a checkout without the lookup, for the paired rows")
    args = ap.parse_args(argv)
    cpu, wall = lookup_alone(args.runs)
    print(f"first lookup in a fresh process (median of {args.runs}): {cpu * 1000:.0f} ms CPU, "
          f"{wall * 1000:.0f} ms wall\n")
    if args.before:
        print("| file | analyze --json CPU before → after [s] | paired CPU diff [s] "
              "| wall before → after [s] | paired wall diff [s] |")
        print("|---|---|---|---|---|")
        for f in args.files:
            r = paired(f, args.before, args.runs)
            print(f"| {f.name} | {r['cpu_old']:.2f} → {r['cpu_new']:.2f} | {r['cpu_diff']:+.3f} "
                  f"| {r['wall_old']:.2f} → {r['wall_new']:.2f} | {r['wall_diff']:+.3f} |")
    print(f"\n{platform.machine()}, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, Python {platform.python_version()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
