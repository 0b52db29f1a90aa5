"""Stretches of trail covered more than once in one activity (hill repeats, line practice).

Science: ``science.md`` topic 6. The track is projected to local east/north metres and resampled
every 5 m of distance. For each reference stretch (a climb, a descent, or a flat stretch the
track returns to):

1. **Gates** of radius r (25 m) around the reference's start and end. A candidate pass opens
   when the track enters the start gate after having been more than 2r from it, and closes at
   the next entry into the end gate. It is abandoned when the distance covered exceeds 1.5× the
   reference length or the track leaves the corridor (100 m) around the reference.
   Pass start and end are the points of the gate visits closest to the gate centres.
2. **Validation** (all must hold): length ratio 0.8-1.25 (for the lower bound, the pass is
   credited with how far its ends stayed from the gate centres); same direction (initial 30 m heading
   within 60° of the reference's, and the same sign of elevation change, which rejects the
   walk back *up* a descent being practised); one-sided Hausdorff distance reference→pass
   ≤ 25 m with its 95th percentile ≤ 15 m (reference ends within r/2 left out: the gates
   judged them); discrete Fréchet distance ≤ 40 m (Eiter & Mannila
   1994), which catches wrong ordering and short cuts.
3. Stretches with two or more valid passes are reported once (the first reference that finds
   them), passes in time order, with a trend over the passes.

Timing uses the gate-visit points nearest the gate centres (5 m resolution), not the
crossing of gate lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

__all__ = [
    "Path",
    "resample_path",
    "discrete_frechet_m",
    "frechet_within",
    "hausdorff_one_sided_m",
    "find_passes",
    "revisited_stretches",
    "trend",
    "find_repeats",
]


@dataclass(frozen=True)
class Path:
    """The track resampled every ``step_m`` metres of distance.

    Attributes: ``x_m``, ``y_m`` (local east/north [m]), ``distance_m``, ``elevation_m``,
    ``elapsed_s`` (time the runner reached each point [s]), and ``raw`` = (x, y, elapsed) of
    the original rows with a position, used to time gate-line crossings.
    """

    x_m: np.ndarray
    y_m: np.ndarray
    distance_m: np.ndarray
    elevation_m: np.ndarray
    elapsed_s: np.ndarray
    raw: tuple = (np.empty(0), np.empty(0), np.empty(0))

    @property
    def xy(self) -> np.ndarray:
        return np.column_stack([self.x_m, self.y_m])


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
    raw = (x, y, t)
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

    The decision version of :func:`discrete_frechet_m`, row by row: a cell is reachable when
    it is within ``eps_m`` and a neighbour above, diagonal or to the left is; within a row
    the left-neighbour chain is resolved with cumulative maxima (no inner Python loop).
    """
    p = np.asarray(p, float)
    q = np.asarray(q, float)
    if len(p) == 0 or len(q) == 0:
        return False
    m = len(q)
    idx = np.arange(m)
    free = np.hypot(p[:, None, 0] - q[None, :, 0], p[:, None, 1] - q[None, :, 1]) <= eps_m
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
    from scipy.spatial import cKDTree

    dist, _ = cKDTree(np.asarray(cand, float)).query(np.asarray(ref, float))
    return float(np.max(dist)), float(np.percentile(dist, 95))


def _openings(dist: np.ndarray, r: float) -> np.ndarray:
    """Indices where the track enters the gate (dist < r) after having been > 2r away."""
    state = np.where(dist < r, 2, np.where(dist > 2 * r, 1, 0))
    nz = np.flatnonzero(state)
    if nz.size == 0:
        return nz
    s = state[nz]
    opened = np.r_[s[0] == 2, (s[1:] == 2) & (s[:-1] == 1)]
    return nz[opened]


def _region(dist: np.ndarray, i: int, r: float) -> tuple[int, int]:
    """(closest index, end) of the gate visit starting at ``i``; the visit lasts until the
    track is more than 2r away (hysteresis, so a brush with the gate edge does not end it)."""
    out = np.flatnonzero(dist[i:] > 2 * r)
    stop = i + (int(out[0]) if out.size else dist.size - i)
    return i + int(np.argmin(dist[i:stop])), stop


