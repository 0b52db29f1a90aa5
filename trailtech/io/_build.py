"""Shared last step of the XML readers: raw column arrays -> a normalised :class:`Track`.

The GPX and TCX readers collect text per field; this module turns it into numbers and times,
and applies the same repairs and decisions to both formats, so they cannot drift apart:

* times that are unusable (before 1980, i.e. before GPS time began, or after 2100: clock
  sentinels like GPSBabel's 1901-12-13T20:45:52Z) become NaT, with a warning;
* points without a usable time are dropped when the file has other timed points (they cannot be
  placed); when *no* point has a usable time every row is kept in file order with ``time`` NaT
  and ``elapsed_s`` NaN, ``meta.start_time`` None and a warning. Such a track can still be
  listed (``trailtech info``); the analysis refuses it with :class:`~trailtech.errors.TrackDataError`;
* backwards time steps are counted and the rows sorted by time (stable);
* the rules the FIT reader shares (:mod:`trailtech.io.normalise`): cadence to steps/min per
  session, a few stray samples a day away from the rest dropped, samples sharing a timestamp
  merged, positions off the globe blanked;
* ``elapsed_s`` counts from the first sample.
"""

from __future__ import annotations

import re

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from ..localtime import with_local_time
from ..track import COLUMNS, SessionInfo, Track, TrackMeta
from .normalise import drop_off_globe, merge_repeated_times, normalise_cadence, stray_edges

__all__ = [
    "build_track",
    "fixed_time_form",
    "merge_priority",
    "normalise_sport",
    "parse_times",
    "scatter",
    "to_float",
]

#: Strava's numeric activity types as they appear in its GPX ``<type>``.
_STRAVA_TYPES = {"1": "cycling", "4": "hiking", "9": "running", "10": "walking"}

_SPORT_ALIASES = {
    "run": "running",
    "running": "running",
    "trail": "running",
    "trail_running": "running",
    "trailrunning": "running",
    "trail running": "running",
    "treadmill_running": "running",
    "jogging": "running",
    "bike": "cycling",
    "biking": "cycling",
    "ride": "cycling",
    "cycling": "cycling",
    "mountain_biking": "cycling",
    "hike": "hiking",
    "hiking": "hiking",
    "walk": "walking",
    "walking": "walking",
}
_SUB_SPORTS = {
    "trail": "trail",
    "trail_running": "trail",
    "trailrunning": "trail",
    "trail running": "trail",
    "treadmill_running": "treadmill",
}

#: Times outside this window are clock sentinels or garbage, not recordings [UTC].
_TIME_MIN = np.datetime64("1980-01-01T00:00:00", "ns")
_TIME_MAX = np.datetime64("2100-01-01T00:00:00", "ns")


def to_float(texts: Sequence[str | None]) -> np.ndarray:
    """Numbers from element texts; anything unreadable (None, "", "abc") becomes NaN."""
    if len(texts) == 0:
        return np.empty(0, dtype=float)
    try:
        return np.asarray(texts, dtype=object).astype(float)
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").to_numpy(
            dtype=float
        )


def fixed_time_form(codes: np.ndarray, length: np.ndarray) -> bool:
    """Whether every row is a real date and time ``YYYY-MM-DDTHH:MM:SS`` (optional ``.`` and
    digits) that ``datetime64[ns]`` holds.

    Parameters
    ----------
    codes : ndarray of unsigned int, shape (n, width)
        Character codes of each text (bytes or UCS-4), zero past the row's length.
    length : ndarray of int
        Length of each text.

    Notes
    -----
    numpy reads exactly this form the same way as pandas; anything else (a zone, a space,
    a missing field) must not reach numpy's parser, which warns on zones and guesses on others.
    Nor may a time numpy refuses (hour 34, 30 February, second 60): numpy 2.4 crashes the
    process instead of raising when one is among a thousand texts (among 100 it raises). Years are kept to
    1679-2260, inside the ``datetime64[ns]`` range, which numpy wraps silently outside.
    """
    if codes.ndim != 2 or codes.shape[1] < 19 or len(codes) == 0:
        return False

    def digits(a: np.ndarray) -> np.ndarray:
        return (a - a.dtype.type(ord("0"))) <= 9  # unsigned arithmetic wraps: one test

    head = codes[:, :19]
    fields = head[:, _FIELD_DIGITS]
    if not (
        (head[:, [4, 7]] == ord("-")).all()
        and (head[:, 10] == ord("T")).all()
        and (head[:, [13, 16]] == ord(":")).all()
        and digits(fields).all()
    ):
        return False
    pairs = fields[:, 0::2].astype(np.int16) * 10 + fields[:, 1::2] - 11 * ord("0")  # (n, 7)
    year = pairs[:, 0].astype(np.int32) * 100 + pairs[:, 1]
    month, day = pairs[:, 2], pairs[:, 3]
    if not (
        ((year > 1678) & (year < 2261)).all()
        and (pairs[:, 4:] <= _MAX_HMS).all()
        and ((day >= 1) & (day <= _MONTH_DAYS[np.minimum(month, 13)])).all()  # month 0, 13+: 0 days
    ):
        return False
    feb29 = (month == 2) & (day == 29)
    if feb29.any():
        y = year[feb29]
        if not ((y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))).all():
            return False
    fraction = length > 19
    if not fraction.any():
        return bool((length == 19).all())
    if not (length[fraction] > 20).all() or not (codes[fraction, 19] == ord(".")).all():
        return False
    rest = codes[:, 20:]
    return bool((digits(rest) | (rest == 0)).all())


