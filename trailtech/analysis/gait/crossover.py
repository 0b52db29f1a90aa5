"""The hike/run crossover grade from observation only (issue 15, science.md 2C).

The crossover is the grade above which the runner's own hiking climbs as fast as their own
running. It is read only where the runner both hiked and ran comparable grades:

1. Every climbing piece is compared with the *other* gait at the piece's own grade: that gait's
   log speed there is a local linear fit (tricube kernel of half-width ``bandwidth`` times
   piece duration) over its pieces, used only as an interpolation -- pieces of the other gait
   on both sides within the kernel, at least ``min_pieces`` and ``min_seconds`` of them. A
   running piece gives ``log(v_run / v_hike_fit)``, a hiking piece ``log(v_run_fit / v_hike)``:
   each comparison holds one real measurement at its real grade.
2. Running faster should fade with grade: a non-increasing fit of those log ratios against
   grade (weighted isotonic regression) falls through zero at the crossover (interpolated
   between the two comparisons it falls between). Positive throughout: running stayed faster
   at every grade compared; never positive: hiking was as fast at every grade compared.

Nothing is extrapolated: a crossover outside the compared grades is no answer, with a reason.

Its interval is a piece bootstrap (``n_boot`` resamples with multinomial weights, a fixed seed:
the same input gives the same interval). When fewer than ``min_boot_share`` of the resamples
find a crossover, or the 90 % interval is wider than ``max_ci``, the answer is withheld
(``"uncertain"``): a wrong number is worse than none.

Reasons (:data:`CROSSOVER_REASONS`) and their words (:func:`crossover_reason_text`) are the
JSON ``crossover_reason`` and what the CLI and the HTML say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from ...processing.stats import isotonic_decreasing, tricube

__all__ = ["Crossover", "CROSSOVER_REASONS", "observed_crossover", "crossover_reason_text",
           "crossover_interval_text", "no_crossover_text"]

#: Why there is no crossover, by code (``{x}``: the grade the reason names [%]).
CROSSOVER_REASONS: dict[str, str] = {
    "no_climbs": "no climbing long enough to compare hiking and running",
    "no_cadence": "without cadence, hiking was told from speed: comparing speeds would only restate it",
    "never_hiked": "you never hiked a climb",
    "never_ran_climbing": "you never ran a climb",
    "never_ran_above": "you never ran above {x:.0f} %, below the grades you hiked",
    "too_little_overlap": "you hiked and ran too few comparable grades",
    "running_faster": "running stayed faster at every grade you both hiked and ran (up to {x:.0f} %)",
    "hiking_faster": "hiking was as fast as running at every grade you both hiked and ran (from {x:.0f} %)",
    "uncertain": "your hiking and running speeds at the same grades were too scattered to place it",
}


def crossover_reason_text(reason: Optional[str], grade_pct: Optional[float] = None) -> str:
    """The reason code in words (empty for ``None``); ``grade_pct`` fills the grade it names [%]."""
    if reason is None:
        return ""
    text = CROSSOVER_REASONS.get(reason, reason)
    if "{x" not in text:
        return text
    if grade_pct is not None and np.isfinite(grade_pct):
        return text.format(x=grade_pct)
    # Without the grade: the sentence without the figure.
    return text.replace(" above {x:.0f} %", " the grades you hiked").split(" (")[0].split(", below")[0]


def crossover_interval_text(ci_pct) -> str:
    """`` (low–high %)`` of a crossover's interval [%] (empty without one), as the reports write it."""
    if ci_pct is None or len(ci_pct) != 2 or not all(np.isfinite(np.asarray(ci_pct, float))):
        return ""
    return f" ({float(ci_pct[0]):.1f}–{float(ci_pct[1]):.1f} %)"


def no_crossover_text(reason: Optional[str], grade_pct: Optional[float] = None) -> str:
    """Why there is no crossover, in words (:func:`crossover_reason_text`), with the reports'
    words for an answer without a reason code."""
    return crossover_reason_text(reason, grade_pct) or "not enough hiking and running on climbs to tell"


@dataclass(frozen=True)
class Crossover:
    """An observed crossover grade, or the reason there is none.

    Attributes
    ----------
    grade : float or None
        [fraction].
    ci : tuple of float or None
        90 % bootstrap interval [fraction].
    reason : str or None
        A :data:`CROSSOVER_REASONS` code when ``grade`` is None.
    reason_grade : float or None
        The grade the reason names [fraction] (steepest running, edge of the comparable grades).
    comparable : tuple of float or None
        Lowest and highest comparable grade [fraction].
    """

    grade: Optional[float]
    ci: Optional[tuple[float, float]] = None
    reason: Optional[str] = None
    reason_grade: Optional[float] = None
    comparable: Optional[tuple[float, float]] = None


