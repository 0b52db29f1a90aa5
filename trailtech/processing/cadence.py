"""Cadence cleaning (steps per minute, both feet).

The runner's flat running cadence is not computed here: it is the cadence of the rows the gait
classification calls running (:mod:`trailtech.analysis.baseline`), one definition of running.
"""

from __future__ import annotations

import numpy as np

from .filters import fill_nan, running_median_at, running_range

__all__ = ["clean_cadence"]


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
