"""Horizontal speed: a stage of :func:`~trailtech.prepare.prepare`.

The device speed (Doppler) when present and consistent with the distance, else the derivative
of distance (5 s median, 3 s mean); impossible speeds and accelerations are removed. With GPS
distance, the speed is taken again from the distance actually counted (0 while stopped) once
the moving state is known (:func:`counted_speed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..processing import speed as _spd
from .on_foot import DEVICE_STREAM_MIN_COVERAGE, OnFoot
from .time_axis import TimeAxis

__all__ = ["DEVICE_SPEED_RATIO", "Speed", "speed", "counted_speed"]

#: Device speed is used when its integral is within this ratio of the distance's.
DEVICE_SPEED_RATIO = (0.75, 1.33)
#: Window of the centred mean applied to the device speed [s].
DEVICE_SPEED_MEAN_S = 3.0


@dataclass(frozen=True, eq=False)
class Speed:
    """Speed per grid row.

    Attributes
    ----------
    mps : numpy.ndarray
        Cleaned horizontal speed [m/s].
    source : str or None
        ``"device"``, ``"distance"`` (derivative of distance) or None (no distance at all).
    notes : tuple of str
    """

    mps: np.ndarray
    source: Optional[str]
    notes: tuple[str, ...] = ()


def speed(
    device_speed_mps: Optional[np.ndarray],
    raw_cum_m: np.ndarray,
    distance_source: Optional[str],
    axis: TimeAxis,
    foot: OnFoot,
) -> Speed:
    """The speed per grid row, from the device or from the distance.

    Parameters
    ----------
    device_speed_mps : numpy.ndarray or None
        The device speed per timed sample [m/s].
    raw_cum_m : numpy.ndarray
        Cumulative distance per grid row [m] (:func:`~.distance.raw_distance`).
    distance_source : str or None
        Where that distance came from (None: there is none).
    axis : TimeAxis
    foot : OnFoot
        The speed and acceleration limits per grid row.

    Returns
    -------
    Speed
    """
    grid = axis.grid_s
    with_gaps = np.where(axis.gap, np.nan, raw_cum_m)
    from_distance = _spd.speed_from_distance(grid, with_gaps)
    v, source = from_distance, ("distance" if distance_source else None)
    notes = []
    if device_speed_mps is not None and np.isfinite(device_speed_mps).mean() >= DEVICE_STREAM_MIN_COVERAGE:
        vg = axis.on_grid(device_speed_mps)
        covered = np.isfinite(vg) & np.isfinite(from_distance)
        dev_int = float(np.sum(vg[covered]) * axis.dt_s)
        dist_int = float(np.sum(from_distance[covered]) * axis.dt_s)
        lo, hi = DEVICE_SPEED_RATIO
        if distance_source is None or (dist_int > 0 and lo <= dev_int / dist_int <= hi):
            v, source = _spd.rolling_mean(vg, axis.window(DEVICE_SPEED_MEAN_S)), "device"
        else:
            notes.append("The device speed disagrees with the distance; speed is from distance instead.")
    v, n_bad = _spd.clean_speed(grid, v, max_speed_mps=foot.max_speed_mps, max_accel_mps2=foot.max_accel_mps2)
    if n_bad:
        notes.append(f"Replaced {n_bad} impossible speed sample(s) (> {foot.limit_text} or spikes).")
    return Speed(v, source, tuple(notes))


def counted_speed(
    spd: Speed, distance_m: np.ndarray, distance_source: Optional[str], axis: TimeAxis, foot: OnFoot
) -> np.ndarray:
    """The final speed per grid row [m/s]: NaN in gaps, and with GPS distance the derivative of
    the distance actually counted (0 while stopped)."""
    v = spd.mps
    if distance_source == "gps" and spd.source == "distance":
        d = np.where(axis.gap, np.nan, distance_m)
        v, _ = _spd.clean_speed(
            axis.grid_s, _spd.speed_from_distance(axis.grid_s, d),
            max_speed_mps=foot.max_speed_mps, max_accel_mps2=foot.max_accel_mps2,
        )
    return np.where(axis.gap, np.nan, v)
