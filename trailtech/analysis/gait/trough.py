"""The centre of the empty trough between two peaks of a histogram: the walk/run split of the
runner's cadence (:mod:`.classification`) and of their flat speed (:mod:`.anchor`), issue 15."""

from __future__ import annotations

from typing import Optional

import numpy as np

__all__ = ["trough_centre"]


def trough_centre(hist: np.ndarray, edges: np.ndarray, *, min_separation_spm: float = 20.0,
                  boundary_spm: float = 135.0, smooth_bins: int = 5,
                  level: float = 0.25) -> Optional[float]:
    """Centre of the trough between the runner's walking and running peaks of ``hist`` over
    ``edges`` (cadence [spm], or speed [m/s]: the ``_spm`` names then hold m/s; see
    :func:`.classification.cadence_threshold`); None unless there are two peaks, one below
    ``boundary_spm`` and one above it."""
    s = np.convolve(hist, np.ones(smooth_bins) / smooth_bins, mode="same")
    centres = 0.5 * (edges[:-1] + edges[1:])
    # The two peaks: the highest, and the one standing highest above the lowest point between
    # it and the first (its prominence) -- not the highest on the other side of the Otsu
    # split, which a long tail of one gait can hold.
    p1 = int(np.argmax(s))
    valley = np.array([s[min(i, p1):max(i, p1) + 1].min() for i in range(s.size)])
    far = np.abs(centres - centres[p1]) >= min_separation_spm
    if not far.any():
        return None
    p2 = int(np.argmax(np.where(far, s - valley, -1.0)))
    i_lo, i_hi = min(p1, p2), max(p1, p2)
    if s[p2] - valley[p2] <= 0 or not centres[i_lo] < boundary_spm <= centres[i_hi]:
        return None
    # Lowest point between the peaks, then the stretch around it under the level.
    i_min = i_lo + int(np.argmin(s[i_lo:i_hi + 1]))
    cut = s[i_min] + level * (min(s[i_lo], s[i_hi]) - s[i_min])
    a, b = i_min, i_min
    while a > i_lo and s[a - 1] <= cut:
        a -= 1
    while b < i_hi and s[b + 1] <= cut:
        b += 1
    return float(0.5 * (centres[a] + centres[b]))
