"""Position cleaning: GPS spikes and teleports, and light smoothing of the path.

A *spike* is one fix (or a few) thrown far off the path and back: the speed into it and out of
it are both physically impossible. A *teleport* is a short excursion bounded by two impossible
jumps (an "island" of fixes), e.g. a multipath burst in a canyon or the first fixes before the
receiver settled. Both are removed (set NaN) and later interpolated on the time grid.
The impossible speed is ``max_speed_mps`` (8 m/s for running, science.md 4 step 9); accelerations
are checked on the speed stream (:mod:`trailtech.processing.speed`), where they are meaningful.
"""

from __future__ import annotations

import numpy as np

__all__ = ["find_position_outliers", "smooth_path"]


def _step_speed(t: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    dt = np.diff(t)
    dd = np.hypot(np.diff(x), np.diff(y))
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(dt > 0, dd / np.where(dt > 0, dt, 1.0), np.where(dd > 0, np.inf, 0.0))
    return v


def find_position_outliers(
    elapsed_s,
    x_m,
    y_m,
    *,
    max_speed_mps=8.0,
    max_island_s: float = 30.0,
    slack_m: float = 5.0,
    max_iter: int = 20,
) -> np.ndarray:
    """Flag GPS fixes that imply an impossible speed: spikes and short teleport islands.

    Parameters
    ----------
    elapsed_s : array_like
        Sample times [s], sorted.
    x_m, y_m : array_like
        Projected positions [m] (see :func:`~trailtech.processing.geodesy.project_local`);
        NaN where there is no fix.
    max_speed_mps : float or array_like
        Fastest plausible horizontal speed [m/s]; one value, or one per fix (a multisport
        file's bike leg gets a higher limit than its run; a step between two fixes may go as
        fast as the larger of their limits).
    max_island_s : float
        Longest stretch of fixes between two impossible jumps that is still treated as a
        teleport [s]; the longest stretch of the track is always kept.
    slack_m : float
        Distance allowed on top of ``max_speed_mps * dt`` before a step counts as impossible
        [m]; absorbs ordinary GPS jitter at high sampling rates.
    max_iter : int
        Safety bound on the number of cleaning passes.

    Returns
    -------
    numpy.ndarray of bool
        True for fixes to drop.

    Notes
    -----
    Each pass is vectorised: spikes (impossible speed in *and* out) are dropped together;
    when none remain, islands shorter than ``max_island_s`` between impossible jumps are
    dropped. A lone persistent jump (the track continues from the new place for longer than
    ``max_island_s``) is kept: both sides are plausible and it is usually a real recording gap.
    """
    t = np.asarray(elapsed_s, dtype=float)
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    vmax = np.broadcast_to(np.asarray(max_speed_mps, dtype=float), t.shape)
    if not np.all(vmax > 0):
        raise ValueError(f"max_speed_mps must be > 0 everywhere, got {max_speed_mps}")
    bad = np.zeros(t.shape, dtype=bool)
    kept = np.flatnonzero(np.isfinite(t) & np.isfinite(x) & np.isfinite(y))
    for _ in range(max_iter):
        if kept.size < 3:
            break
        tk, xk, yk = t[kept], x[kept], y[kept]
        dt = np.diff(tk)
        dd = np.hypot(np.diff(xk), np.diff(yk))
        vk = vmax[kept]
        impossible = dd > np.maximum(vk[1:], vk[:-1]) * dt + slack_m
        if not impossible.any():
            break
        spike = np.zeros(kept.size, dtype=bool)
        spike[1:-1] = impossible[:-1] & impossible[1:]
        if spike.any():
            bad[kept[spike]] = True
            kept = kept[~spike]
            continue
        # Islands: runs of fixes separated by impossible steps.
        island = np.concatenate([[0], np.cumsum(impossible)])
        n_isl = island[-1] + 1
        first = np.searchsorted(island, np.arange(n_isl), side="left")
        last = np.searchsorted(island, np.arange(n_isl), side="right") - 1
        dur = tk[last] - tk[first]
        longest = int(np.argmax(dur))
        drop_isl = dur <= max_island_s
        drop_isl[longest] = False
        if not drop_isl.any():
            break
        drop = drop_isl[island]
        bad[kept[drop]] = True
        kept = kept[~drop]
    return bad


def smooth_path(x_m, y_m, *, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred moving average of a uniformly sampled path, NaN-aware.

    Averaging a few seconds of fixes removes the step-to-step jitter that inflates summed
    distance, while cutting trail corners by less than a metre at running speed. Near the
    ends of the track and of every NaN gap the window shrinks symmetrically, so end points
    stay where they were and a straight line stays exactly straight.

    Parameters
    ----------
    x_m, y_m : array_like
        Positions on a uniform time grid [m]; NaN in gaps (kept NaN).
    window : int
        Number of samples in the centred window (made odd, >= 1).

    Returns
    -------
    x_m, y_m : numpy.ndarray
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    x = np.asarray(x_m, dtype=float)
    y = np.asarray(y_m, dtype=float)
    n = x.size
    if window == 1 or n < 3:
        return x.copy(), y.copy()
    k = window // 2
    ok = np.isfinite(x) & np.isfinite(y)
    idx = np.arange(n)
    prev_bad = np.maximum.accumulate(np.where(ok, -1, idx))
    next_bad = np.minimum.accumulate(np.where(ok, n, idx)[::-1])[::-1]
    h = np.minimum(k, np.minimum(idx - prev_bad - 1, next_bad - idx - 1))
    h = np.maximum(h, 0)
    lo, hi = idx - h, idx + h + 1
    out = []
    for v in (x, y):
        cs = np.concatenate([[0.0], np.cumsum(np.where(ok, v, 0.0))])
        m = (cs[hi] - cs[lo]) / (2 * h + 1)
        m[~ok] = np.nan
        out.append(m)
    return out[0], out[1]
