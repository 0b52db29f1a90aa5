"""Neighbour searches in the plane: :class:`scipy.spatial.cKDTree`, with a guard on the work.

Repeats need two questions answered about points in local metres: which pairs of points lie
within a radius of each other (:class:`PairSearch`, :func:`pairs_within`), and how far each
point of one set is from the nearest point of another (:func:`nearest_distance_m`).
``scipy.spatial`` is imported inside the functions, so ``import trailtech`` does not load it.

A track whose positions stand still while its distance grows (a frozen GPS, damaged records)
piles thousands of points onto one spot, and the pairs grow with the square of the pile: a
mutated FIT once asked for 9-12 GiB. :class:`PairSearch` therefore counts the pairs first
(``count_neighbors`` adds up whole tree nodes, so counting a pile costs little) and lets its
caller refuse the search; below that, it yields the pairs block by block in bounded memory.

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

from typing import Iterator

import numpy as np

__all__ = ["PairSearch", "pairs_within", "nearest_distance_m"]


def _points(xy, name: str) -> np.ndarray:
    a = np.asarray(xy, dtype=float)
    if a.size == 0:
        return a.reshape(0, 2)
    if a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2), got {a.shape}")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} holds non-finite coordinates")
    return a


def _radius(radius_m: float) -> float:
    if not (np.isfinite(radius_m) and radius_m >= 0):
        raise ValueError(f"radius_m={radius_m} must be finite and non-negative")
    return float(radius_m)


class PairSearch:
    """The pairs of points within a radius: counted when built, found block by block.

    Building it costs one k-d tree and one count; :attr:`candidates` then tells how large the
    search is before any pair is listed, and :meth:`blocks` lists them in bounded memory.

    Parameters
    ----------
    xy : array, shape (n, 2)
        Points [m].
    radius_m : float
        Largest distance of a pair [m] (inclusive).
    """

    def __init__(self, xy, radius_m: float):
        self.radius_m = _radius(radius_m)
        self._xy = a = _points(xy, "xy")
        self.n = n = len(a)
        #: Pairs ``i < j`` within the radius (what :meth:`blocks` yields in all).
        self.candidates = 0
        if n < 2:
            return
        from scipy.spatial import cKDTree

        self._tree = cKDTree(a)
        # Ordered pairs, each point with itself included: n + 2 per unordered pair.
        self.candidates = (int(self._tree.count_neighbors(self._tree, self.radius_m)) - n) // 2

    def blocks(self, block: int = 1 << 21) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield the pairs within the radius as ``(i, j)`` index arrays, ``i < j``, unsorted.

        Parameters
        ----------
        block : int
            At most about this many pairs are held at once (more when one point alone has
            more neighbours): memory stays bounded whatever :attr:`candidates` is.
        """
        if self.candidates == 0:
            return
        tree, r = self._tree, self.radius_m
        if self.candidates <= block:
            p = tree.query_pairs(r, output_type="ndarray")
            yield p[:, 0], p[:, 1]
            return
        from scipy.spatial import cKDTree

        # Rows of points in turn, cut where their neighbours add up to about twice ``block``
        # (each pair is counted from both ends, and each point counts itself); a block's
        # pairs are those among its rows and those from its rows to later rows.
        cum = np.cumsum(tree.query_ball_point(self._xy, r, return_length=True))
        cuts = np.unique(np.r_[0, np.searchsorted(cum, np.arange(2 * block, cum[-1], 2 * block)), self.n])
        for a, b in zip(cuts[:-1], cuts[1:]):
            rows = cKDTree(self._xy[a:b])
            inner = rows.query_pairs(r, output_type="ndarray")
            yield inner[:, 0] + a, inner[:, 1] + a
            if b < self.n:
                later = rows.sparse_distance_matrix(cKDTree(self._xy[b:]), r, output_type="ndarray")
                yield later["i"] + a, later["j"] + b


def pairs_within(xy, radius_m: float) -> np.ndarray:
    """All pairs of points at most ``radius_m`` apart.

    ``scipy.spatial.cKDTree(xy).query_pairs(radius_m, output_type="ndarray")``, in a fixed
    order.

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
    r = _radius(radius_m)
    a = _points(xy, "xy")
    if len(a) < 2:
        return np.empty((0, 2), dtype=np.intp)
    from scipy.spatial import cKDTree

    p = cKDTree(a).query_pairs(r, output_type="ndarray").reshape(-1, 2).astype(np.intp)
    return p[np.lexsort((p[:, 1], p[:, 0]))]


def nearest_distance_m(data_xy, query_xy) -> np.ndarray:
    """Distance from each query point to the nearest data point [m].

    ``scipy.spatial.cKDTree(data_xy).query(query_xy)[0]``.

    Parameters
    ----------
    data_xy : array, shape (n, 2)
        Points searched [m].
    query_xy : array, shape (m, 2)
        Points whose nearest data point is wanted [m].

    Returns
    -------
    numpy.ndarray, shape (m,)
        Distances [m]; ``inf`` for every query when there is no data.
    """
    data = _points(data_xy, "data_xy")
    query = _points(query_xy, "query_xy")
    if len(data) == 0 or len(query) == 0:
        return np.full(len(query), np.inf)
    from scipy.spatial import cKDTree

    return cKDTree(data).query(query)[0]
