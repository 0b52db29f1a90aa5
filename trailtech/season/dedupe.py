"""One activity in several files: find the copies and keep the richest.

Runners who export from Garmin Connect *and* Strava into one folder end up with the same run
as a FIT, a GPX and a TCX. Counted separately they inflate the season's totals and give every
segment identical passes. Files are the same activity when their start times agree within
``start_tolerance_s``, their elapsed durations within a few percent and their distances within
a little more (a GPX export's distance comes from noisy positions): the exports of one
recording start on the same second, while two real activities that start within a minute of
each other and last as long are the same run recorded twice.

Of each group the richest file is kept: the one with more sensors (cadence, heart rate,
power, barometric elevation ...), then the native format (FIT, then TCX, then GPX), then the
one with more samples. The others are listed in its ``duplicates``.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import pandas as pd

__all__ = ["find_duplicates", "richness", "FORMAT_RANK", "START_TOLERANCE_S", "DURATION_TOLERANCE_PCT",
           "DISTANCE_TOLERANCE_PCT"]

#: Start times of two files of one activity agree within this [s]: exports keep the start
#: second; a late first GPS fix can move a GPX start by some seconds.
START_TOLERANCE_S = 90.0
#: Elapsed durations agree within this share of the longer one [%] (or within 60 s).
DURATION_TOLERANCE_PCT = 5.0
#: Distances agree within this share of the longer one [%] (or within 100 m). Looser than the
#: duration: a GPX export has no device distance, so its distance comes from the positions,
#: which GPS noise lengthens against the watch's own distance (3 % on the sample trail run,
#: up to 9 % on noisy simulated tracks). Start and duration already pin the activity down.
DISTANCE_TOLERANCE_PCT = 12.0
_DURATION_SLACK_S = 60.0
_DISTANCE_SLACK_M = 100.0

#: Preference among formats when the sensors are the same: the watch's own file first.
FORMAT_RANK = {"fit": 3, "tcx": 2, "gpx": 1}


def _num(x: Any) -> Optional[float]:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _close(a: Optional[float], b: Optional[float], pct: float, slack: float) -> Optional[bool]:
    """Whether two amounts agree; ``None`` when either is unknown."""
    if a is None or b is None:
        return None
    return abs(a - b) <= max(pct / 100.0 * max(abs(a), abs(b)), slack)


def richness(activity: dict) -> tuple:
    """Sort key of a file of an activity: greater is richer (kept).

    Sensors recorded (count), then format (FIT > TCX > GPX), then samples.
    """
    sensors = activity.get("sensors") or []
    fmt = FORMAT_RANK.get(str(activity.get("format") or "").lower(), 0)
    samples = _num(activity.get("samples")) or 0.0
    return (len(sensors), fmt, samples)


def _same(a: dict, b: dict, ta: pd.Timestamp, tb: pd.Timestamp, *, start_tolerance_s: float,
          duration_tolerance_pct: float, distance_tolerance_pct: float) -> bool:
    if abs((ta - tb).total_seconds()) > start_tolerance_s:
        return False
    # Two recordings of one activity cover the same time: at least half of the shorter one.
    da, db = _num(a.get("duration_s")), _num(b.get("duration_s"))
    if da is not None and db is not None:
        overlap = (min(ta + pd.Timedelta(seconds=da), tb + pd.Timedelta(seconds=db))
                   - max(ta, tb)).total_seconds()
        if overlap < 0.5 * min(da, db):
            return False
    # A walk and a run recorded one after the other are two activities.
    sa, sb = a.get("sport"), b.get("sport")
    if sa and sb and str(sa).lower() != str(sb).lower():
        return False
    dur = _close(_num(a.get("duration_s")), _num(b.get("duration_s")), duration_tolerance_pct,
                 _DURATION_SLACK_S)
    if dur is not True:
        return False
    dist = _close(_num(a.get("distance_m")), _num(b.get("distance_m")), distance_tolerance_pct,
                  _DISTANCE_SLACK_M)
    # Unknown distance on both (no positions, no device distance): start and duration decide.
    if dist is None:
        return _num(a.get("distance_m")) is None and _num(b.get("distance_m")) is None
    return dist


def find_duplicates(
    activities: Sequence[dict],
    *,
    start_tolerance_s: float = START_TOLERANCE_S,
    duration_tolerance_pct: float = DURATION_TOLERANCE_PCT,
    distance_tolerance_pct: float = DISTANCE_TOLERANCE_PCT,
) -> list[list[int]]:
    """Group the files that hold the same activity.

    Parameters
    ----------
    activities : sequence of dict
        Season activity rows: ``start_time`` (ISO-8601), ``duration_s`` [s], ``distance_m``
        [m], and for choosing the kept file ``format``, ``sensors`` (list) and ``samples``.
    start_tolerance_s : float
        Start times closer than this may be one activity [s].
    duration_tolerance_pct, distance_tolerance_pct : float
        Elapsed duration and distance agree within this share of the larger value [%].

    Returns
    -------
    list of list of int
        Every index exactly once, in groups; each group starts with the file to keep (the
        richest, see :func:`richness`; the earlier index on a tie), followed by its
        duplicates in input order. Activities without a start time are never grouped.
    """
    for name, v in (("start_tolerance_s", start_tolerance_s), ("duration_tolerance_pct", duration_tolerance_pct),
                    ("distance_tolerance_pct", distance_tolerance_pct)):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
            raise ValueError(f"{name}={v!r}: give a finite number >= 0")
    n = len(activities)
    times = pd.to_datetime(pd.Series([a.get("start_time") for a in activities], dtype=object), utc=True,
                           errors="coerce", format="ISO8601")
    order = sorted((i for i in range(n) if pd.notna(times.iloc[i])), key=lambda i: (times.iloc[i], i))
    groups: list[list[int]] = []
    open_groups: list[list[int]] = []  # groups whose first start is still within reach
    for i in order:
        t = times.iloc[i]
        open_groups = [g for g in open_groups
                       if (t - times.iloc[g[0]]).total_seconds() <= start_tolerance_s]
        home = None
        for g in open_groups:
            # Every member must match: a chain of near misses is not one activity.
            if all(_same(activities[i], activities[j], t, times.iloc[j], start_tolerance_s=start_tolerance_s,
                         duration_tolerance_pct=duration_tolerance_pct,
                         distance_tolerance_pct=distance_tolerance_pct) for j in g):
                home = g
                break
        if home is None:
            home = [i]
            groups.append(home)
            open_groups.append(home)
        else:
            home.append(i)
    groups += [[i] for i in range(n) if pd.isna(times.iloc[i])]
    out = []
    for g in groups:
        keep = max(sorted(g), key=lambda i: (richness(activities[i]), -i))
        out.append([keep] + sorted(j for j in g if j != keep))
    out.sort(key=lambda g: g[0])
    return out


def merge_duplicate_entries(ok: list[dict], *, sort_key) -> list[dict]:
    """Keep one season entry per activity (:func:`find_duplicates` over their activity rows);
    the kept entry's activity row lists the other files in ``duplicates``. Sorted by
    ``sort_key``."""
    kept = []
    for g in find_duplicates([e["activity"] for e in ok]):
        e = ok[g[0]]
        kept.append({**e, "activity": {**e["activity"], "duplicates": [ok[j]["file"] for j in g[1:]]}})
    return sorted(kept, key=sort_key)
