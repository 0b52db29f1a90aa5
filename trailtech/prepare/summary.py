"""The totals of a prepared activity: :class:`PreparedSummary`, the last stage of
:func:`~trailtech.prepare.prepare`.

Moving time counts each moving row for the time since the previous row (the true time across
a compacted gap the runner moved through). GAP is Strava 2017's model and energy Minetti
2002's, both summed over the distance grid (:mod:`trailtech.processing.gap`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Optional

import numpy as np

from ..config import AnalysisConfig
from ..processing import gap as _gap
from .profile import ElevationProfile

__all__ = ["PreparedSummary", "summarise"]


@dataclass(frozen=True)
class PreparedSummary:
    """The totals of one prepared activity.

    Attributes
    ----------
    distance_m : float or None
        Total horizontal distance [m]; None without positions or device distance.
    duration_s : float
        Elapsed time from the first to the last timed sample [s].
    moving_time_s : float
        Time moving [s].
    ascent_m, descent_m : float or None
        Total ascent and descent by hysteresis on the smoothed profile [m].
    min_elevation_m, max_elevation_m : float or None
        Lowest and highest smoothed elevation [m].
    avg_speed_mps : float or None
        Distance over moving time [m/s].
    gap_speed_mps : float or None
        Grade-adjusted distance (Strava 2017) over moving time [m/s].
    elevation_source : str or None
        ``"barometric"``, ``"gps"``, ``"dem"`` (terrain tiles) or None (no elevation).
    energy_j_per_kg : float or None
        Energy cost of running the profile (Minetti 2002) [J/kg].
    distance_source : str or None
        ``"device"``, ``"gps"`` or None.
    speed_source : str or None
        ``"device"``, ``"distance"`` or None.
    timer_time_s : float or None
        The device's timer time (``DeviceTotals.moving_time_s``) [s].
    position_spikes : int
        GPS fixes removed as spikes or teleports.

    Every elevation value is None without elevation.
    """

    distance_m: Optional[float]
    duration_s: float
    moving_time_s: float
    ascent_m: Optional[float]
    descent_m: Optional[float]
    min_elevation_m: Optional[float]
    max_elevation_m: Optional[float]
    avg_speed_mps: Optional[float]
    gap_speed_mps: Optional[float]
    elevation_source: Optional[str]
    energy_j_per_kg: Optional[float]
    distance_source: Optional[str]
    speed_source: Optional[str]
    timer_time_s: Optional[float]
    position_spikes: int

    def to_dict(self) -> dict[str, Any]:
        """Every value, by field name."""
        return asdict(self)


def _gap_and_energy(prof: ElevationProfile, moving_time_s: float, config: AnalysisConfig
                    ) -> tuple[Optional[float], Optional[float]]:
    """GAP speed [m/s] and energy [J/kg] over the profile; None without grade."""
    d, g = prof.distance_m, prof.grade
    if not (moving_time_s > 0 and d.size > 1 and np.isfinite(g).any()):
        return None, None
    d_step = np.diff(d)
    g_step = 0.5 * (g[1:] + g[:-1])
    gap_m = _gap.gap_distance_m(d_step, g_step, model="strava2017", clip=config.gap_grade_clip)
    return gap_m / moving_time_s, _gap.energy_j_per_kg(d_step, g_step, clip=config.gap_grade_clip)


def summarise(
    *,
    t_s: np.ndarray,
    grid_s: np.ndarray,
    moving: np.ndarray,
    distance_m: np.ndarray,
    prof: ElevationProfile,
    elevation_source: Optional[str],
    distance_source: Optional[str],
    speed_source: Optional[str],
    timer_time_s: Optional[float],
    position_spikes: int,
    config: AnalysisConfig,
) -> PreparedSummary:
    """The totals of the prepared grids.

    Parameters
    ----------
    t_s : numpy.ndarray
        Elapsed time of the timed samples [s].
    grid_s : numpy.ndarray
        Elapsed time of the time-grid rows [s].
    moving : numpy.ndarray of bool
        Moving state per row.
    distance_m : numpy.ndarray
        Counted cumulative distance per row [m].
    prof : ElevationProfile
    elevation_source, distance_source, speed_source : str or None
    timer_time_s : float or None
    position_spikes : int
    config : AnalysisConfig
        Uses ``gap_grade_clip``.

    Returns
    -------
    PreparedSummary
    """
    total_m = float(distance_m[-1])
    moving_time = float(np.sum(np.diff(grid_s)[moving[1:]]))
    gap_speed = energy = None
    if elevation_source is not None:
        gap_speed, energy = _gap_and_energy(prof, moving_time, config)
    ele = prof.row_elevation_m[np.isfinite(prof.row_elevation_m)]
    return PreparedSummary(
        distance_m=total_m if distance_source else None,
        duration_s=float(t_s[-1] - t_s[0]),
        moving_time_s=moving_time,
        ascent_m=prof.ascent_m,
        descent_m=prof.descent_m,
        min_elevation_m=float(ele.min()) if ele.size else None,
        max_elevation_m=float(ele.max()) if ele.size else None,
        avg_speed_mps=total_m / moving_time if moving_time > 0 and distance_source else None,
        gap_speed_mps=gap_speed,
        elevation_source=elevation_source,
        energy_j_per_kg=energy,
        distance_source=distance_source,
        speed_source=speed_source,
        timer_time_s=timer_time_s,
        position_spikes=position_spikes,
    )
