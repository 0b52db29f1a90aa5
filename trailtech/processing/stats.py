"""The robust and weighted statistics the analyses share, one definition each.

* :func:`median`: :func:`numpy.median` under the name the analyses import (the mean of the
  two middle values for an even count, NaN when a value is NaN).
* :func:`mad_sigma`: the robust standard deviation ``1.4826·MAD``.
* :func:`weighted_median` and :func:`binned_weighted_median`: the duration-weighted median,
  :func:`numpy.quantile` with ``weights`` (``method="inverted_cdf"``): the first value, in
  sorted order, at which half the weight is reached.
* :func:`bin_mean`: the mean of the values in each integer bin (:func:`numpy.bincount`).
* :func:`isotonic_decreasing`: the weighted least-squares non-increasing fit (pool adjacent
  violators). ``scipy.optimize.isotonic_regression`` does the same, but importing
  ``scipy.optimize`` costs about 1 s, more than a whole ``analyze``, for a fit of a few dozen
  points.
* :func:`huber_line`: a robust straight line (Huber IRLS over :func:`numpy.polyfit` with
  weights).
* :func:`tricube`: the tricube kernel of the local fits.

Rolling quantiles and medians are pandas' ``Rolling.quantile`` / ``Rolling.median``, called
where they are needed. Units: every function returns values in the unit of its ``x`` or ``y``
(weights only need one unit among themselves, e.g. durations [s]).
"""

from __future__ import annotations

import math

import numpy as np
from numpy import median

__all__ = ["median", "mad_sigma", "weighted_median", "binned_weighted_median", "bin_mean",
           "isotonic_decreasing", "huber_line", "tricube"]

#: ``1 / Φ⁻¹(3/4)``: the MAD of a normal distribution times this is its standard deviation.
MAD_TO_SIGMA = 1.4826


def mad_sigma(x: np.ndarray) -> float:
    """Robust standard deviation ``1.4826·median(|x - median(x)|)`` [unit of ``x``].

    Parameters
    ----------
    x : array
        Values (NaN propagates, as in :func:`median`).

    Returns
    -------
    float
        NaN for an empty array.
    """
    x = np.asarray(x, dtype=float)
    return float(MAD_TO_SIGMA * median(np.abs(x - median(x))))


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """Weighted median: the first value of sorted ``x`` where the cumulative weight reaches half
    the total [unit of ``x``].

    :func:`numpy.quantile` with ``weights`` and ``method="inverted_cdf"``: a value of ``x``,
    never an average of two (a median speed is a speed the runner held).

    Parameters
    ----------
    x : array
        Values, finite (a NaN makes the answer NaN).
    w : array
        Weights, e.g. durations [s]: finite, >= 0 (a negative one is a ``ValueError``).

    Returns
    -------
    float
        NaN when the weights sum to 0 (nothing to take the median of).
    """
    w = np.asarray(w, dtype=float)
    if not np.sum(w) > 0:
        return float("nan")
    return float(np.quantile(np.asarray(x, dtype=float), 0.5, weights=w, method="inverted_cdf"))


