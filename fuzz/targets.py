"""Coverage-guided fuzzing (atheris, i.e. libFuzzer) of the FIT decoder and the GPX/TCX readers.

Every input goes through the public :func:`trailtech.io.load` on bytes (content sniffing,
gzip and zip, then the reader), so the harnesses follow the readers through any rewrite. The
only acceptable outcomes are a :class:`~trailtech.track.Track` or a
:class:`~trailtech.errors.TrailtechError` whose message is one line; any other exception is
a finding (libFuzzer stops and writes the input as ``crash-*``), and so are an input slower
than ``-timeout`` seconds and a process above ``-rss_limit_mb``.

    python -m fuzz.fuzz_fit -max_total_time=600 -timeout=20 -rss_limit_mb=1024
    python -m fuzz.fuzz_gpx -max_total_time=600 -timeout=20 -rss_limit_mb=1024
    python -m fuzz.fuzz_tcx -max_total_time=600 -timeout=20 -rss_limit_mb=1024

libFuzzer's flags pass through. Without a corpus folder the seeds go to a fresh temporary
one; a folder given first receives the seeds when it is empty, and keeps what the run finds
(reuse it to resume). Seeds: the sample tracks, the real corpus files up to 256 KB (from
``$TRAILTECH_REAL_TRACKS`` or ``../shared/tracks/real`` when present) and files built here
(FIT with compressed timestamps, compressed_speed_distance, developer fields, big-endian
and unfinalised headers). The FIT harness mutates with :func:`tests.mutation.mutate_fit`
(structure-aware: the message framing stays valid) half of the time, libFuzzer's byte
mutations the other half.
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = Path(os.environ.get("TRAILTECH_REAL_TRACKS", ROOT.parent / "shared" / "tracks" / "real"))
#: Seed files larger than this are left out (an input should take milliseconds).
MAX_SEED_BYTES = 256 * 1024
_SUFFIXES = {"fit": (".fit", ".fit.gz"), "gpx": (".gpx", ".gpx.gz"), "tcx": (".tcx", ".tcx.gz")}


def check(data: bytes) -> None:
    """Read ``data`` as an activity file; raise unless it reads or fails with a one-line error."""
    from trailtech.errors import TrailtechError
    from trailtech.io import load

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load(data, source="fuzz.input")
    except TrailtechError as exc:
        message = str(exc)
        if not message or "\n" in message:
            raise AssertionError(f"error message is not one line: {message!r}") from exc


def _built_fit() -> list[bytes]:
    from tests import fitbytes as fb

    body = fb.activity(40)
    csd = fb.file_id_activity() + fb.definition(1, 20, [(253, 4, fb.UINT32), (8, 3, fb.BYTE), (3, 1, fb.UINT8)])
    csd += b"".join(fb.data(1, fb.u32(fb.T0_FIT_S + i), (250 | ((i * 700) % 4096) << 12).to_bytes(3, "little"),
                            fb.u8(140)) for i in range(40))
    comp = fb.file_id_activity() + fb.definition(1, 20, fb.RECORD_FIELDS)
    comp += fb.record(1, fb.T0_FIT_S, 45.0, 6.0, 1000.0, 130)
    comp += fb.definition(2, 20, [(3, 1, fb.UINT8), (4, 1, fb.UINT8)])
    comp += b"".join(fb.compressed(2, fb.T0_FIT_S + i, fb.u8(130 + i % 9), fb.u8(85)) for i in range(1, 40))
    dev = fb.file_id_activity() + fb.definition(1, 20, fb.RECORD_FIELDS, dev_fields=[(0, 2, 0)])
    dev += b"".join(fb.record(1, fb.T0_FIT_S + i, 45.0, 6.0 + i * 1e-5, 900.0, 150) + b"\x01\x02"
                    for i in range(30))
    big = fb.file_id_activity() + fb.definition(1, 20, [(253, 4, fb.UINT32), (3, 1, fb.UINT8)], big=True)
    big += b"".join(fb.data(1, (fb.T0_FIT_S + i).to_bytes(4, "big"), fb.u8(120)) for i in range(30))
    events = fb.definition(3, 21, [(253, 4, fb.UINT32), (0, 1, fb.ENUM), (1, 1, fb.ENUM)])
    events += fb.data(3, fb.u32(fb.T0_FIT_S + 10), fb.u8(0), fb.u8(4))
    events += fb.data(3, fb.u32(fb.T0_FIT_S + 20), fb.u8(0), fb.u8(0))
    session = fb.definition(4, 18, [(253, 4, fb.UINT32), (2, 4, fb.UINT32), (5, 1, fb.ENUM), (9, 4, fb.UINT32)])
    session += fb.data(4, fb.u32(fb.T0_FIT_S + 40), fb.u32(fb.T0_FIT_S), fb.u8(1), fb.u32(12_000))
    return [fb.fit_file(body), fb.fit_file(csd), fb.fit_file(comp), fb.fit_file(dev), fb.fit_file(big),
            fb.fit_file(body + events + session), fb.fit_file(body, data_size=0, crc=False),
            fb.fit_file(body) + fb.fit_file(comp)]


def _built_xml(kind: str) -> list[bytes]:
    from tests.conftest import make_track
    from trailtech.io.gpx_write import to_gpx

    if kind == "gpx":
        return [to_gpx(make_track(30)), to_gpx(make_track(10, cadence_spm=None))]
    return [
        b'<?xml version="1.0"?><TrainingCenterDatabase '
        b'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        b'<Activity Sport="Running"><Id>2024-05-01T08:00:00Z</Id><Lap StartTime="2024-05-01T08:00:00Z">'
        b"<Track>" + b"".join(
            f"<Trackpoint><Time>2024-05-01T08:00:{i:02d}Z</Time><Position><LatitudeDegrees>45.{i:04d}"
            f"</LatitudeDegrees><LongitudeDegrees>6.0</LongitudeDegrees></Position><AltitudeMeters>"
            f"{1000 + i}</AltitudeMeters><HeartRateBpm><Value>{120 + i}</Value></HeartRateBpm>"
            f"<Cadence>{80 + i % 5}</Cadence></Trackpoint>".encode() for i in range(30))
        + b"</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ]


def seeds(kind: str) -> list[bytes]:
    """Seed inputs for one reader (see the module docstring)."""
    out: list[bytes] = []
    for folder in (ROOT / "sample_tracks", REAL_DIR):
        if folder.is_dir():
            for p in sorted(folder.rglob("*")):
                if p.is_file() and p.name.lower().endswith(_SUFFIXES[kind]) and 0 < p.stat().st_size <= MAX_SEED_BYTES:
                    out.append(p.read_bytes())
    out += _built_fit() if kind == "fit" else _built_xml(kind)
    return out


def _corpus_dir(argv: list[str], kind: str) -> list[str]:
    """``argv`` with a corpus folder that holds the seeds (a temporary one if none was given)."""
    dirs = [a for a in argv[1:] if not a.startswith("-")]
    if not dirs:
        folder = Path(tempfile.mkdtemp(prefix=f"trailtech-fuzz-{kind}-"))
        argv = argv + [str(folder)]
    else:
        folder = Path(dirs[0])
    folder.mkdir(parents=True, exist_ok=True)
    if not any(folder.iterdir()):
        for data in seeds(kind):
            (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
    if not any(a.startswith("-max_len=") for a in argv):
        argv = argv[:1] + [f"-max_len={MAX_SEED_BYTES}"] + argv[1:]
    return argv


def _fit_mutate(data: bytes, max_size: int, seed: int) -> bytes:
    """Structure-aware FIT damage half of the time, libFuzzer's byte mutations otherwise."""
    import atheris  # looked up per call: Fuzz() replaces atheris.Mutate with the live one

    from tests.mutation import mutate_fit

    rng = random.Random(seed)
    if rng.random() < 0.5:
        out, _ = mutate_fit(data, rng)
        if len(out) <= max_size:
            return out
    return atheris.Mutate(data, max_size)


