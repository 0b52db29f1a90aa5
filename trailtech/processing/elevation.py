"""Elevation: invalid values, barometric-vs-GPS test, outlier repair, smoothing, ascent.

The order follows science.md topic 4:

1. :func:`invalid_elevation_mask` drops values no altimeter can produce (sentinels such as
   -500 m, 0 m dropouts inside a mountain track, garbage thousands of metres off).
2. :func:`is_barometric_like` tells barometric from GPS elevation by its residual around a
   local fit (step 2) when the file does not say, the same at any sampling rate.
3. :func:`hampel` repairs short outliers (step 3); :func:`clamp_vertical_rate` removes jumps
   faster than any runner climbs.
4. :func:`smooth_profile` applies Savitzky-Golay on the distance grid (step 5).
5. :func:`ascent_descent` counts total ascent and descent by hysteresis on the smoothed
   profile (step 7).
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from .filters import fill_nan, running_median, running_median_at, running_range, savgol_filter
from .stats import mad_sigma

__all__ = [
    "invalid_elevation_mask",
    "local_fit_residual_m",
    "is_barometric_like",
    "hampel",
    "clamp_vertical_rate",
    "smooth_profile",
    "noise_scaled_hysteresis",
    "ascent_descent",
]

# Lowest and highest elevation a runner can be at: Dead Sea shore (-430 m) to Everest.
_MIN_ELEVATION_M = -450.0
_MAX_ELEVATION_M = 8900.0


def invalid_elevation_mask(
    elevation_m,
    *,
    window: int = 61,
    max_deviation_m: float = 40.0,
) -> np.ndarray:
    """Elevation samples no altimeter can produce.

    Three rules:

    * outside -450 m ... 8900 m (e.g. the FIT "-500 m" of a TomTom with no fix);
    * exactly 0.0 when the rest of the track is far from sea level (>= 50 m median):
      a dropout written as zero (Sports Tracker GPX exports);
    * more than ``max_deviation_m`` away from the running median of ``window`` samples: an
      isolated garbage value (a runner cannot leave and rejoin the local median that fast,
      while a genuine step change moves the median with it).

    Parameters
    ----------
    elevation_m : array_like
        Elevation per sample [m], NaN where missing.
    window : int
        Samples in the running median (odd).
    max_deviation_m : float
        Largest plausible departure from the running median [m].

    Returns
    -------
    numpy.ndarray of bool
        True for samples to drop.
    """
    if window < 3:
        raise ValueError(f"window must be >= 3, got {window}")
    if not max_deviation_m > 0:
        raise ValueError(f"max_deviation_m must be > 0, got {max_deviation_m}")
    h = np.asarray(elevation_m, dtype=float)
    bad = np.isfinite(h) & ((h < _MIN_ELEVATION_M) | (h > _MAX_ELEVATION_M))
    ok = np.isfinite(h) & ~bad
    if ok.sum() >= 3:
        nonzero = ok & (h != 0.0)
        if nonzero.any() and abs(np.median(h[nonzero])) >= 50.0:
            bad |= ok & (h == 0.0)
    ok = np.isfinite(h) & ~bad
    if ok.sum() >= 3:
        hv = h[ok]
        # A sample is within the window's range of its median; only where that range
        # exceeds max_deviation_m can it be far from it, so only there is the median taken.
        near_only = running_range(hv, window | 1) <= max_deviation_m
        rows = np.flatnonzero(~near_only)
        far = np.abs(hv[rows] - running_median_at(hv, window | 1, rows)) > max_deviation_m
        bad[np.flatnonzero(ok)[rows[far]]] = True
    return bad


def local_fit_residual_m(elapsed_s, elevation_m, *, half_window_s: float = 15.0, min_points: int = 5) -> Optional[float]:
    """Robust sigma of elevation around a local straight-line fit in time [m].

    Each sample is compared with the least-squares line through the samples within
    ``half_window_s`` of it (itself included, the residual scaled by sqrt(n / (n - 2)) for
    the two fitted parameters). A window of fixed duration holds 30 samples at 1 s and 6 at
    5 s, yet the residual estimates the same noise: unlike raw per-sample steps, whose size
    grows with the interval (terrain change) and shrinks with it (correlated noise), it does
    not depend on the sampling rate.

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s], increasing.
    elevation_m : array_like
        Elevation [m], invalid values already NaN.
    half_window_s : float
        Half-width of the fit window [s].
    min_points : int
        Fewest samples in a window for its residual to count (>= 3).

    Returns
    -------
    float or None
        1.4826 x the median absolute residual [m]; None with fewer than 30 usable windows.
    """
    t = np.asarray(elapsed_s, dtype=float)
    h = np.asarray(elevation_m, dtype=float)
    ok = np.isfinite(t) & np.isfinite(h)
    t, h = t[ok], h[ok]
    if t.size < 30:
        return None
    lo = np.searchsorted(t, t - half_window_s, "left")
    hi = np.searchsorted(t, t + half_window_s, "right")
    tc = t - t[0]
    hc = h - np.median(h)

    def window_sum(x):
        c = np.concatenate(([0.0], np.cumsum(x)))
        return c[hi] - c[lo]

    n = (hi - lo).astype(float)
    st, stt = window_sum(tc), window_sum(tc * tc)
    sy, sty = window_sum(hc), window_sum(tc * hc)
    den = n * stt - st * st
    use = (n >= max(min_points, 3)) & (den > 1e-9 * np.maximum(n * stt, 1.0))
    if use.sum() < 30:
        return None
    n, st, sy, sty, den = n[use], st[use], sy[use], sty[use], den[use]
    slope = (n * sty - st * sy) / den
    resid = (hc[use] - (sy - slope * st) / n - slope * tc[use]) * np.sqrt(n / (n - 2))
    return mad_sigma(resid)


def is_barometric_like(
    elapsed_s,
    elevation_m,
    *,
    max_residual_m: float = 0.65,
    half_window_s: float = 15.0,
) -> bool:
    """Whether an elevation stream looks barometric (quiet) rather than GPS-derived.

    Decided from :func:`local_fit_residual_m`, so the same at 1 s, 5 s or smart recording:
    on the real corpus barometric files leave 0.16-0.59 m around a 30 s line fit at 1 s
    (0.20-0.75 m thinned to 5 s), GPS altitude 0.79-1.25 m (docs/accuracy.md).

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s].
    elevation_m : array_like
        Elevation [m] with invalid values already NaN.
    max_residual_m : float
        Largest robust residual of barometric elevation [m].
    half_window_s : float
        Half-width of the fit window [s].

    Returns
    -------
    bool
        True when the residual is under ``max_residual_m``; False when it cannot be measured
        (GPS is the conservative assumption: it smooths more).
    """
    resid = local_fit_residual_m(elapsed_s, elevation_m, half_window_s=half_window_s)
    return resid is not None and resid < max_residual_m


def hampel(
    values, *, window: int, n_sigmas: float = 3.0, min_scale: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Hampel filter: replace values more than ``n_sigmas`` scaled MADs from the running median.

    Parameters
    ----------
    values : array_like
        Uniformly sampled series; NaN stays NaN.
    window : int
        Samples in the centred window (made odd, >= 3).
    n_sigmas : float
        Threshold in robust standard deviations (1.4826 MAD).
    min_scale : float
        Floor on the robust standard deviation, in the unit of ``values``: stops a perfectly
        flat window (MAD 0, e.g. a quantised barometer) from flagging the smallest step.

    Returns
    -------
    repaired : numpy.ndarray
        The series with outliers replaced by the running median.
    outliers : numpy.ndarray of bool
        Where values were replaced.
    """
    if window < 3:
        raise ValueError(f"window must be >= 3, got {window}")
    if not n_sigmas > 0:
        raise ValueError(f"n_sigmas must be > 0, got {n_sigmas}")
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    out = v.copy()
    mask = np.zeros(v.shape, dtype=bool)
    if ok.sum() < 3:
        return out, mask
    filled = fill_nan(v)
    size = window | 1
    med = running_median(filled, size)
    mad = running_median(np.abs(filled - med), size)
    scale = np.maximum(1.4826 * mad, max(min_scale, 1e-12))
    mask = ok & (np.abs(v - med) > n_sigmas * scale)
    out[mask] = med[mask]
    return out, mask