def binned_weighted_median(x: np.ndarray, y: np.ndarray, w: np.ndarray,
                           edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per bin of ``x``: the total weight and the :func:`weighted_median` of ``y``.

    Parameters
    ----------
    x : array
        The binned quantity (e.g. grade [fraction]); values outside ``edges`` fall in the
        first or last bin.
    y : array
        Values whose median is taken per bin (finite) [any unit].
    w : array
        Weights, e.g. durations [s] (finite, >= 0).
    edges : array
        Increasing bin edges [unit of ``x``]; bin ``i`` is ``edges[i] <= x < edges[i + 1]``.

    Returns
    -------
    weight : numpy.ndarray
        Total weight per bin [unit of ``w``].
    med : numpy.ndarray
        Weighted median of ``y`` per bin [unit of ``y``] (NaN in a bin without weight).
    """
    nb = edges.size - 1
    b = np.clip(np.digitize(x, edges) - 1, 0, nb - 1)
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    # Sorted by (bin, value) once: each bin's rows are one slice, its weight summed in that
    # order and its median read from it.
    order = np.lexsort((y, b))
    bs, ys, ws = b[order], y[order], w[order]
    weight = np.bincount(bs, weights=ws, minlength=nb)[:nb]
    med = np.full(nb, np.nan)
    starts = np.searchsorted(bs, np.arange(nb))
    stops = np.searchsorted(bs, np.arange(nb), side="right")
    for i in np.flatnonzero(stops > starts):  # one iteration per bin with data
        med[i] = weighted_median(ys[starts[i]:stops[i]], ws[starts[i]:stops[i]])
    return weight, med


def bin_mean(bins: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` in each bin ``0 .. bins.max()`` [unit of ``values``].

    Parameters
    ----------
    bins : array of int
        Bin of each value, >= 0 (e.g. the ``inverse`` of :func:`numpy.unique`).
    values : array
        Values [any unit].

    Returns
    -------
    numpy.ndarray
        One mean per bin (NaN, with a warning, for a bin between that holds no value).
    """
    return np.bincount(bins, weights=values) / np.bincount(bins)


def isotonic_decreasing(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-increasing fit of ``y`` in its order (pool adjacent violators).

    Each block of pooled values is replaced by its weighted mean ``Σwy / Σw``; a value left
    alone keeps its exact value.

    Parameters
    ----------
    y : array
        Values in order (e.g. by grade) [any unit].
    w : array
        Weights, > 0 (e.g. seconds of data behind each value [s]).

    Returns
    -------
    numpy.ndarray
        Non-increasing, same size as ``y`` [unit of ``y``].
    """
    # Blocks as [Σwy, Σw, count, mean]; a single value's mean is the value itself.
    blocks: list[list[float]] = []
    for yi, wi in zip(np.asarray(y, dtype=float).tolist(), np.asarray(w, dtype=float).tolist()):
        blocks.append([yi * wi, wi, 1, yi])
        while len(blocks) > 1 and blocks[-2][3] < blocks[-1][3]:
            s, ww, n, _ = blocks.pop()
            last = blocks[-1]
            last[0] += s
            last[1] += ww
            last[2] += n
            last[3] = last[0] / last[1]
    return np.concatenate([np.full(int(n), m) for _, _, n, m in blocks]) if blocks else np.zeros(0)


def tricube(u: np.ndarray) -> np.ndarray:
    """Tricube kernel ``(1 - |u|³)³`` for ``|u| < 1``, 0 beyond [-].

    Parameters
    ----------
    u : array
        Distance over the kernel's half-width [-].
    """
    return (1.0 - np.minimum(np.abs(u), 1.0) ** 3) ** 3


def _allclose(a: np.ndarray, b: np.ndarray, *, tol: float) -> bool:
    """``numpy.allclose(a, b, rtol=tol, atol=tol)`` of two short float arrays: the same test,
    ``|a - b| <= tol + tol·|b|`` with finite ``b``, or ``a == b``, element by element."""
    for x, y in zip(a.tolist(), b.tolist()):
        if not ((abs(x - y) <= tol + tol * abs(y) and math.isfinite(y)) or x == y):
            return False
    return True


def huber_line(x: np.ndarray, y: np.ndarray, w: np.ndarray, *, k: float = 1.345,
               iterations: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Robust straight line ``y = a·x + b``: iteratively reweighted least squares with Huber
    weights (scale: :func:`mad_sigma` of the residuals), on top of the prior weights ``w``.

    Each step is :func:`numpy.polyfit` of degree 1 with root weights ``sqrt(w·huber)``.

    Parameters
    ----------
    x, y : array
        Points [any units].
    w : array
        Prior weights, > 0 (e.g. durations [s]).
    k : float
        Huber's constant, in residual scales [-].
    iterations : int
        Most reweighting steps (it stops earlier once the line settles to 1e-9).

    Returns
    -------
    coef : numpy.ndarray
        ``[a, b]`` like :func:`numpy.polyfit` [unit of y / unit of x, unit of y].
    cov : numpy.ndarray
        2×2 covariance of ``[a, b]`` (weighted residual variance × (XᵀWX)⁻¹; zero for an
        exact line).
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    w = np.asarray(w, float) / np.mean(w)
    rw = np.ones_like(y)
    coef = np.polyfit(x, y, 1, w=np.sqrt(w))
    exact_scale = 1e-9 * (1.0 + float(np.abs(y).max()))  # a residual scale this small: exact
    for _ in range(iterations):
        r = y - np.polyval(coef, x)
        scale = mad_sigma(r)
        if not scale > exact_scale:
            break  # (nearly) exact line: nothing to down-weight
        u = np.abs(r) / (k * scale)
        rw = np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-12))
        new = np.polyfit(x, y, 1, w=np.sqrt(w * rw))
        if _allclose(new, coef, tol=1e-9):
            coef = new
            break
        coef = new
    ww = w * rw
    X = np.column_stack([x, np.ones_like(x)])
    r = y - X @ coef
    dof = max(x.size - 2, 1)
    s2 = float(np.sum(ww * r * r) / dof / (np.sum(ww) / x.size))
    try:
        cov = s2 * np.linalg.inv(X.T @ (X * ww[:, None]) / (np.sum(ww) / x.size))
    except np.linalg.LinAlgError:
        cov = np.full((2, 2), np.inf)
    return coef, cov
