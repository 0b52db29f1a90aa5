"""FIT activity reader: :func:`read_fit` (the only module that imports python-fitparse).

Two decoders fill the same :class:`~trailtech.io.fit_content.FitContent`, which
:func:`~trailtech.io.fit_content.build_track` normalises into a :class:`~trailtech.track.Track`:

* ``engine="fitparse"``: the reference decoder, python-fitparse driven message by message.
  It is tolerant on purpose: a CRC mismatch is a warning, developer fields without a
  description are skipped, and when fitparse stops (truncated file, corrupt chained header,
  undefined local message) the records decoded up to the break are kept with a warning.
* ``engine="fast"``: the numpy decoder of :mod:`trailtech.io.fit_fast` (about 50x faster);
  raises :class:`~trailtech.errors.TrackReadError` for files it does not handle.
* ``engine="auto"`` (default): the fast decoder, falling back to fitparse (with a note in
  ``meta.warnings``) for anything the fast decoder does not handle, on files up to
  ``FitLimits.max_fitparse_bytes`` (fitparse reads 70-250 KB/s: a larger file is refused
  rather than taking minutes).

Limits (:class:`~trailtech.io.limits.FitLimits`) refuse files larger than any recording
before their content is allocated. A file whose header declares no data size (a recording
the watch never finalised) is read to its end, with a warning.

Example
-------
>>> from trailtech.io.fit import read_fit                           # doctest: +SKIP
>>> track = read_fit(open("run.fit", "rb").read(), "run.fit")      # doctest: +SKIP
>>> track.meta.device, len(track.samples)                          # doctest: +SKIP
('garmin fenix6x', 4948)
"""

from __future__ import annotations

import functools
import io
import math
import warnings
from typing import Any, Optional

import numpy as np

from ..errors import TrackReadError, UnsupportedFormatError
from ..track import Track
from .fit_content import RECORD_KEYS, FitContent, build_track, enum_text
from .fit_split import split_content
from .limits import FitLimits, too_large
from .split import choose, number

__all__ = ["read_fit", "read_fit_activities", "decode_fitparse", "check_fit_header", "ENGINES"]

ENGINES = ("auto", "fast", "fitparse")
_SEMICIRCLE_DEG = 180.0 / 2**31


def check_fit_header(data: bytes, source: str) -> None:
    """Raise a clear error unless ``data`` starts with a FIT file header followed by data.

    A header whose ``data_size`` is 0 passes when bytes follow it: that is a recording the
    watch never finalised, and the decoders read it to the end of the file.

    Raises
    ------
    TrackReadError
        Empty input, or a FIT header with nothing after it.
    UnsupportedFormatError
        The bytes are not a FIT file.
    """
    if len(data) == 0:
        raise TrackReadError(source, "empty file (0 bytes)")
    if len(data) < 12 or data[8:12] != b".FIT":
        raise UnsupportedFormatError(source, "not a FIT file (no '.FIT' file header)")
    header_size = data[0]
    if header_size < 12 or header_size > len(data):
        raise TrackReadError(source, f"corrupt FIT file header (header size {header_size})")
    if len(data) <= header_size:
        raise TrackReadError(source, "FIT file holds only its header: no activity in the file")


def read_fit(data: bytes, source: str, *, engine: str = "auto", limits: Optional[FitLimits] = None) -> Track:
    """Decode a FIT activity file; of a chained file holding several activities, the longest,
    with a sentence in ``meta.notes`` saying so (:func:`read_fit_activities` gives them all).

    Parameters
    ----------
    data : bytes
        The whole file content (already decompressed).
    source : str
        File name, used in messages and ``meta.source``.
    engine : {"auto", "fast", "fitparse"}
        Decoder to use (see the module docstring).
    limits : FitLimits, optional
        Caps on the file (default :class:`~trailtech.io.limits.FitLimits`).

    Returns
    -------
    Track
        Samples with ``time``, ``elapsed_s``, ``session``, ``segment`` and every sensor
        column the file holds; ``meta.format == "fit"``.

    Raises
    ------
    ValueError
        ``engine`` is not one of :data:`ENGINES`.
    UnsupportedFormatError
        Not a FIT file, or a FIT file that is not an activity (course, settings, ...).
    TrackReadError
        Empty or undecodable file, no record messages, or a file over a cap of ``limits``.
    TrackDataError
        No record carries a timestamp.
    """
    return choose(read_fit_activities(data, source, engine=engine, limits=limits))