def _crossing_time(raw: tuple[np.ndarray, np.ndarray, np.ndarray], origin: np.ndarray,
                   direction: np.ndarray, t0: float, t1: float, *, start: bool,
                   tol_m: float = 3.0) -> float:
    """Time the raw track crosses the gate line through ``origin`` perpendicular to ``direction``.

    At the start gate: the last crossing of the line before leaving (a stop or a turn-round
    just short of the line counts as still before it: ``tol_m`` past the closest approach). At
    the end gate: the first crossing. Interpolated between the bracketing samples [s].
    """
    x, y, t = raw
    lo, hi = np.searchsorted(t, t0), np.searchsorted(t, t1, side="right")
    if hi - lo < 1:
        return float("nan")
    u = (x[lo:hi] - origin[0]) * direction[0] + (y[lo:hi] - origin[1]) * direction[1]
    tt = t[lo:hi]
    if start:
        thr = max(0.0, float(np.min(u)) + tol_m)
        k = int(np.flatnonzero(u <= thr)[-1])
        if k + 1 < u.size and u[k + 1] > u[k]:
            f = min(1.0, max(0.0, float((thr - u[k]) / (u[k + 1] - u[k]))))
            return float(tt[k] + f * (tt[k + 1] - tt[k]))
        return float(tt[k])
    thr = min(0.0, float(np.max(u)) - tol_m)
    k = int(np.flatnonzero(u >= thr)[0])
    if k > 0 and u[k] > u[k - 1]:
        f = min(1.0, max(0.0, float((thr - u[k - 1]) / (u[k] - u[k - 1]))))
        return float(tt[k - 1] + f * (tt[k] - tt[k - 1]))
    return float(tt[k])


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.hypot(*v))
    return v / n if n > 0 else np.array([1.0, 0.0])