def _interpolated_log_speed(x: np.ndarray, y: np.ndarray, w: np.ndarray, at: np.ndarray, h: float,
                            min_pieces: int, min_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """One gait's log speed at the grades ``at``: a local linear fit (tricube kernel of half-width
    ``h`` times duration ``w``), and whether it is an interpolation there (pieces of that gait
    on both sides within ``h``, at least ``min_pieces`` of them and ``min_seconds``)."""
    u = np.abs(at[:, None] - x[None, :]) / h
    near = u < 1.0
    k = tricube(u) * w[None, :]
    dx = x[None, :] - at[:, None]
    s0, s1, s2 = k.sum(1), (k * dx).sum(1), (k * dx * dx).sum(1)
    t0, t1 = (k * y).sum(1), (k * dx * y).sum(1)
    den = s0 * s2 - s1 * s1
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = np.where(den > 1e-9 * s0 * s0 * h * h, (s2 * t0 - s1 * t1) / den, t0 / s0)
    both_sides = (near & (dx <= 0)).any(1) & (near & (dx >= 0)).any(1)
    ok = both_sides & (near.sum(1) >= min_pieces) & ((near * w[None, :]).sum(1) >= min_seconds)
    return fit, ok & np.isfinite(fit)


def _pairs(g, y, w, hike, run, h, min_pieces, min_seconds):
    """Every piece against the other gait at its own grade: (grade, log(v_run / v_hike),
    duration), sorted by grade; only where the other gait's speed is interpolated."""
    fh, oh = _interpolated_log_speed(g[hike], y[hike], w[hike], g[run], h, min_pieces, min_seconds)
    fr, orr = _interpolated_log_speed(g[run], y[run], w[run], g[hike], h, min_pieces, min_seconds)
    G = np.r_[g[run][oh], g[hike][orr]]
    D = np.r_[y[run][oh] - fh[oh], fr[orr] - y[hike][orr]]
    W = np.r_[w[run][oh], w[hike][orr]]
    o = np.argsort(G, kind="stable")
    return G[o], D[o], W[o]


def _local_quadratic(x: np.ndarray, y: np.ndarray, w: np.ndarray, at: np.ndarray,
                     h: float) -> tuple[np.ndarray, np.ndarray]:
    """One gait's log speed at the grades ``at`` (shape (B, m) for B resamples of the weights
    ``w``, shape (B, n)): a local quadratic fit with a tricube kernel of half-width ``h``
    times the duration weights; a local line where the quadratic is ill-posed (NaN where the
    kernel holds no piece); and the kernel's weight there (how much data the fit stands on)."""
    dx = x[None, :] - at[:, None]                                     # (m, n)
    k = tricube(dx / h)                                               # kernel, (m, n)
    z = dx / h
    # Each moment is one matrix product over the pieces: (B, n) @ (n, m).
    kz = [k * z ** p for p in range(5)]
    S = [w @ kz_p.T for kz_p in kz]
    T = [w @ (kz[p] * y[None, :]).T for p in range(3)]
    S0, S1, S2, S3, S4 = S
    T0, T1, T2 = T
    # The intercept of the 3x3 normal equations by Cramer's rule (elementwise over B and m).
    c0 = S2 * S4 - S3 * S3
    det = S0 * c0 - S1 * (S1 * S4 - S3 * S2) + S2 * (S1 * S3 - S2 * S2)
    num = T0 * c0 - S1 * (T1 * S4 - S3 * T2) + S2 * (T1 * S3 - S2 * T2)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Near-singular (all pieces at about one grade): the local line instead.
        den = S0 * S2 - S1 * S1
        line = np.where(den > 1e-6 * S0 * S0, (S2 * T0 - S1 * T1) / den, T0 / S0)
        good = det > 1e-6 * S0 ** 3
        quad = num / np.where(good, det, 1.0)
    return np.where(good, quad, line), S[0]


def _differences(g, y, w, hike, run, grid, h):
    """``log v_run - log v_hike`` on ``grid`` for each row of the weights ``w`` (B, n), and how
    much data of the scarcer gait stands under each point (its kernel weight) [s]."""
    fr, sr = _local_quadratic(g[run], y[run], w[:, run], grid, h)
    fh, sh = _local_quadratic(g[hike], y[hike], w[:, hike], grid, h)
    return fr - fh, np.minimum(sr, sh)


def _root(D: np.ndarray, S: np.ndarray, grid: np.ndarray) -> tuple[Optional[float], str]:
    """Where the non-increasing fit of ``D`` over ``grid`` (each point weighted by the data
    under it, ``S``: the fits' reach past the data counts little) falls through zero, or why
    not."""
    ok = np.isfinite(D) & (S > 0)
    if ok.sum() < 2:
        return None, "too_little_overlap"
    x, fit = grid[ok], isotonic_decreasing(D[ok], S[ok])
    if np.all(fit > 0):
        return None, "running_faster"
    if np.all(fit <= 0):
        return None, "hiking_faster"
    i = int(np.flatnonzero(fit <= 0)[0])
    a, b = fit[i - 1], fit[i]
    return float(x[i - 1] + (x[i] - x[i - 1]) * a / (a - b)), ""


def _supported(g, w, hike, run, r, h, min_pieces, min_seconds) -> bool:
    """Whether both gaits were climbed near ``r`` (within ``h``): at least ``min_pieces``
    pieces and ``min_seconds`` each."""
    near = np.abs(g - r) <= h
    return all((near & m).sum() >= min_pieces and w[near & m].sum() >= min_seconds
               for m in (hike, run))


def observed_crossover(
    pieces: pd.DataFrame,
    *,
    bandwidth: float = 0.05,
    fit_bandwidth: float = 0.15,
    min_pieces: int = 3,
    min_seconds: float = 120.0,
    n_boot: int = 200,
    max_ci: float = 0.06,
    min_boot_share: float = 0.5,
    grid_step: float = 0.005,
    edge_grade: float = 0.03,
    seed: int = 0,
) -> Crossover:
    """The runner's crossover grade, where they hiked and ran comparable grades.

    Parameters
    ----------
    pieces : DataFrame
        Climbing pieces (:func:`~.bouts.climb_pieces`): ``gait`` (``"hike"``/``"run"``),
        ``avg_grade_pct`` [%], ``speed_mps`` [m/s], ``duration_s`` [s].
    bandwidth : float
        Both gaits must have been climbed within this of the crossover [fraction].
    fit_bandwidth : float
        Half-width of the tricube kernel of each gait's local quadratic fit [fraction].
    min_pieces, min_seconds : int, float
        Pieces and climbing time [s] each gait needs within ``bandwidth`` of the crossover.
    n_boot : int
        Bootstrap resamples of the pieces for the interval.
    max_ci : float
        Widest 90 % interval still reported [fraction].
    min_boot_share : float
        Share of the bootstrap resamples that must find a crossover.
    grid_step : float
        Grid of grades the two fits are compared on [fraction].
    edge_grade : float
        How far beyond the comparable grades the two fits are still compared [fraction].
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    Crossover
    """
    need = {"gait", "avg_grade_pct", "speed_mps", "duration_s"}
    if pieces is None or len(pieces) == 0 or not need <= set(pieces.columns):
        return Crossover(None, reason="no_climbs")
    gait = pieces["gait"].to_numpy(dtype=object)
    g = pd.to_numeric(pieces["avg_grade_pct"], errors="coerce").to_numpy(float) / 100.0
    v = pd.to_numeric(pieces["speed_mps"], errors="coerce").to_numpy(float)
    w = pd.to_numeric(pieces["duration_s"], errors="coerce").to_numpy(float)
    ok = np.isfinite(g) & np.isfinite(v) & np.isfinite(w) & (v > 0) & (w > 0) & (g > 0) & (g < 0.8)
    hike, run = ok & (gait == "hike"), ok & (gait == "run")
    if not (hike | run).any():
        return Crossover(None, reason="no_climbs")
    if w[hike].sum() < min_seconds or hike.sum() < min_pieces:
        return Crossover(None, reason="never_hiked")
    if w[run].sum() < min_seconds or run.sum() < min_pieces:
        return Crossover(None, reason="never_ran_climbing")
    # The comparable grades: from the gentlest to the steepest grade where both gaits were
    # climbed; an answer near an end must still have both gaits near it (``_supported``).
    lo, hi = max(g[hike].min(), g[run].min()), min(g[hike].max(), g[run].max())
    if hi - lo < 2 * grid_step:
        steepest_run = float(g[run].max())
        if steepest_run < float(g[hike].min()):
            return Crossover(None, reason="never_ran_above", reason_grade=steepest_run)
        return Crossover(None, reason="too_little_overlap")
    band = (float(lo), float(hi))
    # Each fit reaches ``edge_grade`` past the last piece of its gait: pieces' grades are
    # themselves uncertain by about that much, and a runner who switches exactly at their
    # crossover shows it only at the edge of the grades they hiked (or ran).
    grid = np.arange(lo - edge_grade, hi + edge_grade + 0.5 * grid_step, grid_step)
    y = np.log(np.where(ok, v, 1.0))
    W = np.where(ok, w, 0.0)
    D, S = _differences(g, y, W[None, :], hike, run, grid, fit_bandwidth)
    r0, why = _root(D[0], S[0], grid)
    if r0 is None:
        grade = {"running_faster": band[1], "hiking_faster": band[0]}.get(why)
        return Crossover(None, reason=why, reason_grade=grade, comparable=band)
    if not _supported(g, w, hike, run, r0, bandwidth, min_pieces, min_seconds):
        return Crossover(None, reason="too_little_overlap", comparable=band)
    rng = np.random.default_rng(seed)
    n = int(ok.sum())
    boots = np.zeros((n_boot, g.size))
    boots[:, ok] = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) * w[ok][None, :]
    D, S = _differences(g, y, boots, hike, run, grid, fit_bandwidth)
    roots = [r for r, _ in (_root(d, s_, grid) for d, s_ in zip(D, S)) if r is not None]
    if n_boot and len(roots) < min_boot_share * n_boot:
        return Crossover(None, reason="uncertain", comparable=band)
    ci = (float(np.quantile(roots, 0.05)), float(np.quantile(roots, 0.95))) if roots else (r0, r0)
    if ci[1] - ci[0] > max_ci:
        return Crossover(None, ci=ci, reason="uncertain", comparable=band)
    return Crossover(r0, ci=(min(ci[0], r0), max(ci[1], r0)), comparable=band)
