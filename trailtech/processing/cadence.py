"""Cadence cleaning and the runner's flat running cadence (steps per minute, both feet).

The flat running cadence is the reference for coaching on descents (science.md topic 3):
the median cadence over samples that are *running* (cadence above the walk/run threshold,
140 spm by default, Hum Mov Sci 2023) and *moving*, on *flat* ground (|grade| < 2 %).
Hilly courses may have little flat ground; the grade band is then widened step by step
and the band used is reported.
"""

from __future__ import annotations

import numpy as np

from .filters import fill_nan, running_median_at, running_range

__all__ = ["clean_cadence", "flat_cadence", "FLAT_BANDS"]

#: Grade bands tried in turn when there is too little flat running (fraction).
FLAT_BANDS: tuple[float, ...] = (0.02, 0.04, 0.06, 0.10, 0.15)


def clean_cadence(
    cadence_spm,
    *,
    max_spm: float = 250.0,
    spike_window: int = 7,
    spike_threshold_spm: float = 40.0,
) -> tuple[np.ndarray, int]:
    """Drop cadence values no runner produces.

    * values above ``max_spm`` (sensor garbage; sprinters peak near 240 spm) or negative;
    * spikes: a value more than ``spike_threshold_spm`` away from its running median while
      the median itself is a running/walking cadence — cadence changes smoothly over a few
      seconds, a one-sample jump is a sensor glitch. A value of 0 next to a stop is left alone.

    Parameters
    ----------
    cadence_spm : array_like
        Cadence on a uniform time grid [1/min], NaN where missing.
    max_spm : float
        Highest plausible cadence [1/min].
    spike_window : int
        Samples in the running median.
    spike_threshold_spm : float
        Largest plausible departure from the running median [1/min].

    Returns
    -------
    cadence_spm : numpy.ndarray
        Cleaned cadence (rejected values NaN).
    n_rejected : int
    """
    if not max_spm > 0:
        raise ValueError(f"max_spm must be > 0, got {max_spm}")
    c = np.asarray(cadence_spm, dtype=float).copy()
    ok = np.isfinite(c)
    bad = ok & ((c > max_spm) | (c < 0))
    c[bad] = np.nan
    ok &= ~bad
    if ok.sum() >= 3 and spike_window >= 3:
        filled = fill_nan(c)
        # A value lies within its window's range of the window's median: only where that
        # range exceeds the threshold can it be a spike, so only there is the median taken.
        rows = np.flatnonzero(ok & (running_range(filled, spike_window | 1) > spike_threshold_spm))
        med = running_median_at(filled, spike_window | 1, rows)
        cr = c[rows]
        spike = np.zeros(c.size, dtype=bool)
        spike[rows] = (np.abs(cr - med) > spike_threshold_spm) & (med > 0) & (cr > 0)
        c[spike] = np.nan
        bad |= spike
    return c, int(bad.sum())


def flat_cadence(
    cadence_spm,
    grade,
    moving,
    *,
    run_threshold_spm: float = 140.0,
    flat_grade_max: float = 0.02,
    min_samples: int = 60,
    bands: tuple[float, ...] = FLAT_BANDS,
) -> tuple[float | None, float | None]:
    """The runner's flat running cadence [1/min].

    Parameters
    ----------
    cadence_spm : array_like
        Clean cadence per time-grid sample [1/min].
    grade : array_like
        Grade per sample (fraction); NaN without elevation (all grades then count as flat,
        and the band returned is ``inf``).
    moving : array_like of bool
        Moving state per sample.
    run_threshold_spm : float
        Cadence above which a sample counts as running [1/min].
    flat_grade_max : float
        |grade| below which ground is flat (fraction).
    min_samples : int
        Samples needed in a band before its median is trusted (60 = one minute at 1 Hz).
    bands : tuple of float
        Wider bands tried in turn when the flat one has too few samples.

    Returns
    -------
    cadence_spm : float or None
        Median running cadence on the widest band needed; None with no running samples.
    band : float or None
        The |grade| limit actually used (``flat_grade_max`` normally; larger means the band
        was widened; ``inf`` means grade was unknown or every band was too sparse).
    """
    c = np.asarray(cadence_spm, dtype=float)
    g = np.asarray(grade, dtype=float)
    m = np.asarray(moving, dtype=bool)
    if not (c.shape == g.shape == m.shape):
        raise ValueError("cadence_spm, grade and moving must have the same shape")
    running = m & np.isfinite(c) & (c > run_threshold_spm)
    if not running.any():
        return None, None
    if not np.isfinite(g[running]).any():
        return float(np.median(c[running])), float("inf")
    tried = sorted({float(flat_grade_max), *[b for b in bands if b > flat_grade_max]})
    absg = np.abs(g)
    for band in tried:
        sel = running & (absg < band)
        if sel.sum() >= min_samples:
            return float(np.median(c[sel])), band
    return float(np.median(c[running])), float("inf")
