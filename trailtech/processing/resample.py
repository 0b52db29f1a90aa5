"""The two processing grids: a uniform time grid and a uniform distance grid.

Time grid (``time_grid``, ``interp_on_time_grid``)
    Speed, cadence, heart rate and the moving state live on a uniform time grid (1 Hz by
    default). Values are linearly interpolated between recorded samples, but never across a
    recording gap longer than ``max_gap_s``: grid points inside such a gap get NaN and
    ``gap_mask`` marks them (science.md 4 step 1).

Compact time grid (``compact_time_grid``)
    A watch whose clock jumps (or a file that joins two recordings weeks apart) must not
    materialise every second of the jump: a gap between samples longer than ``break_s``
    keeps ``pad_s`` of grid rows at each end (NaN, marked by ``gap_mask``, so a windowed
    filter of up to ``2 * pad_s`` never mixes the two sides) and skips the middle. The kept
    rows are a subset of the uniform grid ``t0 + k * step_s``, so their times stay exact and
    the time step jumps only once per skipped gap.

Distance grid (``distance_grid``, ``interp_on_distance_grid``)
    Elevation and grade live on a uniform distance grid (5 m by default) built from the
    *moving* samples only, so a grade never divides by a stopped runner's zero distance.

Mapping between them
    Every time-grid row carries a cumulative horizontal distance ``d`` (non-decreasing). A
    distance-grid quantity ``q(s)`` is read at a time-grid row with ``np.interp(d, s, q)``;
    the time at which the runner passed a profile point ``s`` is ``np.interp(s, d_moving,
    t_moving)`` over the moving rows (strictly increasing distance).
"""

from __future__ import annotations

import numpy as np

from .stats import bin_mean

__all__ = [
    "time_grid",
    "compact_grid_rows",
    "compact_time_grid",
    "stray_edge_mask",
    "gap_mask",
    "interp_on_time_grid",
    "distance_grid",
    "interp_on_distance_grid",
]


def time_grid(elapsed_s, *, step_s: float = 1.0) -> np.ndarray:
    """A uniform time grid covering the samples [s].

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s], sorted.
    step_s : float
        Grid step [s], > 0.

    Returns
    -------
    numpy.ndarray
        ``t0, t0 + step_s, ...`` up to and including the last sample time (rounded down).
    """
    if not step_s > 0:
        raise ValueError(f"step_s must be > 0, got {step_s}")
    t = np.asarray(elapsed_s, dtype=float)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return np.zeros(0)
    n = int(np.floor((t[-1] - t[0]) / step_s + 1e-9)) + 1
    return t[0] + step_s * np.arange(n)


