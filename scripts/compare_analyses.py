"""Snapshot ``info --json`` and ``analyze --json`` on many files, and compare two snapshots.

A refactor must not change a number by accident. This script records, for every input, the
document ``trailtech info --json`` and ``trailtech analyze --json`` print (or the one-line error
they give), and compares two such snapshots with a numeric tolerance.

Inputs: every file under the real corpus (``../shared/tracks/real`` by default), every track in
``sample_tracks/``, and simulated runs written once into ``--sim-dir`` (kept between snapshots,
so that a change to the GPX writer does not change the inputs being compared)::

    python scripts/compare_analyses.py snapshot /tmp/before
    # ... change the code ...
    python scripts/compare_analyses.py snapshot /tmp/after
    python scripts/compare_analyses.py compare /tmp/before /tmp/after --tol 1e-9

``compare`` prints one line per difference (file, JSON path, before, after) and exits 1 when
there is any.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent


from trailtech.devdata import real_tracks_dir  # noqa: E402

DEFAULT_REAL = real_tracks_dir(ROOT)
DEFAULT_SIM = Path("/tmp/trailtech-compare-sim")
SKIP_SUFFIXES = {".md", ".csv", ".json"}


def _simulated_inputs(sim_dir: Path) -> list[Path]:
    """Write the simulated cases once; later snapshots reuse the same bytes."""
    sim_dir.mkdir(parents=True, exist_ok=True)
    cases = {
        "ultra_9h.gpx": lambda: _gpx(_sim("ultra", seed=0, hours=9.0)),
        "trail_gps_seed3.gpx": lambda: _gpx(_sim("trail", seed=3, elevation_noise="gps")),
        "trail_baro_seed4.fit": lambda: _fit(_sim("trail", seed=4)),
        "trail_nocad_seed5.fit": lambda: _fit(_sim("trail", seed=5, cadence=False)),
        "repeats_seed6.fit": lambda: _fit(_sim("repeats", seed=6)),
    }
    paths = []
    for name, make in cases.items():
        path = sim_dir / name
        if not path.exists():
            path.write_bytes(make())
        paths.append(path)
    return paths


def _sim(kind: str, **kw):
    from trailtech import simulate

    fn = {"ultra": simulate.simulate_ultra, "trail": simulate.simulate_trail_run,
          "repeats": simulate.simulate_hill_repeats}[kind]
    return fn(**kw).track


def _gpx(track) -> bytes:
    from trailtech.io.gpx_write import to_gpx

    return to_gpx(track)


def _fit(track) -> bytes:
    from trailtech.io.fit_write import to_fit

    return to_fit(track)


def inputs(real_dir: Path, sim_dir: Path) -> list[Path]:
    """Every input file, in a fixed order."""
    files: list[Path] = []
    if real_dir.is_dir():
        files += sorted(p for p in real_dir.rglob("*") if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES)
    # relative, so that the documents' file names do not depend on where the checkout is
    files += sorted(p.relative_to(ROOT) for p in (ROOT / "sample_tracks").iterdir() if p.suffix in {".fit", ".gpx"})
    files += _simulated_inputs(sim_dir)
    return files


def _one(path: str) -> dict:
    """The info and analyze documents of one file, or the error line each gives."""
    import warnings

    from trailtech.cli import main  # noqa: F401  (the same code path as the command)

    warnings.simplefilter("ignore")
    out: dict[str, Any] = {}
    out["info"] = _run(["info", path, "--json"])
    out["analyze"] = _run(["analyze", path, "--json"])
    return out


def _run(argv: list[str]) -> Any:
    """Run the command in process; the parsed JSON document, or the error text and exit code."""
    import contextlib
    import io

    from trailtech.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    if code == 0:
        return json.loads(stdout.getvalue())
    return {"exit": code, "stderr": stderr.getvalue().strip()}


def _key(path: Path) -> str:
    if path.parent == Path("sample_tracks"):
        return "sample_tracks/" + path.name
    try:
        return str(path.resolve().relative_to(DEFAULT_REAL.resolve().parent.parent))
    except ValueError:
        return "sim/" + path.name


def snapshot(out_dir: Path, real_dir: Path, sim_dir: Path, jobs: int) -> None:
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)
    files = inputs(real_dir, sim_dir)
    docs = {}
    with ProcessPoolExecutor(jobs) as pool:
        for path, doc in zip(files, pool.map(_one, [str(p) for p in files])):
            docs[_key(path)] = doc
            print(f"{_key(path)}: {'ok' if 'summary' in doc['analyze'] else doc['analyze']}", file=sys.stderr)
    (out_dir / "snapshot.json").write_text(json.dumps(docs, indent=1, sort_keys=True))
    print(f"{len(docs)} files -> {out_dir / 'snapshot.json'}")


def _walk(a: Any, b: Any, path: str, tol: float) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                yield f"{path}/{k}", a.get(k, "<absent>"), b.get(k, "<absent>")
            else:
                yield from _walk(a[k], b[k], f"{path}/{k}", tol)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            yield f"{path}[len]", len(a), len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _walk(x, y, f"{path}[{i}]", tol)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        if not math.isclose(a, b, rel_tol=tol, abs_tol=tol):
            yield path, a, b
    elif a != b:
        yield path, a, b


def compare(before: Path, after: Path, tol: float, ignore: list[str]) -> int:
    a = json.loads((before / "snapshot.json").read_text())
    b = json.loads((after / "snapshot.json").read_text())
    n = 0
    for path, x, y in _walk(a, b, "", tol):
        if any(part in path for part in ignore):
            continue
        n += 1
        print(f"{path}: {json.dumps(x)[:200]} -> {json.dumps(y)[:200]}")
    print(f"{n} differences over {len(set(a) | set(b))} files (tolerance {tol:g})")
    return 1 if n else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("out", type=Path)
    s.add_argument("--real", type=Path, default=DEFAULT_REAL)
    s.add_argument("--sim-dir", type=Path, default=DEFAULT_SIM)
    s.add_argument("--jobs", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--tol", type=float, default=1e-9)
    c.add_argument("--ignore", action="append", default=[], help="skip JSON paths containing this text")
    args = p.parse_args(argv)
    if args.cmd == "snapshot":
        snapshot(args.out, args.real, args.sim_dir, args.jobs)
        return 0
    return compare(args.before, args.after, args.tol, args.ignore)


if __name__ == "__main__":
    sys.exit(main())
