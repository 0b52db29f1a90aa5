"""How alike two stretches of track are: Fréchet and Hausdorff distances, retracing, and
order-keeping alignment (science.md topic 6).

Shared by the repeat search within one activity (:mod:`.passes`) and the matching of
segments across a season (:mod:`trailtech.season.match`).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..neighbors import nearest_distance_m

__all__ = [
    "discrete_frechet_m",
    "frechet_within",
    "hausdorff_one_sided_m",
    "downsample",
    "fold_score_m",
    "subsequence_dtw",
    "shape_fault",
]


def discrete_frechet_m(p: np.ndarray, q: np.ndarray) -> float:
    """Discrete Fréchet distance between two polylines [m] (Eiter & Mannila 1994).

    Dynamic programming over anti-diagonals, each one a vectorised numpy step.

    Parameters
    ----------
    p, q : array, shape (n, 2) and (m, 2)
        Points in metres.

    Returns
    -------
    float
    """
    p = np.asarray(p, float)
    q = np.asarray(q, float)
    n, m = len(p), len(q)
    if n == 0 or m == 0:
        return float("inf")
    d = np.hypot(p[:, None, 0] - q[None, :, 0], p[:, None, 1] - q[None, :, 1])
    ca = np.full((n, m), np.inf)
    ca[:, 0] = np.maximum.accumulate(d[:, 0])
    ca[0, :] = np.maximum.accumulate(d[0, :])
    for k in range(2, n + m - 1):
        i = np.arange(max(1, k - m + 1), min(n - 1, k - 1) + 1)
        if i.size == 0:
            continue
        j = k - i
        prev = np.minimum(np.minimum(ca[i - 1, j], ca[i - 1, j - 1]), ca[i, j - 1])
        ca[i, j] = np.maximum(d[i, j], prev)
    return float(ca[-1, -1])


def frechet_within(p: np.ndarray, q: np.ndarray, eps_m: float) -> bool:
    """Whether the discrete Fréchet distance of two polylines is at most ``eps_m``.

    The decision version of :func:`discrete_frechet_m` (same verdict, same distances), row by
    row: a cell is reachable when it is within ``eps_m`` and a neighbour above, diagonal or to
    the left is; within a row the left-neighbour chain is resolved with cumulative maxima (no
    inner Python loop), and the search stops at the first unreachable row, which matters when
    a season makes thousands of comparisons (:mod:`trailtech.season.match`).
    """
    p = np.asarray(p, float)
    q = np.asarray(q, float)
    if len(p) == 0 or len(q) == 0:
        return False
    if _proportional_walk_within(p, q, eps_m):
        return True  # one monotone walk within eps_m proves it; the search below finds any
    m = len(q)
    idx = np.arange(m)
    free = np.hypot(p[:, None, 0] - q[None, :, 0], p[:, None, 1] - q[None, :, 1]) <= eps_m
    if not (free[0, 0] and free[-1, -1]):
        return False  # both walks start together and end together
    reach = np.cumprod(free[0]).astype(bool)
    for i in range(1, len(p)):
        b = reach.copy()
        b[1:] |= reach[:-1]
        f = free[i]
        blocked = np.maximum.accumulate(np.where(~f, idx, -1))
        start = np.maximum.accumulate(np.where(b & f, idx, -1))
        reach = f & (start > blocked)
        if not reach.any():
            return False
    return bool(reach[-1])


def _proportional_walk_within(p: np.ndarray, q: np.ndarray, eps_m: float) -> bool:
    """Whether the walk that keeps both polylines at the same share of their points stays
    within ``eps_m``: a sufficient condition for :func:`frechet_within`, checked in a few
    vectorised steps.

    The walk visits, for each point ``i`` of ``p``, the points of ``q`` from ``j(i-1)`` to
    ``j(i)``, with ``j(i) = round(i (m-1) / (n-1))``: steps of one point in ``p`` or in ``q``,
    never back, from both starts to both ends. Two passes of the same ground, evenly resampled,
    mostly pass this test, and then the row-by-row search is not needed.
    """
    n, m = len(p), len(q)
    j = (np.zeros(1, dtype=np.intp) if n == 1
         else np.rint(np.arange(n) * ((m - 1) / (n - 1))).astype(np.intp))
    j[-1] = m - 1
    lo = np.concatenate(([0], j[:-1]))
    counts = j - lo + 1
    rows = np.repeat(np.arange(n), counts)
    cols = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    d = p[rows] - q[cols]
    return bool(np.all(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1] <= eps_m * eps_m))


def hausdorff_one_sided_m(ref: np.ndarray, cand: np.ndarray) -> tuple[float, float]:
    """Distance from each reference point to the nearest candidate point: (max, 95th pct) [m]."""
    dist = nearest_distance_m(cand, ref)
    return float(np.max(dist)), float(np.percentile(dist, 95))


def downsample(xy: np.ndarray, max_pts: int = 150) -> np.ndarray:
    """At most about ``max_pts`` points of a polyline, evenly spread along it (ends kept)."""
    if len(xy) <= max_pts:
        return xy
    idx = np.unique(np.linspace(0, len(xy) - 1, max_pts).round().astype(int))
    return xy[idx]


def fold_score_m(xy: np.ndarray, idx, half_pts: int) -> np.ndarray:
    """How well the track retraces itself about each index: the mean distance between the
    points ``k`` before and ``k`` after it, k = 1 … ``half_pts`` [m].

    A few metres (the GPS noise) where the runner turned round and came back the way they
    came (a hill repeat's walk back up); more than ``half_pts`` × step elsewhere, and
    some 15-30 m at a 60 m wide switchback hairpin, whose two legs part by a few metres
    every traverse. ``inf`` where the track has fewer than ``half_pts`` points on a side.

    Parameters
    ----------
    xy : array, shape (n, 2)
        Path points [m], evenly spaced in distance.
    idx : array of int
        Indices to score.
    half_pts : int
        Points compared on each side.

    Returns
    -------
    numpy.ndarray
        [m], one per index.
    """
    if half_pts < 1:
        raise ValueError(f"half_pts={half_pts} must be at least 1")
    idx = np.asarray(idx, dtype=np.intp)
    out = np.full(idx.size, np.inf)
    ok = (idx >= half_pts) & (idx + half_pts < len(xy))
    i = idx[ok][:, None]
    k = np.arange(1, half_pts + 1)
    diff = xy[i - k] - xy[i + k]
    out[ok] = np.hypot(diff[..., 0], diff[..., 1]).mean(axis=1)
    return out


def subsequence_dtw(template: np.ndarray, series: np.ndarray, *,
                    start_ok: Optional[np.ndarray] = None,
                    end_ok: Optional[np.ndarray] = None) -> Optional[tuple[int, int, float]]:
    """The stretch of ``series`` that matches the whole ``template`` best under dynamic time
    warping with open begin and end: ``(first, last, cost)``.

    Costs are Euclidean distances [m], summed over the matched pairs. Steps (1, 1), (1, 2)
    and (2, 1) (Sakoe & Chiba 1978, slope constraint P = 1; the skipped point of a
    two-point step is charged too): the local slope stays between 1/2 and 2, which suits
    two tracks resampled on the same distance grid, and a match shorter than the template
    still pays for every template point, so there is no pull towards short matches. The
    order of the points is kept, so each template point is matched to its own leg of a
    zig-zag however close the legs lie: a pass end is placed by the whole pass, not by one
    point. Each template row is one vectorised step (it depends on the two rows above
    only).

    Parameters
    ----------
    template, series : array, shape (m, 2) and (n, 2)
        Points [m].
    start_ok, end_ok : array of bool, shape (n,), optional
        Where the match may begin and end (default: anywhere).

    Returns
    -------
    (int, int, float) or None
        Indices into ``series`` of the first and last matched points and the total cost;
        None when no allowed start can reach an allowed end.
    """
    t = np.asarray(template, float)
    q = np.asarray(series, float)
    m, n = len(t), len(q)
    if m == 0 or n == 0:
        return None
    c = np.hypot(t[:, None, 0] - q[None, :, 0], t[:, None, 1] - q[None, :, 1])

    def shift(a: np.ndarray, k: int, fill: float) -> np.ndarray:
        out = np.full(a.size, fill, dtype=a.dtype)
        out[k:] = a[:a.size - k]
        return out

    col = np.arange(n)
    d1 = np.where(np.ones(n, bool) if start_ok is None else start_ok, c[0], np.inf)
    f1 = col
    d2, f2 = np.full(n, np.inf), f1
    for i in range(1, m):
        cands = np.vstack([shift(d1, 1, np.inf),                           # (1, 1)
                           shift(d1, 2, np.inf) + shift(c[i], 1, np.inf),  # (1, 2): window j-1 too
                           shift(d2, 1, np.inf) + c[i - 1]])               # (2, 1): template i-1 too
        firsts = np.vstack([shift(f1, 1, 0), shift(f1, 2, 0), shift(f2, 1, 0)])
        k = np.argmin(cands, axis=0)
        d2, f2 = d1, f1
        d1, f1 = c[i] + cands[k, col], firsts[k, col]
    ends = np.flatnonzero(np.isfinite(d1) & (True if end_ok is None else end_ok))
    if ends.size == 0:
        return None
    last = int(ends[np.argmin(d1[ends])])
    return int(f1[last]), last, float(d1[last])


def shape_fault(ref_core: np.ndarray, ref_small: np.ndarray, cand: np.ndarray, off: np.ndarray, *,
                 hausdorff_max_m: float, hausdorff_p95_max_m: float, frechet_max_m: float) -> str:
    """Why a candidate's shape fails the reference ("" when it passes): one-sided Hausdorff
    reference core → candidate, then discrete Fréchet. ``off`` is each candidate point's
    distance to the reference [m]."""
    hmax, h95 = hausdorff_one_sided_m(ref_core, cand)
    if hmax > hausdorff_max_m or h95 > hausdorff_p95_max_m:
        return f"Hausdorff {hmax:.0f} m (95th pct {h95:.0f} m)"
    # The Fréchet distance is at least every candidate point's distance to the reference
    # (``off``): a cheap rejection before the quadratic test.
    if np.max(off) > frechet_max_m or not frechet_within(ref_small, downsample(cand), frechet_max_m):
        return "Fréchet"
    return ""
