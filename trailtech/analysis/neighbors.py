"""Neighbour searches in the plane, in pure numpy (no ``scipy.spatial``).

Repeats need two questions answered about points in local metres: which pairs of points lie
within a radius of each other (:func:`pairs_within`), and how far each point of one set is
from the nearest point of another (:func:`nearest_distance_m`). ``scipy.spatial.cKDTree``
answers both, but importing ``scipy.spatial`` costs about a third of a second, more than the
whole analysis of a long activity; these functions give the same answers, to the bit.

Both bucket the points in a uniform grid of square cells: any two points at most one cell
size apart lie in the same or adjacent cells, so each point is compared only with the points
of the 3 × 3 cells around it. The points are sorted by cell key, and each column of three
adjacent cells is one contiguous range of that order, found with :func:`numpy.searchsorted`.
Distances are computed as ``dx*dx + dy*dy`` and, for the nearest distance, its square root,
the arithmetic of ``cKDTree`` (Euclidean, ``p=2``), so results compare equal with ``==``.

Examples
--------
>>> import numpy as np
>>> xy = np.array([[0.0, 0.0], [3.0, 4.0], [20.0, 0.0], [23.0, 0.0]])
>>> pairs_within(xy, 5.0).tolist()
[[0, 1], [2, 3]]
>>> nearest_distance_m(xy[2:], xy[:2]).tolist()
[20.0, 17.46424919657298]
"""

from __future__ import annotations

from typing import Optional

import numpy as np

__all__ = ["PairSearch", "pairs_within", "nearest_distance_m"]

# Brute force below this many point pairs: building a grid costs more than it saves.
_BRUTE_PAIRS = 100_000
# Largest distance matrix computed at once (elements): bounded memory for large sets.
_CHUNK = 1 << 18
# At most this many cells along an axis, so that cell keys fit comfortably in int64.
_MAX_CELLS = 1 << 20


def _points(xy, name: str) -> np.ndarray:
    a = np.asarray(xy, dtype=float)
    if a.size == 0:
        return a.reshape(0, 2)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2), got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} holds non-finite coordinates")
    return a


