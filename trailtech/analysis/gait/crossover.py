"""The hike/run crossover grade from observation only (issue 15, science.md 2C).

The crossover is the grade above which the runner's own hiking climbs as fast as their own
running. It is read only where the runner both hiked and ran comparable grades: at every grade
``g`` of a 0.5-point grid, each gait's log speed is a local linear fit (tricube kernel of
half-width ``bandwidth`` times piece duration) over that gait's climbing pieces near ``g``; a
grade is *comparable* when each gait has at least ``min_pieces`` pieces and ``min_seconds``
of climbing inside the kernel there. Over the comparable grades the difference
``d(g) = log v_run(g) - log v_hike(g)`` is positive where running is faster; the crossover is
the fall of ``d`` through zero that best splits the comparable grades into "running faster
below" and "hiking as fast above" (weighted by ``|d|``). Nothing is extrapolated: a crossover
outside the comparable grades is no answer, with a reason.

Its interval is a piece bootstrap (``n_boot`` resamples with multinomial weights, a fixed seed:
the same input gives the same interval). When the bootstrap finds no crossover in a fifth of
the resamples, or the 90 % interval is wider than ``max_ci``, the answer is withheld
(``"uncertain"``): a wrong number is worse than none.

Reasons (:data:`CROSSOVER_REASONS`) and their words (:func:`crossover_reason_text`) are the
JSON ``crossover_reason`` and what the CLI and the HTML say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

__all__ = ["Crossover", "CROSSOVER_REASONS", "observed_crossover", "crossover_reason_text"]

#: Why there is no crossover, by code (``{x}``: the grade the reason names [%]).
CROSSOVER_REASONS: dict[str, str] = {
    "no_climbs": "no climbing long enough to compare hiking and running",
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


def _local_log_speed(x: np.ndarray, y: np.ndarray, w: np.ndarray, grid: np.ndarray, h: float):
    """Local linear fit of ``y`` on ``x`` at each ``grid`` point, for each weight row of ``w``.

    ``w`` has shape (B, n); returns the fits (B, G), the kernel piece counts (G,) and the
    kernel seconds (B, G).
    """
    u = np.abs(grid[:, None] - x[None, :]) / h  # (G, n)
    k = np.where(u < 1.0, (1.0 - u ** 3) ** 3, 0.0)
    inside = (u < 1.0).sum(axis=1)
    dx = x[None, :] - grid[:, None]  # (G, n)
    kw = k[None, :, :] * w[:, None, :]  # (B, G, n)
    s0 = kw.sum(-1)
    s1 = (kw * dx).sum(-1)
    s2 = (kw * dx * dx).sum(-1)
    t0 = (kw * y).sum(-1)
    t1 = (kw * dx * y).sum(-1)
    den = s0 * s2 - s1 * s1
    with np.errstate(divide="ignore", invalid="ignore"):
        lin = (s2 * t0 - s1 * t1) / den
        flat = t0 / s0
    # Where the pieces sit at one grade the line is undetermined: the local mean stands.
    fit = np.where(np.abs(den) > 1e-12 * np.maximum(s0 * s0, 1e-300) * h * h, lin, flat)
    sec = (np.where(u < 1.0, 1.0, 0.0)[None, :, :] * w[:, None, :]).sum(-1)
    return fit, inside, sec


def _root(grid: np.ndarray, d: np.ndarray, ok: np.ndarray) -> Optional[float]:
    """The fall of ``d`` through zero that best splits the ``ok`` grades (see module doc)."""
    idx = np.flatnonzero(ok)
    if idx.size < 2:
        return None
    best, best_score = None, -np.inf
    total = np.abs(d[idx]).sum()
    for a, b in zip(idx[:-1], idx[1:]):
        if b != a + 1 or not (d[a] > 0 >= d[b]):
            continue
        r = grid[a] + (grid[b] - grid[a]) * d[a] / (d[a] - d[b])
        below, above = idx[grid[idx] < r], idx[grid[idx] > r]
        score = (np.abs(d[below]) * np.sign(d[below])).sum() - (np.abs(d[above]) * np.sign(d[above])).sum()
        if score > best_score:
            best, best_score = float(r), score / total if total > 0 else 0.0
    return best


def observed_crossover(
    pieces: pd.DataFrame,
    *,
    bandwidth: float = 0.05,
    step: float = 0.005,
    min_pieces: int = 3,
    min_seconds: float = 180.0,
    n_boot: int = 200,
    max_ci: float = 0.06,
    seed: int = 0,
) -> Crossover:
    """The runner's crossover grade, where they hiked and ran comparable grades.

    Parameters
    ----------
    pieces : DataFrame
        Climbing pieces (:func:`~.bouts.climb_pieces`): ``gait`` (``"hike"``/``"run"``),
        ``avg_grade_pct`` [%], ``speed_mps`` [m/s], ``duration_s`` [s].
    bandwidth : float
        Half-width of the tricube kernel [fraction].
    step : float
        Grade grid [fraction].
    min_pieces, min_seconds : int, float
        Pieces and climbing time each gait needs inside the kernel at a comparable grade [s].
    n_boot : int
        Bootstrap resamples of the pieces for the interval.
    max_ci : float
        Widest 90 % interval still reported [fraction].
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
    lo = max(0.0, min(g[hike].min(), g[run].min()) - bandwidth)
    hi = max(g[hike].max(), g[run].max()) + bandwidth
    grid = np.arange(np.floor(lo / step) * step, hi + step / 2, step)
    y = np.log(v)

    rng = np.random.default_rng(seed)
    n = g.size
    boot = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float) if n_boot else np.zeros((0, n))
    wmul = np.vstack([np.ones(n), boot]) * w[None, :]  # row 0: the data as they are

    fits, secs, counts = {}, {}, {}
    for name, sel in (("hike", hike), ("run", run)):
        f, c, s = _local_log_speed(g[sel], y[sel], wmul[:, sel], grid, bandwidth)
        fits[name], counts[name], secs[name] = f, c, s
    comparable = ((counts["hike"] >= min_pieces) & (counts["run"] >= min_pieces)
                  & (secs["hike"][0] >= min_seconds) & (secs["run"][0] >= min_seconds))
    # Comparable grades must lie where each gait was really seen, not at a kernel's edge.
    comparable &= (grid >= max(g[hike].min(), g[run].min())) & (grid <= min(g[hike].max(), g[run].max()))
    if not comparable.any():
        steepest_run = float(np.quantile(g[run], 0.95))
        if steepest_run < float(np.quantile(g[hike], 0.05)):
            return Crossover(None, reason="never_ran_above", reason_grade=steepest_run)
        return Crossover(None, reason="too_little_overlap")
    band = (float(grid[comparable].min()), float(grid[comparable].max()))
    d = fits["run"] - fits["hike"]  # (B + 1, G)
    r0 = _root(grid, d[0], comparable)
    if r0 is None:
        dc = d[0][comparable]
        if np.all(dc > 0):
            return Crossover(None, reason="running_faster", reason_grade=band[1], comparable=band)
        if np.all(dc <= 0):
            return Crossover(None, reason="hiking_faster", reason_grade=band[0], comparable=band)
        return Crossover(None, reason="uncertain", comparable=band)
    roots = np.array([r for r in (_root(grid, d[b], comparable & np.all(np.isfinite(d[[0, b]]), axis=0))
                                  for b in range(1, d.shape[0])) if r is not None])
    if n_boot and roots.size < 0.8 * n_boot:
        return Crossover(None, reason="uncertain", comparable=band)
    ci = (float(np.quantile(roots, 0.05)), float(np.quantile(roots, 0.95))) if roots.size else (r0, r0)
    if ci[1] - ci[0] > max_ci:
        return Crossover(None, ci=ci, reason="uncertain", comparable=band)
    return Crossover(r0, ci=(min(ci[0], r0), max(ci[1], r0)), comparable=band)
