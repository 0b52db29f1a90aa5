"""Files that hold several activities: how they are grouped, numbered, and which one is "the" one.

A watch file usually holds one activity, but not always:

* a TCX may hold several ``<Activity>`` elements directly under ``<Activities>`` (a Garmin
  Training Center export of several runs); each is an activity, as Garmin Connect and Runalyze
  import them. The legs of a ``<MultiSportSession>`` are one activity;
* a GPX may hold several ``<trk>`` elements. A handheld writes a new ``<trk>`` ("ACTIVE LOG #2")
  every time it is switched back on during one outing, minutes apart, so tracks are separate
  activities only when :data:`TRACK_GAP_S` or more lies between them;
* a FIT file may chain several FIT files (several headers), each with its own ``activity``
  message; the records up to each ``activity`` message's time are that activity. The sessions
  of one ``activity`` message (a triathlon's legs, two runs the watch recorded as one
  activity) stay together.

Groups whose times overlap are one activity whatever their containers say (one watch does not
record two activities at once; an SDK sample chains two identical copies of one file).

The readers' ``*_activities`` functions return every activity, in time order, each numbered in
``meta.activity_index`` / ``meta.n_activities``. The single-activity API (:func:`trailtech.load`,
``read_fit``/``read_gpx``/``read_tcx``, ``trailtech analyze``) returns :func:`choose`'s pick,
the **longest** one (the file's main activity: a chained file's short accidental recording is
not what its owner means), and says so in ``meta.notes``; ``trailtech season`` and
:func:`trailtech.io.read_activities` give all of them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional, Sequence

import numpy as np
import pandas as pd

from ..track import Track

__all__ = ["MAX_ACTIVITIES", "TRACK_GAP_S", "choose", "gap_groups", "number", "overlap_groups", "too_many"]

#: Shortest time between two GPX ``<trk>`` that makes them separate activities [s]: 3 h.
#: A device restarted during one outing starts a new ``<trk>`` 5-15 min later (the corpus'
#: ``cerknicko-jezero.gpx``: 7 tracks within 2 h; ``korita-zbevnica.gpx``: 2 tracks 5 min
#: apart); a lunch stop is shorter than this; a morning and an evening run are further apart.
TRACK_GAP_S = 3 * 3600.0

#: Most activities one file is split into. A file built to hold more (a TCX of 100,000 tiny
#: ``<Activity>`` elements) would cost a Track and an analysis each; it is read as one
#: activity, with a warning, as before splitting existed. A year of daily runs is 365.
MAX_ACTIVITIES = 1000

Span = tuple[Optional[float], Optional[float]]


def _merge(spans: Sequence[Span], apart: Callable[[Span, Span], bool]) -> list[list[int]]:
    """Indices of ``spans`` grouped in order: a span joins the current group unless
    ``apart(group span, span)``. A span without times joins the current group."""
    groups: list[list[int]] = []
    cur: Optional[list[float]] = None
    for i, (a, b) in enumerate(spans):
        if a is None or b is None:
            if groups:
                groups[-1].append(i)
            else:
                groups.append([i])
            continue
        if groups and (cur is None or not apart((cur[0], cur[1]), (a, b))):
            groups[-1].append(i)
            cur = [a, b] if cur is None else [min(cur[0], a), max(cur[1], b)]
        else:
            groups.append([i])
            cur = [a, b]
    return groups


def overlap_groups(spans: Sequence[Span]) -> list[list[int]]:
    """Consecutive containers grouped so that no two groups overlap in time.

    Parameters
    ----------
    spans : sequence of (start, end)
        Each container's first and last sample time [s] (None when it has no time).

    Returns
    -------
    list of list of int
        Container indices per activity, in file order.
    """
    groups = _merge(spans, lambda g, s: s[0] > g[1] or s[1] < g[0])
    return _merge_overlapping(groups, spans)


def gap_groups(spans: Sequence[Span], gap_s: float = TRACK_GAP_S) -> list[list[int]]:
    """Consecutive containers grouped unless ``gap_s`` or more lies between them (either way
    in time: a track a day *before* the previous one is another activity too)."""
    groups = _merge(spans, lambda g, s: s[0] - g[1] >= gap_s or g[0] - s[1] >= gap_s)
    return _merge_overlapping(groups, spans)


def _merge_overlapping(groups: list[list[int]], spans: Sequence[Span]) -> list[list[int]]:
    """Groups that overlap in time (not only neighbours: A, B, A' in file order) merged: the
    union of time intervals, swept in start order (n log n: a file of thousands of tracks)."""
    bounds = []
    for g in groups:
        s = [spans[i] for i in g if spans[i][0] is not None and spans[i][1] is not None]
        bounds.append((min(a for a, _ in s), max(b for _, b in s)) if s else None)
    timed = sorted((b[0], b[1], k) for k, b in enumerate(bounds) if b is not None)
    owner = list(range(len(groups)))  # group -> the group it merges into
    head, end = None, -np.inf
    for a, b, k in timed:
        if head is not None and a <= end:
            owner[k] = head
            end = max(end, b)
        else:
            head, end = k, b
    merged: dict[int, list[int]] = {}
    for k, g in enumerate(groups):
        merged.setdefault(owner[k], []).extend(g)
    return sorted((sorted(g) for g in merged.values()), key=lambda g: g[0])


def too_many(n: int) -> str:
    """The warning of a file whose ``n`` activities are more than :data:`MAX_ACTIVITIES`."""
    return (f"the file holds {n} activities, more than the {MAX_ACTIVITIES} trailtech splits a file into; "
            "read as one activity")


def _start_key(track: Track) -> tuple:
    t = track.meta.start_time
    return (t is None or pd.isna(t), t.value if t is not None and not pd.isna(t) else 0)


def number(tracks: Sequence[Track]) -> list[Track]:
    """The activities of one file in time order (no start time last), each with its 0-based
    ``meta.activity_index`` and ``meta.n_activities``; one activity comes back unchanged."""
    if len(tracks) <= 1:
        return list(tracks)
    ordered = sorted(tracks, key=_start_key)
    n = len(ordered)
    return [replace(t, meta=replace(t.meta, activity_index=i, n_activities=n)) for i, t in enumerate(ordered)]


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _day(track: Track) -> str:
    t = track.meta.start_time
    if t is None or pd.isna(t):
        return "no date"
    offset = track.meta.utc_offset_s
    local = t + pd.Timedelta(seconds=offset) if offset is not None else t
    return f"{local.day} {local.strftime('%b %Y')}"


def choose(tracks: Sequence[Track], index: Optional[int] = None) -> Track:
    """The activity the single-activity API returns, with a note saying which and why.

    Parameters
    ----------
    tracks : sequence of Track
        The file's activities as :func:`number` orders them.
    index : int, optional
        0-based activity to return (time order); default the longest (elapsed time; the
        earliest of equals).

    Returns
    -------
    Track
        ``tracks[0]`` unchanged for a one-activity file; otherwise the chosen activity with a
        sentence in ``meta.notes``, e.g. "this file holds 3 activities (19 Jan 2012, 20 Jan
        2012, 22 Jan 2012); analysed the longest, the 3rd (22 Jan 2012); `trailtech season`
        analyses each of them".

    Raises
    ------
    IndexError
        ``index`` is not one of the file's activities.
    """
    if len(tracks) == 1 and index in (None, 0, -1):
        return tracks[0]
    n = len(tracks)
    if index is None:
        durations = np.array([t.duration_s for t in tracks], dtype=float)
        k, why = int(np.argmax(np.where(np.isfinite(durations), durations, -1.0))), "the longest, "
    else:
        if not -n <= index < n:
            raise IndexError(f"activity {index} asked for, but the file holds {n} (0 to {n - 1})")
        k, why = index % n, ""
    days = ", ".join(_day(t) for t in tracks)
    note = (f"this file holds {n} activities ({days}); analysed {why}the {_ordinal(k + 1)} ({_day(tracks[k])}); "
            "`trailtech season` analyses each of them")
    t = tracks[k]
    return replace(t, meta=replace(t.meta, notes=t.meta.notes + (note,)))
