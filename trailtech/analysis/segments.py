"""Climbs and descents: runs of steep smoothed grade on the distance grid, found with hysteresis.

A climb starts where the smoothed grade rises to ``enter_grade`` and ends where it falls below
``exit_grade`` (science.md 2B); a descent is the mirror image (science.md 3A). Pieces split by a
short or shallow dip are merged, and pieces that are too short or climb too little are dropped.
Everything here works on plain arrays (the ``profile`` grid of the pipeline); the helpers
:func:`runs` and :func:`hysteresis` are shared by the other analyses.

Examples
--------
>>> import numpy as np
>>> d = np.arange(0, 1000, 5.0)
>>> g = np.where((d > 200) & (d < 600), 0.10, 0.0)
>>> h = np.cumsum(np.r_[0, np.diff(d)] * g)
>>> find_segments(d, h, g, enter_grade=0.06, exit_grade=0.03,
...               min_length_m=100, min_rise_m=15).tolist()
[[41, 120]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..config import AnalysisConfig
from ..timeline import Profile, Timeline

__all__ = ["runs", "hysteresis", "find_segments", "climbs_and_descents", "Segments",
           "terrain_segments"]


def runs(mask: np.ndarray) -> np.ndarray:
    """Start and stop indices of the runs of ``True`` in a boolean array.

    Parameters
    ----------
    mask : array of bool, shape (n,)

    Returns
    -------
    numpy.ndarray of int, shape (k, 2)
        ``[start, stop)`` of each run, in order.
    """
    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        return np.empty((0, 2), dtype=int)
    edges = np.diff(np.r_[0, m.view(np.int8), 0])
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)])


def hysteresis(on: np.ndarray, off: np.ndarray, *, initial: bool = False) -> np.ndarray:
    """Two-threshold state: switch on where ``on``, off where ``off``, otherwise keep the state.

    Vectorised: the state at each sample is decided by the most recent ``on`` or ``off``
    event (``on`` wins when both hold at the same sample).

    Parameters
    ----------
    on, off : array of bool, shape (n,)
        Samples that switch the state on / off.
    initial : bool
        State before the first event.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    on = np.asarray(on, dtype=bool)
    off = np.asarray(off, dtype=bool)
    idx = np.arange(on.size)
    last_on = np.maximum.accumulate(np.where(on, idx, -1)) if on.size else idx
    last_off = np.maximum.accumulate(np.where(off & ~on, idx, -1)) if on.size else idx
    state = last_on > last_off
    if initial:
        state |= (last_on < 0) & (last_off < 0)
    return state


def _merge(seg: np.ndarray, distance_m: np.ndarray, rise_m: np.ndarray, *,
           merge_gap_m: float, merge_dip_m: float, merge_dip_max_gap_m: float) -> np.ndarray:
    """Merge neighbouring pieces split by a short gap or a shallow dip (few pieces: a loop)."""
    if len(seg) < 2:
        return seg
    out = [list(seg[0])]
    for s, e in seg[1:]:
        ps, pe = out[-1]
        gap = distance_m[s] - distance_m[pe - 1]
        # How much the dip between the pieces gives back (elevation along the climb sense).
        dip = rise_m[pe - 1] - np.min(rise_m[pe - 1:s + 1])
        # A shallow dip joins two pieces only when it is shorter than both of them, so a
        # short wobble of noisy grade beyond a long flat is not glued onto a real climb.
        shorter = gap < min(distance_m[pe - 1] - distance_m[ps], distance_m[e - 1] - distance_m[s])
        if gap < merge_gap_m or (dip < merge_dip_m and gap <= merge_dip_max_gap_m and shorter):
            out[-1][1] = e
        else:
            out.append([s, e])
    return np.asarray(out, dtype=int)


