"""Terrain-tile heights refined with GPS altitude where their errors overlap in scale.

A DEM (SRTM, Copernicus) has no sample noise, but a vertical error of 2-5 m correlated over
~100 m of ground; along a trail that error is a slow wave of a few hundred metres. Hysteresis
cannot remove it and smoothing cannot either without erasing real hills of the same size.
Where it hurts most is at the turning points: the highest point of a flat ridge or the lowest
of a flat valley floor is picked where the error is highest (lowest), so every such peak and
trough is counted several metres too far out (docs/elevation-accuracy.md measures it).

GPS altitude carries the same terrain plus an *independent* error. Their difference
``gps - dem`` therefore holds no terrain at all, only the two errors: filtering it cannot
erase a real hill. Within the band where the DEM error lives (wavelengths from ~60 m of
ground to a few hundred metres) a share ``weight`` of the difference is added back to the
DEM heights, which averages the two independent errors there (inverse-variance weighting
of two errors of similar size: GPS altitude's fast error is ~4 m, a DEM's 2-5 m). Shorter
wavelengths (GPS jitter) and longer ones (GPS drift, calibration offset) are left to the DEM.
When the GPS altitude is much noisier than that, it is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .stats import mad_sigma

__all__ = ["GpsFusion", "gaussian_smooth", "fuse_gps_band"]


def gaussian_smooth(values: np.ndarray, sigma_pts: float) -> np.ndarray:
    """Gaussian smoothing of a finite 1-D series, edges extended with their end values.

    Parameters
    ----------
    values : numpy.ndarray
        Finite values on a uniform grid.
    sigma_pts : float
        Kernel standard deviation [grid points]; <= 0 returns a copy.

    Returns
    -------
    numpy.ndarray
    """
    v = np.asarray(values, dtype=float)
    if sigma_pts <= 0 or v.size < 2:
        return v.copy()
    half = int(np.ceil(4.0 * sigma_pts))
    x = np.arange(-half, half + 1, dtype=float)
    kernel = np.exp(-0.5 * (x / sigma_pts) ** 2)
    kernel /= kernel.sum()
    padded = np.concatenate([np.full(half, v[0]), v, np.full(half, v[-1])])
    return np.convolve(padded, kernel, mode="valid")


@dataclass(frozen=True)
class GpsFusion:
    """The fused profile and what was done.

    Attributes
    ----------
    elevation_m : numpy.ndarray
        DEM heights refined with GPS altitude (or the DEM heights unchanged when not used) [m].
    noise_m : float or None
        Robust standard deviation of ``gps - dem`` within the band [m] (both errors together);
        None when there was too little overlap to measure.
    used : bool
        Whether GPS altitude was blended in.
    """

    elevation_m: np.ndarray
    noise_m: float | None
    used: bool


def fuse_gps_band(dem_m, gps_m, *, grid_m: float, weight: float, short_m: float, long_m: float,
                  max_noise_m: float) -> GpsFusion:
    """Blend GPS altitude into DEM heights within the DEM error's band of wavelengths.

    Parameters
    ----------
    dem_m, gps_m : array_like
        DEM heights and GPS altitude on the same uniform distance grid [m]; NaN where absent.
    grid_m : float
        Grid spacing [m].
    weight : float
        Share of the band-passed difference added back, 0-1 (0: the DEM alone).
    short_m : float
        Gaussian sigma below which the difference is GPS jitter and dropped [m of track].
    long_m : float
        Gaussian sigma above which the difference is GPS drift or offset and dropped [m].
    max_noise_m : float
        GPS altitude is not used when the band-passed difference's robust standard
        deviation exceeds this [m].

    Returns
    -------
    GpsFusion
    """
    if not 0 <= weight <= 1:
        raise ValueError(f"weight must be within 0-1, got {weight}")
    if not 0 < short_m < long_m:
        raise ValueError(f"need 0 < short_m < long_m, got {short_m} and {long_m}")
    dem = np.asarray(dem_m, dtype=float)
    gps = np.asarray(gps_m, dtype=float)
    both = np.isfinite(dem) & np.isfinite(gps)
    if weight == 0 or both.sum() < max(8, int(long_m / grid_m)):
        return GpsFusion(dem.copy(), None, False)
    idx = np.flatnonzero(both)
    # The difference is terrain-free; fill the holes linearly so the filters see a whole series.
    diff = np.interp(np.arange(dem.size), idx, gps[idx] - dem[idx])
    band = gaussian_smooth(diff, short_m / grid_m) - gaussian_smooth(diff, long_m / grid_m)
    b = band[both]
    noise_m = mad_sigma(b)
    if not noise_m <= max_noise_m:
        return GpsFusion(dem.copy(), noise_m, False)
    out = dem + weight * band
    return GpsFusion(np.where(np.isfinite(dem), out, dem), noise_m, True)
