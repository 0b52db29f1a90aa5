"""Elevation on the time grid: a stage of :func:`~trailtech.prepare.prepare`.

Invalid values (sentinels, zero dropouts, garbage) are dropped; the source is barometric or
GPS (the file's metadata, else the 1 Hz noise test); a Hampel filter repairs short outliers,
and barometric elevation loses jumps faster than any runner climbs. Smoothing happens later,
on the distance grid (:mod:`.profile`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..config import AnalysisConfig
from ..processing import elevation as _ele
from .time_axis import TimeAxis

__all__ = ["Elevation", "elevation"]


@dataclass(frozen=True, eq=False)
class Elevation:
    """Cleaned elevation per grid row.

    Attributes
    ----------
    values_m : numpy.ndarray or None
        Elevation [m] (NaN in gaps); None without usable elevation.
    barometric : bool or None
        Whether it comes from a barometric altimeter; None without elevation.
    notes : tuple of str
    """

    values_m: Optional[np.ndarray]
    barometric: Optional[bool]
    notes: tuple[str, ...] = ()

    @property
    def source(self) -> Optional[str]:
        """``"barometric"``, ``"gps"`` or None."""
        if self.values_m is None:
            return None
        return "barometric" if self.barometric else "gps"


def elevation(
    elevation_m: Optional[np.ndarray], axis: TimeAxis, barometric: Optional[bool], config: AnalysisConfig
) -> Elevation:
    """Clean the elevation of the timed samples and put it on the grid.

    Parameters
    ----------
    elevation_m : numpy.ndarray or None
        Elevation per timed sample [m]; None when the file has none.
    axis : TimeAxis
    barometric : bool or None
        What the file says about its altimeter (``TrackMeta.barometric``); None: decided from
        the signal's noise.
    config : AnalysisConfig
        Uses ``baro_median_abs_step_m``, ``baro_p99_abs_step_m``, ``hampel_window_s`` and
        ``max_vertical_speed_mps``.

    Returns
    -------
    Elevation
    """
    notes = []
    ele = elevation_m
    if ele is not None:
        invalid = _ele.invalid_elevation_mask(ele)
        if invalid.any():
            notes.append(f"Dropped {int(invalid.sum())} invalid elevation sample(s) (sentinels, zero dropouts or garbage).")
            ele = np.where(invalid, np.nan, ele)
        if np.isfinite(ele).sum() < 2:
            notes.append("No usable elevation: ascent, descent, grade and GAP are not computed.")
            ele = None
    if ele is None:
        notes.append("The file has no elevation: ascent, descent, grade and GAP are not computed.")
        return Elevation(None, None, tuple(notes))
    if barometric is None:
        barometric = _ele.is_barometric_like(
            axis.t_s, ele, median_abs_step_m=config.baro_median_abs_step_m, p99_abs_step_m=config.baro_p99_abs_step_m
        )
    ele_g, _ = _ele.hampel(axis.on_grid(ele), window=axis.window(config.hampel_window_s), min_scale=0.1)
    if barometric:
        ele_g, n_clamped = _ele.clamp_vertical_rate(
            axis.grid_s, ele_g, max_vertical_speed_mps=config.max_vertical_speed_mps
        )
        if n_clamped:
            notes.append(f"Removed {n_clamped} elevation jump(s) faster than {config.max_vertical_speed_mps:g} m/s.")
    return Elevation(ele_g, bool(barometric), tuple(notes))
