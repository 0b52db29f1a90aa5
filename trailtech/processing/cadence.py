"""Cadence cleaning (steps per minute, both feet).

The runner's flat running cadence is not computed here: it is the cadence of the rows the gait
classification calls running (:mod:`trailtech.analysis.baseline`), one definition of running.
"""

from __future__ import annotations

import numpy as np

from .filters import fill_nan, running_median_at, running_range

__all__ = ["clean_cadence", "half_rate_rows"]


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


def half_rate_rows(cadence_spm, speed_mps, moving, *, min_speed_mps: float = 2.2, max_step_m: float = 1.9,
                   doubled_step_m: tuple[float, float] = (0.6, 1.6), max_half_rate_spm: float = 120.0,
                   min_running_spm: float = 140.0, min_run_rows: int = 20, bridge_rows: int = 3) -> np.ndarray:
    """Rows where the cadence reads half the step rate: sustained stretches the watch wrote in
    strides/min although the file is in steps/min (or the other way round before the reader's
    whole-file doubling).

    A cadence is half the step rate where the step it implies is longer than anyone runs or
    walks at that speed (``speed / (cadence / 60)`` over ``max_step_m`` at ``min_speed_mps`` or
    faster: 86 spm at 3.1 m/s means 2.2 m steps), while twice the cadence gives a human step
    (``doubled_step_m``: 1.08 m there) and the cadence is below ``max_half_rate_spm`` (the
    reader's whole-file test: no one runs at under 120 steps/min; a 171 spm reading at a
    GPS-glitch speed is left alone), and twice the cadence is a running cadence (at least
    ``min_running_spm``: what is doubled is a running stride count; a stretch at 67 spm and
    2.6 m/s in a multisport file, 134 doubled, is neither and is left alone). Only stretches of at least ``min_run_rows`` rows count
    (short interruptions of ``bridge_rows`` rows or fewer bridged), so a single dropout is not
    doubled.

    Parameters
    ----------
    cadence_spm, speed_mps : array
        Cadence [1/min] and speed [m/s] per 1 s row.
    moving : array of bool
        Rows the runner was moving.

    Returns
    -------
    numpy.ndarray of bool
        The rows to double.
    """
    c = np.asarray(cadence_spm, dtype=float)
    v = np.asarray(speed_mps, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        step = v / (c / 60.0)
        hit = (np.asarray(moving, bool) & np.isfinite(step) & (c < max_half_rate_spm) & (2 * c >= min_running_spm)
               & (v >= min_speed_mps)
               & (step > max_step_m) & (step / 2 >= doubled_step_m[0]) & (step / 2 <= doubled_step_m[1]))
    if not hit.any():
        return hit
    # Runs of hits, bridging short interruptions; keep the long ones.
    idx = np.flatnonzero(hit)
    breaks = np.flatnonzero(np.diff(idx) > bridge_rows + 1)
    starts, ends = idx[np.r_[0, breaks + 1]], idx[np.r_[breaks, idx.size - 1]]
    keep = np.zeros_like(hit)
    for a, b in zip(starts, ends):
        if b - a + 1 >= min_run_rows:
            keep[a:b + 1] = True
    return hit & keep
