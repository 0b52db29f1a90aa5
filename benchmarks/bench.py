"""Time trailtech's readers against fitparse, fitdecode, garmin-fit-sdk and gpxpy.

Usage::

    python benchmarks/bench.py                 # corpus in ../shared/tracks/real (or $TRAILTECH_REAL_TRACKS)
    python benchmarks/bench.py --runs 7 --files 3
    python benchmarks/bench.py --gpx-only --runs 11   # the GPX rows alone

Prints a markdown table (median wall time over ``--runs`` runs, records per second) and a
machine description line. Rows whose pieces are not available (trailtech.analyze, the CLI,
trailtech.simulate) are skipped with a note. A script, not a test.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parents[1]
from trailtech.devdata import real_tracks_dir  # noqa: E402

REAL_DIR = real_tracks_dir(ROOT)


def machine() -> str:
    cpu = platform.processor() or "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()} ({platform.system()})"


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


# --------------------------------------------------------------------------- decoders
def fitparse_decode(data: bytes) -> int:
    import fitparse

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ff = fitparse.FitFile(io.BytesIO(data), check_crc=False)
        n = 0
        try:
            for m in ff.get_messages("record"):
                n += 1
        except Exception:  # fitparse 2.7 misreads the CRC when check_crc=False
            pass
    return n


def fitdecode_decode(data: bytes) -> int:
    import fitdecode

    n = 0
    with fitdecode.FitReader(
        io.BytesIO(data),
        check_crc=fitdecode.CrcCheck.DISABLED,
        error_handling=fitdecode.ErrorHandling.IGNORE,
    ) as fr:
        for frame in fr:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "record":
                n += 1
    return n


def garmin_sdk_decode(data: bytes) -> int:
    from garmin_fit_sdk import Decoder, Stream

    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, _ = decoder.read()
    return len(messages.get("record_mesgs", []))


def trailtech_decode(data: bytes, name: str) -> int:
    from trailtech.io.fit import read_fit

    return len(read_fit(data, name).samples)


def available_analyze() -> Optional[Callable]:
    try:
        from trailtech import analyze  # type: ignore[attr-defined]
    except Exception:
        return None
    return analyze


def cli_available() -> bool:
    try:
        import trailtech.cli  # noqa: F401
    except Exception:
        return False
    return True


def run_process(cmd: list[str]) -> tuple[float, Optional[float]]:
    """Run ``cmd`` once: its wall time [s] and peak resident memory [MiB].

    The peak comes from GNU time (``/usr/bin/time -f %M``) when it is installed (``None``
    otherwise): a forked child's own rusage would still count the parent's memory.
    """
    gnu_time = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    full = [gnu_time, "-f", "%M", *cmd] if gnu_time else cmd
    t0 = time.perf_counter()
    proc = subprocess.run(full, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} exited {proc.returncode}: {proc.stderr[-300:]}")
    rss = None
    if gnu_time:
        last = proc.stderr.strip().splitlines()[-1:] or [""]
        rss = float(last[0]) / 1024.0 if last[0].isdigit() else None
    return wall, rss


def whole_process_rows(fits: list[dict], runs: int, notes: list[str]) -> None:
    """trailtech analyze --json as a whole process against fitparse and gpxpy parsing only."""
    import tempfile

    py = sys.executable
    cases = []
    if fits:
        # the reference file: the ~24,000-record FIT
        big = min(fits, key=lambda r: abs(int(r["n_records"]) - 24000))
        fit_path = str(REAL_DIR / big["file"])
        cases.append((f"{big['file']} ({big['n_records']} records)", [
            ("fitparse: parse only", [py, "-c", "import fitparse,sys; fitparse.FitFile(sys.argv[1]).parse()", fit_path]),
            ("trailtech analyze --json", [py, "-m", "trailtech", "analyze", fit_path, "--json"]),
        ]))
    tmp = None
    try:
        from trailtech.io.gpx_write import to_gpx
        from trailtech.simulate import simulate_ultra

        tmp = tempfile.NamedTemporaryFile(suffix=".gpx", delete=False)
        tmp.write(to_gpx(simulate_ultra(seed=0, hours=9.0).track))
        tmp.close()
        cases.append(("simulated 9-hour ultra GPX", [
            ("gpxpy: parse only", [py, "-c", "import gpxpy,sys; gpxpy.parse(open(sys.argv[1], encoding='utf-8'))", tmp.name]),
            ("trailtech analyze --json", [py, "-m", "trailtech", "analyze", tmp.name, "--json"]),
        ]))
    except Exception as exc:
        notes.append(f"whole-process GPX row skipped ({type(exc).__name__}: {exc}).")
    # A regular install compiles the package to bytecode; an editable checkout run with
    # PYTHONDONTWRITEBYTECODE would compile it again on every start (the parsers' own packages
    # are compiled at their install): compile it once, as a user's machine has it.
    subprocess.run([py, "-m", "compileall", "-q", str(ROOT / "trailtech")], check=False)
    print("\nWhole processes (interpreter start and imports included; bytecode compiled), "
          "run in turn with the parser (A B A B ...), medians over runs:\n")
    print("| input | command | median wall s | peak RSS MiB | ratio to the parser (median of pairs) |")
    print("|---|---|---:|---:|---:|")
    try:
        for label, cmds in cases:
            (base_name, base_cmd), (name, cmd) = cmds
            pairs = [(run_process(base_cmd), run_process(cmd)) for _ in range(max(1, runs))]
            for which, key in ((base_name, 0), (name, 1)):
                wall = statistics.median(p[key][0] for p in pairs)
                peaks = [p[key][1] for p in pairs if p[key][1] is not None]
                rss = f"{max(peaks):.0f}" if peaks else "–"
                ratio = statistics.median(p[key][0] / p[0][0] for p in pairs)
                print(f"| {label} | {which} | {wall:.3f} | {rss} | {ratio:.2f} |")
    finally:
        if tmp is not None:
            os.unlink(tmp.name)


def gpx_cases(rows: list[dict], notes: list[str]) -> list[tuple[str, int, Callable, Callable]]:
    """The largest real GPX file and a simulated 9-hour ultra: (label, points, gpxpy, trailtech)."""
    import gpxpy

    from trailtech.io import load

    cases = []
    gpxs = sorted(
        (r for r in rows if r["format"] == "GPX" and not r["container"]), key=lambda r: -int(r["size_bytes"])
    )[:1]
    for r in gpxs:
        path = REAL_DIR / r["file"]
        text = path.read_text(encoding="utf-8", errors="replace")
        cases.append((r["file"], int(r["n_records"] or 0), lambda t=text: gpxpy.parse(t), lambda p=path: load(p)))
    try:
        from trailtech.io.gpx_write import to_gpx
        from trailtech.simulate import simulate_ultra

        run = simulate_ultra(seed=0, hours=9.0)
        blob = to_gpx(run.track)
        cases.append((
            f"simulated ultra GPX ({len(blob) / 2**20:.1f} MiB)",
            len(run.track.samples),
            lambda: gpxpy.parse(blob.decode("utf-8")),
            lambda: load(blob),
        ))
    except Exception as exc:
        notes.append(f"long simulated GPX row skipped ({type(exc).__name__}: {exc}).")
    return cases


def interleaved_medians(base: Callable[[], object], fn: Callable[[], object], runs: int, reps: int = 5) -> tuple[float, float]:
    """Median times [s] of ``base`` (once per round) and ``fn`` (``reps`` times per round)."""
    base_times, times = [], []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        base()
        base_times.append(time.perf_counter() - t0)
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(base_times), statistics.median(times)


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--files", type=int, default=3, help="how many of the largest FIT files")
    ap.add_argument("--gpx-only", action="store_true", help="only the GPX rows (in process and whole processes)")
    args = ap.parse_args(argv)
    # the analysis reports data-quality notes as warnings; they are not what is measured here
    warnings.simplefilter("ignore")
    if not (REAL_DIR / "manifest.csv").is_file():
        print(f"corpus not found at {REAL_DIR}", file=sys.stderr)
        return 1
    rows = list(csv.DictReader(open(REAL_DIR / "manifest.csv", newline="", encoding="utf-8")))
    fits = sorted(
        (r for r in rows if r["format"] == "FIT" and not r["container"] and int(r["n_records"] or 0) > 0),
        key=lambda r: -int(r["n_records"]),
    )[: 0 if args.gpx_only else args.files]
    notes: list[str] = []
    analyze = available_analyze()
    if analyze is None:
        notes.append("trailtech.analyze not available yet: full-analysis rows skipped.")
    has_cli = cli_available()
    if not has_cli:
        notes.append("trailtech CLI not available yet: whole-process rows skipped.")

    print(f"Machine: {machine()}")
    print("| file | records | tool | median s | records/s |")
    print("|---|---:|---|---:|---:|")
    for r in fits:
        name = r["file"]
        data = (REAL_DIR / name).read_bytes()
        n = int(r["n_records"])
        tools: list[tuple[str, Callable[[], object]]] = [
            ("fitparse 2.7 (records only)", lambda: fitparse_decode(data)),
            ("fitdecode", lambda: fitdecode_decode(data)),
            ("garmin-fit-sdk", lambda: garmin_sdk_decode(data)),
            ("trailtech read_fit (decode)", lambda: trailtech_decode(data, name)),
        ]
        if analyze is not None:
            tools.append(("trailtech.analyze (in process)", lambda: analyze(REAL_DIR / name)))
        if has_cli:
            cmd = [sys.executable, "-m", "trailtech", "analyze", str(REAL_DIR / name), "--json"]
            tools.append(
                ("trailtech analyze --json (process)", lambda: subprocess.run(cmd, capture_output=True, check=True))
            )
        for label, fn in tools:
            slow = label.startswith(("fitparse", "fitdecode", "garmin"))
            try:
                t = median_time(fn, max(1, args.runs // 2) if slow else args.runs)
            except Exception as exc:  # a competitor failing on a file is a result too
                print(f"| {name} | {n} | {label} | failed: {type(exc).__name__} | |")
                continue
            print(f"| {name} | {n} | {label} | {t:.3f} | {n / t:,.0f} |")

    # GPX: gpxpy and trailtech in turn (one gpxpy run, then five trailtech runs, per round),
    # so that the machine's drift over the minutes this takes hits both alike
    for label, n, base_fn, fn in gpx_cases(rows, notes):
        try:
            base_t, t = interleaved_medians(base_fn, fn, args.runs)
        except Exception as exc:
            print(f"| {label} | {n} | gpxpy / trailtech.load | failed: {type(exc).__name__} | |")
            continue
        print(f"| {label} | {n} | gpxpy | {base_t:.3f} | {n / base_t:,.0f} |")
        print(f"| {label} | {n} | trailtech.load | {t:.3f} | {n / t:,.0f} |")

    # whole processes: interpreter start and imports included, as a user meets them
    if has_cli:
        whole_process_rows(fits, args.runs, notes)

    if not fits:
        for note in notes:
            print(f"\n_{note}_")
        return 0
    # memory on the largest FIT file
    big = fits[0]
    data = (REAL_DIR / big["file"]).read_bytes()
    print(f"\nPeak Python memory on {big['file']} ({len(data) / 2**20:.1f} MiB, tracemalloc):\n")
    print("| tool | peak MiB |")
    print("|---|---:|")
    for label, fn in [
        ("fitparse", lambda: fitparse_decode(data)),
        ("fitdecode", lambda: fitdecode_decode(data)),
        ("garmin-fit-sdk", lambda: garmin_sdk_decode(data)),
        ("trailtech read_fit", lambda: trailtech_decode(data, big["file"])),
    ]:
        try:
            print(f"| {label} | {peak_mib(fn):.1f} |")
        except Exception as exc:
            print(f"| {label} | failed: {type(exc).__name__} |")
    for note in notes:
        print(f"\n_{note}_")
    return 0


if __name__ == "__main__":
    sys.exit(main())
