"""Cumulative distance: a stage of :func:`~trailtech.prepare.prepare`.

The device's cumulative distance is used when it is trustworthy (see
:func:`choose_device_distance`: FIT watches filter their distance, which beats raw position
sums), else the sum of cleaned positions (:mod:`.positions`). Once the moving state is known,
:func:`counted_distance` stops GPS distance from growing while the runner stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..config import AnalysisConfig
from ..errors import TrackDataError
from ..processing import resample as _rs
from .on_foot import DEVICE_STREAM_MIN_COVERAGE
from .time_axis import TimeAxis

__all__ = ["DEVICE_DISTANCE_RATIO", "RawDistance", "choose_device_distance", "raw_distance", "counted_distance"]

#: Device distance is used when its total is within this ratio of the position total.
DEVICE_DISTANCE_RATIO = (0.8, 1.25)


@dataclass(frozen=True, eq=False)
class RawDistance:
    """Cumulative distance per grid row before the moving state is known.

    Attributes
    ----------
    cum_m : numpy.ndarray
        Cumulative distance [m], non-decreasing; zeros without any distance.
    source : str or None
        ``"device"``, ``"gps"`` or None (no positions and no device distance).
    notes : tuple of str
    """

    cum_m: np.ndarray
    source: Optional[str]
    notes: tuple[str, ...] = ()


def choose_device_distance(
    pos_total_m: Optional[float], device_cum_m: Optional[np.ndarray], fmt: str
) -> tuple[bool, str]:
    """Whether to use the device's distance stream, and why.

    Measured on the corpus (docs/accuracy.md): FIT watches write a filtered cumulative
    distance whose end value *is* the session total, while summed positions read a little long
    or short depending on sampling and smoothing. The device stream is used when it covers
    most samples and agrees with the position sum within 0.8-1.25x (outside that it is a
    foot-pod or a broken stream, and positions are safer).

    Parameters
    ----------
    pos_total_m : float or None
        Total distance of the positions [m]; None without positions.
    device_cum_m : numpy.ndarray or None
        The device's cumulative distance per timed sample [m]; None when absent.
    fmt : str
        File format, for the reason.

    Returns
    -------
    use : bool
    why : str
    """
    if device_cum_m is None:
        return False, "no device distance"
    cover = float(np.isfinite(device_cum_m).mean())
    if cover < DEVICE_STREAM_MIN_COVERAGE:
        return False, f"device distance covers only {cover:.0%} of samples"
    # Sum of the increments, not max - min: multisport watches restart the distance at
    # each session, and a reset is not negative distance.
    steps = np.diff(device_cum_m[np.isfinite(device_cum_m)])
    dev_total = float(np.sum(steps[steps > 0]))
    if not dev_total > 0:
        return False, "device distance never increases"
    if pos_total_m is None or pos_total_m <= 0:
        return True, "no positions"
    r = dev_total / pos_total_m
    lo, hi = DEVICE_DISTANCE_RATIO
    if not (lo <= r <= hi):
        return False, f"device distance is {r:.2f}x the GPS distance"
    return True, f"{fmt} device distance"


def _device_cumulative(device_cum_m: np.ndarray, axis: TimeAxis, max_speed_mps: np.ndarray) -> tuple[np.ndarray, bool]:
    """The device distance on the grid, resets and impossible jumps left out; and whether it reset."""
    dgrid = _rs.interp_on_time_grid(axis.t_s, device_cum_m, axis.grid_s, max_gap_s=np.inf)
    inc = np.diff(dgrid, prepend=dgrid[0])
    inc = np.where(np.isfinite(inc), inc, 0.0)
    # Resets (multisport, lap-relative writers) and impossible jumps add nothing.
    limit = max_speed_mps * axis.dt_s * 1.5 + 10.0
    jumps = (inc < 0) | (inc > limit) & ~axis.gap
    reset = bool(np.any(jumps & (inc < 0)))
    inc = np.where(jumps, 0.0, inc)
    inc[0] = 0.0
    return np.cumsum(inc), reset


def raw_distance(
    device_cum_m: Optional[np.ndarray],
    position_cum_m: Optional[np.ndarray],
    axis: TimeAxis,
    *,
    max_speed_mps: np.ndarray,
    fmt: str,
) -> RawDistance:
    """The cumulative distance per grid row, from the device or from the positions.

    Parameters
    ----------
    device_cum_m : numpy.ndarray or None
        The device's cumulative distance per timed sample [m].
    position_cum_m : numpy.ndarray or None
        Cumulative distance of the cleaned positions per grid row [m] (:mod:`.positions`).
    axis : TimeAxis
    max_speed_mps : numpy.ndarray
        Per grid row, the highest plausible speed [m/s]: a faster device step is a glitch.
    fmt : str
        File format (for the note).

    Returns
    -------
    RawDistance
    """
    pos_total = None if position_cum_m is None else float(position_cum_m[-1])
    use_device, why = choose_device_distance(pos_total, device_cum_m, fmt)
    if use_device:
        cum, reset = _device_cumulative(device_cum_m, axis, max_speed_mps)
        notes = ("The device distance went backwards (reset); the resets were ignored.",) if reset else ()
        return RawDistance(cum, "device", notes)
    if position_cum_m is not None:
        notes = ()
        if device_cum_m is not None:
            notes = (f"Device distance not used ({why}); distance is from GPS positions.",)
        return RawDistance(position_cum_m, "gps", notes)
    return RawDistance(np.zeros(axis.n), None,
                       ("No positions and no device distance: distance and speed are unknown.",))


def counted_distance(raw: RawDistance, moving: np.ndarray, config: AnalysisConfig, source: str) -> np.ndarray:
    """The distance that counts: GPS drift while standing adds nothing [m].

    Parameters
    ----------
    raw : RawDistance
    moving : numpy.ndarray of bool
        Moving state per grid row.
    config : AnalysisConfig
        Uses ``max_distance_m``.
    source : str
        The file name, for the error.

    Returns
    -------
    numpy.ndarray
        Cumulative distance per grid row [m], non-decreasing.

    Raises
    ------
    TrackDataError
        More than ``config.max_distance_m`` (broken positions or device distance).
    """
    inc = np.diff(raw.cum_m, prepend=raw.cum_m[0])
    if raw.source == "gps":
        inc = np.where(moving, inc, 0.0)  # GPS drift while standing is not distance
    distance = np.cumsum(np.maximum(inc, 0.0))
    total_m = float(distance[-1])
    if total_m > config.max_distance_m:
        raise TrackDataError(
            source, f"the track covers {total_m / 1000:.0f} km, more than the "
            f"{config.max_distance_m / 1000:.0f} km trailtech analyses in one file "
            f"(AnalysisConfig.max_distance_m); its positions or device distance are probably broken"
        )
    return distance