def find_segments(
    distance_m: np.ndarray,
    elevation_m: np.ndarray,
    grade: np.ndarray,
    *,
    enter_grade: float,
    exit_grade: float,
    min_length_m: float,
    min_rise_m: float,
    merge_gap_m: float = 30.0,
    merge_dip_m: float = 3.0,
    merge_dip_max_gap_m: float = 250.0,
) -> np.ndarray:
    """Runs of grade ≥ ``enter_grade`` (kept until it drops below ``exit_grade``): climbs.

    For descents pass ``-elevation_m`` and ``-grade`` with positive thresholds (see
    :func:`climbs_and_descents`).

    Parameters
    ----------
    distance_m : array, shape (n,)
        Distance along the track, non-decreasing [m].
    elevation_m : array, shape (n,)
        Smoothed elevation [m]; NaN gives no segments there.
    grade : array, shape (n,)
        Smoothed grade, rise over run [fraction].
    enter_grade, exit_grade : float
        Hysteresis thresholds [fraction]; ``exit_grade <= enter_grade``.
    min_length_m, min_rise_m : float
        Smallest segment kept: horizontal length [m] and net rise [m].
    merge_gap_m : float
        Pieces separated by less than this are merged [m].
    merge_dip_m, merge_dip_max_gap_m : float
        Pieces separated by a dip that gives back less than ``merge_dip_m`` [m] over at most
        ``merge_dip_max_gap_m`` [m], and shorter than both pieces, are merged too.

    Returns
    -------
    numpy.ndarray of int, shape (k, 2)
        ``[start, end]`` grid indices (inclusive) of each segment, in order, never overlapping.

    Raises
    ------
    ValueError
        Arrays of different lengths, or ``exit_grade > enter_grade``.
    """
    d = np.asarray(distance_m, dtype=float)
    h = np.asarray(elevation_m, dtype=float)
    g = np.asarray(grade, dtype=float)
    if not (d.shape == h.shape == g.shape):
        raise ValueError("distance_m, elevation_m and grade must have the same length")
    if exit_grade > enter_grade:
        raise ValueError(f"exit_grade={exit_grade} must not exceed enter_grade={enter_grade}")
    if d.size < 2:
        return np.empty((0, 2), dtype=int)
    valid = np.isfinite(g) & np.isfinite(h)
    state = hysteresis(valid & (g >= enter_grade), ~valid | (g < exit_grade))
    seg = runs(state)
    if len(seg) == 0:
        return np.empty((0, 2), dtype=int)
    hf = np.where(np.isfinite(h), h, -np.inf)
    seg = _merge(seg, d, hf, merge_gap_m=merge_gap_m, merge_dip_m=merge_dip_m,
                 merge_dip_max_gap_m=merge_dip_max_gap_m)
    # Inclusive end index; a segment spans from its first to its last steep grid point.
    start, end = seg[:, 0], seg[:, 1] - 1
    # Segments start one step before the first steep point, where the rise begins.
    start = np.maximum(start - 1, 0)
    length = d[end] - d[start]
    rise = h[end] - h[start]
    keep = (length >= min_length_m) & (rise >= min_rise_m) & np.isfinite(rise)
    return np.column_stack([start[keep], end[keep]]).astype(int)


def climbs_and_descents(distance_m, elevation_m, grade, config, *,
                        mask=None) -> tuple[np.ndarray, np.ndarray]:
    """Climbs and descents of a profile with the thresholds of an ``AnalysisConfig``.

    Parameters
    ----------
    distance_m, elevation_m : array, shape (n,)
        Distance grid [m] and smoothed elevation [m].
    grade : array, shape (n,)
        Smoothed grade [fraction].
    config : AnalysisConfig
    mask : array of bool, shape (n,), optional
        Grid points that may belong to a segment (e.g. on foot). Each run of True is searched
        on its own, so no segment reaches into, or merges across, the masked-out points.

    Returns
    -------
    climbs, descents : numpy.ndarray of int, shape (k, 2)
        Inclusive grid-index ranges.
    """
    d = np.asarray(distance_m, dtype=float)
    h = np.asarray(elevation_m, dtype=float)
    g = np.asarray(grade, dtype=float)
    if mask is None:
        return _climbs_and_descents(d, h, g, config)
    m = np.asarray(mask, dtype=bool)
    if m.shape != d.shape:
        raise ValueError("mask must have the same length as distance_m")
    climbs, descents = [np.empty((0, 2), dtype=int)], [np.empty((0, 2), dtype=int)]
    for a, b in runs(m):
        c, e = _climbs_and_descents(d[a:b], h[a:b], g[a:b], config)
        climbs.append(c + a)
        descents.append(e + a)
    return np.concatenate(climbs).astype(int), np.concatenate(descents).astype(int)


