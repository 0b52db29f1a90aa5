"""Stretches of trail covered more than once in one activity (hill repeats, line practice).

Science: ``science.md`` topic 6. The track is projected to local east/north metres and resampled
every 5 m of distance. For each reference stretch (a climb, a descent, or a flat stretch the
track returns to):

1. **Gates** of radius r (25 m) around the reference's start and end. A candidate pass opens
   when the track enters the start gate after having been more than 2r from it, and closes at
   the next entry into the end gate. It is abandoned when the distance covered exceeds 1.5× the
   reference length or the track leaves the corridor (100 m) around the reference.
   Pass start and end: see "Robustness" below.
2. **Validation** (all must hold): length ratio 0.8-1.25 (for the lower bound, the pass is
   credited with how far its ends stayed from the gate centres); same direction (initial 30 m heading
   within 60° of the reference's, and the same sign of elevation change, which rejects the
   walk back *up* a descent being practised); one-sided Hausdorff distance reference→pass
   ≤ 25 m with its 95th percentile ≤ 15 m (reference ends within r/2 left out: the gates
   judged them); discrete Fréchet distance ≤ 40 m (Eiter & Mannila
   1994), which catches wrong ordering and short cuts.
3. Stretches with two or more valid passes are reported once (the first reference that finds
   them), passes in time order, with a trend over the passes.

Robustness (issue 4): references that detect the same stretch (starts and ends within a
gate radius) are clustered first, and the gates sit at the median of their ends, so no single
detection's accidents (a start on the approach, an end past the turn-round) decide which passes
are caught; the passes between those gates are held to the length ratio against their own
median; groups of one kind that share a pass are joined. Inside a gate a pass is bounded by
the closest approach to the centre or, with a barometric altimeter, by the top or bottom
elevation (switchback traverses a few metres apart are told apart by height, not by GPS), then
moved to the last (start) or first (end) point of that unbroken run: a wait at the top or the
turn-round at the bottom is not timed. Timing applies the same rule to the raw 1 s track.

Without a barometer (issue 4 follow-up), GPS altitude wanders by a switchback's drop and
positions cannot tell the traverses in a gate apart, so climbs and descents get their ends
from the passes together (:func:`align_passes`): a pass end where the track turns round and
retraces itself for ~100 m (:func:`fold_score_m`: the walk back up a hill repeat), and
elsewhere the point that matches the end of a template pass under order-keeping alignment
(:func:`subsequence_dtw`). Passes turned down on shape with gate-rule ends are judged again
with aligned ends. These passes are timed on the distance timeline (:func:`_point_times`):
a wait at the turn-round, where the distance stands still, is not timed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Optional, Sequence

import numpy as np

from .neighbors import PairSearch, nearest_distance_m

__all__ = [
    "Path",
    "resample_path",
    "discrete_frechet_m",
    "frechet_within",
    "hausdorff_one_sided_m",
    "fold_score_m",
    "subsequence_dtw",
    "align_passes",
    "find_passes",
    "revisited_stretches",
    "trend",
    "cluster_references",
    "find_repeats",
]


@dataclass(frozen=True)
class Path:
    """The track resampled every ``step_m`` metres of distance.

    Attributes: ``x_m``, ``y_m`` (local east/north [m]), ``distance_m``, ``elevation_m``,
    ``elapsed_s`` (time the runner reached each point [s]), and ``raw`` = (x, y, elapsed,
    elevation, distance) of the original rows with a position, used to time the passes at 1 s.
    """

    x_m: np.ndarray
    y_m: np.ndarray
    distance_m: np.ndarray
    elevation_m: np.ndarray
    elapsed_s: np.ndarray
    raw: tuple = (np.empty(0),) * 5

    @cached_property
    def xy(self) -> np.ndarray:
        # Built once: every reference's pass search reads it. Read-only, as it is shared.
        xy = np.column_stack([self.x_m, self.y_m])
        xy.setflags(write=False)
        return xy


def resample_path(x_m, y_m, distance_m, elevation_m, elapsed_s, *, step_m: float = 5.0) -> Path:
    """Resample a timeline onto a uniform distance grid (rows without position are skipped).

    Parameters
    ----------
    x_m, y_m : array
        Local east/north coordinates [m].
    distance_m : array
        Non-decreasing distance [m].
    elevation_m, elapsed_s : array
        [m] (may be all NaN), [s].
    step_m : float
        Grid step [m].

    Returns
    -------
    Path
    """
    if step_m <= 0:
        raise ValueError(f"step_m={step_m} must be positive")
    x, y, d = (np.asarray(a, float) for a in (x_m, y_m, distance_m))
    h, t = np.asarray(elevation_m, float), np.asarray(elapsed_s, float)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(d) & np.isfinite(t)
    x, y, d, h, t = x[ok], y[ok], d[ok], h[ok], t[ok]
    raw = (x, y, t, h, d)
    # While stopped the distance does not grow: keep the first row of each distance so that
    # the time assigned to a point is when the runner arrived there.
    keep = np.r_[True, np.diff(d) > 0] if d.size else np.zeros(0, bool)
    x, y, d, h, t = x[keep], y[keep], d[keep], h[keep], t[keep]
    if d.size < 2:
        e = np.empty(0)
        return Path(e, e, e, e, e, raw)
    grid = np.arange(d[0], d[-1] + 1e-9, step_m)
    hh = np.interp(grid, d[np.isfinite(h)], h[np.isfinite(h)]) if np.isfinite(h).sum() >= 2 \
        else np.full(grid.size, np.nan)
    return Path(np.interp(grid, d, x), np.interp(grid, d, y), grid, hh, np.interp(grid, d, t), raw)


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


def hausdorff_one_sided_m(ref: np.ndarray, cand: np.ndarray) -> tuple[float, float]:
    """Distance from each reference point to the nearest candidate point: (max, 95th pct) [m]."""
    dist = nearest_distance_m(cand, ref)
    return float(np.max(dist)), float(np.percentile(dist, 95))


def _gate_distance(xy: np.ndarray, centre: np.ndarray, far_m: float) -> np.ndarray:
    """Distance of every point to a gate centre [m], ``inf`` where it is more than ``far_m``.

    The gate rule only asks of the points further than 2r that they are (:func:`_openings`,
    :func:`_region`), and this runs on the whole track for every reference: the exact
    distance is worked out for the few points near the gate only, picked by the squared
    distance with a margin far above its rounding (so no point within ``far_m`` is missed).
    """
    dx = xy[:, 0] - centre[0]
    dy = xy[:, 1] - centre[1]
    d2 = dx * dx
    d2 += dy * dy
    out = np.full(d2.size, np.inf)
    near = np.flatnonzero(~(d2 > far_m * far_m * (1 + 1e-9)))  # NaN kept: hypot says NaN
    out[near] = np.hypot(dx[near], dy[near])
    return out


def _openings(dist: np.ndarray, r: float) -> np.ndarray:
    """Indices where the track enters the gate (dist < r) after having been > 2r away.

    That is, where the last point before that was inside the gate or more than 2r away
    (points between r and 2r do not count) was more than 2r away, or there is none.
    """
    # Called for every reference on the whole track: only the few points not far from the
    # gate are looked at one by one. Between two consecutive ones whose indices jump, the
    # track was far away.
    nf = np.flatnonzero(~(dist > 2 * r))
    inside = np.flatnonzero(dist[nf] < r)
    if inside.size == 0:
        return nf[inside]
    away = np.cumsum(np.r_[nf[0] > 0, np.diff(nf) > 1])  # far stretches up to each point
    opened = np.r_[True, away[inside[1:]] > away[inside[:-1]]]
    return nf[inside[opened]]


def _first_above(a: np.ndarray, i: int, limit: float) -> int:
    """First index ``>= i`` where ``a > limit`` (``a.size`` if none).

    Looks at a short window first, then longer ones: gate visits are short, and a search
    to the end of the track for each of them would cost a whole-track pass each.
    """
    w = 256
    while i < a.size:
        hit = np.flatnonzero(a[i:i + w] > limit)
        if hit.size:
            return i + int(hit[0])
        i += w
        w *= 4
    return a.size


def _region(dist: np.ndarray, key: np.ndarray, i: int, r: float, *, last: bool,
            tol: float) -> tuple[int, int]:
    """(pass end point, end) of the gate visit starting at ``i``.

    The visit lasts until the track is more than 2r from the gate centre (``dist``;
    hysteresis, so a brush with the gate edge does not end it). The point is where ``key``
    is least in the visit, moved to the *last* (``last=True``: a start gate, which the
    runner leaves after any wait or turn-round there) or *first* (an end gate, where the
    runner may turn round and come back) point of the unbroken run within ``tol`` of that
    least value (:func:`_near_end`).
    """
    stop = _first_above(dist, i, 2 * r)
    return i + _near_end(key[i:stop], last=last, tol_m=tol), stop


def _near_end(dist: np.ndarray, *, last: bool, tol_m: float) -> int:
    """Index of the last (or first) point of the unbroken run of points within ``tol_m`` of
    the closest approach that contains it.

    The run holds a wait at the gate, or the turn-round; a later return of a zig-zag close
    to the gate is a separate run (the track went further away in between) and is ignored.
    """
    c = int(np.argmin(dist))
    far = dist > dist[c] + tol_m
    if last:
        after = np.flatnonzero(far[c:])
        return c + int(after[0]) - 1 if after.size else dist.size - 1
    before = np.flatnonzero(far[:c])
    return int(before[-1]) + 1 if before.size else 0


def _gate_time(raw: tuple, centre: np.ndarray, t0: float, t1: float, *, last: bool,
               tol: float, sense: int = 0, start: bool = True) -> float:
    """When the raw track was at a gate, between ``t0`` and ``t1`` [s].

    The rule of :func:`_region` at the full 1 s resolution: with ``sense`` 0 the key is the
    distance to the gate centre; on a descent (``sense`` -1) or climb (+1) it is the
    elevation, the top or bottom of the pass (``start`` says which gate). NaN when no raw
    sample lies in the window.
    """
    x, y, t, h = raw[:4]
    lo, hi = np.searchsorted(t, t0), np.searchsorted(t, t1, side="right")
    if hi - lo < 1:
        return float("nan")
    key = _gate_key(x[lo:hi], y[lo:hi], h[lo:hi], centre, sense, start)
    return float(t[lo + _near_end(key, last=last, tol_m=tol)])


def _gate_key(x: np.ndarray, y: np.ndarray, h: np.ndarray, centre: np.ndarray, sense: int,
              start: bool) -> np.ndarray:
    """What a pass end minimises inside a gate: the distance to the centre [m], or on a climb
    or descent the elevation (lowest at the bottom gate, highest at the top gate) [m].

    A gate on switchbacks holds several traverses a few metres apart, which GPS noise makes
    hard to tell apart by position; the top and bottom of a climb or descent are
    unambiguous in elevation, even smoothed.
    """
    if sense == 0 or not np.isfinite(h).all():
        return np.hypot(x - centre[0], y - centre[1])
    return (sense if start else -sense) * h


def _note(rejected: Optional[list], s: int, e: int, why: str) -> None:
    if rejected is not None:
        rejected.append((int(s), int(e), why))


def _downsample(xy: np.ndarray, max_pts: int = 150) -> np.ndarray:
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


def align_passes(path: Path, passes: Sequence[tuple], *, fold_pts: int = 20, fold_max_m: float = 20.0,
                 fold_length_ratio: tuple[float, float] = (0.6, 1.6), max_template_pts: int = 120,
                 template_ok: Optional[Sequence[bool]] = None) -> list[tuple[int, int]]:
    """Pass ends chosen by aligning every pass to one template pass (issue 4, GPS altitude).

    On a switchback descent the traverses inside a 25 m gate lie 3-10 m apart: with GPS
    noise no single point (closest approach to the gate centre) tells them apart, and the
    passes' ends land on different traverses. Instead:

    1. A pass end may be a *turn-round*, where the track comes back along its own path
       (the walk back up a hill repeat): the lowest :func:`fold_score_m` in that gate
       visit, a fold when at most ``fold_max_m`` (less for a pass shorter than
       2 × ``fold_pts`` points, in proportion) and when it leaves the pass a plausible
       length (``fold_length_ratio`` × the median pass). The runner turns round where the
       stretch starts or ends, which GPS noise barely moves: the track retraces itself
       for ``fold_pts`` points on both sides there, while a switchback hairpin's legs part.
    2. The template is the pass whose ends are most clearly folds (then the one of median
       length); its ends are its folds, else its gate-rule ends.
    3. Every other pass keeps its own folds, and its other ends are placed by matching the
       template (:func:`subsequence_dtw`) over the track from its start-gate entry to its
       end-gate exit: the same traverse, in the same order, as the template's.

    Parameters
    ----------
    path : Path
    passes : sequence of (s, e, o, j, s_stop, e_stop)
        Pass ends by the gate rule, start-gate entry and exit, end-gate entry and exit
        (path indices, in time order).
    fold_pts, fold_max_m
        Points compared on each side of a fold; largest fold score [m].
    fold_length_ratio : (float, float)
        A fold is not taken when it would make the pass shorter or longer than this ×
        the median gate-rule length (a turn-round at the far end of a gate visit).
    max_template_pts : int
        Longer templates (and their windows) are thinned to about this many points (speed).
    template_ok : sequence of bool, optional
        Which passes may serve as the template (default: all).

    Returns
    -------
    list of (start, end)
        Path indices, one per pass, in time order.
    """
    xy = path.xy
    n = len(xy)
    lengths = np.array([p[1] - p[0] for p in passes], float)
    med = float(np.median(lengths))
    lo_len, hi_len = fold_length_ratio[0] * med, fold_length_ratio[1] * med
    folds = []
    for s, e, o, j, s_stop, e_stop in passes:
        half = max(1, min(fold_pts, (e - s) // 2))
        # A short pass is compared over less track: the bound shrinks in proportion.
        limit = fold_max_m * half / fold_pts
        ends = []
        for lo, hi in ((o, max(s_stop, o + 1)), (j, max(e_stop, j + 1))):
            w = np.arange(lo, min(hi, n))
            f = fold_score_m(xy, w, half)
            k = int(np.argmin(f)) if f.size else -1
            ends.append(int(w[k]) if k >= 0 and f[k] <= limit else None)
            ends.append(float(f[k]) if k >= 0 else np.inf)
        f_s, sc_s, f_e, sc_e = ends
        # Each fold must leave a plausible pass with the other end (fold or gate rule).
        if f_s is not None and not lo_len <= (f_e if f_e is not None else e) - f_s <= hi_len:
            f_s = None
        if f_e is not None and not lo_len <= f_e - (f_s if f_s is not None else s) <= hi_len:
            f_e = None
        folds.append((f_s, f_e, (f_s is None) + (f_e is None),
                      (sc_s if f_s is not None else 0.0) + (sc_e if f_e is not None else 0.0)))
    # The template: both ends folds first, then the smaller fold scores, then median length.
    pick = [k for k in range(len(passes)) if template_ok is None or template_ok[k]] or [0]
    ti = min(pick, key=lambda k: (folds[k][2], folds[k][3], abs(lengths[k] - med)))
    s_t = folds[ti][0] if folds[ti][0] is not None else passes[ti][0]
    e_t = folds[ti][1] if folds[ti][1] is not None else passes[ti][1]
    if e_t - s_t < 2:
        return [(p[0], p[1]) for p in passes]
    step = max(1, -(-(e_t - s_t + 1) // max_template_pts))
    template = xy[s_t:e_t + 1:step]
    out = []
    prev_end = -1
    for k, (s, e, o, j, s_stop, e_stop) in enumerate(passes):
        if k == ti:
            out.append((s_t, e_t))
            prev_end = e_t
            continue
        # A pass's own turn-round fixes that end; the alignment places the others.
        f_s, f_e = folds[k][:2]
        f_s = f_s if f_s is not None and f_s > prev_end else None
        if f_s is not None and f_e is not None and f_e > f_s:
            out.append((f_s, f_e))
            prev_end = f_e
            continue
        lo = f_s if f_s is not None else max(o, prev_end + 1)
        w = np.arange(lo, min(max(e_stop, e + 1), n), step)
        got = None
        if w.size >= 2:
            start_ok = (w == lo) if f_s is not None else w < max(s_stop, s + 1)
            end_ok = (np.abs(w - f_e) < step) if f_e is not None else w >= j
            got = subsequence_dtw(template, xy[w], start_ok=start_ok, end_ok=end_ok)
        if got is None or w[got[1]] <= w[got[0]]:
            out.append((s, e))  # no aligned match inside the gate visits: the gate rule stands
        else:
            out.append((int(w[got[0]]), int(w[got[1]]) if f_e is None else f_e))
        prev_end = out[-1][1]
    return out


def _point_times(path: Path, s: int, e: int) -> tuple[float, float]:
    """When the runner left the pass's start point and reached its end point [s].

    By distance, not position: a wait where the runner turned round (distance standing
    still within two grid steps of the point, about the precision of a turn-round found
    with GPS noise) is not timed; the pass starts when it ends and ends when it begins.
    Without a wait, the first recorded time at or past the point.
    """
    d_raw, t_raw = path.raw[4], path.raw[2]
    dist, t = path.distance_m, path.elapsed_s
    step = float(dist[1] - dist[0]) if dist.size > 1 else 0.0

    def at(i: int, leave: bool) -> float:
        lo = np.searchsorted(d_raw, dist[i] - 2 * step, side="left")
        hi = np.searchsorted(d_raw, dist[i] + 2 * step, side="right")
        still = np.flatnonzero(np.diff(d_raw[lo:hi]) == 0)
        if still.size:
            return float(t_raw[lo + still[-1] + 1] if leave else t_raw[lo + still[0]])
        # The first raw row at or past the point (a recorded time, not an interpolated one).
        k = min(int(np.searchsorted(d_raw, dist[i], side="left")), d_raw.size - 1)
        return float(t_raw[k]) if d_raw.size else float(t[i])

    t_s, t_e = at(s, True), at(e, False)
    if not t_e > t_s:
        return float(t[s]), float(t[e])
    return t_s, t_e


def _shape_fault(ref_core: np.ndarray, ref_small: np.ndarray, cand: np.ndarray, off: np.ndarray, *,
                 hausdorff_max_m: float, hausdorff_p95_max_m: float, frechet_max_m: float) -> str:
    """Why a candidate's shape fails the reference ("" when it passes): one-sided Hausdorff
    reference core → candidate, then discrete Fréchet. ``off`` is each candidate point's
    distance to the reference [m]."""
    hmax, h95 = hausdorff_one_sided_m(ref_core, cand)
    if hmax > hausdorff_max_m or h95 > hausdorff_p95_max_m:
        return f"Hausdorff {hmax:.0f} m (95th pct {h95:.0f} m)"
    # The Fréchet distance is at least every candidate point's distance to the reference
    # (``off``): a cheap rejection before the quadratic test.
    if np.max(off) > frechet_max_m or not frechet_within(ref_small, _downsample(cand), frechet_max_m):
        return "Fréchet"
    return ""


def _aligned_passes(path: Path, passes: list, doubtful: list, ref: np.ndarray, ref_core: np.ndarray,
                    ref_small: np.ndarray, *, ends_pts: int, fold_pts: int, fold_max_m: float,
                    rejected: Optional[list], shape_kw: dict) -> list[tuple[int, int, float, float]]:
    """:func:`find_passes` with ``align_ends``: the validated passes and those turned down
    on shape alone aligned to a template (one of the validated ones, :func:`align_passes`);
    the latter are kept when their aligned ends pass the shape tests and overlap no
    validated pass. Timed at the aligned end points (:func:`_point_times`)."""
    allp = sorted(passes + doubtful, key=lambda p: p[2])
    valid = set(passes)
    ends = align_passes(path, allp, fold_pts=fold_pts, fold_max_m=fold_max_m,
                        template_ok=[p in valid for p in allp])
    kept = [se for p, se in zip(allp, ends) if p in valid]
    valid_ends = list(kept)
    xy = path.xy
    for p, (s, e) in zip(allp, ends):
        if p in valid or any(_overlap((s, e), k) > 0 or s <= k[0] <= e for k in kept):
            continue
        cand = xy[s:e + 1]
        # Against the reference or, failing that, any validated pass (aligned ends): each
        # is one noisy trace, and two traces' errors can add up beyond a tolerance.
        why = _shape_fault(ref_core, ref_small, cand, nearest_distance_m(ref, cand), **shape_kw)
        for a, b in valid_ends if why else []:
            other = xy[a:b + 1]
            k_end = min(ends_pts, max(0, (len(other) - 3) // 2))
            core = other[k_end:len(other) - k_end]
            if not _shape_fault(core, _downsample(other), cand, nearest_distance_m(other, cand),
                                **shape_kw):
                why = ""
                break
        if why:
            _note(rejected, s, e, "aligned: " + why)
        else:
            kept.append((s, e))
    return [(s, e, *_point_times(path, s, e)) for s, e in sorted(kept)]


def find_passes(
    path: Path,
    i0: int,
    i1: int,
    *,
    gate_radius_m: float = 25.0,
    corridor_m: float = 100.0,
    max_length_factor: float = 1.5,
    length_ratio: tuple[float, float] = (0.8, 1.25),
    heading_m: float = 30.0,
    max_heading_deg: float = 60.0,
    hausdorff_max_m: float = 25.0,
    hausdorff_p95_max_m: float = 15.0,
    frechet_max_m: float = 40.0,
    min_elevation_change_m: float = 5.0,
    gate_tolerance_m: float = 5.0,
    gate_elevation_tolerance_m: float = 0.5,
    elevation_gates: bool = True,
    align_ends: bool = False,
    fold_length_m: float = 100.0,
    fold_max_m: float = 20.0,
    start_xy: Optional[np.ndarray] = None,
    end_xy: Optional[np.ndarray] = None,
    rejected: Optional[list] = None,
) -> list[tuple[int, int, float, float]]:
    """Validated passes of the reference ``path[i0:i1 + 1]`` anywhere in the track.

    Parameters
    ----------
    path : Path
    i0, i1 : int
        Reference start and end indices on the path (inclusive).
    gate_radius_m, corridor_m, max_length_factor
        Gate radius [m], corridor half-width [m], abandon beyond this × reference length.
    length_ratio : (float, float)
        Allowed pass length ÷ reference length.
    heading_m, max_heading_deg
        Initial stretch whose heading is compared [m]; largest heading difference [deg].
    hausdorff_max_m, hausdorff_p95_max_m, frechet_max_m
        Shape tolerances [m].
    min_elevation_change_m : float
        References changing less than this are "flat": no elevation-sign check [m].
    gate_tolerance_m, gate_elevation_tolerance_m : float
        Inside a gate a pass starts at the last, and ends at the first, point of the run
        within this of its closest approach to the gate centre [m] or, on a climb or
        descent, of the top or bottom elevation in the gate [m] (see :func:`_region`).
    elevation_gates : bool
        Whether climbs and descents are bounded by elevation inside the gates; only worth
        it with a barometric altimeter (GPS altitude wanders by a switchback's drop).
    align_ends : bool
        When the ends are not bounded by elevation (no barometric altimeter, or a flat
        stretch), choose them by aligning every pass to one template pass (see
        :func:`align_passes`) instead of by each pass's closest approach to a gate centre.
    fold_length_m, fold_max_m : float
        With ``align_ends``, a pass end is put at a turn-round where the track retraces its
        own path for ``fold_length_m`` on both sides with a :func:`fold_score_m` of at most
        ``fold_max_m`` [m] (see :func:`align_passes`).
    start_xy, end_xy : array of 2, optional
        Gate centres [m] (default: the reference's end points). :func:`find_repeats` passes
        the median of several detections' ends, steadier than any one noisy end.
    rejected : list, optional
        When given, every candidate turned down is appended as (start, end, reason), for
        diagnosis.

    Returns
    -------
    list of (start, end, start_s, end_s)
        Path indices of each pass's ends and the times the raw track was at the gates [s],
        in time order (the reference's own pass included). Empty when the track enters the
        start gate only once.
    """
    xy = path.xy
    n = len(xy)
    if not (0 <= i0 < i1 < n):
        return []
    ref = xy[i0:i1 + 1]
    c0 = ref[0] if start_xy is None else np.asarray(start_xy, float)
    c1 = ref[-1] if end_xy is None else np.asarray(end_xy, float)
    ref_len = path.distance_m[i1] - path.distance_m[i0]
    step = ref_len / max(i1 - i0, 1)
    k_head = max(1, int(round(heading_m / step)))
    ref_dh = path.elevation_m[i1] - path.elevation_m[i0]
    r = gate_radius_m
    d_start = _gate_distance(xy, c0, 2 * r)
    opens = _openings(d_start, r)
    # Most references are run once: stop before any other whole-track array is computed.
    if opens.size < 2:  # entered once: no repeat, nothing to validate
        return []
    d_end = _gate_distance(xy, c1, 2 * r)
    sense = int(np.sign(ref_dh)) if elevation_gates and abs(ref_dh) >= min_elevation_change_m else 0
    tol = gate_elevation_tolerance_m if sense else gate_tolerance_m
    if sense == 0 or not np.isfinite(path.elevation_m).all():
        # What :func:`_gate_key` returns then: the distances just computed.
        key_start, key_end = d_start, d_end
    else:
        key_start = _gate_key(xy[:, 0], xy[:, 1], path.elevation_m, c0, sense, True)
        key_end = _gate_key(xy[:, 0], xy[:, 1], path.elevation_m, c1, sense, False)
    if np.isnan(key_start).any():  # (d_start is inf, not NaN, far from the gate)
        sense, tol, key_start, key_end = 0, gate_tolerance_m, d_start, d_end
    # Entries into the end gate: points inside it whose predecessor is not.
    in_end = np.flatnonzero(d_end < r)
    end_entries = in_end[np.r_[True, np.diff(in_end) > 1]] if in_end.size else in_end
    ka = min(k_head, (len(ref) - 1) // 3)
    kb = min(2 * k_head, 2 * (len(ref) - 1) // 3)
    ref_heading = float(np.arctan2(*(ref[kb] - ref[ka])[::-1]))
    ref_small = _downsample(ref)
    # The shape test leaves out the reference's ends inside half a gate radius: the gates
    # already judged them, and a pass that turns round short of a gate centre would
    # otherwise fail on its ends alone.
    k_end = max(0, int(round(0.5 * r / step)))
    ref_core = ref[k_end:len(ref) - k_end] if len(ref) > 2 * k_end + 2 else ref
    passes: list[tuple[int, int, int, int, int, int]] = []
    doubtful: list[tuple[int, int, int, int, int, int]] = []
    align = align_ends and sense == 0
    last_end = -1
    for o in opens:
        if o <= last_end:
            continue
        s, s_stop = _region(d_start, key_start, int(o), r, last=True, tol=tol)
        k = np.searchsorted(end_entries, s + 1)
        if k >= end_entries.size:
            break
        j = int(end_entries[k])
        if path.distance_m[j] - path.distance_m[s] > max_length_factor * ref_len:
            _note(rejected, s, j, "too long before the end gate")
            continue
        e, e_stop = _region(d_end, key_end, j, r, last=False, tol=tol)
        if e <= s:
            _note(rejected, s, e, "ends before it starts")
            continue
        cand = xy[s:e + 1]
        if _overlap((s, e), (i0, i1)) > 0.9 and abs((e - s) - (i1 - i0)) <= 0.1 * (i1 - i0):
            # The reference's own stretch of track (its ends moved to the gate rule).
            passes.append((s, e, o, j, s_stop, e_stop))
            last_end = e
            continue
        off = nearest_distance_m(ref, cand)
        if np.max(off) > corridor_m:
            _note(rejected, s, e, "left the corridor")
            continue
        # A pass that turns round short of a gate centre is shorter by the distance it
        # missed the centre by: credit that to it before the lower length bound.
        plen = path.distance_m[e] - path.distance_m[s]
        if not (plen + d_start[s] + d_end[e] >= length_ratio[0] * ref_len
                and plen <= length_ratio[1] * ref_len):
            _note(rejected, s, e, f"length {plen:.0f} m vs {ref_len:.0f} m")
            continue
        dh = path.elevation_m[e] - path.elevation_m[s]
        if abs(ref_dh) >= min_elevation_change_m and np.isfinite(dh) and np.sign(dh) != np.sign(ref_dh):
            _note(rejected, s, e, "opposite elevation change")
            continue
        # Heading of the stretch ~30-60 m into the reference, on both: away from the
        # turn-round at a gate, where the 5 m points of a hairpin say little.
        ia = int(np.argmin(np.hypot(*(cand - ref[ka]).T)))
        ib = int(np.argmin(np.hypot(*(cand - ref[kb]).T)))
        # (ib <= ia: GPS scatter near a stop; the Fréchet test below still rejects a
        # reversed pass, whose distance is about the reference length.)
        if ib > ia:
            v = cand[ib] - cand[ia]
            turn = abs((np.arctan2(v[1], v[0]) - ref_heading + np.pi) % (2 * np.pi) - np.pi)
            if np.degrees(turn) > max_heading_deg:
                _note(rejected, s, e, f"heading {np.degrees(turn):.0f} deg off")
                continue
        why = _shape_fault(ref_core, ref_small, cand, off, hausdorff_max_m=hausdorff_max_m,
                           hausdorff_p95_max_m=hausdorff_p95_max_m, frechet_max_m=frechet_max_m)
        if why:
            _note(rejected, s, e, why)
            if align:
                # Judged again once its ends are aligned: gate-rule ends on the wrong
                # traverse can cost a true pass its shape.
                doubtful.append((s, e, o, j, s_stop, e_stop))
            continue
        passes.append((s, e, o, j, s_stop, e_stop))
        last_end = e
    if align and len(passes) >= 2:
        return _aligned_passes(path, passes, doubtful, ref, ref_core, ref_small, ends_pts=k_end,
                               fold_pts=max(2, round(fold_length_m / step)),
                               fold_max_m=fold_max_m, rejected=rejected,
                               shape_kw={"hausdorff_max_m": hausdorff_max_m,
                                         "hausdorff_p95_max_m": hausdorff_p95_max_m,
                                         "frechet_max_m": frechet_max_m})
    out = []
    for s, e, o, j, s_stop, e_stop in passes:
        # Time the pass on the raw 1 s track, with the same gate rule as the 5 m path.
        t_s = _gate_time(path.raw, c0, path.elapsed_s[o] - 1.0, path.elapsed_s[min(s_stop, n - 1)],
                         last=True, tol=tol, sense=sense, start=True)
        t_e = _gate_time(path.raw, c1, path.elapsed_s[max(j - 1, 0)],
                         path.elapsed_s[min(e_stop, n - 1)] + 1.0, last=False, tol=tol, sense=sense,
                         start=False)
        if not (np.isfinite(t_s) and np.isfinite(t_e) and t_e > t_s):
            t_s, t_e = float(path.elapsed_s[s]), float(path.elapsed_s[e])
        out.append((s, e, t_s, t_e))
    return out


#: Most point pairs :func:`revisited_stretches` compares (~2 s of work). 100 laps of a 400 m
#: track need about 4 million; a frozen GPS fix under a growing distance, billions.
MAX_REVISIT_CANDIDATES = 60_000_000


class TooManyRevisits(ValueError):
    """The track comes back to the same spots too often for the revisit search to finish."""

    def __init__(self, candidates: int, limit: int):
        super().__init__(f"{candidates:,} point pairs to compare (limit {limit:,})")
        self.candidates = candidates


def revisited_stretches(path: Path, *, radius_m: float = 15.0, min_separation_m: float = 200.0,
                        min_length_m: float = 100.0, max_length_m: float = 1000.0,
                        max_candidates: Optional[int] = None) -> np.ndarray:
    """Stretches (first visit) that the track comes back to later, as path index ranges.

    A point is revisited when a point at least ``min_separation_m`` further along the track
    lies within ``radius_m``. Runs of revisited points at least ``min_length_m`` long are
    returned, cut into pieces of at most ``max_length_m``.

    Returns
    -------
    numpy.ndarray of int, shape (k, 2)
        Inclusive ``[start, end]`` path indices.

    Raises
    ------
    TooManyRevisits
        When the neighbour search would compare more than ``max_candidates`` point pairs
        (default :data:`MAX_REVISIT_CANDIDATES`), checked before any is compared; memory
        stays bounded below that.
    """
    from .segments import runs

    xy = path.xy
    if len(xy) < 3:
        return np.empty((0, 2), int)
    limit = MAX_REVISIT_CANDIDATES if max_candidates is None else max_candidates
    search = PairSearch(xy, radius_m)
    if search.candidates > limit:
        raise TooManyRevisits(search.candidates, limit)
    mark = np.zeros(len(xy), bool)
    for a, b in search.blocks():  # a < b
        far = path.distance_m[b] - path.distance_m[a] >= min_separation_m
        mark[a[far]] = True
    if not mark.any():
        return np.empty((0, 2), int)
    out = []
    step = float(path.distance_m[-1] - path.distance_m[0]) / (len(path.distance_m) - 1)
    max_pts = max(2, int(max_length_m / step))
    for s, e in runs(mark):
        if path.distance_m[e - 1] - path.distance_m[s] < min_length_m:
            continue
        for c in range(s, e - 1, max_pts):
            ce = min(c + max_pts, e - 1)
            if path.distance_m[ce] - path.distance_m[c] >= min_length_m:
                out.append((c, ce))
    return np.asarray(out, int).reshape(-1, 2)


def trend(durations_s: Sequence[float], scores: Optional[Sequence[Optional[float]]] = None, *,
          min_passes: int = 3, time_pct_per_pass: float = 1.0, score_per_pass: float = 1.0) -> Optional[str]:
    """"improving", "steady" or "worse" over passes (None with fewer than ``min_passes``).

    Least-squares slopes of duration (as % of the median per pass) and of score (points per
    pass) against pass index; faster or higher beyond the thresholds is improving, the
    opposite is worse, a conflict or small slopes is steady.
    """
    t = np.asarray(durations_s, float)
    if t.size < min_passes:
        return None
    k = np.arange(t.size, dtype=float)
    votes = []
    ts = 100.0 * np.polyfit(k, t, 1)[0] / np.median(t)
    votes.append(1 if ts <= -time_pct_per_pass else (-1 if ts >= time_pct_per_pass else 0))
    if scores is not None:
        s = np.array([np.nan if v is None else v for v in scores], float)
        if np.isfinite(s).sum() >= min_passes:
            ok = np.isfinite(s)
            ss = np.polyfit(k[ok], s[ok], 1)[0]
            votes.append(1 if ss >= score_per_pass else (-1 if ss <= -score_per_pass else 0))
    if any(v > 0 for v in votes) and not any(v < 0 for v in votes):
        return "improving"
    if any(v < 0 for v in votes) and not any(v > 0 for v in votes):
        return "worse"
    return "steady"


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Shared index span of two inclusive ranges ÷ the shorter one's."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter / max(min(a[1] - a[0], b[1] - b[0]), 1) if inter > 0 else 0.0


def _union(passes: list) -> list:
    """Passes of several groups in time order, one per stretch of track."""
    out: list = []
    for p in sorted(passes, key=lambda q: q[0]):
        if out and _overlap(out[-1][:2], p[:2]) > 0.5:
            continue
        out.append(p)
    return out


def _merge_groups(groups: list[tuple[str, list]]) -> list[tuple[str, list]]:
    """Join groups of one kind that share a pass (the same stretch found from two references)."""
    merged: list[tuple[str, list]] = []
    for kind, passes in groups:
        hit = [k for k, (kk, pp) in enumerate(merged) if kk == kind and any(
            _overlap(a[:2], b[:2]) > 0.5 for a in pp for b in passes)]
        if not hit:
            merged.append((kind, list(passes)))
            continue
        joined = list(passes)
        for k in reversed(hit):
            joined += merged.pop(k)[1]
        merged.insert(hit[0], (kind, _union(joined)))
    return merged


def cluster_references(path: Path, references: Sequence[tuple[int, int, str]], *,
                       gate_radius_m: float = 25.0,
                       length_ratio: tuple[float, float] = (0.8, 1.25)) -> list[dict]:
    """Group references of one kind whose start and end points lie within a gate radius of
    each other and whose lengths agree: the same stretch, detected once per pass.

    Returns
    -------
    list of dict
        ``i0, i1, kind`` (the medoid member: the one nearest the others at both ends),
        ``start_xy``, ``end_xy`` (median of the members' start and end points [m]) and
        ``members`` (number of references), in order of the earliest member.

    Notes
    -----
    One climb or descent detection carries its accidents (a start on the approach, an end
    past the turn-round, one noisy fix), and they decide which other passes its gates
    catch. Gates at the members' median and the medoid's shape judge every pass alike.
    """
    xy = path.xy
    d = path.distance_m
    refs = [(int(a), int(b), k) for a, b, k in references]
    group = list(range(len(refs)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    if refs:
        a = np.array([r[0] for r in refs])
        b = np.array([r[1] for r in refs])
        kinds = np.array([r[2] for r in refs])
        lens = d[b] - d[a]
        ds = np.hypot(*(xy[a][:, None, :] - xy[a][None, :, :]).transpose(2, 0, 1))
        de = np.hypot(*(xy[b][:, None, :] - xy[b][None, :, :]).transpose(2, 0, 1))
        ratio = lens[:, None] / np.maximum(lens[None, :], 1e-9)
        same = ((ds < gate_radius_m) & (de < gate_radius_m) & (kinds[:, None] == kinds[None, :])
                & (ratio >= length_ratio[0]) & (ratio <= length_ratio[1]))
        for i, j in zip(*np.nonzero(np.triu(same, 1))):
            ri, rj = root(int(i)), root(int(j))
            if ri != rj:
                group[max(ri, rj)] = min(ri, rj)
    out = []
    roots = [root(i) for i in range(len(refs))]
    for g in sorted(set(roots), key=lambda g: min(path.elapsed_s[refs[i][0]] for i in range(len(refs)) if roots[i] == g)):
        idx = [i for i in range(len(refs)) if roots[i] == g]
        s_xy = xy[[refs[i][0] for i in idx]]
        e_xy = xy[[refs[i][1] for i in idx]]
        cost = (np.hypot(*(s_xy[:, None, :] - s_xy[None, :, :]).transpose(2, 0, 1)).sum(1)
                + np.hypot(*(e_xy[:, None, :] - e_xy[None, :, :]).transpose(2, 0, 1)).sum(1))
        m = idx[int(np.argmin(cost))]
        out.append({"i0": refs[m][0], "i1": refs[m][1], "kind": refs[m][2],
                    "start_xy": np.median(s_xy, axis=0), "end_xy": np.median(e_xy, axis=0),
                    "members": len(idx)})
    return out


def _consensus_passes(path: Path, i0: int, i1: int, start_xy: np.ndarray, end_xy: np.ndarray,
                      **pass_kw) -> list:
    """Passes between the gates at ``start_xy`` and ``end_xy`` whose lengths agree with
    each other.

    The detection ``i0..i1`` may be cut short or run long, so its length is a poor
    yardstick: the search runs with a loose length test (0.5-2 × the detection), and the
    passes are then held to the normal ratio against their own median length (all of them
    bounded by the same gate rule).
    """
    lo, hi = pass_kw.get("length_ratio", (0.8, 1.25))
    loose = {**pass_kw, "length_ratio": (min(lo, 0.5), max(hi, 2.0))}
    found = find_passes(path, i0, i1, start_xy=start_xy, end_xy=end_xy, **loose)
    if len(found) < 2:
        return found
    lengths = np.array([path.distance_m[e] - path.distance_m[s] for s, e, _, _ in found])
    ratio = lengths / np.median(lengths)
    return [p for p, q in zip(found, ratio) if lo <= q <= hi]


def find_repeats(
    path: Path,
    references: Sequence[tuple[int, int, str]],
    *,
    score_fn: Optional[Callable[[float, float], Optional[float]]] = None,
    **pass_kw,
) -> list[dict]:
    """Stretches passed at least twice, one entry each.

    References detecting the same stretch are clustered first (:func:`cluster_references`);
    each cluster not already covered by a pass found earlier gives a group of passes
    (:func:`find_passes`, gates at the cluster's median ends). Groups of one kind that
    still share a pass are joined: one stretch gives one entry, whichever of its passes
    were detected as climbs or descents.

    Parameters
    ----------
    path : Path
    references : sequence of (i0, i1, kind)
        Candidate reference stretches on the path; ``kind`` is "down", "up" or "flat".
    score_fn : callable, optional
        ``score_fn(start_s, end_s) -> control score`` of a descending pass.
    **pass_kw
        Tolerances forwarded to :func:`find_passes`.

    Returns
    -------
    list of dict
        ``start_m, end_m, length_m`` (of the first pass), ``direction``, ``passes`` (dicts
        ``start_s, duration_s, control_score``), ``trend``, and ``pass_ranges`` (path
        indices of each pass), in order of the first pass.
    """
    claimed: list[tuple[int, int, str]] = []
    groups: list[tuple[str, list]] = []
    gate_kw = {k: pass_kw[k] for k in ("gate_radius_m", "length_ratio") if k in pass_kw}
    clusters = cluster_references(path, references, **gate_kw)
    # Stretches detected most often first: their gates are the best founded.
    for ref in sorted(clusters, key=lambda c: -c["members"]):
        i0, i1, kind = ref["i0"], ref["i1"], ref["kind"]
        # A stretch already found (as a pass of an earlier reference) is not searched again.
        if any(k == kind and _overlap((s, e), (i0, i1)) > 0.5 for s, e, k in claimed):
            continue
        # Climbs and descents without a barometer: pass ends by alignment (issue 4).
        kw = {"align_ends": kind != "flat", **pass_kw}
        passes = _consensus_passes(path, i0, i1, ref["start_xy"], ref["end_xy"], **kw)
        if len(passes) < 2:
            continue
        claimed.extend((s, e, kind) for s, e, _, _ in passes)
        groups.append((kind, passes))
    groups = sorted(_merge_groups(groups), key=lambda g: g[1][0][0])
    out = []
    for kind, passes in groups:
        if len(passes) < 2:
            continue
        rows = []
        for s, e, t0, t1 in passes:
            score = score_fn(t0, t1) if (score_fn is not None and kind == "down") else None
            rows.append({"start_s": t0, "duration_s": t1 - t0, "control_score": score})
        s0, e0 = passes[0][:2]
        out.append({
            "start_m": float(path.distance_m[s0]),
            "end_m": float(path.distance_m[e0]),
            "length_m": float(path.distance_m[e0] - path.distance_m[s0]),
            "direction": kind,
            "passes": rows,
            "trend": trend([r["duration_s"] for r in rows],
                           [r["control_score"] for r in rows] if kind == "down" else None),
            "pass_ranges": [(s, e) for s, e, _, _ in passes],
        })
    return out