def _keep_ranges(
    t: np.ndarray, step_s: float, break_s: float, pad_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """[start, stop) ranges of uniform-grid indices ``k`` that the compact grid keeps."""
    k_last = int(np.floor((t[-1] - t[0]) / step_s + 1e-9))
    big = np.flatnonzero(np.diff(t) > break_s)
    # Skip k strictly beyond (gap start + pad) and strictly before (gap end - pad).
    skip_lo = np.floor((t[big] + pad_s - t[0]) / step_s + 1e-9).astype(np.int64) + 1
    skip_hi = np.ceil((t[big + 1] - pad_s - t[0]) / step_s - 1e-9).astype(np.int64)  # exclusive
    real = skip_hi > skip_lo
    skip_lo, skip_hi = skip_lo[real], skip_hi[real]
    starts = np.r_[np.int64(0), skip_hi]
    stops = np.r_[skip_lo, np.int64(k_last + 1)]
    return starts, stops


def _check_compact(step_s: float, break_s: float, pad_s: float) -> None:
    if not step_s > 0:
        raise ValueError(f"step_s must be > 0, got {step_s}")
    if not break_s > 0:
        raise ValueError(f"break_s must be > 0, got {break_s}")
    if not (0 <= pad_s <= break_s / 2):
        raise ValueError(f"pad_s must be between 0 and break_s / 2, got {pad_s}")


def compact_grid_rows(elapsed_s, *, step_s: float = 1.0, break_s: float = 60.0,
                      pad_s: float | None = None) -> int:
    """Number of rows :func:`compact_time_grid` would build, without building them.

    Parameters are those of :func:`compact_time_grid`.
    """
    pad = break_s / 2 if pad_s is None else pad_s
    _check_compact(step_s, break_s, pad)
    t = np.asarray(elapsed_s, dtype=float)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return 0
    starts, stops = _keep_ranges(t, step_s, break_s, pad)
    return int(np.sum(stops - starts))


def compact_time_grid(elapsed_s, *, step_s: float = 1.0, break_s: float = 60.0,
                      pad_s: float | None = None) -> np.ndarray:
    """The uniform time grid without the middle of gaps longer than ``break_s`` [s].

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s], sorted.
    step_s : float
        Grid step [s], > 0.
    break_s : float
        Gaps between consecutive samples longer than this are compacted [s], > 0.
    pad_s : float, optional
        Grid kept at each end of a compacted gap [s], between 0 and ``break_s / 2``
        (default ``break_s / 2``).

    Returns
    -------
    numpy.ndarray
        Increasing grid times, all of the form ``t0 + k * step_s``; the same as
        :func:`time_grid` when no gap exceeds ``break_s``. Memory is bounded by the number of
        samples times ``break_s / step_s``, whatever the time span.
    """
    pad = break_s / 2 if pad_s is None else pad_s
    _check_compact(step_s, break_s, pad)
    t = np.asarray(elapsed_s, dtype=float)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return np.zeros(0)
    starts, stops = _keep_ranges(t, step_s, break_s, pad)
    lengths = stops - starts
    total = int(lengths.sum())
    # Concatenated aranges: each kept index is its range's start plus its offset in the range.
    offsets = np.cumsum(lengths) - lengths
    k = np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)
    return t[0] + step_s * k.astype(float)


def stray_edge_mask(elapsed_s, *, gap_s: float = 86400.0, max_samples: int = 10,
                    max_fraction: float = 0.01) -> np.ndarray:
    """Samples to keep: drops a few samples cut off at either end by a gap over ``gap_s``.

    A broken clock or a corrupt record can put one point years away from the rest; keeping it
    would make the activity last years. At most ``max_samples`` (and ``max_fraction`` of the
    samples, at least one) are dropped at each end; when that would drop half of the track
    it is a split recording, not strays, and everything is kept.

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s], sorted, finite.
    gap_s : float
        A gap longer than this isolates strays [s], > 0.
    max_samples : int
        Most samples dropped at one end.
    max_fraction : float
        Most samples dropped at one end, as a share of all samples.

    Returns
    -------
    numpy.ndarray of bool
        True for the samples to keep.
    """
    if not gap_s > 0:
        raise ValueError(f"gap_s must be > 0, got {gap_s}")
    t = np.asarray(elapsed_s, dtype=float)
    keep = np.ones(t.size, dtype=bool)
    limit = max(1, min(int(max_samples), int(t.size * max_fraction)))
    big = np.flatnonzero(np.diff(t) > gap_s)
    if big.size:
        if big[0] + 1 <= limit:
            keep[: big[0] + 1] = False
        if t.size - (big[-1] + 1) <= limit:
            keep[big[-1] + 1:] = False
    if keep.sum() * 2 <= t.size:
        keep[:] = True
    return keep


def _bracket(sample_t: np.ndarray, grid_t: np.ndarray, max_gap_s: float) -> np.ndarray:
    """True where a grid time falls strictly inside a sample interval longer than max_gap_s,
    or outside the sampled range."""
    if sample_t.size == 0:
        return np.ones(grid_t.shape, dtype=bool)
    k = np.searchsorted(sample_t, grid_t, side="right")
    inside = (k > 0) & (k < sample_t.size)
    out = ~inside
    kk = np.clip(k, 1, max(sample_t.size - 1, 1))
    prev_t = sample_t[kk - 1]
    next_t = sample_t[np.minimum(kk, sample_t.size - 1)]
    wide = (next_t - prev_t) > max_gap_s
    on_sample = grid_t == prev_t
    out |= inside & wide & ~on_sample
    # the last sample itself is inside the range
    out &= ~(grid_t == sample_t[-1])
    return out