#: Positions of the 14 digits of ``YYYY-MM-DDTHH:MM:SS``, read as 7 two-digit numbers.
_FIELD_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
#: Largest hour, minute and second numpy reads.
_MAX_HMS = np.array([23, 59, 59], dtype=np.int16)
#: Days per month, 29 in February (index 1-12; 0 for the impossible months 0 and 13, to which
#: every larger month is clipped). 29 February is checked against leap years separately.
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int16)


#: A complete ISO 8601 date and time (seconds optional, fraction and zone optional).
_FULL_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?\Z", re.I
)


def parse_times(texts: Sequence[str | None]) -> np.ndarray:
    """ISO 8601 texts -> ``datetime64[ns]`` in UTC (naive array), NaT where unreadable.

    Times in the fixed form ``YYYY-MM-DDTHH:MM:SS[.fff]Z`` (what watches write) take a
    vectorised numpy path; others (offsets such as ``+02:00``, no zone, spaces) go through
    pandas (a time without a zone is taken as UTC, as GPX and TCX require).
    """
    n = len(texts)
    if n == 0:
        return np.empty(0, dtype="datetime64[ns]")
    texts = list(texts)
    if None not in texts and all(type(t) is str for t in texts[:1]):
        try:
            u = np.array(texts, dtype=str)
        except (TypeError, ValueError):
            u = None
        if u is not None and u.dtype.kind == "U" and u.itemsize >= 4 * 20:
            width = u.itemsize // 4
            codes = u.view(np.uint32).reshape(n, width).copy()
            length = np.char.str_len(u)
            rows = np.arange(n)
            if (length >= 20).all() and (codes[rows, length - 1] == ord("Z")).all():
                codes[rows, length - 1] = 0
                if fixed_time_form(codes, length - 1):
                    stripped = codes.view(f"<U{width}").reshape(n)
                    try:
                        return stripped.astype("datetime64[ns]")
                    except ValueError:
                        pass
    # Only whole date-times: pandas would read a truncated "2020-12-2" as 2 December.
    series = pd.Series(
        [t.strip() if isinstance(t, str) and _FULL_TIME.match(t.strip()) else None for t in texts],
        dtype=object,
    )
    try:
        parsed = pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce")
    except (ValueError, TypeError, OverflowError):
        parsed = pd.Series(
            [
                pd.to_datetime(t, utc=True, errors="coerce") if t else pd.NaT
                for t in series
            ],
            dtype="datetime64[ns, UTC]",
        )
    # pandas may keep a wider unit (year 9999); the ns array below would wrap it silently.
    parsed = parsed.where((parsed.dt.year > 1678) & (parsed.dt.year < 2261))
    return (
        parsed.dt.tz_convert("UTC")
        .dt.tz_localize(None)
        .to_numpy(dtype="datetime64[ns]")
    )


def normalise_sport(text: str | None) -> tuple[str | None, str | None]:
    """Sport and sub-sport, lower case, from a GPX ``<type>`` or TCX ``Sport`` attribute.

    Strava's numeric types are decoded (``"9"`` running, ``"1"`` cycling, ``"4"`` hiking,
    ``"10"`` walking); "Running", "run", "trail_running" all become ``"running"`` (the last with
    sub-sport ``"trail"``). Unknown words are kept, lower-cased.
    """
    if text is None:
        return None, None
    key = " ".join(str(text).split()).lower()
    if not key:
        return None, None
    if key in _STRAVA_TYPES:
        return _STRAVA_TYPES[key], None
    key_us = key.replace("-", "_")
    sport = _SPORT_ALIASES.get(key_us, _SPORT_ALIASES.get(key, key_us))
    return sport, _SUB_SPORTS.get(key_us)


