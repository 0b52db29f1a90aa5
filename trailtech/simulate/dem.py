"""The simulator's true terrain as SRTM tiles, with realistic DEM error.

A course is a line; its terrain is the surface whose height at each tile post is the
course's elevation at the nearest point of the trail (so legs of a switchback blur into one
slope, as in a real DEM). Tiles then carry the error of a real DEM: heights are averaged
over the post spacing (1 arc-second ~ 30 m, as Copernicus GLO-30 and SRTM1; 3 arc-seconds
~ 90 m, as SRTM3), a vertical error of ``error_sigma_m`` correlated over ``error_corr_m``
(SRTM's and Copernicus's published absolute errors are 2-5 m RMSE on open terrain, with
autocorrelation lengths of ~100 m), and whole-metre int16 heights. Only the posts around
the course are computed; the rest of the 1 x 1 degree tile holds the course's mean height.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import numpy as np

from ..dem.tiles import hgt_name
from ..processing.geodesy import project_local
from .course import Course

__all__ = ["write_terrain_tiles"]


def write_terrain_tiles(
    course: Course,
    folder: Union[str, os.PathLike],
    *,
    seed: int = 0,
    arcsec: int = 1,
    error_sigma_m: float = 3.0,
    error_corr_m: float = 100.0,
    margin_m: float = 1500.0,
) -> list[Path]:
    """Write the SRTM ``.hgt`` tile(s) holding a course's terrain.

    Parameters
    ----------
    course : Course
    folder : str or os.PathLike
        Where the tiles go (created if missing).
    seed : int
        Fixes the DEM error.
    arcsec : {1, 3}
        Post spacing [arc-seconds]: 1 (3601 x 3601, ~30 m) or 3 (1201 x 1201, ~90 m).
    error_sigma_m : float
        Standard deviation of the vertical error [m].
    error_corr_m : float
        Correlation length of the vertical error [m] (Gaussian kernel sigma).
    margin_m : float
        Terrain is computed this far around the course [m].

    Returns
    -------
    list of Path
        The tiles written.
    """
    from scipy.ndimage import gaussian_filter
    from scipy.spatial import cKDTree

    if arcsec not in (1, 3):
        raise ValueError(f"arcsec must be 1 or 3, got {arcsec}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    side = 3600 // arcsec + 1
    step_deg = 1.0 / (side - 1)
    lat0, lon0 = course.origin_lat_deg, course.origin_lon_deg
    m_per_deg_lat = np.radians(1.0) * 6371008.8
    m_per_deg_lon = m_per_deg_lat * np.cos(np.radians(lat0))
    lat_trail = lat0 + course.north_m / m_per_deg_lat
    lon_trail = lon0 + course.east_m / m_per_deg_lon
    pad_lat, pad_lon = margin_m / m_per_deg_lat, margin_m / m_per_deg_lon
    tree = cKDTree(np.column_stack([course.east_m, course.north_m]))
    rng = np.random.default_rng(seed)
    post_m = step_deg * m_per_deg_lat
    written = []
    south, north = np.floor(lat_trail.min() - pad_lat), np.floor(lat_trail.max() + pad_lat)
    west, east = np.floor(lon_trail.min() - pad_lon), np.floor(lon_trail.max() + pad_lon)
    for tile_lat in range(int(south), int(north) + 1):
        for tile_lon in range(int(west), int(east) + 1):
            heights = np.full((side, side), np.round(float(np.mean(course.elevation_m))), dtype=np.int16)
            # Rows count south from the north edge, columns east from the west edge.
            r_lo = max(0, int(np.floor((tile_lat + 1 - (lat_trail.max() + pad_lat)) / step_deg)))
            r_hi = min(side, int(np.ceil((tile_lat + 1 - (lat_trail.min() - pad_lat)) / step_deg)) + 1)
            c_lo = max(0, int(np.floor((lon_trail.min() - pad_lon - tile_lon) / step_deg)))
            c_hi = min(side, int(np.ceil((lon_trail.max() + pad_lon - tile_lon) / step_deg)) + 1)
            if r_lo >= r_hi or c_lo >= c_hi:
                continue
            rows, cols = np.mgrid[r_lo:r_hi, c_lo:c_hi]
            lat_p = tile_lat + 1 - rows * step_deg
            lon_p = tile_lon + cols * step_deg
            x, y, _, _ = project_local(lat_p.ravel(), lon_p.ravel(), lat0_deg=lat0, lon0_deg=lon0)
            # A post reports the terrain averaged over its cell: the trail heights within
            # half a post spacing, else the nearest trail point's.
            _, nearest = tree.query(np.column_stack([x, y]))
            true_h = course.elevation_m[nearest].reshape(rows.shape)
            true_h = gaussian_filter(true_h, sigma=0.5, mode="nearest")
            noise = gaussian_filter(rng.standard_normal(rows.shape), sigma=error_corr_m / post_m, mode="wrap")
            noise *= error_sigma_m / max(float(noise.std()), 1e-12)
            heights[r_lo:r_hi, c_lo:c_hi] = np.round(true_h + noise).astype(np.int16)
            path = folder / f"{hgt_name(tile_lat + 0.5, tile_lon + 0.5)}.hgt"
            heights.astype(">i2").tofile(path)
            written.append(path)
    return written
