"""Hike or run: per-sample gait, bouts, personal speed models and the hike/run verdicts.

Science: ``science.md`` topic 2.

* Gait from cadence (2A): a per-activity walk/run threshold at the valley of the cadence
  histogram of moving, climbing samples (Otsu's method on 2-spm bins, clamped to 125-155 spm,
  140 spm when the two modes are not clearly apart), a ±5 spm hysteresis with a 5 s dwell, a
  10 s majority filter, and bouts shorter than 15 s merged into their neighbours.
* Without cadence: hike when slower than ``v_wrt(g) = max(0.9, 2.0 - 4.0 max(g, 0))`` m/s
  (heuristic from Brill & Kram 2021 and Hum Mov Sci 2023), with the same post-processing.
* Personal speed models (2C): median speed per 2.5 %-grade bin, shrunk toward a prior
  (``k·Tobler`` for hiking, the runner's own grade-adjusted flat speed for running) with the
  empirical-Bayes weight ``n/(n + 120 s)``, made non-increasing in grade.
* Verdicts: running bouts on climbs of ≥ 10 % that were no faster than the runner's own hiking
  (``ran_should_hike``), hiking bouts on gentle grades the runner usually runs much faster
  (``hiked_could_run``), and the crossover grade where hiking climbs as fast as running.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable, Optional

import numpy as np
import pandas as pd

from ..processing.hiking import tobler_speed_mps
from ..processing.stats import median
from .segments import runs

__all__ = [
    "cadence_threshold",
    "classify_cadence",
    "classify_speed",
    "clean_bouts",
    "gait_labels",
    "gait_masks",
    "gait_codes",
    "labels_from_masks",
    "bout_table",
    "SpeedModel",
    "speed_model",
    "crossover_grade",
    "GaitModel",
    "hiking_model",
    "running_model",
    "model_crossover_grade",
    "gait_model_curves",
    "crossover_from_models",
    "climb_pieces",
    "climb_blocks",
    "piece_table",
    "ran_should_hike",
    "hiked_could_run",
]

HIKE, RUN, STOP = "hike", "run", "stop"
#: The labels by gait code (:func:`gait_codes`): 0 stop, 1 hike, 2 run.
_LABELS = np.array([STOP, HIKE, RUN], dtype=object)


# ----------------------------------------------------------------------------- threshold
def _otsu(hist: np.ndarray) -> int:
    """Index of the bin boundary that maximises the between-class variance (Otsu 1979)."""
    p = hist / hist.sum()
    centres = np.arange(hist.size)
    w0 = np.cumsum(p)
    mu = np.cumsum(p * centres)
    mu_t = mu[-1]
    w1 = 1.0 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mu_t * w0 - mu) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1.0
    return int(np.argmax(between))


def cadence_threshold(
    cadence_spm: np.ndarray,
    grade: np.ndarray,
    moving: np.ndarray,
    *,
    default_spm: float = 140.0,
    lo_spm: float = 125.0,
    hi_spm: float = 155.0,
    min_separation_spm: float = 20.0,
    min_grade: float = 0.05,
    bin_spm: float = 2.0,
    min_samples: int = 60,
) -> tuple[float, bool]:
    """Per-activity walk/run cadence threshold (science.md 2A step 2).

    Parameters
    ----------
    cadence_spm : array
        Cadence, both feet [steps/min].
    grade : array
        Grade [fraction].
    moving : array of bool
    default_spm : float
        Threshold used when the histogram has no clear walking and running modes [spm].
    lo_spm, hi_spm : float
        Clamp of the adaptive threshold [spm].
    min_separation_spm : float
        The walking and running modes must be at least this far apart [spm].
    min_grade : float
        Only samples at least this steep are used (where runners do hike) [fraction].
    bin_spm : float
        Histogram bin width [spm].
    min_samples : int
        Fewer usable samples than this gives the default.

    Returns
    -------
    threshold_spm : float
    adaptive : bool
        Whether the threshold came from the data (else it is the default).
    """
    c = np.asarray(cadence_spm, dtype=float)
    g = np.asarray(grade, dtype=float)
    sel = np.asarray(moving, dtype=bool) & (g >= min_grade) & (c >= 60) & (c <= 220)
    x = c[sel]
    if x.size < min_samples:
        return float(default_spm), False
    edges = np.arange(60.0, 220.0 + bin_spm, bin_spm)
    hist, _ = np.histogram(x, bins=edges)
    k = _otsu(hist.astype(float))
    thr = edges[k + 1]
    low, high = x[x < thr], x[x >= thr]
    # Both gaits must be really present (>= 5 % of the samples each) and clearly apart.
    if min(low.size, high.size) < max(10, 0.05 * x.size):
        return float(default_spm), False
    if np.median(high) - np.median(low) < min_separation_spm:
        return float(default_spm), False
    # The valley: the emptiest bin between the two modes' medians, near the Otsu split.
    # (a median exactly on the first edge, 60 spm, would index bin -1: it is bin 0)
    lo_i = max(int(np.searchsorted(edges, np.median(low))) - 1, 0)
    hi_i = int(np.searchsorted(edges, np.median(high))) - 1
    if hi_i - lo_i >= 2:
        seg = hist[lo_i:hi_i + 1].astype(float)
        smooth = np.convolve(seg, np.ones(3) / 3, mode="same")
        valley = lo_i + int(np.argmin(smooth))
        thr = 0.5 * (edges[valley] + edges[valley + 1])
    return float(np.clip(thr, lo_spm, hi_spm)), True


# ----------------------------------------------------------------------------- per sample
def _hold(on: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Latest event wins; samples before the first event take the first event's state."""
    idx = np.arange(on.size)
    last_on = np.maximum.accumulate(np.where(on, idx, -1))
    last_off = np.maximum.accumulate(np.where(off, idx, -1))
    state = last_on > last_off
    ev = np.flatnonzero(on | off)
    if ev.size:
        state[: ev[0]] = bool(on[ev[0]])
    return state


