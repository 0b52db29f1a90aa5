"""What a cached season entry must look like before the season uses it.

A cache entry is a file anyone with access to the cache folder can edit, and an older or newer
trailtech may have written it. Decoding as JSON is not enough: a well-formed entry without its
``activity``, or with an integer ``start_time``, used to crash the whole season when it was
sorted, tabled or matched. :func:`is_entry` and :func:`is_segments_entry` check every field the
season reads, with its type; anything else is a cache miss and the file is analysed again.

The shapes are the ones :func:`trailtech.season.work.build_entry`,
:func:`trailtech.season.work.error_entry` and :func:`trailtech.season.match.match_segments`
produce.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["is_entry", "is_segments_entry", "is_crossover_entry", "is_geometry_list", "is_trend"]

_STR_KEYS = ("file",)
_OPT_STR_KEYS = ("sport", "sub_sport", "name", "format")
_OPT_TIME_KEYS = ("start_time_local", "time_created")
_NUMBER_KEYS = ("distance_m", "ascent_m", "moving_time_s", "descent_control_score", "hike_time_s",
                "crossover_grade_pct", "duration_s", "descent_m", "flat_cadence_spm", "technical_distance_m",
                "descent_length_m", "samples", "on_foot_distance_m", "on_foot_ascent_m", "on_foot_moving_time_s",
                "utc_offset_s")
_INT_KEYS = ("line_practice_count", "practice_repeats")
_BOUT_COLUMNS = ("gait", "start_s", "end_s", "start_m", "end_m", "avg_grade_pct", "vam_m_per_h", "duration_s")
_TRACE_KEYS = ("d", "lat", "lon", "ele", "t")
_PASS_KEYS = ("file", "start_time", "duration_s", "control_score")
_SEGMENT_NUMBER_KEYS = ("start_lat", "start_lon", "end_lat", "end_lon", "length_m", "drop_m")


def _number(x: Any) -> bool:
    """A JSON number that is finite (bool is not a number here)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _opt_number(x: Any) -> bool:
    return x is None or _number(x)


_NUMBER_TYPES = frozenset((int, float))
_NUMBER_OR_NONE_TYPES = frozenset((int, float, type(None)))


def _numbers(values: list, *, allow_none: bool = False) -> bool:
    """:func:`_number` (or :func:`_opt_number`) of every item of a list, in C loops: a warm
    season checks hundreds of thousands of trace values, and item by item that was half of
    its time."""
    if not set(map(type, values)) <= (_NUMBER_OR_NONE_TYPES if allow_none else _NUMBER_TYPES):
        return False  # bool, str, dict ... (type(), not isinstance: bool is an int)
    if not values:
        return True
    try:
        arr = np.array(values, dtype=float)  # None -> NaN
    except OverflowError:  # an integer beyond any float
        return False
    n_none = values.count(None) if allow_none else 0
    return int(np.isfinite(arr).sum()) == len(values) - n_none


def _whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _time(x: Any) -> bool:
    """An ISO 8601 time string the season can parse."""
    if not isinstance(x, str):
        return False
    import pandas as pd

    try:
        return pd.Timestamp(x) is not pd.NaT
    except (ValueError, TypeError, OverflowError):
        return False


def _str_list(x: Any) -> bool:
    return isinstance(x, list) and all(isinstance(v, str) for v in x)


def _activity(a: Any) -> bool:
    if not isinstance(a, dict):
        return False
    return (all(isinstance(a.get(k), str) for k in _STR_KEYS)
            and (a.get("start_time") is None or _time(a["start_time"]))
            and all(a.get(k) is None or _time(a[k]) for k in _OPT_TIME_KEYS)
            and all(a.get(k) is None or isinstance(a[k], str) for k in _OPT_STR_KEYS)
            and all(_opt_number(a.get(k)) for k in _NUMBER_KEYS)
            and all(a.get(k) is None or _whole(a[k]) for k in _INT_KEYS)
            and _str_list(a.get("sensors", []))
            and _str_list(a.get("duplicates", []))
            and isinstance(a.get("on_foot", True), bool))


def _bouts(b: Any) -> bool:
    if not isinstance(b, dict) or not all(isinstance(b.get(c, []), list) for c in _BOUT_COLUMNS):
        return False
    if len({len(b.get(c, [])) for c in _BOUT_COLUMNS}) != 1:
        return False
    return (all(v is None or isinstance(v, str) for v in b.get("gait", []))
            and all(_numbers(b.get(c, []), allow_none=True) for c in _BOUT_COLUMNS[1:]))


def _hr(h: Any) -> bool:
    """A heart-rate histogram: equal-length lists of whole numbers."""
    return (isinstance(h, dict) and isinstance(h.get("bpm"), list) and isinstance(h.get("s"), list)
            and len(h["bpm"]) == len(h["s"]) and all(_whole(v) for v in h["bpm"])
            and all(_whole(v) and v >= 0 for v in h["s"]))


def _gap(g: Any) -> bool:
    """A grade-adjusted speed histogram: equal-length lists of whole numbers, and the fastest
    hour (a positive number or None)."""
    return (isinstance(g, dict) and isinstance(g.get("mps10"), list) and isinstance(g.get("s"), list)
            and len(g["mps10"]) == len(g["s"]) and all(_whole(v) and v >= 0 for v in g["mps10"])
            and all(_whole(v) and v >= 0 for v in g["s"])
            and (g.get("best_hour_mps") is None or (_number(g["best_hour_mps"]) and g["best_hour_mps"] > 0)))