def clamp_vertical_rate(elapsed_s, elevation_m, *, max_vertical_speed_mps: float = 2.0) -> tuple[np.ndarray, int]:
    """Remove elevation jumps faster than ``max_vertical_speed_mps`` (science.md 4 step 3).

    Each step's excess over the limit is subtracted from everything after it until the next
    NaN break, so a barometer re-calibration or a GPS altitude jump does not count as climb.

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s].
    elevation_m : array_like
        Elevation [m]; NaN splits the series into independent pieces.
    max_vertical_speed_mps : float
        Fastest plausible vertical speed [m/s] (vertical-kilometre elites reach ~0.6 m/s).

    Returns
    -------
    elevation_m : numpy.ndarray
        The clamped series.
    n_clamped : int
        Number of steps that exceeded the limit.
    """
    if not max_vertical_speed_mps > 0:
        raise ValueError(f"max_vertical_speed_mps must be > 0, got {max_vertical_speed_mps}")
    t = np.asarray(elapsed_s, dtype=float)
    h = np.asarray(elevation_m, dtype=float)
    if h.size < 2:
        return h.copy(), 0
    dh = np.diff(h)
    lim = max_vertical_speed_mps * np.maximum(np.diff(t), 0.0)
    excess = np.where(np.isfinite(dh), dh - np.clip(dh, -lim, lim), 0.0)
    n = int(np.count_nonzero(excess))
    if n == 0:
        return h.copy(), 0
    cum = np.concatenate([[0.0], np.cumsum(excess)])
    # Restart the correction after each NaN break: subtract the cumulative excess reached
    # at the start of the current finite piece.
    piece_start = np.where(~np.isfinite(h), np.arange(h.size), 0)
    piece_start = np.maximum.accumulate(piece_start)
    return h - (cum - cum[piece_start]), n