def scatter(n: int, index: Sequence[int], values: np.ndarray) -> np.ndarray:
    """A length-``n`` float array, NaN except ``values`` at ``index`` (later entries win)."""
    out = np.full(n, np.nan)
    if len(index):
        out[np.asarray(index, dtype=np.intp)] = values
    return out


def merge_priority(
    n: int, layers: Iterable[tuple[Sequence[int], np.ndarray]]
) -> np.ndarray:
    """Fill a column from several sources, earlier sources first, later ones only in its gaps."""
    out = np.full(n, np.nan)
    for index, values in layers:
        layer = scatter(n, index, values)
        gap = ~np.isfinite(out)
        out[gap] = layer[gap]
    return out


def _frame(columns: dict[str, object]) -> pd.DataFrame:
    """The samples frame: columns checked against :data:`COLUMNS` and cast to their dtype.

    Built in one step from arrays (adding columns one by one to a frame costs far more).
    """
    out = {}
    for k, v in columns.items():
        if k not in COLUMNS:
            raise KeyError(f"reader produced unknown column {k!r}")
        if k == "time":
            out[k] = pd.Series(v, dtype=COLUMNS[k], copy=False)
        else:
            out[k] = np.asarray(v, dtype=COLUMNS[k])
    return pd.DataFrame(out)


def build_track(
    columns: dict[str, np.ndarray],
    times: np.ndarray,
    *,
    source: str,
    fmt: str,
    sport: str | None = None,
    sub_sport: str | None = None,
    device: str | None = None,
    sessions: Sequence[SessionInfo] = (),
    warnings: Sequence[str] = (),
    utc_offset_s: int | None = None,
) -> Track:
    """Normalise decoded arrays into a :class:`Track` (see the module docstring for the rules).

    Parameters
    ----------
    columns : dict of str to ndarray
        Sample columns of equal length, named as in :data:`trailtech.track.COLUMNS`, plus
        optionally ``"cadence_raw"`` (cadence as written, normalised here, per ``session``
        with the sports of ``sessions``, or ``sport`` when there are none).
    times : ndarray of datetime64[ns]
        Sample times in UTC (naive), NaT where missing, in file order.
    utc_offset_s : int, optional
        The offset written on the file's times [s] (:func:`trailtech.localtime.written_offset_s`);
        ``meta.utc_offset_source`` is then ``"file"``.
    """
    warnings = list(warnings)
    n_records = len(times)
    times = _blank_bad_times(np.asarray(times, dtype="datetime64[ns]"), warnings)
    timed = ~np.isnat(times)
    data = {k: np.asarray(v) for k, v in columns.items()}
    cadence_doubled = _normalise_cadence_column(data, sessions, sport, sub_sport, warnings)
    note = drop_off_globe(data)
    if note:
        warnings.append(note)
    if n_records and not timed.any():
        frame = _untimed_frame(data, n_records, warnings)
    else:
        times, frame = _timed_frame(times, timed, data, warnings)

    start = pd.Timestamp(times[0], tz="UTC") if len(frame) and timed.any() else None
    meta = TrackMeta(
        source=source,
        format=fmt,
        sport=sport,
        sub_sport=sub_sport,
        device=device,
        start_time=start,
        cadence_doubled=cadence_doubled,
        sessions=tuple(sessions),
        n_records=n_records,
        warnings=tuple(warnings),
        utc_offset_s=utc_offset_s,
        utc_offset_source=None if utc_offset_s is None else "file",
    )
    # Local time from the written offset or the first position (every activity of a file
    # is built here, so each gets its own).
    return with_local_time(Track(samples=frame, meta=meta))


def _blank_bad_times(times: np.ndarray, warnings: list[str]) -> np.ndarray:
    """``times`` with those outside 1980-2100 (clock sentinels) made NaT.

    Parameters
    ----------
    times : ndarray of datetime64[ns]
        Sample times in UTC (naive), NaT where missing; not modified.
    warnings : list of str
        Gets a sentence when some time was blanked.

    Returns
    -------
    ndarray of datetime64[ns]
        ``times`` itself when every time is usable or missing, else a blanked copy.
    """
    bad = ~np.isnat(times) & ((times < _TIME_MIN) | (times >= _TIME_MAX))
    if bad.any():
        times = times.copy()
        first_bad = pd.Timestamp(times[bad][0]).isoformat()
        times[bad] = np.datetime64("NaT")
        warnings.append(
            f"{int(bad.sum())} of {len(times)} timestamps are outside 1980-2100 (e.g. {first_bad}Z, a "
            "clock sentinel) and were ignored"
        )
    return times


