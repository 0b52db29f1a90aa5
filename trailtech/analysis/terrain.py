"""Technicality proxy T in [0, 1] for descents and along the track (science.md 3D, issue 14).

**A proxy, not a validated index**: no published GPS/accelerometer technicality index exists
(science.md 3.5). T describes the **terrain** on an absolute scale: a weighted mean of three
clipped scores, each a linear ramp between two fixed anchors [H] (not relative to the same
run, so a run on rough trail from end to end shows its technical distance):

=================== ================================================ ============ ======
component           definition                                       0 .. 1       weight
=================== ================================================ ============ ======
speed shortfall     ``1 - v / v_exp(g)``; ``v_exp`` = the runner's    0 .. 0.4     0.40
                    grade-adjusted flat speed ÷ Strava GAP factor
path tortuosity     mean |heading change| per metre on the 5 m       2 .. 10      0.35
                    resampled path [deg/m] (switchbacks, weaving)
steepness           minus the mean grade [-]                         0.08 .. 0.30 0.25
=================== ================================================ ============ ======

T is not built from what the control score measures (:mod:`.descent`: cadence, its
steadiness, stride, braking surges). Until issue 14 it also held the speed CV and the cadence
CV, so terrain and control were tied by construction (Spearman -0.72 on the real corpus).

Calibration (2026, 156 descents of the real-track corpus and the simulator): tortuosity has
median 0.9 and 90th percentile 2.6 deg/m on real descents (the simulator's switchbacks: 6.7);
speed shortfall median 0.10, 90th percentile 0.32.

Components that cannot be computed (no grade-expected speed, no elevation) are left out and
the weights renormalised.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd
from pandas.api.indexers import BaseIndexer

from ..processing.gap import gap_factor
from .descent import ramp, robust_cv

__all__ = [
    "ANCHORS",
    "TECH_WEIGHTS",
    "expected_speed_mps",
    "flat_equivalent_speed_mps",
    "heading_change_deg_per_m",
    "tortuosity_deg_per_m",
    "technicality",
    "technicality_along",
    "technicality_along_pieces",
    "centred_piece_bounds",
]

#: (score-0 anchor, score-1 anchor) of each component.
ANCHORS = {
    "shortfall": (0.0, 0.4),
    "tortuosity_deg_per_m": (2.0, 10.0),
    "steepness": (0.08, 0.30),
}
TECH_WEIGHTS = {"shortfall": 0.40, "tortuosity_deg_per_m": 0.35, "steepness": 0.25}


def flat_equivalent_speed_mps(speed_mps, grade, running) -> float:
    """The runner's grade-adjusted flat speed in this activity: median of ``v·F(g)`` while running [m/s]."""
    v = np.asarray(speed_mps, float)
    g = np.nan_to_num(np.asarray(grade, float))
    r = np.asarray(running, bool) & np.isfinite(v) & (v > 0.5)
    if r.sum() < 30:
        return float("nan")
    return float(np.median(v[r] * gap_factor(g[r])))


def expected_speed_mps(grade, flat_speed_mps: float) -> np.ndarray:
    """Speed expected on grade ``g`` at the effort of ``flat_speed_mps``: ``v_flat / F(g)`` [m/s]."""
    g = np.asarray(grade, dtype=float)
    return flat_speed_mps / gap_factor(np.nan_to_num(g))