def classify_cadence(
    cadence_spm: np.ndarray,
    *,
    threshold_spm: float,
    hysteresis_spm: float = 5.0,
    dwell_samples: int = 5,
    fallback_hike: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Hike (True) or run (False) for consecutive moving samples, from cadence.

    Hysteresis (science.md 2A step 3): hiking starts when cadence stays at or below
    ``threshold - hysteresis`` for ``dwell_samples``, running when it stays at or above
    ``threshold + hysteresis``; in between the state holds. Offline, the switch is dated to
    the start of the run of low (high) cadence.

    Parameters
    ----------
    cadence_spm : array, shape (n,)
        Cadence of moving samples, in time order [spm]; NaN holds the state.
    threshold_spm, hysteresis_spm : float
        [spm].
    dwell_samples : int
        Samples the cadence must stay beyond the band.
    fallback_hike : array of bool, optional
        Verdict used when no cadence sample ever leaves the band (e.g. speed-based).

    Returns
    -------
    numpy.ndarray of bool
    """
    c = np.asarray(cadence_spm, dtype=float)
    low = c <= threshold_spm - hysteresis_spm
    high = c >= threshold_spm + hysteresis_spm
    on = np.zeros(c.size, bool)
    off = np.zeros(c.size, bool)
    for mask, out in ((low, on), (high, off)):
        r = runs(mask)
        r = r[(r[:, 1] - r[:, 0]) >= dwell_samples]
        if len(r):
            # Mark whole qualifying runs via a difference array (vectorised fill).
            mark = np.zeros(c.size + 1, int)
            np.add.at(mark, r[:, 0], 1)
            np.add.at(mark, r[:, 1], -1)
            out |= np.cumsum(mark[:-1]) > 0
    if not (on.any() or off.any()):
        if fallback_hike is not None:
            return np.asarray(fallback_hike, bool).copy()
        return np.nanmedian(c) < threshold_spm if np.isfinite(c).any() else np.zeros(c.size, bool)
    return _hold(on, off)


def v_wrt_mps(grade: np.ndarray) -> np.ndarray:
    """Walk-run transition speed on a slope, ``max(0.9, 2.0 - 4.0·max(g, 0))`` [m/s] (2A step 4)."""
    g = np.nan_to_num(np.asarray(grade, dtype=float))
    return np.maximum(0.9, 2.0 - 4.0 * np.maximum(g, 0.0))


def classify_speed(speed_mps: np.ndarray, grade: np.ndarray) -> np.ndarray:
    """Hike (True) or run (False) from speed and grade, for files without cadence [H]."""
    v = np.asarray(speed_mps, dtype=float)
    return np.nan_to_num(v, nan=0.0) < v_wrt_mps(grade)


def clean_bouts(is_hike: np.ndarray, *, majority_samples: int = 10, min_bout_samples: int = 15) -> np.ndarray:
    """10 s majority filter, then bouts shorter than 15 s merged into their neighbours (2A step 5).

    Parameters
    ----------
    is_hike : array of bool, shape (n,)
        Consecutive moving samples.
    majority_samples : int
        Window of the centred majority filter.
    min_bout_samples : int
        Shortest bout kept.

    Returns
    -------
    numpy.ndarray of bool
    """
    x = np.asarray(is_hike, dtype=bool)
    n = x.size
    if n == 0:
        return x.copy()
    if majority_samples > 1 and n >= majority_samples:
        frac = np.convolve(x.astype(float), np.ones(majority_samples) / majority_samples, mode="same")
        # Near the ends the window is partly empty: renormalise.
        norm = np.convolve(np.ones(n), np.ones(majority_samples) / majority_samples, mode="same")
        frac = frac / norm
        x = np.where(np.isclose(frac, 0.5), x, frac > 0.5)
    # Run-length encode and repeatedly absorb the shortest short run (few runs: cheap).
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    lengths = list(np.diff(np.r_[starts, n]))
    labels = [bool(x[s]) for s in starts]
    while len(lengths) > 1:
        i = int(np.argmin(lengths))
        if lengths[i] >= min_bout_samples:
            break
        # Flip run i: it joins its neighbours (which share the other label).
        lo, hi = max(i - 1, 0), min(i + 1, len(lengths) - 1)
        total = sum(lengths[lo:hi + 1])
        new_label = labels[lo] if lo != i else labels[hi]
        lengths[lo:hi + 1] = [total]
        labels[lo:hi + 1] = [new_label]
    return np.repeat(np.asarray(labels, bool), np.asarray(lengths, int))


def gait_labels(
    moving: np.ndarray,
    speed_mps: np.ndarray,
    grade: np.ndarray,
    cadence_spm: Optional[np.ndarray],
    *,
    threshold_spm: float,
    hysteresis_spm: float = 5.0,
    dwell_samples: int = 5,
    majority_samples: int = 10,
    min_bout_samples: int = 15,
    method: str = "cadence",
) -> np.ndarray:
    """``"hike"``, ``"run"`` or ``"stop"`` for every timeline row.

    Parameters
    ----------
    moving : array of bool, shape (n,)
    speed_mps, grade : array, shape (n,)
        [m/s], [fraction].
    cadence_spm : array or None
        [spm]; required when ``method="cadence"``.
    threshold_spm, hysteresis_spm : float
        Cadence threshold and band [spm].
    dwell_samples, majority_samples, min_bout_samples : int
        See :func:`classify_cadence` and :func:`clean_bouts`.
    method : {"cadence", "speed"}

    Returns
    -------
    numpy.ndarray of str (object)
    """
    mv, hike = gait_masks(moving, speed_mps, grade, cadence_spm, threshold_spm=threshold_spm,
                          hysteresis_spm=hysteresis_spm, dwell_samples=dwell_samples,
                          majority_samples=majority_samples, min_bout_samples=min_bout_samples,
                          method=method)
    return labels_from_masks(mv, hike)


def labels_from_masks(moving: np.ndarray, hike: np.ndarray) -> np.ndarray:
    """The :func:`gait_labels` array from :func:`gait_masks`' two masks.

    Parameters
    ----------
    moving : array of bool, shape (n,)
    hike : array of bool, one per moving row

    Returns
    -------
    numpy.ndarray of str (object)
    """
    code = np.zeros(moving.size, dtype=np.intp)
    if moving.any():
        code[moving] = np.where(hike, 1, 2)
    # The label strings picked by code: no string array to convert, no object array to fill.
    return _LABELS[code]


def gait_masks(
    moving: np.ndarray,
    speed_mps: np.ndarray,
    grade: np.ndarray,
    cadence_spm: Optional[np.ndarray],
    *,
    threshold_spm: float,
    hysteresis_spm: float = 5.0,
    dwell_samples: int = 5,
    majority_samples: int = 10,
    min_bout_samples: int = 15,
    method: str = "cadence",
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gait_labels` as masks: which rows move, and which moving rows hike.

    The analyses test the gait of rows many times; boolean masks answer that far faster
    than comparing strings. Parameters as :func:`gait_labels`.

    Returns
    -------
    moving : numpy.ndarray of bool, shape (n,)
        Rows labelled hike or run (the others are ``"stop"``).
    hike : numpy.ndarray of bool, shape (moving.sum(),)
        Per moving row: hiking (else running).
    """
    mv = np.asarray(moving, dtype=bool)
    if not mv.any():
        return mv, np.zeros(0, dtype=bool)
    by_speed = classify_speed(np.asarray(speed_mps, float)[mv], np.asarray(grade, float)[mv])
    if method == "cadence":
        if cadence_spm is None:
            raise ValueError("cadence_spm is required with method='cadence'")
        hike = classify_cadence(np.asarray(cadence_spm, float)[mv], threshold_spm=threshold_spm,
                                hysteresis_spm=hysteresis_spm, dwell_samples=dwell_samples,
                                fallback_hike=by_speed)
    elif method == "speed":
        hike = by_speed
    else:
        raise ValueError(f"method={method!r}; use 'cadence' or 'speed'")
    hike = clean_bouts(hike, majority_samples=majority_samples, min_bout_samples=min_bout_samples)
    return mv, np.asarray(hike, dtype=bool)


# ----------------------------------------------------------------------------- bouts
def _row_dt(elapsed_s: np.ndarray) -> np.ndarray:
    """Time each row stands for [s]: the step to the next row (last row: the median step)."""
    t = np.asarray(elapsed_s, dtype=float)
    if t.size < 2:
        return np.ones(t.size)
    dt = np.diff(t)
    med = float(np.median(dt)) if dt.size else 1.0
    return np.clip(np.r_[dt, 0.0], 0.0, 3.0 * med)


def gait_codes(gait: np.ndarray) -> np.ndarray:
    """Gait labels as small integers: 0 ``"stop"``, 1 ``"hike"``, 2 ``"run"``.

    The bout tables accept either form; the codes spare them comparing strings row by row
    (integer arrays pass through unchanged).

    Parameters
    ----------
    gait : array of str, or of int codes

    Returns
    -------
    numpy.ndarray of int8
    """
    g = np.asarray(gait)
    if g.dtype.kind in "iu":
        return g.astype(np.int8, copy=False)
    # As the tables always read them: not "stop" is moving, and moving but not "hike" runs.
    return np.where(g == HIKE, 1, np.where(g == STOP, 0, 2)).astype(np.int8)


def _labels_at(code: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The gait labels (the module's own strings) of ``rows``, from the codes."""
    return _LABELS[code[rows]] if len(rows) else np.array([], dtype=object)


def _pieces(key: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """[start, stop) of runs of constant ``key`` among rows where ``keep`` holds."""
    k = np.asarray(key)
    change = np.r_[True, k[1:] != k[:-1]] | np.r_[True, ~keep[:-1]]
    idx = np.flatnonzero(change)
    stops = np.r_[idx[1:], k.size]
    r = np.column_stack([idx, stops])
    return r[keep[r[:, 0]]]


def _stats(r: np.ndarray, elapsed_s, distance_m, elevation_m, dt, moving) -> pd.DataFrame:
    """Duration, length, rise, grade, speed and VAM of row ranges (vectorised with reduceat)."""
    d = np.asarray(distance_m, float)
    h = np.asarray(elevation_m, float)
    t = np.asarray(elapsed_s, float)
    if len(r) == 0:
        return pd.DataFrame(columns=["i0", "i1", "start_s", "end_s", "start_m", "end_m",
                                     "duration_s", "length_m", "rise_m", "avg_grade_pct",
                                     "speed_mps", "vam_m_per_h"])
    mdt = np.where(moving, dt, 0.0)
    cs = np.r_[0.0, np.cumsum(mdt)]
    dur = cs[r[:, 1]] - cs[r[:, 0]]
    last = r[:, 1] - 1
    # A bout ends where the next row begins (the runner covered that step in the bout too).
    nxt = np.minimum(r[:, 1], d.size - 1)
    length = d[nxt] - d[r[:, 0]]
    rise = h[nxt] - h[r[:, 0]]
    with np.errstate(divide="ignore", invalid="ignore"):
        grade = np.where(length > 0, rise / length, np.nan)
        speed = np.where(dur > 0, length / dur, np.nan)
        vam = np.where(dur > 0, rise / dur * 3600.0, np.nan)
    return pd.DataFrame({
        "i0": r[:, 0], "i1": last, "start_s": t[r[:, 0]], "end_s": t[last] + dt[last],
        "start_m": d[r[:, 0]], "end_m": d[nxt], "duration_s": dur, "length_m": length,
        "rise_m": rise, "avg_grade_pct": 100.0 * grade, "speed_mps": speed, "vam_m_per_h": vam,
    })


def bout_table(gait: np.ndarray, elapsed_s, distance_m, elevation_m) -> pd.DataFrame:
    """Every hike or run bout: gait, start_s, end_s, start_m, end_m, duration_s, length_m,
    avg_grade_pct, speed_mps, vam_m_per_h (stops end a bout).

    ``gait``: labels per row, or their :func:`gait_codes`.
    """
    code = gait_codes(gait)
    moving = code != 0
    r = _pieces(code, moving)
    df = _stats(r, elapsed_s, distance_m, elevation_m, _row_dt(elapsed_s), moving)
    df.insert(0, "gait", _labels_at(code, r[:, 0]))
    return df


def piece_table(gait: np.ndarray, segment_id: np.ndarray, elapsed_s, distance_m,
                elevation_m) -> pd.DataFrame:
    """Bouts cut at segment boundaries: the part of each bout inside each segment.

    ``segment_id`` is the index of the climb each row lies on (-1 off climbs). Returns the
    columns of :func:`bout_table` plus ``segment``. ``gait``: labels, or :func:`gait_codes`.
    """
    code = gait_codes(gait)
    sid = np.asarray(segment_id, dtype=int)
    moving = (code != 0) & (sid >= 0)
    key = np.where(code == 1, 1, 2) * 100000 + sid
    r = _pieces(key, moving)
    df = _stats(r, elapsed_s, distance_m, elevation_m, _row_dt(elapsed_s), moving)
    df.insert(0, "gait", _labels_at(code, r[:, 0]))
    df["segment"] = sid[r[:, 0]] if len(r) else np.array([], dtype=int)
    return df


# ----------------------------------------------------------------------------- speed models
def _isotonic_decreasing(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-increasing fit (pool adjacent violators; a few bins)."""
    blocks = [[float(y[i]), float(w[i]), 1] for i in range(y.size)]
    out: list[list[float]] = []
    for b in blocks:
        out.append(b)
        while len(out) > 1 and out[-2][0] < out[-1][0]:
            v2, w2, n2 = out.pop()
            v1, w1, n1 = out.pop()
            ww = w1 + w2
            out.append([(v1 * w1 + v2 * w2) / ww if ww > 0 else 0.5 * (v1 + v2), ww, n1 + n2])
    return np.concatenate([np.full(int(n), v) for v, _, n in out])


class SpeedModel:
    """A speed-versus-grade model on 2.5 %-grade bins: ``model(grade) -> speed [m/s]``.

    Attributes
    ----------
    grade : numpy.ndarray
        Bin centres [fraction].
    speed_mps : numpy.ndarray
        Modelled speed per bin [m/s], non-increasing.
    seconds : numpy.ndarray
        Data behind each bin [s] (0 where the prior alone speaks).
    """

    def __init__(self, grade: np.ndarray, speed_mps: np.ndarray, seconds: np.ndarray):
        self.grade = grade
        self.speed_mps = speed_mps
        self.seconds = seconds

    def __call__(self, grade) -> np.ndarray:
        return np.interp(np.asarray(grade, dtype=float), self.grade, self.speed_mps)

    def __repr__(self) -> str:  # pragma: no cover
        return f"SpeedModel({len(self.grade)} bins, {self.seconds.sum():.0f} s of data)"


def speed_model(
    grade: np.ndarray,
    speed_mps: np.ndarray,
    dt_s: np.ndarray,
    prior: Callable[[np.ndarray], np.ndarray],
    *,
    bin_width: float = 0.025,
    max_grade: float = 0.6,
    min_bin_s: float = 60.0,
    shrink_s: float = 120.0,
) -> SpeedModel:
    """Personal uphill speed model: bin medians shrunk toward a prior, non-increasing (2C step 1).

    Parameters
    ----------
    grade, speed_mps, dt_s : array
        Samples of one gait [fraction], [m/s], [s].
    prior : callable
        Speed expected with no data, ``prior(grade) -> m/s``.
    bin_width, max_grade : float
        Bins from 0 to ``max_grade`` [fraction].
    min_bin_s : float
        Bins with less data than this use the prior alone [s].
    shrink_s : float
        Empirical-Bayes weight ``n/(n + shrink_s)`` of the bin median [s].

    Returns
    -------
    SpeedModel
    """
    edges = np.arange(0.0, max_grade + bin_width / 2, bin_width)
    centres = 0.5 * (edges[:-1] + edges[1:])
    g = np.asarray(grade, float)
    v = np.asarray(speed_mps, float)
    w = np.asarray(dt_s, float)
    ok = np.isfinite(g) & np.isfinite(v) & (v > 0) & (g >= 0) & (g < edges[-1])
    b = np.digitize(g[ok], edges) - 1
    vv, ww = v[ok], w[ok]
    order = np.lexsort((vv, b))
    b, vv, ww = b[order], vv[order], ww[order]
    seconds = np.bincount(b, weights=ww, minlength=centres.size)[: centres.size]
    med = np.full(centres.size, np.nan)
    # Weighted median per bin: sorted by (bin, speed), take the half-weight crossing.
    starts = np.searchsorted(b, np.arange(centres.size))
    stops = np.searchsorted(b, np.arange(centres.size), side="right")
    for i in np.flatnonzero(stops > starts):  # one iteration per bin (<= 24)
        cw = np.cumsum(ww[starts[i]:stops[i]])
        med[i] = vv[starts[i] + int(np.searchsorted(cw, 0.5 * cw[-1]))]
    p = np.asarray(prior(centres), float)
    wt = np.where(seconds >= min_bin_s, seconds / (seconds + shrink_s), 0.0)
    est = np.where(wt > 0, wt * np.nan_to_num(med) + (1 - wt) * p, p)
    est = _isotonic_decreasing(est, np.maximum(seconds, 1.0))
    return SpeedModel(centres, est, seconds)


def _allclose(a: np.ndarray, b: np.ndarray, *, tol: float) -> bool:
    """``numpy.allclose(a, b, rtol=tol, atol=tol)`` of two short float arrays: the same test,
    ``|a - b| <= tol + tol·|b|`` with finite ``b``, or ``a == b``, element by element."""
    for x, y in zip(a.tolist(), b.tolist()):
        if not ((abs(x - y) <= tol + tol * abs(y) and math.isfinite(y)) or x == y):
            return False
    return True


def _weighted_line(x: np.ndarray, y: np.ndarray, sw: np.ndarray) -> np.ndarray:
    """``numpy.polyfit(x, y, 1, w=sw)`` of float arrays, without its argument checks.

    The same design matrix (columns ``x·sw`` and ``sw``, scaled to unit norm), the same
    least-squares solver and the same rescaling, so the coefficients are numpy's bit for bit;
    the robust line below solves it ~10 times per fit.

    Returns
    -------
    numpy.ndarray
        ``[slope, intercept]``.
    """
    # polyfit adds 0.0 to its inputs, which turns -0.0 into +0.0; the signs of zeros reach
    # the solver, so they are normalised here too.
    sw = sw + 0.0
    lhs = np.empty((x.size, 2))
    np.add(x, 0.0, out=lhs[:, 0])
    lhs[:, 0] *= sw
    lhs[:, 1] = sw
    scale = np.sqrt((lhs * lhs).sum(axis=0))
    lhs /= scale
    c, _, rank, _ = np.linalg.lstsq(lhs, (y + 0.0) * sw, x.size * _EPS)
    if rank != 2:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning, stacklevel=3)
    return c / scale


_EPS = float(np.finfo(float).eps)


def _huber_line(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, k: float = 1.345,
                iterations: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Robust straight line ``y = a·x + b``: iteratively reweighted least squares with Huber
    weights (scale: 1.4826·MAD of the residuals), on top of the prior weights ``w``.

    Returns
    -------
    coef : numpy.ndarray
        ``[a, b]`` like :func:`numpy.polyfit`.
    cov : numpy.ndarray
        2×2 covariance of ``[a, b]`` (weighted residual variance × (XᵀWX)⁻¹; zero for an
        exact line).
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    w = np.asarray(w, float) / np.mean(w)
    rw = np.ones_like(y)
    coef = _weighted_line(x, y, np.sqrt(w))
    exact_scale = 1e-9 * (1.0 + float(np.abs(y).max()))  # a residual scale this small: exact
    for _ in range(iterations):
        r = y - np.polyval(coef, x)
        scale = 1.4826 * float(median(np.abs(r - median(r))))
        if not scale > exact_scale:
            break  # (nearly) exact line: nothing to down-weight
        u = np.abs(r) / (k * scale)
        rw = np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-12))
        new = _weighted_line(x, y, np.sqrt(w * rw))
        if _allclose(new, coef, tol=1e-9):
            coef = new
            break
        coef = new
    ww = w * rw
    X = np.column_stack([x, np.ones_like(x)])
    r = y - X @ coef
    dof = max(x.size - 2, 1)
    s2 = float(np.sum(ww * r * r) / dof / (np.sum(ww) / x.size))
    try:
        cov = s2 * np.linalg.inv(X.T @ (X * ww[:, None]) / (np.sum(ww) / x.size))
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.inf)
    return coef, cov


def crossover_grade(
    blocks: pd.DataFrame,
    *,
    min_blocks: int = 3,
    min_spread: float = 0.03,
    window: float = 0.08,
    hike_window: float = 0.15,
    overlap: float = 0.03,
    max_extrapolation: float = 0.03,
    max_gap: float = 0.08,
    max_se: float = 0.05,
    iterations: int = 30,
) -> Optional[float]:
    """Grade where the runner's hiking climbs as fast as their running [fraction] (2C).

    Each gait's vertical speed (VAM) is fitted against grade with a robust straight line
    (Huber IRLS, weighted by each piece's duration when a ``duration_s`` column is given) and
    the crossover is where the two lines meet. VAM is not linear in grade over a whole run
    (running VAM peaks on moderate climbs and, on very steep ground, collapses to a shuffle
    near hiking speed), so the lines are local to the crossover ``g``, one-sided like a
    boundary: running is fitted on its pieces from ``g - window`` to ``g + overlap``, hiking
    on its pieces from ``g - overlap`` to ``g + window``. Starting from the midpoint between
    the upper quartile of running pieces' grades and the lower quartile of hiking
    pieces' grades, ``g`` is refitted until it settles.

    The answer must be backed by the data near it: the lines meet inside the band where the
    runner switches gait -- the grades where both gaits were seen inside the windows, or, for
    a runner who switches cleanly at one grade, the gap between the steepest running and the
    gentlest hiking (at most ``max_gap`` wide) -- or at most ``max_extrapolation`` beyond it;
    and hiking VAM must rise with grade faster than running VAM there (else the lines cross
    the wrong way round).

    Parameters
    ----------
    blocks : DataFrame
        Climbing pieces: ``gait`` (``"hike"``/``"run"``), ``grade`` [fraction],
        ``vam_m_per_h`` [m/h], optionally ``duration_s`` [s] (weights).
    min_blocks : int
        Pieces of each gait needed inside its window.
    min_spread : float
        Grade range each gait's pieces must span inside its window [fraction].
    window : float
        How far from the crossover a gait's pieces are used on its own side [fraction].
    overlap : float
        How far past the crossover a gait's pieces are still used [fraction].
    max_extrapolation : float
        How far beyond the switching band the lines may meet [fraction].
    max_gap : float
        Widest gap between the steepest running and the gentlest hiking that a crossover
        is still read across [fraction].
    max_se : float
        Largest standard error of the crossover (delta method from the two robust fits)
        still reported [fraction].
    iterations : int
        Refits of the local lines (the answer must settle within them).

    Returns
    -------
    float or None
        ``None`` when either gait has too few pieces, the lines do not cross the right way
        round, or they would meet away from where the runner switches gait.
    """
    need = {"gait", "grade", "vam_m_per_h"}
    if blocks is None or len(blocks) == 0 or not need <= set(blocks.columns):
        return None
    gait = blocks["gait"].to_numpy(dtype=object)
    x_all = pd.to_numeric(blocks["grade"], errors="coerce").to_numpy(dtype=float)
    y_all = pd.to_numeric(blocks["vam_m_per_h"], errors="coerce").to_numpy(dtype=float)
    if "duration_s" in blocks:
        w_all = pd.to_numeric(blocks["duration_s"], errors="coerce").to_numpy(dtype=float)
    else:
        w_all = np.ones(x_all.size)
    ok = np.isfinite(x_all) & np.isfinite(y_all) & np.isfinite(w_all) & (w_all > 0) & (x_all > 0)
    data = {gk: (x_all[ok & (gait == gk)], y_all[ok & (gait == gk)], w_all[ok & (gait == gk)])
            for gk in (HIKE, RUN)}
    if min(data[HIKE][0].size, data[RUN][0].size) < min_blocks:
        return None

    def fit(g: float):
        out = {}
        for gk, lo, hi in ((HIKE, g - overlap, g + hike_window), (RUN, g - window, g + overlap)):
            x, y, w = data[gk]
            sel = (x >= lo) & (x <= hi)
            if sel.sum() < min_blocks or np.ptp(x[sel]) < min_spread:
                return None
            # Tricube kernel around g: pieces near the crossover speak loudest.
            u = np.abs(x[sel] - g) / (max(g - lo, hi - g) + 1e-9)
            k = (1.0 - np.minimum(u, 1.0) ** 3) ** 3 + 0.05
            out[gk] = (*_huber_line(x[sel], y[sel], w[sel] * k), x[sel].min(), x[sel].max())
        return out

    # Pieces are ~equal stretches of trail: each counts once for where the gaits are seen.
    g = 0.5 * (float(np.quantile(data[RUN][0], 0.75)) + float(np.quantile(data[HIKE][0], 0.25)))
    fits = None
    for _ in range(iterations):
        fits = fit(g)
        if fits is None:
            return None
        (bh, ah), (br, ar) = fits[HIKE][0], fits[RUN][0]
        if not bh > br:  # hiking must gain VAM with grade faster than running does
            return None
        g_new = float((ar - ah) / (bh - br))
        if not (0.0 < g_new < 0.6):
            return None
        done = abs(g_new - g) < 2e-4
        # Damped: half a step at a time, so the windows cannot flip between two states;
        # once settled, the answer is where the last lines meet.
        g = g_new if done else 0.5 * (g + g_new)
        if done:
            break
    if not done:
        return None
    # Standard error of the crossover (delta method): the spread of the gap between the two
    # lines at g, over how fast that gap closes with grade.
    v = np.array([g, 1.0])
    var_gap = float(v @ fits[RUN][1] @ v + v @ fits[HIKE][1] @ v)
    if not np.sqrt(max(var_gap, 0.0)) / (fits[HIKE][0][0] - fits[RUN][0][0]) <= max_se:
        return None
    # The switching band: where both gaits were seen, or the gap between them.
    (_, _, r_lo, r_hi), (_, _, h_lo, h_hi) = fits[RUN], fits[HIKE]
    lo_b, hi_b = max(r_lo, h_lo), min(r_hi, h_hi)
    if lo_b > hi_b:
        if lo_b - hi_b > max_gap:
            return None
        lo_b, hi_b = hi_b, lo_b
    if not (lo_b - max_extrapolation <= g <= hi_b + max_extrapolation):
        return None
    return float(g)


#: Columns of :func:`climb_pieces` (``HikeRun.climb_bouts``).
CLIMB_PIECE_COLUMNS = ["gait", "start_m", "end_m", "start_s", "end_s", "duration_s", "length_m",
                       "avg_grade_pct", "speed_mps", "vam_m_per_h", "segment"]


def climb_pieces(gait, segment_id, elapsed_s, distance_m, elevation_m, *,
                 piece_m: float = 100.0, min_piece_m: float = 50.0,
                 min_piece_s: float = 30.0) -> pd.DataFrame:
    """The runner's climbing bouts cut into pieces of about ``piece_m`` (the crossover data).

    Each hike or run bout on a climb (:func:`piece_table`) is cut into ``round(L/piece_m)``
    (at least one) pieces of equal length, so every piece is a single gait over a short,
    nearly uniform grade.

    Parameters
    ----------
    gait : array of str
        :func:`gait_labels` per row (or their :func:`gait_codes`).
    segment_id : array of int
        Climb index per row (-1 off climbs).
    elapsed_s, distance_m, elevation_m : array
        [s], [m], [m].
    piece_m : float
        Target piece length [m].
    min_piece_m, min_piece_s : float
        Shorter pieces are dropped: their grade and VAM are too noisy [m], [s].

    Returns
    -------
    DataFrame with :data:`CLIMB_PIECE_COLUMNS` (uphill pieces only, grade > 0).
    """
    code = gait_codes(gait)
    sid = np.asarray(segment_id, dtype=int)
    d = np.asarray(distance_m, dtype=float)
    moving = (code != 0) & (sid >= 0)
    if code.size == 0 or not moving.any():
        return pd.DataFrame(columns=CLIMB_PIECE_COLUMNS)
    key = np.where(code == 1, 1, 2) * 100000 + sid
    bouts = _pieces(key, moving)
    # Per row: its bout, the bout's start and length, and which equal share of it it is in.
    bout_of = np.full(d.size, -1, int)
    mark = np.zeros(d.size + 1, int)
    np.add.at(mark, bouts[:, 0], 1)
    np.add.at(mark, bouts[:, 1], -1)
    inside = np.cumsum(mark[:-1]) > 0
    bout_of[inside] = np.searchsorted(bouts[:, 0], np.flatnonzero(inside), side="right") - 1
    nxt = np.minimum(bouts[:, 1], d.size - 1)
    d0, length = d[bouts[:, 0]], d[nxt] - d[bouts[:, 0]]
    n_cut = np.maximum(np.round(length / piece_m), 1.0)
    b = np.maximum(bout_of, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.floor((d - d0[b]) / (length[b] / n_cut[b]))
    share = np.clip(np.nan_to_num(share), 0, n_cut[b] - 1).astype(int)
    sub = np.where(inside, bout_of * 1000 + share, -1)
    r = _pieces(sub, inside)
    st = _stats(r, elapsed_s, distance_m, elevation_m, _row_dt(elapsed_s), moving)
    st.insert(0, "gait", _labels_at(code, r[:, 0]))
    st["segment"] = sid[r[:, 0]] if len(r) else np.array([], dtype=int)
    keep = (st["length_m"] >= min_piece_m) & (st["duration_s"] >= min_piece_s) \
        & np.isfinite(st["vam_m_per_h"]) & (st["avg_grade_pct"] > 0)
    return st.loc[keep, CLIMB_PIECE_COLUMNS].reset_index(drop=True)


def climb_blocks(gait, segment_id, elapsed_s, distance_m, elevation_m, *,
                 block_m: float = 100.0) -> pd.DataFrame:
    """:func:`climb_pieces` in the form :func:`crossover_grade` takes.

    Returns columns gait, grade [fraction], vam_m_per_h, duration_s, length_m.
    """
    p = climb_pieces(gait, segment_id, elapsed_s, distance_m, elevation_m, piece_m=block_m)
    return pd.DataFrame({"gait": p["gait"].to_numpy(dtype=object),
                         "grade": p["avg_grade_pct"].to_numpy(float) / 100.0,
                         "vam_m_per_h": p["vam_m_per_h"].to_numpy(float),
                         "duration_s": p["duration_s"].to_numpy(float),
                         "length_m": p["length_m"].to_numpy(float)})


# ----------------------------------------------------------------------------- model crossover
def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Median of ``x`` with weights ``w`` (the first value where half the weight is reached)."""
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][int(np.searchsorted(cw, 0.5 * cw[-1]))])


class GaitModel:
    """A personal speed-versus-grade model: ``model(grade) -> speed [m/s]``.

    Attributes
    ----------
    gait : str
        ``"hike"`` or ``"run"``.
    seconds : float
        The runner's own climbing data behind the model [s].
    params : dict
        The fitted parameters (hiking: ``tobler_scale``; running: ``flat_speed_mps``,
        ``log_slope``, ``grade_lo``, ``grade_hi``) for reports and tests.
    """

    def __init__(self, gait: str, fn: Callable[[np.ndarray], np.ndarray], seconds: float,
                 params: dict):
        self.gait = gait
        self._fn = fn
        self.seconds = float(seconds)
        self.params = params

    def __call__(self, grade) -> np.ndarray:
        return self._fn(np.asarray(grade, dtype=float))

    def __repr__(self) -> str:  # pragma: no cover
        return f"GaitModel({self.gait!r}, {self.seconds:.0f} s, {self.params})"


def _binned(g: np.ndarray, v: np.ndarray, w: np.ndarray, prior: Callable, *, shrink_s: float,
            min_bin_s: float, bin_width: float, max_grade: float) -> Callable:
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
    b = np.clip(np.digitize(g, edges) - 1, 0, centres.size - 1)
    seconds = np.bincount(b, weights=w, minlength=centres.size)
    p = np.asarray(prior(centres), float)
    rel = v / np.asarray(prior(g), float)
    est = p.copy()
    for i in np.flatnonzero(seconds >= min_bin_s):  # one per bin (<= 24)
        sel = b == i
        wt = seconds[i] / (seconds[i] + shrink_s)
        est[i] = p[i] * (wt * _weighted_median(rel[sel], w[sel]) + (1.0 - wt))
    est = _isotonic_decreasing(est, np.maximum(seconds, 1.0))
    ratio = est / p
    # Between the bin centres the prior times the interpolated ratio may rise a little: the
    # curve is tabulated on a fine grid and held non-increasing there.
    grid = np.linspace(0.0, max_grade, int(round(max_grade / 0.0005)) + 1)
    curve = np.minimum.accumulate(np.asarray(prior(grid), float) * np.interp(grid, centres, ratio))

    def fn(x):
        x = np.asarray(x, float)
        inside = np.interp(x, grid, curve)
        return np.where(x < 0, np.asarray(prior(x), float) * ratio[0], inside)

    return fn


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
) -> GaitModel:
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
    GaitModel
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
    k_data = _weighted_median(v[use] / tobler_speed_mps(g[use]), w[use]) if n > 0 else prior_tobler_scale
    k = (n * k_data + shrink_s * prior_tobler_scale) / (n + shrink_s)

    def prior(x):
        return np.minimum(k * tobler_speed_mps(x), v_wrt_mps(x))

    fn = _binned(g, v, w, prior, shrink_s=shrink_s, min_bin_s=min_bin_s, bin_width=bin_width,
                 max_grade=max_grade)
    return GaitModel(HIKE, fn, float(w.sum()), {"tobler_scale": float(k)})


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
) -> GaitModel:
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
    GaitModel
        ``params``: ``flat_speed_mps`` (``L`` at the duration-weighted mean grade),
        ``log_slope``, ``grade_lo``, ``grade_hi`` (range of the running pieces).
    """
    from ..processing.gap import gap_factor

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
    slope, level = 0.0, _weighted_median(y, w)
    if g.size >= 3 and g_hi - g_lo > 1e-6:
        (b, a), cov = _huber_line(g - g_mid, y, w)
        var_b = float(cov[0, 0]) if np.isfinite(cov[0, 0]) else np.inf
        slope = float(np.clip(b * slope_prior_sd ** 2 / (slope_prior_sd ** 2 + var_b),
                              -max_decline, max_decline))
        level = float(a)

    def prior(x):
        # Fading running is extrapolated; rising effort is held at its steepest observed level.
        hi = np.inf if slope < 0 else g_hi
        xx = np.clip(x, g_lo, hi)
        return np.exp(level + slope * (xx - g_mid)) / gap_factor(x, model=gap_model)

    binned = _binned(g, v, w, prior, shrink_s=shrink_s, min_bin_s=min_bin_s,
                     bin_width=bin_width, max_grade=max_grade)
    vam_top = float(binned(np.array([g_hi]))[0]) * g_hi

    def fn(x):
        # Steeper than the runner ever ran, running climbs no faster than at their steepest.
        out = binned(x)
        if hold_vam and g_hi > 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.where(x > g_hi, np.minimum(out, vam_top / x), out)
        return out

    return GaitModel(RUN, fn, float(w.sum()),
                     {"flat_speed_mps": float(np.exp(level)), "log_slope": slope,
                      "grade_lo": g_lo, "grade_hi": g_hi})


def model_crossover_grade(hike_model: Callable, run_model: Callable, *, lo: float = 0.05,
                          hi: float = 0.45, step: float = 0.001) -> Optional[float]:
    """First grade in ``[lo, hi]`` where the hiking model climbs as fast as the running model.

    At one grade vertical speed is speed × grade, so equal vertical speed is equal speed.
    Running must be the faster gait at ``lo`` (else hiking wins everywhere searched: no
    crossover to speak of); the crossing is located on a ``step`` grid and refined linearly.

    Returns
    -------
    float or None
        [fraction]; ``None`` when running stays faster up to ``hi`` or is slower from ``lo``.
    """
    if not (0 < lo < hi) or not step > 0:
        raise ValueError(f"need 0 < lo < hi and step > 0, got lo={lo}, hi={hi}, step={step}")
    g = np.arange(lo, hi + step / 2, step)
    diff = np.asarray(run_model(g), float) - np.asarray(hike_model(g), float)
    if not np.all(np.isfinite(diff)) or not diff[0] > 0:
        return None
    below = np.flatnonzero(diff <= 0)
    if below.size == 0:
        return None
    i = int(below[0])
    return float(g[i - 1] + step * diff[i - 1] / (diff[i - 1] - diff[i]))


#: Columns of :func:`gait_model_curves` (``HikeRun.gait_models``).
GAIT_MODEL_COLUMNS = ["grade_pct", "run_vam_m_per_h", "hike_vam_m_per_h",
                      "run_speed_mps", "hike_speed_mps"]


def gait_model_curves(hike_model: Callable, run_model: Callable, *, lo: float = 0.0,
                      hi: float = 0.45, step: float = 0.005) -> pd.DataFrame:
    """Vertical speed of each gait model on a grade grid (what the report draws).

    Returns
    -------
    DataFrame with :data:`GAIT_MODEL_COLUMNS` (grade in [%], VAM in [m/h]).
    """
    g = np.arange(lo, hi + step / 2, step)
    vr = np.asarray(run_model(g), float)
    vh = np.asarray(hike_model(g), float)
    return pd.DataFrame({"grade_pct": 100.0 * g, "run_vam_m_per_h": vr * g * 3600.0,
                         "hike_vam_m_per_h": vh * g * 3600.0, "run_speed_mps": vr,
                         "hike_speed_mps": vh})


def crossover_from_models(
    pieces: pd.DataFrame,
    *,
    prior_tobler_scale: float = 1.3,
    gap_model: str = "strava2017",
    min_run_s: float = 180.0,
    min_hike_s: float = 180.0,
    min_run_grade: float = 0.03,
    lo: float = 0.05,
    hi: float = 0.45,
) -> tuple[Optional[float], pd.DataFrame]:
    """Crossover grade from the runner's own hiking and running models (2C), for when the
    runner never hiked and ran at the same grades.

    Parameters
    ----------
    pieces : DataFrame
        :func:`climb_pieces` output: gait, avg_grade_pct [%], speed_mps, duration_s.
    prior_tobler_scale : float
        Hiking prior ``k`` (:func:`hiking_model`).
    gap_model : str
        GAP factor of the running model (:func:`running_model`).
    min_run_s, min_hike_s : float
        Running on climbs of at least ``min_run_grade`` and hiking on climbs the models need
        before they speak [s].
    min_run_grade : float
        Flatter running pieces are left out of the running model [fraction].
    lo, hi : float
        Grades searched [fraction].

    Returns
    -------
    crossover : float or None
        [fraction].
    curves : DataFrame
        :func:`gait_model_curves` of the two models (empty when either lacks data).
    """
    empty = pd.DataFrame(columns=GAIT_MODEL_COLUMNS)
    need = {"gait", "avg_grade_pct", "speed_mps", "duration_s"}
    if pieces is None or len(pieces) == 0 or not need <= set(pieces.columns):
        return None, empty
    gait = pieces["gait"].to_numpy(dtype=object)
    g = pd.to_numeric(pieces["avg_grade_pct"], errors="coerce").to_numpy(float) / 100.0
    v = pd.to_numeric(pieces["speed_mps"], errors="coerce").to_numpy(float)
    w = pd.to_numeric(pieces["duration_s"], errors="coerce").to_numpy(float)
    ok = np.isfinite(g) & np.isfinite(v) & np.isfinite(w) & (v > 0) & (w > 0) & (g > 0)
    run = ok & (gait == RUN) & (g >= min_run_grade)
    hike = ok & (gait == HIKE)
    if w[run].sum() < min_run_s or w[hike].sum() < min_hike_s:
        return None, empty
    hm = hiking_model(g[hike], v[hike], w[hike], prior_tobler_scale=prior_tobler_scale)
    rm = running_model(g[run], v[run], w[run], gap_model=gap_model)
    return model_crossover_grade(hm, rm, lo=lo, hi=hi), gait_model_curves(hm, rm, hi=hi)


# ----------------------------------------------------------------------------- verdicts
FLAG_COLUMNS = ["start_m", "end_m", "avg_grade_pct", "run_vam_m_per_h", "hike_vam_m_per_h",
                "start_time_s", "duration_s", "speed_mps", "model_speed_mps", "ratio",
                "time_lost_s", "verdict"]


def ran_should_hike(
    pieces: pd.DataFrame,
    hike_model: SpeedModel,
    climb_duration_s: np.ndarray,
    *,
    min_bout_s: float = 30.0,
    min_grade: float = 0.10,
    should_hike_ratio: float = 1.05,
    marginal_ratio: float = 1.15,
    hike_favoured_grade: float = 0.28,
    long_climb_s: float = 300.0,
) -> pd.DataFrame:
    """Running bouts on climbs that were no faster than the runner's own hiking (2C steps 2-3).

    Parameters
    ----------
    pieces : DataFrame
        :func:`piece_table` output (bouts cut to climbs).
    hike_model : SpeedModel
        The runner's hiking speed by grade.
    climb_duration_s : array
        Moving time of each climb, indexed by ``pieces.segment`` [s].
    min_bout_s, min_grade : float
        Running pieces shorter [s] or flatter [fraction] than this are not judged.
    should_hike_ratio : float
        ``R = v_run / v_hike`` at or below this: running bought no speed.
    marginal_ratio : float
        ``R`` up to this is flagged on long climbs (over ``long_climb_s``) or above
        ``hike_favoured_grade``, where hiking is cheaper (Giovanelli 2016).

    Returns
    -------
    DataFrame with :data:`FLAG_COLUMNS`; ``time_lost_s`` is ``duration·(1 - R)`` (negative:
    seconds running bought).
    """
    p = pieces[(pieces["gait"] == RUN) & (pieces["duration_s"] >= min_bout_s)
               & (pieces["avg_grade_pct"] >= 100 * min_grade)]
    if len(p) == 0:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    g = p["avg_grade_pct"].to_numpy(float) / 100.0
    v = p["speed_mps"].to_numpy(float)
    vh = hike_model(g)
    ratio = v / vh
    long_climb = np.asarray(climb_duration_s, float)[p["segment"].to_numpy(int)] > long_climb_s
    steep = g >= hike_favoured_grade
    flag = (ratio <= should_hike_ratio) | ((ratio <= marginal_ratio) & (long_climb | steep))
    verdict = np.where(ratio <= should_hike_ratio, "hike: running bought no speed",
                       np.where(steep, "hike: hiking is cheaper this steep",
                                "marginal: hike to save energy on a long climb"))
    out = pd.DataFrame({
        "start_m": p["start_m"].to_numpy(float), "end_m": p["end_m"].to_numpy(float),
        "avg_grade_pct": 100 * g, "run_vam_m_per_h": p["vam_m_per_h"].to_numpy(float),
        "hike_vam_m_per_h": vh * g * 3600.0, "start_time_s": p["start_s"].to_numpy(float),
        "duration_s": p["duration_s"].to_numpy(float), "speed_mps": v, "model_speed_mps": vh,
        "ratio": ratio, "time_lost_s": p["duration_s"].to_numpy(float) * (1 - ratio),
        "verdict": verdict,
    })
    return out[flag].reset_index(drop=True)


def hiked_could_run(
    pieces: pd.DataFrame,
    run_model: SpeedModel,
    *,
    min_bout_s: float = 30.0,
    max_grade: float = 0.12,
    could_run_ratio: float = 1.25,
) -> pd.DataFrame:
    """Hiking bouts on gentle climbs where the runner's own running is much faster (2C step 4).

    Parameters
    ----------
    pieces : DataFrame
        :func:`piece_table` output.
    run_model : SpeedModel
        The runner's running speed by grade.
    min_bout_s : float
        Shorter hiking pieces are not judged [s].
    max_grade : float
        Only pieces flatter than this are judged [fraction].
    could_run_ratio : float
        Flag when ``v_run_model / v_hike > could_run_ratio``.

    Returns
    -------
    DataFrame with :data:`FLAG_COLUMNS`; ``time_lost_s = duration·(1 - v_hike/v_run)``.
    """
    p = pieces[(pieces["gait"] == HIKE) & (pieces["duration_s"] >= min_bout_s)
               & (pieces["avg_grade_pct"] < 100 * max_grade) & (pieces["avg_grade_pct"] > 0)]
    if len(p) == 0:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    g = p["avg_grade_pct"].to_numpy(float) / 100.0
    v = p["speed_mps"].to_numpy(float)
    vr = run_model(g)
    ratio = vr / v
    out = pd.DataFrame({
        "start_m": p["start_m"].to_numpy(float), "end_m": p["end_m"].to_numpy(float),
        "avg_grade_pct": 100 * g, "run_vam_m_per_h": vr * g * 3600.0,
        "hike_vam_m_per_h": p["vam_m_per_h"].to_numpy(float),
        "start_time_s": p["start_s"].to_numpy(float),
        "duration_s": p["duration_s"].to_numpy(float), "speed_mps": v, "model_speed_mps": vr,
        "ratio": ratio, "time_lost_s": p["duration_s"].to_numpy(float) * (1 - 1 / ratio),
        "verdict": "run: you usually run this grade much faster",
    })
    return out[ratio > could_run_ratio].reset_index(drop=True)
