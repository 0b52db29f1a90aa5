"""Elevation on the time grid: a stage of :func:`~trailtech.prepare.prepare`.

Invalid values (sentinels, zero dropouts, garbage) are dropped. The source is decided once,
the same at any sampling rate: ``config.elevation_source`` when forced, else the file's
device (:mod:`trailtech.io.fit_devices` knows models with and without a barometer), else
the residual of the signal around a local line fit. With terrain tiles
(``config.dem_dir`` or ``$TRAILTECH_DEM``), GPS altitude is replaced by the tiles' heights
at the smoothed positions (source ``"dem"``); a barometer keeps its shape and the tiles
only correct its offset. A Hampel filter repairs short outliers, and barometric elevation
loses jumps faster than any runner climbs. Smoothing happens later, on the distance grid
(:mod:`.profile`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..config import AnalysisConfig
from ..processing import elevation as _ele
from ..processing.elevation_source import decide_source, device_barometer, track_elevation_source
from .time_axis import TimeAxis

__all__ = ["Elevation", "elevation", "decide_source", "device_barometer", "track_elevation_source"]


@dataclass(frozen=True, eq=False)
class Elevation:
    """Cleaned elevation per grid row.

    Attributes
    ----------
    values_m : numpy.ndarray or None
        Elevation [m] (NaN in gaps); None without usable elevation.
    source : str or None
        ``"barometric"``, ``"gps"``, ``"dem"`` (terrain tiles) or None without elevation.
    notes : tuple of str
    recorded_m : numpy.ndarray or None
        With source ``"dem"``: the recording's own cleaned altitude that the tiles replaced
        (NaN in gaps), which :mod:`.profile` may blend back in
        (:func:`~trailtech.processing.dem_fusion.fuse_gps_band`); None otherwise.
    """

    values_m: Optional[np.ndarray]
    source: Optional[str]
    notes: tuple[str, ...] = ()
    recorded_m: Optional[np.ndarray] = None

    @property
    def barometric(self) -> Optional[bool]:
        """Whether it comes from a barometric altimeter; None without elevation."""
        return None if self.source is None else self.source == "barometric"


def _terrain(values_m: Optional[np.ndarray], source: Optional[str], lat_deg: Optional[np.ndarray],
             lon_deg: Optional[np.ndarray], config: AnalysisConfig) -> tuple[Optional[np.ndarray], Optional[str], list]:
    """Apply terrain tiles to the grid elevation: the new values, source and notes."""
    from ..dem import dem_folder

    forced = config.elevation_source == "dem"
    folder = dem_folder(config.dem_dir or None)
    if folder is None or not folder:
        if forced:
            what = "no terrain tiles were given (--dem DIR or TRAILTECH_DEM)" if folder is None else \
                f"the folder {folder.folder} holds no tiles"
            return values_m, source, [f"Elevation source 'dem' was asked for but {what}: kept {source or 'no'} elevation."]
        return values_m, source, []
    if lat_deg is None or not np.isfinite(lat_deg).any():
        return values_m, source, (["Terrain tiles need positions; this track has none: kept its own elevation."]
                                  if forced else [])
    tiles = folder.sample(lat_deg, lon_deg)
    positioned = np.isfinite(lat_deg) & np.isfinite(lon_deg)
    covered = positioned & np.isfinite(tiles)
    cover = covered.sum() / max(positioned.sum(), 1)
    pct = f"{100 * cover:.0f} %"
    if source == "barometric" and not forced:
        if cover < config.dem_min_coverage:
            return values_m, source, []
        both = covered & np.isfinite(values_m)
        if not both.any():
            return values_m, source, []
        offset_m = float(np.median(tiles[both] - values_m[both]))
        return values_m + offset_m, source, [
            f"Barometric elevation kept; its offset corrected by {offset_m:+.0f} m onto the terrain tiles."]
    if cover < config.dem_min_coverage:
        return values_m, source, [
            f"Terrain tiles in {folder.folder} cover only {pct} of the track: kept {source or 'no'} elevation."]
    out = tiles.copy()
    notes = [f"Elevation from terrain tiles ({pct} of the track covered) instead of {source or 'no'} altitude."]
    missing = positioned & ~covered
    if values_m is not None and (missing.any() or (~positioned).any()):
        # The uncovered rest keeps its own altitude, shifted onto the tiles so no step appears
        # where coverage ends.
        both = covered & np.isfinite(values_m)
        shift = float(np.median(tiles[both] - values_m[both])) if both.any() else 0.0
        rest = ~covered & np.isfinite(values_m)
        out[rest] = values_m[rest] + shift
        if missing.any():
            notes.append(f"No terrain tile covers {100 * missing.sum() / positioned.sum():.0f} % of the positions: "
                         f"those keep {source} altitude shifted by {shift:+.0f} m.")
    return out, "dem", notes


def elevation(
    elevation_m: Optional[np.ndarray], axis: TimeAxis, barometric: Optional[bool], config: AnalysisConfig,
    lat_deg: Optional[np.ndarray] = None, lon_deg: Optional[np.ndarray] = None,
) -> Elevation:
    """Clean the elevation of the timed samples and put it on the grid.

    Parameters
    ----------
    elevation_m : numpy.ndarray or None
        Elevation per timed sample [m]; None when the file has none.
    axis : TimeAxis
    barometric : bool or None
        What the file says about its altimeter (``TrackMeta.barometric``); None: decided from
        the signal (:func:`decide_source`).
    config : AnalysisConfig
        Uses ``elevation_source``, ``dem_dir``, ``dem_min_coverage``, ``baro_max_fit_residual_m``,
        ``baro_fit_half_window_s``, ``hampel_window_s`` and ``max_vertical_speed_mps``.
    lat_deg, lon_deg : numpy.ndarray, optional
        Smoothed positions per grid row [deg], where terrain tiles are sampled.

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
    ele_g = source = None
    if ele is not None:
        source, reason = decide_source(axis.t_s, ele, barometric, config)
        if reason == "forced":
            notes.append(f"Elevation treated as {source} (--elevation-source).")
        ele_g, _ = _ele.hampel(axis.on_grid(ele), window=axis.window(config.hampel_window_s), min_scale=0.1)
        if source == "barometric":
            ele_g, n_clamped = _ele.clamp_vertical_rate(
                axis.grid_s, ele_g, max_vertical_speed_mps=config.max_vertical_speed_mps
            )
            if n_clamped:
                notes.append(f"Removed {n_clamped} elevation jump(s) faster than {config.max_vertical_speed_mps:g} m/s.")
    recorded = ele_g
    ele_g, source, dem_notes = _terrain(ele_g, source, lat_deg, lon_deg, config)
    notes.extend(dem_notes)
    if ele_g is None:
        notes.append("The file has no elevation: ascent, descent, grade and GAP are not computed.")
        return Elevation(None, None, tuple(notes))
    return Elevation(ele_g, source, tuple(notes), recorded_m=recorded if source == "dem" else None)
