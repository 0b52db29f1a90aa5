"""Damaged copies of real watch files: mutation, and one case's verdict.

Used by ``tests/test_mutated_corpus.py`` (fixed, small batches in a child process), by the
atheris FIT harness (``fuzz/``, as its custom mutator) and for long runs from the command line.
A case takes one real file, damages it and reads and analyses it. Two kinds of damage:

* byte level (default), the way storage and transfers damage files: flipped bits, a cut, a
  spliced-out or duplicated stretch, zeroed bytes;
* structure-aware for FIT (``--structure``): the file is split into its messages
  (:func:`tests.fitbytes.frame`) and a field value, a field's size, base type or number, a
  message's global number or byte order, its header (compressed timestamp), developer fields
  or whole runs of messages are changed; the sizes, ``data_size`` and CRCs are then rewritten
  so the framing stays valid and the damage reaches the decoder's later stages.

The only acceptable outcomes are an analysis or a :class:`~trailtech.errors.TrailtechError`
whose message is one line; anything else (another exception, a crash of the process, more
than ``--max-rss-mib`` of memory, a case slower than ``--slow`` seconds) is a bug.

    python -m tests.mutation --real ../shared/tracks/real --seed 7 --cases 100
    python -m tests.mutation --real ../shared/tracks/real --structure --seed 1 --cases 5000 --slow 20
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

from tests import fitbytes as fb

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


#: The kinds of structure-aware FIT damage, chosen uniformly.
FIT_MUTATIONS = ("value", "invalid", "field_size", "base_type", "field_num", "global_num", "endian",
                 "header", "developer", "add_field", "duplicate", "delete", "repeat", "unfinalised",
                 "chain")
#: Field numbers worth aiming at: timestamp, position, altitude, heart rate, cadence, distance,
#: speed, power, compressed_speed_distance, temperature, fractional cadence, enhanced speed and
#: altitude; in other messages: event, event type, sport, start time, totals.
_FIELD_NUMS = (253, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 22, 23, 53, 73, 78)
#: file_id, session, lap, record, event, sport, device_info, activity
_GLOBAL_NUMS = (0, 18, 19, 20, 21, 12, 23, 34)
_BASE_TYPES = (0x00, 0x01, 0x02, 0x07, 0x0A, 0x0B, 0x0C, 0x0D, 0x83, 0x84, 0x85, 0x86, 0x88, 0x89,
               0x8B, 0x8C, 0x8E, 0x8F, 0x90)


def _fill(rng: random.Random, n: int) -> bytes:
    """Bytes that decoders treat specially: invalid sentinels, zeros, extremes, or noise."""
    pattern = rng.choice((b"\xff", b"\x00", b"\x7f", b"\x80", None))
    return bytes(rng.getrandbits(8) for _ in range(n)) if pattern is None else pattern * n


def _layout(m: fb.Message) -> tuple[int, bool, list[list[int]], list[list[int]] | None]:
    gnum, big, fields, dev = fb.definition_layout(m)
    return gnum, big, [list(f) for f in fields], ([list(f) for f in dev] if m.header & 0x20 else None)


def _set_layout(m: fb.Message, gnum: int, big: bool, fields: list, dev: list | None) -> None:
    m.body = fb.layout_bytes(gnum, big, [tuple(f) for f in fields], None if dev is None else [tuple(f) for f in dev])
    m.header = (m.header | 0x20) if dev is not None else (m.header & ~0x20)


def _resize(framed: fb.Framed, idx: int, start: int, old: int, new: bytes) -> None:
    """In every data message of definition ``idx``, replace ``old`` bytes at ``start`` by ``new``."""
    for m in framed.messages:
        if m.definition == idx:
            m.body = m.body[:start] + new + m.body[start + old:]


def _fit_step(framed: fb.Framed, kind: str, rng: random.Random) -> bool:
    """Apply one structure-aware mutation in place; False when it does not apply to the file."""
    msgs = framed.messages
    defs = [i for i, m in enumerate(msgs) if m.is_definition]
    datas = [i for i, m in enumerate(msgs) if not m.is_definition and m.body]
    if kind in ("value", "invalid"):
        if not datas:
            return False
        m = msgs[rng.choice(datas)]
        _, _, fields, _ = _layout(msgs[m.definition])
        off, spans = 0, []
        for f in fields:
            spans.append((off, f[1]))
            off += f[1]
        spans = [s for s in spans if s[1] and s[0] + s[1] <= len(m.body)] or [(0, len(m.body))]
        at, size = rng.choice(spans)
        new = b"\xff" * size if kind == "invalid" else _fill(rng, size)
        m.body = m.body[:at] + new + m.body[at + size:]
        return True
    if not defs:
        return False
    idx = rng.choice(defs)
    d = msgs[idx]
    gnum, big, fields, dev = _layout(d)
    if kind in ("field_size", "base_type", "field_num") and not fields:
        return False
    if kind == "field_size":
        j = rng.randrange(len(fields))
        start = sum(f[1] for f in fields[:j])
        old = fields[j][1]
        fields[j][1] = rng.choice((0, 1, 2, 3, 4, 8, rng.randrange(256)))
        _set_layout(d, gnum, big, fields, dev)
        _resize(framed, idx, start, old, _fill(rng, fields[j][1]))
    elif kind == "base_type":
        fields[rng.randrange(len(fields))][2] = rng.choice(_BASE_TYPES + (rng.randrange(256),))
        _set_layout(d, gnum, big, fields, dev)
    elif kind == "field_num":
        fields[rng.randrange(len(fields))][0] = rng.choice(_FIELD_NUMS + (rng.randrange(256),))
        _set_layout(d, gnum, big, fields, dev)
    elif kind == "global_num":
        _set_layout(d, rng.choice(_GLOBAL_NUMS + (rng.randrange(65536),)), big, fields, dev)
    elif kind == "endian":
        _set_layout(d, gnum, not big, fields, dev)
    elif kind == "add_field":
        f = [rng.choice(_FIELD_NUMS), rng.choice((1, 2, 3, 4)), rng.choice(_BASE_TYPES)]
        end = sum(x[1] for x in fields)
        _set_layout(d, gnum, big, fields + [f], dev)
        _resize(framed, idx, end, 0, _fill(rng, f[1]))
    elif kind == "developer":
        end = sum(x[1] for x in fields) + sum(x[1] for x in dev or [])
        f = [rng.randrange(256), rng.choice((1, 2, 4, rng.randrange(256))), rng.randrange(4)]
        _set_layout(d, gnum, big, fields, (dev or []) + [f])
        _resize(framed, idx, end, 0, _fill(rng, f[1]))
    elif kind == "header":  # normal <-> compressed-timestamp header (local types 0-3 only)
        local = d.header & 0x0F
        mine = [i for i in datas if msgs[i].definition == idx]
        if local > 3 or not mine:
            return False
        for i in rng.sample(mine, min(len(mine), rng.randint(1, 50))):
            msgs[i].header = local if msgs[i].header & 0x80 else 0x80 | (local << 5) | rng.randrange(32)
    elif kind in ("duplicate", "delete", "repeat"):
        if not datas:
            return False
        i = rng.choice(datas)
        if kind == "repeat":  # one message many times over: a small bomb
            msgs[i:i + 1] = [fb.Message(msgs[i].header, msgs[i].body, msgs[i].definition)
                             for _ in range(rng.choice((2, 100, 5000)))]
            _renumber(framed)
        elif kind == "delete":
            j = min(len(msgs), i + rng.randint(1, 200))
            framed.messages = msgs[:i] + [m for m in msgs[i:j] if m.is_definition] + msgs[j:]
            _renumber(framed)
        else:
            j = min(len(msgs), i + rng.randint(1, 200))
            copy = [fb.Message(m.header, m.body, m.definition) for m in msgs[i:j] if not m.is_definition]
            framed.messages = msgs[:j] + copy + msgs[j:]
            _renumber(framed)
    else:
        return False
    return True


def _renumber(framed: fb.Framed) -> None:
    """Point data messages at their definitions again after messages moved."""
    current: dict[int, int] = {}
    for i, m in enumerate(framed.messages):
        if m.is_definition:
            current[m.header & 0x0F] = i
        elif m.definition is not None:
            local = (m.header >> 5) & 0x03 if m.header & 0x80 else m.header & 0x0F
            m.definition = current.get(local, m.definition)


def mutate_fit(data: bytes, rng: random.Random, *, steps: int = 0) -> tuple[bytes, str]:
    """Structure-aware damage to a FIT file (1-3 steps); byte-level damage if it has no framing.

    Returns the damaged bytes and the kinds applied (``"fit:value+endian"``).
    """
    framed = fb.frame(data)
    if framed is None or not framed.messages:
        out, kind = mutate(data, rng)
        return out, f"bytes:{kind}"
    kinds = []
    finish = None
    for _ in range(steps or rng.randint(1, 3)):
        kind = rng.choice(FIT_MUTATIONS)
        if kind in ("unfinalised", "chain"):
            finish = kind
            kinds.append(kind)
        elif _fit_step(framed, kind, rng):
            kinds.append(kind)
    out = framed.to_bytes()
    if finish == "unfinalised":
        body = out[:-2]
        out = body[:4] + bytes(4) + body[8:]
    elif finish == "chain":
        out = out + out
    return out, "fit:" + "+".join(kinds or ["none"])


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


def _peak_rss_mib() -> float:
    """The process's peak resident memory since the last :func:`_reset_peak_rss` [MiB]."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> None:
    try:  # Linux: "5" resets the peak resident set size (VmHWM) to the current one
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def is_fit(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(12)
    return len(head) == 12 and head[8:12] == b".FIT"


def run(real_dir: Path, *, seed: int, cases: int = 0, seconds: float = 0.0,
        slow_s: float = 10.0, keep: Path | None = None, structure: bool = False,
        max_rss_mib: float = 0.0) -> dict:
    """Run ``cases`` cases (or as many as fit in ``seconds``) from ``seed``.

    With ``structure``, only FIT files are damaged, with :func:`mutate_fit`.

    Returns
    -------
    dict
        ``cases``, ``errors`` (cases refused with a one-line error), ``seconds``,
        ``max_case_s``, ``max_rss_mib`` (peak resident memory of the process over all cases),
        ``kinds`` (cases per kind of damage), and lists ``crashes``, ``slow`` and ``big``
        (over ``max_rss_mib``) of ``{"file", "kind", "case", ...}``; with ``keep``, each bad
        case's bytes are written there for replay.
    """
    files = corpus_files(real_dir)
    if structure:
        files = [p for p in files if is_fit(p)]
    rng = random.Random(seed)
    report: dict = {"seed": seed, "structure": structure, "cases": 0, "errors": 0, "seconds": 0.0,
                    "max_case_s": 0.0, "max_rss_mib": 0.0, "kinds": {}, "crashes": [], "slow": [],
                    "big": []}
    started = time.monotonic()
    end = started + seconds
    while (report["cases"] < cases) if cases else (time.monotonic() < end):
        path = rng.choice(files)
        raw = path.read_bytes()
        data, kind = mutate_fit(raw, rng) if structure else mutate(raw, rng)
        report["cases"] += 1
        for k in kind.split(":")[-1].split("+"):
            report["kinds"][k] = report["kinds"].get(k, 0) + 1
        case = {"file": str(path.relative_to(real_dir)), "kind": kind, "case": report["cases"]}
        _reset_peak_rss()
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
        rss = _peak_rss_mib()
        report["max_case_s"] = max(report["max_case_s"], round(took, 2))
        report["max_rss_mib"] = max(report["max_rss_mib"], round(rss))
        if took > slow_s:
            report["slow"].append({**case, "seconds": round(took, 1)})
        if max_rss_mib and rss > max_rss_mib:
            report["big"].append({**case, "rss_mib": round(rss)})
        if keep is not None and (case.get("error") or took > slow_s or (max_rss_mib and rss > max_rss_mib)):
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"seed{seed}_case{case['case']}{path.suffix}").write_bytes(data)
    report["seconds"] = round(time.monotonic() - started, 1)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Mutation fuzzing of load + analyze on the real corpus.")
    ap.add_argument("--real", type=Path, required=True, help="the corpus folder (shared/tracks/real)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=0, help="number of cases (default: run for --seconds)")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--structure", action="store_true",
                    help="structure-aware damage of the FIT files (keeps the message framing valid)")
    ap.add_argument("--slow", type=float, default=10.0, help="a case slower than this [s] is reported")
    ap.add_argument("--memory-gib", type=float, default=3.0,
                    help="address-space limit, so that a runaway allocation fails instead of swapping")
    ap.add_argument("--max-rss-mib", type=float, default=1024.0,
                    help="a case whose peak resident memory exceeds this [MiB] is reported")
    ap.add_argument("--keep", type=Path, help="write each bad case's bytes into this folder")
    args = ap.parse_args(argv)
    limit = int(args.memory_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    report = run(args.real, seed=args.seed, cases=args.cases, seconds=args.seconds, slow_s=args.slow,
                 keep=args.keep, structure=args.structure, max_rss_mib=args.max_rss_mib)
    print(json.dumps(report, indent=1))
    return 1 if report["crashes"] or report["slow"] or report["big"] else 0


if __name__ == "__main__":
    sys.exit(main())
