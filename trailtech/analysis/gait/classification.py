"""Gait per timeline row: hiking, running or stopped (science.md 2A).

* From cadence: a per-activity walk/run threshold at the centre of the empty trough between
  the walking and running peaks of the cadence histogram of every moving row (2-spm bins;
  clamped to 115-155 spm; 140 spm when there are no walking and running peaks clearly
  apart), a ±5 spm hysteresis with a 5 s dwell, a 10 s majority filter, and bouts shorter
  than 15 s merged into their neighbours.
* Without cadence: hike when slower than ``v_wrt(g) = max(0.9, 2.0 - 4.0 max(g, 0))`` m/s
  (heuristic from Brill & Kram 2021 and Hum Mov Sci 2023), scaled down for a runner whose own
  flat running pace is slow (:mod:`.anchor`, issue 15), with the same post-processing.

The result is one int8 code per row (:data:`~trailtech.timeline.GAIT_STOP`, ``GAIT_HIKE``,
``GAIT_RUN``), the one representation of gait every analysis reads: "running" is
``gait == GAIT_RUN`` for the flat cadence, the descent cadence and the speed models alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...config import AnalysisConfig
from ...timeline import GAIT_HIKE, GAIT_RUN, GAIT_STOP, Timeline
from ..segments import runs
from .anchor import flat_running_speed_mps
from .bouts import row_dt_s
from .trough import trough_centre

__all__ = [
    "gait_smoothing_samples",
    "cadence_threshold",
    "classify_cadence",
    "classify_speed",
    "v_wrt_mps",
    "speed_rule_scale",
    "clean_bouts",
    "gait_codes",
    "analysis_moving",
    "has_step_cadence",
    "GaitClassification",
    "classify_gait",
    "gait_confidence",
]

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
    lo_spm: float = 115.0,
    hi_spm: float = 155.0,
    min_separation_spm: float = 20.0,
    boundary_spm: float = 135.0,
    min_grade: float = -1.0,
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
    boundary_spm : float
        The walking peak must lie below it and the running peak above it (else the runner
        walked at two paces, or ran at two, and the default applies) [spm].
    min_grade : float
        Only samples at least this steep are used [fraction]; the default, -1, takes every
        moving row (rows without a grade too): the split is applied to every row, and a
        runner with no climbing, or little, still has two gaits on the flat (issue 15).
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
    sel = np.asarray(moving, dtype=bool) & ~(g < min_grade) & (c >= 60) & (c <= 220)
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
    # The middle of the empty trough between the runner's two gaits, not its emptiest bin nor
    # the middle of the two modes: a flat, nearly empty trough puts its minimum anywhere (122
    # spm on one run, 155 on another), and a fast hiker's long tail of brisk hiking puts the
    # walking mode far from the trough's edge (issue 15). The trough is the stretch around its
    # lowest point (histogram smoothed over 10 spm) that stays below a quarter of the way up to
    # the lower of the two peaks; the split is its centre, so a few spm either way move few
    # seconds between gaits.
    # Two walking paces (or two running ones) are no walk/run split: the runner never ran (or
    # never walked), and no split is forced on them.
    centre = trough_centre(hist.astype(float), edges, min_separation_spm=min_separation_spm,
                           boundary_spm=boundary_spm)
    if centre is None:
        return float(default_spm), False
    return float(np.clip(centre, lo_spm, hi_spm)), True


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


def speed_rule_scale(speed_mps: np.ndarray, grade: np.ndarray, heart_rate_bpm: np.ndarray,
                     dt_s: np.ndarray, config: AnalysisConfig) -> float:
    """Factor (0-1] on the speed rule's ``v_wrt(g)`` for one activity's moving rows (issue 15): 1
    unless the runner's flat running pace (:func:`.anchor.flat_running_speed_mps`) times
    ``config.gait_anchor_ratio`` is slower than ``v_wrt(0)``."""
    v_run = flat_running_speed_mps(speed_mps, grade, heart_rate_bpm, dt_s,
                                   jog_min_mps=config.gait_jog_min_mps,
                                   jog_min_hr_bpm=config.gait_jog_min_hr_bpm)
    if not np.isfinite(v_run):
        return 1.0
    return float(min(1.0, config.gait_anchor_ratio * v_run / float(v_wrt_mps(np.zeros(1))[0])))


def classify_speed(speed_mps: np.ndarray, grade: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Hike (True) or run (False) from speed and grade, for files without cadence [H]: slower
    than ``scale · v_wrt(g)`` (``scale`` from the runner's flat pace, :mod:`.anchor`)."""
    v = np.asarray(speed_mps, dtype=float)
    return np.nan_to_num(v, nan=0.0) < scale * v_wrt_mps(grade)


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


