"""Positions on the time grid and the distance they add up to: a stage of
:func:`~trailtech.prepare.prepare`.

Spikes and teleports (faster than the sample's speed limit, see :mod:`.on_foot`) are removed
and interpolated over; a 5 s centred mean removes the jitter before distances are summed.
Position distance does not grow across timer pauses or segment breaks; across a plain
recording gap it grows along the straight line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..processing import geodesy as _geo
from ..processing import position as _pos
from .time_axis import TimeAxis

__all__ = ["POSITION_SMOOTH_S", "Positions", "positions", "bridged_cumulative"]

#: Window of the centred mean applied to positions before distances are summed [s].
POSITION_SMOOTH_S = 5.0


@dataclass(frozen=True, eq=False)
class Positions:
    """Cleaned positions on the grid.

    Attributes
    ----------
    lat_deg, lon_deg : numpy.ndarray
        Cleaned positions per grid row [deg]; NaN in gaps and without positions.
    x_m, y_m : numpy.ndarray
        The same positions in a local metric projection about their centroid [m]
        (:func:`~trailtech.processing.geodesy.project_local`): the timeline's ``x_m``/``y_m``.
    smooth_x_m, smooth_y_m : numpy.ndarray or None
        The 5 s smoothed path [m] (about the raw fixes' centroid) that distances are summed
        over; None without positions.
    smooth_lat_deg, smooth_lon_deg : numpy.ndarray or None
        The same smoothed path [deg] (where terrain tiles are sampled); None without positions.
    cum_m : numpy.ndarray or None
        Cumulative distance of the smoothed path per grid row [m]; None with fewer than two
        positioned rows.
    n_spikes : int
        Fixes removed as spikes or teleports.
    notes : tuple of str
    """

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    smooth_x_m: Optional[np.ndarray] = None
    smooth_y_m: Optional[np.ndarray] = None
    smooth_lat_deg: Optional[np.ndarray] = None
    smooth_lon_deg: Optional[np.ndarray] = None
    cum_m: Optional[np.ndarray] = None
    n_spikes: int = 0
    notes: tuple[str, ...] = ()

    @property
    def total_m(self) -> Optional[float]:
        """Total distance of the smoothed path [m]; None without it."""
        return None if self.cum_m is None else float(self.cum_m[-1])


def bridged_cumulative(
    step_m: np.ndarray, valid: np.ndarray, blocked: np.ndarray, grid_s: np.ndarray
) -> np.ndarray:
    """Cumulative distance over valid samples, linear across gaps, flat across blocked ones.

    Parameters
    ----------
    step_m : numpy.ndarray
        ``step_m[k]``: distance from the previous valid sample to valid sample k [m] (already
        bridged across gaps).
    valid : numpy.ndarray of bool
        Samples with a position.
    blocked : numpy.ndarray of bool
        Samples in pauses or segment breaks: a step that crosses one adds nothing.
    grid_s : numpy.ndarray
        Sample times [s]; across a gap the distance grows linearly in time (the compact grid
        jumps where it skips the middle of a long gap).

    Returns
    -------
    numpy.ndarray
        Cumulative distance per sample [m], non-decreasing, 0 at the first valid sample.
    """
    n = valid.size
    vi = np.flatnonzero(valid)
    if vi.size == 0:
        return np.zeros(n)
    steps = np.where(np.isfinite(step_m[vi]), step_m[vi], 0.0)
    cb = np.concatenate([[0], np.cumsum(blocked)])
    if vi.size > 1:
        crossed = (cb[vi[1:]] - cb[vi[:-1] + 1]) > 0  # any blocked sample strictly between
        crossed |= blocked[vi[1:]]
        steps[1:] = np.where(crossed, 0.0, steps[1:])
    steps[0] = 0.0
    cum_v = np.cumsum(steps)
    return np.interp(grid_s, grid_s[vi], cum_v)


def positions(
    lat_deg: Optional[np.ndarray],
    lon_deg: Optional[np.ndarray],
    axis: TimeAxis,
    *,
    max_speed_mps: np.ndarray,
    limit_text: str,
) -> Positions:
    """Clean the fixes of the timed samples and put them on the grid.

    Parameters
    ----------
    lat_deg, lon_deg : numpy.ndarray or None
        Fixes of the timed samples [deg] (NaN where none); None when the file has none.
    axis : TimeAxis
    max_speed_mps : numpy.ndarray
        Per timed sample, the highest plausible speed [m/s]: faster steps are spikes.
    limit_text : str
        That limit in words, for the note.

    Returns
    -------
    Positions
    """
    n = axis.n
    if lat_deg is None or lon_deg is None:
        nan = np.full(n, np.nan)
        return Positions(lat_deg=nan, lon_deg=nan, x_m=nan, y_m=nan)
    x, y, lat0, lon0 = _geo.project_local(lat_deg, lon_deg)
    bad = _pos.find_position_outliers(axis.t_s, x, y, max_speed_mps=max_speed_mps)
    n_spikes = int(bad.sum())
    notes = ()
    if n_spikes:
        notes = (
            f"Removed {n_spikes} GPS position spike(s)/teleport(s) implying more than "
            f"{limit_text} and interpolated over them.",
        )
    xg = axis.on_grid(np.where(bad, np.nan, x))
    yg = axis.on_grid(np.where(bad, np.nan, y))
    lat_g, lon_g = _geo.unproject_local(xg, yg, lat0_deg=lat0, lon0_deg=lon0)
    xs, ys = _pos.smooth_path(xg, yg, window=axis.window(POSITION_SMOOTH_S))
    # Steps are measured on the sphere (mid-latitude of each step), not in the projection,
    # whose scale drifts away from the centroid.
    slat, slon = _geo.unproject_local(xs, ys, lat0_deg=lat0, lon0_deg=lon0)
    valid = np.isfinite(xs)
    step = np.full(n, np.nan)
    vi = np.flatnonzero(valid)
    step[vi] = _geo.step_distances_m(slat[vi], slon[vi])
    cum = bridged_cumulative(step, valid, axis.blocked, axis.grid_s)
    # The timeline's frame: the cleaned grid positions about their own centroid (what the
    # analyses measure turns, paths and repeats in).
    x_m, y_m, _, _ = _geo.project_local(lat_g, lon_g)
    return Positions(
        lat_deg=lat_g, lon_deg=lon_g, x_m=x_m, y_m=y_m, smooth_x_m=xs, smooth_y_m=ys,
        smooth_lat_deg=slat, smooth_lon_deg=slon,
        cum_m=cum if valid.sum() >= 2 else None, n_spikes=n_spikes, notes=notes,
    )
