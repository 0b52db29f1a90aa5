"""Time repeated GPX reads in one process with and without :func:`trailtech.keep_freed_memory`.

A script, not a test. Each measurement is a fresh Python process that reads the simulated
9-hour ultra (written as GPX) ``--reads`` times with :func:`trailtech.load` and nothing else, as
a season worker or a notebook loop does; the processes with and without the setting run in
turn (A B A B ...). Prints the median time per read (first read left out) and the minor page
faults per read.

    python benchmarks/memory_bench.py
    python benchmarks/memory_bench.py --pairs 7 --reads 30
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

_CHILD = """
import json, resource, sys, time
from trailtech.memory import keep_freed_memory
kept = keep_freed_memory()  # a no-op under TRAILTECH_KEEP_FREED_MEMORY=0
from trailtech.io import load
data = open(sys.argv[1], "rb").read()
load(data)
times, faults = [], []
for _ in range(int(sys.argv[2])):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0 = time.perf_counter()
    load(data)
    times.append(time.perf_counter() - t0)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(json.dumps({"kept": kept, "times": times, "faults": faults}))
"""


def _run(path: str, reads: int, keep: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["TRAILTECH_KEEP_FREED_MEMORY"] = "1" if keep else "0"
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, path, str(reads)],
        capture_output=True, text=True, env=env, check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=5, help="processes of each kind, run in turn")
    ap.add_argument("--reads", type=int, default=20, help="reads per process after the first")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from trailtech.io.gpx_write import to_gpx
    from trailtech.simulate import simulate_ultra

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "ultra.gpx")
        Path(path).write_bytes(to_gpx(simulate_ultra(seed=0, hours=9.0).track))
        results: dict[bool, list[dict]] = {True: [], False: []}
        for _ in range(args.pairs):
            for keep in (True, False):
                results[keep].append(_run(path, args.reads, keep))
    print("| freed memory kept | median ms per read | median page faults per read |")
    print("|---|---:|---:|")
    for keep in (True, False):
        runs = results[keep]
        ms = statistics.median(t for r in runs for t in r["times"]) * 1e3
        faults = statistics.median(f for r in runs for f in r["faults"])
        label = "yes" if all(r["kept"] for r in runs) else "no (glibc defaults)"
        print(f"| {label} | {ms:.1f} | {faults:,.0f} |")


if __name__ == "__main__":
    main()
