"""Descent control score (DCS, 0-100) and its components (science.md 3B/3C).

Per descent, on the 1 Hz timeline:

==== ====================================================== ======================= ======
 #   metric                                                 score 1 (good) .. 0     weight
==== ====================================================== ======================= ======
 M1  median cadence minus the runner's flat cadence [spm]   ≥ +5 .. ≤ -5            30
 M2  cadence steadiness, robust CV 1.4826·MAD/median         < 3 % .. > 8 %          20
 M3  speed steadiness, robust CV of the smoothed speed       < 10 % .. > 25 %        20
 M4  braking events per 100 m (drop ≥ 0.6 m/s within 2 s)    ≤ 1 .. ≥ 3              15
 M5  braking work ÷ potential energy released                ≤ 3 % .. ≥ 15 %         15
==== ====================================================== ======================= ======

``DCS = 30·s_cadence + 20·s_cadence_cv + 20·s_speed_cv + 15·s_braking + 15·s_braking_work``,
each part ``s`` a linear ramp between its poor and good anchors (:data:`WEIGHTS`). Without cadence (or without a flat-cadence baseline) the score is renormalised
over the components that exist. M6 (stride-length ratio to the flat) and M7 (speed ÷ the
runner's grade-expected speed) are reported beside the score, not in it. All anchors are
heuristics [H] (science.md 3C); the M5 anchors were set on the real corpus (median ratio 2.7 %,
90th percentile 7.4 %, max 22 % over 143 descents) and the simulator's switchbacks (9 %); the score measures steadiness, it is not a validated skill index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..processing.stats import median

__all__ = [
    "ramp",
    "robust_cv",
    "braking_events",
    "braking_work_j_per_kg_m",
    "DescentMetrics",
    "descent_metrics",
    "ControlScore",
    "control_score",
    "WEIGHTS",
    "PART_COLUMNS",
    "POINT_COLUMNS",
]

#: The parts of the control score and their weights (science.md 3C): cadence versus flat (M1),
#: cadence steadiness (M2), speed steadiness (M3), few braking events (M4), little braking
#: work (M5).
WEIGHTS = {"cadence": 30.0, "cadence_cv": 20.0, "speed_cv": 20.0, "braking": 15.0,
           "braking_work": 15.0}

#: The table column of each part's score in [0, 1].
PART_COLUMNS = {k: f"score_{k}" for k in WEIGHTS}

#: The table column of the points each part adds to the control score: ``100·w·s/Σw`` over
#: the parts that exist (NaN for a missing one), so they sum to the score.
POINT_COLUMNS = {k: f"points_{k}" for k in WEIGHTS}
G_MPS2 = 9.80665


def ramp(x, poor: float, good: float):
    """Linear score: 0 at ``poor``, 1 at ``good`` (either order), clipped to [0, 1]; NaN stays NaN."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.clip((x - poor) / (good - poor), 0.0, 1.0)