def heading_change_deg_per_m(x_m, y_m, distance_m, *, step_m: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """|Heading change| per metre of the path resampled every ``step_m`` metres.

    Parameters
    ----------
    x_m, y_m : array
        Local east/north coordinates [m] (NaN rows are skipped).
    distance_m : array
        Distance along the track, non-decreasing [m].
    step_m : float
        Resampling step [m].

    Returns
    -------
    grid_m : numpy.ndarray
        Distance of each value [m].
    turn_deg_per_m : numpy.ndarray
        |Δheading| / step_m at each interior grid point [deg/m].
    """
    if step_m <= 0:
        raise ValueError(f"step_m={step_m} must be positive")
    x = np.asarray(x_m, float)
    y = np.asarray(y_m, float)
    d = np.asarray(distance_m, float)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(d)
    if ok.sum() < 3 or np.ptp(d[ok]) < 3 * step_m:
        return np.empty(0), np.empty(0)
    d, x, y = d[ok], x[ok], y[ok]
    grid = np.arange(d[0], d[-1], step_m)
    gx, gy = np.interp(grid, d, x), np.interp(grid, d, y)
    head = np.arctan2(np.diff(gy), np.diff(gx))
    turn = np.abs((np.diff(head) + np.pi) % (2 * np.pi) - np.pi)
    return grid[1:-1], np.degrees(turn) / step_m


def tortuosity_deg_per_m(x_m, y_m, distance_m, *, step_m: float = 5.0) -> float:
    """Mean |heading change| per metre on the 5 m-resampled path [deg/m] (NaN if too short)."""
    _, turn = heading_change_deg_per_m(x_m, y_m, distance_m, step_m=step_m)
    return float(np.mean(turn)) if turn.size else float("nan")


def technicality(components: dict) -> float:
    """Weighted mean of the clipped component scores; NaN components are left out."""
    num = den = 0.0
    for k, w in TECH_WEIGHTS.items():
        val = components.get(k, np.nan)
        if val is None or not np.isfinite(val):
            continue
        num += w * float(ramp(val, *ANCHORS[k]))
        den += w
    return num / den if den > 0 else float("nan")


def technicality_components(speed_mps, cadence_spm, expected_mps, moving, x_m, y_m, distance_m,
                            *, mean_grade: float = float("nan")) -> dict:
    """The components over rows of one stretch (see the module table), plus the speed and
    cadence CVs as descriptors (not in T). ``mean_grade`` [-] gives the steepness."""
    v = np.asarray(speed_mps, float)
    mv = np.asarray(moving, bool) & np.isfinite(v)
    short = np.nan
    if expected_mps is not None and mv.any():
        ve = np.asarray(expected_mps, float)[mv]
        ok = np.isfinite(ve) & (ve > 0)
        if ok.sum() >= 5:
            short = 1.0 - float(np.sum(v[mv][ok]) / np.sum(ve[ok]))
    cad_cv = np.nan
    if cadence_spm is not None:
        c = np.asarray(cadence_spm, float)[mv]
        cad_cv = robust_cv(c[np.isfinite(c) & (c > 0)])
    return {
        "shortfall": short,
        "speed_cv": robust_cv(v[mv]),
        "cadence_cv": cad_cv,
        "tortuosity_deg_per_m": tortuosity_deg_per_m(x_m, y_m, distance_m),
        "steepness": -float(mean_grade),
    }


class _PieceWindows(BaseIndexer):
    """Window bounds given up front (pandas' public hook for custom windows)."""

    def get_window_bounds(self, num_values=0, min_periods=None, center=None, closed=None, step=None):
        return self.start, self.end


def centred_piece_bounds(lengths, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a centred rolling window over pieces laid end to end, each windowed alone.

    Row ``i`` of a piece of ``m`` rows gets rows ``[i + 1 + o - window, i + 1 + o)`` of its
    piece, clipped to ``[0, m]``, with ``o = (window - 1) // 2``: exactly pandas'
    ``rolling(window, center=True)`` bounds of each piece on its own, shifted to where the
    piece starts in the concatenation.

    Parameters
    ----------
    lengths : array of int
        Rows of each piece, in order [rows].
    window : int
        Window length [rows].

    Returns
    -------
    start, end : numpy.ndarray of int64
        Half-open window bounds per concatenated row [row index].
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    base = np.repeat(np.cumsum(lengths) - lengths, lengths)
    size = np.repeat(lengths, lengths)
    pos = np.arange(int(lengths.sum()), dtype=np.int64) - base
    end = pos + 1 + (window - 1) // 2
    start = end - window
    return np.clip(start, 0, size) + base, np.clip(end, 0, size) + base


def technicality_along(
    speed_mps: np.ndarray,
    expected_mps: Optional[np.ndarray],
    moving: np.ndarray,
    turn_deg_per_m: np.ndarray,
    *,
    window_samples: int = 31,
    grade: Optional[np.ndarray] = None,
) -> np.ndarray:
    """T per row of one stretch, from the components over a centred rolling window.

    Parameters
    ----------
    speed_mps, expected_mps : array
        Rows of the stretch [m/s], [m/s].
    moving : array of bool
    turn_deg_per_m : array
        |Heading change| per metre mapped onto the rows [deg/m].
    window_samples : int
        Rolling window [rows, 1 Hz].

    Returns
    -------
    numpy.ndarray
        T in [0, 1] (NaN where nothing can be computed).
    """
    n = np.asarray(speed_mps).size
    return technicality_along_pieces(speed_mps, expected_mps, moving, turn_deg_per_m,
                                     [slice(0, n)], window_samples=window_samples, grade=grade)


def technicality_along_pieces(
    speed_mps: np.ndarray,
    expected_mps: Optional[np.ndarray],
    moving: np.ndarray,
    turn_deg_per_m: np.ndarray,
    pieces: list[slice],
    *,
    window_samples: int = 31,
    grade: Optional[np.ndarray] = None,
) -> np.ndarray:
    """:func:`technicality_along` of several stretches of one track in one pass.

    Each piece is windowed on its own (its centred windows stop at its ends), so the values
    are those of one :func:`technicality_along` call per piece; the pieces may overlap.

    Parameters
    ----------
    speed_mps, expected_mps : array
        Rows of the whole track [m/s], [m/s].
    moving : array of bool
    turn_deg_per_m : array
        |Heading change| per metre mapped onto the rows [deg/m].
    pieces : list of slice
        Rows of each stretch (step 1).
    window_samples : int
        Rolling window [rows, 1 Hz].
    grade : array, optional
        Grade per row of the whole track [-] (steepness; left out when None).

    Returns
    -------
    numpy.ndarray
        T in [0, 1] of the rows of every piece, the pieces one after the other (NaN where
        nothing can be computed).
    """
    if window_samples < 3:
        raise ValueError(f"window_samples={window_samples} must be at least 3 (3 rows make a spread)")
    idx = np.concatenate([np.arange(sl.start, sl.stop) for sl in pieces] or [np.zeros(0, int)])
    lengths = [sl.stop - sl.start for sl in pieces]
    start, end = centred_piece_bounds(lengths, window_samples)
    windows, min_periods = _PieceWindows(start=start, end=end), max(3, window_samples // 3)
    v = np.where(np.asarray(moving, bool)[idx], np.asarray(speed_mps, float)[idx], np.nan)
    comps = {}
    if expected_mps is not None:
        ve = np.where(np.isfinite(v), np.asarray(expected_mps, float)[idx], np.nan)
        # pandas' running sums (compensated, restarted at each piece: the same bits as one
        # call per piece), both columns in one call.
        sums = pd.DataFrame({"v": v, "ve": ve}).rolling(windows, min_periods=min_periods).sum().to_numpy()
        sv, se = sums[:, 0], sums[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            comps["shortfall"] = np.where(se > 0, 1.0 - sv / se, np.nan)
    t = pd.Series(np.asarray(turn_deg_per_m, float)[idx]).rolling(windows, min_periods=1).mean().to_numpy()
    comps["tortuosity_deg_per_m"] = t
    if grade is not None:
        gr = np.asarray(grade, float)[idx]
        comps["steepness"] = -pd.Series(gr).rolling(windows, min_periods=1).mean().to_numpy()
    num = np.zeros(v.size)
    den = np.zeros(v.size)
    for k, arr in comps.items():
        s = ramp(arr, *ANCHORS[k])
        ok = np.isfinite(s)
        num += np.where(ok, TECH_WEIGHTS[k] * s, 0.0)
        den += np.where(ok, TECH_WEIGHTS[k], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