def read_fit_activities(data: bytes, source: str, *, engine: str = "auto",
                        limits: Optional[FitLimits] = None) -> list[Track]:
    """Every activity of a FIT file, in time order: one per ``activity`` message of a chained
    file (:mod:`trailtech.io.fit_split`), each numbered in ``meta.activity_index`` /
    ``meta.n_activities``. Parameters and errors as :func:`read_fit`."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    limits = limits or FitLimits()
    if len(data) > limits.max_bytes:
        raise too_large(source, "the FIT file", limits.max_bytes)
    data = bytes(data)
    check_fit_header(data, source)
    if engine == "fitparse":
        content = decode_fitparse(data, source)
    else:
        from .fit_fast import FastPathUnsupported, decode_fast

        try:
            content = decode_fast(data, source, limits=limits)
        except FastPathUnsupported as exc:
            if engine == "fast":
                raise
            if len(data) > limits.max_fitparse_bytes:
                raise TrackReadError(
                    source,
                    f"the fast FIT decoder does not handle this file ({exc.reason}) and it is larger "
                    f"than the {limits.max_fitparse_bytes / 2**20:g} MiB the reference decoder reads "
                    "in reasonable time; refused",
                ) from None
            content = decode_fitparse(data, source)
            content.notes.insert(
                0, f"Fast FIT decoder does not handle this file ({exc.reason}); decoded with fitparse."
            )
    return number([build_track(part, source) for part in split_content(content)])


def _finalised(data: bytes) -> tuple[bytes, Optional[str]]:
    """``data`` with a first header that declares no data size given one, and a file CRC.

    A watch writes ``data_size`` and the CRC when it closes the file; a crash leaves 0 and no
    CRC. fitparse would read nothing, so the header is completed as the watch would have.
    """
    hsize = data[0]
    if int.from_bytes(data[4:8], "little") != 0 or len(data) <= hsize:
        return data, None
    from .fit_fast import fit_crc

    head = bytearray(data[:hsize])
    head[4:8] = (len(data) - hsize).to_bytes(4, "little")
    if hsize >= 14 and int.from_bytes(data[12:14], "little") == fit_crc(data[:12]):
        head[12:14] = fit_crc(bytes(head[:12])).to_bytes(2, "little")
    out = bytes(head) + data[hsize:]
    note = ("FIT file header declares no data size (a recording that was not finalised, as a watch "
            "that stopped or crashed leaves it); read to the end of the file.")
    return out + fit_crc(out).to_bytes(2, "little"), note


@functools.lru_cache(maxsize=1)
def _tolerant_fitfile_class() -> type:
    """A fitparse FitFile that records CRC mismatches and counts headers instead of failing."""
    import fitparse
    from fitparse.utils import FitCRCError

    class TolerantFitFile(fitparse.UncachedFitFile):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.crc_errors: list[str] = []
            self.n_headers = 0
            super().__init__(*args, **kwargs)

        def _parse_file_header(self) -> None:
            self.n_headers += 1
            super()._parse_file_header()

        def _read_and_assert_crc(self, allow_zero: bool = False) -> None:
            try:
                super()._read_and_assert_crc(allow_zero=allow_zero)
            except FitCRCError as exc:
                self.crc_errors.append(str(exc))

    return TolerantFitFile


def _number(value: Any) -> float:
    """A fitparse value as float; NaN for None, tuples (arrays) and bytes (bad field sizes)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def _record_row(msg: Any) -> dict[str, float]:
    """Values of one record message; real fields win over values expanded from components."""
    got: dict[str, float] = {}
    for fd in msg.fields:
        if fd.field is None:
            continue
        name = fd.name
        value = fd.raw_value if name == "timestamp" else fd.value
        num = _number(value)
        if math.isnan(num):
            continue
        if fd.field_def is None and name in got:  # component expansion of an absent field
            continue
        got[name] = num
    out: dict[str, float] = {}
    out["timestamp"] = got.get("timestamp", math.nan)
    lat, lon = got.get("position_lat"), got.get("position_long")
    if lat is not None and lon is not None:
        out["lat_deg"] = lat * _SEMICIRCLE_DEG
        out["lon_deg"] = lon * _SEMICIRCLE_DEG
    ele = got.get("enhanced_altitude", got.get("altitude"))
    if ele is not None:
        out["elevation_m"] = ele
    speed = got.get("enhanced_speed", got.get("speed"))
    if speed is not None:
        out["device_speed_mps"] = speed
    for key, name in (
        ("device_distance_m", "distance"),
        ("heart_rate_bpm", "heart_rate"),
        ("power_w", "power"),
        ("temperature_c", "temperature"),
    ):
        if name in got:
            out[key] = got[name]
    if "cadence" in got:
        out["cadence"] = got["cadence"] + got.get("fractional_cadence", 0.0)
    return out


def _session(msg: Any) -> dict:
    s: dict = {}
    for key in ("start_time", "timestamp"):
        fd = msg.get(key)
        raw = fd.raw_value if fd is not None else None
        s[key] = float(raw) if isinstance(raw, int) else None
    for key in ("sport", "sub_sport"):
        s[key] = enum_text(msg.get_value(key))
    for key in ("total_distance", "total_ascent", "total_descent", "total_timer_time", "total_elapsed_time"):
        v = _number(msg.get_value(key))
        s[key] = None if math.isnan(v) else v
    return s


