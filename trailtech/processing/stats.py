"""Order statistics for the hot paths: exactly numpy's and pandas' answers, for less.

* :func:`median`: the analyses take the median of hundreds of small arrays per activity
  (robust CVs of every descent, the residuals of every robust line fit); :func:`numpy.median`
  spends most of its ~8 µs per call on argument handling. This one does the same partition
  and the same arithmetic, so its result is numpy's bit for bit, in about a quarter of the
  time.
* :func:`sorted_windows`, :func:`window_quantile`, :func:`window_median`: rolling quartiles
  and medians over many windows at once (one sort of all windows), with pandas' rolling
  arithmetic (``Rolling.quantile`` with linear interpolation, ``Rolling.median``), for
  finite values and NaN (pandas' skip list orders infinities its own way: callers with
  infinities use pandas).

tests/processing/test_processing_fast_equivalents.py compares them with numpy and pandas.
"""

from __future__ import annotations

import numpy as np

__all__ = ["median", "sorted_windows", "window_quantile", "window_median"]


def median(a: np.ndarray) -> float:
    """Median of a 1-D float array, bit-identical to :func:`numpy.median`.

    Parameters
    ----------
    a : numpy.ndarray of float64, 1-D
        Values [any unit]; NaN propagates as in numpy.

    Returns
    -------
    numpy.float64
        The middle value, or the mean of the two middle values for an even count [same unit
        as ``a``]; NaN when ``a`` holds a NaN or is empty (numpy's warning then included).
    """
    n = a.size
    if n == 0 or a.dtype != np.float64 or a.ndim != 1:
        return np.median(a)
    h = n // 2
    # The same partition points as numpy (the last one brings any NaN to the end), so the
    # middle values are the same elements, signed zeros included.
    # numpy takes the mean of the middle one or two: a sum that starts from +0.0, over 1 or 2.
    if n % 2:
        part = np.partition(a, [h, -1])
        mid = 0.0 + part[h]
    else:
        part = np.partition(a, [h - 1, h, -1])
        mid = (0.0 + part[h - 1] + part[h]) / 2
    last = part[-1]
    return last if last != last else mid


def sorted_windows(values: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values of each window ``values[start[i]:end[i]]``, sorted, NaN (and padding) last.

    Parameters
    ----------
    values : numpy.ndarray of float64, 1-D
        The series [any unit]; NaN is missing.
    start, end : numpy.ndarray of int
        Half-open window bounds per output row [index into ``values``].

    Returns
    -------
    windows : numpy.ndarray, shape (rows, widest window)
        Each window's values in ascending order, padded with NaN.
    nobs : numpy.ndarray of int
        Non-NaN values in each window.
    """
    x = np.asarray(values, dtype=float)
    start = np.asarray(start, dtype=np.int64)
    width = np.asarray(end, dtype=np.int64) - start
    w = int(width.max()) if width.size else 0
    if w <= 0 or x.size == 0:
        return np.full((width.size, 0), np.nan), np.zeros(width.size, dtype=np.int64)
    j = np.arange(w)
    idx = np.minimum(start[:, None] + j, x.size - 1)
    win = np.where(j < width[:, None], x[idx], np.nan)
    win.sort(axis=1)
    return win, np.count_nonzero(~np.isnan(win), axis=1)


def window_quantile(windows: np.ndarray, nobs: np.ndarray, q: float, *, min_periods: int) -> np.ndarray:
    """Linear-interpolation quantile of each sorted window, as pandas' ``Rolling.quantile``.

    pandas' rule: with ``f = q·(n - 1)`` and ``k = int(f)``, the k-th value when ``f`` is whole,
    else ``v[k] + (v[k+1] - v[k])·(f - k)``; NaN under ``min_periods`` values. Same arithmetic,
    same result, for every window at once.

    Parameters
    ----------
    windows, nobs : numpy.ndarray
        From :func:`sorted_windows`.
    q : float
        Quantile, 0 < q < 1.
    min_periods : int
        Fewest values that give a result.

    Returns
    -------
    numpy.ndarray
        One value per window [unit of the values].
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q={q} must be between 0 and 1")
    rows = np.arange(nobs.size)
    if windows.shape[1] == 0:
        return np.full(nobs.size, np.nan)
    f = q * (nobs - 1).astype(float)
    k = np.maximum(f, 0.0).astype(np.int64)
    lo = windows[rows, np.minimum(k, windows.shape[1] - 1)]
    hi = windows[rows, np.minimum(k + 1, windows.shape[1] - 1)]
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(f == k, lo, lo + (hi - lo) * (f - k))
    return np.where((nobs >= min_periods) & (nobs > 0), out, np.nan)


def window_median(windows: np.ndarray, nobs: np.ndarray, *, min_periods: int) -> np.ndarray:
    """Median of each sorted window, as pandas' ``Rolling.median``: the middle value, or the
    two middle values' sum over 2; NaN under ``min_periods`` values.

    Parameters
    ----------
    windows, nobs : numpy.ndarray
        From :func:`sorted_windows`.
    min_periods : int
        Fewest values that give a result.

    Returns
    -------
    numpy.ndarray
        One value per window [unit of the values].
    """
    rows = np.arange(nobs.size)
    if windows.shape[1] == 0:
        return np.full(nobs.size, np.nan)
    mid = nobs // 2
    last = windows.shape[1] - 1
    upper = windows[rows, np.minimum(mid, last)]
    lower = windows[rows, np.clip(mid - 1, 0, last)]
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.where(nobs % 2 == 1, upper, (upper + lower) / 2)
    return np.where((nobs >= min_periods) & (nobs > 0), out, np.nan)