def _instrumented(atheris):
    """Branch coverage of trailtech's modules as they are imported, without comparison tracing.

    atheris 3.0 traces every comparison of the instrumented code and leaks the result when it
    is not a number: ``array == value`` over numpy arrays kept ~0.4 MB per GPX input, and the
    GPX harness crossed 1 GiB after 3,000 inputs. Branch coverage alone does not leak.
    """
    try:
        from atheris.import_hook import HookManager

        return HookManager({"trailtech"}, set(), True, trace_dataflow=False)
    except (ImportError, TypeError):  # another atheris version: its default instrumentation
        return atheris.instrument_imports(include=["trailtech"])


def main(kind: str, argv: list[str] | None = None) -> None:
    """Fuzz one reader until libFuzzer stops (``-runs``, ``-max_total_time`` or a finding)."""
    import atheris

    # Instrument first: a module imported before (the seeds use trailtech) gives no coverage.
    with _instrumented(atheris):
        import pkgutil

        import trailtech.io

        for mod in pkgutil.iter_modules(trailtech.io.__path__):  # the readers import lazily
            __import__(f"trailtech.io.{mod.name}")
    argv = _corpus_dir(list(sys.argv if argv is None else argv), kind)
    kwargs = {"custom_mutator": _fit_mutate} if kind == "fit" else {}
    atheris.Setup(argv, check, **kwargs)
    atheris.Fuzz()
