"""Horizontal and vertical speed on the uniform time grid.

Device speed (FIT ``enhanced_speed``, Doppler-derived on GPS watches) beats speed from
position differences: within ±0.1 m/s for 91 % of values while walking and running
(Townshend et al. 2008, science.md 4.5). When the device gives none, speed is the derivative
of cumulative distance, smoothed by a 5 s rolling median and then a 3 s mean. Samples faster
than a runner can go or accelerating harder than a runner can are rejected and interpolated
(science.md 4 step 9).
"""

from __future__ import annotations

import numpy as np

from .filters import fill_nan, running_median, savgol_filter

__all__ = [
    "rolling_median",
    "rolling_mean",
    "speed_from_distance",
    "distance_update_interval_s",
    "displacement_speed",
    "clean_speed",
    "vertical_speed",
]


#: Shortest span a stepped distance is differenced over [s] (in whole update intervals).
STEPPED_SPAN_S = 4.0


def _odd(n: int) -> int:
    return max(1, int(n) | 1)


def rolling_median(values, window: int) -> np.ndarray:
    """Centred running median over ``window`` samples (made odd); NaN samples stay NaN."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    if window == 1 or not ok.any():
        return v.copy()
    out = running_median(fill_nan(v), _odd(window))
    out[~ok] = np.nan
    return out


def rolling_mean(values, window: int) -> np.ndarray:
    """Centred running mean over ``window`` samples (made odd), ignoring NaN neighbours."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    v = np.asarray(values, dtype=float)
    if window == 1:
        return v.copy()
    ok = np.isfinite(v)
    k = np.ones(_odd(window))
    num = np.convolve(np.where(ok, v, 0.0), k, mode="same")
    den = np.convolve(ok.astype(float), k, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[~ok] = np.nan
    return out


def speed_from_distance(
    elapsed_s, distance_m, *, median_window_s: float = 5.0, mean_window_s: float = 3.0
) -> np.ndarray:
    """Speed from cumulative distance on a uniform time grid [m/s].

    Parameters
    ----------
    elapsed_s : array_like
        Uniform grid times [s].
    distance_m : array_like
        Cumulative distance [m] (NaN in gaps).
    median_window_s, mean_window_s : float
        Rolling-median then rolling-mean windows [s].

    Returns
    -------
    numpy.ndarray
        Speed [m/s], NaN where the distance is NaN.
    """
    t = np.asarray(elapsed_s, dtype=float)
    d = np.asarray(distance_m, dtype=float)
    if t.size < 2:
        return np.zeros(t.shape)
    dt = float(np.median(np.diff(t)))
    if not dt > 0:
        raise ValueError("elapsed_s must be increasing")
    update_s = distance_update_interval_s(d, dt_s=dt)
    k = 1
    if np.isfinite(update_s) and update_s >= 1.5 * dt:
        # Whole updates spanning at least STEPPED_SPAN_S: whole-metre distances every 2 s would
        # otherwise read 1.0 or 1.5 m/s for 1.2.
        per = max(1, int(round(update_s / dt)))
        k = per * int(np.ceil(STEPPED_SPAN_S / (per * dt)))
    # A stepped stream delivers its distance in bursts (0, 0, 0, 4 m ...): row by row the
    # speed is zero or several times the truth, and the median below would keep the zeros
    # (a watch writing whole metres every 2-4 s read 0.19 m/s for 0.86). Differenced over its
    # real update interval (k rows, centred: whole updates), each speed holds whole bursts:
    # the distance the stream delivered per second. A stream with a fix every row is
    # differenced row by row (k = 1), as before.
    v = np.full(t.shape, np.nan)
    if t.size > k:
        a = k - k // 2  # rows back: k = 1 is the backward difference into each row
        end = t.size - (k - a)
        v[a:end] = (d[k:] - d[:-k]) / (t[k:] - t[:-k])
        v[:a] = v[a]
        v[end:] = v[end - 1]
    else:
        v[:] = (d[-1] - d[0]) / (t[-1] - t[0])
    v = rolling_median(v, _odd(round(median_window_s / dt)))
    return rolling_mean(v, _odd(round(mean_window_s / dt)))


def distance_update_interval_s(distance_m, *, dt_s: float = 1.0) -> float:
    """The real update interval of a cumulative distance on a uniform grid [s]; NaN when every
    row is a fix.

    Judged on the rows where the distance moves within a few rows (long stops left out):
    bursts carrying most of the distance
    (:func:`trailtech.processing.stepped.stepped_update_interval_s`), or a distance written in
    whole metres with a third or more of those rows without a step (a watch alternating 2 m
    and 0 m every other second, which no burst test sees); then the rows per update.
    """
    from .stepped import BURST_HALF_WINDOW, stepped_update_interval_s

    d = np.asarray(distance_m, dtype=float)
    if d.size < 2:
        return float("nan")
    step = np.r_[np.nan, np.diff(d)]
    ok = np.isfinite(step)
    with np.errstate(invalid="ignore"):
        moved = ok & (step > 0)
    rows = ok & (np.convolve(moved.astype(float), np.ones(2 * BURST_HALF_WINDOW + 1), mode="same") > 0)
    bursts = stepped_update_interval_s(step, rows, dt_s=dt_s)
    if np.isfinite(bursts):
        return bursts
    n, n_moved = int(np.count_nonzero(rows)), int(np.count_nonzero(moved & rows))
    whole_metres = n_moved > 0 and bool(np.all(np.abs(d[np.isfinite(d)] - np.round(d[np.isfinite(d)])) < 1e-6))
    if not whole_metres or n < 2 * BURST_HALF_WINDOW + 1 or n_moved > (2.0 / 3.0) * n:
        return float("nan")
    return float(dt_s * n / n_moved)


def displacement_speed(x_m, y_m, *, window: int, dt_s: float = 1.0) -> np.ndarray:
    """Net displacement speed: the smaller of the straight-line speeds over the ``window``
    samples before and after each sample [m/s].

    Position jitter while standing averages out over a window (1 m of white jitter reads
    ~0.14 m/s over 10 s, against ~1 m/s from step-by-step differences), so this is what the
    stop detector looks at. Taking the smaller of the backward and forward windows keeps the
    edges sharp: a runner who halts at ``t0`` reads ~0 from ``t0`` on (forward window), and
    up to the moment she leaves (backward window).

    Parameters
    ----------
    x_m, y_m : array_like
        Positions on a uniform time grid [m]; NaN where missing.
    window : int
        Window length in samples (>= 1).
    dt_s : float
        Grid step [s].

    Returns
    -------
    numpy.ndarray
        Speed [m/s]; where one window reaches past the data or into NaN the other decides,
        NaN when neither can.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if not dt_s > 0:
        raise ValueError(f"dt_s must be > 0, got {dt_s}")
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    n = x.size
    fwd = np.full(n, np.nan)
    bwd = np.full(n, np.nan)
    if n > window:
        d = np.hypot(x[window:] - x[:-window], y[window:] - y[:-window]) / (window * dt_s)
        fwd[:-window] = d
        bwd[window:] = d
    with np.errstate(invalid="ignore"):
        return np.fmin(fwd, bwd)


def _limit(value, shape: tuple[int, ...], name: str) -> np.ndarray:
    """A scalar or per-sample limit as an array of ``shape``; every value must be > 0."""
    lim = np.broadcast_to(np.asarray(value, dtype=float), shape)
    if not np.all(lim > 0):
        raise ValueError(f"{name} must be > 0 everywhere, got {value}")
    return lim


def clean_speed(
    elapsed_s,
    speed_mps,
    *,
    max_speed_mps=8.0,
    max_accel_mps2=4.0,
) -> tuple[np.ndarray, int]:
    """Reject impossible speeds and accelerations, then interpolate over them.

    A sample is rejected when it exceeds ``max_speed_mps``, is negative, or needs an
    acceleration above ``max_accel_mps2`` both from the previous and to the next sample (a
    spike; a single hard acceleration is physically possible once).

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s].
    speed_mps : array_like
        Speed [m/s], NaN where unknown.
    max_speed_mps : float or array_like
        Fastest plausible speed [m/s]; one value, or one per sample (a multisport file's bike
        leg gets a higher limit than its run).
    max_accel_mps2 : float or array_like
        Largest plausible |acceleration| [m/s^2]; one value or one per sample (the limit of
        an acceleration between two samples is the larger of theirs).

    Returns
    -------
    speed_mps : numpy.ndarray
        Cleaned speed [m/s]; NaN where the input was NaN.
    n_rejected : int
        Number of samples replaced.
    """
    t = np.asarray(elapsed_s, dtype=float)
    v = np.asarray(speed_mps, dtype=float).copy()
    vmax = _limit(max_speed_mps, v.shape, "max_speed_mps")
    amax = _limit(max_accel_mps2, v.shape, "max_accel_mps2")
    ok = np.isfinite(v)
    bad = ok & ((v > vmax) | (v < 0))
    if v.size >= 3:
        dt = np.maximum(np.diff(t), 1e-9)
        a = np.diff(v) / dt
        hard = np.abs(a) > np.maximum(amax[1:], amax[:-1])
        hard &= np.isfinite(a)
        spike = np.zeros(v.shape, dtype=bool)
        # into and out of the sample with opposite sign: up-spike or down-spike
        spike[1:-1] = hard[:-1] & hard[1:] & (np.sign(a[:-1]) != np.sign(a[1:]))
        bad |= spike
    n = int(bad.sum())
    if n:
        good = ok & ~bad
        if good.any():
            v[bad] = np.interp(t[bad], t[good], v[good])
        else:
            v[bad] = np.nan
    return v, n


def vertical_speed(elapsed_s, elevation_m, *, window_s: float = 30.0) -> np.ndarray:
    """Vertical speed: slope of a centred linear regression of elevation on time [m/s].

    On a uniform grid this is a Savitzky-Golay first derivative of order 1 (science.md 4
    step 8; VAM in m/h is 3600 times this).

    Parameters
    ----------
    elapsed_s : array_like
        Uniform grid times [s].
    elevation_m : array_like
        Elevation [m]; NaN stays NaN (gaps are bridged only for the fit).
    window_s : float
        Regression window [s].

    Returns
    -------
    numpy.ndarray
        dh/dt [m/s].
    """
    if not window_s > 0:
        raise ValueError(f"window_s must be > 0, got {window_s}")
    t = np.asarray(elapsed_s, dtype=float)
    h = np.asarray(elevation_m, dtype=float)
    out = np.full(h.shape, np.nan)
    ok = np.isfinite(h)
    if ok.sum() < 2 or t.size < 2:
        return out
    dt = float(np.median(np.diff(t)))
    filled = fill_nan(h)
    n = _odd(round(window_s / dt))
    n = min(n, h.size if h.size % 2 else h.size - 1)
    if n < 3:
        out = np.gradient(filled, t)
    else:
        out = savgol_filter(filled, n, 1, deriv=1, delta=dt)
    out[~ok] = np.nan
    return out
