"""Personal speed-versus-grade models of hiking and running (science.md 2C).

One rule behind every model: per 2.5 %-grade bin with enough of the runner's own data, the
duration-weighted median shrunk toward a prior with the empirical-Bayes weight
``n/(n + 120 s)``, made non-increasing in grade (:func:`_bin_estimates`, and
:mod:`trailtech.processing.stats` for the weighted median and the isotonic fit). The models
differ in their prior and in what is shrunk:

* :func:`speed_model` (the verdicts, on the rows of one gait): the bin's median speed toward
  the prior speed at the bin centre; linear between bin centres.
* :func:`hiking_model` and :func:`running_model` (the crossover grade, on climbing pieces): the
  median of each piece's speed over the prior at its own grade toward 1, so a bin is not biased
  by where in it the pieces lie; the prior times that ratio between bin centres. Their priors
  are the runner's own: a fitted scale of Tobler's function for hiking, a robust line of
  grade-adjusted speed for running.

All return a :class:`SpeedModel`, ``model(grade) -> speed [m/s]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ...processing.hiking import tobler_speed_mps
from ...processing.stats import binned_weighted_median, huber_line, isotonic_decreasing, weighted_median
from .classification import v_wrt_mps

__all__ = [
    "SpeedModel",
    "speed_model",
    "hiking_model",
    "running_model",
    "huber_line",
]


@dataclass(frozen=True, eq=False)
class SpeedModel:
    """A personal speed-versus-grade model: ``model(grade) -> speed [m/s]``.

    Attributes
    ----------
    gait : str
        ``"hike"`` or ``"run"``.
    grade : numpy.ndarray
        Bin centres [fraction].
    speed_mps : numpy.ndarray
        Modelled speed per bin [m/s], non-increasing.
    bin_seconds : numpy.ndarray
        The runner's data behind each bin [s] (0 where the prior alone speaks).
    curve : callable
        The model at any grade (between and beyond the bin centres) [m/s].
    params : dict
        The fitted parameters (hiking: ``tobler_scale``; running: ``flat_speed_mps``,
        ``log_slope``, ``grade_lo``, ``grade_hi``) for reports and tests.
    """

    gait: str
    grade: np.ndarray
    speed_mps: np.ndarray
    bin_seconds: np.ndarray
    curve: Callable[[np.ndarray], np.ndarray]
    params: dict = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        """The runner's data behind the model [s]."""
        return float(np.sum(self.bin_seconds))

    def __call__(self, grade) -> np.ndarray:
        return self.curve(np.asarray(grade, dtype=float))

    @classmethod
    def constant(cls, gait: str, speed_mps: float) -> "SpeedModel":
        """The same speed at every grade (tests and defaults)."""
        return cls(gait, np.array([0.0]), np.array([float(speed_mps)]), np.zeros(1),
                   lambda g: np.full(np.shape(g), float(speed_mps)))

    def __repr__(self) -> str:  # pragma: no cover
        return f"SpeedModel({self.gait!r}, {len(self.grade)} bins, {self.seconds:.0f} s, {self.params})"


