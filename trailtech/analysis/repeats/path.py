"""The track as a path for the repeat search: resampled every few metres of distance, and
the stretches of it the track comes back to (science.md topic 6)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Optional

import numpy as np

from ..neighbors import PairSearch
from ..segments import runs

__all__ = ["Path", "resample_path", "MAX_REVISIT_CANDIDATES", "TooManyRevisits",
           "revisited_stretches"]


@dataclass(frozen=True)
class Path:
    """The track resampled every ``step_m`` metres of distance.

    Attributes: ``x_m``, ``y_m`` (local east/north [m]), ``distance_m``, ``elevation_m``,
    ``elapsed_s`` (time the runner reached each point [s]), and ``raw`` = (x, y, elapsed,
    elevation, distance) of the original rows with a position, used to time the passes at 1 s.
    """

    x_m: np.ndarray
    y_m: np.ndarray
    distance_m: np.ndarray
    elevation_m: np.ndarray
    elapsed_s: np.ndarray
    raw: tuple = (np.empty(0),) * 5

    @cached_property
    def xy(self) -> np.ndarray:
        # Built once: every reference's pass search reads it. Read-only, as it is shared.
        xy = np.column_stack([self.x_m, self.y_m])
        xy.setflags(write=False)
        return xy


def resample_path(x_m, y_m, distance_m, elevation_m, elapsed_s, *, step_m: float = 5.0) -> Path:
    """Resample a timeline onto a uniform distance grid (rows without position are skipped).

    Parameters
    ----------
    x_m, y_m : array
        Local east/north coordinates [m].
    distance_m : array
        Non-decreasing distance [m].
    elevation_m, elapsed_s : array
        [m] (may be all NaN), [s].
    step_m : float
        Grid step [m].

    Returns
    -------
    Path
    """
    if step_m <= 0:
        raise ValueError(f"step_m={step_m} must be positive")
    x, y, d = (np.asarray(a, float) for a in (x_m, y_m, distance_m))
    h, t = np.asarray(elevation_m, float), np.asarray(elapsed_s, float)
    ok = np.isfinite(x) & np.isfinite(y) & np.isfinite(d) & np.isfinite(t)
    x, y, d, h, t = x[ok], y[ok], d[ok], h[ok], t[ok]
    raw = (x, y, t, h, d)
    # While stopped the distance does not grow: keep the first row of each distance so that
    # the time assigned to a point is when the runner arrived there.
    keep = np.r_[True, np.diff(d) > 0] if d.size else np.zeros(0, bool)
    x, y, d, h, t = x[keep], y[keep], d[keep], h[keep], t[keep]
    if d.size < 2:
        e = np.empty(0)
        return Path(e, e, e, e, e, raw)
    grid = np.arange(d[0], d[-1] + 1e-9, step_m)
    hh = np.interp(grid, d[np.isfinite(h)], h[np.isfinite(h)]) if np.isfinite(h).sum() >= 2 \
        else np.full(grid.size, np.nan)
    return Path(np.interp(grid, d, x), np.interp(grid, d, y), grid, hh, np.interp(grid, d, t), raw)


#: Most point pairs :func:`revisited_stretches` compares (~2 s of work). 100 laps of a 400 m
#: track need about 4 million; a frozen GPS fix under a growing distance, billions.
MAX_REVISIT_CANDIDATES = 60_000_000


class TooManyRevisits(ValueError):
    """The track comes back to the same spots too often for the revisit search to finish."""

    def __init__(self, candidates: int, limit: int):
        super().__init__(f"{candidates:,} point pairs to compare (limit {limit:,})")
        self.candidates = candidates


def revisited_stretches(path: Path, *, radius_m: float = 15.0, min_separation_m: float = 200.0,
                        min_length_m: float = 100.0, max_length_m: float = 1000.0,
                        max_candidates: Optional[int] = None) -> np.ndarray:
    """Stretches (first visit) that the track comes back to later, as path index ranges.

    A point is revisited when a point at least ``min_separation_m`` further along the track
    lies within ``radius_m``. Runs of revisited points at least ``min_length_m`` long are
    returned, cut into pieces of at most ``max_length_m``.

    Returns
    -------
    numpy.ndarray of int, shape (k, 2)
        Inclusive ``[start, end]`` path indices.

    Raises
    ------
    TooManyRevisits
        When the neighbour search would compare more than ``max_candidates`` point pairs
        (default :data:`MAX_REVISIT_CANDIDATES`), checked before any is compared; memory
        stays bounded below that.
    """
    xy = path.xy
    if len(xy) < 3:
        return np.empty((0, 2), int)
    limit = MAX_REVISIT_CANDIDATES if max_candidates is None else max_candidates
    search = PairSearch(xy, radius_m)
    if search.candidates > limit:
        raise TooManyRevisits(search.candidates, limit)
    mark = np.zeros(len(xy), bool)
    for a, b in search.blocks():  # a < b
        far = path.distance_m[b] - path.distance_m[a] >= min_separation_m
        mark[a[far]] = True
    if not mark.any():
        return np.empty((0, 2), int)
    out = []
    step = float(path.distance_m[-1] - path.distance_m[0]) / (len(path.distance_m) - 1)
    max_pts = max(2, int(max_length_m / step))
    for s, e in runs(mark):
        if path.distance_m[e - 1] - path.distance_m[s] < min_length_m:
            continue
        for c in range(s, e - 1, max_pts):
            ce = min(c + max_pts, e - 1)
            if path.distance_m[ce] - path.distance_m[c] >= min_length_m:
                out.append((c, ce))
    return np.asarray(out, int).reshape(-1, 2)
