"""Engine-independent content of a FIT file, and its normalisation into a :class:`Track`.

Both FIT decoders (the reference one built on python-fitparse in :mod:`trailtech.io.fit`, and
the numpy one in :mod:`trailtech.io.fit_fast`) fill a :class:`FitContent`; :func:`build_track`
then applies the same rules to both, so the two engines can only differ in decoding.

Rules applied by :func:`build_track` (each one leaves a sentence in ``meta.warnings``)
-------------------------------------------------------------------------------------
* Records without a timestamp cannot be placed on the time axis: they are dropped and
  counted. A file whose records have no timestamp at all raises :class:`TrackDataError`.
* Records that go back in time are dropped: a record is kept when its time is not earlier
  than every record before it (or, if that would drop more than half of the file, when it
  is not later than every record after it: a bogus first timestamp must not eat the file).
* The rules every reader shares (:mod:`trailtech.io.normalise`): a few records cut off at
  either end by a gap of more than a day are dropped; records with the same timestamp are
  merged (per field, the first value present); positions off the globe are blanked; running
  cadence (strides/min in FIT) is doubled to steps/min per session when the values say so.
* ``segment`` starts a new piece at every session change and wherever the device timer was
  restarted after a stop; ``session`` is the index of the session (ordered by start time)
  whose start the sample follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..errors import TrackDataError, TrackReadError, UnsupportedFormatError
from ..localtime import with_local_time
from ..track import DeviceTotals, SessionInfo, Track, TrackMeta
from .fit_devices import device_label, is_barometric
from .normalise import drop_off_globe, merge_repeated_times, normalise_cadence, stray_edges

__all__ = ["FitContent", "RECORD_KEYS", "build_track", "enum_text", "FIT_EPOCH_UNIX_S"]

#: Seconds between the Unix epoch and the FIT epoch (1989-12-31T00:00:00Z).
FIT_EPOCH_UNIX_S = 631065600
#: FIT date_time values below this are seconds since device power-on, not UTC (FIT spec).
_FIT_MIN_ABSOLUTE_S = 0x10000000

#: Record columns the decoders fill, in final units. ``timestamp`` is FIT seconds (NaN when
#: absent); ``cadence`` is the raw FIT cadence incl. fractional_cadence [1/min].
RECORD_KEYS = (
    "timestamp",
    "lat_deg",
    "lon_deg",
    "elevation_m",
    "device_speed_mps",
    "device_distance_m",
    "cadence",
    "heart_rate_bpm",
    "power_w",
    "temperature_c",
)

#: Session fields kept for meta (FIT names, scaled to SI by the decoders).
SESSION_KEYS = (
    "start_time",
    "timestamp",
    "sport",
    "sub_sport",
    "total_distance",
    "total_ascent",
    "total_descent",
    "total_timer_time",
    "total_elapsed_time",
)

_ACTIVITY_TYPES = frozenset({None, "activity"})


@dataclass
class FitContent:
    """What a FIT decoder found, before any normalisation.

    Attributes
    ----------
    records : dict of str to numpy.ndarray
        One float64 array per key of :data:`RECORD_KEYS` (all the same length, one entry per
        record message in file order); NaN where the field is absent or holds the FIT
        invalid value. Positions in [deg], elevation [m], speed [m/s], distance [m].
    sessions : list of dict
        One dict per session message in file order, keys :data:`SESSION_KEYS` (times in FIT
        seconds, sports as lower-case strings, totals in SI units, ``None`` when absent).
    sports : list of (str or None, str or None)
        ``sport`` messages (sport, sub_sport), used when there is no session.
    timer_events : list of (float, str)
        ``(timestamp [FIT s], event_type)`` of every ``event`` message with event ``timer``.
    file_types : list of str or None
        ``file_id.type`` of every chained FIT file, in order.
    manufacturer, product, product_name : str or None
        From the first ``file_id`` (``product_name`` also from the creator ``device_info``).
    n_headers : int
        FIT file headers read (> 1 for chained files).
    time_created : float or None
        ``file_id.time_created`` of the first file [FIT s].
    local_offsets_s : list of float
        ``activity.local_timestamp - activity.timestamp`` of every activity message [s].
    activities : list of (float, float or None)
        ``(timestamp [FIT s], local_timestamp - timestamp [s] or None)`` of every ``activity``
        message with a timestamp, in file order: where each activity of a chained file ends
        (:mod:`trailtech.io.fit_split`).
    notes : list of str
        What the decoder had to work around (CRC, truncation, ...), one sentence each.
    """

    records: dict[str, np.ndarray]
    sessions: list[dict] = field(default_factory=list)
    sports: list[tuple[Optional[str], Optional[str]]] = field(default_factory=list)
    timer_events: list[tuple[float, str]] = field(default_factory=list)
    file_types: list[Optional[str]] = field(default_factory=list)
    manufacturer: Optional[str] = None
    product: Optional[str] = None
    product_name: Optional[str] = None
    n_headers: int = 0
    notes: list[str] = field(default_factory=list)
    time_created: Optional[float] = None
    local_offsets_s: list[float] = field(default_factory=list)
    activities: list[tuple[float, Optional[float]]] = field(default_factory=list)

    @property
    def n_records(self) -> int:
        return len(self.records["timestamp"])


def enum_text(value: Any) -> Optional[str]:
    """A FIT enum or string field as :class:`FitContent` holds it: lower-case text, or None."""
    return None if value is None else str(value).lower()


def _fit_time(seconds: float) -> pd.Timestamp:
    return pd.Timestamp(int(seconds) + FIT_EPOCH_UNIX_S, unit="s", tz="UTC")


def _keep_monotonic(t: np.ndarray) -> np.ndarray:
    """Mask of records to keep so that ``t`` never decreases (see module docstring)."""
    prev_max = np.maximum.accumulate(np.concatenate(([-np.inf], t[:-1])))
    keep = t >= prev_max
    if keep.sum() * 2 < len(t):
        next_min = np.minimum.accumulate(np.concatenate((t[1:], [np.inf]))[::-1])[::-1]
        keep_b = t <= next_min
        if keep_b.sum() > keep.sum():
            keep = keep_b
    return keep


def _session_order(sessions: list[dict]) -> list[dict]:
    """Sessions ordered by start time (file order when start times are missing)."""

    def start(s: dict) -> Optional[float]:
        if s.get("start_time") is not None:
            return float(s["start_time"])
        if s.get("timestamp") is not None and s.get("total_elapsed_time") is not None:
            return float(s["timestamp"]) - float(s["total_elapsed_time"])
        return None

    if any(start(s) is None for s in sessions):
        return list(sessions)
    return sorted(sessions, key=start)


def _session_starts(sessions: list[dict]) -> Optional[np.ndarray]:
    starts = []
    for s in sessions:
        if s.get("start_time") is not None:
            starts.append(float(s["start_time"]))
        elif s.get("timestamp") is not None and s.get("total_elapsed_time") is not None:
            starts.append(float(s["timestamp"]) - float(s["total_elapsed_time"]))
        else:
            return None
    return np.asarray(starts, dtype=float)


def _timer_pauses(events: list[tuple[float, str]]) -> list[tuple[float, float]]:
    """(stop, restart) intervals from timer events [FIT s]; few events, a loop is fine."""
    pauses: list[tuple[float, float]] = []
    stopped_at: Optional[float] = None
    for t, kind in sorted(events, key=lambda e: e[0]):
        if kind in ("stop", "stop_all", "stop_disable", "stop_disable_all"):
            if stopped_at is None:
                stopped_at = t
        elif kind == "start" and stopped_at is not None:
            if t > stopped_at:
                pauses.append((stopped_at, t))
            stopped_at = None
    return pauses


def _sum_or_none(sessions: list[dict], key: str) -> Optional[float]:
    vals = [float(s[key]) for s in sessions if s.get(key) is not None]
    return float(sum(vals)) if vals else None


def build_track(content: FitContent, source: str) -> Track:
    """Normalise decoded FIT content into a :class:`Track` (rules in the module docstring).

    Parameters
    ----------
    content : FitContent
        What a decoder found.
    source : str
        File name, used in messages.

    Returns
    -------
    Track

    Raises
    ------
    UnsupportedFormatError
        The FIT file is not an activity (course, settings, workout, monitoring, ...).
    TrackReadError
        The file holds no record messages.
    TrackDataError
        No record has a timestamp.
    """
    # Every step appends its sentences to ``warnings``, in the order the steps run.
    warnings: list[str] = list(content.notes)
    _check_activity(content, source)
    rows = _kept_rows(content, source, warnings)
    t, cols, values = _merged_records(content.records, rows, warnings)
    sessions = _session_order(content.sessions)
    session = _session_index(sessions, t)
    pauses = _timer_pauses(content.timer_events)
    segment = _segment_index(t, session, pauses)
    samples, doubled_any = _samples(t, cols, values, session, segment, sessions, content.sports, warnings)
    infos, sport, sub_sport = _session_infos(sessions, content.sports, t, session)
    _warn_long_gap(t, warnings)
    offset_s = utc_offset_of(content.local_offsets_s)
    meta = TrackMeta(
        source=source,
        format="fit",
        sport=sport,
        sub_sport=sub_sport,
        device=device_label(content.manufacturer, content.product, content.product_name),
        start_time=_fit_time(t[0]),
        barometric=is_barometric(content.manufacturer, content.product, content.product_name),
        cadence_doubled=doubled_any,
        sessions=tuple(infos),
        device_totals=_device_totals(sessions),
        timer_pauses=tuple((_fit_time(a), _fit_time(b)) for a, b in pauses),
        n_records=content.n_records,
        warnings=tuple(dict.fromkeys(warnings)),
        utc_offset_s=offset_s,
        utc_offset_source=None if offset_s is None else "file",
        time_created=None if content.time_created is None else _fit_time(content.time_created),
    )
    # A zero or missing watch offset is checked against the first position (trailtech.localtime).
    return with_local_time(Track(samples=samples, meta=meta))


def _check_activity(content: FitContent, source: str) -> None:
    """Refuse a FIT file that is not a recorded activity, or that holds no record.

    Raises
    ------
    UnsupportedFormatError
        The first ``file_id.type`` is not an activity (course, settings, workout, ...).
    TrackReadError
        The file holds no record messages.
    """
    ftype = content.file_types[0] if content.file_types else None
    if ftype not in _ACTIVITY_TYPES:
        what = "a planned route" if ftype == "course" else "not a recorded activity"
        raise UnsupportedFormatError(source, f"FIT file of type '{ftype}' ({what})")
    if content.n_records == 0:
        raise TrackReadError(source, "no records: the FIT file holds no activity samples")


def _kept_rows(content: FitContent, source: str, warnings: list[str]) -> np.ndarray:
    """Record indices that can be placed on the time axis (module docstring, first rules).

    Parameters
    ----------
    content : FitContent
        What a decoder found (at least one record).
    source : str
        File name, used in messages.
    warnings : list of str
        Gets one sentence per rule that dropped records.

    Returns
    -------
    numpy.ndarray of int
        Indices into the record arrays, in file order: records with a timestamp, that do not
        go back in time, and not cut off at an end by a day-long gap.

    Raises
    ------
    TrackDataError
        No record has a timestamp.
    """
    n_records = content.n_records
    t = content.records["timestamp"]
    rows = np.flatnonzero(np.isfinite(t))
    if rows.size == 0:
        raise TrackDataError(
            source, f"none of the {n_records} FIT records has a timestamp; cannot place them in time"
        )
    if rows.size < n_records:
        warnings.append(f"{n_records - rows.size} of {n_records} records had no timestamp and were dropped.")
    keep = _keep_monotonic(t[rows])
    if not keep.all():
        warnings.append(
            f"{int((~keep).sum())} records went back in time and were dropped."
        )
        rows = rows[keep]
    # The shared rules' sentences get the full stop the FIT reader's other warnings have.
    stray, note = stray_edges(t[rows])
    if note:
        warnings.append(note + ".")
        rows = rows[stray]
    return rows


def _merged_records(
    rec: dict[str, np.ndarray], rows: np.ndarray, warnings: list[str]
) -> tuple[np.ndarray, dict[str, np.ndarray], list[str]]:
    """The kept records with repeated timestamps merged into one sample each.

    Parameters
    ----------
    rec : dict of str to numpy.ndarray
        :attr:`FitContent.records`.
    rows : numpy.ndarray of int
        Record indices kept (:func:`_kept_rows`).
    warnings : list of str
        Gets the merge's sentence, and one when the times count from device power-on.

    Returns
    -------
    t : numpy.ndarray
        Sample times [FIT s], non-decreasing, unique.
    cols : dict of str to numpy.ndarray
        One array per name in ``values``, aligned with ``t``.
    values : list of str
        The :data:`RECORD_KEYS` (timestamp aside) with at least one value in the kept rows.
    """
    values = [k for k in RECORD_KEYS[1:] if np.isfinite(rec[k][rows]).any()]
    t, cols, note = merge_repeated_times(rec["timestamp"][rows], {k: rec[k][rows] for k in values})
    if note:
        warnings.append(note + ".")
    if t[0] < _FIT_MIN_ABSOLUTE_S:
        warnings.append(
            "Record timestamps count from device power-on, not UTC: the date is not real."
        )
    return t, cols, values


def _session_index(sessions: list[dict], t: np.ndarray) -> np.ndarray:
    """Per sample, the index of the last session (ordered by start) starting at or before it.

    Parameters
    ----------
    sessions : list of dict
        Sessions ordered by start time (:func:`_session_order`).
    t : numpy.ndarray
        Sample times [FIT s].

    Returns
    -------
    numpy.ndarray of int64
        0 for samples before the first start, and for every sample when a start is unknown.
    """
    starts = _session_starts(sessions)
    if sessions and starts is not None:
        session = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, None)
    else:
        session = np.zeros(t.size, dtype=np.int64)
    return session.astype(np.int64)


def _segment_index(t: np.ndarray, session: np.ndarray, pauses: list[tuple[float, float]]) -> np.ndarray:
    """Per sample, the piece of continuous recording it belongs to, counted from 0.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times [FIT s].
    session : numpy.ndarray of int64
        Session index per sample (:func:`_session_index`).
    pauses : list of (float, float)
        Timer (stop, restart) intervals [FIT s] (:func:`_timer_pauses`).

    Returns
    -------
    numpy.ndarray of int64
        Grows by one at each session change and at the first sample after a timer restart.
    """
    ends = np.array([b for _, b in pauses], dtype=float)
    t_prev = np.concatenate(([-np.inf], t[:-1]))
    restarted = np.searchsorted(ends, t, side="right") > np.searchsorted(ends, t_prev, side="right")
    restarted[0] = False
    boundary = restarted | (np.diff(session, prepend=session[0]) != 0)
    return np.cumsum(boundary).astype(np.int64)


def _samples(
    t: np.ndarray,
    cols: dict[str, np.ndarray],
    values: list[str],
    session: np.ndarray,
    segment: np.ndarray,
    sessions: list[dict],
    sports: list[tuple[Optional[str], Optional[str]]],
    warnings: list[str],
) -> tuple[pd.DataFrame, bool]:
    """The samples frame: times, the record columns, cadence in steps/min, session, segment.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times [FIT s], whole seconds.
    cols : dict of str to numpy.ndarray
        Merged record columns (:func:`_merged_records`), final units; ``cadence`` raw [1/min].
    values : list of str
        The names in ``cols``, in :data:`RECORD_KEYS` order.
    session, segment : numpy.ndarray of int64
        Per-sample indices (:func:`_session_index`, :func:`_segment_index`).
    sessions : list of dict
        Sessions ordered by start time; their sports decide the cadence per session.
    sports : list of (str or None, str or None)
        :attr:`FitContent.sports`, used for the cadence when there is no session.
    warnings : list of str
        Gets the off-globe and cadence sentences.

    Returns
    -------
    samples : pandas.DataFrame
        ``time`` (UTC), ``elapsed_s`` [s], the record columns, ``cadence_spm`` [steps/min]
        when there is cadence, ``session``, ``segment``.
    doubled_any : bool
        Whether the cadence of some session was doubled from strides/min.
    """
    data: dict[str, np.ndarray] = {
        # FIT times are whole seconds; int64 ns avoids float rounding of epoch nanoseconds
        "time": pd.to_datetime((t.astype(np.int64) + FIT_EPOCH_UNIX_S) * 1_000_000_000, unit="ns", utc=True),
        "elapsed_s": t - t[0],
    }
    for k in values:
        if k != "cadence":
            data[k] = cols[k]
    note = drop_off_globe(data)
    if note:
        warnings.append(note + ".")

    # Cadence: strides/min -> steps/min per session.
    doubled_any = False
    if "cadence" in values:
        info_sessions = sessions if sessions else [
            {"sport": s, "sub_sport": ss} for s, ss in sports[:1]
        ]
        data["cadence_spm"], doubled_any, notes = normalise_cadence(
            cols["cadence"],
            [(s.get("sport"), s.get("sub_sport")) for s in info_sessions],
            session,
            data.get("device_speed_mps"),
        )
        warnings.extend(note + "." for note in notes)
    data["session"] = session
    data["segment"] = segment
    return pd.DataFrame(data), doubled_any


def _session_infos(
    sessions: list[dict],
    sports: list[tuple[Optional[str], Optional[str]]],
    t: np.ndarray,
    session: np.ndarray,
) -> tuple[list[SessionInfo], Optional[str], Optional[str]]:
    """The sessions as meta holds them, and the track's sport: that of its longest session.

    Parameters
    ----------
    sessions : list of dict
        Sessions ordered by start time.
    sports : list of (str or None, str or None)
        :attr:`FitContent.sports`; without sessions, the first one is the track's only session.
    t : numpy.ndarray
        Sample times [FIT s].
    session : numpy.ndarray of int64
        Session index per sample; measures a session whose elapsed time is missing.

    Returns
    -------
    infos : list of SessionInfo
    sport, sub_sport : str or None
    """
    infos = []
    for i, s in enumerate(sessions):
        st = s.get("start_time")
        infos.append(
            SessionInfo(
                index=i,
                sport=s.get("sport"),
                sub_sport=s.get("sub_sport"),
                start_time=_fit_time(st) if st is not None else None,
            )
        )
    if sessions:
        durations = []
        for i, s in enumerate(sessions):
            d = s.get("total_elapsed_time")
            if d is None:
                in_s = t[session == i]
                d = float(in_s[-1] - in_s[0]) if in_s.size else 0.0
            durations.append(float(d))
        main = sessions[int(np.argmax(durations))]
        sport, sub_sport = main.get("sport"), main.get("sub_sport")
    elif sports:
        sport, sub_sport = sports[0]
        infos.append(SessionInfo(index=0, sport=sport, sub_sport=sub_sport, start_time=_fit_time(t[0])))
    else:
        sport = sub_sport = None
    return infos, sport, sub_sport


def _device_totals(sessions: list[dict]) -> DeviceTotals:
    """The watch's own totals, summed over ``sessions`` (None where no session has one)."""
    return DeviceTotals(
        distance_m=_sum_or_none(sessions, "total_distance"),
        ascent_m=_sum_or_none(sessions, "total_ascent"),
        descent_m=_sum_or_none(sessions, "total_descent"),
        moving_time_s=_sum_or_none(sessions, "total_timer_time"),
        elapsed_time_s=_sum_or_none(sessions, "total_elapsed_time"),
    )


