"""Grade (rise over horizontal run) from a smoothed distance-grid profile.

Grade is the central difference of the smoothed profile over a baseline ``L``: its noise is
``sigma_g = sqrt(2) sigma_r / L`` for a residual elevation error ``sigma_r`` (science.md 4.4), so
GPS elevation needs a longer baseline (100 m) than barometric (50 m).
"""

from __future__ import annotations

import numpy as np

__all__ = ["grade_from_profile", "clip_grade"]


def grade_from_profile(distance_m, elevation_m, *, baseline_m: float) -> np.ndarray:
    """Grade at each profile point over a centred baseline (fraction, not percent).

    Parameters
    ----------
    distance_m : array_like
        Profile distances [m], strictly increasing (a uniform grid in practice).
    elevation_m : array_like
        Smoothed elevation at those distances [m].
    baseline_m : float
        Distance over which the rise is measured [m]; shortened at the ends of the track.

    Returns
    -------
    numpy.ndarray
        ``dh/dx`` (0.10 is a 10 % grade); 0 for a single-point profile.

    Examples
    --------
    >>> d = np.arange(0, 500, 5.0)
    >>> float(np.round(grade_from_profile(d, 0.1 * d, baseline_m=50)[50], 6))
    0.1
    """
    if not baseline_m > 0:
        raise ValueError(f"baseline_m must be > 0, got {baseline_m}")
    d = np.asarray(distance_m, dtype=float)
    h = np.asarray(elevation_m, dtype=float)
    if d.shape != h.shape:
        raise ValueError("distance_m and elevation_m must have the same shape")
    if d.size < 2:
        return np.zeros(d.shape)
    half = baseline_m / 2.0
    lo = np.maximum(d - half, d[0])
    hi = np.minimum(d + half, d[-1])
    run = hi - lo
    rise = np.interp(hi, d, h) - np.interp(lo, d, h)
    with np.errstate(invalid="ignore", divide="ignore"):
        g = np.where(run > 0, rise / np.where(run > 0, run, 1.0), 0.0)
    return g


def clip_grade(grade, *, limit: float = 1.0) -> np.ndarray:
    """Clip a grade to ``[-limit, limit]`` (±1.0 for display, ±0.45 for GAP models)."""
    if not limit > 0:
        raise ValueError(f"limit must be > 0, got {limit}")
    return np.clip(np.asarray(grade, dtype=float), -limit, limit)
