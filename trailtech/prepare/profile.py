"""Elevation and grade on a uniform distance grid, and back on the time grid: a stage of
:func:`~trailtech.prepare.prepare`.

Over the moving rows, elevation is put on a uniform distance grid (``config.distance_grid_m``)
and smoothed there with Savitzky-Golay over the source's window; grade is the rise over the
source's baseline; ascent and descent are counted by hysteresis (GPS: scaled with the track's
own altitude noise). ``np.interp(timeline.distance_m, profile.distance_m, q)`` then gives the
smoothed elevation and the grade at each second, and vertical speed is a 30 s regression.
A track without horizontal distance (treadmill, no GPS) is smoothed in time instead, and has
no grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..config import AnalysisConfig
from ..processing import elevation as _ele
from ..processing import grade as _grade
from ..processing import resample as _rs
from ..processing import speed as _spd
from .elevation import Elevation
from .time_axis import TimeAxis

__all__ = ["TIME_SMOOTH_S", "ElevationProfile", "profile"]

#: Savitzky-Golay window of elevation smoothed in time, without horizontal distance [s].
TIME_SMOOTH_S = 60.0


@dataclass(frozen=True, eq=False)
class ElevationProfile:
    """The distance grid and what it gives back to the time grid.

    Attributes
    ----------
    distance_m : numpy.ndarray
        Uniform distance grid over the moving rows [m].
    elevation_m : numpy.ndarray
        Smoothed elevation on it [m]; NaN without elevation or horizontal distance.
    grade : numpy.ndarray
        Grade on it (fraction, not clipped); NaN likewise.
    elapsed_s : numpy.ndarray
        When the runner was at each distance [s since the first grid row].
    row_elevation_m, row_grade : numpy.ndarray
        Smoothed elevation [m] and grade (fraction) per time-grid row.
    vertical_speed_mps : numpy.ndarray
        Per time-grid row [m/s], positive climbing.
    ascent_m, descent_m : float or None
        Totals by hysteresis; None without elevation.
    notes : tuple of str
    """

    distance_m: np.ndarray
    elevation_m: np.ndarray
    grade: np.ndarray
    elapsed_s: np.ndarray
    row_elevation_m: np.ndarray
    row_grade: np.ndarray
    vertical_speed_mps: np.ndarray
    ascent_m: Optional[float] = None
    descent_m: Optional[float] = None
    notes: tuple[str, ...] = ()


def _settings(source: str, config: AnalysisConfig) -> tuple[float, float, float]:
    """Smoothing window, grade baseline and ascent hysteresis of the elevation source [m]."""
    if source == "dem":
        return config.sg_window_dem_m, config.grade_baseline_dem_m, config.ascent_hysteresis_dem_m
    if source == "barometric":
        return config.sg_window_baro_m, config.grade_baseline_baro_m, config.ascent_hysteresis_baro_m
    return config.sg_window_gps_m, config.grade_baseline_gps_m, config.ascent_hysteresis_gps_m


def _on_distance_grid(distance_m: np.ndarray, sel: np.ndarray, ele: Elevation, dgrid: np.ndarray,
                      config: AnalysisConfig) -> tuple[np.ndarray, np.ndarray, float, float, list]:
    """Smoothed elevation and grade on the distance grid, ascent and descent [m], and notes."""
    step_m = float(config.distance_grid_m)
    window_m, baseline_m, hyst_m = _settings(str(ele.source), config)
    raw = _rs.interp_on_distance_grid(distance_m[sel], ele.values_m[sel], dgrid)
    notes = []
    if ele.source == "dem" and ele.recorded_m is not None:
        raw, notes = _refine_tiles(distance_m, sel, ele.recorded_m, raw, dgrid, config)
    smooth = _ele.smooth_profile(raw, grid_m=step_m, window_m=window_m, polyorder=config.sg_polyorder)
    if ele.source == "gps":
        # Two stages: the smoothing's residual measures this track's GPS altitude noise, and
        # the hysteresis scales with it (quiet receivers keep their small climbs).
        hyst_m = _ele.noise_scaled_hysteresis(
            raw, smooth, factor=config.gps_hysteresis_noise_factor,
            min_m=config.ascent_hysteresis_baro_m, max_m=config.ascent_hysteresis_gps_m,
        )
    grade = _grade.grade_from_profile(dgrid, smooth, baseline_m=baseline_m)
    ascent, descent = _ele.ascent_descent(smooth, hysteresis_m=hyst_m)
    return smooth, grade, ascent, descent, notes


def _refine_tiles(distance_m: np.ndarray, sel: np.ndarray, recorded_m: np.ndarray, tiles_m: np.ndarray,
                  dgrid: np.ndarray, config: AnalysisConfig) -> tuple[np.ndarray, list]:
    """Tile heights on the distance grid refined with the recording's own altitude, and a note."""
    from ..processing.dem_fusion import fuse_gps_band

    own = sel & np.isfinite(recorded_m)
    if own.sum() < 2:
        return tiles_m, []
    rec = _rs.interp_on_distance_grid(distance_m[own], recorded_m[own], dgrid)
    fused = fuse_gps_band(tiles_m, rec, grid_m=float(config.distance_grid_m), weight=config.dem_gps_weight,
                          short_m=config.dem_gps_short_m, long_m=config.dem_gps_long_m,
                          max_noise_m=config.dem_gps_max_noise_m)
    if fused.used:
        return fused.elevation_m, [f"Terrain tiles refined with the recorded altitude (independent errors averaged "
                                   f"over {config.dem_gps_short_m:g}-{config.dem_gps_long_m:g} m; their difference "
                                   f"there: {fused.noise_m:.1f} m)."]
    if fused.noise_m is not None:
        return tiles_m, [f"Terrain tiles used alone: the recorded altitude differs from them by {fused.noise_m:.1f} m "
                         f"within {config.dem_gps_short_m:g}-{config.dem_gps_long_m:g} m, more than "
                         f"{config.dem_gps_max_noise_m:g} m."]
    return tiles_m, []


