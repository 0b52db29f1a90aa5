"""Two small numpy filters, a running median and a Savitzky-Golay filter, and the NaN fill they need.

They replace ``scipy.ndimage.median_filter(mode="nearest")`` and
``scipy.signal.savgol_filter(mode="interp")`` in the processing core, with the same results
to float precision (tests/processing/test_processing_filters.py compares them). Importing
``scipy.signal`` costs about 0.6 s on a laptop (it pulls ``scipy.stats``) and
``scipy.ndimage`` about 0.2 s: more than trailtech spends analysing a 3-hour run, so the
command line stays fast without them.

* :func:`running_median`: the median of each centred window, edges padded with the end values
  (scipy's ``mode="nearest"``). Implemented with
  :func:`numpy.lib.stride_tricks.sliding_window_view` and :func:`numpy.partition` in row
  blocks, so memory stays small for long windows.
* :func:`running_median_at`: the same medians at chosen rows only, and :func:`running_range`
  (max - min of each window, van Herk / Gil-Werman): a sample is within its window's range of
  the window's median, so outlier tests against the median need it only where the range is
  wide (``invalid_elevation_mask``, ``clean_cadence``).
* :func:`savgol_filter`: the window's least-squares polynomial evaluated at its centre, i.e. a
  fixed linear combination of the window (coefficients from the pseudo-inverse of the
  Vandermonde matrix); within ``window // 2`` samples of either end, the polynomial fitted
  to the first/last window is evaluated instead (scipy's ``mode="interp"``).
* :func:`fill_nan`: both filters need finite input; gaps are bridged linearly first.
"""

from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["fill_nan", "running_median", "running_median_at", "running_range", "savgol_coeffs",
           "savgol_filter"]

#: Elements of the (rows x window) block partitioned at once by :func:`running_median`:
#: about 0.5 MB, which keeps the copy in cache (3x faster than one big block for 61 samples).
_MEDIAN_BLOCK_ELEMENTS = 1 << 16


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


def running_median(values, window: int) -> np.ndarray:
    """Centred running median with the ends padded by the first/last value.

    Equal to ``scipy.ndimage.median_filter(values, size=window, mode="nearest")``.

    Parameters
    ----------
    values : array_like
        1-D series, finite (fill NaN first: a NaN would sort as the largest value).
    window : int
        Samples in the window; odd, >= 1.

    Returns
    -------
    numpy.ndarray
        The running median, same shape as ``values``.
    """
    w = int(window)
    if w < 1 or w % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 1, got {window}")
    v = np.asarray(values, dtype=float)
    if v.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {v.shape}")
    if w == 1 or v.size == 0:
        return v.copy()
    return _window_medians(v, w, None)


def running_median_at(values, window: int, rows) -> np.ndarray:
    """:func:`running_median` at some rows only (the same windows, the same values).

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
    w = int(window)
    if w < 1 or w % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 1, got {window}")
    v = np.asarray(values, dtype=float)
    rows = np.asarray(rows, dtype=np.intp)
    if w == 1 or rows.size == 0:
        return v[rows]
    return _window_medians(v, w, rows)


def _window_medians(v: np.ndarray, w: int, rows: np.ndarray | None) -> np.ndarray:
    """Medians of the edge-padded centred windows of ``v`` (odd ``w`` > 1) at ``rows`` (all
    when None), partitioned in blocks of rows (~n*w/65536 passes, bounded memory)."""
    half = w // 2
    view = sliding_window_view(np.pad(v, half, mode="edge"), w)
    n = v.size if rows is None else rows.size
    out = np.empty(n)
    step = max(1, _MEDIAN_BLOCK_ELEMENTS // w)
    for start in range(0, n, step):
        block = view[start : start + step] if rows is None else view[rows[start : start + step]]
        out[start : start + block.shape[0]] = np.partition(block, half, axis=1)[:, half]
    return out


def running_range(values, window: int) -> np.ndarray:
    """Largest minus smallest value of each centred window (ends: the window stops at the data).

    The van Herk / Gil-Werman scheme: running maxima and minima from prefix and suffix
    extrema of blocks of ``window`` samples, a few passes over the data whatever the window.

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
    w = int(window)
    if w < 1 or w % 2 == 0:
        raise ValueError(f"window must be an odd integer >= 1, got {window}")
    v = np.asarray(values, dtype=float)
    if v.size == 0 or w == 1:
        return np.zeros(v.size)
    half = w // 2
    # Edge padding repeats an end value that every clipped window already holds.
    blocks = -(-(v.size + 2 * half) // w)
    p = np.pad(v, (half, blocks * w - v.size - half), mode="edge").reshape(blocks, w)
    out = []
    for acc in (np.maximum, np.minimum):
        pre = acc.accumulate(p, axis=1).ravel()
        suf = acc.accumulate(p[:, ::-1], axis=1)[:, ::-1].ravel()
        out.append(acc(suf[: v.size], pre[w - 1 : w - 1 + v.size]))
    return out[0] - out[1]


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


def savgol_coeffs(window: int, polyorder: int, *, deriv: int = 0, delta: float = 1.0) -> np.ndarray:
    """Savitzky-Golay weights for the centre of a window.

    ``sum(savgol_coeffs(...) * values[i - window//2 : i + window//2 + 1])`` is the smoothed
    value (or derivative) at sample ``i``: the weights are in window order (correlation, not
    convolution order).

    Parameters
    ----------
    window : int
        Window length in samples; odd, > ``polyorder``.
    polyorder : int
        Order of the fitted polynomial, >= 0.
    deriv : int
        Order of the derivative (0 = smoothed values).
    delta : float
        Sample spacing, for derivatives [unit of x per sample].

    Returns
    -------
    numpy.ndarray
        ``window`` weights.
    """
    _check(window, polyorder, deriv, delta)
    return _savgol_matrix(int(window), int(polyorder), int(deriv), float(delta))[window // 2].copy()


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
    delta=delta, mode="interp")``.

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
