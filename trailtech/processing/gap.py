"""Grade-adjusted pace (GAP) and the energy cost of running on slopes.

Two models (science.md topic 1):

``strava2017`` (default)
    The factor Strava's 2017 heart-rate-based model applies to distance, reverse-engineered
    by Schroeder (aaron-schroeder/specialsauce) with constant-grade files; independent of
    speed. Interpolated piecewise-linearly, grade clipped to ±45 %.
``minetti2002``
    ``Cr(i) / Cr(0)`` from the energy cost of running of Minetti et al. 2002; it over-rewards
    descents compared with what runners achieve, so it is the "energy" view: J/kg = Σ Cr Δd.

GAP is applied per distance-grid step, ``d_gap = Σ F(g) Δd``, and a GAP speed is
``d_gap / moving time``.

References
----------
Minetti AE, Moia C, Roi GS, Susta D, Ferretti G. Energy cost of walking and running at
extreme uphill and downhill slopes. J Appl Physiol 2002;93(3):1039-1046.
Robb D. An Improved GAP Model. Strava Engineering blog, 2017.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "STRAVA_2017_GRADE",
    "STRAVA_2017_FACTOR",
    "strava_gap_factor",
    "minetti_cost_running",
    "minetti_gap_factor",
    "gap_factor",
    "gap_distance_m",
    "energy_j_per_kg",
]

#: Grades of the reverse-engineered Strava 2017 table (fraction).
STRAVA_2017_GRADE = np.array(
    [-0.45, -0.30, -0.25, -0.20, -0.15, -0.10, -0.08, -0.06, -0.04, -0.02, 0.0,
     0.02, 0.04, 0.06, 0.08, 0.10, 0.15, 0.20, 0.25, 0.30, 0.45]
)
#: Distance (or speed) multipliers of the Strava 2017 table.
STRAVA_2017_FACTOR = np.array(
    [2.096, 1.495, 1.273, 1.081, 0.941, 0.876, 0.876, 0.891, 0.918, 0.960, 1.000,
     1.055, 1.135, 1.228, 1.337, 1.459, 1.846, 2.297, 2.727, 3.158, 4.286]
)

# Minetti 2002 running-cost polynomial, highest power first [J kg^-1 m^-1].
_MINETTI_CR = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)


def _clip(grade, clip: float) -> np.ndarray:
    if not clip > 0:
        raise ValueError(f"clip must be > 0, got {clip}")
    return np.clip(np.asarray(grade, dtype=float), -clip, clip)


def strava_gap_factor(grade, *, clip: float = 0.45) -> np.ndarray:
    """Strava 2017 GAP factor for a grade (fraction); NaN stays NaN.

    Examples
    --------
    >>> float(strava_gap_factor(0.10))
    1.459
    """
    return np.interp(_clip(grade, clip), STRAVA_2017_GRADE, STRAVA_2017_FACTOR)


def minetti_cost_running(grade, *, clip: float = 0.45) -> np.ndarray:
    """Energy cost of running Cr at a grade (Minetti et al. 2002) [J kg^-1 m^-1].

    Examples
    --------
    >>> float(minetti_cost_running(0.0))
    3.6
    """
    return np.polyval(_MINETTI_CR, _clip(grade, clip))


def minetti_gap_factor(grade, *, clip: float = 0.45) -> np.ndarray:
    """``Cr(g) / Cr(0)``: the energy-equivalent flat distance per metre."""
    return minetti_cost_running(grade, clip=clip) / _MINETTI_CR[-1]


def gap_factor(grade, *, model: str = "strava2017", clip: float = 0.45) -> np.ndarray:
    """GAP factor of ``model`` (``"strava2017"`` or ``"minetti2002"``)."""
    if model == "strava2017":
        return strava_gap_factor(grade, clip=clip)
    if model == "minetti2002":
        return minetti_gap_factor(grade, clip=clip)
    raise ValueError(f"model must be 'strava2017' or 'minetti2002', got {model!r}")


def gap_distance_m(step_m, grade, *, model: str = "strava2017", clip: float = 0.45) -> float:
    """Grade-adjusted (flat-equivalent) distance ``Σ F(g) Δd`` [m].

    Parameters
    ----------
    step_m : array_like
        Horizontal length of each distance-grid step [m].
    grade : array_like
        Grade over each step (fraction); steps with NaN grade count at factor 1.
    model : str
        ``"strava2017"`` or ``"minetti2002"``.
    clip : float
        Grade clip (fraction).
    """
    s = np.asarray(step_m, dtype=float)
    f = gap_factor(grade, model=model, clip=clip)
    f = np.where(np.isfinite(f), f, 1.0)
    return float(np.sum(np.where(np.isfinite(s), s, 0.0) * f))


def energy_j_per_kg(step_m, grade, *, clip: float = 0.45) -> float:
    """Running energy ``Σ Cr(g) Δd`` by Minetti 2002 [J/kg]; NaN grades count as flat."""
    s = np.asarray(step_m, dtype=float)
    g = np.asarray(grade, dtype=float)
    cr = minetti_cost_running(np.where(np.isfinite(g), g, 0.0), clip=clip)
    return float(np.sum(np.where(np.isfinite(s), s, 0.0) * cr))