def _in_time(ele: Elevation, moving: np.ndarray, axis: TimeAxis, config: AnalysisConfig) -> tuple[np.ndarray, float, float]:
    """Without horizontal distance: elevation smoothed in time, and ascent and descent [m]."""
    values = ele.values_m
    filled = np.where(np.isfinite(values), values, np.nanmedian(values))
    win = axis.window(TIME_SMOOTH_S)
    smooth = _ele.smooth_profile(filled, grid_m=1.0, window_m=float(win), polyorder=config.sg_polyorder)
    _, _, hyst_m = _settings(str(ele.source), config)
    ascent, descent = _ele.ascent_descent(smooth[moving], hysteresis_m=hyst_m)
    return smooth, ascent, descent


def profile(distance_m: np.ndarray, moving: np.ndarray, ele: Elevation, axis: TimeAxis,
            config: AnalysisConfig) -> ElevationProfile:
    """Elevation and grade on the distance grid, and back on the time grid.

    Parameters
    ----------
    distance_m : numpy.ndarray
        Counted cumulative distance per time-grid row [m].
    moving : numpy.ndarray of bool
        Moving state per time-grid row: the profile is built over the moving rows.
    ele : Elevation
    axis : TimeAxis
    config : AnalysisConfig
        Uses ``distance_grid_m``, the ``sg_*``, ``grade_baseline_*`` and
        ``ascent_hysteresis_*`` settings, ``gps_hysteresis_noise_factor`` and ``vam_window_s``.

    Returns
    -------
    ElevationProfile
    """
    n, grid = axis.n, axis.grid_s
    step_m = float(config.distance_grid_m)
    total_m = float(distance_m[-1])
    dgrid = _rs.distance_grid(total_m, step_m=step_m)
    mv = moving & ~axis.gap
    if mv.sum() < 2:
        mv = ~axis.gap
    prof_t = _rs.interp_on_distance_grid(distance_m[mv], grid[mv], dgrid)
    prof_h = np.full(dgrid.shape, np.nan)
    prof_g = np.full(dgrid.shape, np.nan)
    ele_t = np.full(n, np.nan)
    grade_t = np.full(n, np.nan)
    ascent = descent = None
    notes = ()
    if ele.values_m is not None:
        sel = mv & np.isfinite(ele.values_m)
        if total_m >= 2 * step_m and sel.sum() >= 2:
            prof_h, prof_g, ascent, descent, fuse_notes = _on_distance_grid(distance_m, sel, ele, dgrid, config)
            notes = tuple(fuse_notes)
            ele_t = np.interp(distance_m, dgrid, prof_h)
            grade_t = np.interp(distance_m, dgrid, prof_g)
        else:
            ele_t, ascent, descent = _in_time(ele, moving, axis, config)
            notes = ("No horizontal distance: elevation was smoothed in time and grade is unknown.",)
        ele_t = np.where(np.isfinite(ele.values_m), ele_t, np.nan)
    return ElevationProfile(
        distance_m=dgrid, elevation_m=prof_h, grade=prof_g, elapsed_s=prof_t - grid[0],
        row_elevation_m=ele_t, row_grade=grade_t,
        vertical_speed_mps=_spd.vertical_speed(grid, ele_t, window_s=config.vam_window_s),
        ascent_m=ascent, descent_m=descent, notes=notes,
    )