class _Grid:
    """Points bucketed in square cells of side ``cell`` [m], sorted by cell key."""

    def __init__(self, xy: np.ndarray, cell: float):
        self.origin = xy.min(axis=0)
        extent = float((xy.max(axis=0) - self.origin).max())
        # A larger cell is always correct (the 3 × 3 neighbourhood still holds every point
        # within ``cell``); it only keeps the number of cells, and so the keys, bounded.
        self.cell = max(cell, extent / _MAX_CELLS)
        cx, cy = self.cells(xy)
        self.nx, self.ny = int(cx.max()), int(cy.max())
        # Keys with a margin of two cells on each side: a query cell up to one cell outside
        # the data, and its neighbours, never alias to another column.
        self.width = self.ny + 5
        key = self.key(cx, cy)
        self.order = np.argsort(key)
        self.keys = key[self.order]
        # Sorted coordinates as separate contiguous arrays: 1-D gathers are the fast kind.
        self.x = xy[self.order, 0]
        self.y = xy[self.order, 1]

    def cells(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = np.floor((xy - self.origin) / self.cell).astype(np.int64)
        return c[:, 0], c[:, 1]

    def key(self, cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        return (cx + 2) * self.width + (cy + 2)

    def ranges(self, keys: np.ndarray, dx: int, dy0: int, dy1: int) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi) in the sorted order of the cells ``dx`` columns across and ``dy0..dy1``
        rows up from the cells ``keys`` (one column of cells is one range)."""
        lo = np.searchsorted(self.keys, keys + (dx * self.width + dy0), side="left")
        hi = np.searchsorted(self.keys, keys + (dx * self.width + dy1), side="right")
        return lo, hi

    def nearest_sq(self, query: np.ndarray) -> np.ndarray:
        """Smallest squared distance from each query point to the points of the 3 × 3 cells
        around it [m²] (``inf`` when they hold none)."""
        best = np.full(len(query), np.inf)
        cx, cy = self.cells(query)
        # Queries more than a cell outside the data's box have no data around (and their
        # keys could alias).
        qi = np.flatnonzero((cx >= -1) & (cx <= self.nx + 1) & (cy >= -1) & (cy <= self.ny + 1))
        if qi.size == 0:
            return best
        keys = self.key(cx[qi], cy[qi])
        # Three columns of three cells per query, interleaved query by query so that each
        # query's candidates are contiguous and reduce with one minimum.reduceat.
        lo, hi = np.empty((2, qi.size, 3), dtype=np.intp)
        for c, dx in enumerate((-1, 0, 1)):
            lo[:, c], hi[:, c] = self.ranges(keys, dx, -1, 1)
        counts = (hi - lo).sum(axis=1)
        which, pos = _expand(np.repeat(qi, 3), lo.ravel(), hi.ravel())
        if pos.size:
            d2 = _sq_dist(query[which, 0], query[which, 1], self.x[pos], self.y[pos])
            has = counts > 0
            starts = (np.cumsum(counts) - counts)[has]
            best[qi[has]] = np.minimum.reduceat(d2, starts)
        return best


def _expand(ids: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every element of the ranges ``[lo, hi)``, range after range: (``ids`` of its range,
    its position)."""
    counts = hi - lo
    total = int(counts.sum())
    which = np.repeat(ids, counts)
    starts = np.cumsum(counts) - counts
    pos = np.arange(total) - np.repeat(starts - lo, counts)
    return which, pos


def _sq_dist(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> np.ndarray:
    """Squared distances of paired points, ``dx*dx + dy*dy`` (cKDTree's sum order)."""
    dx = x0 - x1
    dy = y0 - y1
    dx *= dx
    dy *= dy
    dx += dy
    return dx


class PairSearch:
    """The candidate pairs behind :func:`pairs_within`, examined block by block.

    Building it costs one sort of the points; :attr:`candidates` then tells how much work the
    search is before any of it is done, and :meth:`blocks` does it in bounded memory. A track
    whose positions stand still while its distance grows (a frozen GPS, damaged records)
    piles thousands of points into one cell, and the candidates grow with their square.

    Parameters
    ----------
    xy : array, shape (n, 2)
        Points [m].
    radius_m : float
        Largest distance of a pair [m] (inclusive).
    """

    def __init__(self, xy, radius_m: float):
        if not (np.isfinite(radius_m) and radius_m >= 0):
            raise ValueError(f"radius_m={radius_m} must be finite and non-negative")
        a = _points(xy, "xy")
        self.n = n = len(a)
        self.radius_m = float(radius_m)
        if n < 2:
            self.candidates = 0
            return
        # The cell a hair larger than the radius: a pair exactly ``radius_m`` apart must not
        # land two cells apart through the rounding of ``(x - origin) / cell``.
        g = self._grid = _Grid(a, radius_m * (1 + 1e-6) if radius_m > 0 else 1.0)
        keys = g.keys
        # Ranges are the same for every point of a cell: look them up once per cell.
        first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        size = np.diff(np.r_[first, n])
        ukeys = keys[first]
        _, up_hi = g.ranges(ukeys, 0, 1, 1)
        up_lo = np.r_[first[1:], n]  # the cell above, if any, is the next one in key order
        right_lo, right_hi = g.ranges(ukeys, 1, -1, 1)
        p = np.arange(n)
        # Each unordered pair once: later points of the same cell, the cell above, and the
        # column of three cells to the right.
        self._ids = np.tile(p, 3)
        self._lo = np.concatenate([p + 1, np.repeat(up_lo, size), np.repeat(right_lo, size)])
        self._hi = np.concatenate([np.repeat(up_lo, size), np.repeat(up_hi, size),
                                   np.repeat(right_hi, size)])
        #: Point pairs whose distance the search computes.
        self.candidates = int((self._hi - self._lo).sum())

    def blocks(self, block: int = 1 << 22):
        """Yield the pairs within the radius as ``(i, j)`` index arrays, ``i < j``, unsorted.

        Parameters
        ----------
        block : int
            About this many candidates are examined at once (more when one point alone has
            more): memory stays bounded whatever :attr:`candidates` is.
        """
        if self.candidates == 0:
            return
        g, r2 = self._grid, self.radius_m * self.radius_m
        cum = np.cumsum(self._hi - self._lo)
        cuts = np.r_[0, np.searchsorted(cum, np.arange(block, cum[-1], block), side="right"), cum.size]
        for a, b in zip(cuts[:-1], cuts[1:]):
            if b <= a:
                continue
            which, q = _expand(self._ids[a:b], self._lo[a:b], self._hi[a:b])
            keep = _sq_dist(g.x[which], g.y[which], g.x[q], g.y[q]) <= r2
            i, j = g.order[which[keep]], g.order[q[keep]]
            yield np.minimum(i, j), np.maximum(i, j)


def pairs_within(xy, radius_m: float) -> np.ndarray:
    """All pairs of points at most ``radius_m`` apart.

    The set ``scipy.spatial.cKDTree(xy).query_pairs(radius_m, output_type="ndarray")``
    returns, in a fixed order.

    Parameters
    ----------
    xy : array, shape (n, 2)
        Points [m].
    radius_m : float
        Largest distance of a pair [m] (inclusive).

    Returns
    -------
    numpy.ndarray of int, shape (k, 2)
        ``[i, j]`` with ``i < j``, sorted by ``i`` then ``j``.
    """
    search = PairSearch(xy, radius_m)
    n = search.n
    found = list(search.blocks())
    if not found:
        return np.empty((0, 2), dtype=np.intp)
    # One sort of a combined key (fast for int64) orders the pairs by i, then j.
    code = np.sort(np.concatenate([i.astype(np.int64) * n + j for i, j in found]))
    return np.column_stack([code // n, code % n]).astype(np.intp)


def _nearest_brute(data: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Smallest squared distance from each query point to the data, in bounded chunks."""
    out = np.empty(len(query))
    step = max(1, _CHUNK // max(len(data), 1))
    dx0, dy0 = data[:, 0], data[:, 1]
    for s in range(0, len(query), step):
        q = query[s:s + step]
        dx = q[:, 0, None] - dx0[None, :]
        dy = q[:, 1, None] - dy0[None, :]
        dx *= dx
        dy *= dy
        dx += dy
        out[s:s + step] = dx.min(axis=1)
    return out


def nearest_distance_m(data_xy, query_xy, *, cell_m: Optional[float] = None) -> np.ndarray:
    """Distance from each query point to the nearest data point [m].

    What ``scipy.spatial.cKDTree(data_xy).query(query_xy)[0]`` returns.

    Parameters
    ----------
    data_xy : array, shape (n, 2)
        Points searched [m].
    query_xy : array, shape (m, 2)
        Points whose nearest data point is wanted [m].
    cell_m : float, optional
        First grid cell size [m] (only speed depends on it). A query is settled by the
        3 × 3 cells around it when a data point lies within a cell size; the others are
        searched again with cells 4 × larger, and so on. Default: a quarter of the data's
        extent ÷ √n.

    Returns
    -------
    numpy.ndarray, shape (m,)
        Distances [m]; ``inf`` for every query when there is no data.
    """
    data = _points(data_xy, "data_xy")
    query = _points(query_xy, "query_xy")
    n, m = len(data), len(query)
    if n == 0 or m == 0:
        return np.full(m, np.inf)
    if cell_m is not None and not (np.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m={cell_m} must be finite and positive")
    extent = float((data.max(axis=0) - data.min(axis=0)).max())
    cell = cell_m if cell_m is not None else max(extent / np.sqrt(n) / 4, 1e-9)
    best = np.full(m, np.inf)
    todo = np.arange(m)
    # Brute force once the grid would hardly prune: few pairs left, or cells as large as
    # the data.
    while todo.size * n > _BRUTE_PAIRS and cell < extent:
        d2 = _Grid(data, cell * (1 + 1e-6)).nearest_sq(query[todo])
        # A neighbour within ``cell`` is the nearest point: every point that close lies in
        # the 3 × 3 cells looked at.
        done = d2 <= cell * cell
        best[todo[done]] = d2[done]
        todo = todo[~done]
        cell *= 4
    if todo.size:
        best[todo] = _nearest_brute(data, query[todo])
    return np.sqrt(best)
