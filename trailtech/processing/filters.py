"""The filters of the processing core, and the NaN fill they need.

* :func:`running_median`, :func:`running_median_at`, :func:`running_range`: pandas' rolling
  windows over the series padded with its first/last value (as
  ``scipy.ndimage.median_filter(mode="nearest")`` pads it). pandas is loaded anyway.
* :func:`savgol_filter`: Savitzky-Golay with polynomial-fit edges, equal to
  ``scipy.signal.savgol_filter(mode="interp")``. It is computed here, from the least-squares
  weights, because importing ``scipy.signal`` costs more CPU than a whole ``analyze`` of a
  2-hour run (it pulls in ``scipy.stats``, ``interpolate`` and ``optimize``: measured in the
  CHANGELOG), and every analysis needs the filter.
* :func:`fill_nan`: the filters need finite input; gaps are bridged linearly first.
"""

from __future__ import annotations

from functools import lru_cache
from math import factorial

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


def _edge_padded(v: np.ndarray, w: int):
    """pandas' trailing window of ``w`` over ``v`` padded by ``w // 2`` end values each side:
    its row ``i + w - 1`` is the centred window of sample ``i``."""
    import pandas as pd

    return pd.Series(np.pad(v, w // 2, mode="edge")).rolling(w)


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
        The median of ``values[i - window//2 : i + window//2 + 1]``, the series extended by
        its first/last value (``scipy.ndimage.median_filter(values, window, mode="nearest")``).
    """
    v, w = _series(values, window)
    if w == 1 or v.size == 0:
        return v.copy()
    return _edge_padded(v, w).median().to_numpy(copy=True)[w - 1 :]


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
    # The repeated end value is already in every clipped window, so padding changes nothing.
    rolling = _edge_padded(v, w)
    return (rolling.max() - rolling.min()).to_numpy(copy=True)[w - 1 :]


@lru_cache(maxsize=64)
def _savgol_matrix(window: int, polyorder: int, deriv: int, delta: float) -> np.ndarray:
    """Rows ``j = 0 .. window-1``: weights giving the fitted polynomial's ``deriv``-th
    derivative at window position ``j`` from the window's values (read-only)."""
    half = window // 2
    x = np.arange(-half, half + 1, dtype=float)  # centred positions keep the fit well conditioned
    powers = np.arange(polyorder + 1)
    vander = x[:, None] ** powers  # (window, polyorder + 1)
    fit = np.linalg.pinv(vander)  # polynomial coefficients from the window's values
    # d^deriv/dx^deriv of x^k = k! / (k - deriv)! x^(k - deriv), zero for k < deriv
    scale = np.array([factorial(k) / factorial(k - deriv) if k >= deriv else 0.0 for k in powers])
    expo = np.maximum(powers - deriv, 0)
    evaluate = scale * x[:, None] ** expo  # (window, polyorder + 1)
    m = evaluate @ fit / delta**deriv
    m.setflags(write=False)
    return m


def _check(window: int, polyorder: int, deriv: int, delta: float) -> None:
    if int(window) != window or window < 1 or window % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 1, got {window}")
    if int(polyorder) != polyorder or not 0 <= polyorder < window:
        raise ValueError(f"polyorder must be an integer in [0, window), got {polyorder}")
    if int(deriv) != deriv or deriv < 0:
        raise ValueError(f"deriv must be an integer >= 0, got {deriv}")
    if not delta > 0:
        raise ValueError(f"delta must be > 0, got {delta}")




def savgol_filter(
    values, window: int, polyorder: int, *, deriv: int = 0, delta: float = 1.0
) -> np.ndarray:
    """Savitzky-Golay smoothing (or differentiation) with polynomial-fit edges.

    Equal to ``scipy.signal.savgol_filter(values, window, polyorder, deriv=deriv,
    delta=delta, mode="interp")`` to rounding (``tests/processing/test_processing_filters.py``
    checks it).

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
        Filtered series, same shape as ``values``.

    References
    ----------
    Savitzky A, Golay MJE. Smoothing and differentiation of data by simplified least squares
    procedures. Anal Chem 1964; 36(8):1627-1639.
    """
    _check(window, polyorder, deriv, delta)
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {v.shape}")
    w = int(window)
    if v.size < w:
        raise ValueError(f"window ({w}) must not exceed the number of values ({v.size})")
    m = _savgol_matrix(w, int(polyorder), int(deriv), float(delta))
    half = w // 2
    out = np.empty(v.size)
    # Interior: correlation with the centre weights (np.convolve flips its kernel).
    out[half : v.size - half] = np.convolve(v, m[half][::-1], mode="valid")
    # Ends: the polynomial fitted to the first / last window, evaluated where the centred
    # window would run past the data.
    out[:half] = m[:half] @ v[:w]
    out[v.size - half :] = m[half + 1 :] @ v[v.size - w :]
    return out
