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

``DCS = 30·s1 + 20·s2 + 20·s3 + 15·s4 + 15·s5``, each ``s`` a linear ramp between its poor and
good anchors. Without cadence (or without a flat-cadence baseline) the score is renormalised
over the components that exist. M6 (stride-length ratio to the flat) and M7 (speed ÷ the
runner's grade-expected speed) are reported beside the score, not in it. All anchors are
heuristics [H] (science.md 3C); the M5 anchors were set on the real corpus (median ratio 2.7 %,
90th percentile 7.4 %, max 22 % over 143 descents) and the simulator's switchbacks (9 %); the score measures steadiness, it is not a validated skill index.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..processing.stats import median

__all__ = [
    "ramp",
    "robust_cv",
    "braking_events",
    "braking_work_j_per_kg_m",
    "descent_metrics",
    "control_score",
    "WEIGHTS",
    "POINT_COLUMNS",
]

#: Weights of the components s1..s5 (science.md 3C).
WEIGHTS = {"s1": 30.0, "s2": 20.0, "s3": 20.0, "s4": 15.0, "s5": 15.0}

#: The points each component adds to the control score, by component: ``100·w·s/Σw`` over
#: the components that exist (NaN for a missing one), so they sum to the score.
POINT_COLUMNS = {"s1": "points_cadence", "s2": "points_cadence_cv", "s3": "points_speed_cv",
                 "s4": "points_braking", "s5": "points_braking_work"}
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
) -> dict:
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
    dict
        cadence_spm, cadence_delta_spm (M1), cadence_cv (M2), speed_cv (M3), braking_events,
        braking_per_100m (M4), braking_work_j_per_kg_m, braking_ratio (M5), stride_ratio (M6),
        speed_ratio (M7), speed_mps.
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
    return {
        "speed_mps": float(median(vm)) if vm.size else nan,
        "cadence_spm": cad_med,
        "cadence_delta_spm": cad_delta,
        "cadence_cv": cad_cv,
        "speed_cv": speed_cv,
        "braking_events": n_ev,
        "braking_per_100m": per100,
        "braking_work_j_per_kg_m": wb,
        "braking_ratio": ratio,
        "stride_ratio": stride_ratio,
        "speed_ratio": speed_ratio,
    }


def control_score(
    metrics: dict,
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
) -> tuple[float, dict]:
    """Descent control score 0-100 from :func:`descent_metrics` (science.md 3C).

    Returns
    -------
    score : float
        0-100 (NaN when no component can be computed).
    parts : dict
        s1..s5 (NaN where missing); the points each adds to the score under the names of
        :data:`POINT_COLUMNS` (``100·w·s/Σw`` over the components that exist, NaN where
        missing: they sum to ``score``); and ``renormalised`` (bool): whether missing
        components were left out and the weights rescaled.
    """
    s = {
        "s1": float(ramp(metrics.get("cadence_delta_spm", np.nan), cadence_delta_poor_spm,
                         cadence_delta_good_spm)),
        "s2": float(ramp(metrics.get("cadence_cv", np.nan), cadence_cv_poor, cadence_cv_good)),
        "s3": float(ramp(metrics.get("speed_cv", np.nan), speed_cv_poor, speed_cv_good)),
        "s4": float(ramp(metrics.get("braking_per_100m", np.nan), braking_poor_per_100m,
                         braking_good_per_100m)),
        "s5": float(ramp(metrics.get("braking_ratio", np.nan), braking_ratio_poor,
                         braking_ratio_good)),
    }
    w = np.array([WEIGHTS[k] for k in s])
    x = np.array(list(s.values()))
    ok = np.isfinite(x)
    total_w = float(np.sum(w[ok]))
    pts = np.where(ok, 100.0 * w * np.nan_to_num(x) / total_w, np.nan) if ok.any() else np.full(x.size, np.nan)
    score = float(np.sum(pts[ok])) if ok.any() else float("nan")
    points = {POINT_COLUMNS[k]: float(v) for k, v in zip(s, pts)}
    return score, {**s, **points, "renormalised": bool(ok.any() and not ok.all())}