def smooth_profile(elevation_m, *, grid_m: float, window_m: float, polyorder: int = 2) -> np.ndarray:
    """Savitzky-Golay smoothing of an elevation profile on a uniform distance grid.

    Parameters
    ----------
    elevation_m : array_like
        Elevation on the distance grid [m], finite.
    grid_m : float
        Grid step [m].
    window_m : float
        Window length [m]; converted to an odd number of points (>= polyorder + 2).
    polyorder : int
        Polynomial order.

    Returns
    -------
    numpy.ndarray
        Smoothed elevation [m]. Profiles shorter than the window are fitted with a single
        polynomial of order <= 1.

    References
    ----------
    Duran A, Earleywine M. GPS data filtration method for drive cycle analysis applications.
    SAE 2012-01-0743 (NREL).
    """
    if not grid_m > 0:
        raise ValueError(f"grid_m must be > 0, got {grid_m}")
    if not window_m > 0:
        raise ValueError(f"window_m must be > 0, got {window_m}")
    h = np.asarray(elevation_m, dtype=float)
    n_pts = int(round(window_m / grid_m)) | 1
    n_pts = max(n_pts, polyorder + 2 | 1)
    if h.size < 2:
        return h.copy()
    if h.size < n_pts:
        x = np.arange(h.size)
        coef = np.polyfit(x, h, 1)
        return np.polyval(coef, x)
    return savgol_filter(h, n_pts, polyorder)