def _bin_estimates(g: np.ndarray, y: np.ndarray, w: np.ndarray, edges: np.ndarray, *,
                   min_bin_s: float, shrink_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per grade bin: the data behind it, the duration-weighted median of ``y``, and the
    empirical-Bayes weight of that median.

    Parameters
    ----------
    g, y, w : array
        Grade [fraction], the value binned, duration [s] (finite; grades inside the edges).
    edges : array
        Bin edges [fraction].
    min_bin_s, shrink_s : float
        Bins with less data than ``min_bin_s`` get weight 0; the others ``n/(n + shrink_s)`` [s].

    Returns
    -------
    seconds : numpy.ndarray
        [s] per bin.
    med : numpy.ndarray
        Weighted median of ``y`` per bin (:func:`~trailtech.processing.stats.weighted_median`;
        NaN in a bin without weight).
    weight : numpy.ndarray
        In [0, 1) per bin.
    """
    seconds, med = binned_weighted_median(g, y, w, edges)
    weight = np.where(seconds >= min_bin_s, seconds / (seconds + shrink_s), 0.0)
    return seconds, med, weight


def speed_model(
    grade: np.ndarray,
    speed_mps: np.ndarray,
    dt_s: np.ndarray,
    prior: Callable[[np.ndarray], np.ndarray],
    *,
    gait: str = "hike",
    bin_width: float = 0.025,
    max_grade: float = 0.6,
    min_bin_s: float = 60.0,
    shrink_s: float = 120.0,
) -> SpeedModel:
    """Personal uphill speed model: bin medians shrunk toward a prior, non-increasing (2C step 1).

    Parameters
    ----------
    grade, speed_mps, dt_s : array
        Rows of one gait [fraction], [m/s], [s].
    prior : callable
        Speed expected with no data, ``prior(grade) -> m/s``.
    gait : str
        ``"hike"`` or ``"run"`` (a label for the model).
    bin_width, max_grade : float
        Bins from 0 to ``max_grade`` [fraction].
    min_bin_s : float
        Bins with less data than this use the prior alone [s].
    shrink_s : float
        Empirical-Bayes weight ``n/(n + shrink_s)`` of the bin median [s].

    Returns
    -------
    SpeedModel
        Linear between bin centres, flat beyond them.
    """
    edges = np.arange(0.0, max_grade + bin_width / 2, bin_width)
    centres = 0.5 * (edges[:-1] + edges[1:])
    g = np.asarray(grade, float)
    v = np.asarray(speed_mps, float)
    w = np.asarray(dt_s, float)
    ok = np.isfinite(g) & np.isfinite(v) & (v > 0) & (g >= 0) & (g < edges[-1])
    seconds, med, wt = _bin_estimates(g[ok], v[ok], w[ok], edges, min_bin_s=min_bin_s,
                                      shrink_s=shrink_s)
    p = np.asarray(prior(centres), float)
    est = np.where(wt > 0, wt * np.nan_to_num(med) + (1 - wt) * p, p)
    est = isotonic_decreasing(est, np.maximum(seconds, 1.0))
    return SpeedModel(gait, centres, est, seconds, lambda x: np.interp(x, centres, est))


def _binned(g: np.ndarray, v: np.ndarray, w: np.ndarray, prior: Callable, *, gait: str,
            shrink_s: float, min_bin_s: float, bin_width: float, max_grade: float,
            params: dict) -> SpeedModel:
    """A prior speed curve corrected by the runner's own data, bin by bin (2C step 1).

    Per ``bin_width`` grade bin with at least ``min_bin_s`` of data: the duration-weighted
    median of speed / prior (each piece against the prior at its own grade, so a bin is not
    biased by where in it the pieces lie), shrunk toward 1 with ``n/(n + shrink_s)``; the
    speeds this gives at the bin centres are made non-increasing in grade (weighted isotonic
    regression). Between bin centres the curve is the prior times the interpolated ratio of
    the bins to the prior, so where there are no data it is exactly the prior.
    """
    edges = np.arange(0.0, max_grade + bin_width / 2, bin_width)
    centres = 0.5 * (edges[:-1] + edges[1:])
    p = np.asarray(prior(centres), float)
    rel = v / np.asarray(prior(g), float)
    seconds, med, wt = _bin_estimates(g, rel, w, edges, min_bin_s=min_bin_s, shrink_s=shrink_s)
    est = np.where(wt > 0, p * (wt * med + (1.0 - wt)), p)
    est = isotonic_decreasing(est, np.maximum(seconds, 1.0))
    ratio = est / p
    # Between the bin centres the prior times the interpolated ratio may rise a little: the
    # curve is tabulated on a fine grid and held non-increasing there.
    grid = np.linspace(0.0, max_grade, int(round(max_grade / 0.0005)) + 1)
    curve = np.minimum.accumulate(np.asarray(prior(grid), float) * np.interp(grid, centres, ratio))

    def fn(x):
        x = np.asarray(x, float)
        inside = np.interp(x, grid, curve)
        return np.where(x < 0, np.asarray(prior(x), float) * ratio[0], inside)

    return SpeedModel(gait, centres, est, seconds, fn, params)


def hiking_model(
    grade: np.ndarray,
    speed_mps: np.ndarray,
    duration_s: np.ndarray,
    *,
    prior_tobler_scale: float = 1.3,
    shrink_s: float = 120.0,
    min_bin_s: float = 60.0,
    bin_width: float = 0.025,
    max_grade: float = 0.6,
    scale_max_grade: float = 0.30,
) -> SpeedModel:
    """The runner's hiking speed by grade, from their hiking pieces on climbs (science.md 2C step 1).

    1. One scale ``k`` of Tobler's function: the duration-weighted median of ``v / Tobler(g)``
       over the pieces up to ``scale_max_grade`` (all pieces when those hold under
       ``min_bin_s``), shrunk toward ``prior_tobler_scale`` with the weight
       ``n/(n + shrink_s)``. Tobler's shape is a walker's; very steep power hiking keeps more
       speed, so the scale is read where crossovers lie.
    2. The prior ``min(k·Tobler(g), v_wrt(g))``: nobody hikes faster than the walk-run
       transition speed (2A step 4), which keeps a fast steep hiker's scale from inventing
       brisk hiking on gentle grades.
    3. Per 2.5 %-grade bin with at least ``min_bin_s`` of hiking, the weighted median speed
       shrunk toward the prior with ``n/(n + shrink_s)``; made non-increasing in grade
       (weighted isotonic regression). Between bin centres the model is the prior times the
       interpolated ratio of the bins to the prior, so where there are no data it is exactly
       the prior.

    Parameters
    ----------
    grade, speed_mps, duration_s : array
        The hiking pieces: average grade [fraction], speed [m/s], duration [s].
    prior_tobler_scale : float
        ``k`` with no data (config ``hike_prior_tobler_scale``).
    shrink_s, min_bin_s : float
        Empirical-Bayes constant and smallest bin used [s].
    bin_width, max_grade : float
        Bins from 0 to ``max_grade`` [fraction].
    scale_max_grade : float
        Pieces steeper than this do not set the scale (unless nothing else does) [fraction].

    Returns
    -------
    SpeedModel
    """
    if not shrink_s > 0:
        raise ValueError(f"shrink_s must be > 0, got {shrink_s}")
    if not prior_tobler_scale > 0:
        raise ValueError(f"prior_tobler_scale must be > 0, got {prior_tobler_scale}")
    g = np.asarray(grade, float)
    v = np.asarray(speed_mps, float)
    w = np.asarray(duration_s, float)
    ok = np.isfinite(g) & np.isfinite(v) & np.isfinite(w) & (v > 0) & (w > 0) & (g >= 0) \
        & (g < max_grade)
    g, v, w = g[ok], v[ok], w[ok]
    use = g <= scale_max_grade
    if w[use].sum() < min_bin_s:
        use = np.ones(g.size, bool)
    n = float(w[use].sum())
    k_data = weighted_median(v[use] / tobler_speed_mps(g[use]), w[use]) if n > 0 else prior_tobler_scale
    k = (n * k_data + shrink_s * prior_tobler_scale) / (n + shrink_s)

    def prior(x):
        return np.minimum(k * tobler_speed_mps(x), v_wrt_mps(x))

    return _binned(g, v, w, prior, gait="hike", shrink_s=shrink_s, min_bin_s=min_bin_s,
                   bin_width=bin_width, max_grade=max_grade, params={"tobler_scale": float(k)})


def running_model(
    grade: np.ndarray,
    speed_mps: np.ndarray,
    duration_s: np.ndarray,
    *,
    gap_model: str = "strava2017",
    slope_prior_sd: float = 3.0,
    max_decline: float = 10.0,
    shrink_s: float = 120.0,
    min_bin_s: float = 60.0,
    bin_width: float = 0.025,
    max_grade: float = 0.6,
    hold_vam: bool = True,
) -> SpeedModel:
    """The runner's running speed by grade, from their running pieces on climbs (2C).

    The grade-adjusted speed ``v·F(g)`` (Strava's GAP factor ``F``,
    :mod:`trailtech.processing.gap`) is what a runner holds at an even effort whatever the
    grade, so the model is ``v_run(g) = L(g) / F(g)``. Its level ``L`` is the runner's own:
    ``log(v·F(g))`` is fitted against grade with a robust line (Huber IRLS, weighted by
    duration). A falling line -- running that fades on steeper grades, faster than GAP
    allows -- is extrapolated up the grades; its slope is shrunk toward 0 (plain GAP) by the
    empirical-Bayes factor ``τ²/(τ² + var)`` with ``τ = slope_prior_sd``, so a slope read off
    a narrow range of grades counts for little. A rising line (harder efforts on steeper
    climbs) is held at its steepest observed level: more effort than the runner showed is not
    assumed.

    Parameters
    ----------
    grade, speed_mps, duration_s : array
        The running pieces on climbs: grade [fraction], speed [m/s], duration [s].
    gap_model : str
        ``"strava2017"`` or ``"minetti2002"`` (config ``gap_model``).
    slope_prior_sd : float
        ``τ``: prior spread of the slope of ``log(v·F)`` against grade [1/grade].
    max_decline : float
        Steepest decline of ``log(v·F)`` per unit grade accepted [1/grade].

    Returns
    -------
    SpeedModel
        ``params``: ``flat_speed_mps`` (``L`` at the duration-weighted mean grade),
        ``log_slope``, ``grade_lo``, ``grade_hi`` (range of the running pieces).
    """
    from ...processing.gap import gap_factor

    if not slope_prior_sd > 0:
        raise ValueError(f"slope_prior_sd must be > 0, got {slope_prior_sd}")
    g = np.asarray(grade, float)
    v = np.asarray(speed_mps, float)
    w = np.asarray(duration_s, float)
    ok = np.isfinite(g) & np.isfinite(v) & np.isfinite(w) & (v > 0) & (w > 0)
    g, v, w = g[ok], v[ok], w[ok]
    if g.size == 0:
        raise ValueError("running_model needs at least one running piece")
    y = np.log(v * gap_factor(g, model=gap_model))
    g_mid = float(np.average(g, weights=w))
    g_lo, g_hi = float(g.min()), float(g.max())
    slope, level = 0.0, weighted_median(y, w)
    if g.size >= 3 and g_hi - g_lo > 1e-6:
        (b, a), cov = huber_line(g - g_mid, y, w)
        var_b = float(cov[0, 0]) if np.isfinite(cov[0, 0]) else np.inf
        slope = float(np.clip(b * slope_prior_sd ** 2 / (slope_prior_sd ** 2 + var_b),
                              -max_decline, max_decline))
        level = float(a)

    def prior(x):
        # Fading running is extrapolated; rising effort is held at its steepest observed level.
        hi = np.inf if slope < 0 else g_hi
        xx = np.clip(x, g_lo, hi)
        return np.exp(level + slope * (xx - g_mid)) / gap_factor(x, model=gap_model)

    params = {"flat_speed_mps": float(np.exp(level)), "log_slope": slope, "grade_lo": g_lo,
              "grade_hi": g_hi}
    binned = _binned(g, v, w, prior, gait="run", shrink_s=shrink_s, min_bin_s=min_bin_s,
                     bin_width=bin_width, max_grade=max_grade, params=params)
    vam_top = float(binned(np.array([g_hi]))[0]) * g_hi

    def fn(x):
        # Steeper than the runner ever ran, running climbs no faster than at their steepest.
        out = binned(x)
        if hold_vam and g_hi > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.where(x > g_hi, np.minimum(out, vam_top / x), out)
        return out

    return SpeedModel("run", binned.grade, binned.speed_mps, binned.bin_seconds, fn, params)
