"""The one data model every reader produces: :class:`Track`.

A track is the decoded, normalised content of one activity file, before any smoothing or
resampling. Readers keep every sample they decode (missing sensor values are NaN, never
dropped rows) and say in ``meta.warnings`` what they had to repair.

Sample columns (``Track.samples``)
----------------------------------
Every column name carries its unit. Only ``time`` and ``elapsed_s`` are always present;
the others are present when the file has them (see :data:`COLUMNS`).

==================== ============================================================
column               meaning
==================== ============================================================
time                 sample time, ``datetime64[ns, UTC]``, sorted, unique
elapsed_s            seconds since the first sample [s]
lat_deg, lon_deg     WGS84 position [deg]
elevation_m          elevation as recorded (FIT enhanced_altitude > altitude > GPX ele) [m]
device_distance_m    cumulative distance the device reported [m]
device_speed_mps     speed the device reported (FIT enhanced_speed > speed) [m/s]
cadence_spm          cadence in steps per minute, both feet [1/min]
heart_rate_bpm       heart rate [1/min]
power_w              power [W]
temperature_c        temperature [degC]
segment              index of the continuous piece of recording (GPX trkseg, TCX lap
                     break, FIT session); 0-based, int
session              FIT session / TCX activity index the sample belongs to; 0-based, int
==================== ============================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Optional

import numpy as np
import pandas as pd

from ._json import jsonable

__all__ = ["Track", "TrackMeta", "DeviceTotals", "SessionInfo", "COLUMNS", "empty_samples", "file_header"]

#: Known sample columns and their dtypes. Readers may only write these.
COLUMNS: dict[str, str] = {
    "time": "datetime64[ns, UTC]",
    "elapsed_s": "float64",
    "lat_deg": "float64",
    "lon_deg": "float64",
    "elevation_m": "float64",
    "device_distance_m": "float64",
    "device_speed_mps": "float64",
    "cadence_spm": "float64",
    "heart_rate_bpm": "float64",
    "power_w": "float64",
    "temperature_c": "float64",
    "segment": "int64",
    "session": "int64",
}


@dataclass(frozen=True)
class DeviceTotals:
    """Totals the device itself wrote into the file (FIT sessions summed), ``None`` if absent.

    Attributes
    ----------
    distance_m : float or None
        Total distance [m].
    ascent_m, descent_m : float or None
        Total ascent and descent [m].
    moving_time_s : float or None
        Timer time, i.e. time with the timer running (FIT ``total_timer_time``) [s].
    elapsed_time_s : float or None
        Elapsed time (FIT ``total_elapsed_time``) [s].
    """

    distance_m: Optional[float] = None
    ascent_m: Optional[float] = None
    descent_m: Optional[float] = None
    moving_time_s: Optional[float] = None
    elapsed_time_s: Optional[float] = None


@dataclass(frozen=True)
class SessionInfo:
    """One session (FIT session, TCX Activity) of a possibly multisport file."""

    index: int
    sport: Optional[str] = None
    sub_sport: Optional[str] = None
    start_time: Optional[pd.Timestamp] = None


@dataclass(frozen=True)
class TrackMeta:
    """What a file says about itself, and what the reader had to do to it.

    Attributes
    ----------
    source : str
        File name as given, ``"<stdin>"`` or ``"<buffer>"``.
    format : str
        ``"fit"``, ``"gpx"`` or ``"tcx"``.
    sport, sub_sport : str or None
        Sport of the activity, lower case (``"running"``, ``"trail"``...). For multisport
        files, the sport of the longest session.
    device : str or None
        Manufacturer and product, e.g. ``"garmin fenix6x"``, or the GPX/TCX creator.
    start_time : pandas.Timestamp or None
        Time of the first sample (UTC).
    barometric : bool or None
        Whether the elevation comes from a barometric altimeter, when the file says so
        (FIT ``enhanced_altitude`` from a known barometric device); ``None`` when unknown:
        the pipeline then decides from the noise of the signal.
    cadence_doubled : bool
        Whether the reader doubled strides/min into steps/min.
    sessions : tuple of SessionInfo
        Every session in the file.
    device_totals : DeviceTotals
        Totals the device wrote.
    timer_pauses : tuple of (Timestamp, Timestamp)
        Intervals when the device timer was stopped (FIT timer events), UTC.
    n_records : int or None
        Records / track points found in the file before duplicates were merged.
    warnings : tuple of str
        What was wrong and what was done about it, one sentence each.
    utc_offset_s : int or None
        Offset of the local time where the activity took place from UTC [s] (-25200 for
        -07:00), when known.
    utc_offset_source : str or None
        Where the offset comes from: ``"file"`` (FIT ``activity.local_timestamp``) or
        ``"coordinates"`` (the time zone at the first position, :mod:`trailtech.localtime`).
    time_created : pandas.Timestamp or None
        When the device says it created the file (FIT ``file_id.time_created``), UTC.
    activity_index, n_activities : int
        Which of the file's activities this is (0-based, in time order) and how many the file
        holds (several ``<Activity>`` in a TCX, ``<trk>`` hours apart in a GPX, chained FIT
        activities; see :mod:`trailtech.io.split`).
    notes : tuple of str
        What the reader decided, not what was wrong (e.g. which of several activities it
        returned); ``analyze`` lists them in its ``notes``.
    """

    source: str
    format: str
    sport: Optional[str] = None
    sub_sport: Optional[str] = None
    device: Optional[str] = None
    start_time: Optional[pd.Timestamp] = None
    barometric: Optional[bool] = None
    cadence_doubled: bool = False
    sessions: tuple[SessionInfo, ...] = ()
    device_totals: DeviceTotals = field(default_factory=DeviceTotals)
    timer_pauses: tuple[tuple[pd.Timestamp, pd.Timestamp], ...] = ()
    n_records: Optional[int] = None
    warnings: tuple[str, ...] = ()
    utc_offset_s: Optional[int] = None
    utc_offset_source: Optional[str] = None
    time_created: Optional[pd.Timestamp] = None
    activity_index: int = 0
    n_activities: int = 1
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class Track:
    """One activity: decoded samples plus metadata.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per recorded sample, RangeIndex, sorted by ``time``, no duplicate times.
        Columns are a subset of :data:`COLUMNS` (``time`` and ``elapsed_s`` always).
    meta : TrackMeta
        File-level information.
    """

    samples: pd.DataFrame
    meta: TrackMeta

    @property
    def has(self) -> dict[str, bool]:
        """Which sensors hold at least one value: position, elevation, cadence, ..."""
        s = self.samples

        def any_(col: str) -> bool:
            return col in s and bool(np.isfinite(s[col].to_numpy(dtype=float)).any())

        return {
            "position": any_("lat_deg") and any_("lon_deg"),
            "elevation": any_("elevation_m"),
            "barometric_elevation": self.meta.barometric,
            "cadence": any_("cadence_spm"),
            "heart_rate": any_("heart_rate_bpm"),
            "device_speed": any_("device_speed_mps"),
        }

    @property
    def duration_s(self) -> float:
        """Elapsed time from the first to the last sample [s]."""
        if len(self.samples) == 0:
            return 0.0
        return float(self.samples["elapsed_s"].iloc[-1])

    def __repr__(self) -> str:
        m = self.meta
        return (f"Track(source={m.source!r}, format={m.format!r}, sport={m.sport!r}, "
                f"device={m.device!r}, samples={len(self.samples)}, "
                f"duration_s={self.duration_s:.0f}, warnings={len(m.warnings)})")

    def to_dict(self) -> dict[str, Any]:
        """The ``trailtech info --json`` document (see the CLI contract).

        Returns
        -------
        dict
            :func:`file_header`'s keys, then ``duration_s`` [s] (null without timestamps),
            ``samples``, ``has`` (:attr:`has`), ``device_totals`` (``distance_m``,
            ``ascent_m``, ``descent_m``, ``moving_time_s``; null when the file has none),
            ``warnings`` and ``elevation_source`` (``"barometric"``, ``"gps"`` or null: the
            device table, else the signal; terrain tiles are an analysis option).
        """
        from .processing.elevation_source import track_elevation_source  # it reads the samples

        t = self.meta.device_totals
        return {
            **file_header(self.meta),
            # A file without timestamps has no duration: null, never NaN.
            "duration_s": jsonable(float(self.duration_s)),
            "samples": int(len(self.samples)),
            "has": {k: (None if v is None else bool(v)) for k, v in self.has.items()},
            "device_totals": {
                "distance_m": jsonable(t.distance_m),
                "ascent_m": jsonable(t.ascent_m),
                "descent_m": jsonable(t.descent_m),
                "moving_time_s": jsonable(t.moving_time_s),
            },
            "warnings": [str(w) for w in self.meta.warnings],
            "elevation_source": track_elevation_source(self),
        }

    def with_warnings(self, *messages: str) -> "Track":
        """A copy of the track with ``messages`` appended to ``meta.warnings``."""
        return replace(self, meta=replace(self.meta, warnings=self.meta.warnings + tuple(messages)))

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        m = self.meta
        return (
            f"<b>Track</b> {m.source} ({m.format}, {m.sport or 'unknown sport'}, "
            f"{m.device or 'unknown device'}): {len(self.samples)} samples, "
            f"{self.duration_s / 60:.1f} min" + self.samples.head()._repr_html_()
        )


def empty_samples() -> pd.DataFrame:
    """An empty samples frame with the ``time`` and ``elapsed_s`` columns."""
    return pd.DataFrame(
        {"time": pd.Series([], dtype="datetime64[ns, UTC]"), "elapsed_s": pd.Series([], dtype=float)}
    )


def file_header(meta: TrackMeta) -> dict[str, Any]:
    """The keys that open both ``info --json`` and ``analyze --json``: which file, what it is.

    Parameters
    ----------
    meta : TrackMeta

    Returns
    -------
    dict
        ``file``, ``format``, ``sport``, ``device``, ``start_time`` (ISO 8601 UTC or None),
        ``start_time_local`` (the same instant in the local time of the activity, ISO 8601
        with its offset, e.g. ``2024-11-24T06:27:08-07:00``; None when the offset is unknown)
        and ``utc_offset_source`` (``"file"``, ``"coordinates"`` or None).
    """
    return {
        "file": meta.source,
        "format": meta.format,
        "sport": meta.sport,
        "device": meta.device,
        "start_time": jsonable(meta.start_time),
        "start_time_local": local_iso(meta.start_time, meta.utc_offset_s),
        "utc_offset_source": meta.utc_offset_source if meta.utc_offset_s is not None else None,
    }


def local_iso(t: Optional[pd.Timestamp], utc_offset_s: Optional[int]) -> Optional[str]:
    """``t`` (UTC) as ISO 8601 local time with its offset, seconds precision; None when
    either is unknown."""
    if t is None or utc_offset_s is None or pd.isna(t):
        return None
    import datetime as _dt

    tz = _dt.timezone(_dt.timedelta(seconds=int(utc_offset_s)))
    ts = pd.Timestamp(t)
    if ts.tzinfo is None:
        raise TypeError(f"local_iso needs a time zone-aware UTC time, got {ts}")
    # Whole seconds of the epoch, floored (the offset is whole seconds, so flooring before or
    # after the shift is the same); datetime is 10x faster than a pandas tz_convert per call.
    return _dt.datetime.fromtimestamp(ts.value // 1_000_000_000, tz).isoformat()