def _summarise_fitparse_warnings(messages: list[str]) -> list[str]:
    notes = []
    if any("Invalid field size" in m for m in messages):
        notes.append("Some FIT fields have a size that does not match their type and were ignored.")
    if any("dev_data_index" in m for m in messages):
        notes.append("Developer fields without a description were skipped.")
    for m in messages:
        if not any(k in m for k in ("Invalid field size", "dev_data_index", "terminated unexpectedly")):
            notes.append(f"fitparse: {m}")
    return list(dict.fromkeys(notes))


def decode_fitparse(data: bytes, source: str) -> FitContent:
    """Decode FIT bytes with python-fitparse into a :class:`FitContent` (reference path).

    Raises
    ------
    TrackReadError
        fitparse cannot read the file at all.
    """
    fitfile_cls = _tolerant_fitfile_class()
    rows: list[dict[str, float]] = []
    content = FitContent(records={})
    n_bytes = len(data)  # as given: the completed header adds a CRC
    data, unfinalised = _finalised(data)
    if unfinalised:
        content.notes.append(unfinalised)
    stop: Optional[BaseException] = None
    last_was_record = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ff = fitfile_cls(io.BytesIO(data), check_crc=True, check_developer_data=False)
        except Exception as exc:  # fitparse raises many types on a bad header; all mean "cannot read"
            raise TrackReadError(source, f"cannot decode FIT file ({type(exc).__name__}: {exc})") from None
        messages = ff.get_messages()
        while True:
            try:
                msg = next(messages)
            except StopIteration:
                break
            except Exception as exc:  # any failure inside fitparse = the decodable part ends here
                stop = exc
                break
            name = msg.name
            last_was_record = name == "record"
            if last_was_record:
                rows.append(_record_row(msg))
            elif name == "file_id":
                content.file_types.append(enum_text(msg.get_value("type")))
                created = msg.get("time_created")
                if content.time_created is None and created is not None and isinstance(created.raw_value, int):
                    content.time_created = float(created.raw_value)
                if content.manufacturer is None and content.product is None:
                    content.manufacturer = enum_text(msg.get_value("manufacturer"))
                    product = msg.get_value("product")
                    content.product = None if product is None else str(product)
                    content.product_name = content.product_name or msg.get_value("product_name")
            elif name == "device_info":
                if msg.get_value("device_index") == "creator" and content.product_name is None:
                    content.product_name = msg.get_value("product_name")
            elif name == "session":
                content.sessions.append(_session(msg))
            elif name == "activity":
                # local_timestamp is the same instant on the watch's wall clock.
                ts, local = msg.get("timestamp"), msg.get("local_timestamp")
                if (ts is not None and local is not None and isinstance(ts.raw_value, int)
                        and isinstance(local.raw_value, int)):
                    content.local_offsets_s.append(float(local.raw_value - ts.raw_value))
                if ts is not None and isinstance(ts.raw_value, int):
                    off = local.raw_value - ts.raw_value if local is not None and isinstance(local.raw_value, int) else None
                    content.activities.append((float(ts.raw_value), None if off is None else float(off)))
            elif name == "sport":
                content.sports.append(
                    (enum_text(msg.get_value("sport")), enum_text(msg.get_value("sub_sport")))
                )
            elif name == "event":
                fd = msg.get("timestamp")
                if msg.get_value("event") == "timer" and fd is not None and isinstance(fd.raw_value, int):
                    content.timer_events.append((float(fd.raw_value), enum_text(msg.get_value("event_type"))))
    texts = [str(w.message) for w in caught]
    truncated = any("terminated unexpectedly" in t for t in texts)
    if truncated and last_was_record and rows:
        rows.pop()  # fitparse returns the cut-off record with the fields it could read
    content.n_headers = ff.n_headers
    if ff.crc_errors:
        content.notes.append(
            f"FIT CRC check failed ({ff.crc_errors[0]}): the file may be damaged; decoded anyway."
        )
    if stop is not None or truncated:
        offset = min(n_bytes, len(data) - len(ff._file.read()) if ff._file else len(data))
        why = f"{type(stop).__name__}: {stop}" if stop is not None else "file ends inside a message"
        if not rows and content.n_headers <= 1:
            raise TrackReadError(source, f"cannot decode FIT file ({why})")
        content.notes.append(
            f"FIT decoding stopped near byte {offset} of {n_bytes} ({why}); "
            f"the {len(rows)} records before the break are kept."
        )
    content.notes.extend(_summarise_fitparse_warnings(texts))
    content.records = {
        key: np.array([r.get(key, math.nan) for r in rows], dtype=float) for key in RECORD_KEYS
    }
    return content