def _trace(g: Any) -> bool:
    if not isinstance(g, dict) or g.get("kind") not in ("down", "up"):
        return False
    lists = [g.get(k) for k in _TRACE_KEYS]
    if not all(isinstance(v, list) for v in lists) or len({len(v) for v in lists}) != 1 or len(lists[0]) < 3:
        return False
    core = g.get("core")
    return (all(_numbers(g[k]) for k in ("d", "lat", "lon"))
            and all(_numbers(g[k], allow_none=True) for k in ("ele", "t"))
            and isinstance(core, list) and len(core) == 2 and all(_whole(i) for i in core)
            and 0 <= core[0] <= core[1] < len(lists[0])
            and _whole(g.get("index"))
            and (g.get("start_time") is None or _time(g["start_time"]))
            and all(_number(g.get(k)) for k in ("start_m", "end_m"))
            and all(_opt_number(g.get(k)) for k in ("length_m", "drop_m", "control_score")))


def is_entry(entry: Any) -> bool:
    """Whether a cached per-file entry has the shape the season reads.

    An analysed file: ``file`` (str), ``ok`` True, ``activity`` (its season row, typed field by
    field), ``analysis`` (the ``analyze --json`` document: a dict naming a file), ``bouts``
    (equal-length columns) and ``geometry`` (resampled traces), or ``geometry_key`` when the
    geometry is kept in its own entry (:mod:`trailtech.season.entry_cache`). A failed file: ``ok`` False,
    ``error`` (str). A file of several activities: ``ok`` True and ``parts``, two or more such
    entries.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        return False
    ok = entry.get("ok")
    if ok is False:
        return isinstance(entry.get("error"), str)
    if ok is not True:
        return False
    if "parts" in entry:  # a file of several activities: one entry each, none of them nested
        parts = entry["parts"]
        return (isinstance(parts, list) and len(parts) > 1
                and all(isinstance(p, dict) and "parts" not in p and is_entry(p) for p in parts))
    analysis = entry.get("analysis")
    if "geometry_key" in entry:  # kept in its own entry (season.entry_cache), read when needed
        geometry_ok = ("geometry" not in entry and isinstance(entry["geometry_key"], str)
                       and (entry.get("geometry_part") is None or _whole(entry["geometry_part"])))
    else:
        geometry_ok = is_geometry_list(entry.get("geometry", []))
    return (_activity(entry.get("activity"))
            and isinstance(analysis, dict) and isinstance(analysis.get("file"), str)
            and _bouts(entry.get("bouts", {}))
            and _hr(entry.get("hr", {"bpm": [], "s": []}))
            and _gap(entry.get("gap", {"mps10": [], "s": []}))
            and geometry_ok)


def is_geometry_list(geometry: Any) -> bool:
    """Whether an activity's stored descent/climb geometry is a list of resampled traces."""
    return isinstance(geometry, list) and all(_trace(g) for g in geometry)


def _where(w: Any) -> bool:
    """Where a segment was first met (names come from it): None, or a file and kilometres."""
    return w is None or (isinstance(w, dict) and isinstance(w.get("file"), str)
                         and _opt_number(w.get("start_m")) and _opt_number(w.get("end_m")))


def _segment(s: Any) -> bool:
    if not isinstance(s, dict) or s.get("direction") not in ("down", "up"):
        return False
    passes = s.get("passes")
    return (isinstance(s.get("segment_id"), (str, int)) and not isinstance(s.get("segment_id"), bool)
            and all(_opt_number(s.get(k)) for k in _SEGMENT_NUMBER_KEYS)
            and (s.get("trend") is None or isinstance(s["trend"], str))
            and _where(s.get("where"))
            and isinstance(passes, list) and len(passes) > 0
            and all(isinstance(p, dict) and isinstance(p.get("file"), str) and _time(p.get("start_time"))
                    and _opt_number(p.get("duration_s")) and _opt_number(p.get("control_score"))
                    for p in passes))


def is_segments_entry(entry: Any) -> bool:
    """Whether a cached cross-activity segments entry has the shape the season reads:
    ``{"file": str, "segments": [segment, ...]}`` with every pass typed."""
    return (isinstance(entry, dict) and isinstance(entry.get("file"), str)
            and isinstance(entry.get("segments"), list) and all(_segment(s) for s in entry["segments"]))


def is_crossover_entry(entry: Any) -> bool:
    """Whether a cached season crossover (:func:`trailtech.season.summary.cached_season_crossover`)
    has the shape of :func:`~trailtech.season.summary.season_crossover`'s answer."""
    c = entry.get("crossover") if isinstance(entry, dict) else None
    if not isinstance(c, dict) or set(c) != {"grade_pct", "ci_pct", "method", "reason", "reason_text", "activities"}:
        return False
    ci = c["ci_pct"]
    return (_opt_number(c["grade_pct"]) and _whole(c["activities"])
            and (ci is None or (isinstance(ci, list) and len(ci) == 2 and _numbers(ci)))
            and all(v is None or isinstance(v, str) for v in (c["method"], c["reason"], c["reason_text"])))


_TREND_NUMBER_KEYS = ("change_per_30d", "change_low_per_30d", "change_high_per_30d", "span_d")


def is_trend(t: Any) -> bool:
    """Whether a cached trend has the shape of :func:`trailtech.season.summary.robust_trend`'s
    answer."""
    return (isinstance(t, dict)
            and set(t) == {"trend", "status", "missing", *_TREND_NUMBER_KEYS}
            and all(_opt_number(t[k]) for k in _TREND_NUMBER_KEYS)
            and t["trend"] in (None, "improving", "worse", "steady") and isinstance(t["status"], str)
            and (t["missing"] is None or isinstance(t["missing"], str)))