def _climbs_and_descents(d, h, g, config) -> tuple[np.ndarray, np.ndarray]:
    common = dict(merge_gap_m=config.merge_gap_m, merge_dip_m=config.merge_dip_m,
                  merge_dip_max_gap_m=config.merge_dip_max_gap_m)
    climbs = find_segments(d, h, g, enter_grade=config.climb_enter_grade,
                           exit_grade=config.climb_exit_grade,
                           min_length_m=config.climb_min_length_m,
                           min_rise_m=config.climb_min_gain_m, **common)
    descents = find_segments(d, -h, -g, enter_grade=-config.descent_enter_grade,
                             exit_grade=-config.descent_exit_grade,
                             min_length_m=config.descent_min_length_m,
                             min_rise_m=config.descent_min_drop_m, **common)
    return climbs, descents


@dataclass(frozen=True, eq=False)
class Segments:
    """The climbs and descents of one activity.

    Attributes
    ----------
    climbs, descents : numpy.ndarray of int, shape (k, 2)
        Inclusive index ranges on the profile grid.
    notes : tuple of str
        Warnings for the user.
    """

    climbs: np.ndarray
    descents: np.ndarray
    notes: tuple[str, ...] = ()

    @staticmethod
    def metres(ranges: np.ndarray, profile: Profile) -> np.ndarray:
        """Index ranges as [start_m, end_m] on the distance axis, shape (k, 2)."""
        return profile.distance_m[np.asarray(ranges, dtype=int)].reshape(-1, 2)


def _on_foot_mask(timeline: Timeline, distance_m: np.ndarray) -> tuple[Optional[np.ndarray], tuple[str, ...]]:
    """Profile points on foot (None when the whole activity is), and the note saying how much
    distance was left out."""
    n = len(timeline)
    if timeline.on_foot.all() or n == 0:
        return None, ()
    d = timeline.distance_m
    step = np.diff(d, prepend=d[0])
    off_km = float(np.nansum(step[~timeline.on_foot])) / 1000.0
    note = (f"{off_km:.1f} km of sessions not on foot (cycling, swimming ...) were left out of the "
            "terrain analyses: no climbs, descents, hike/run verdicts, control scores, line "
            "practice or repeats there.")
    idx = np.clip(np.searchsorted(d, distance_m, side="left"), 0, n - 1)
    return timeline.on_foot[idx], (note,)


def terrain_segments(timeline: Timeline, profile: Profile, config: AnalysisConfig) -> Segments:
    """Climbs and descents of the profile, on foot only (science.md 2B, 3A).

    Parameters
    ----------
    timeline : Timeline
        For which stretches are on foot and whether there is elevation.
    profile : Profile
    config : AnalysisConfig

    Returns
    -------
    Segments
    """
    pdist, ph = profile.distance_m, profile.elevation_m
    mask, notes = _on_foot_mask(timeline, pdist)
    has_elevation = np.count_nonzero(np.isfinite(timeline.elevation_m)) >= 2
    if has_elevation and len(profile) >= 2 and np.isfinite(ph).any():
        climbs, descents = climbs_and_descents(pdist, ph, profile.grade_pct / 100.0, config, mask=mask)
        return Segments(climbs, descents, notes)
    empty = np.empty((0, 2), int)
    return Segments(empty, empty,
                    notes + ("No elevation in this file: no climbs or descents were analysed.",))
