"""Terrain tiles refined with GPS altitude: the difference is terrain-free, so real hills stay."""

import numpy as np
import pytest

from trailtech.processing.dem_fusion import fuse_gps_band, gaussian_smooth
from trailtech.processing.elevation import ascent_descent

GRID_M = 5.0
KW = dict(grid_m=GRID_M, weight=0.5, short_m=60.0, long_m=400.0, max_noise_m=8.0)


def _x(n=2400):
    return np.arange(n) * GRID_M


def _smooth_error(x, rng, sigma_m, corr_m=100.0):
    e = gaussian_smooth(rng.standard_normal(x.size), corr_m / GRID_M)
    return sigma_m * e / e.std()


def test_gaussian_smooth_keeps_constants_and_lines_away_from_the_edges():
    x = np.arange(500, dtype=float)
    assert np.allclose(gaussian_smooth(np.full(500, 3.0), 10), 3.0)
    line = gaussian_smooth(2 * x, 10)
    assert np.allclose(line[50:-50], 2 * x[50:-50])
    assert np.array_equal(gaussian_smooth(x, 0), x)


def test_the_terrain_cancels_in_the_difference():
    # Short steep hills (10 m over 150 m) that any smoothing long enough to remove a 100 m-
    # correlated DEM error would flatten: the tiles are exact here and the GPS altitude is
    # the same terrain plus an offset and a slow drift, so nothing may change.
    x = _x()
    terrain = 300 + 10 * np.sin(2 * np.pi * x / 150.0) + 0.02 * x
    gps = terrain + 25.0 + 6.0 * np.sin(2 * np.pi * x / 9000.0)
    out = fuse_gps_band(terrain, gps, **KW)
    assert out.used
    assert np.max(np.abs(out.elevation_m - terrain)[200:-200]) < 0.6
    assert ascent_descent(out.elevation_m, hysteresis_m=5)[0] == pytest.approx(
        ascent_descent(terrain, hysteresis_m=5)[0], rel=0.02)


def test_independent_errors_are_averaged_in_the_dem_band():
    rng = np.random.default_rng(3)
    x = _x()
    terrain = 300 + 0.03 * x
    dem_err = _smooth_error(x, rng, 5.0)
    gps_err = _smooth_error(x, rng, 4.0, corr_m=120.0)
    out = fuse_gps_band(terrain + dem_err, terrain + gps_err, **KW)
    assert out.used and 3.0 < out.noise_m < 9.0
    before = np.std(dem_err[200:-200])
    after = np.std((out.elevation_m - terrain)[200:-200])
    assert after < 0.8 * before


def test_noisy_gps_altitude_or_no_overlap_leaves_the_tiles_alone():
    rng = np.random.default_rng(4)
    x = _x()
    dem = 300 + 0.03 * x
    noisy = dem + _smooth_error(x, rng, 25.0)
    out = fuse_gps_band(dem, noisy, **KW)
    assert not out.used and out.noise_m > 8.0 and np.array_equal(out.elevation_m, dem)
    out = fuse_gps_band(dem, np.full(x.size, np.nan), **KW)
    assert not out.used and out.noise_m is None
    out = fuse_gps_band(dem, noisy, **{**KW, "weight": 0.0})
    assert not out.used and np.array_equal(out.elevation_m, dem)
    with pytest.raises(ValueError):
        fuse_gps_band(dem, noisy, **{**KW, "short_m": 500.0})
