"""What a recording's sampling lets the descent score see: sample spacing, noise, steadiness.

Issue 14 item 5 (the same answer however the watch recorded): where the samples behind the
1 Hz grid sit (:func:`sample_knots`, :func:`sample_interval_s`, :func:`dense_share`), the
noise of the speed source (:func:`speed_noise_mps`), and the cadence statistics that must read
the same from a 1 s and a sparse recording (:func:`midmean`, :func:`cadence_steadiness_cv`,
:func:`steadiness_reference_cv`). :mod:`.descent` builds the score from them.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from ..processing.stats import mad_sigma, median
from ..processing.stepped import (BURST_HALF_WINDOW, BURST_RATIO, STEPPED_SHARE,  # noqa: F401  (re-exported)
                                  stepped_update_interval_s)

__all__ = ["midmean", "speed_noise_mps", "sample_knots", "sample_interval_s", "dense_share", "cadence_steadiness_cv",
           "steadiness_reference_cv", "stepped_update_interval_s"]



def midmean(x: np.ndarray) -> float:
    """Interquartile mean: the mean of the values between the quartiles (NaN when empty).

    As robust as the median to a few dropouts, but continuous: a watch writes cadence in whole
    strides/min (2 spm steps), so the median of a 1 s descent jumps by whole steps while the
    median of the same descent recorded sparsely (interpolated between samples) does not.
    """
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan")
    q1, q3 = np.percentile(x, [25, 75])
    mid = x[(x >= q1) & (x <= q3)]
    return float(np.mean(mid))


def speed_noise_mps(speed_mps: np.ndarray) -> float:
    """Measured noise of a speed stream: robust σ of its departures from a 5-row running median [m/s].

    Doppler speed at 1 Hz gives ~0.05-0.15 m/s, speed differenced from GPS positions several
    times that; NaN under 10 finite rows.
    """
    v = np.asarray(speed_mps, dtype=float)
    if np.count_nonzero(np.isfinite(v)) < 10:
        return float("nan")
    import pandas as pd

    med = pd.Series(v).rolling(5, center=True, min_periods=3).median().to_numpy()
    r = v - med
    r = r[np.isfinite(r)]
    return mad_sigma(r) if r.size >= 10 else float("nan")


def sample_knots(*columns: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """Rows of the time grid that hold a recorded sample (None when no column tells).

    The grid interpolates sensor columns linearly between samples, so a sample sits where a
    column's second difference is not zero. The knots of all the columns given (cadence,
    heart rate: unsmoothed sensors) are pooled, and the first and last rows count. A sample
    whose values all repeat the previous ones leaves no knot.
    """
    knot = None
    for col in columns:
        if col is None:
            continue
        x = np.asarray(col, dtype=float)
        if x.size < 5:
            continue
        with np.errstate(invalid="ignore"):
            d2 = np.r_[True, np.abs(np.diff(x, 2)) > 1e-6, True]
        knot = d2 if knot is None else (knot | d2)
    return knot


def sample_interval_s(*columns: Optional[np.ndarray], dt_s: float = 1.0) -> float:
    """Interval between the recorded samples behind rows of the time grid [s]: rows per
    knot of :func:`sample_knots` (a 1 s recording of a steady runner reads a little over
    1 s); ``dt_s`` when no column has a knot."""
    knot = sample_knots(*columns)
    if knot is None or knot.sum() <= 2:
        return float(dt_s)
    return float(dt_s * max(1.0, (knot.size - 2) / (np.count_nonzero(knot) - 2)))


def dense_share(knots: Optional[np.ndarray], max_interval_s: float, *, dt_s: float = 1.0) -> float:
    """Share of the spacings between samples that are at most ``max_interval_s`` [-].

    A smart-recording watch writes a point when speed or heading changes, so its spacing is
    short exactly where a brake happens even when it is 10 s on steady ground; a fixed
    sparse interval never is. NaN without knots.
    """
    if knots is None or np.count_nonzero(knots) < 2:
        return float("nan")
    gaps = np.diff(np.flatnonzero(knots)) * dt_s
    return float(np.mean(gaps <= max_interval_s))


def cadence_steadiness_cv(cadence_spm: np.ndarray, rows: np.ndarray, *, window_rows: int = 5) -> float:
    """Cadence steadiness: spread of the cadence over ``rows``, as a fraction of its median [-].

    The cadence is first averaged over a centred ``window_rows`` window (5 s at 1 Hz), so the
    spread measures the rhythm changing over a few steps (the cadence dropping in a braking
    surge), not the sensor's one-second jitter or the 2 spm steps of a cadence written in
    strides/min; the same smoothing makes a sparse recording, linearly interpolated between
    samples, read like a 1 s one. The spread is the interquartile range / 1.349 (the σ of a
    normal distribution), with linearly interpolated quartiles, so it moves continuously.
    NaN under 5 rows.
    """
    return _spread_cv(_smoothed_cadence(cadence_spm, window_rows)[np.asarray(rows, bool)])


def _smoothed_cadence(cadence_spm: np.ndarray, window_rows: int) -> np.ndarray:
    """Cadence [spm] averaged over a centred ``window_rows`` window (missing and zero cadence
    left out)."""
    import pandas as pd

    c = np.where(np.isfinite(cadence_spm) & (np.asarray(cadence_spm, float) > 0), cadence_spm, np.nan)
    return pd.Series(c).rolling(window_rows, center=True, min_periods=1).mean().to_numpy()


def _spread_cv(smoothed_spm: np.ndarray) -> float:
    """Interquartile range / 1.349 over the median of the finite values [-]; NaN under 5."""
    sm = smoothed_spm[np.isfinite(smoothed_spm)]
    if sm.size < 5:
        return float("nan")
    q1, med, q3 = np.percentile(sm, [25, 50, 75])
    return float((q3 - q1) / 1.349 / med) if med > 0 else float("nan")


def steadiness_reference_cv(cadence_spm: np.ndarray, rows: np.ndarray, *, block_rows: int = 60,
                            window_rows: int = 5) -> float:
    """The runner's typical cadence steadiness over ``rows`` (e.g. all their downhill running in
    the activity): median of :func:`cadence_steadiness_cv` over consecutive blocks of
    ``block_rows`` rows of each run of ``rows`` [-] (NaN without a block of 30 rows or more).

    Blocks keep the spread within a minute of running, so a change of cadence between one
    descent and the next (another grade, another speed) does not read as unsteadiness.
    """
    m = np.asarray(rows, bool)
    # Smoothed once for the whole activity: the same values each block's own call would see.
    sm = _smoothed_cadence(np.asarray(cadence_spm, float), window_rows)
    edges = np.diff(np.r_[0, m.astype(np.int8), 0])
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    vals = []
    for a, b in zip(starts, stops):
        for k in range(a, b, block_rows):
            e = min(b, k + block_rows)
            if e - k < block_rows // 2:
                continue
            x = _spread_cv(sm[k:e])
            if np.isfinite(x):
                vals.append(x)
    return float(median(np.asarray(vals))) if vals else float("nan")
