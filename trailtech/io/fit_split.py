"""The activities of a FIT file: one per ``activity`` message, for chained files that hold several.

A FIT activity file ends with one ``activity`` message (its ``num_sessions`` sessions: a
triathlon's legs are one activity). Chained FIT files (several headers back to back) can each
end with their own: separate recordings in one file. :func:`split_content` cuts the decoded
content at each ``activity`` message's time: the records, sessions and timer events up to the
first belong to the first activity, and so on (records after the last one to the last).

A file whose ``activity`` messages leave only one group with records (one message, the same
time twice: an SDK sample chains two identical copies of one file; or none at all) comes back
whole and unchanged.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .fit_content import FitContent
from .split import MAX_ACTIVITIES, too_many

__all__ = ["split_content"]


def _group_of(bounds: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Activity index of each time [FIT s]: the first activity ending at or after it (the last
    for times past every end)."""
    return np.minimum(np.searchsorted(bounds, t, side="left"), len(bounds) - 1)


def _session_time(s: dict) -> float:
    for key in ("start_time", "timestamp"):
        if s.get(key) is not None:
            return float(s[key])
    return np.nan


def split_content(content: FitContent) -> list[FitContent]:
    """``content`` cut into one :class:`FitContent` per activity (see the module docstring).

    Returns
    -------
    list of FitContent
        In time order; ``[content]`` itself when the file holds one activity.
    """
    bounds = np.unique(np.asarray([t for t, _ in content.activities], dtype=float))
    t = content.records["timestamp"]
    if bounds.size < 2 or t.size == 0:
        return [content]
    group = _group_of(bounds, t)
    # Records without a time stay with the record before them (the reader drops and counts them).
    known = np.isfinite(t)
    last = np.maximum.accumulate(np.where(known, np.arange(t.size), -1))
    group = np.where(last >= 0, group[np.maximum(last, 0)], 0)
    used = np.unique(group)
    if used.size < 2:
        return [content]
    if used.size > MAX_ACTIVITIES:
        return [replace(content, notes=list(content.notes) + [too_many(int(used.size)) + "."])]
    offsets = {}
    for ts, off in content.activities:
        offsets.setdefault(int(_group_of(bounds, np.asarray([ts]))[0]), off)
    s_group = _group_of(bounds, np.asarray([_session_time(s) for s in content.sessions], dtype=float))
    e_group = _group_of(bounds, np.asarray([e[0] for e in content.timer_events], dtype=float))
    parts = []
    for k in used:
        rows = group == k
        own_offset = offsets.get(int(k))
        parts.append(replace(
            content,
            records={key: values[rows] for key, values in content.records.items()},
            sessions=[s for s, g in zip(content.sessions, s_group) if g == k],
            timer_events=[e for e, g in zip(content.timer_events, e_group) if g == k],
            local_offsets_s=([own_offset] if own_offset is not None else []) + list(content.local_offsets_s),
            activities=[a for a in content.activities if _group_of(bounds, np.asarray([a[0]]))[0] == k],
            notes=list(content.notes),
        ))
    return parts
