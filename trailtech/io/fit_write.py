"""Write a :class:`~trailtech.track.Track` as a FIT activity file, with Garmin's official SDK.

Used for the project's own sample tracks (:mod:`trailtech.simulate`) and for tests. The file
has the message sequence of a watch recording: ``file_id``, ``device_info``, a timer-start
``event``, one ``record`` per sample (with timer stop/start events around any
``meta.timer_pauses``), a timer-stop event, one ``lap``, one ``session`` and the ``activity``.

Record fields and their resolution (FIT profile, science.md 5.1): ``timestamp`` 1 s;
``position_lat/long`` semicircles; ``enhanced_altitude`` 0.2 m; ``enhanced_speed`` 1 mm/s;
``distance`` 1 cm; ``heart_rate`` 1 bpm; ``cadence`` whole strides/min plus
``fractional_cadence`` in 1/128 strides/min (running cadence in FIT counts one foot, so
``cadence_spm`` [steps/min] is halved).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Optional

import numpy as np
import pandas as pd

from ..errors import TrackDataError
from ..track import Track

__all__ = ["to_fit"]

_SEMICIRCLES_PER_DEG = 2.0**31 / 180.0
_SERIAL_NUMBER = 3141592653
_SOFTWARE_VERSION = 1.0


def _sdk():
    try:
        import garmin_fit_sdk
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "writing FIT files needs Garmin's FIT SDK: pip install garmin-fit-sdk"
        ) from exc
    return garmin_fit_sdk


def _num(x: Any) -> Optional[float]:
    """A finite float, or None (which the encoder leaves out of the message)."""
    if x is None:
        return None
    f = float(x)
    return f if math.isfinite(f) else None


def _semicircles(deg: Any) -> Optional[int]:
    f = _num(deg)
    return None if f is None else int(round(f * _SEMICIRCLES_PER_DEG))


def _py_time(t: pd.Timestamp) -> _dt.datetime:
    return pd.Timestamp(t).tz_convert("UTC").to_pydatetime()


def _product_name(device: Optional[str]) -> str:
    """The ``product_name`` to write: a reader labels it "development (<name>)", so unwrap that
    label to keep write -> read -> write stable."""
    if not device:
        return "trailtech"
    m = re.fullmatch(r"development \((.*)\)", device)
    return m.group(1) if m else device


def _column(s: pd.DataFrame, name: str, n: int) -> np.ndarray:
    return s[name].to_numpy(dtype=float) if name in s else np.full(n, np.nan)


def to_fit(track: Track, *, cadence_fractional: bool = True) -> bytes:
    """Encode ``track`` as a FIT activity file.

    Parameters
    ----------
    track : Track
        Must have at least one sample. Sport and sub-sport come from ``meta`` (default
        ``running``/``generic``), totals from ``meta.device_totals`` (computed from the samples
        when absent), the product name from ``meta.device``; the manufacturer is
        ``development``.
    cadence_fractional : bool
        Write ``fractional_cadence`` (1/128 strides/min) next to the whole-stride
        ``cadence``, as Garmin watches do; with ``False`` cadence is rounded to whole
        strides/min (2 steps/min).

    Returns
    -------
    bytes
        The FIT file.

    Raises
    ------
    TrackDataError
        If the track has no samples.
    ImportError
        If ``garmin-fit-sdk`` is not installed (``pip install garmin-fit-sdk``).

    Examples
    --------
    >>> from trailtech.simulate import simulate_hill_repeats
    >>> data = to_fit(simulate_hill_repeats(seed=0).track)
    >>> data[8:12]
    b'.FIT'
    """
    sdk = _sdk()
    mesg_num = sdk.Profile["mesg_num"]
    s = track.samples
    n = len(s)
    if n == 0:
        raise TrackDataError(track.meta.source, "cannot write a FIT file of a track with no samples")
    meta = track.meta
    times = pd.to_datetime(s["time"], utc=True)
    start, end = _py_time(times.iloc[0]), _py_time(times.iloc[-1])
    cols = {name: _column(s, name, n) for name in _RECORD_COLUMNS}
    cad_int, cad_frac = _cadence_fields(cols["cadence_spm"], fractional=cadence_fractional)
    product_name = _product_name(meta.device)
    enc = sdk.Encoder()
    enc.write_mesg({
        "mesg_num": mesg_num["FILE_ID"], "type": "activity", "manufacturer": "development",
        "serial_number": _SERIAL_NUMBER, "time_created": start,
        "product_name": product_name,
    })
    enc.write_mesg({
        "mesg_num": mesg_num["DEVICE_INFO"], "timestamp": start, "device_index": "creator",
        "manufacturer": "development", "product_name": product_name,
        "serial_number": _SERIAL_NUMBER, "software_version": _SOFTWARE_VERSION,
    })
    _write_records(enc, mesg_num, list(times.dt.to_pydatetime()), cols, cad_int, cad_frac,
                   [(_py_time(a), _py_time(b)) for a, b in meta.timer_pauses])
    summary = _summary(meta, times, cols, start=start, end=end)
    timer = summary["total_timer_time"]
    lat, lon = cols["lat_deg"], cols["lon_deg"]
    enc.write_mesg({"mesg_num": mesg_num["LAP"], "message_index": 0,
                    "end_position_lat": _semicircles(lat[-1]), "end_position_long": _semicircles(lon[-1]),
                    "lap_trigger": "session_end", **summary})
    enc.write_mesg({"mesg_num": mesg_num["SESSION"], "message_index": 0, "first_lap_index": 0,
                    "num_laps": 1, "trigger": "activity_end", **summary, "event": "session"})
    enc.write_mesg({
        "mesg_num": mesg_num["ACTIVITY"], "timestamp": end, "total_timer_time": timer,
        "num_sessions": 1, "type": "manual", "event": "activity", "event_type": "stop",
    })
    return enc.close()


#: The sample columns a record carries (NaN where the track has no such column).
_RECORD_COLUMNS = ("lat_deg", "lon_deg", "elevation_m", "device_speed_mps", "device_distance_m",
                   "heart_rate_bpm", "cadence_spm")


def _cadence_fields(cad_spm: np.ndarray, *, fractional: bool) -> tuple[np.ndarray, np.ndarray]:
    """FIT ``cadence`` [whole strides/min] and ``fractional_cadence`` [strides/min, 1/128
    steps] of ``cad_spm`` [steps/min]; without ``fractional``, whole strides rounded half up (as
    Garmin does) and no fractional part (NaN)."""
    strides = cad_spm / 2.0
    if not fractional:
        return np.floor(strides + 0.5), np.full(len(cad_spm), np.nan)
    strides128 = np.round(strides * 128.0)
    cad_int = np.floor(strides128 / 128.0)
    return cad_int, (strides128 - cad_int * 128.0) / 128.0


def _write_records(enc, mesg_num: dict, py_times, cols: dict, cad_int: np.ndarray, cad_frac: np.ndarray,
                   pauses: list) -> None:
    """One ``record`` per sample between a timer start and stop, with a stop/start pair of
    events around each of ``pauses`` ((start, end) datetimes)."""

    def event(t: _dt.datetime, event_type: str) -> None:
        enc.write_mesg({
            "mesg_num": mesg_num["EVENT"], "timestamp": t, "event": "timer",
            "event_type": event_type, "event_group": 0,
        })

    lat, lon, ele = cols["lat_deg"], cols["lon_deg"], cols["elevation_m"]
    speed, dist, hr = cols["device_speed_mps"], cols["device_distance_m"], cols["heart_rate_bpm"]
    event(py_times[0], "start")
    p = 0
    rec = mesg_num["RECORD"]
    for i, t in enumerate(py_times):
        while p < len(pauses) and pauses[p][0] <= t:
            event(pauses[p][0], "stop_all")
            event(pauses[p][1], "start")
            p += 1
        enc.write_mesg({
            "mesg_num": rec,
            "timestamp": t,
            "position_lat": _semicircles(lat[i]),
            "position_long": _semicircles(lon[i]),
            "distance": _num(dist[i]),
            "enhanced_speed": _num(speed[i]),
            "enhanced_altitude": _num(ele[i]),
            "heart_rate": None if _num(hr[i]) is None else int(round(hr[i])),
            "cadence": None if _num(cad_int[i]) is None else int(cad_int[i]),
            "fractional_cadence": _num(cad_frac[i]),
        })
    event(py_times[-1], "stop_all")


def _summary(meta, times: pd.Series, cols: dict, *, start: _dt.datetime, end: _dt.datetime) -> dict[str, Any]:
    """The fields the lap and the session share: totals from ``meta.device_totals``, computed
    from the samples where the track has none."""
    dist, speed, hr, cad_spm = (cols["device_distance_m"], cols["device_speed_mps"], cols["heart_rate_bpm"],
                                cols["cadence_spm"])
    totals = meta.device_totals
    elapsed = float((times.iloc[-1] - times.iloc[0]).total_seconds())
    total_distance = totals.distance_m
    if total_distance is None:
        finite = dist[np.isfinite(dist)]
        total_distance = float(finite[-1]) if len(finite) else None
    timer = totals.moving_time_s if totals.moving_time_s is not None else elapsed
    summary: dict[str, Any] = {
        "timestamp": end,
        "start_time": start,
        "total_elapsed_time": totals.elapsed_time_s if totals.elapsed_time_s is not None else elapsed,
        "total_timer_time": timer,
        "total_distance": _num(total_distance),
        "total_ascent": None if totals.ascent_m is None else int(round(totals.ascent_m)),
        "total_descent": None if totals.descent_m is None else int(round(totals.descent_m)),
        "sport": (meta.sport or "running").lower(),
        "sub_sport": (meta.sub_sport or "generic").lower(),
        "start_position_lat": _semicircles(cols["lat_deg"][0]),
        "start_position_long": _semicircles(cols["lon_deg"][0]),
        "enhanced_avg_speed": _num(total_distance / timer) if total_distance and timer else None,
        "enhanced_max_speed": _num(np.nanmax(speed)) if np.isfinite(speed).any() else None,
        "avg_heart_rate": int(round(np.nanmean(hr))) if np.isfinite(hr).any() else None,
        "max_heart_rate": int(np.nanmax(hr)) if np.isfinite(hr).any() else None,
        "event": "lap",
        "event_type": "stop",
    }
    moving_cad = cad_spm[np.isfinite(cad_spm) & (cad_spm > 0)]
    if len(moving_cad):
        summary["avg_cadence"] = int(round(np.mean(moving_cad) / 2.0))
        summary["max_cadence"] = int(round(np.max(moving_cad) / 2.0))
    return summary
