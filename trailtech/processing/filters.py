"""The filters of the processing core, as thin wrappers over scipy, and the NaN fill they need.

The wrappers fix the edge rules the callers rely on and import scipy inside the function, so
that ``import trailtech`` loads no scipy module:

* :func:`running_median`: :func:`scipy.ndimage.median_filter` with ``mode="nearest"`` (the
  ends padded with the first/last value).
* :func:`running_median_at`: the same medians at chosen rows.
* :func:`running_range`: max - min of each centred window, the window clipped at the ends
  (:func:`scipy.ndimage.maximum_filter1d` / ``minimum_filter1d``, ``mode="nearest"``: the
  repeated end value is already in every clipped window). A value lies within its window's
  range of the window's median, so outlier tests against the median need it only where the
  range is wide.
* :func:`savgol_filter`: :func:`scipy.signal.savgol_filter` with ``mode="interp"`` (within
  ``window // 2`` samples of either end, the polynomial fitted to the first/last window).
* :func:`fill_nan`: the filters need finite input; gaps are bridged linearly first.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fill_nan", "running_median", "running_median_at", "running_range", "savgol_filter"]


def fill_nan(values) -> np.ndarray:
    """A copy with NaN bridged linearly over the sample index; ends hold the nearest value.

    Parameters
    ----------
    values : array_like
        1-D series (any unit).

    Returns
    -------
    numpy.ndarray
        A new array; unchanged (a copy) when all values are finite or none is.
    """
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    if ok.all() or not ok.any():
        return v.copy()
    idx = np.arange(v.size)
    return np.interp(idx, idx[ok], v[ok])


def _series(values, window: int) -> tuple[np.ndarray, int]:
    w = int(window)
    if w != window or w < 1 or w % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 1, got {window}")
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {v.shape}")
    return v, w


def running_median(values, window: int) -> np.ndarray:
    """Centred running median with the ends padded by the first/last value.

    Parameters
    ----------
    values : array_like
        1-D series, finite (fill NaN first: a NaN would sort as the largest value).
    window : int
        Samples in the window; odd, >= 1.

    Returns
    -------
    numpy.ndarray
        ``scipy.ndimage.median_filter(values, size=window, mode="nearest")``.
    """
    v, w = _series(values, window)
    if w == 1 or v.size == 0:
        return v.copy()
    from scipy.ndimage import median_filter

    return median_filter(v, size=w, mode="nearest")


def running_median_at(values, window: int, rows) -> np.ndarray:
    """:func:`running_median` at some rows only.

    Parameters
    ----------
    values : array_like
        1-D series, finite.
    window : int
        Samples in the window; odd, >= 1.
    rows : array of int
        Indices whose median is wanted.

    Returns
    -------
    numpy.ndarray
        ``running_median(values, window)[rows]``.
    """
    rows = np.asarray(rows, dtype=np.intp)
    v, _ = _series(values, window)
    if rows.size == 0:
        return np.empty(0)
    return running_median(v, window)[rows]


def running_range(values, window: int) -> np.ndarray:
    """Largest minus smallest value of each centred window (ends: the window stops at the data).

    Parameters
    ----------
    values : array_like
        1-D series, finite.
    window : int
        Samples in the window; odd, >= 1.

    Returns
    -------
    numpy.ndarray
        ``max - min`` over ``values[i - window//2 : i + window//2 + 1]`` (clipped), per sample.
    """
    v, w = _series(values, window)
    if v.size == 0 or w == 1:
        return np.zeros(v.size)
    from scipy.ndimage import maximum_filter1d, minimum_filter1d

    return maximum_filter1d(v, w, mode="nearest") - minimum_filter1d(v, w, mode="nearest")


def savgol_filter(
    values, window: int, polyorder: int, *, deriv: int = 0, delta: float = 1.0
) -> np.ndarray:
    """Savitzky-Golay smoothing (or differentiation) with polynomial-fit edges.

    Parameters
    ----------
    values : array_like
        1-D uniformly sampled series, finite, at least ``window`` samples.
    window : int
        Window length in samples; odd, > ``polyorder``.
    polyorder : int
        Order of the fitted polynomial.
    deriv : int
        Order of the derivative (0 = smoothed values).
    delta : float
        Sample spacing [unit of x per sample]; derivatives are per unit of x.

    Returns
    -------
    numpy.ndarray
        ``scipy.signal.savgol_filter(values, window, polyorder, deriv=deriv, delta=delta,
        mode="interp")``: same shape as ``values``.

    Raises
    ------
    ValueError
        ``window`` is not odd, ``polyorder`` not below it, ``values`` shorter than it, or
        ``delta`` not positive.

    References
    ----------
    Savitzky A, Golay MJE. Smoothing and differentiation of data by simplified least squares
    procedures. Anal Chem 1964; 36(8):1627-1639.
    """
    v, w = _series(values, window)
    if int(polyorder) != polyorder or not 0 <= polyorder < w:
        raise ValueError(f"polyorder must be an integer in [0, window), got {polyorder}")
    if int(deriv) != deriv or deriv < 0:
        raise ValueError(f"deriv must be an integer >= 0, got {deriv}")
    if not delta > 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    if v.size < w:
        raise ValueError(f"window ({w}) must not exceed the number of values ({v.size})")
    from scipy.signal import savgol_filter as _savgol

    return _savgol(v, w, int(polyorder), deriv=int(deriv), delta=float(delta), mode="interp")