def gait_codes(
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
    speed_scale: float = 1.0,
) -> np.ndarray:
    """Gait code of every row: ``GAIT_STOP`` where not ``moving``, else ``GAIT_HIKE`` or ``GAIT_RUN``.

    The moving rows are classified as one sequence (stops do not break the hysteresis or the
    bout filters: a pause does not change the runner's gait).

    Parameters
    ----------
    moving : array of bool, shape (n,)
        Rows to classify (:func:`analysis_moving`).
    speed_mps, grade : array, shape (n,)
        [m/s], [fraction].
    cadence_spm : array or None
        [spm]; required when ``method="cadence"``.
    threshold_spm, hysteresis_spm : float
        Cadence threshold and band [spm].
    dwell_samples, majority_samples, min_bout_samples : int
        See :func:`classify_cadence` and :func:`clean_bouts`.
    method : {"cadence", "speed"}
    speed_scale : float
        Factor on the speed rule's ``v_wrt(g)`` (:func:`speed_rule_scale`).

    Returns
    -------
    numpy.ndarray of int8, shape (n,)
    """
    mv = np.asarray(moving, dtype=bool)
    codes = np.full(mv.size, GAIT_STOP, dtype=np.int8)
    if method not in ("cadence", "speed"):
        raise ValueError(f"method={method!r}; use 'cadence' or 'speed'")
    if not mv.any():
        return codes
    by_speed = classify_speed(np.asarray(speed_mps, float)[mv], np.asarray(grade, float)[mv], speed_scale)
    if method == "cadence":
        if cadence_spm is None:
            raise ValueError("cadence_spm is required with method='cadence'")
        hike = classify_cadence(np.asarray(cadence_spm, float)[mv], threshold_spm=threshold_spm,
                                hysteresis_spm=hysteresis_spm, dwell_samples=dwell_samples,
                                fallback_hike=by_speed)
    else:
        hike = by_speed
    hike = clean_bouts(hike, majority_samples=majority_samples, min_bout_samples=min_bout_samples)
    codes[mv] = np.where(hike, GAIT_HIKE, GAIT_RUN)
    return codes


def gait_confidence(codes: np.ndarray, speed_mps: np.ndarray, grade: np.ndarray,
                    cadence_spm: Optional[np.ndarray], *, threshold_spm: float,
                    method: str = "cadence", cadence_scale_spm: float = 4.0,
                    speed_scale_mps: float = 0.15, smooth_samples: int = 5,
                    speed_scale: float = 1.0) -> np.ndarray:
    """How sure the gait of each row is, 0.5-1 (NaN where stopped) (issue 15).

    The probability of the row's own gait under a logistic around the split: with cadence,
    ``1 / (1 + exp(-(c - split) / cadence_scale_spm))`` is the probability of running, ``c``
    the running median of ``smooth_samples`` cadences (one stray step count is no doubt);
    from speed, the same around the walk-run speed ``v_wrt(g)`` with ``speed_scale_mps``. A
    second whose label the bout filters set against its own cadence (a short blip merged
    into its neighbours) gets less than 0.5 of its own side, i.e. the doubt it deserves.

    Parameters
    ----------
    codes : array of int8
        Gait code per row.
    speed_mps, grade : array
        [m/s], [fraction].
    cadence_spm : array or None
        [spm] (None with the speed method).
    threshold_spm : float
        The walk/run split [spm].
    method : {"cadence", "speed"}
    cadence_scale_spm, speed_scale_mps : float
        Width of the logistic [spm], [m/s]: about the hysteresis band.
    smooth_samples : int
        Window of the running median of cadence.
    speed_scale : float
        Factor on ``v_wrt(g)`` the speed method used (:func:`gait_codes`).

    Returns
    -------
    numpy.ndarray of float
    """
    import pandas as pd

    code = np.asarray(codes, dtype=np.int8)
    out = np.full(code.size, np.nan)
    mv = code != GAIT_STOP
    if not mv.any():
        return out
    if method == "cadence" and cadence_spm is not None:
        c = pd.Series(np.asarray(cadence_spm, float)[mv]).rolling(
            smooth_samples, center=True, min_periods=1).median().to_numpy()
        z = (c - threshold_spm) / cadence_scale_spm
    else:
        v = np.asarray(speed_mps, float)[mv]
        z = (v - speed_scale * v_wrt_mps(np.asarray(grade, float)[mv])) / speed_scale_mps
    p_run = 1.0 / (1.0 + np.exp(-np.clip(np.nan_to_num(z, nan=0.0), -50, 50)))
    out[mv] = np.where(code[mv] == GAIT_RUN, p_run, 1.0 - p_run)
    return out