def _warn_long_gap(t: np.ndarray, warnings: list[str]) -> None:
    """Append a sentence naming the longest gap between samples when it exceeds an hour.

    Parameters
    ----------
    t : numpy.ndarray
        Sample times [FIT s].
    warnings : list of str
        Gets the sentence.
    """
    gaps = np.diff(t)
    if gaps.size and gaps.max() > 3600:
        i = int(np.argmax(gaps))
        warnings.append(
            f"Recording has a gap of {gaps[i] / 3600:.1f} h after {_fit_time(t[i]).isoformat()}."
        )


def utc_offset_of(offsets_s: list[float]) -> Optional[int]:
    """The file's UTC offset [s] from its ``activity`` messages' local and UTC timestamps.

    Rounded to the quarter hour (the two stamps can be a second apart); None when there is
    none, or it is no zone's offset: beyond ±14 h, or a quarter hour other than the :45 of
    Nepal, Eucla and Chatham (a Vivosmart HR file says +00:15).
    """
    for off in offsets_s:
        q = int(round(off / 900.0)) * 900
        if abs(q) <= 14 * 3600 and (q % 1800 == 0 or abs(q) in _QUARTER_HOUR_ZONES_S):
            return q
    return None


#: The zones whose offset is not a whole or half hour: +05:45, +08:45, +12:45 [s].
_QUARTER_HOUR_ZONES_S = (20700, 31500, 45900)