def _downsample(xy: np.ndarray, max_pts: int = 150) -> np.ndarray:
    if len(xy) <= max_pts:
        return xy
    idx = np.unique(np.linspace(0, len(xy) - 1, max_pts).round().astype(int))
    return xy[idx]


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
) -> list[tuple[int, int]]:
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

    Returns
    -------
    list of (start, end, start_s, end_s)
        Path indices of the points nearest the gate centres and the gate-line crossing times
        [s], in time order (the reference's own pass included).
    """
    from scipy.spatial import cKDTree

    xy = path.xy
    n = len(xy)
    if not (0 <= i0 < i1 < n):
        return []
    ref = xy[i0:i1 + 1]
    ref_len = path.distance_m[i1] - path.distance_m[i0]
    step = ref_len / max(i1 - i0, 1)
    k_head = max(1, int(round(heading_m / step)))
    ref_dh = path.elevation_m[i1] - path.elevation_m[i0]
    r = gate_radius_m
    d_start = np.hypot(*(xy - ref[0]).T)
    d_end = np.hypot(*(xy - ref[-1]).T)
    opens = _openings(d_start, r)
    in_end = d_end < r
    end_entries = np.flatnonzero(in_end & ~np.r_[False, in_end[:-1]])
    dir0 = _unit(ref[min(k_head, len(ref) - 1)] - ref[0])
    dir1 = _unit(ref[-1] - ref[max(len(ref) - 1 - k_head, 0)])
    tree = None
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
    last_end = -1
    for o in opens:
        if o <= last_end:
            continue
        s, s_stop = _region(d_start, int(o), r)
        k = np.searchsorted(end_entries, s + 1)
        if k >= end_entries.size:
            break
        j = int(end_entries[k])
        if path.distance_m[j] - path.distance_m[s] > max_length_factor * ref_len:
            continue
        e, e_stop = _region(d_end, j, r)
        if e <= s:
            continue
        is_ref = abs(s - i0) * step <= r and abs(e - i1) * step <= r
        cand = xy[s:e + 1]
        if not is_ref:
            if tree is None:
                tree = cKDTree(ref)
            off, _ = tree.query(cand)
            if np.max(off) > corridor_m:
                continue
            # A pass that turns round short of a gate centre is shorter by the distance it
            # missed the centre by: credit that to it before the lower length bound.
            plen = path.distance_m[e] - path.distance_m[s]
            if not (plen + d_start[s] + d_end[e] >= length_ratio[0] * ref_len
                    and plen <= length_ratio[1] * ref_len):
                continue
            dh = path.elevation_m[e] - path.elevation_m[s]
            if abs(ref_dh) >= min_elevation_change_m and np.isfinite(dh) and np.sign(dh) != np.sign(ref_dh):
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
                    continue
            hmax, h95 = hausdorff_one_sided_m(ref_core, cand)
            if hmax > hausdorff_max_m or h95 > hausdorff_p95_max_m:
                continue
            if not frechet_within(ref_small, _downsample(cand), frechet_max_m):
                continue
        passes.append((s, e, o, j, s_stop, e_stop))
        last_end = e
    if len(passes) < 2:  # a stretch met once needs no timing
        return [(s, e, float(path.elapsed_s[s]), float(path.elapsed_s[e])) for s, e, *_ in passes]
    out = []
    for s, e, o, j, s_stop, e_stop in passes:
        # Time the pass by where the raw track crosses the gate lines.
        t_s = _crossing_time(path.raw, ref[0], dir0, path.elapsed_s[o] - 1.0,
                             path.elapsed_s[min(s_stop, n - 1)], start=True)
        t_e = _crossing_time(path.raw, ref[-1], dir1, path.elapsed_s[max(j - 1, 0)],
                             path.elapsed_s[min(e_stop, n - 1)] + 1.0, start=False)
        if not (np.isfinite(t_s) and np.isfinite(t_e) and t_e > t_s):
            t_s, t_e = float(path.elapsed_s[s]), float(path.elapsed_s[e])
        out.append((s, e, t_s, t_e))
    return out


def revisited_stretches(path: Path, *, radius_m: float = 15.0, min_separation_m: float = 200.0,
                        min_length_m: float = 100.0, max_length_m: float = 1000.0) -> np.ndarray:
    """Stretches (first visit) that the track comes back to later, as path index ranges.

    A point is revisited when a point at least ``min_separation_m`` further along the track
    lies within ``radius_m``. Runs of revisited points at least ``min_length_m`` long are
    returned, cut into pieces of at most ``max_length_m``.

    Returns
    -------
    numpy.ndarray of int, shape (k, 2)
        Inclusive ``[start, end]`` path indices.
    """
    from scipy.spatial import cKDTree

    from .segments import runs

    xy = path.xy
    if len(xy) < 3:
        return np.empty((0, 2), int)
    pairs = cKDTree(xy).query_pairs(radius_m, output_type="ndarray")
    if len(pairs) == 0:
        return np.empty((0, 2), int)
    a, b = pairs.min(axis=1), pairs.max(axis=1)
    far = path.distance_m[b] - path.distance_m[a] >= min_separation_m
    mark = np.zeros(len(xy), bool)
    mark[a[far]] = True
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


def find_repeats(
    path: Path,
    references: Sequence[tuple[int, int, str]],
    *,
    score_fn: Optional[Callable[[float, float], Optional[float]]] = None,
    **pass_kw,
) -> list[dict]:
    """Stretches passed at least twice, one entry each.

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
        ``start_m, end_m, length_m, direction, passes, trend``, plus ``pass_ranges``
        (path indices of each pass).
    """
    claimed: list[tuple[int, int, str]] = []
    out = []
    for i0, i1, kind in references:
        # A stretch already reported (as a pass of an earlier reference) is not repeated.
        if any(k == kind and min(i1, e) - max(i0, s) > 0.5 * (i1 - i0) for s, e, k in claimed):
            continue
        passes = find_passes(path, int(i0), int(i1), **pass_kw)
        if len(passes) < 2:
            continue
        claimed.extend((s, e, kind) for s, e, _, _ in passes)
        rows = []
        for s, e, t0, t1 in passes:
            score = score_fn(t0, t1) if (score_fn is not None and kind == "down") else None
            rows.append({"start_s": t0, "duration_s": t1 - t0, "control_score": score})
        out.append({
            "start_m": float(path.distance_m[i0]),
            "end_m": float(path.distance_m[i1]),
            "length_m": float(path.distance_m[i1] - path.distance_m[i0]),
            "direction": kind,
            "passes": rows,
            "trend": trend([r["duration_s"] for r in rows],
                           [r["control_score"] for r in rows] if kind == "down" else None),
            "pass_ranges": [(s, e) for s, e, _, _ in passes],
        })
    return out
