"""Damaged copies of real watch files: mutation, and one case's verdict.

Used by ``tests/test_mutated_corpus.py`` (a fixed, small batch in a child process) and by
``scripts/fuzz_corpus.py`` (long runs). A case takes one real file, damages it the way storage
and transfers do (flipped bits, a cut, a spliced-out or duplicated stretch, zeroed bytes) and
reads and analyses it. The only acceptable outcomes are an analysis or a
:class:`~trailtech.errors.TrailtechError` whose message is one line; anything else (another
exception, a crash of the process, gigabytes of memory, a case slower than a few seconds) is a
bug.

    python -m tests.mutation --real ../shared/tracks/real --seed 7 --cases 100
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
import traceback
import warnings
from pathlib import Path

#: The kinds of damage, chosen uniformly.
MUTATIONS = ("flip", "cut", "splice", "zero", "duplicate")
#: Corpus files larger than this are left out: a case should take well under a second.
MAX_BYTES = 3_000_000


def corpus_files(real_dir: Path) -> list[Path]:
    """Activity files of the corpus (FIT, GPX, TCX, gzip), in a fixed order."""
    suffixes = {".fit", ".gpx", ".tcx", ".gz"}
    return sorted(p for p in Path(real_dir).rglob("*")
                  if p.is_file() and p.suffix.lower() in suffixes and 0 < p.stat().st_size <= MAX_BYTES)


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One random kind of damage applied to ``data``; returns the damaged bytes and the kind."""
    out = bytearray(data)
    kind = rng.choice(MUTATIONS)
    n = len(out)
    if kind == "flip":
        for _ in range(rng.randint(1, 20)):
            i = rng.randrange(n)
            out[i] ^= 1 << rng.randrange(8)
    elif kind == "cut":
        del out[rng.randrange(n):]
    elif kind == "splice":
        i, j = sorted(rng.randrange(n) for _ in range(2))
        del out[i:j]
    elif kind == "zero":
        i = rng.randrange(n)
        k = min(rng.randint(1, 64), n - i)
        out[i:i + k] = bytes(k)
    else:
        i, j = sorted(rng.randrange(n) for _ in range(2))
        out[j:j] = out[i:min(j, i + 500)]
    return bytes(out), kind


def run_case(data: bytes, name: str) -> str:
    """Read and analyse one document: ``"ok"`` or the one-line error; other exceptions propagate."""
    import trailtech
    from trailtech.errors import TrailtechError

    try:
        trailtech.analyze(trailtech.load(data, source=name)).to_dict()
    except TrailtechError as exc:
        message = str(exc)
        if "\n" in message or not message:
            raise AssertionError(f"error message is not one line: {message!r}") from exc
        return message
    return "ok"


def run(real_dir: Path, *, seed: int, cases: int = 0, seconds: float = 0.0,
        slow_s: float = 10.0, keep: Path | None = None) -> dict:
    """Run ``cases`` cases (or as many as fit in ``seconds``) from ``seed``.

    Returns
    -------
    dict
        ``cases``, ``errors`` (cases refused with a one-line error), and lists ``crashes`` and
        ``slow`` of ``{"file", "kind", "case", ...}``; with ``keep``, each bad case's bytes
        are written there for replay.
    """
    files = corpus_files(real_dir)
    rng = random.Random(seed)
    report = {"seed": seed, "cases": 0, "errors": 0, "crashes": [], "slow": []}
    end = time.monotonic() + seconds
    while (report["cases"] < cases) if cases else (time.monotonic() < end):
        path = rng.choice(files)
        data, kind = mutate(path.read_bytes(), rng)
        report["cases"] += 1
        case = {"file": str(path.relative_to(real_dir)), "kind": kind, "case": report["cases"]}
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if run_case(data, path.name) != "ok":
                    report["errors"] += 1
        except BaseException as exc:  # noqa: BLE001 - every other outcome is the finding
            if isinstance(exc, KeyboardInterrupt):
                raise
            case["error"] = f"{type(exc).__name__}: {exc}"[:300]
            case["where"] = traceback.format_exc(limit=-3)[-1500:]
            report["crashes"].append(case)
        took = time.perf_counter() - t0
        if took > slow_s:
            report["slow"].append({**case, "seconds": round(took, 1)})
        if keep is not None and (case.get("error") or took > slow_s):
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"seed{seed}_case{case['case']}{path.suffix}").write_bytes(data)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Mutation fuzzing of load + analyze on the real corpus.")
    ap.add_argument("--real", type=Path, required=True, help="the corpus folder (shared/tracks/real)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=0, help="number of cases (default: run for --seconds)")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--slow", type=float, default=10.0, help="a case slower than this [s] is reported")
    ap.add_argument("--memory-gib", type=float, default=3.0,
                    help="address-space limit, so that a runaway allocation fails instead of swapping")
    ap.add_argument("--keep", type=Path, help="write each bad case's bytes into this folder")
    args = ap.parse_args(argv)
    limit = int(args.memory_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    report = run(args.real, seed=args.seed, cases=args.cases, seconds=args.seconds, slow_s=args.slow,
                 keep=args.keep)
    print(json.dumps(report, indent=1))
    return 1 if report["crashes"] or report["slow"] else 0


if __name__ == "__main__":
    sys.exit(main())