def noise_scaled_hysteresis(
    raw_m, smoothed_m, *, factor: float, min_m: float, max_m: float
) -> float:
    """Ascent hysteresis scaled to the noise the smoothing removed [m].

    The residual ``raw - smoothed`` of a GPS altitude profile is mostly receiver noise; what
    survives the smoothing is a fraction of it, so a threshold proportional to the residual's
    robust standard deviation (1.4826 MAD) rejects the surviving wiggles of a noisy receiver
    without discarding the real small climbs of a quiet one.

    Parameters
    ----------
    raw_m, smoothed_m : array_like
        The profile before and after smoothing [m] (NaN ignored).
    factor : float
        Hysteresis per metre of residual noise (> 0).
    min_m, max_m : float
        Bounds of the result [m].

    Returns
    -------
    float
        ``clip(factor * sigma_residual, min_m, max_m)``; ``max_m`` when there is no residual.
    """
    if not factor > 0:
        raise ValueError(f"factor must be > 0, got {factor}")
    if not 0 <= min_m <= max_m:
        raise ValueError(f"need 0 <= min_m <= max_m, got {min_m} and {max_m}")
    r = np.asarray(raw_m, dtype=float) - np.asarray(smoothed_m, dtype=float)
    r = r[np.isfinite(r)]
    if r.size < 3:
        return float(max_m)
    sigma = mad_sigma(r)
    return float(np.clip(factor * sigma, min_m, max_m))


def ascent_descent(elevation_m, *, hysteresis_m: float) -> tuple[float, float]:
    """Total ascent and descent by hysteresis (a zig-zag over turning points).

    A rise counts once the profile has climbed at least ``hysteresis_m`` above the last
    confirmed low, and it counts in full from that low to the next confirmed high; wiggles
    smaller than ``hysteresis_m`` count nothing. So ``ascent - descent`` equals the net
    elevation change up to the unconfirmed wiggles at each end (< ``hysteresis_m`` each).

    Parameters
    ----------
    elevation_m : array_like
        Smoothed profile [m] (NaN ignored). Feed only moving samples: the distance-grid
        profile is, so nothing accumulates while stopped.
    hysteresis_m : float
        Threshold [m], >= 0.

    Returns
    -------
    ascent_m, descent_m : float
    """
    if not hysteresis_m >= 0:
        raise ValueError(f"hysteresis_m must be >= 0, got {hysteresis_m}")
    h = np.asarray(elevation_m, dtype=float)
    h = h[np.isfinite(h)]
    if h.size < 2:
        return 0.0, 0.0
    # Keep only turning points (plus the ends): the loop then runs over extrema, not samples.
    d = np.diff(h)
    nz = np.flatnonzero(d != 0)
    if nz.size == 0:
        return 0.0, 0.0
    s = np.sign(d[nz])
    turn = nz[1:][s[1:] != s[:-1]]  # index of the extremum sample is the start of the new run
    ext = h[np.concatenate([[0], turn, [h.size - 1]])].tolist()
    ascent = descent = 0.0
    lo = hi = ext[0]
    direction = 0
    base = peak = trough = ext[0]
    for v in ext[1:]:
        if direction == 0:
            lo, hi = min(lo, v), max(hi, v)
            if hi - lo >= hysteresis_m and hi > lo:
                if v == hi:
                    direction, base, peak = 1, lo, v
                else:
                    direction, base, trough = -1, hi, v
        elif direction == 1:
            if v > peak:
                peak = v
            elif peak - v >= hysteresis_m:
                ascent += peak - base
                direction, base, trough = -1, peak, v
        else:
            if v < trough:
                trough = v
            elif v - trough >= hysteresis_m:
                descent += base - trough
                direction, base, peak = 1, trough, v
    if direction == 1:
        ascent += peak - base
    elif direction == -1:
        descent += base - trough
    return float(ascent), float(descent)