def _normalise_cadence_column(
    data: dict[str, np.ndarray],
    sessions: Sequence[SessionInfo],
    sport: str | None,
    sub_sport: str | None,
    warnings: list[str],
) -> bool:
    """Replace ``data["cadence_raw"]`` (as written) by ``data["cadence_spm"]`` [steps/min].

    Parameters
    ----------
    data : dict of str to ndarray
        Sample columns, changed in place: ``cadence_raw`` is removed, and when it holds a value
        ``cadence_spm`` is added (per ``session`` column, with the sports of ``sessions``, or
        ``sport`` and ``sub_sport`` when there are none).
    sessions : sequence of SessionInfo
    sport, sub_sport : str or None
        The track's sport.
    warnings : list of str
        Gets the cadence rule's sentences.

    Returns
    -------
    bool
        Whether some cadence was doubled from strides/min.
    """
    cad = data.pop("cadence_raw", None)
    if cad is None or not np.isfinite(cad).any():
        return False
    sports = [(s.sport, s.sub_sport) for s in sessions] or [(sport, sub_sport)]
    cad, cadence_doubled, notes = normalise_cadence(
        cad, sports, data.get("session"), data.get("device_speed_mps")
    )
    data["cadence_spm"] = cad
    warnings.extend(notes)
    return cadence_doubled


def _untimed_frame(data: dict[str, np.ndarray], n: int, warnings: list[str]) -> pd.DataFrame:
    """The samples frame of a track without any usable time: every row, in file order.

    Parameters
    ----------
    data : dict of str to ndarray
        Sample columns of length ``n``.
    n : int
        Number of samples (> 0).
    warnings : list of str
        Gets the sentence saying the track cannot be analysed.

    Returns
    -------
    pandas.DataFrame
        ``time`` NaT and ``elapsed_s`` NaN [s], then ``data``'s columns.
    """
    warnings.append(
        "no usable timestamps: the track can be listed but not analysed (times are needed "
        "for speed, pauses and gait)"
    )
    out = {
        "time": pd.Series(
            pd.NaT, index=range(n), dtype="datetime64[ns, UTC]"
        ).array,
        "elapsed_s": np.full(n, np.nan),
    }
    out.update(data)
    return _frame(out)


def _timed_frame(
    times: np.ndarray, timed: np.ndarray, data: dict[str, np.ndarray], warnings: list[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """The samples frame of the timed points: sorted by time, strays dropped, repeats merged.

    Parameters
    ----------
    times : ndarray of datetime64[ns]
        Sample times in UTC (naive), NaT where unusable.
    timed : ndarray of bool
        Where ``times`` is usable; the other points are dropped.
    data : dict of str to ndarray
        Sample columns, aligned with ``times``.
    warnings : list of str
        Gets one sentence per rule that changed the points (module docstring).

    Returns
    -------
    times : ndarray of datetime64[ns]
        The final sample times, as in the frame.
    frame : pandas.DataFrame
        ``time`` (UTC), ``elapsed_s`` [s] from the first sample, then ``data``'s columns.
    """
    n = len(times)
    if not timed.all():
        warnings.append(
            f"{int((~timed).sum())} of {n} points have no usable time and were dropped"
        )
        times = times[timed]
        data = {k: v[timed] for k, v in data.items()}
    t_ns = times.view(np.int64)
    steps = np.diff(t_ns)
    n_back = int((steps < 0).sum())
    if n_back:
        warnings.append(
            f"{n_back} backwards time steps; samples were sorted by time"
        )
        order = np.argsort(times, kind="stable")
        times = times[order]
        t_ns = times.view(np.int64)
        data = {k: v[order] for k, v in data.items()}
    keep, note = stray_edges(t_ns / 1e9)
    if note:
        warnings.append(note)
        times = times[keep]
        data = {k: v[keep] for k, v in data.items()}
    times, data, note = merge_repeated_times(times, data)
    if note:
        warnings.append(note)
    t_ns = times.view(np.int64)
    out = {
        "time": pd.DatetimeIndex(times).tz_localize("UTC").array,
        "elapsed_s": (t_ns - t_ns[0]) / 1e9 if len(t_ns) else np.empty(0),
    }
    out.update(data)
    return times, _frame(out)
