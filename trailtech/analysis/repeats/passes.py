"""Passes of one reference stretch: the gate rule, validation, and the ends and times of each
pass (science.md topic 6; the method is described in :mod:`trailtech.analysis.repeats`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ..neighbors import nearest_distance_m
from .path import Path
from .similarity import downsample, fold_score_m, shape_fault, subsequence_dtw

__all__ = ["find_passes", "align_passes"]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Shared index span of two inclusive ranges ÷ the shorter one's."""
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter / max(min(a[1] - a[0], b[1] - b[0]), 1) if inter > 0 else 0.0


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


def _folds(xy: np.ndarray, visit: tuple, *, fold_pts: int, fold_max_m: float,
           length_range: tuple[float, float]) -> tuple[Optional[int], Optional[int], int, float]:
    """The turn-rounds at the ends of one pass (:func:`align_passes` step 1): the fold at its
    start and at its end (None where there is none), how many ends are not folds, and the
    sum of the fold scores [m]."""
    s, e, o, j, s_stop, e_stop = visit
    n = len(xy)
    lo_len, hi_len = length_range
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
    return (f_s, f_e, (f_s is None) + (f_e is None),
            (sc_s if f_s is not None else 0.0) + (sc_e if f_e is not None else 0.0))


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
    folds = [_folds(xy, p, fold_pts=fold_pts, fold_max_m=fold_max_m, length_range=(lo_len, hi_len))
             for p in passes]
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
        why = shape_fault(ref_core, ref_small, cand, nearest_distance_m(ref, cand), **shape_kw)
        for a, b in valid_ends if why else []:
            other = xy[a:b + 1]
            k_end = min(ends_pts, max(0, (len(other) - 3) // 2))
            core = other[k_end:len(other) - k_end]
            if not shape_fault(core, downsample(other), cand, nearest_distance_m(other, cand),
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

    Notes
    -----
    Longer than 100 lines for its parameter list: each tolerance of the method is a keyword
    of its own, documented here; the body is the gate walk, the checks are in :func:`_judge`.
    """
    xy = path.xy
    n = len(xy)
    if not (0 <= i0 < i1 < n):
        return []
    ref = _reference(path, i0, i1, heading_m=heading_m, gate_radius_m=gate_radius_m)
    c0 = ref.xy[0] if start_xy is None else np.asarray(start_xy, float)
    c1 = ref.xy[-1] if end_xy is None else np.asarray(end_xy, float)
    r = gate_radius_m
    d_start = _gate_distance(xy, c0, 2 * r)
    opens = _openings(d_start, r)
    # Most references are run once: stop before any other whole-track array is computed.
    if opens.size < 2:  # entered once: no repeat, nothing to validate
        return []
    d_end = _gate_distance(xy, c1, 2 * r)
    sense = int(np.sign(ref.dh_m)) if elevation_gates and abs(ref.dh_m) >= min_elevation_change_m else 0
    sense, key_start, key_end = _gate_keys(path, (c0, c1), (d_start, d_end), sense)
    tol = gate_elevation_tolerance_m if sense else gate_tolerance_m
    # Entries into the end gate: points inside it whose predecessor is not.
    in_end = np.flatnonzero(d_end < r)
    end_entries = in_end[np.r_[True, np.diff(in_end) > 1]] if in_end.size else in_end
    shape_kw = {"hausdorff_max_m": hausdorff_max_m, "hausdorff_p95_max_m": hausdorff_p95_max_m,
                "frechet_max_m": frechet_max_m}
    judge_kw = {"corridor_m": corridor_m, "length_ratio": length_ratio,
                "min_elevation_change_m": min_elevation_change_m, "max_heading_deg": max_heading_deg,
                "shape_kw": shape_kw}
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
        if path.distance_m[j] - path.distance_m[s] > max_length_factor * ref.length_m:
            _note(rejected, s, j, "too long before the end gate")
            continue
        e, e_stop = _region(d_end, key_end, j, r, last=False, tol=tol)
        if e <= s:
            _note(rejected, s, e, "ends before it starts")
            continue
        why, on_shape = _judge(path, ref, s, e, (d_start[s], d_end[e]), **judge_kw)
        if why:
            _note(rejected, s, e, why)
            if on_shape and align:
                # Judged again once its ends are aligned: gate-rule ends on the wrong
                # traverse can cost a true pass its shape.
                doubtful.append((s, e, o, j, s_stop, e_stop))
            continue
        passes.append((s, e, o, j, s_stop, e_stop))
        last_end = e
    if align and len(passes) >= 2:
        return _aligned_passes(path, passes, doubtful, ref.xy, ref.core, ref.small, ends_pts=ref.end_pts,
                               fold_pts=max(2, round(fold_length_m / ref.step_m)),
                               fold_max_m=fold_max_m, rejected=rejected, shape_kw=shape_kw)
    return [(s, e, *_gate_times(path, (c0, c1), (o, j, s_stop, e_stop), (s, e), tol=tol, sense=sense))
            for s, e, o, j, s_stop, e_stop in passes]


def _gate_keys(path: Path, centres: tuple[np.ndarray, np.ndarray],
               distances: tuple[np.ndarray, np.ndarray], sense: int) -> tuple[int, np.ndarray, np.ndarray]:
    """What the pass ends minimise in the start and end gates (:func:`_gate_key`) over the
    whole path, and the elevation sense used (0 when elevation cannot bound them)."""
    d_start, d_end = distances
    if sense == 0 or not np.isfinite(path.elevation_m).all():
        # What :func:`_gate_key` returns then: the distances already computed.
        return 0, d_start, d_end
    x, y = path.xy[:, 0], path.xy[:, 1]
    key_start = _gate_key(x, y, path.elevation_m, centres[0], sense, True)
    if np.isnan(key_start).any():  # (d_start is inf, not NaN, far from the gate)
        return 0, d_start, d_end
    return sense, key_start, _gate_key(x, y, path.elevation_m, centres[1], sense, False)


@dataclass(frozen=True, eq=False)
class _Reference:
    """A reference stretch as the validation of a candidate pass reads it.

    ``xy`` its points, ``i0``/``i1`` its path indices, ``length_m``, ``step_m`` (path step),
    ``dh_m`` (elevation change), ``ka``/``kb`` (points ~30 and ~60 m in, whose heading is
    compared), ``heading_rad``, ``small`` (downsampled for the Fréchet test), ``core``
    (without the ends inside half a gate radius) and ``end_pts`` (points left out at each end).
    """

    xy: np.ndarray
    i0: int
    i1: int
    length_m: float
    step_m: float
    dh_m: float
    ka: int
    kb: int
    heading_rad: float
    small: np.ndarray
    core: np.ndarray
    end_pts: int


def _reference(path: Path, i0: int, i1: int, *, heading_m: float, gate_radius_m: float) -> _Reference:
    ref = path.xy[i0:i1 + 1]
    ref_len = path.distance_m[i1] - path.distance_m[i0]
    step = ref_len / max(i1 - i0, 1)
    k_head = max(1, int(round(heading_m / step)))
    ka = min(k_head, (len(ref) - 1) // 3)
    kb = min(2 * k_head, 2 * (len(ref) - 1) // 3)
    # The shape test leaves out the reference's ends inside half a gate radius: the gates
    # already judged them, and a pass that turns round short of a gate centre would
    # otherwise fail on its ends alone.
    k_end = max(0, int(round(0.5 * gate_radius_m / step)))
    return _Reference(
        xy=ref, i0=i0, i1=i1, length_m=ref_len, step_m=step,
        dh_m=path.elevation_m[i1] - path.elevation_m[i0], ka=ka, kb=kb,
        heading_rad=float(np.arctan2(*(ref[kb] - ref[ka])[::-1])), small=downsample(ref),
        core=ref[k_end:len(ref) - k_end] if len(ref) > 2 * k_end + 2 else ref, end_pts=k_end)


def _judge(path: Path, ref: _Reference, s: int, e: int, missed_m: tuple[float, float], *, corridor_m: float,
           length_ratio: tuple[float, float], min_elevation_change_m: float,
           max_heading_deg: float, shape_kw: dict) -> tuple[str, bool]:
    """Why the candidate ``path[s:e + 1]`` is not a pass of ``ref`` ("" when it is), and
    whether its shape alone turned it down.

    ``missed_m`` is how far its start and end stayed from the gate centres [m]: a pass that
    turns round short of a gate centre is shorter by that, which is credited to it before the
    lower length bound.
    """
    span = ref.i1 - ref.i0
    if _overlap((s, e), (ref.i0, ref.i1)) > 0.9 and abs((e - s) - span) <= 0.1 * span:
        return "", False  # the reference's own stretch of track (its ends moved to the gate rule)
    cand = path.xy[s:e + 1]
    off = nearest_distance_m(ref.xy, cand)
    if np.max(off) > corridor_m:
        return "left the corridor", False
    plen = path.distance_m[e] - path.distance_m[s]
    if not (plen + missed_m[0] + missed_m[1] >= length_ratio[0] * ref.length_m
            and plen <= length_ratio[1] * ref.length_m):
        return f"length {plen:.0f} m vs {ref.length_m:.0f} m", False
    dh = path.elevation_m[e] - path.elevation_m[s]
    if abs(ref.dh_m) >= min_elevation_change_m and np.isfinite(dh) and np.sign(dh) != np.sign(ref.dh_m):
        return "opposite elevation change", False
    # Heading of the stretch ~30-60 m into the reference, on both: away from the
    # turn-round at a gate, where the 5 m points of a hairpin say little.
    ia = int(np.argmin(np.hypot(*(cand - ref.xy[ref.ka]).T)))
    ib = int(np.argmin(np.hypot(*(cand - ref.xy[ref.kb]).T)))
    # (ib <= ia: GPS scatter near a stop; the Fréchet test below still rejects a
    # reversed pass, whose distance is about the reference length.)
    if ib > ia:
        v = cand[ib] - cand[ia]
        turn = abs((np.arctan2(v[1], v[0]) - ref.heading_rad + np.pi) % (2 * np.pi) - np.pi)
        if np.degrees(turn) > max_heading_deg:
            return f"heading {np.degrees(turn):.0f} deg off", False
    why = shape_fault(ref.core, ref.small, cand, off, **shape_kw)
    return why, bool(why)


def _gate_times(path: Path, centres: tuple[np.ndarray, np.ndarray], visits: tuple[int, int, int, int],
                ends: tuple[int, int], *, tol: float, sense: int) -> tuple[float, float]:
    """When the raw 1 s track passed the start and end gates, by the gate rule of the 5 m path
    (``visits``: start-gate entry, end-gate entry, start-gate exit, end-gate exit); the
    times of the path points ``ends`` when the raw track does not say."""
    n = len(path.elapsed_s)
    (c0, c1), (o, j, s_stop, e_stop), (s, e) = centres, visits, ends
    t_s = _gate_time(path.raw, c0, path.elapsed_s[o] - 1.0, path.elapsed_s[min(s_stop, n - 1)],
                     last=True, tol=tol, sense=sense, start=True)
    t_e = _gate_time(path.raw, c1, path.elapsed_s[max(j - 1, 0)],
                     path.elapsed_s[min(e_stop, n - 1)] + 1.0, last=False, tol=tol, sense=sense,
                     start=False)
    if not (np.isfinite(t_s) and np.isfinite(t_e) and t_e > t_s):
        t_s, t_e = float(path.elapsed_s[s]), float(path.elapsed_s[e])
    return t_s, t_e