def analysis_moving(timeline: Timeline) -> np.ndarray:
    """Rows the terrain analyses treat as moving: moving, recorded, with a speed, on foot.

    Sessions not on foot (a triathlon's bike leg) are no terrain for a runner: their rows
    count as not moving for every analysis (gait stop, no segments, no score).
    """
    return timeline.moving & ~timeline.gap & np.isfinite(timeline.speed_mps) & timeline.on_foot


def has_step_cadence(timeline: Timeline, moving: np.ndarray) -> bool:
    """Whether at least half of the ``moving`` rows have a step cadence (else gait is judged
    from speed and the descents are scored without cadence)."""
    c = timeline.cadence_spm
    c_ok = np.isfinite(c) & (c > 0)
    return bool(moving.any() and c_ok[moving].mean() >= 0.5)


@dataclass(frozen=True, eq=False)
class GaitClassification:
    """The gait of every timeline row and how it was judged.

    Attributes
    ----------
    codes : numpy.ndarray of int8
        One gait code per timeline row (:meth:`Timeline.with_gait` takes it).
    method : str
        ``"cadence"`` or ``"speed"`` (no usable cadence in the file).
    threshold_spm : float
        The walk/run cadence threshold used [spm]; NaN with the speed method.
    notes : tuple of str
        Warnings for the user.
    confidence : numpy.ndarray or None
        How sure each row's gait is, 0-1 (NaN where stopped; :func:`gait_confidence`).
    speed_scale : float
        Factor the speed method put on ``v_wrt(g)`` (1 with cadence; :mod:`.anchor`).
    """

    codes: np.ndarray
    method: str
    threshold_spm: float
    notes: tuple[str, ...] = ()
    confidence: Optional[np.ndarray] = None
    speed_scale: float = 1.0


def gait_smoothing_samples(config: AnalysisConfig) -> dict[str, int]:
    """:func:`gait_codes`' ``dwell_samples``, ``majority_samples`` and ``min_bout_samples`` from
    ``config.gait_dwell_s``, ``gait_majority_s`` and ``gait_min_bout_s`` [s] on the
    ``time_grid_s`` grid (at least one row each)."""
    return {name: max(1, int(round(seconds / config.time_grid_s)))
            for name, seconds in (("dwell_samples", config.gait_dwell_s),
                                  ("majority_samples", config.gait_majority_s),
                                  ("min_bout_samples", config.gait_min_bout_s))}


def classify_gait(timeline: Timeline, config: AnalysisConfig) -> GaitClassification:
    """Hike, run or stop for every row of ``timeline`` (science.md 2A).

    Parameters
    ----------
    timeline : Timeline
    config : AnalysisConfig
        ``walk_run_*``, ``gait_*`` and ``time_grid_s``.

    Returns
    -------
    GaitClassification
    """
    cfg = config
    moving = analysis_moving(timeline)
    grade = timeline.grade_pct / 100.0
    notes: tuple[str, ...] = ()
    scale = 1.0
    if has_step_cadence(timeline, moving):
        thr, _adaptive = cadence_threshold(
            timeline.cadence_spm, grade, moving, default_spm=cfg.walk_run_cadence_spm,
            lo_spm=cfg.walk_run_clamp_lo_spm, hi_spm=cfg.walk_run_clamp_hi_spm)
        method = "cadence"
    else:
        thr, method = float("nan"), "speed"
        if moving.any():
            scale = speed_rule_scale(timeline.speed_mps[moving], grade[moving],
                                     timeline.heart_rate_bpm[moving],
                                     row_dt_s(timeline.elapsed_s)[moving], cfg)
        if timeline.on_foot.any():
            notes = ("No cadence in this file: hike or run was judged from speed and grade "
                     "(method 'speed', less reliable than cadence).",)
    codes = gait_codes(moving, timeline.speed_mps, grade, timeline.cadence_spm, threshold_spm=thr,
                       hysteresis_spm=cfg.gait_hysteresis_spm, method=method, speed_scale=scale,
                       **gait_smoothing_samples(cfg))
    conf = gait_confidence(codes, timeline.speed_mps, grade, timeline.cadence_spm,
                           threshold_spm=thr, method=method, speed_scale=scale)
    return GaitClassification(codes=codes, method=method, threshold_spm=float(thr), notes=notes,
                              confidence=conf, speed_scale=scale)
