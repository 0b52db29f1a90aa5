"""The climbs table: each climb's length, gain, grade, and how much of it the runner hiked.

Science: ``science.md`` 2B. Vertical speed (VAM) is reported per gait, from the rows of the
climb the runner hiked or ran.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from ..timeline import GAIT_HIKE, GAIT_RUN, GAIT_STOP, Profile, Timeline
from .tables import empty_table, time_at

__all__ = ["climbs_table"]


def _gait_vam(elevation_m: np.ndarray, dt_s: np.ndarray, sel: np.ndarray) -> Optional[float]:
    """Vertical speed over the rows ``sel`` of one climb [m/h]; None under 10 s of them (too
    little of a gait to say anything about its climbing rate)."""
    tsum = float(np.sum(dt_s[sel]))
    if tsum < 10:
        return None
    dh = np.r_[np.diff(elevation_m), 0.0]
    rise = float(np.nansum(dh[sel]))
    return rise / tsum * 3600.0


def climbs_table(timeline: Timeline, profile: Profile, climbs: np.ndarray, climb_rows: list[slice],
                 row_dt_s: np.ndarray) -> pd.DataFrame:
    """One row per climb.

    Parameters
    ----------
    timeline : Timeline
        With its gait classified.
    profile : Profile
    climbs : array of int, shape (k, 2)
        Inclusive profile index ranges of the climbs.
    climb_rows : list of slice
        The timeline rows of each climb.
    row_dt_s : array
        Time each timeline row stands for [s].

    Returns
    -------
    DataFrame with :data:`~.tables.CLIMB_COLUMNS`.
    """
    pdist, ph = profile.distance_m, profile.elevation_m
    rows = []
    for (a, b), sl in zip(climbs, climb_rows):
        length = pdist[b] - pdist[a]
        gain = ph[b] - ph[a]
        gait, dt = timeline.gait[sl], row_dt_s[sl]
        mt = float(np.sum(dt[gait != GAIT_STOP]))
        ht = float(np.sum(dt[gait == GAIT_HIKE]))
        h = timeline.elevation_m[sl]
        rows.append({
            "start_m": pdist[a], "end_m": pdist[b], "start_time": time_at(timeline, sl.start),
            "length_m": length, "gain_m": gain, "avg_grade_pct": 100 * gain / length,
            "hike_fraction": ht / mt if mt > 0 else None,
            "hike_vam_m_per_h": _gait_vam(h, dt, gait == GAIT_HIKE),
            "run_vam_m_per_h": _gait_vam(h, dt, gait == GAIT_RUN),
            "moving_time_s": mt,
        })
    return pd.DataFrame(rows) if rows else empty_table("climbs", ("moving_time_s",))
