"""Moving versus stopped: the state machine of science.md 4 step 10.

STOPPED once speed < ``stop_speed_mps`` **and** cadence < ``stop_cadence_spm`` (or missing)
**and** |vertical speed| < ``stop_vertical_speed_mps`` (or missing) hold for at least
``stop_min_s``; MOVING again once speed > ``resume_speed_mps`` **or** cadence >
``resume_cadence_spm`` **or** |vertical speed| > ``resume_vertical_speed_mps`` hold for at least
``resume_min_s``. Between the two bands the state is kept (hysteresis). Both confirmations
are retroactive: the whole qualifying run takes the new state, so a 60 s stop is 60 s, not
50. Timer pauses from the device override everything (:func:`pause_mask`).

A slow steep hike (0.8 m/s up 30 %) is moving on speed alone and also on vertical speed
(0.24 m/s); GPS drift while standing stays under the stop thresholds once speed is smoothed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["moving_state", "pause_mask"]


def _long_runs(cond: np.ndarray, min_len: int) -> np.ndarray:
    """Samples belonging to runs of True at least ``min_len`` long."""
    if cond.size == 0:
        return cond.copy()
    c = np.concatenate([[False], cond, [False]])
    edges = np.flatnonzero(np.diff(c.astype(np.int8)))
    starts, ends = edges[::2], edges[1::2]
    keep = (ends - starts) >= min_len
    out = np.zeros(cond.size + 1, dtype=np.int32)
    np.add.at(out, starts[keep], 1)
    np.add.at(out, ends[keep], -1)
    return np.cumsum(out[:-1]) > 0


def moving_state(
    speed_mps,
    cadence_spm=None,
    vertical_speed_mps=None,
    *,
    dt_s: float = 1.0,
    stop_speed_mps: float = 0.3,
    resume_speed_mps: float = 0.5,
    stop_cadence_spm: float = 20.0,
    resume_cadence_spm: float = 60.0,
    stop_vertical_speed_mps: float = 0.1,
    resume_vertical_speed_mps: float = 0.15,
    stop_min_s: float = 10.0,
    resume_min_s: float = 3.0,
) -> np.ndarray:
    """Moving state on a uniform time grid.

    Parameters
    ----------
    speed_mps : array_like
        Smoothed horizontal speed [m/s]; NaN counts as neither slow nor fast.
    cadence_spm : array_like, optional
        Cadence [1/min]; missing (None or NaN) never prevents a stop nor causes a resume.
    vertical_speed_mps : array_like, optional
        Vertical speed [m/s]; same rule for missing values.
    dt_s : float
        Grid step [s].
    stop_*, resume_* : float
        Thresholds and confirmation durations (see module docstring) [m/s, 1/min, s].

    Returns
    -------
    numpy.ndarray of bool
        True where moving. The track starts in the MOVING state.
    """
    if not dt_s > 0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    if resume_speed_mps < stop_speed_mps:
        raise ValueError("resume_speed_mps must be >= stop_speed_mps")
    v = np.asarray(speed_mps, dtype=float)
    n = v.size
    nan = np.full(n, np.nan)
    c = nan if cadence_spm is None else np.asarray(cadence_spm, dtype=float)
    w = nan if vertical_speed_mps is None else np.abs(np.asarray(vertical_speed_mps, dtype=float))
    if c.shape != v.shape or w.shape != v.shape:
        raise ValueError("speed_mps, cadence_spm and vertical_speed_mps must have the same shape")
    stop = (v < stop_speed_mps) & ~(c >= stop_cadence_spm) & ~(w >= stop_vertical_speed_mps)
    resume = (v > resume_speed_mps) | (c > resume_cadence_spm) | (w > resume_vertical_speed_mps)
    stop_run = _long_runs(stop, max(1, int(np.ceil(stop_min_s / dt_s - 1e-9))))
    resume_run = _long_runs(resume & ~stop, max(1, int(np.ceil(resume_min_s / dt_s - 1e-9))))
    # Label confirmed runs (+1 moving, -1 stopped) and carry the last label forward.
    label = np.where(stop_run, -1, np.where(resume_run, 1, 0))
    idx = np.where(label != 0, np.arange(n), -1)
    idx = np.maximum.accumulate(idx) if n else idx
    state = np.where(idx >= 0, label[np.maximum(idx, 0)], 1)
    return state > 0


def pause_mask(elapsed_s, pauses_s) -> np.ndarray:
    """Grid samples inside device timer pauses.

    Parameters
    ----------
    elapsed_s : array_like
        Grid times [s].
    pauses_s : sequence of (start, end)
        Pause intervals on the same time axis [s]; a sample at ``start <= t < end`` is paused.

    Returns
    -------
    numpy.ndarray of bool
    """
    t = np.asarray(elapsed_s, dtype=float)
    out = np.zeros(t.shape, dtype=bool)
    if len(pauses_s) == 0:
        return out
    p = np.asarray(pauses_s, dtype=float).reshape(-1, 2)
    p = p[np.isfinite(p).all(axis=1) & (p[:, 1] > p[:, 0])]
    if p.size == 0:
        return out
    p = p[np.argsort(p[:, 0])]
    # Inside pause j when t >= start_j and t < end_j for the last start before t; merging
    # overlapping pauses by running max of ends keeps this exact.
    ends = np.maximum.accumulate(p[:, 1])
    k = np.searchsorted(p[:, 0], t, side="right") - 1
    inside = k >= 0
    out[inside] = t[inside] < ends[k[inside]]
    return out
