"""Time GPX decoding: gpxpy.parse, and trailtech's read_gpx (lxml) and its gpxpy reference path.

A script, not a test. Interleaved rounds (each round times every reader once; trailtech's lxml
reader is timed 5 times inside a round); minimum and median over all timings. Wall clock by
default, ``--cpu`` for the CPU time of the process. The per-read page faults are printed.

    python benchmarks/gpx_bench.py                 # largest corpus GPX files + simulated 9 h ultra
    python benchmarks/gpx_bench.py --rounds 7 --cpu
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import REAL_DIR
from trailtech.io.gpx import read_gpx


def documents() -> list[tuple[str, bytes]]:
    out = []
    for name in ("sports-lib/strava.gpx", "sports-lib/sports-tracker.gpx"):
        path = REAL_DIR / name
        if path.is_file():
            out.append((name, path.read_bytes()))
    try:
        from trailtech.io.gpx_write import to_gpx
        from trailtech.simulate import simulate_ultra

        out.append(
            ("simulated ultra (9 h)", to_gpx(simulate_ultra(seed=0, hours=9).track))
        )
    except ImportError as exc:  # pragma: no cover - depends on the checkout
        print(f"simulated ultra skipped: {exc}")
    return out


def _readers(name: str, data: bytes) -> dict:
    """What to time: reader -> (function, repetitions inside a round)."""
    import gpxpy

    text = data.decode("utf-8")
    return {
        "gpxpy.parse": (lambda: gpxpy.parse(text), 1),
        "gpxpy": (lambda: read_gpx(data, name, engine="gpxpy"), 1),
        "lxml": (lambda: read_gpx(data, name), 5),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="CPU time of the process instead of wall clock",
    )
    args = ap.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    print(
        "| file | points | gpxpy.parse ms | read_gpx gpxpy ms | read_gpx lxml ms | "
        "lxml vs gpxpy.parse | median gpxpy.parse ms | median lxml ms | "
        "median lxml vs gpxpy.parse | lxml page faults/read |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, data in documents():
        readers = _readers(name, data)
        times: dict[str, list[float]] = {k: [] for k in readers}
        for _ in range(args.rounds):
            for key, (fn, reps) in readers.items():
                for _ in range(reps):
                    t0 = clock()
                    fn()
                    times[key].append(clock() - t0)
        ms = {k: min(v) * 1e3 for k, v in times.items()}
        med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        n = read_gpx(data, name).meta.n_records
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(5):
            read_gpx(data, name)
        faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5
        print(
            f"| {name} | {n} | {ms['gpxpy.parse']:.0f} | {ms['gpxpy']:.0f} | {ms['lxml']:.1f} | "
            f"x{ms['gpxpy.parse'] / ms['lxml']:.1f} | {med['gpxpy.parse']:.0f} | "
            f"{med['lxml']:.1f} | x{med['gpxpy.parse'] / med['lxml']:.1f} | {faults:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