def robust_cv(x: np.ndarray, *, min_samples: int = 5) -> float:
    """Robust coefficient of variation ``1.4826·MAD / median`` (NaN with too few samples)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < min_samples:
        return float("nan")
    med = median(x)
    if med <= 0:
        return float("nan")
    return float(1.4826 * median(np.abs(x - med)) / med)


def braking_events(speed_mps: np.ndarray, *, drop_mps: float = 0.6, window_samples: int = 2) -> np.ndarray:
    """Start index of each braking event: speed falls by ≥ ``drop_mps`` within ``window_samples``.

    Consecutive samples that all qualify count as one event (one brake).

    Parameters
    ----------
    speed_mps : array
        Smoothed speed at a fixed rate [m/s].
    drop_mps : float
        Smallest drop counted [m/s] (0.6 m/s: above Doppler noise, Townshend 2008).
    window_samples : int
        Longest time the drop may take [samples].

    Returns
    -------
    numpy.ndarray of int
    """
    if drop_mps <= 0:
        raise ValueError(f"drop_mps={drop_mps} must be positive")
    v = np.asarray(speed_mps, dtype=float)
    n = v.size
    hit = np.zeros(n, bool)
    for k in range(1, max(1, int(window_samples)) + 1):
        if n > k:
            with np.errstate(invalid="ignore"):
                hit[:-k] |= (v[k:] - v[:-k]) <= -drop_mps
    return np.flatnonzero(hit & ~np.r_[False, hit[:-1]])


def braking_work_j_per_kg_m(speed_mps: np.ndarray, length_m: float) -> float:
    """Kinetic energy thrown away per metre, ``Σ max(0, -Δ(v²/2)) / length`` [J/kg/m] (M5)."""
    v = np.asarray(speed_mps, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 2 or not length_m > 0:
        return float("nan")
    de = np.diff(0.5 * v * v)
    return float(np.sum(np.maximum(0.0, -de)) / length_m)


@dataclass(frozen=True)
class DescentMetrics:
    """The components M1-M7 of one descent (NaN where they cannot be computed).

    Attributes
    ----------
    speed_mps : float
        Median moving speed [m/s].
    cadence_spm, cadence_delta_spm : float
        Median running cadence, and it minus the flat cadence (M1) [steps/min].
    cadence_cv, speed_cv : float
        Robust CVs of cadence (M2) and speed (M3) [-].
    braking_events : int
        Braking events (M4), and ``braking_per_100m`` of them [1/100 m].
    braking_work_j_per_kg_m, braking_ratio : float
        Braking work [J/kg/m] and its ratio to the potential energy released (M5) [-].
    stride_ratio, speed_ratio : float
        Step length over the flat step length (M6), speed over the expected speed (M7) [-].
    """

    speed_mps: float = float("nan")
    cadence_spm: float = float("nan")
    cadence_delta_spm: float = float("nan")
    cadence_cv: float = float("nan")
    speed_cv: float = float("nan")
    braking_events: int = 0
    braking_per_100m: float = float("nan")
    braking_work_j_per_kg_m: float = float("nan")
    braking_ratio: float = float("nan")
    stride_ratio: float = float("nan")
    speed_ratio: float = float("nan")


def descent_metrics(
    speed_mps: np.ndarray,
    cadence_spm: Optional[np.ndarray],
    moving: np.ndarray,
    running: np.ndarray,
    *,
    length_m: float,
    drop_m: float,
    flat_cadence_spm: Optional[float],
    flat_stride_m: Optional[float] = None,
    expected_speed_mps: Optional[np.ndarray] = None,
    braking_drop_mps: float = 0.6,
    braking_window_samples: int = 2,
) -> DescentMetrics:
    """The components M1-M7 of one descent (rows of the 1 Hz timeline inside it).

    Parameters
    ----------
    speed_mps : array
        Smoothed speed [m/s].
    cadence_spm : array or None
        Cadence [spm]; None or all-NaN when the file has none.
    moving, running : array of bool
        Moving rows; rows classified running.
    length_m, drop_m : float
        Horizontal length [m] and elevation drop (positive) [m] of the descent.
    flat_cadence_spm : float or None
        The runner's cadence on flat ground [spm].
    flat_stride_m : float or None
        Stride (step) length on the flat at a similar speed [m], for M6.
    expected_speed_mps : array or None
        Grade-expected speed per row [m/s], for M7.
    braking_drop_mps, braking_window_samples
        Braking-event definition (M4).

    Returns
    -------
    DescentMetrics
    """
    v = np.asarray(speed_mps, dtype=float)
    mv = np.asarray(moving, dtype=bool)
    rn = np.asarray(running, dtype=bool) & mv
    use = rn if rn.sum() >= 10 else mv  # hiked descents: judge what there is
    nan = float("nan")
    cad_med = cad_cv = cad_delta = stride_ratio = nan
    if cadence_spm is not None:
        c = np.asarray(cadence_spm, dtype=float)[use]
        c = c[np.isfinite(c) & (c > 0)]
        if c.size >= 5:
            cad_med = float(median(c))
            cad_cv = robust_cv(c)
            if flat_cadence_spm is not None and np.isfinite(flat_cadence_spm):
                cad_delta = cad_med - float(flat_cadence_spm)
            if flat_stride_m and np.isfinite(flat_stride_m):
                stride = float(median(v[use])) / (cad_med / 60.0)
                stride_ratio = stride / flat_stride_m
    vm = v[mv]
    speed_cv = robust_cv(vm)
    # Braking: every recorded row of the descent (a stop is the hardest brake of all).
    vv = v[np.isfinite(v)]
    ev = braking_events(vv, drop_mps=braking_drop_mps, window_samples=braking_window_samples)
    n_ev = int(ev.size)
    per100 = 100.0 * n_ev / length_m if length_m > 0 else nan
    wb = braking_work_j_per_kg_m(vv, length_m)
    pe = G_MPS2 * drop_m / length_m if length_m > 0 and drop_m > 0 else nan
    ratio = wb / pe if np.isfinite(pe) and pe > 0 else nan
    speed_ratio = nan
    if expected_speed_mps is not None and vm.size:
        ve = np.asarray(expected_speed_mps, dtype=float)[mv]
        ok = np.isfinite(ve) & (ve > 0) & np.isfinite(vm)
        if ok.any():
            # Time-based: distance covered / distance expected in the same moving time.
            speed_ratio = float(np.sum(vm[ok]) / np.sum(ve[ok]))
    return DescentMetrics(
        speed_mps=float(median(vm)) if vm.size else nan,
        cadence_spm=cad_med,
        cadence_delta_spm=cad_delta,
        cadence_cv=cad_cv,
        speed_cv=speed_cv,
        braking_events=n_ev,
        braking_per_100m=per100,
        braking_work_j_per_kg_m=wb,
        braking_ratio=ratio,
        stride_ratio=stride_ratio,
        speed_ratio=speed_ratio,
    )


@dataclass(frozen=True)
class ControlScore:
    """The descent control score and its named parts.

    Attributes
    ----------
    score : float
        0-100 (NaN when no part can be computed).
    parts : dict
        Each part's score in [0, 1] by the names of :data:`WEIGHTS` (NaN where missing).
    points : dict
        The points each part adds to the score, ``100·w·s/Σw`` over the parts that exist (NaN
        where missing): they sum to ``score``.
    renormalised : bool
        Whether missing parts were left out and the weights rescaled.
    """

    score: float
    parts: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)
    renormalised: bool = False

    def columns(self) -> dict:
        """The parts and points as table columns (:data:`PART_COLUMNS`, :data:`POINT_COLUMNS`)."""
        return {**{PART_COLUMNS[k]: v for k, v in self.parts.items()},
                **{POINT_COLUMNS[k]: v for k, v in self.points.items()},
                "score_renormalised": self.renormalised}


def control_score(
    metrics: DescentMetrics,
    *,
    cadence_delta_poor_spm: float = -5.0,
    cadence_delta_good_spm: float = 5.0,
    cadence_cv_good: float = 0.03,
    cadence_cv_poor: float = 0.08,
    speed_cv_good: float = 0.10,
    speed_cv_poor: float = 0.25,
    braking_good_per_100m: float = 1.0,
    braking_poor_per_100m: float = 3.0,
    braking_ratio_good: float = 0.03,
    braking_ratio_poor: float = 0.15,
) -> ControlScore:
    """Descent control score 0-100 from :func:`descent_metrics` (science.md 3C).

    Returns
    -------
    ControlScore
    """
    m = metrics
    s = {
        "cadence": float(ramp(m.cadence_delta_spm, cadence_delta_poor_spm, cadence_delta_good_spm)),
        "cadence_cv": float(ramp(m.cadence_cv, cadence_cv_poor, cadence_cv_good)),
        "speed_cv": float(ramp(m.speed_cv, speed_cv_poor, speed_cv_good)),
        "braking": float(ramp(m.braking_per_100m, braking_poor_per_100m, braking_good_per_100m)),
        "braking_work": float(ramp(m.braking_ratio, braking_ratio_poor, braking_ratio_good)),
    }
    w = np.array([WEIGHTS[k] for k in s])
    x = np.array(list(s.values()))
    ok = np.isfinite(x)
    total_w = float(np.sum(w[ok]))
    pts = np.where(ok, 100.0 * w * np.nan_to_num(x) / total_w, np.nan) if ok.any() else np.full(x.size, np.nan)
    score = float(np.sum(pts[ok])) if ok.any() else float("nan")
    return ControlScore(score=score, parts=s, points={k: float(v) for k, v in zip(s, pts)},
                        renormalised=bool(ok.any() and not ok.all()))
