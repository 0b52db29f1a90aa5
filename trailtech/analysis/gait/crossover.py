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

__all__ = ["Crossover", "CROSSOVER_REASONS", "observed_crossover", "crossover_reason_text"]

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


def _pav_decreasing(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted non-increasing least-squares fit of ``y`` in its order (pool adjacent violators)."""
    blocks: list[list[float]] = []
    for yi, wi in zip(y, w):
        blocks.append([yi * wi, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            s_, w_, n_ = blocks.pop()
            blocks[-1][0] += s_
            blocks[-1][1] += w_
            blocks[-1][2] += n_
    return np.concatenate([np.full(int(n_), s_ / w_) for s_, w_, n_ in blocks])


def _interpolated_log_speed(x: np.ndarray, y: np.ndarray, w: np.ndarray, at: np.ndarray, h: float,
                            min_pieces: int, min_seconds: float) -> tuple[np.ndarray, np.ndarray]:
    """One gait's log speed at the grades ``at``: a local linear fit (tricube kernel of half-width
    ``h`` times duration ``w``), and whether it is an interpolation there (pieces of that gait
    on both sides within ``h``, at least ``min_pieces`` of them and ``min_seconds``)."""
    u = np.abs(at[:, None] - x[None, :]) / h
    near = u < 1.0
    k = np.where(near, (1.0 - np.minimum(u, 1.0) ** 3) ** 3, 0.0) * w[None, :]
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


def _crossing(G: np.ndarray, D: np.ndarray, W: np.ndarray) -> tuple[Optional[float], str]:
    """Where the non-increasing fit of ``D`` on ``G`` falls through zero, or why it does not."""
    if G.size < 2:
        return None, "too_little_overlap"
    fit = _pav_decreasing(D, W)
    if np.all(fit > 0):
        return None, "running_faster"
    if np.all(fit <= 0):
        return None, "hiking_faster"
    i = int(np.flatnonzero(fit <= 0)[0])
    a, b = fit[i - 1], fit[i]
    return float(G[i - 1] + (G[i] - G[i - 1]) * a / (a - b)), ""


def _clear_fall(G: np.ndarray, D: np.ndarray, r: float, h: float, min_t: float) -> bool:
    """Whether running is clearly faster just below ``r`` and clearly not just above it: the
    mean log ratio within ``h`` on each side differs from 0 by at least ``min_t`` standard
    errors. An isotonic fit always falls somewhere; this asks whether the data do."""
    below, above = D[(G >= r - h) & (G < r)], D[(G > r) & (G <= r + h)]
    if below.size < 2 or above.size < 2:
        return False
    # The spread around the two local means (the ratio falls across r, so not around one
    # level), unless the whole range scatters less.
    local = np.r_[below - below.mean(), above - above.mean()]
    sd = float(np.sqrt(np.sum(local ** 2) / max(local.size - 2, 1)))
    if D.size > 2:
        sd = min(sd, float(np.std(D - np.median(D), ddof=1)))
    if not sd > 0:
        return True
    return bool(below.mean() / (sd / np.sqrt(below.size)) >= min_t
                and -above.mean() / (sd / np.sqrt(above.size)) >= min_t)


def observed_crossover(
    pieces: pd.DataFrame,
    *,
    bandwidth: float = 0.05,
    min_pieces: int = 3,
    min_seconds: float = 180.0,
    n_boot: int = 200,
    max_ci: float = 0.06,
    min_boot_share: float = 0.5,
    min_t: float = 2.0,
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
    min_pieces, min_seconds : int, float
        Pieces and climbing time [s] the other gait needs inside the kernel for a piece to be
        compared with it.
    n_boot : int
        Bootstrap resamples of the pieces for the interval.
    max_ci : float
        Widest 90 % interval still reported [fraction].
    min_boot_share : float
        Share of the bootstrap resamples that must find a crossover.
    min_t : float
        Running must be faster just below the crossover, and not just above it, by this many
        standard errors (within ``bandwidth`` on each side).
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
    y = np.log(np.where(ok, v, 1.0))
    G, D, W = _pairs(g, y, w, hike, run, bandwidth, min_pieces, min_seconds)
    if G.size < 2:
        steepest_run = float(np.quantile(g[run], 0.95))
        if steepest_run < float(np.quantile(g[hike], 0.05)):
            return Crossover(None, reason="never_ran_above", reason_grade=steepest_run)
        return Crossover(None, reason="too_little_overlap")
    band = (float(G[0]), float(G[-1]))
    r0, why = _crossing(G, D, W)
    if r0 is None:
        grade = {"running_faster": band[1], "hiking_faster": band[0]}.get(why)
        return Crossover(None, reason=why, reason_grade=grade, comparable=band)
    if not _clear_fall(G, D, r0, bandwidth, min_t):
        return Crossover(None, reason="uncertain", comparable=band)
    n = g.size
    rng = np.random.default_rng(seed)
    roots = []
    for _ in range(n_boot):
        wb = w * rng.multinomial(n, np.full(n, 1.0 / n))
        sel = wb > 0
        r, _ = _crossing(*_pairs(g, y, np.where(sel, wb, 1.0), hike & sel, run & sel, bandwidth,
                                  min_pieces, min_seconds))
        if r is not None:
            roots.append(r)
    if n_boot and len(roots) < min_boot_share * n_boot:
        return Crossover(None, reason="uncertain", comparable=band)
    ci = (float(np.quantile(roots, 0.05)), float(np.quantile(roots, 0.95))) if roots else (r0, r0)
    if ci[1] - ci[0] > max_ci:
        return Crossover(None, ci=ci, reason="uncertain", comparable=band)
    return Crossover(r0, ci=(min(ci[0], r0), max(ci[1], r0)), comparable=band)