def gap_mask(elapsed_s, grid_t, *, max_gap_s: float) -> np.ndarray:
    """Grid points that lie in a recording gap longer than ``max_gap_s``.

    Parameters
    ----------
    elapsed_s : array_like
        Times of every recorded sample [s], sorted.
    grid_t : array_like
        Grid times [s].
    max_gap_s : float
        Longest interval between samples that may be interpolated [s].

    Returns
    -------
    numpy.ndarray of bool
    """
    if not max_gap_s > 0:
        raise ValueError(f"max_gap_s must be > 0, got {max_gap_s}")
    t = np.asarray(elapsed_s, dtype=float)
    return _bracket(t[np.isfinite(t)], np.asarray(grid_t, dtype=float), max_gap_s)


def interp_on_time_grid(elapsed_s, values, grid_t, *, max_gap_s: float) -> np.ndarray:
    """Linear interpolation of one sensor column onto the time grid, gaps left NaN.

    Only the finite samples of ``values`` count: a sensor that drops out for longer than
    ``max_gap_s`` gets NaN there even if other sensors kept recording.

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s], sorted.
    values : array_like
        Sample values (any unit), NaN where missing.
    grid_t : array_like
        Grid times [s].
    max_gap_s : float
        Longest interval that may be bridged by interpolation [s].

    Returns
    -------
    numpy.ndarray
        Values on the grid; NaN in gaps and outside the sampled range.
    """
    if not max_gap_s > 0:
        raise ValueError(f"max_gap_s must be > 0, got {max_gap_s}")
    t = np.asarray(elapsed_s, dtype=float)
    v = np.asarray(values, dtype=float)
    g = np.asarray(grid_t, dtype=float)
    ok = np.isfinite(t) & np.isfinite(v)
    if not ok.any():
        return np.full(g.shape, np.nan)
    ts, vs = t[ok], v[ok]
    out = np.interp(g, ts, vs)
    out[_bracket(ts, g, max_gap_s)] = np.nan
    return out


def distance_grid(total_m: float, *, step_m: float) -> np.ndarray:
    """A uniform distance grid ``0, step_m, 2 step_m, ...`` up to ``total_m`` [m].

    The grid stays exactly uniform (the Savitzky-Golay smoother and the grade baseline assume
    it), so it stops at the last multiple of ``step_m``; the last partial step (< ``step_m``)
    is read by ``np.interp``, which holds the last value.
    """
    if not step_m > 0:
        raise ValueError(f"step_m must be > 0, got {step_m}")
    if not np.isfinite(total_m) or total_m <= 0:
        return np.zeros(1)
    n = int(np.floor(total_m / step_m + 1e-9)) + 1
    return step_m * np.arange(n)


def interp_on_distance_grid(distance_m, values, grid_m) -> np.ndarray:
    """Values at the distance-grid points, from samples along a non-decreasing distance.

    Samples that share one distance (a runner standing still) are averaged first, so the
    interpolation abscissa is strictly increasing. Missing values are bridged linearly
    along distance (elevation between two recorded points of a trail is the straight line).

    Parameters
    ----------
    distance_m : array_like
        Cumulative distance of each sample [m], non-decreasing.
    values : array_like
        Values (e.g. elevation [m]); NaN where missing.
    grid_m : array_like
        Distance grid [m].

    Returns
    -------
    numpy.ndarray
        Values on the grid (all NaN when fewer than one finite sample).
    """
    d = np.asarray(distance_m, dtype=float)
    v = np.asarray(values, dtype=float)
    g = np.asarray(grid_m, dtype=float)
    ok = np.isfinite(d) & np.isfinite(v)
    if not ok.any():
        return np.full(g.shape, np.nan)
    d, v = d[ok], v[ok]
    if np.any(np.diff(d) < 0):
        raise ValueError("distance_m must be non-decreasing")
    uniq, inverse = np.unique(d, return_inverse=True)
    mean_v = bin_mean(inverse, v)
    return np.interp(g, uniq, mean_v)
