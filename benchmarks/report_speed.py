#!/usr/bin/env python
"""Time the whole ``trailtech report`` process against ``trailtech analyze --json`` on one file,
in pairs (report, json, report, json ...), so both see the same machine load.

Usage::

    python benchmarks/report_speed.py                      # the 2 h COROS run of the corpus, 7 pairs
    python benchmarks/report_speed.py run.fit --pairs 11
    python benchmarks/report_speed.py --baseline /tmp/old  # also an older checkout's report, in turn

Prints the median wall-clock and CPU time of each, the median per-pair difference (what the
report adds), the median per-pair ratio report / analyze --json, and the issue-18 target
(report at most 2.0 s on a 2-hour 1 Hz run). With ``--baseline DIR`` (a checkout of another
commit, e.g. ``git archive COMMIT | tar -x -C DIR``) each round also times that checkout's
report, so before and after see the same load. Without the corpus file it times a simulated
2-hour run written as GPX. The checkout timed is the one this script sits in.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from trailtech.devdata import real_tracks_dir  # noqa: E402

#: The corpus (:func:`trailtech.devdata.real_tracks_dir`).
REAL = real_tracks_dir(ROOT)
DEFAULT = REAL / "coros-run-metrics" / "BoulderTrailRun20241124062708.fit"  # 2:07 h at 1 Hz
TARGET_S = 2.0


def _run(args: list[str], checkout: Path = ROOT) -> tuple[float, float]:
    """Wall clock and CPU time (user + system) of one process [s] of ``checkout``'s trailtech."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    # Run from the checkout: ``python -m`` puts the working folder first on sys.path.
    subprocess.run([sys.executable, "-m", "trailtech", *args], check=True, env=env, cwd=checkout,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _simulated(folder: Path) -> Path:
    from trailtech.io.gpx_write import to_gpx
    from trailtech.simulate import simulate_ultra

    path = folder / "simulated-2h.gpx"
    path.write_bytes(to_gpx(simulate_ultra(hours=2).track))
    return path


def _line(what: str, times: list[float], json_: list[float]) -> str:
    ratio = [t / j for t, j in zip(times, json_)]
    return (f"  {what:22s} median {statistics.median(times):.2f} s (min {min(times):.2f}); "
            f"minus json {statistics.median([t - j for t, j in zip(times, json_)]):.2f} s; "
            f"ratio to json {statistics.median(ratio):.2f}")


#: One report's stages, timed in one process [CPU s] (``--stages``).
_STAGES = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
T = time.process_time
t0 = T()
from trailtech.io import load
from trailtech.pipeline import analyze
analysis = analyze(load(sys.argv[1]))
t1 = T()
import matplotlib.figure, matplotlib.backends.backend_svg
t2 = T()
from trailtech.report import htmlkit, plots
for k, (name, draw, _c) in enumerate(plots.FIGURES):
    ax = draw(analysis)
    htmlkit.figure_svg(ax.figure, prefix=f"f{k}")
t3 = T()
from trailtech.report.html import render_report
render_report(analysis)
t4 = T()
print(f"  import, read, analyse {t1 - t0:.2f} s; import matplotlib {t2 - t1:.2f} s; "
      f"six figures {t3 - t2:.2f} s; a second whole render_report {t4 - t3:.2f} s")
"""


def _stages(path: Path, checkout: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run([sys.executable, "-c", _STAGES, str(path)], env=env, cwd=checkout,
                         capture_output=True, text=True, check=True)
    return f"stages ({checkout}):\n{out.stdout.rstrip()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", nargs="?", type=Path, default=None)
    ap.add_argument("--pairs", type=int, default=7, help="rounds (default 7)")
    ap.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                    help="another checkout whose report is timed in the same rounds")
    ap.add_argument("--stages", action="store_true",
                    help="also time a report's stages in one process (CPU), once per checkout")
    args = ap.parse_args(argv)
    checkouts = [ROOT] + ([args.baseline.resolve()] if args.baseline else [])
    for c in checkouts:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(c / "trailtech")], check=False)
    with tempfile.TemporaryDirectory(prefix="tt-report-speed-") as tmp:
        folder = Path(tmp)
        path = (args.file or (DEFAULT if DEFAULT.is_file() else _simulated(folder))).resolve()
        out = folder / "report.html"
        for c in checkouts:  # warm the file cache and font cache
            _run(["report", str(path), "-o", str(out)], c)
        report: list[list[tuple[float, float]]] = [[] for _ in checkouts]
        json_ = []
        for _ in range(args.pairs):
            for k, c in enumerate(checkouts):
                report[k].append(_run(["report", str(path), "-o", str(out)], c))
            json_.append(_run(["analyze", "--json", str(path)]))
        stages = [_stages(path, c) for c in checkouts] if args.stages else []
    print(f"file: {path.name}  rounds: {args.pairs}  cores: {os.cpu_count()}  "
          f"load: {os.getloadavg()[0]:.1f}")
    for text in stages:
        print(text)

    for k, what in ((1, "CPU (user+sys)"), (0, "wall")):
        js = [j[k] for j in json_]
        print(f"{what}: analyze --json median {statistics.median(js):.2f} s (min {min(js):.2f})")
        print(_line("report (this checkout)", [r[k] for r in report[0]], js))
        if args.baseline:
            print(_line("report (baseline)", [r[k] for r in report[1]], js))
    # On a busy machine the wall clock waits for other jobs; the CPU time is what an idle
    # machine would need (the process is single-threaded).
    med = statistics.median(r[0] for r in report[0])
    cpu = statistics.median(r[1] for r in report[0])
    print(f"target report <= {TARGET_S:.1f} s: wall {'met' if med <= TARGET_S else 'NOT met'}, "
          f"CPU {'met' if cpu <= TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
