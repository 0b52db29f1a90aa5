"""Pitches: the steep or technical stretches inside a long descent, scored on their own.

Issue 14: a 3 km descent averaged whole hides its 400 m technical pitch (a descent scoring 98
held a 400 m stretch scoring 58). Inside every descent at least twice ``pitch_min_length_m``
long, a pitch is a run of rows at least ``pitch_min_length_m`` long where the technicality
along the track is at or above ``technical_threshold`` or the profile grade is at or below
``pitch_max_grade``; gaps under ``merge_gap_m`` between such runs are bridged. Each pitch is
scored like a descent (:func:`.stretch.score_stretch`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import AnalysisConfig
from ..timeline import Timeline
from .baseline import RunningBaseline
from .stretch import score_stretch

__all__ = ["pitch_ranges", "descent_pitches", "PITCH_KEYS"]

#: What each pitch of ``descents.pitches`` holds (then its personal reference is added:
#: :data:`~.reference.REFERENCE_COLUMNS`, read against the run's descents, leaving out the one
#: it lies in; :func:`~.reference.pitch_reference`).
PITCH_KEYS = ("start_m", "end_m", "length_m", "drop_m", "avg_grade_pct", "technicality",
              "control_score", "control_parts", "walk_m", "braking_surges", "cadence_delta_spm")


def pitch_ranges(distance_m: np.ndarray, hit: np.ndarray, *, min_length_m: float,
                 merge_gap_m: float) -> list[tuple[float, float]]:
    """Stretches where ``hit`` holds for at least ``min_length_m`` [m].

    Parameters
    ----------
    distance_m : array
        Distance of each row [m], non-decreasing.
    hit : array of bool
        Rows that are steep or technical.
    min_length_m : float
        Shortest pitch [m].
    merge_gap_m : float
        Runs of hits closer than this are one pitch [m].

    Returns
    -------
    list of (float, float)
        Start and end of each pitch [m], in order.
    """
    d = np.asarray(distance_m, float)
    h = np.asarray(hit, bool)
    if d.size < 2 or not h.any():
        return []
    edges = np.diff(np.r_[0, h.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    runs: list[list[float]] = []
    for a, b in zip(starts, ends):
        if runs and d[a] - runs[-1][1] < merge_gap_m:
            runs[-1][1] = float(d[b])
        else:
            runs.append([float(d[a]), float(d[b])])
    return [(a, b) for a, b in runs if b - a >= min_length_m]


def descent_pitches(timeline: Timeline, rows: slice, technicality: np.ndarray, baseline: RunningBaseline,
                    config: AnalysisConfig, *, row_dt_s: np.ndarray) -> list[dict[str, Any]]:
    """The scored pitches of the descent on timeline rows ``rows`` (empty for a short descent).

    Parameters
    ----------
    timeline : Timeline
        With its gait classified.
    rows : slice
        The descent's rows.
    technicality : array
        Technicality along the whole timeline (NaN outside descents).
    baseline : RunningBaseline
    config : AnalysisConfig
        ``pitch_min_length_m``, ``pitch_max_grade``, ``technical_threshold``, ``merge_gap_m``.
    row_dt_s : array
        Time each row stands for [s].

    Returns
    -------
    list of dict
        One dict per pitch with :data:`PITCH_KEYS`.
    """
    cfg = config
    d = timeline.distance_m[rows]
    if d.size < 3 or d[-1] - d[0] < 2 * cfg.pitch_min_length_m:
        return []
    t = np.asarray(technicality, float)[rows]
    g = timeline.grade_pct[rows] / 100.0
    with np.errstate(invalid="ignore"):
        hit = (t >= cfg.technical_threshold) | (g <= cfg.pitch_max_grade)
    out = []
    for a_m, b_m in pitch_ranges(d, hit, min_length_m=cfg.pitch_min_length_m, merge_gap_m=cfg.merge_gap_m):
        if b_m - a_m > 0.9 * (d[-1] - d[0]):
            continue  # the whole descent is the pitch: its own row says it
        row = score_stretch(timeline, timeline.rows(a_m, b_m), baseline, cfg, start_m=a_m, end_m=b_m,
                            row_dt_s=row_dt_s)
        out.append({k: row[k] for k in PITCH_KEYS})
    return out
